// checkpoint.cpp — the relunet checkpoint file format: writer and validating reader.
//
// Format version 1. Integers are little-endian; floats are IEEE-754 binary32, little-endian.
//
//   magic     8 bytes   "RELUNETK"
//   version   u32       1
//   sections  each: tag u32 (four ASCII chars in file order, e.g. "MODL"), length u64, payload
//   'CRC '    the last section: length 4, payload u32 = zlib crc32 of every byte of the file
//             before that u32 (so the 'CRC ' tag and its length are covered too)
//
// A string is a u64 byte length then the UTF-8 bytes. A tensor is a string name, u32 rank,
// rank × i64 dims (each > 0), then product(dims) × f32 values in plain row-major order.
//
//   tag   payload                            presence
//   MODL  string: model definition JSON      required
//   NORM  f32 mean[3], f32 stddev[3] (RGB)   required
//   CLAS  u64 count, count × string          required
//   PARM  u64 count, count × tensor          required
//   OPTM  u64 count, count × tensor          optional, absent = no optimizer state
//   TRST  string: training state JSON        optional, absent = "{}"
//
// Each section appears at most once, in any order; the writer emits them in the order above.
// A file whose version is above 1 is rejected before its sections are read, so in a version-1
// file an unknown tag is corruption, not a feature to skip.
//
// Loading reads the whole file first (its size bounds every allocation), walks the section
// headers to the 'CRC ' section, verifies the checksum, and only then decodes the payloads.
#include "io/checkpoint.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <string_view>

#include "io/atomic_file.hpp"
#include "io/binary_codec.hpp"
#include "io/class_names.hpp"
#include "io/regular_file.hpp"

namespace relunet {

namespace {

constexpr std::string_view kMagic = "RELUNETK";
constexpr uint32_t kFormatVersion = 1;

constexpr uint32_t make_tag(const char (&chars)[5]) {
  return uint32_t{static_cast<unsigned char>(chars[0])} |
         uint32_t{static_cast<unsigned char>(chars[1])} << 8 |
         uint32_t{static_cast<unsigned char>(chars[2])} << 16 |
         uint32_t{static_cast<unsigned char>(chars[3])} << 24;
}

constexpr uint32_t kModelTag = make_tag("MODL");
constexpr uint32_t kNormalizationTag = make_tag("NORM");
constexpr uint32_t kClassNamesTag = make_tag("CLAS");
constexpr uint32_t kParamsTag = make_tag("PARM");
constexpr uint32_t kOptimizerTag = make_tag("OPTM");
constexpr uint32_t kTrainStateTag = make_tag("TRST");
constexpr uint32_t kCrcTag = make_tag("CRC ");

constexpr uint32_t kRequiredTags[] = {kModelTag, kNormalizationTag, kClassNamesTag, kParamsTag};

// Smallest encoding of each repeated item: a string's length; a tensor's name length and rank.
constexpr size_t kMinStringBytes = 8;
constexpr size_t kMinTensorBytes = 8 + 4;

// Printable form of a tag read from a possibly corrupt file.
std::string tag_name(uint32_t tag) {
  static const char kHex[] = "0123456789abcdef";
  std::string name;
  for (int i = 0; i < 4; ++i) {
    const auto c = static_cast<unsigned char>((tag >> (8 * i)) & 0xFF);
    if (c >= 0x20 && c < 0x7F) {
      name.push_back(static_cast<char>(c));
    } else {
      name += "\\x";
      name.push_back(kHex[c >> 4]);
      name.push_back(kHex[c & 0xF]);
    }
  }
  return name;
}

uint32_t crc32_of(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

// Number of values in a tensor of shape `dims`; calls `fail` (which must throw) on a
// non-positive dimension or a product that overflows int64.
template <typename Fail>
uint64_t element_count(const std::vector<int64_t>& dims, const std::string& tensor, Fail&& fail) {
  int64_t count = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] <= 0)
      fail(tensor + " has dimension " + std::to_string(i) + " = " + std::to_string(dims[i]) +
           " (dimensions must be positive)");
    if (dims[i] > std::numeric_limits<int64_t>::max() / count)
      fail(tensor + " has dimensions whose product overflows 64 bits");
    count *= dims[i];
  }
  return static_cast<uint64_t>(count);
}

// ---- writing ----

template <typename WritePayload>
void write_section(ByteWriter& out, uint32_t tag, WritePayload&& write_payload) {
  out.u32(tag);
  const size_t length_offset = out.size();
  out.u64(0);  // patched below, once the payload's size is known
  write_payload(out);
  out.patch_u64(length_offset, out.size() - length_offset - 8);
}

void write_tensors(ByteWriter& out, const std::vector<NamedTensor>& tensors,
                   const std::string& where) {
  const auto fail = [&](const std::string& what) { throw std::runtime_error(where + ": " + what); };
  out.u64(tensors.size());
  for (const NamedTensor& tensor : tensors) {
    const std::string label = "tensor '" + tensor.name + "'";
    const uint64_t count = element_count(tensor.dims, label, fail);
    if (count != tensor.data.size())
      fail(label + " has dimensions for " + std::to_string(count) + " values but holds " +
           std::to_string(tensor.data.size()));
    out.string(tensor.name);
    out.u32(static_cast<uint32_t>(tensor.dims.size()));
    for (int64_t dim : tensor.dims) out.i64(dim);
    out.f32_array(tensor.data);
  }
}

ByteWriter serialize(const Checkpoint& ckpt, const std::string& path) {
  const std::string where = "cannot save checkpoint '" + path + "'";
  ByteWriter out;
  out.raw(kMagic);
  out.u32(kFormatVersion);
  write_section(out, kModelTag, [&](ByteWriter& w) { w.string(ckpt.model_json); });
  write_section(out, kNormalizationTag, [&](ByteWriter& w) {
    for (float mean : ckpt.norm.mean) w.f32(mean);
    for (float stddev : ckpt.norm.stddev) w.f32(stddev);
  });
  write_section(out, kClassNamesTag, [&](ByteWriter& w) {
    w.u64(ckpt.class_names.size());
    for (const std::string& name : ckpt.class_names) w.string(name);
  });
  write_section(out, kParamsTag, [&](ByteWriter& w) { write_tensors(w, ckpt.params, where); });
  write_section(out, kOptimizerTag, [&](ByteWriter& w) { write_tensors(w, ckpt.optimizer, where); });
  write_section(out, kTrainStateTag, [&](ByteWriter& w) { w.string(ckpt.train_state_json); });
  out.u32(kCrcTag);
  out.u64(4);
  out.u32(crc32_of(out.bytes()));
  return out;
}

// ---- reading ----

struct Section {
  uint32_t tag;
  std::string_view payload;
};

// What a file without the magic bytes looks like, for the error: the files users confuse with a
// checkpoint are model files and ONNX models (whose first field, ir_version, is the byte 0x08).
std::string what_it_looks_like(std::string_view file) {
  const size_t first = file.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && file[first] == '{')
    return ": a JSON file, such as a model file, which train --model takes";
  if (!file.empty() && file[0] == '\x08')
    return ": an ONNX model? relunet import converts one into a checkpoint";
  return "";
}

// Checks magic and version, splits the file into sections up to the 'CRC ' section, and
// verifies the checksum — all before any payload is interpreted.
std::vector<Section> split_sections(std::string_view file, const std::string& where) {
  ByteReader reader(file, where);
  const size_t magic_bytes_present = std::min(file.size(), kMagic.size());
  if (file.substr(0, magic_bytes_present) != kMagic.substr(0, magic_bytes_present))
    reader.fail("not a relunet checkpoint (wrong magic bytes" + what_it_looks_like(file) + ")");
  reader.raw(kMagic.size(), "the magic bytes");
  const uint32_t version = reader.u32("the format version");
  if (version > kFormatVersion)
    reader.fail("written by a newer relunet (format " + std::to_string(version) +
                ", this build reads " + std::to_string(kFormatVersion) + ")");
  if (version != kFormatVersion)
    reader.fail("unsupported format version " + std::to_string(version));

  std::vector<Section> sections;
  for (;;) {
    if (reader.remaining() == 0) reader.fail("truncated: the final 'CRC ' section is missing");
    const uint32_t tag = reader.u32("a section tag");
    const std::string section = "section '" + tag_name(tag) + "'";
    const uint64_t length = reader.u64("the length of " + section);
    if (tag == kCrcTag) {
      if (length != 4)
        reader.fail("the 'CRC ' section has length " + std::to_string(length) + ", expected 4");
      const size_t checked_bytes = reader.offset();
      const uint32_t stored_crc = reader.u32("the checksum");
      if (reader.remaining() != 0)
        reader.fail(std::to_string(reader.remaining()) + " trailing bytes after the 'CRC ' section");
      if (crc32_of(file.substr(0, checked_bytes)) != stored_crc)
        reader.fail("corrupt: checksum mismatch");
      return sections;
    }
    sections.push_back({tag, reader.raw(length, "the payload of " + section)});
  }
}

NamedTensor read_tensor(ByteReader& reader, uint64_t index) {
  NamedTensor tensor;
  tensor.name = reader.string("the name of tensor #" + std::to_string(index));
  const std::string label = "tensor #" + std::to_string(index) + " '" + tensor.name + "'";
  const uint32_t rank = reader.u32("the rank of " + label);
  if (rank > reader.remaining() / 8)
    reader.fail(label + " claims rank " + std::to_string(rank) + " but only " +
                std::to_string(reader.remaining()) + " bytes remain");
  tensor.dims.resize(rank);
  for (uint32_t i = 0; i < rank; ++i)
    tensor.dims[i] = reader.i64("dimension " + std::to_string(i) + " of " + label);
  const uint64_t count =
      element_count(tensor.dims, label, [&](const std::string& what) { reader.fail(what); });
  tensor.data = reader.f32_array(count, "the data of " + label);
  // A NaN would pass through every layer and sort unpredictably among the class scores.
  const auto bad = std::find_if(tensor.data.begin(), tensor.data.end(), [](float v) { return !std::isfinite(v); });
  if (bad != tensor.data.end())
    reader.fail(label + " holds " + (std::isnan(*bad) ? "NaN" : "an infinity") + " at index " +
                std::to_string(bad - tensor.data.begin()));
  return tensor;
}

std::vector<NamedTensor> read_tensors(ByteReader& reader) {
  const uint64_t count = reader.count("the tensor count", kMinTensorBytes);
  std::vector<NamedTensor> tensors;
  for (uint64_t i = 0; i < count; ++i) tensors.push_back(read_tensor(reader, i));
  return tensors;
}

std::vector<std::string> read_class_names(ByteReader& reader) {
  const uint64_t count = reader.count("the class count", kMinStringBytes);
  std::vector<std::string> names;
  for (uint64_t i = 0; i < count; ++i) names.push_back(reader.string("class name #" + std::to_string(i)));
  const std::string problem = class_names_problem(names);
  if (!problem.empty()) reader.fail(problem);
  return names;
}

Normalization read_normalization(ByteReader& reader) {
  Normalization norm;
  for (size_t c = 0; c < norm.mean.size(); ++c)
    norm.mean[c] = reader.f32("mean[" + std::to_string(c) + "]");
  for (size_t c = 0; c < norm.stddev.size(); ++c)
    norm.stddev[c] = reader.f32("stddev[" + std::to_string(c) + "]");
  // Inputs are divided by the stddev: zero, negative or NaN would give every image one answer.
  for (size_t c = 0; c < norm.mean.size(); ++c) {
    if (!std::isfinite(norm.mean[c]))
      reader.fail("mean[" + std::to_string(c) + "] is " + std::to_string(norm.mean[c]) + ", not a finite number");
    if (!(std::isfinite(norm.stddev[c]) && norm.stddev[c] > 0))
      reader.fail("stddev[" + std::to_string(c) + "] is " + std::to_string(norm.stddev[c]) +
                  ", not a positive finite number");
  }
  return norm;
}

Checkpoint decode_sections(const std::vector<Section>& sections, const std::string& where) {
  Checkpoint ckpt;
  ckpt.train_state_json = "{}";
  std::set<uint32_t> seen;
  for (const Section& section : sections) {
    const std::string name = "section '" + tag_name(section.tag) + "'";
    if (!seen.insert(section.tag).second)
      throw std::runtime_error(where + ": duplicate " + name);
    ByteReader reader(section.payload, where + ": " + name);
    switch (section.tag) {
      case kModelTag: ckpt.model_json = reader.string("the model JSON"); break;
      case kNormalizationTag: ckpt.norm = read_normalization(reader); break;
      case kClassNamesTag: ckpt.class_names = read_class_names(reader); break;
      case kParamsTag: ckpt.params = read_tensors(reader); break;
      case kOptimizerTag: ckpt.optimizer = read_tensors(reader); break;
      case kTrainStateTag: ckpt.train_state_json = reader.string("the training state JSON"); break;
      default: reader.fail("unknown section tag in a format " + std::to_string(kFormatVersion) + " file");
    }
    reader.expect_end();
  }
  for (uint32_t tag : kRequiredTags)
    if (seen.count(tag) == 0)
      throw std::runtime_error(where + ": required section '" + tag_name(tag) + "' is missing");
  return ckpt;
}

}  // namespace

void save_checkpoint(const Checkpoint& ckpt, const std::string& path) {
  write_file_atomically(path, serialize(ckpt, path).bytes());
}

Checkpoint parse_checkpoint(std::string_view file, const std::string& origin) {
  const std::string where = "checkpoint '" + origin + "'";
  return decode_sections(split_sections(file, where), where);
}

bool starts_like_checkpoint(std::string_view bytes) { return bytes.substr(0, kMagic.size()) == kMagic; }

Checkpoint load_checkpoint(const std::string& path) {
  std::string file;
  try {
    RegularFile in(path);
    // The magic bytes before the rest: another file given by mistake (a data set, a video) is
    // named as such without reading all of it into memory.
    file.resize(static_cast<size_t>(std::min<uint64_t>(in.size(), kMagic.size())));
    in.read(file.data(), file.size());
    if (starts_like_checkpoint(file)) {
      file.resize(static_cast<size_t>(in.size()));
      in.read(file.data() + kMagic.size(), file.size() - kMagic.size());
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("checkpoint '" + path + "': " + e.what());
  }
  return parse_checkpoint(file, path);
}

}  // namespace relunet
