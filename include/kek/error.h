// kek::Error and kek::Result: expected failures travel as values with a message, never as
// exceptions across a plugin boundary.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kek {

struct Error {
  std::string message;
  // An HTTP-like status where one fits (400 bad input, 404 missing, 409 conflict, 500 internal).
  int code = 500;
  // The stable, machine-readable name of what went wrong, in snake_case ("username_taken"):
  // what the API sends as "code" and what clients translate by. Empty: the status's generic name
  // (status_error_code). The message may change wording; a reason never changes meaning.
  std::string reason = {};
};

// The generic stable code of an HTTP status: 400 "bad_request", 404 "not_found", 500 "internal".
inline std::string status_error_code(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "sign_in_required";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 410: return "gone";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 422: return "unprocessable";
    case 429: return "rate_limited";
    case 501: return "not_implemented";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : status >= 400 ? "bad_request" : "error";
  }
}

// The code the API sends for an error: its reason, else the generic one of its status.
inline std::string error_code_of(const Error& error) {
  return error.reason.empty() ? status_error_code(error.code) : error.reason;
}

// Puts what was being done in front of the message: wrap(err, "hls: open segment").
inline Error wrap(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  T value_or(T fallback) const { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(failed_); return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

inline Error error(std::string message, int code = 500, std::string reason = {}) {
  return Error{std::move(message), code, std::move(reason)};
}

}  // namespace kek
