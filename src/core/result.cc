#include "truce/result.h"

namespace truce {

Error MakeProblemsError(std::string_view what, std::vector<std::string> problems) {
  std::string message(what);
  message +=
      ": " + std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
  return Error{ErrorCode::kInvalidInput, std::move(message), std::move(problems)};
}

std::string_view ErrorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kInvalidInput:
      return "invalid_input";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kIo:
      return "io_error";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace truce
