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
  kInvalidArgument,  // A caller-supplied value is malformed (bad time, bad coordinate).
  kInvalidInput,     // A file or document is malformed; `problems` lists each defect.
  kNotFound,         // A named thing (file, zone, party) does not exist.
  kConflict,         // Input contradicts what is already known.
  kIo,               // The outside world failed (unreadable file).
  kInternal,         // A bug; never caused by user input.
};

// The stable string for a code, as printed by the CLI and returned by the API.
std::string_view ErrorCodeName(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Every defect found, each a self-contained line naming file, feature or line, and field.
  std::vector<std::string> problems;
};

[[nodiscard]] inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message), {}};
}

// The error of a validation that found `problems` (non-empty): kInvalidInput, the message
// "WHAT: N problem(s)", every problem listed.
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
