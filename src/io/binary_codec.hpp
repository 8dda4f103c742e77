// binary_codec.hpp — little-endian field encoding into memory, and bounds-checked decoding out of it.
// The reader checks every length and count against the bytes that remain BEFORE allocating,
// so a corrupt header can never make it allocate more than its input's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace relunet {

// Appends fields to an in-memory byte buffer. Strings are u64 length + bytes; floats are
// IEEE-754 binary32.
class ByteWriter {
 public:
  void u32(uint32_t value);
  void u64(uint64_t value);
  void i64(int64_t value);
  void f32(float value);
  void string(std::string_view text);
  void f32_array(const std::vector<float>& values);
  void raw(std::string_view bytes);

  // Overwrites 8 bytes at `offset` (written earlier) — for lengths known only afterwards.
  void patch_u64(size_t offset, uint64_t value);

  size_t size() const { return buffer_.size(); }
  const std::string& bytes() const { return buffer_; }

 private:
  std::string buffer_;
};

// Consumes fields from a byte range it does not own. Every failure throws std::runtime_error
// prefixed with `context` (e.g. "checkpoint 'a.ckpt': section 'PARM'") and naming the field.
class ByteReader {
 public:
  ByteReader(std::string_view data, std::string context);

  uint32_t u32(const std::string& field);
  uint64_t u64(const std::string& field);
  int64_t i64(const std::string& field);
  float f32(const std::string& field);
  std::string string(const std::string& field);
  std::vector<float> f32_array(uint64_t count, const std::string& field);
  std::string_view raw(uint64_t size, const std::string& field);

  // Reads a u64 item count and checks that that many items of at least `min_item_bytes` each
  // can fit in what remains, so an absurd count fails at once with a clear message.
  uint64_t count(const std::string& field, size_t min_item_bytes);

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  // Throws unless every byte has been consumed.
  void expect_end() const;
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const unsigned char* take(uint64_t size, const std::string& field);

  std::string_view data_;
  size_t offset_ = 0;
  std::string context_;
};

}  // namespace relunet
