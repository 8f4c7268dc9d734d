#include "truce/result.h"

#include <array>

namespace truce {
namespace {

// Exit codes: 1 for anything the user can fix (bad input, refused, not found); 69 (EX_UNAVAILABLE)
// when a service is busy; 74 (EX_IOERR) is not used so that scripts keep seeing 1 for an
// unreadable file as they always have; 70 (EX_SOFTWARE) only for bugs.
constexpr std::array<ErrorCodeInfo, 16> kTable = {{
    {ErrorCode::kInvalidArgument, "invalid_argument", 400, 1},
    {ErrorCode::kInvalidInput, "invalid_input", 400, 1},
    {ErrorCode::kBadRequest, "bad_request", 400, 1},
    {ErrorCode::kBadJson, "bad_json", 400, 1},
    {ErrorCode::kNotFound, "not_found", 404, 1},
    {ErrorCode::kConflict, "conflict", 409, 1},
    {ErrorCode::kUnauthenticated, "unauthenticated", 401, 1},
    {ErrorCode::kForbidden, "forbidden", 403, 1},
    {ErrorCode::kTooLarge, "payload_too_large", 413, 1},
    {ErrorCode::kHeaderTooLarge, "header_too_large", 431, 1},
    {ErrorCode::kUnsupportedMediaType, "unsupported_media_type", 415, 1},
    {ErrorCode::kMethodNotAllowed, "method_not_allowed", 405, 1},
    {ErrorCode::kTooManyRequests, "too_many_requests", 429, 69},
    {ErrorCode::kUnavailable, "unavailable", 503, 69},
    {ErrorCode::kIo, "io_error", 503, 1},
    {ErrorCode::kInternal, "internal", 500, 70},
}};

}  // namespace

std::vector<Problem> ProblemsFromLines(std::vector<std::string> lines) {
  std::vector<Problem> out;
  out.reserve(lines.size());
  for (std::string& line : lines) out.push_back(Problem{"", std::move(line)});
  return out;
}

std::vector<std::string> ProblemLines(const Error& e) {
  std::vector<std::string> out;
  out.reserve(e.problems.size());
  for (const Problem& p : e.problems) out.push_back(p.ToString());
  return out;
}

Error MakeProblemsError(std::string_view what, std::vector<Problem> problems) {
  std::string message(what);
  message +=
      ": " + std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
  return Error{ErrorCode::kInvalidInput, std::move(message), std::move(problems)};
}

Error MakeProblemsError(std::string_view what, std::vector<std::string> problems) {
  return MakeProblemsError(what, ProblemsFromLines(std::move(problems)));
}

const ErrorCodeInfo& DescribeErrorCode(ErrorCode code) noexcept {
  for (const ErrorCodeInfo& info : kTable) {
    if (info.code == code) return info;
  }
  return kTable.back();
}

std::string_view ErrorCodeName(ErrorCode code) noexcept { return DescribeErrorCode(code).name; }

ErrorCode ErrorCodeForHttpStatus(int status) noexcept {
  for (const ErrorCodeInfo& info : kTable) {
    // kIo shares 503 with kUnavailable; an HTTP library's own 503 is overload, not the store.
    if (info.http_status == status && info.code != ErrorCode::kIo) return info.code;
  }
  return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
}

}  // namespace truce
