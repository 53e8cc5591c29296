#include "amf0.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace kek::rtmp::amf0 {

namespace {

constexpr std::size_t kMaxShortString = 0xffff;

std::string describe_marker(std::uint8_t marker) {
  switch (marker) {
    case 0x04: return "movie clip (0x04, reserved)";
    case 0x07: return "reference (0x07)";
    case 0x0d: return "unsupported (0x0d)";
    case 0x0e: return "record set (0x0e, reserved)";
    case 0x0f: return "XML document (0x0f)";
    case 0x10: return "typed object (0x10)";
    case 0x11: return "AVM+ switch to AMF3 (0x11)";
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string text = "unknown marker 0x";
      text += kHex[marker >> 4];
      text += kHex[marker & 0x0f];
      return text;
    }
  }
}

// Bounds-checked big-endian reading over the message body. Every read names what it wanted
// so a truncated message produces "truncated AMF0 string body at offset 12: need 40 bytes, 3
// left" rather than a bare "short read".
class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::size_t offset, const DecodeLimits& limits)
      : bytes_(bytes), offset_(offset), limits_(limits) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }

  Status need(std::size_t count, const char* what) const {
    if (remaining() >= count) return {};
    return Status::failure("truncated AMF0 " + std::string(what) + " at offset " +
                           std::to_string(offset_) + ": need " + std::to_string(count) +
                           " bytes, " + std::to_string(remaining()) + " left");
  }

  std::uint8_t u8() { return bytes_[offset_++]; }
  std::uint16_t u16() {
    std::uint16_t v = static_cast<std::uint16_t>((bytes_[offset_] << 8) | bytes_[offset_ + 1]);
    offset_ += 2;
    return v;
  }
  std::uint32_t u32() {
    std::uint32_t v = (std::uint32_t{bytes_[offset_]} << 24) |
                      (std::uint32_t{bytes_[offset_ + 1]} << 16) |
                      (std::uint32_t{bytes_[offset_ + 2]} << 8) | std::uint32_t{bytes_[offset_ + 3]};
    offset_ += 4;
    return v;
  }
  double f64() {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | bytes_[offset_ + static_cast<std::size_t>(i)];
    offset_ += 8;
    return std::bit_cast<double>(bits);
  }
  std::string text(std::size_t length) {
    std::string s(reinterpret_cast<const char*>(bytes_.data() + offset_), length);
    offset_ += length;
    return s;
  }

  Result<std::string> short_string(const char* what) {
    if (auto st = need(2, what); !st) return st;
    std::size_t length = u16();
    if (auto st = need(length, what); !st) return st;
    return text(length);
  }

  Result<Value> value(int depth) {
    if (++values_ > limits_.max_values) {
      return Status::failure("AMF0 message holds more than " + std::to_string(limits_.max_values) +
                             " values");
    }
    if (auto st = need(1, "type marker"); !st) return st;
    const std::size_t marker_offset = offset_;
    const std::uint8_t marker = u8();
    switch (static_cast<Type>(marker)) {
      case Type::number: {
        if (auto st = need(8, "number"); !st) return st;
        return Value::number(f64());
      }
      case Type::boolean: {
        if (auto st = need(1, "boolean"); !st) return st;
        return Value::boolean(u8() != 0);
      }
      case Type::string: {
        auto s = short_string("string");
        if (!s) return s.status();
        return Value::string(std::move(*s));
      }
      case Type::long_string: {
        if (auto st = need(4, "long string length"); !st) return st;
        std::size_t length = u32();
        if (auto st = need(length, "long string"); !st) return st;
        return Value::long_string(text(length));
      }
      case Type::null: return Value::null();
      case Type::undefined: return Value::undefined();
      case Type::date: {
        if (auto st = need(10, "date"); !st) return st;
        double ms = f64();
        auto tz = static_cast<std::int16_t>(u16());
        return Value::date(ms, tz);
      }
      case Type::object:
      case Type::ecma_array: {
        if (depth >= limits_.max_depth) return too_deep(marker_offset);
        Value container = static_cast<Type>(marker) == Type::object ? Value::object()
                                                                    : Value::ecma_array();
        if (static_cast<Type>(marker) == Type::ecma_array) {
          // The count is only a hint (encoders disagree on it); the end marker is what counts.
          if (auto st = need(4, "ECMA array count"); !st) return st;
          (void)u32();
        }
        for (;;) {
          auto key = short_string("property name");
          if (!key) return key.status();
          if (key->empty()) {
            if (auto st = need(1, "type marker"); !st) return st;
            if (bytes_[offset_] == static_cast<std::uint8_t>(Type::object_end)) {
              ++offset_;
              return container;
            }
          }
          auto member = value(depth + 1);
          if (!member) return member.status();
          container.add(std::move(*key), std::move(*member));
        }
      }
      case Type::strict_array: {
        if (depth >= limits_.max_depth) return too_deep(marker_offset);
        if (auto st = need(4, "strict array count"); !st) return st;
        std::uint32_t count = u32();
        // Each element takes at least one byte: a count larger than what is left is a lie.
        // Even a plausible count sizes nothing: the vector grows with the values decoded
        // (a 1-byte null becomes a much bigger Value).
        if (count > remaining()) {
          return Status::failure("truncated AMF0 strict array at offset " +
                                 std::to_string(marker_offset) + ": claims " + std::to_string(count) +
                                 " elements but only " + std::to_string(remaining()) + " bytes follow");
        }
        std::vector<Value> elements;
        for (std::uint32_t i = 0; i < count; ++i) {
          auto element = value(depth + 1);
          if (!element) return element.status();
          elements.push_back(std::move(*element));
        }
        return Value::strict_array(std::move(elements));
      }
      case Type::object_end:
        return Status::failure("AMF0 object end marker outside an object at offset " +
                               std::to_string(marker_offset));
    }
    return Status::failure("unsupported AMF0 type " + describe_marker(marker) + " at offset " +
                           std::to_string(marker_offset));
  }

 private:
  Status too_deep(std::size_t at) const {
    return Status::failure("AMF0 nesting deeper than " + std::to_string(limits_.max_depth) +
                           " levels at offset " + std::to_string(at));
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t offset_;
  const DecodeLimits& limits_;
  std::size_t values_ = 0;
};

void put_u8(std::vector<std::uint8_t>& out, std::uint8_t v) { out.push_back(v); }
void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_f64(std::vector<std::uint8_t>& out, double v) {
  auto bits = std::bit_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(bits >> shift));
}
void put_bytes(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}
// Property names have a 16-bit length; a longer name cannot be expressed, so it is cut (names
// are ours, never that long in practice).
void put_key(std::vector<std::uint8_t>& out, std::string_view key) {
  key = key.substr(0, kMaxShortString);
  put_u16(out, static_cast<std::uint16_t>(key.size()));
  put_bytes(out, key);
}

void append_escaped(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string format_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  return std::to_string(v);
}

}  // namespace

std::string_view type_name(Type type) {
  switch (type) {
    case Type::number: return "number";
    case Type::boolean: return "boolean";
    case Type::string: return "string";
    case Type::object: return "object";
    case Type::null: return "null";
    case Type::undefined: return "undefined";
    case Type::ecma_array: return "ECMA array";
    case Type::object_end: return "object end";
    case Type::strict_array: return "strict array";
    case Type::date: return "date";
    case Type::long_string: return "long string";
  }
  return "?";
}

Value Value::number(double number) {
  Value v;
  v.type_ = Type::number;
  v.number_ = number;
  return v;
}
Value Value::boolean(bool boolean) {
  Value v;
  v.type_ = Type::boolean;
  v.boolean_ = boolean;
  return v;
}
Value Value::string(std::string text) {
  Value v;
  v.type_ = Type::string;
  v.string_ = std::move(text);
  return v;
}
Value Value::long_string(std::string text) {
  Value v;
  v.type_ = Type::long_string;
  v.string_ = std::move(text);
  return v;
}
Value Value::null() {
  Value v;
  v.type_ = Type::null;
  return v;
}
Value Value::undefined() { return Value(); }
Value Value::object() { return object(std::vector<Property>()); }
Value Value::ecma_array() { return ecma_array(std::vector<Property>()); }
Value Value::strict_array() { return strict_array(std::vector<Value>()); }
Value Value::object(std::vector<Property> properties) {
  Value v;
  v.type_ = Type::object;
  v.properties_ = std::move(properties);
  return v;
}
Value Value::ecma_array(std::vector<Property> properties) {
  Value v;
  v.type_ = Type::ecma_array;
  v.properties_ = std::move(properties);
  return v;
}
Value Value::strict_array(std::vector<Value> elements) {
  Value v;
  v.type_ = Type::strict_array;
  v.elements_ = std::move(elements);
  return v;
}
Value Value::date(double milliseconds_since_epoch, std::int16_t timezone_minutes) {
  Value v;
  v.type_ = Type::date;
  v.number_ = milliseconds_since_epoch;
  v.timezone_ = timezone_minutes;
  return v;
}

const std::string& Value::as_string() const {
  static const std::string kEmpty;
  return is_string() ? string_ : kEmpty;
}

const Value* Value::find(std::string_view key) const {
  for (const Property& p : properties_) {
    if (p.key == key) return &p.value;
  }
  return nullptr;
}

std::string_view Value::string_property(std::string_view key) const {
  const Value* v = find(key);
  return v ? std::string_view(v->as_string()) : std::string_view();
}

void Value::add(std::string key, Value value) {
  properties_.push_back(Property{std::move(key), std::move(value)});
}

void Value::push(Value value) { elements_.push_back(std::move(value)); }

std::string Value::to_string() const {
  std::string out;
  switch (type_) {
    case Type::number: return format_number(number_);
    case Type::boolean: return boolean_ ? "true" : "false";
    case Type::string:
    case Type::long_string: append_escaped(out, string_); return out;
    case Type::null: return "null";
    case Type::undefined: return "undefined";
    case Type::date: return "date(" + format_number(number_) + ")";
    case Type::object:
    case Type::ecma_array: {
      out = type_ == Type::object ? "{" : "[";
      bool first = true;
      for (const Property& p : properties_) {
        if (!first) out += ", ";
        first = false;
        out += p.key;
        out += ": ";
        out += p.value.to_string();
      }
      out += type_ == Type::object ? "}" : "]";
      return out;
    }
    case Type::strict_array: {
      out = "[";
      for (std::size_t i = 0; i < elements_.size(); ++i) {
        if (i) out += ", ";
        out += elements_[i].to_string();
      }
      return out + "]";
    }
    case Type::object_end: return "<end>";
  }
  return out;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::number:
      // Bitwise, so NaN round trips compare equal.
      return std::bit_cast<std::uint64_t>(a.number_) == std::bit_cast<std::uint64_t>(b.number_);
    case Type::date:
      return std::bit_cast<std::uint64_t>(a.number_) == std::bit_cast<std::uint64_t>(b.number_) &&
             a.timezone_ == b.timezone_;
    case Type::boolean: return a.boolean_ == b.boolean_;
    case Type::string:
    case Type::long_string: return a.string_ == b.string_;
    case Type::object:
    case Type::ecma_array: return a.properties_ == b.properties_;
    case Type::strict_array: return a.elements_ == b.elements_;
    case Type::null:
    case Type::undefined:
    case Type::object_end: return true;
  }
  return false;
}

Result<Value> decode_value(std::span<const std::uint8_t> bytes, std::size_t& offset,
                           const DecodeLimits& limits) {
  if (offset > bytes.size()) return Status::failure("AMF0 decode offset past the end");
  Reader reader(bytes, offset, limits);
  auto value = reader.value(0);
  if (value) offset = reader.offset();
  return value;
}

Result<Values> decode_all(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  Reader reader(bytes, 0, limits);
  Values values;
  while (reader.remaining() > 0) {
    auto value = reader.value(0);
    if (!value) return value.status();
    values.push_back(std::move(*value));
  }
  return values;
}

void encode(const Value& value, std::vector<std::uint8_t>& out) {
  switch (value.type()) {
    case Type::number:
      put_u8(out, static_cast<std::uint8_t>(Type::number));
      put_f64(out, value.as_number());
      return;
    case Type::boolean:
      put_u8(out, static_cast<std::uint8_t>(Type::boolean));
      put_u8(out, value.as_boolean() ? 1 : 0);
      return;
    case Type::string:
    case Type::long_string: {
      const std::string& s = value.as_string();
      if (s.size() <= kMaxShortString) {
        put_u8(out, static_cast<std::uint8_t>(Type::string));
        put_u16(out, static_cast<std::uint16_t>(s.size()));
      } else {
        put_u8(out, static_cast<std::uint8_t>(Type::long_string));
        put_u32(out, static_cast<std::uint32_t>(s.size()));
      }
      put_bytes(out, s);
      return;
    }
    case Type::null: put_u8(out, static_cast<std::uint8_t>(Type::null)); return;
    case Type::undefined:
    case Type::object_end: put_u8(out, static_cast<std::uint8_t>(Type::undefined)); return;
    case Type::date:
      put_u8(out, static_cast<std::uint8_t>(Type::date));
      put_f64(out, value.as_number());
      put_u16(out, static_cast<std::uint16_t>(value.timezone()));
      return;
    case Type::object:
    case Type::ecma_array:
      put_u8(out, static_cast<std::uint8_t>(value.type()));
      if (value.type() == Type::ecma_array) {
        put_u32(out, static_cast<std::uint32_t>(value.properties().size()));
      }
      for (const Property& p : value.properties()) {
        put_key(out, p.key);
        encode(p.value, out);
      }
      put_u16(out, 0);
      put_u8(out, static_cast<std::uint8_t>(Type::object_end));
      return;
    case Type::strict_array:
      put_u8(out, static_cast<std::uint8_t>(Type::strict_array));
      put_u32(out, static_cast<std::uint32_t>(value.elements().size()));
      for (const Value& element : value.elements()) encode(element, out);
      return;
  }
}

void encode_all(std::span<const Value> values, std::vector<std::uint8_t>& out) {
  for (const Value& v : values) encode(v, out);
}

std::vector<std::uint8_t> encode_all(std::span<const Value> values) {
  std::vector<std::uint8_t> out;
  encode_all(values, out);
  return out;
}

}  // namespace kek::rtmp::amf0
