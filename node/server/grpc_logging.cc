#include "node/server/grpc_logging.h"

#include <grpc/support/log.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "node/common/logger.h"

namespace fedlink::server {
namespace {

void ToLogger(gpr_log_func_args* args) {
  const common::LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR
                                     ? common::LogLevel::kWarning
                                     : common::LogLevel::kDebug;
  const char* file = args->file == nullptr ? "" : args->file;
  const char* slash = std::strrchr(file, '/');
  common::Log(level, "grpc", "grpc.log",
              {{"at", absl::StrCat(slash == nullptr ? file : slash + 1, ":", args->line)},
               {"message", args->message == nullptr ? "" : args->message}});
}

}  // namespace

void RouteGrpcLogging() {
  gpr_set_log_verbosity(common::LogEnabled(common::LogLevel::kDebug) ? GPR_LOG_SEVERITY_DEBUG
                                                                     : GPR_LOG_SEVERITY_ERROR);
  gpr_set_log_function(ToLogger);
}

}  // namespace fedlink::server
