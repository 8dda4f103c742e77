// test_checkpoint.cpp — checkpoint round trips, rejection of every kind of damaged file, and
// the atomic write.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "io/binary_codec.hpp"
#include "io/checkpoint.hpp"
#include "net/model_checkpoint.hpp"
#include "train/checkpoint_split.hpp"
#include "test_support.hpp"

namespace relunet {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the gtest temp dir, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "relunet_checkpoint_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename());
    return names;
  }

 private:
  fs::path path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write test file " + path);
}

uint32_t crc_of(const std::string& bytes, size_t length) {
  return static_cast<uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(bytes.data()), length));
}

// Rewrites the trailing checksum so a deliberate edit is not caught as corruption.
void fix_crc(std::string& file) {
  const uint32_t crc = crc_of(file, file.size() - 4);
  for (int i = 0; i < 4; ++i) file[file.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
}

NamedTensor random_tensor(const std::string& name, std::vector<int64_t> dims, std::mt19937& rng) {
  NamedTensor tensor{name, std::move(dims), {}};
  size_t count = 1;
  for (int64_t dim : tensor.dims) count *= static_cast<size_t>(dim);
  std::normal_distribution<float> value(0.f, 1.f);
  for (size_t i = 0; i < count; ++i) tensor.data.push_back(value(rng));
  return tensor;
}

Checkpoint sample_checkpoint(std::mt19937& rng) {
  Checkpoint ckpt;
  ckpt.model_json = R"({"name":"tiny","layers":[{"type":"conv","filters":4}]})";
  ckpt.norm.mean = {0.49f, 0.48f, 0.45f};
  ckpt.norm.stddev = {0.25f, 0.24f, 0.26f};
  ckpt.class_names = {"avion", "chat 🐱", "飛行機", "Ünïcödé", "x"};  // an empty name is refused
  ckpt.params = {random_tensor("conv1.weight", {4, 3, 3, 3}, rng),
                 random_tensor("conv1.bias", {4}, rng),
                 random_tensor("fc.weight", {10, 36}, rng),
                 random_tensor("bn.running_mean", {1, 4, 1}, rng)};
  ckpt.optimizer = {random_tensor("conv1.weight.momentum", {4, 3, 3, 3}, rng)};
  ckpt.train_state_json = R"({"epoch":3,"step":1200})";
  return ckpt;
}

// Small enough that flipping or truncating at every byte stays fast.
Checkpoint tiny_checkpoint() {
  std::mt19937 rng(7);
  Checkpoint ckpt;
  ckpt.model_json = "{}";
  ckpt.class_names = {"a", "b"};
  ckpt.params = {random_tensor("w", {2, 2}, rng), random_tensor("b", {2}, rng)};
  ckpt.optimizer = {random_tensor("w.m", {2, 2}, rng)};
  return ckpt;
}

void expect_same_tensors(const std::vector<NamedTensor>& expected,
                         const std::vector<NamedTensor>& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].name, actual[i].name);
    EXPECT_EQ(expected[i].dims, actual[i].dims) << expected[i].name;
    EXPECT_EQ(expected[i].data, actual[i].data) << expected[i].name;  // bit-exact floats
  }
}

void expect_same(const Checkpoint& expected, const Checkpoint& actual) {
  EXPECT_EQ(expected.model_json, actual.model_json);
  EXPECT_EQ(expected.norm.mean, actual.norm.mean);
  EXPECT_EQ(expected.norm.stddev, actual.norm.stddev);
  EXPECT_EQ(expected.class_names, actual.class_names);
  expect_same_tensors(expected.params, actual.params);
  expect_same_tensors(expected.optimizer, actual.optimizer);
  EXPECT_EQ(expected.train_state_json, actual.train_state_json);
}

// The message of load_checkpoint's error, which must be a std::runtime_error naming the path.
std::string load_error(const std::string& path) {
  try {
    load_checkpoint(path);
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "load_checkpoint(" << path << ") did not throw";
  return "";
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

// ---- hand-built files, for damage a writer never produces ----

using RawSection = std::pair<std::string, std::string>;  // four-char tag, payload

std::string build_file(const std::vector<RawSection>& sections) {
  ByteWriter out;
  out.raw("RELUNETK");
  out.u32(1);
  for (const auto& [tag, payload] : sections) {
    out.raw(tag);
    out.u64(payload.size());
    out.raw(payload);
  }
  out.raw("CRC ");
  out.u64(4);
  out.u32(crc_of(out.bytes(), out.size()));
  return out.bytes();
}

std::string string_payload(const std::string& text) {
  ByteWriter w;
  w.string(text);
  return w.bytes();
}

std::string norm_payload() {
  ByteWriter w;
  for (float v : {0.5f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f}) w.f32(v);
  return w.bytes();
}

std::string classes_payload() {
  ByteWriter w;
  w.u64(1);
  w.string("only");
  return w.bytes();
}

// A PARM payload with one tensor of the given dims carrying `values` floats.
std::string tensor_payload(const std::vector<int64_t>& dims, size_t values) {
  ByteWriter w;
  w.u64(1);
  w.string("w");
  w.u32(static_cast<uint32_t>(dims.size()));
  for (int64_t dim : dims) w.i64(dim);
  w.f32_array(std::vector<float>(values, 1.5f));
  return w.bytes();
}

std::vector<RawSection> required_sections(const std::string& params_payload) {
  return {{"MODL", string_payload("{}")},
          {"NORM", norm_payload()},
          {"CLAS", classes_payload()},
          {"PARM", params_payload}};
}

// ---- round trips ----

TEST(Checkpoint, RoundTripPreservesEveryField) {
  ScratchDir dir;
  std::mt19937 rng(42);
  const Checkpoint original = sample_checkpoint(rng);
  const std::string path = dir.file("model.ckpt");
  save_checkpoint(original, path);
  expect_same(original, load_checkpoint(path));
}

TEST(Checkpoint, RoundTripWithEmptyOptimizer) {
  ScratchDir dir;
  std::mt19937 rng(3);
  Checkpoint original = sample_checkpoint(rng);
  original.optimizer.clear();
  original.train_state_json = "{}";
  const std::string path = dir.file("inference.ckpt");
  save_checkpoint(original, path);
  const Checkpoint loaded = load_checkpoint(path);
  EXPECT_TRUE(loaded.optimizer.empty());
  expect_same(original, loaded);
}

TEST(Checkpoint, HandBuiltFileWithoutOptionalSectionsLoads) {
  ScratchDir dir;
  const std::string path = dir.file("minimal.ckpt");
  write_bytes(path, build_file(required_sections(tensor_payload({3}, 3))));
  const Checkpoint loaded = load_checkpoint(path);
  EXPECT_TRUE(loaded.optimizer.empty());
  EXPECT_EQ(loaded.train_state_json, "{}");
  ASSERT_EQ(loaded.params.size(), 1u);
  EXPECT_EQ(loaded.params[0].data, std::vector<float>(3, 1.5f));
  EXPECT_EQ(loaded.norm.stddev[2], 0.25f);
  EXPECT_EQ(loaded.class_names, std::vector<std::string>{"only"});
}

// ---- rejection of bad files ----

TEST(Checkpoint, MissingFileIsReported) {
  ScratchDir dir;
  EXPECT_CONTAINS(load_error(dir.file("absent.ckpt")), "No such file");
}

TEST(Checkpoint, WrongMagicIsRejected) {
  ScratchDir dir;
  const std::string path = dir.file("other.bin");
  std::string file = build_file(required_sections(tensor_payload({1}, 1)));
  file.replace(0, 8, "PK\x03\x04zzzz");
  write_bytes(path, file);
  EXPECT_CONTAINS(load_error(path), "not a relunet checkpoint");
}

TEST(Checkpoint, NewerVersionIsRejected) {
  ScratchDir dir;
  const std::string path = dir.file("future.ckpt");
  save_checkpoint(tiny_checkpoint(), path);
  std::string file = read_bytes(path);
  file[8] = 2;  // the u32 version follows the 8-byte magic
  fix_crc(file);
  write_bytes(path, file);
  EXPECT_CONTAINS(load_error(path), "written by a newer relunet (format 2, this build reads 1)");
}

TEST(Checkpoint, ChecksumMismatchIsDetected) {
  ScratchDir dir;
  const std::string path = dir.file("bitrot.ckpt");
  save_checkpoint(tiny_checkpoint(), path);
  std::string file = read_bytes(path);
  file[file.size() / 2] ^= 0x10;
  write_bytes(path, file);
  EXPECT_CONTAINS(load_error(path), "corrupt: checksum mismatch");
}

// Loads `file` and reports "" if it threw std::runtime_error, else what happened instead.
std::string wrongly_accepted(const std::string& path, const std::string& file) {
  write_bytes(path, file);
  try {
    load_checkpoint(path);
    return "loaded";
  } catch (const std::runtime_error&) {
    return "";
  } catch (const std::exception& other) {
    return std::string("threw a non-runtime_error: ") + other.what();
  }
}

TEST(Checkpoint, EveryFlippedByteIsRejected) {
  ScratchDir dir;
  const std::string path = dir.file("flip.ckpt");
  save_checkpoint(tiny_checkpoint(), path);
  const std::string original = read_bytes(path);
  ASSERT_GT(original.size(), 100u);
  for (size_t i = 0; i < original.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string damaged = original;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      const std::string problem = wrongly_accepted(path, damaged);
      EXPECT_EQ(problem, "") << "byte " << i << " xor " << int{mask};
    }
  }
}

TEST(Checkpoint, EveryTruncationIsRejected) {
  ScratchDir dir;
  const std::string path = dir.file("short.ckpt");
  save_checkpoint(tiny_checkpoint(), path);
  const std::string original = read_bytes(path);
  for (size_t length = 0; length < original.size(); ++length)
    EXPECT_EQ(wrongly_accepted(path, original.substr(0, length)), "") << "length " << length;
}

TEST(Checkpoint, TruncationNamesTheSection) {
  ScratchDir dir;
  const std::string path = dir.file("cut.ckpt");
  std::mt19937 rng(5);
  save_checkpoint(sample_checkpoint(rng), path);
  const std::string file = read_bytes(path);
  const size_t params_at = file.find("PARM");
  ASSERT_NE(params_at, std::string::npos);
  write_bytes(path, file.substr(0, params_at + 40));
  const std::string message = load_error(path);
  EXPECT_CONTAINS(message, "truncated");
  EXPECT_CONTAINS(message, "section 'PARM'");
}

TEST(Checkpoint, TrailingBytesAreRejected) {
  ScratchDir dir;
  const std::string path = dir.file("padded.ckpt");
  write_bytes(path, build_file(required_sections(tensor_payload({1}, 1))) + "xyz");
  EXPECT_CONTAINS(load_error(path), "3 trailing bytes");
}

TEST(Checkpoint, HugeTensorClaimFailsFastWithoutAllocating) {
  ScratchDir dir;
  const std::string path = dir.file("huge.ckpt");
  // 2^20 x 2^20 = 2^40 floats (4 TiB) claimed; a reader that allocated first would throw
  // std::bad_alloc (not runtime_error) or grind.
  write_bytes(path, build_file(required_sections(tensor_payload({1 << 20, 1 << 20}, 2))));
  const auto start = std::chrono::steady_clock::now();
  const std::string message = load_error(path);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_CONTAINS(message, "claims 1099511627776 float32 values");
  EXPECT_CONTAINS(message, "section 'PARM'");
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

TEST(Checkpoint, BadDimensionsAreRejected) {
  ScratchDir dir;
  const std::string path = dir.file("dims.ckpt");
  const struct {
    std::vector<int64_t> dims;
    const char* expected;
  } cases[] = {
      {{2, 0, 3}, "dimension 1 = 0"},
      {{-4}, "dimension 0 = -4"},
      {{int64_t{1} << 62, 4}, "overflows"},
  };
  for (const auto& bad : cases) {
    write_bytes(path, build_file(required_sections(tensor_payload(bad.dims, 4))));
    EXPECT_CONTAINS(load_error(path), bad.expected);
  }
}

TEST(Checkpoint, AbsurdCountsAndLengthsAreRejected) {
  ScratchDir dir;
  const std::string path = dir.file("counts.ckpt");
  ByteWriter many_tensors;
  many_tensors.u64(uint64_t{1} << 60);
  ByteWriter huge_rank;
  huge_rank.u64(1);
  huge_rank.string("w");
  huge_rank.u32(0x80000000u);
  ByteWriter huge_class_count;
  huge_class_count.u64(uint64_t{1} << 60);
  ByteWriter huge_string;
  huge_string.u64(uint64_t{1} << 62);

  std::vector<RawSection> sections = required_sections(many_tensors.bytes());
  write_bytes(path, build_file(sections));
  EXPECT_CONTAINS(load_error(path), "tensor count is 1152921504606846976");

  sections = required_sections(huge_rank.bytes());
  write_bytes(path, build_file(sections));
  EXPECT_CONTAINS(load_error(path), "claims rank 2147483648");

  sections = required_sections(tensor_payload({1}, 1));
  sections[2].second = huge_class_count.bytes();
  write_bytes(path, build_file(sections));
  EXPECT_CONTAINS(load_error(path), "class count is 1152921504606846976");

  sections[2].second = classes_payload();
  sections[0].second = huge_string.bytes();
  write_bytes(path, build_file(sections));
  const std::string message = load_error(path);
  EXPECT_CONTAINS(message, "section 'MODL'");
  EXPECT_CONTAINS(message, "truncated while reading the model JSON");
}

TEST(Checkpoint, SectionSetIsValidated) {
  ScratchDir dir;
  const std::string path = dir.file("sections.ckpt");
  std::vector<RawSection> sections = required_sections(tensor_payload({1}, 1));

  std::vector<RawSection> duplicated = sections;
  duplicated.push_back({"NORM", norm_payload()});
  write_bytes(path, build_file(duplicated));
  EXPECT_CONTAINS(load_error(path), "duplicate section 'NORM'");

  std::vector<RawSection> missing(sections.begin(), sections.end() - 1);
  write_bytes(path, build_file(missing));
  EXPECT_CONTAINS(load_error(path), "required section 'PARM' is missing");

  std::vector<RawSection> unknown = sections;
  unknown.push_back({"XTRA", "abc"});
  write_bytes(path, build_file(unknown));
  EXPECT_CONTAINS(load_error(path), "section 'XTRA': unknown section tag");

  std::vector<RawSection> padded = sections;
  padded[1].second += "pad";
  write_bytes(path, build_file(padded));
  EXPECT_CONTAINS(load_error(path), "section 'NORM': 3 unexpected bytes");
}

// ---- saving ----

TEST(Checkpoint, SaveReplacesExistingFileAndLeavesNoTempFiles) {
  ScratchDir dir;
  const std::string path = dir.file("model.ckpt");
  std::mt19937 rng(11);
  const Checkpoint first = sample_checkpoint(rng);
  const Checkpoint second = sample_checkpoint(rng);  // same shapes, different values
  ASSERT_NE(first.params[0].data, second.params[0].data);
  save_checkpoint(first, path);
  save_checkpoint(second, path);
  expect_same(second, load_checkpoint(path));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.ckpt"});
}

TEST(Checkpoint, SaveIntoMissingDirectoryThrowsAndKeepsOldFile) {
  ScratchDir dir;
  const Checkpoint old = tiny_checkpoint();
  save_checkpoint(old, dir.file("model.ckpt"));
  const std::string missing_dir = dir.file("no_such_run");
  std::mt19937 rng(1);
  try {
    save_checkpoint(sample_checkpoint(rng), missing_dir + "/model.ckpt");
    ADD_FAILURE() << "saving into a missing directory did not throw";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), "directory '" + missing_dir + "'");
    EXPECT_CONTAINS(error.what(), "No such file or directory");
  }
  EXPECT_FALSE(fs::exists(missing_dir));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.ckpt"});
  expect_same(old, load_checkpoint(dir.file("model.ckpt")));
}

TEST(Checkpoint, FailedRenameRemovesTempFileAndKeepsTarget) {
  ScratchDir dir;
  // A non-empty directory at the target path makes the final rename fail after the temp file
  // has been written and synced.
  const std::string target = dir.file("model.ckpt");
  fs::create_directory(target);
  write_bytes(target + "/keep", "precious");
  EXPECT_THROW(save_checkpoint(tiny_checkpoint(), target), std::runtime_error);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.ckpt"});
  EXPECT_EQ(read_bytes(target + "/keep"), "precious");
}

TEST(Checkpoint, InconsistentTensorIsNotSaved) {
  ScratchDir dir;
  Checkpoint ckpt = tiny_checkpoint();
  ckpt.params[0].data.pop_back();
  try {
    save_checkpoint(ckpt, dir.file("bad.ckpt"));
    ADD_FAILURE() << "saving a tensor whose data does not match its dims did not throw";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), "tensor 'w'");
  }
  EXPECT_TRUE(dir.entries().empty());
}

// A network's parameters through a checkpoint file: the prelu slopes (on a blocked 20-channel
// conv output and after an fc) come back by name, shape and value, and the restored network
// computes the same logits.
TEST(Checkpoint, PReluNetworkRoundTripsThroughAFile) {
  const ModelSpec spec = test::make_model(
      {3, 8, 8}, {test::conv_layer(20, 3, 1, 1), test::prelu_layer(), test::fc_layer(12), test::prelu_layer(0.1f),
                  test::fc_layer(5)});
  Context ctx;
  Network net(spec, 2, NetworkPurpose::Training, 0, ctx);
  test::randomize_params(net, 5);
  ScratchDir dir;
  const Normalization norm{{0.5f, 0.5f, 0.5f}, {0.25f, 0.25f, 0.25f}};
  save_checkpoint(checkpoint_of(net, norm, std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}), dir.file("prelu.ckpt"));
  LoadedModel loaded = load_model_checkpoint(dir.file("prelu.ckpt"), 2, ctx);

  std::vector<std::string> slopes;
  for (size_t k = 0; k < net.params().size(); ++k) {
    const Param &saved = *net.params()[k], &restored = *loaded.net->params().at(k);
    EXPECT_EQ(restored.name, saved.name);
    EXPECT_EQ(test::plain_values(restored.value, ctx), test::plain_values(saved.value, ctx)) << saved.name;
    if (saved.group == ParamGroup::Slope) slopes.push_back(saved.name + " " + std::to_string(saved.dims.at(0)));
  }
  EXPECT_EQ(slopes, (std::vector<std::string>{"layer1.slope 20", "layer3.slope 12"}));

  const std::vector<float> images = test::uniform_values(2 * 3 * 8 * 8, 6, -1.f, 1.f);
  std::vector<std::vector<float>> logits;
  for (Network* n : {&net, loaded.net.get()}) {
    std::copy(images.begin(), images.end(), n->input());
    n->forward(Pass::inference());
    logits.push_back(test::plain_values(n->logits(), ctx));
  }
  ASSERT_EQ(logits[1].size(), logits[0].size());
  for (size_t i = 0; i < logits[0].size(); ++i) EXPECT_NEAR(logits[1][i], logits[0][i], 1e-5) << i;
}

// The message check_same_classes throws ("" if it accepts the classes).
std::string classes_error(const std::vector<std::string>& data, const std::vector<std::string>& checkpoint) {
  try {
    check_same_classes(data, "data", checkpoint, "m.ckpt");
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

// eval, inspect and --resume need the data set the checkpoint was trained on.
TEST(CheckpointClasses, MustBeTheDataSetsInItsOrderUnlessTheCheckpointsAreUnnamed) {
  const std::vector<std::string> cats_dogs = {"cat", "dog"};
  EXPECT_EQ(classes_error(cats_dogs, cats_dogs), "");
  EXPECT_CONTAINS(classes_error(cats_dogs, {"cat", "dog", "emu"}), "the data set in data has 2 classes but m.ckpt has 3");
  EXPECT_CONTAINS(classes_error({"dog", "cat"}, cats_dogs), "the data set in data names class 1 'dog' where m.ckpt has 'cat'");
  EXPECT_EQ(classes_error(cats_dogs, {"0", "1"}), "") << "unnamed classes fit";
  EXPECT_CONTAINS(classes_error(cats_dogs, {"1", "0"}), "names class 1 'cat' where m.ckpt has '1'");
}

}  // namespace
}  // namespace relunet
