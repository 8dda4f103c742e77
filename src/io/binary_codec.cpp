// binary_codec.cpp — byte-at-a-time little-endian encoding, independent of the host's byte order.
#include "io/binary_codec.hpp"

#include <cstring>
#include <stdexcept>
#include <utility>

namespace relunet {

namespace {

void append_le(std::string& out, uint64_t value, int byte_count) {
  for (int i = 0; i < byte_count; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t decode_le(const unsigned char* bytes, int byte_count) {
  uint64_t value = 0;
  for (int i = 0; i < byte_count; ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return value;
}

uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float float_from_bits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace

void ByteWriter::u32(uint32_t value) { append_le(buffer_, value, 4); }
void ByteWriter::u64(uint64_t value) { append_le(buffer_, value, 8); }
void ByteWriter::i64(int64_t value) { append_le(buffer_, static_cast<uint64_t>(value), 8); }
void ByteWriter::f32(float value) { append_le(buffer_, float_bits(value), 4); }

void ByteWriter::string(std::string_view text) {
  u64(text.size());
  raw(text);
}

void ByteWriter::f32_array(const std::vector<float>& values) {
  buffer_.reserve(buffer_.size() + 4 * values.size());
  for (float value : values) f32(value);
}

void ByteWriter::raw(std::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }

void ByteWriter::patch_u64(size_t offset, uint64_t value) {
  if (offset > buffer_.size() || buffer_.size() - offset < 8)
    throw std::logic_error("ByteWriter::patch_u64: offset outside the written bytes");
  for (int i = 0; i < 8; ++i) buffer_[offset + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

ByteReader::ByteReader(std::string_view data, std::string context)
    : data_(data), context_(std::move(context)) {}

void ByteReader::fail(const std::string& what) const {
  throw std::runtime_error(context_ + ": " + what);
}

const unsigned char* ByteReader::take(uint64_t size, const std::string& field) {
  if (size > remaining())
    fail("truncated while reading " + field + " (needs " + std::to_string(size) + " bytes, only " +
         std::to_string(remaining()) + " remain)");
  const auto* start = reinterpret_cast<const unsigned char*>(data_.data()) + offset_;
  offset_ += static_cast<size_t>(size);
  return start;
}

uint32_t ByteReader::u32(const std::string& field) {
  return static_cast<uint32_t>(decode_le(take(4, field), 4));
}

uint64_t ByteReader::u64(const std::string& field) { return decode_le(take(8, field), 8); }

int64_t ByteReader::i64(const std::string& field) {
  return static_cast<int64_t>(decode_le(take(8, field), 8));
}

float ByteReader::f32(const std::string& field) {
  return float_from_bits(static_cast<uint32_t>(decode_le(take(4, field), 4)));
}

std::string ByteReader::string(const std::string& field) {
  const uint64_t length = u64("length of " + field);
  return std::string(raw(length, field));
}

std::vector<float> ByteReader::f32_array(uint64_t count, const std::string& field) {
  if (count > remaining() / 4)
    fail(field + " claims " + std::to_string(count) + " float32 values but only " +
         std::to_string(remaining()) + " bytes remain");
  const unsigned char* bytes = take(count * 4, field);
  std::vector<float> values(static_cast<size_t>(count));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = float_from_bits(static_cast<uint32_t>(decode_le(bytes + 4 * i, 4)));
  return values;
}

std::string_view ByteReader::raw(uint64_t size, const std::string& field) {
  const unsigned char* start = take(size, field);
  return std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(size));
}

uint64_t ByteReader::count(const std::string& field, size_t min_item_bytes) {
  const uint64_t value = u64(field);
  if (value > remaining() / min_item_bytes)
    fail(field + " is " + std::to_string(value) + ", more than the " + std::to_string(remaining()) +
         " remaining bytes can hold");
  return value;
}

void ByteReader::expect_end() const {
  if (remaining() != 0) fail(std::to_string(remaining()) + " unexpected bytes after the last field");
}

}  // namespace relunet
