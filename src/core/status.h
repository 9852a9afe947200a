// Status / Result: the error type of every module boundary. Messages are meant for the user:
// say what was wrong and, where possible, what to do about it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace coreinfer {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller (user) gave something wrong
  kNotFound,         // a file, tensor, key or model that does not exist
  kCorrupt,          // a file that is malformed or inconsistent
  kUnsupported,      // valid input that this build cannot handle (yet)
  kIo,               // the operating system said no
  kOutOfRange,       // a size or index beyond a limit
  kInternal,         // a bug in coreinfer
  kCancelled,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt: tensor 'x' extends past the end of the file"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIo, std::move(m)}; }
inline Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {
    if (std::get<Status>(v_).is_ok()) v_ = Status(StatusCode::kInternal, "Result made from an OK status");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace coreinfer

#define CI_CONCAT_INNER(a, b) a##b
#define CI_CONCAT(a, b) CI_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if it is not OK.
#define CI_RETURN_IF_ERROR(expr)                   \
  do {                                             \
    ::coreinfer::Status ci_status_ = (expr);       \
    if (!ci_status_.is_ok()) return ci_status_;    \
  } while (0)

// CI_ASSIGN_OR_RETURN(auto x, make_x()); declares x from a Result or returns its status.
#define CI_ASSIGN_OR_RETURN(decl, expr) CI_ASSIGN_OR_RETURN_IMPL(CI_CONCAT(ci_result_, __LINE__), decl, expr)
#define CI_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                              \
  if (!tmp.is_ok()) return tmp.status();          \
  decl = std::move(tmp).value()
