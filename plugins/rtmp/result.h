// Status and Result for the RTMP protocol layer: expected failures (malformed input from the
// network) travel as values carrying a message that says what was wrong, never as exceptions.
// The protocol layer has no dependency on the kek SDK so it can be fuzzed on its own; the shape
// mirrors kek::Result so the server can turn a failure into kek::error(message, 400).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace kek::rtmp {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status failure(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const {
    assert(failed_);
    return message_;
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)), failed_(true) {}
  std::string message_;
  bool failed_ = false;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Status failure) : v_(std::in_place_index<1>, failure.error()) { assert(!failure.ok()); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const std::string& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  // The failure as a Status, to pass it up unchanged.
  Status status() const { return ok() ? Status() : Status::failure(error()); }

 private:
  std::variant<T, std::string> v_;
};

}  // namespace kek::rtmp
