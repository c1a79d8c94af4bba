// Error values for everything input can cause: Status (success or an error) and Expected<T> (a value or an error).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace npu {

/// An error message meant for a user: it names the file, line, key, node or instruction at fault.
class Error {
public:
  explicit Error(std::string Message) : Message(std::move(Message)) {}
  const std::string &message() const { return Message; }
  /// Prefixes context, e.g. the file or the instruction index: "ctx: message".
  Error withContext(const std::string &Ctx) const { return Error(Ctx + ": " + Message); }

private:
  std::string Message;
};

/// Success, or an Error.
class [[nodiscard]] Status {
public:
  Status() = default;
  Status(Error E) : Err(std::move(E)) {}
  static Status ok() { return Status(); }
  bool isOk() const { return !Err.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Error &error() const {
    assert(Err && "error() on an ok Status");
    return *Err;
  }
  const std::string &message() const { return error().message(); }
  Status withContext(const std::string &Ctx) const {
    return isOk() ? Status() : Status(Err->withContext(Ctx));
  }

private:
  std::optional<Error> Err;
};

/// A T, or an Error.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T Value) : Storage(std::move(Value)) {}
  Expected(Error E) : Storage(std::move(E)) {}
  Expected(Status S) : Storage(S.error()) { assert(!S.isOk()); }
  bool isOk() const { return std::holds_alternative<T>(Storage); }
  explicit operator bool() const { return isOk(); }
  T &operator*() { return std::get<T>(Storage); }
  const T &operator*() const { return std::get<T>(Storage); }
  T *operator->() { return &std::get<T>(Storage); }
  const T *operator->() const { return &std::get<T>(Storage); }
  T &value() { return std::get<T>(Storage); }
  const T &value() const { return std::get<T>(Storage); }
  T takeValue() { return std::move(std::get<T>(Storage)); }
  const Error &error() const { return std::get<Error>(Storage); }
  const std::string &message() const { return error().message(); }
  Status status() const { return isOk() ? Status() : Status(error()); }

private:
  std::variant<T, Error> Storage;
};

/// Builds an Error from streamable parts: makeError("line ", 3, ": bad key").
template <typename... Args> Error makeError(Args &&...Parts);

} // namespace npu

#include <sstream>
template <typename... Args> npu::Error npu::makeError(Args &&...Parts) {
  std::ostringstream OS;
  (OS << ... << Parts);
  return Error(OS.str());
}

/// Returns early from a function returning Status or Expected when a Status-like expression fails.
#define NPU_TRY(Expr)                                                                              \
  do {                                                                                             \
    auto NpuTryResult_ = (Expr);                                                                   \
    if (!NpuTryResult_.isOk())                                                                     \
      return NpuTryResult_.error();                                                                \
  } while (0)
