#include "lib/cli/cli.h"

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_FLAG(std::string, test_output, "", "A flag that takes a value.");
ABSL_FLAG(bool, test_switch, false, "A bool flag.");

namespace mammo::cli {
namespace {

TEST(CliTest, ExitCodesFollowTheDocumentedMapping) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("--size must be positive")), 1);
  EXPECT_EQ(ExitCodeFor(absl::DataLossError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::ResourceExhaustedError("disk full")), 2);
  EXPECT_EQ(ExitCodeFor(absl::UnimplementedError("unsupported transfer syntax")), 2);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), 3);
  EXPECT_EQ(ExitCodeFor(absl::UnknownError("x")), 3);
}

TEST(CliTest, DashAfterAValueFlagIsItsValueAndAfterABoolFlagAnArgument) {
  const char* argv[] = {"tool", "--test_output", "-", "--test_switch", "-", "file"};
  const std::vector<std::string> args =
      ParseCommandLine(6, const_cast<char**>(argv), "Usage: tool [OPTION]... FILE...");
  EXPECT_EQ(absl::GetFlag(FLAGS_test_output), "-");
  EXPECT_TRUE(absl::GetFlag(FLAGS_test_switch));
  EXPECT_EQ(args, (std::vector<std::string>{"-", "file"}));
  EXPECT_EQ(ToolName(), "tool");
}

TEST(CliTest, ResolveThreads) {
  EXPECT_EQ(ResolveThreads(3), 3);
  EXPECT_GE(ResolveThreads(0), 1);
}

TEST(RepeatedFlagValuesTest, AllValuesInOrderUpToDoubleDash) {
  const char* argv[] = {"augment",  "--op=rotate:p=1", "--seed", "3",       "--op",
                        "flip",     "-op=zoom",        "in",     "--opt=x", "--",
                        "--op=late"};
  const std::vector<std::string> got = RepeatedFlagValues(11, const_cast<char**>(argv), "op");
  EXPECT_EQ(got, (std::vector<std::string>{"rotate:p=1", "flip", "zoom"}));
}

TEST(ParseTripleTest, ThreeFiniteNumbersOrAnError) {
  const absl::StatusOr<std::array<float, 3>> v = ParseTriple("0.5,0.25,1");
  ASSERT_TRUE(v.ok());
  EXPECT_FLOAT_EQ((*v)[1], 0.25f);
  EXPECT_FALSE(ParseTriple("0.5,0.5").ok());
  EXPECT_FALSE(ParseTriple("0.5,x,0.5").ok());
  EXPECT_FALSE(ParseTriple("0.5,nan,0.5").ok());
}

}  // namespace
}  // namespace mammo::cli
