#include "lib/cli/cli.h"

#include "gtest/gtest.h"

namespace mammo::cli {
namespace {

TEST(CliTest, ExitCodesFollowTheDocumentedMapping) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("--size must be positive")), 1);
  EXPECT_EQ(ExitCodeFor(absl::DataLossError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::ResourceExhaustedError("disk full")), 2);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), 3);
  EXPECT_EQ(ExitCodeFor(absl::UnknownError("x")), 3);
}

TEST(CliTest, ResolveThreads) {
  EXPECT_EQ(ResolveThreads(3), 3);
  EXPECT_GE(ResolveThreads(0), 1);
}

}  // namespace
}  // namespace mammo::cli
