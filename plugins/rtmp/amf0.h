// AMF0 (Action Message Format 0), the encoding of RTMP commands and data messages: a value
// type, an encoder and a decoder that treats its input as hostile (bounded depth, bounded
// value count, never reads past the end, every failure says what and where).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace kek::rtmp::amf0 {

// The type markers of AMF0 (spec section 2.1). Only the ones we decode are listed; the others
// (movie clip, reference, unsupported, record set, XML document, typed object, AVM+ switch)
// are rejected with a message naming them.
enum class Type : std::uint8_t {
  number = 0x00,
  boolean = 0x01,
  string = 0x02,
  object = 0x03,
  null = 0x05,
  undefined = 0x06,
  ecma_array = 0x08,
  object_end = 0x09,  // only inside objects on the wire; never a Value of its own
  strict_array = 0x0a,
  date = 0x0b,
  long_string = 0x0c,
};

std::string_view type_name(Type type);

struct Property;

// One AMF0 value. Objects and ECMA arrays keep their properties in wire order (clients and
// flvdemux do not care about order, but round trips and readable dumps do).
class Value {
 public:
  Value() = default;  // undefined

  static Value number(double number);
  static Value boolean(bool boolean);
  // Encoded as a long string when longer than 65535 bytes.
  static Value string(std::string text);
  static Value long_string(std::string text);
  static Value null();
  static Value undefined();
  // Overloads rather than default arguments: a default `{}` would need Property complete here.
  static Value object();
  static Value object(std::vector<Property> properties);
  static Value ecma_array();
  static Value ecma_array(std::vector<Property> properties);
  static Value strict_array();
  static Value strict_array(std::vector<Value> elements);
  static Value date(double milliseconds_since_epoch, std::int16_t timezone_minutes = 0);

  Type type() const { return type_; }
  bool is_number() const { return type_ == Type::number; }
  bool is_boolean() const { return type_ == Type::boolean; }
  bool is_string() const { return type_ == Type::string || type_ == Type::long_string; }
  bool is_null() const { return type_ == Type::null; }
  bool is_undefined() const { return type_ == Type::undefined; }
  bool is_null_or_undefined() const { return is_null() || is_undefined(); }
  // Objects and ECMA arrays: both are key/value maps to a reader.
  bool has_properties() const { return type_ == Type::object || type_ == Type::ecma_array; }
  bool is_strict_array() const { return type_ == Type::strict_array; }

  // The payload; a neutral value (0, false, "", empty list) when the type does not match, so
  // protocol code can read optional fields without a check per step.
  double as_number() const { return type_ == Type::number || type_ == Type::date ? number_ : 0.0; }
  bool as_boolean() const { return type_ == Type::boolean && boolean_; }
  const std::string& as_string() const;
  const std::vector<Property>& properties() const { return properties_; }
  const std::vector<Value>& elements() const { return elements_; }
  std::int16_t timezone() const { return timezone_; }

  // First property named `key` of an object or ECMA array, or nullptr.
  const Value* find(std::string_view key) const;
  // The string property `key`, or "" when absent or not a string.
  std::string_view string_property(std::string_view key) const;

  void add(std::string key, Value value);  // object / ECMA array
  void push(Value value);                  // strict array

  // Human-readable, for logs and test failures: {app: "live", n: 1}.
  std::string to_string() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  Type type_ = Type::undefined;
  double number_ = 0.0;
  bool boolean_ = false;
  std::int16_t timezone_ = 0;
  std::string string_;
  std::vector<Property> properties_;
  std::vector<Value> elements_;
};

struct Property {
  std::string key;
  Value value;
  friend bool operator==(const Property& a, const Property& b) = default;
};

using Values = std::vector<Value>;

// Bounds that keep a hostile message from costing more than a bounded amount of memory and
// stack. A legitimate command or onMetaData is a few dozen values, two or three levels deep.
struct DecodeLimits {
  int max_depth = 16;
  std::size_t max_values = 65536;
};

// Decodes one value starting at `offset`; on success `offset` is moved past it.
Result<Value> decode_value(std::span<const std::uint8_t> bytes, std::size_t& offset,
                           const DecodeLimits& limits = {});
// Decodes a whole command or data message body: values back to back until the end.
Result<Values> decode_all(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

void encode(const Value& value, std::vector<std::uint8_t>& out);
void encode_all(std::span<const Value> values, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode_all(std::span<const Value> values);

}  // namespace kek::rtmp::amf0
