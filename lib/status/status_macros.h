// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr.
//
//   absl::StatusOr<Manifest> ReadManifest(const std::string& path);
//   absl::Status Check(const std::string& path) {
//     ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(path));
//     RETURN_IF_ERROR(Validate(manifest));
//     return absl::OkStatus();
//   }
#ifndef MAMMO_LIB_STATUS_STATUS_MACROS_H_
#define MAMMO_LIB_STATUS_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RETURN_IF_ERROR(expr)                                          \
  do {                                                                 \
    const ::absl::Status mammo_status_ = (expr);                       \
    if (ABSL_PREDICT_FALSE(!mammo_status_.ok())) return mammo_status_; \
  } while (0)

#define MAMMO_STATUS_CONCAT_INNER_(x, y) x##y
#define MAMMO_STATUS_CONCAT_(x, y) MAMMO_STATUS_CONCAT_INNER_(x, y)

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  MAMMO_ASSIGN_OR_RETURN_IMPL_(MAMMO_STATUS_CONCAT_(mammo_statusor_, __LINE__), lhs, rexpr)

#define MAMMO_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)          \
  auto statusor = (rexpr);                                          \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) return statusor.status(); \
  lhs = std::move(statusor).value()

#endif  // MAMMO_LIB_STATUS_STATUS_MACROS_H_
