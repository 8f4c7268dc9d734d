// Errors as values: Result<T> holds either a T or an Error naming what went wrong and where.
//
// Expected failures (bad input, not found, conflict) travel as values and never as exceptions
// across a module boundary (STYLE.md section 5). An Error carries a stable code, a one-line
// message and, for validations that report every problem at once, the list of problems.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace truce {

enum class ErrorCode {
  kInvalidArgument,       // A caller-supplied value is malformed (bad time, bad coordinate).
  kInvalidInput,          // A file or document is malformed; `problems` lists each defect.
  kBadRequest,            // An HTTP request that is not well-formed HTTP (bad length, path).
  kBadJson,               // A document is not JSON at all (syntax, nesting, number range).
  kNotFound,              // A named thing (file, zone, party) does not exist.
  kConflict,              // Input contradicts what is already known.
  kUnauthenticated,       // No credentials where they are needed, or unknown ones.
  kForbidden,             // The caller's role may not do this, or a party acts as another.
  kTooLarge,              // A body or batch is over its limit.
  kHeaderTooLarge,        // An HTTP request head over its limit.
  kUnsupportedMediaType,  // A body in a media type that is not accepted.
  kMethodNotAllowed,      // The resource exists but not for this method.
  kTooManyRequests,       // One client asks for more than its share; retry later.
  kUnavailable,           // The service is overloaded; retry later.
  kIo,                    // The outside world failed (unreadable file, store down).
  kInternal,              // A bug; never caused by user input.
};

// The one table (STYLE.md section 5) from an ErrorCode to what adapters show: the stable
// string (printed by the CLI, returned by the API), the HTTP status, the CLI exit code.
struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;
  int http_status;
  int exit_code;
};
const ErrorCodeInfo& DescribeErrorCode(ErrorCode code) noexcept;
// The stable string for a code.
std::string_view ErrorCodeName(ErrorCode code) noexcept;
// The code an HTTP status stands for (for errors an HTTP library raises itself); kInternal for
// a 5xx it does not know, kInvalidArgument for a 4xx.
ErrorCode ErrorCodeForHttpStatus(int status) noexcept;

// One defect of a validation: where it is and what is wrong. `where` is a location the reader
// can act on: a JSON Pointer into a request body ("/3/latitude", "?limit" for a query
// parameter), or a file position with the field ("reports.csv:12: latitude"); "" when the
// message itself says where.
struct Problem {
  std::string where;
  std::string message;

  // "WHERE: MESSAGE", or the message alone when `where` is empty.
  std::string ToString() const { return where.empty() ? message : where + ": " + message; }
  friend bool operator==(const Problem&, const Problem&) = default;
};

// Problems from self-contained lines (each already naming its place).
std::vector<Problem> ProblemsFromLines(std::vector<std::string> lines);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Every defect found.
  std::vector<Problem> problems;
};

// Each problem of `e` as one line (Problem::ToString), in order.
std::vector<std::string> ProblemLines(const Error& e);

[[nodiscard]] inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message), {}};
}

// The error of a validation that found `problems` (non-empty): kInvalidInput, the message
// "WHAT: N problem(s)", every problem listed.
[[nodiscard]] Error MakeProblemsError(std::string_view what, std::vector<Problem> problems);
[[nodiscard]] Error MakeProblemsError(std::string_view what, std::vector<std::string> problems);

// Result<T>: a T, or an Error. Thread-compatible like the T it holds.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return std::holds_alternative<T>(state_); }
  explicit operator bool() const noexcept { return ok(); }

  // REQUIRES: ok().
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // REQUIRES: !ok().
  const Error& error() const& {
    assert(!ok());
    return std::get<Error>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<Error>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

// Status: success or an Error, for operations that produce no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  // REQUIRES: !ok().
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace truce
