#include "json_reader.h"

#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "truce/text_policy.h"

namespace truce::formats {
namespace {

using nlohmann::json;

// A char iterator that records how far the parser has read, so that errors found by the SAX
// handler (depth, duplicate keys), which nlohmann gives no position, can name one.
class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* p, const char** furthest) : p_(p), furthest_(furthest) {}
  reference operator*() const { return *p_; }
  TrackingIterator& operator++() {
    *furthest_ = ++p_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(const TrackingIterator& a, const TrackingIterator& b) {
    return a.p_ == b.p_;
  }

 private:
  const char* p_;
  const char** furthest_;
};

// "FILE:LINE:COLUMN: invalid JSON: what" for the byte at `offset` (0-based) of `text`.
Error JsonErrorAt(std::string_view text, std::string_view file, size_t first_line, size_t offset,
                  std::string_view what) {
  offset = std::min(offset, text.size());
  size_t line = first_line, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("{}:{}:{}: invalid JSON: {}", file, line, column, what));
}

// nlohmann's message without its "[json.exception...] parse error at ...: " prefix, with the
// text it quotes ("last read: '...'") cut short and escaped.
std::string LibraryMessage(const std::string& what) {
  std::string out = what;
  if (const size_t colon = out.find(": "); colon != std::string::npos) out = out.substr(colon + 2);
  constexpr std::string_view kLastRead = "last read: '";
  if (const size_t at = out.find(kLastRead); at != std::string::npos) {
    std::string token = out.substr(at + kLastRead.size());
    if (!token.empty() && token.back() == '\'') token.pop_back();
    out = out.substr(0, at) + "last read: " + Quote(token, 32);
  }
  return out;
}

// Builds the document from SAX events (as nlohmann's own DOM builder does), enforcing the
// depth limit and unique keys, and optionally handing the elements of one array out as they
// complete.
class Builder {
 public:
  Builder(json& root, const JsonOptions& options, std::string_view stream_key, bool stream,
          const JsonElementFn* each)
      : root_(root),
        max_depth_(options.max_depth),
        stream_(stream),
        stream_key_(stream_key),
        each_(each) {}

  bool null() { return Scalar(json(nullptr)); }
  bool boolean(bool v) { return Scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return Scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Scalar(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return Scalar(json(v)); }
  bool string(std::string& v) { return Scalar(json(std::move(v))); }
  bool binary(json::binary_t& v) { return Scalar(json::binary(std::move(v))); }

  bool start_object(size_t) { return Open(json::value_t::object); }
  bool start_array(size_t) { return Open(json::value_t::array); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(std::string& k) {
    if (stack_.size() == 1) top_key_ = k;
    auto& members = stack_.back()->get_ref<json::object_t&>();
    auto [it, inserted] = members.try_emplace(k);
    if (!inserted) {
      failure_ =
          fmt::format("duplicate key {} (each key may appear once in an object)", Quote(k, 32));
      return false;
    }
    member_ = &it->second;
    return true;
  }

  bool parse_error(size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& e) {
    error_position_ = position;
    if (e.id == 406) {
      failure_ = fmt::format("number {} is out of range (beyond +-1.8e308)", Quote(last_token, 32));
    } else {
      failure_ = LibraryMessage(e.what());
    }
    library_error_ = true;
    return false;
  }

  const std::string& failure() const { return failure_; }
  bool library_error() const { return library_error_; }
  size_t error_position() const { return error_position_; }

 private:
  // Places a new value where the parser is: the root, the next array element, or the member
  // whose key was just read.
  json* Place(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      auto& elements = parent.get_ref<json::array_t&>();
      elements.push_back(std::move(v));
      return &elements.back();
    }
    *member_ = std::move(v);
    return member_;
  }

  bool Scalar(json&& v) {
    Place(std::move(v));
    Completed();
    return true;
  }

  bool Open(json::value_t type) {
    if (stack_.size() >= max_depth_) {
      failure_ = fmt::format(
          "nested deeper than {} levels of arrays and objects (the limit for any JSON input)",
          max_depth_);
      return false;
    }
    const bool streamed =
        stream_ && type == json::value_t::array && streamed_ == nullptr &&
        ((stream_key_.empty() && stack_.empty()) || (!stream_key_.empty() && stack_.size() == 1 &&
                                                     root_.is_object() && top_key_ == stream_key_));
    json* opened = Place(json(type));
    if (streamed) streamed_ = opened;
    stack_.push_back(opened);
    return true;
  }

  bool Close() {
    stack_.pop_back();
    Completed();
    return true;
  }

  // A value just completed: if it is an element of the streamed array, hand it out.
  void Completed() {
    if (streamed_ == nullptr || stack_.empty() || stack_.back() != streamed_) return;
    auto& elements = streamed_->get_ref<json::array_t&>();
    json element = std::move(elements.back());
    elements.pop_back();
    (*each_)(std::move(element), index_++);
  }

  json& root_;
  const size_t max_depth_;
  const bool stream_;
  const std::string_view stream_key_;
  const JsonElementFn* each_;
  std::vector<json*> stack_;  // the open arrays and objects, outermost first
  json* member_ = nullptr;    // the member of the innermost object whose key was just read
  std::string top_key_;       // the last key read in the top-level object
  json* streamed_ = nullptr;
  size_t index_ = 0;
  std::string failure_;
  bool library_error_ = false;
  size_t error_position_ = 0;
};

Result<json> Parse(std::string_view text, std::string_view file, const JsonOptions& options,
                   std::string_view stream_key, bool stream, const JsonElementFn* each) {
  json root;
  Builder builder(root, options, stream_key, stream, each);
  const char* furthest = text.data();
  const TrackingIterator first(text.data(), &furthest);
  const TrackingIterator last(text.data() + text.size(), &furthest);
  if (json::sax_parse(first, last, &builder)) return root;
  // nlohmann's position counts characters read, one past the offending one; the handler's own
  // refusals come right after the token that caused them.
  const size_t read = builder.library_error() ? builder.error_position()
                                              : static_cast<size_t>(furthest - text.data());
  return JsonErrorAt(text, file, options.first_line, read == 0 ? 0 : read - 1, builder.failure());
}

}  // namespace

Result<json> ParseJson(std::string_view text, std::string_view file) {
  return ParseJson(text, file, JsonOptions{});
}

Result<json> ParseJson(std::string_view text, std::string_view file, const JsonOptions& options) {
  return Parse(text, file, options, "", false, nullptr);
}

Result<json> ParseJsonStreaming(std::string_view text, std::string_view file,
                                std::string_view array_key, const JsonElementFn& each,
                                const JsonOptions& options) {
  return Parse(text, file, options, array_key, true, &each);
}

Error JsonSyntaxError(const json::parse_error& e, std::string_view text, std::string_view file) {
  return JsonErrorAt(text, file, 1, e.byte == 0 ? 0 : e.byte - 1, LibraryMessage(e.what()));
}

std::string SafeDump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string QuoteJson(const json& value, size_t max_chars) {
  return EscapeControls(SafeDump(value), max_chars);
}

}  // namespace truce::formats
