// test_bad_inputs.cpp — the bad inputs of issue #5 through the relunet binary, one parameterised
// case each: data, checkpoints, model files and command lines. Every case must end in a one-line
// error naming the file (or option) and what is wrong, the exit code for its kind (1: bad input,
// 2: bad command line), and nothing written: no run directory, metrics, checkpoint or CSV file,
// nothing on stdout. Then the odd inputs that must work instead: 1x1, grey, 16-bit and 4-channel
// images, a 20000x20000 JPEG (in bounded memory) and a stray text file among the images.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "io/checkpoint.hpp"
#include "onnx/onnx_export.hpp"
#include "test_files.hpp"

namespace {

using namespace relunet::test;
namespace fs = std::filesystem;
using Args = std::vector<std::string>;

// ---- Good inputs, which the cases damage copies of -----------------------------------------------

constexpr int kRecordBytes = 3073;      // CIFAR-10: label byte + 32x32 planar RGB
constexpr int kRecordsPerFile = 16;     // 5 files: 80 training images
constexpr const char* kValSize = "16";  // what the good run and every train command carve off

// Random CIFAR-10 records with labels 0-9.
std::string cifar_records(int count, std::mt19937& rng) {
  std::string bytes(size_t(count) * kRecordBytes, '\0');
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = char(i % kRecordBytes == 0 ? rng() % 10 : rng() % 256);
  return bytes;
}

class Scratch {
 public:
  Scratch() {
    std::string pattern = ::testing::TempDir() + "relunet_bad_inputs_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    root_ = pattern;
    std::mt19937 rng(5);
    for (int file = 1; file <= 5; ++file)
      write_bytes(cifar() / ("data_batch_" + std::to_string(file) + ".bin"),
                  cifar_records(kRecordsPerFile, rng));
    write_bytes(cifar() / "test_batch.bin", cifar_records(kRecordsPerFile, rng));
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  const fs::path& root() const { return root_; }
  fs::path cifar() const { return root_ / "cifar"; }

  // A finished one-epoch run of the tiny model on cifar(), trained the first time it is asked for.
  const fs::path& run() {
    if (run_.empty()) {
      const fs::path dir = root_ / "good-run";
      const Output o = run_relunet(root_, {"train", "--model", "tiny", "--data", cifar(), "--epochs",
                                           "1", "--val-size", kValSize, "--batch", "16", "--out", dir});
      if (o.exit_code != 0) throw std::runtime_error("the good run failed:\n" + o.err);
      run_ = dir;
    }
    return run_;
  }
  fs::path checkpoint() { return run() / "last.ckpt"; }

 private:
  fs::path root_, run_;
};

Scratch& scratch() {
  static const auto instance = std::make_unique<Scratch>();
  return *instance;
}

// ---- Commands --------------------------------------------------------------------------------

Args train_on(const fs::path& data, const fs::path& dir, const Args& extra = {}) {
  Args args = {"train", "--model", "tiny",   "--data", data,       "--epochs",
               "1",     "--val-size", kValSize, "--batch", "16", "--out", dir / "run"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}
// `args` with the value of `flag` replaced (an option may be given once only).
Args with(Args args, const std::string& flag, const std::string& value) {
  const auto at = std::find(args.begin(), args.end(), flag);
  if (at == args.end()) throw std::logic_error(flag + " is not in the command");
  *(at + 1) = value;
  return args;
}
// `args` without `flag` and its value.
Args without(Args args, const std::string& flag) {
  const auto at = std::find(args.begin(), args.end(), flag);
  if (at == args.end()) throw std::logic_error(flag + " is not in the command");
  args.erase(at, at + 2);
  return args;
}
Args train_model(const fs::path& model_file, const fs::path& dir) {
  return with(train_on(scratch().cifar(), dir), "--model", model_file);
}
// A model file with a 3x32x32 input and `classes` classes around `layers`.
fs::path model_file(const fs::path& dir, const std::string& layers, int classes = 10) {
  write_bytes(dir / "model.json",
              R"({"name": "t", "input": {"channels": 3, "height": 32, "width": 32}, "classes": )" +
                  std::to_string(classes) + R"(, "layers": [)" + layers + "]}");
  return dir / "model.json";
}
// A model file of one fc layer with the given recipe (a JSON object).
fs::path model_with_recipe(const fs::path& dir, const std::string& recipe) {
  write_bytes(dir / "model.json",
              R"({"name": "t", "input": {"channels": 3, "height": 32, "width": 32}, "classes": 10, "recipe": )" +
                  recipe + R"(, "layers": [{"type": "fc", "units": 10}]})");
  return dir / "model.json";
}
// Training on a small image folder of two classes (cat, dog); one validation image is carved
// from it unless it has its own val/ folder.
Args train_on_folder(const fs::path& images, const fs::path& dir) {
  Args args = with(train_on(images, dir), "--model", model_file(dir, R"({"type": "fc", "units": 2})", 2));
  args = fs::exists(images / "val") ? without(args, "--val-size") : with(args, "--val-size", "1");
  return with(args, "--batch", "2");
}
Args eval_with(const fs::path& checkpoint, const fs::path& data = scratch().cifar()) {
  return {"eval", "--checkpoint", checkpoint, "--data", data, "--split", "test", "--json"};
}
Args inspect_with(const fs::path& checkpoint, const fs::path& dir) {
  return {"inspect", "--checkpoint", checkpoint, "--data", scratch().cifar(), "--split", "test",
          "--csv",   dir / "units.csv"};
}
Args resume_in(const fs::path& dir, const Args& extra = {}) {
  Args args = {"train", "--resume", "--out", dir / "run", "--data", scratch().cifar()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// ---- Damaged copies --------------------------------------------------------------------------

fs::path copy_cifar(const fs::path& dir) {
  fs::copy(scratch().cifar(), dir / "data");
  return dir / "data";
}

// A copy of the good run in dir/run, whose last.ckpt `damage` may then change.
void copy_run(const fs::path& dir) { fs::copy(scratch().run(), dir / "run"); }

void write_image(const fs::path& path, const cv::Mat& image) {
  fs::create_directories(path.parent_path());
  if (!cv::imwrite(path.string(), image)) throw std::runtime_error("cannot write " + path.string());
}

// An image folder `root`/<class>/{0,1}.png, 8x8 noise.
void write_image_folder(const fs::path& root, const std::vector<std::string>& classes) {
  cv::Mat image(8, 8, CV_8UC3);
  for (const std::string& name : classes)
    for (int i = 0; i < 2; ++i) {
      cv::randu(image, 0, 256);
      write_image(root / name / (std::to_string(i) + ".png"), image);
    }
}

std::string jpeg_bytes(int side) {
  std::vector<uchar> bytes;
  cv::Mat image(side, side, CV_8UC3);
  cv::randu(image, 0, 256);
  cv::imencode(".jpg", image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

// An 8x8 baseline JPEG whose frame header claims 20000x20000 pixels (libjpeg fills in the rest).
std::string huge_jpeg_bytes() {
  std::string jpeg = jpeg_bytes(8);
  const size_t frame = jpeg.find("\xFF\xC0");
  if (frame == std::string::npos) throw std::runtime_error("no baseline frame header");
  jpeg.replace(frame + 5, 4, "\x4E\x20\x4E\x20");  // height, width: 20000 big-endian
  return jpeg;
}

// A 2x2 PNG whose header claims 20000x20000 pixels.
std::string huge_png_bytes() {
  std::vector<uchar> bytes;
  cv::imencode(".png", cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0)), bytes);
  std::string png(bytes.begin(), bytes.end());
  png.replace(16, 8, std::string("\0\0\x4E\x20\0\0\x4E\x20", 8));  // IHDR width, height
  return png;
}

uint64_t read_u64(const std::string& bytes, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | uint8_t(bytes.at(at + i));
  return v;
}
void write_u64(std::string& bytes, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes.at(at + i) = char(v >> (8 * i));
}

// The offset of section `tag`'s header in a checkpoint file (magic, version, then sections of
// tag, u64 length, payload), found by walking the headers as the format defines them.
size_t section_at(const std::string& file, const std::string& tag) {
  for (size_t at = 12; at + 12 <= file.size(); at += 12 + read_u64(file, at + 4))
    if (file.compare(at, 4, tag) == 0) return at;
  throw std::runtime_error("no section '" + tag + "'");
}

// Rewrites the trailing crc32 so that an edit is not caught as corruption.
void fix_crc(std::string& file) {
  const uLong crc = crc32_z(crc32_z(0, nullptr, 0),
                            reinterpret_cast<const Bytef*>(file.data()), file.size() - 4);
  for (int i = 0; i < 4; ++i) file[file.size() - 4 + i] = char(crc >> (8 * i));
}

// The good checkpoint with `edit` applied to its bytes, written to dir/bad.ckpt.
fs::path edited_checkpoint(const fs::path& dir, const std::function<void(std::string&)>& edit) {
  std::string file = read_bytes(scratch().checkpoint());
  edit(file);
  write_bytes(dir / "bad.ckpt", file);
  return dir / "bad.ckpt";
}

// The good checkpoint decoded, changed by `edit` and saved validly (checksum and all) to `path`.
fs::path rewritten_checkpoint(const fs::path& path,
                              const std::function<void(relunet::Checkpoint&)>& edit) {
  relunet::Checkpoint c = relunet::load_checkpoint(scratch().checkpoint());
  edit(c);
  relunet::save_checkpoint(c, path);
  return path;
}

// A FIFO at `path`: opening it for reading blocks until a writer comes, which none will.
fs::path fifo(const fs::path& path) {
  fs::remove(path);
  if (mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed: " + path.string());
  return path;
}

// A copy of the good run in dir/run whose last.ckpt holds the training state `edit` makes of
// its own (with a valid checksum), two epochs long so that a partial epoch may follow.
void copy_run_with_state(const fs::path& dir, const std::function<void(nlohmann::json&)>& edit) {
  copy_run(dir);
  rewritten_checkpoint(dir / "run/last.ckpt", [&](relunet::Checkpoint& c) {
    nlohmann::json state = nlohmann::json::parse(c.train_state_json);
    state["options"]["epochs"] = 2;
    state["epochs_total"] = 2;
    edit(state);
    c.train_state_json = state.dump();
  });
}

// A partial epoch of one batch with `units` as its unit counters.
void set_partial_epoch(nlohmann::json& state, const nlohmann::json& units) {
  state["partial_epoch"] = {{"batch", 1}, {"loss_sum", 30.0}, {"correct", 2}, {"seen", 16}, {"units", units}};
}

// ---- The cases -------------------------------------------------------------------------------

struct Case {
  std::string name;
  // Writes the bad input into `dir`, the case's own empty directory, and returns the command;
  // whatever the command writes must go into `dir` too.
  std::function<Args(const fs::path& dir)> make;
  // What the one-line error must contain; "{dir}" stands for the case's directory and "{ckpt}"
  // for the good checkpoint.
  std::vector<std::string> mentions;
  int exit_code = 1;
};

const int kUsage = 2;

// A checkpoint that ends exactly where section `tag` would start, given to eval.
Case truncated_before(const std::string& tag, const std::string& message = "truncated") {
  const std::string name = tag == "CRC " ? "TheChecksum" : tag;
  return {"TruncatedBefore" + name,
          [tag](const fs::path& d) {
            return eval_with(edited_checkpoint(d, [&tag](std::string& f) { f.resize(section_at(f, tag)); }));
          },
          {"{dir}/bad.ckpt", message}};
}

const std::vector<Case> kCases = {
    // ---- Data: CIFAR-10 files
    {"MissingDataDirectory", [](const fs::path& d) { return train_on(d / "nowhere", d); },
     {"{dir}/nowhere", "does not exist", "scripts/get-cifar10.sh"}},
    {"MissingBatchFile",
     [](const fs::path& d) {
       fs::remove(copy_cifar(d) / "data_batch_4.bin");
       return train_on(d / "data", d);
     },
     {"{dir}/data/data_batch_4.bin", "is missing"}},
    {"MissingTestBatch",
     [](const fs::path& d) {
       fs::remove(copy_cifar(d) / "test_batch.bin");
       return eval_with(scratch().checkpoint(), d / "data");
     },
     {"{dir}/data/test_batch.bin", "is missing"}},
    {"TruncatedBatchFile",
     [](const fs::path& d) {
       fs::resize_file(copy_cifar(d) / "data_batch_3.bin", 5 * kRecordBytes + 100);
       return train_on(d / "data", d);
     },
     {"{dir}/data/data_batch_3.bin", "truncated", "record 5 (0-based) has only 100 bytes"}},
    {"ExtraBytesInBatchFile",
     [](const fs::path& d) {
       const fs::path file = copy_cifar(d) / "data_batch_2.bin";
       write_bytes(file, read_bytes(file) + "xyz");
       return train_on(d / "data", d);
     },
     {"{dir}/data/data_batch_2.bin", "extra bytes after the last record"}},
    {"EmptyBatchFile",
     [](const fs::path& d) {
       write_bytes(copy_cifar(d) / "data_batch_5.bin", "");
       return train_on(d / "data", d);
     },
     {"{dir}/data/data_batch_5.bin", "empty"}},
    {"LabelTen",
     [](const fs::path& d) {
       const fs::path file = copy_cifar(d) / "data_batch_2.bin";
       std::string bytes = read_bytes(file);
       bytes[7 * kRecordBytes] = 10;
       write_bytes(file, bytes);
       return train_on(d / "data", d);
     },
     {"{dir}/data/data_batch_2.bin", "record 7 (0-based) has label 10"}},
    {"Label255",
     [](const fs::path& d) {
       const fs::path file = copy_cifar(d) / "test_batch.bin";
       std::string bytes = read_bytes(file);
       bytes[0] = char(255);
       write_bytes(file, bytes);
       return eval_with(scratch().checkpoint(), d / "data");
     },
     {"{dir}/data/test_batch.bin", "record 0 (0-based) has label 255"}},
    {"ClassNamesFileWithNineNames",
     [](const fs::path& d) {
       write_bytes(copy_cifar(d) / "batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\n");
       return train_on(d / "data", d);
     },
     {"{dir}/data/batches.meta.txt", "9 names, expected 10"}},
    {"ClassNamesFileNamingAClassTwice",
     [](const fs::path& d) {
       write_bytes(copy_cifar(d) / "batches.meta.txt", "cat\nb\nc\ncat\ne\nf\ng\nh\ni\nj\n");
       return train_on(d / "data", d);
     },
     {"{dir}/data/batches.meta.txt: class names #0 and #3 are both 'cat'"}},

    // ---- Data: image folders
    {"EmptyImageFolder",
     [](const fs::path& d) {
       fs::create_directories(d / "images");
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images", "neither CIFAR-10", "nor an image folder"}},
    {"TrainFolderWithoutClasses",  // then it is a class of the flat layout, named train
     [](const fs::path& d) {
       fs::create_directories(d / "images/train");
       return train_on_folder(d / "images", d);
     },
     {"class folder {dir}/images/train has no image files"}},
    {"ClassFolderBesideTheTrainFolder",
     [](const fs::path& d) {
       write_image_folder(d / "images/train", {"cat", "dog"});
       write_image_folder(d / "images", {"emu"});
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images has both train/ (classes in {dir}/images/train/<class>) and the folder emu/ beside it"}},
    {"DataDirectoryAboveCifar",
     [](const fs::path& d) {
       fs::create_directories(d / "downloads");
       fs::copy(scratch().cifar(), d / "downloads/cifar-10-batches-bin");
       return train_on(d / "downloads", d);
     },
     {"{dir}/downloads/cifar-10-batches-bin holds CIFAR-10: pass --data {dir}/downloads/cifar-10-batches-bin"}},
    {"ClassFolderWithoutImages",
     [](const fs::path& d) {
       write_image_folder(d / "images", {"cat", "dog"});
       write_bytes(d / "images/emu/readme.txt", "no pictures yet");
       return train_on_folder(d / "images", d);
     },
     {"class folder {dir}/images/emu has no image files"}},
    {"ImageFolderOfOneClass",
     [](const fs::path& d) {
       write_image_folder(d / "images", {"cat"});
       return train_on_folder(d / "images", d);
     },
     {"the data set in {dir}/images has only the class 'cat': a classifier learns from two or more"}},
    {"ValidationClassWithoutTrainingFolder",
     [](const fs::path& d) {
       write_image_folder(d / "images/train", {"cat", "dog"});
       write_image_folder(d / "images/val", {"cat", "zebra"});
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images/val/zebra is not one of the 2 classes"}},
    {"TextFileWithAnImageName",
     [](const fs::path& d) {
       write_image_folder(d / "images", {"cat", "dog"});
       write_bytes(d / "images/dog/photo.png", "this is not a PNG\n");
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images/dog/photo.png: not an image file"}},
    {"ZeroByteImage",
     [](const fs::path& d) {
       write_image_folder(d / "images", {"cat", "dog"});
       write_bytes(d / "images/cat/empty.jpg", "");
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images/cat/empty.jpg: empty file (0 bytes)"}},
    {"TruncatedJpeg",
     [](const fs::path& d) {
       write_image_folder(d / "images", {"cat", "dog"});
       const std::string jpeg = jpeg_bytes(64);
       write_bytes(d / "images/cat/cut.jpg", jpeg.substr(0, jpeg.size() * 2 / 3));
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images/cat/cut.jpg: truncated JPEG"}},
    // A folder with val/ has its validation split already; carving another would be ignored.
    {"ValSizeWithAFolderThatHasItsOwnValidation",
     [](const fs::path& d) {
       write_image_folder(d / "images/train", {"cat", "dog"});
       write_image_folder(d / "images/val", {"cat", "dog"});
       Args args = train_on_folder(d / "images", d);
       args.insert(args.end(), {"--val-size", "2"});
       return args;
     },
     {"--val-size does not apply: the image folder {dir}/images has its own val/ folder"}},
    // Validation images are decoded only after training starts, yet the run is refused up front.
    {"TruncatedJpegAmongValidationImages",
     [](const fs::path& d) {
       write_image_folder(d / "images/train", {"cat", "dog"});
       write_image_folder(d / "images/val", {"cat", "dog"});
       const std::string jpeg = jpeg_bytes(64);
       write_bytes(d / "images/val/dog/cut.jpg", jpeg.substr(0, jpeg.size() / 2));
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images/val/dog/cut.jpg: truncated JPEG"}},
    // Only JPEG decodes reduced: a huge image of another format is refused before it is decoded.
    {"HugePngIsRefused",
     [](const fs::path& d) {
       write_image_folder(d / "images", {"cat", "dog"});
       write_bytes(d / "images/dog/huge.png", huge_png_bytes());
       return train_on_folder(d / "images", d);
     },
     {"{dir}/images/dog/huge.png: PNG image of 20000x20000 pixels is over the limit"}},
    {"ClassifyZeroByteImage",
     [](const fs::path& d) {
       write_bytes(d / "empty.png", "");
       return Args{"classify", "--checkpoint", scratch().checkpoint(), d / "empty.png", "--json"};
     },
     {"{dir}/empty.png: empty file (0 bytes)"}},
    {"ClassifyMissingImage",
     [](const fs::path& d) {
       return Args{"classify", "--checkpoint", scratch().checkpoint(), d / "missing.jpg"};
     },
     {"{dir}/missing.jpg"}},
    {"DataWithAnotherClassCount",
     [](const fs::path& d) {
       write_image_folder(d / "images", {"cat", "dog", "emu"});
       return Args{"eval",  "--checkpoint", scratch().checkpoint(), "--data",
                   d / "images", "--split",    "val",                "--json"};
     },
     {"the data set in {dir}/images has 3 classes but {ckpt} has 10"}},
    {"DataWithOtherClassNames",
     [](const fs::path& d) {
       const fs::path data = copy_cifar(d);
       write_bytes(data / "batches.meta.txt", "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nboat\ntruck\n");
       return Args{"eval", "--checkpoint", scratch().checkpoint(), "--data", data, "--split", "test"};
     },
     {"the data set in {dir}/data names class 9 'boat' where {ckpt} has 'ship': is it the data set the model was "
      "trained on?"}},
    {"DataTooSmallForTheCheckpointsValidationSplit",
     [](const fs::path& d) {
       const fs::path data = copy_cifar(d);
       for (int file = 1; file <= 5; ++file)
         fs::resize_file(data / ("data_batch_" + std::to_string(file) + ".bin"), 3 * kRecordBytes);
       return Args{"eval", "--checkpoint", scratch().checkpoint(), "--data", data, "--split", "val"};
     },
     {"the data set in {dir}/data has 15 training images, too few for the 16-image validation "
      "split of {ckpt}"}},

    // ---- Checkpoints
    {"MissingCheckpoint", [](const fs::path& d) { return eval_with(d / "none.ckpt"); },
     {"{dir}/none.ckpt", "No such file"}},
    {"CheckpointIsADirectory", [](const fs::path& d) { return eval_with(d); },
     {"{dir}", "not a regular file"}},
    {"EmptyCheckpoint",
     [](const fs::path& d) { return eval_with(edited_checkpoint(d, [](std::string& f) { f.clear(); })); },
     {"{dir}/bad.ckpt", "truncated while reading the magic bytes"}},
    {"WrongMagic",
     [](const fs::path& d) {
       return eval_with(edited_checkpoint(d, [](std::string& f) { f.replace(0, 4, "PK\x03\x04"); }));
     },
     {"{dir}/bad.ckpt", "not a relunet checkpoint"}},
    {"ModelFileAsCheckpoint", [](const fs::path& d) { return eval_with(model_file(d, R"({"type": "fc", "units": 10})")); },
     {"{dir}/model.json", "not a relunet checkpoint (wrong magic bytes: a JSON file, such as a model file"}},
    {"OnnxModelAsCheckpoint",
     [](const fs::path& d) {
       relunet::export_onnx_file(scratch().checkpoint(), (d / "m.onnx").string());
       return eval_with(d / "m.onnx");
     },
     {"{dir}/m.onnx", "an ONNX model? relunet import converts one into a checkpoint"}},
    {"NewerVersion",
     [](const fs::path& d) {
       return eval_with(edited_checkpoint(d, [](std::string& f) {
         f[8] = 2;
         fix_crc(f);
       }));
     },
     {"{dir}/bad.ckpt", "written by a newer relunet (format 2"}},
    {"FlippedByteInTheParameters",
     [](const fs::path& d) {
       return inspect_with(edited_checkpoint(d, [](std::string& f) { f[section_at(f, "PARM") + 99] ^= 4; }), d);
     },
     {"{dir}/bad.ckpt", "checksum mismatch"}},
    {"FlippedByteInTheChecksum",
     [](const fs::path& d) {
       return Args{"classify", "--checkpoint",
                   edited_checkpoint(d, [](std::string& f) { f.back() ^= 1; }),
                   RELUNET_SOURCE_DIR "/models/samples"};
     },
     {"{dir}/bad.ckpt", "checksum mismatch"}},
    {"FlippedByteInTheLastCheckpointOfARun",
     [](const fs::path& d) {
       copy_run(d);
       std::string file = read_bytes(d / "run/last.ckpt");
       file[file.size() / 3] ^= 0x40;
       write_bytes(d / "run/last.ckpt", file);
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt", "checksum mismatch"}},
    // Truncation exactly at each section boundary: the file ends where the section would start.
    truncated_before("NORM"),
    truncated_before("CLAS"),
    truncated_before("PARM"),
    truncated_before("OPTM"),
    truncated_before("TRST"),
    truncated_before("CRC ", "truncated: the final 'CRC ' section is missing"),
    {"TruncatedInsideTheParameters",
     [](const fs::path& d) {
       return eval_with(edited_checkpoint(d, [](std::string& f) { f.resize(section_at(f, "PARM") + 500); }));
     },
     {"{dir}/bad.ckpt", "truncated while reading the payload of section 'PARM'"}},
    {"AbsurdSectionLength",
     [](const fs::path& d) {
       return eval_with(edited_checkpoint(d, [](std::string& f) { write_u64(f, section_at(f, "MODL") + 4, 1ull << 62); }));
     },
     {"{dir}/bad.ckpt", "section 'MODL' (needs 4611686018427387904 bytes"}},
    {"AbsurdTensorCount",
     [](const fs::path& d) {
       return eval_with(edited_checkpoint(d, [](std::string& f) {
         write_u64(f, section_at(f, "PARM") + 12, 1ull << 60);
         fix_crc(f);
       }));
     },
     {"{dir}/bad.ckpt", "section 'PARM'", "tensor count is 1152921504606846976"}},
    {"CheckpointForAnotherModel",
     [](const fs::path& d) {
       return eval_with(rewritten_checkpoint(d / "bad.ckpt", [](relunet::Checkpoint& c) {
         nlohmann::json model = nlohmann::json::parse(c.model_json);
         model["layers"][0]["filters"] = 4;  // the parameters are those of 8 filters
         c.model_json = model.dump();
       }));
     },
     {"{dir}/bad.ckpt", "has shape", "this model needs"}},
    {"CheckpointForAnotherClassCount",
     [](const fs::path& d) {
       return eval_with(rewritten_checkpoint(d / "bad.ckpt",
                                             [](relunet::Checkpoint& c) { c.class_names.pop_back(); }));
     },
     {"{dir}/bad.ckpt", "the model has 10 classes but the checkpoint names 9"}},
    {"MalformedTrainingState",
     [](const fs::path& d) {
       copy_run(d);
       rewritten_checkpoint(d / "run/last.ckpt",
                            [](relunet::Checkpoint& c) { c.train_state_json = R"({"epoch": 1})"; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state", "options"}},

    // ---- Model files
    {"CheckpointAsModelFile", [](const fs::path& d) { return train_model(scratch().checkpoint(), d); },
     {"{ckpt}: a relunet checkpoint, not a model file: --init-from {ckpt} fine-tunes from it"}},
    {"MissingModelFile", [](const fs::path& d) { return train_model(d / "none.json", d); },
     {"model file not found: {dir}/none.json"}},
    {"ModelFileNotJson",
     [](const fs::path& d) {
       write_bytes(d / "model.json", "{\"name\": \"t\",\n");
       return train_model(d / "model.json", d);
     },
     {"{dir}/model.json: line 2", "invalid JSON"}},
    {"UnknownLayerType",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "convolution", "filters": 4}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 1", "unknown layer type \"convolution\""}},
    {"MissingField",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "conv", "kernel": 3}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 1 (\"conv1\"): field \"filters\": missing"}},
    {"NegativeSize",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "conv", "filters": -8, "kernel": 3}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 1 (\"conv1\"): field \"filters\": must be a positive integer"}},
    {"ZeroSize",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "fc", "units": 0}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 1 (\"fc1\"): field \"units\": must be a positive integer"}},
    {"KernelBiggerThanItsInput",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "conv", "filters": 4, "kernel": 40}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 1 (\"conv1\"): field \"kernel\": 40 is larger than the padded input"}},
    {"FcSizeMismatch",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "fc", "units": 64}, {"type": "relu"}, {"type": "fc", "units": 12})"), d);
     },
     {"{dir}/model.json: layer 3 (\"fc2\"): field \"units\": the last layer has 12 units but the "
      "model has 10 classes"}},
    {"UnknownActivation",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "fc", "units": 8}, {"type": "swish"}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 2", "unknown layer type \"swish\""}},
    {"PReluWithANegativeInitialSlope",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "fc", "units": 8}, {"type": "prelu", "init_slope": -0.1}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 2 (\"prelu1\"): field \"init_slope\": must be a number >= 0 (got -0.1)"}},
    {"PReluWithAnInfiniteInitialSlope",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "fc", "units": 8}, {"type": "prelu", "init_slope": 1e39}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 2 (\"prelu1\"): field \"init_slope\": is out of range"}},
    {"PReluWithATextInitialSlope",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "fc", "units": 8}, {"type": "prelu", "init_slope": "0.25"}, {"type": "fc", "units": 10})"), d);
     },
     {"{dir}/model.json: layer 2 (\"prelu1\"): field \"init_slope\": must be a number"}},
    {"BenchWithABadModelFile",
     [](const fs::path& d) {
       return Args{"bench", "--model", model_file(d, R"({"type": "fc", "units": 10, "bias": 1})")};
     },
     {"{dir}/model.json: layer 1 (\"fc1\"): field \"bias\": must be true or false"}},

    {"RecipeWithAnUnknownOption",
     [](const fs::path& d) { return train_model(model_with_recipe(d, R"({"learning-rate": 0.1})"), d); },
     {"model t: recipe option \"learning-rate\" is not a relunet train option that defines a run"}},
    {"RecipeWithABadValue",
     [](const fs::path& d) { return train_model(model_with_recipe(d, R"({"lr": -1})"), d); },
     {"model t: recipe option \"lr\": ", "must be positive"}},
    {"RecipeNamingTheDataDirectory",
     [](const fs::path& d) { return train_model(model_with_recipe(d, R"({"data": "elsewhere"})"), d); },
     {"model t: recipe option \"data\" is not a relunet train option that defines a run"}},
    {"RecipeNamingWeightsToStartFrom",
     [](const fs::path& d) {
       return train_model(model_with_recipe(d, R"({"init-from": ")" + scratch().checkpoint().string() + R"("})"), d);
     },
     {"model t: recipe option \"init-from\" belongs on the command line, not in a recipe"}},

    // ---- Command lines
    {"UnknownCommand", [](const fs::path&) { return Args{"trian"}; },
     {"unknown command 'trian'", "train, eval"}, kUsage},
    {"UnknownFlag", [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--learning-rate", "1"}); },
     {"--learning-rate"}, kUsage},
    {"RequiredOptionMissing", [](const fs::path&) { return Args{"eval", "--split", "val"}; },
     {"--checkpoint is required"}, kUsage},
    {"NotANumber", [](const fs::path& d) { return with(train_on(scratch().cifar(), d), "--epochs", "three"); },
     {"--epochs: 'three' is not a number"}, kUsage},
    {"NegativeNumber", [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--lr", "-0.1"}); },
     {"--lr: must be positive, got -0.1"}, kUsage},
    {"NumberOutOfRange", [](const fs::path& d) { return with(train_on(scratch().cifar(), d), "--batch", "0"); },
     {"--batch", "0 not in range"}, kUsage},
    {"UnknownSplit",
     [](const fs::path&) { return Args{"eval", "--checkpoint", scratch().checkpoint(), "--split", "holdout"}; },
     {"--split: unknown split 'holdout'"}, kUsage},
    {"UnknownSchedule", [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--schedule", "linear"}); },
     {"--schedule: unknown schedule 'linear'"}, kUsage},
    {"UnknownActivationOption",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--activation", "swish"}); },
     {"--activation: unknown activation \"swish\""}, kUsage},
    // Contradictory options.
    {"GammaWithoutTheStepSchedule",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--schedule", "cosine", "--gamma", "0.5"}); },
     {"--gamma: applies only to --schedule step"}, kUsage},
    {"WarmupWithTheConstantSchedule",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--schedule", "constant", "--warmup", "0.1"}); },
     {"--warmup: applies only to --schedule cosine, one-cycle or triangle"}, kUsage},
    {"NesterovWithoutMomentum",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--nesterov", "--momentum", "0"}); },
     {"--nesterov: needs a --momentum above 0"}, kUsage},
    {"NearDeadWithoutUnitStatistics",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--no-unit-stats", "--near-dead", "0.1"}); },
     {"--near-dead: has no effect with --no-unit-stats"}, kUsage},
    {"GradientsWithUnitOptions",
     [](const fs::path& d) {
       return Args{"inspect", "--checkpoint", scratch().checkpoint(), "--gradients", "--csv", d / "units.csv"};
     },
     {"--csv excludes --gradients"}, kUsage},
    {"BatchesWithoutGradients",
     [](const fs::path&) { return Args{"inspect", "--checkpoint", scratch().checkpoint(), "--batches", "3"}; },
     {"--batches requires --gradients"}, kUsage},
    {"BenchUnknownActivation",
     [](const fs::path&) { return Args{"bench", "--model", "tiny", "--activation", "swish"}; },
     {"--activation: unknown activation \"swish\""}, kUsage},
    {"CropFillWithoutCrop",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--crop-pad", "0", "--crop-fill", "reflect"}); },
     {"--crop-fill: needs a --crop-pad above 0"}, kUsage},
    {"FlipModeWithoutFlips",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--no-flip", "--flip-mode", "alternating"}); },
     {"--flip-mode: has no effect with --no-flip"}, kUsage},
    {"AverageOptionWithoutAnAverage",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--average-every", "3"}); },
     {"--average-every: needs --average ema or lookahead"}, kUsage},
    {"UnknownTestTimeAugmentation",
     [](const fs::path&) { return Args{"eval", "--checkpoint", scratch().checkpoint(), "--tta", "rotate"}; },
     {"--tta: unknown test-time augmentation 'rotate'"}, kUsage},
    {"NegativeCutout", [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--cutout", "-1"}); },
     {"--cutout", "-1 not in range"}, kUsage},
    {"CutoutLargerThanTheInput", [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--cutout", "40"}); },
     {"--cutout 40 is larger than the 32x32 input of the model tiny"}},
    {"UnknownCropFill", [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--crop-fill", "wrap"}); },
     {"--crop-fill: unknown crop fill 'wrap'"}, kUsage},
    {"ValidationSplitAsLargeAsTheData",
     [](const fs::path& d) { return with(train_on(scratch().cifar(), d), "--val-size", "80"); },
     {"--val-size 80 leaves no training images: the data set in", "has 80"}},
    {"BatchLargerThanTheTrainingSplit",
     [](const fs::path& d) { return with(train_on(scratch().cifar(), d), "--batch", "65"); },
     {"--batch 65 is more than the 64 training images in"}},
    {"ResumeWithoutACheckpoint", [](const fs::path& d) { return resume_in(d); },
     {"cannot resume: {dir}/run/last.ckpt does not exist"}},
    {"ResumeWithAnotherModel",
     [](const fs::path& d) {
       copy_run(d);
       return resume_in(d, {"--model", "alexnet-cifar"});
     },
     {"{dir}/run/last.ckpt continues a run made with --model tiny: leave out --model alexnet-cifar"}},
    {"ResumeOnDataWithAnotherClassCount",
     [](const fs::path& d) {
       copy_run(d);
       write_image_folder(d / "images", {"cat", "dog", "emu"});
       return Args{"train", "--resume", "--out", d / "run", "--data", d / "images"};
     },
     {"the data set in {dir}/images has 3 classes but {dir}/run/last.ckpt has 10"}},
    {"ResumeWithOtherEpochs",
     [](const fs::path& d) {
       copy_run(d);
       return resume_in(d, {"--epochs", "3"});
     },
     {"{dir}/run/last.ckpt continues a run made with --epochs 1: leave out --epochs 3"}},
    {"ResumeWithAnotherLearningRate",
     [](const fs::path& d) {
       copy_run(d);
       return resume_in(d, {"--lr", "0.02", "--model", "tiny"});  // the model is the run's own
     },
     {"{dir}/run/last.ckpt continues a run made with --lr 0.1: leave out --lr 0.02"}},
    {"ResumeWithAFlagTheRunWasMadeWithout",
     [](const fs::path& d) {
       copy_run(d);
       return resume_in(d, {"--no-flip"});
     },
     {"{dir}/run/last.ckpt continues a run made without --no-flip"}},
    {"NewRunIntoTheDirectoryOfAnother",
     [](const fs::path& d) {
       copy_run(d);
       return train_on(scratch().cifar(), d);
     },
     {"{dir}/run already holds a run ({dir}/run/last.ckpt): continue it with --resume"}},

    // ---- ONNX export and import, fine-tuning
    {"ExportWithoutACheckpoint",
     [](const fs::path& d) { return Args{"export", "--checkpoint", d / "nowhere.ckpt", "--out", d / "m.onnx"}; },
     {"checkpoint '{dir}/nowhere.ckpt': cannot open"}},
    {"ImportAMissingFile", [](const fs::path& d) { return Args{"import", d / "nowhere.onnx", "--out", d / "out"}; },
     {"{dir}/nowhere.onnx: cannot read"}},
    {"ImportAFileThatIsNotOnnx",
     [](const fs::path& d) {
       write_bytes(d / "m.onnx", "\xff\xff\xff not protobuf");
       return Args{"import", d / "m.onnx", "--out", d / "out"};
     },
     {"{dir}/m.onnx: not an ONNX model"}},
    {"ImportAnUnsupportedOperator",
     [](const fs::path& d) {
       onnx::ModelProto model = relunet::export_onnx(relunet::load_checkpoint(scratch().checkpoint()), "good");
       for (onnx::NodeProto& node : *model.mutable_graph()->mutable_node())
         if (node.op_type() == "Relu") node.set_op_type("HardSwish");
       write_bytes(d / "m.onnx", model.SerializeAsString());
       return Args{"import", d / "m.onnx", "--out", d / "out"};
     },
     {"{dir}/m.onnx: node 'conv1.act' (HardSwish): operator not supported by relunet"}},
    {"ImportStdWithoutMean",
     [](const fs::path& d) { return Args{"import", d / "m.onnx", "--out", d / "out", "--std", "0.2,0.2,0.2"}; },
     {"--std requires --mean"}, kUsage},
    {"InitFromAMissingCheckpoint",
     [](const fs::path& d) {
       return without(train_on(scratch().cifar(), d, {"--init-from", d / "nowhere.ckpt"}), "--model");
     },
     {"checkpoint '{dir}/nowhere.ckpt': cannot open"}},
    {"InitFromWithAModel",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--init-from", scratch().checkpoint()}); },
     {"--model: does not apply with --init-from"}, kUsage},
    {"FreezeBeforeWithoutInitFrom",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--freeze-before", "fc1"}); },
     {"--freeze-before: needs --init-from"}, kUsage},
    {"FreezeBeforeAnUnknownLayer",
     [](const fs::path& d) {
       return without(train_on(scratch().cifar(), d, {"--init-from", scratch().checkpoint(), "--freeze-before", "fc9"}),
                      "--model");
     },
     {"--freeze-before: the model of {ckpt} has no layer 'fc9'; its layers: conv1, conv1.act"}},

    // ---- Hostile inputs (issue #18): JSON nested or sized to exhaust the parser or the printer
    {"DeeplyNestedModelFile",
     [](const fs::path& d) {
       return train_model(model_file(d, std::string(100000, '[') + std::string(100000, ']')), d);
     },
     {"{dir}/model.json", "nested deeper than 64 levels"}},
    {"DeeplyNestedTrainingState",
     [](const fs::path& d) {
       copy_run(d);
       rewritten_checkpoint(d / "run/last.ckpt", [](relunet::Checkpoint& c) {
         c.train_state_json = std::string(100000, '[') + std::string(100000, ']');
       });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state", "nested deeper than 64 levels"}},

    // ---- The model's input against the data: RGB images, 3 channels
    {"ModelWithFourInputChannels",
     [](const fs::path& d) {
       write_bytes(d / "model.json", R"({"name": "t", "input": {"channels": 4, "height": 32, "width": 32},
         "classes": 10, "layers": [{"type": "fc", "units": 10}]})");
       return train_model(d / "model.json", d);
     },
     {"{dir}/model.json: input: field \"channels\": must be 3, got 4"}},
    {"BenchWithOneInputChannel",
     [](const fs::path& d) {
       write_bytes(d / "model.json", R"({"name": "t", "input": {"channels": 1, "height": 32, "width": 32},
         "classes": 10, "layers": [{"type": "fc", "units": 10}]})");
       return Args{"bench", "--model", d / "model.json"};
     },
     {"{dir}/model.json: input: field \"channels\": must be 3, got 1"}},
    {"CheckpointWithFourInputChannels",
     [](const fs::path& d) {
       return eval_with(rewritten_checkpoint(d / "bad.ckpt", [](relunet::Checkpoint& c) {
         nlohmann::json model = nlohmann::json::parse(c.model_json);
         model["input"]["channels"] = 4;
         c.model_json = model.dump();
       }));
     },
     {"{dir}/bad.ckpt", "input: field \"channels\": must be 3, got 4"}},

    // ---- Checkpoints that pass the checksum but lie
    {"NaNParameter",
     [](const fs::path& d) {
       return Args{"classify", "--checkpoint", rewritten_checkpoint(d / "bad.ckpt", [](relunet::Checkpoint& c) {
                     c.params.at(0).data.at(3) = std::nanf("");
                   }), RELUNET_SOURCE_DIR "/models/samples"};
     },
     {"{dir}/bad.ckpt", "section 'PARM'", "holds NaN at index 3"}},
    {"InfiniteMomentum",
     [](const fs::path& d) {
       copy_run(d);
       rewritten_checkpoint(d / "run/last.ckpt", [](relunet::Checkpoint& c) {
         c.optimizer.at(1).data.at(0) = -INFINITY;
       });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt", "section 'OPTM'", "holds an infinity at index 0"}},
    {"ZeroStddevNormalization",
     [](const fs::path& d) {
       return Args{"classify", "--checkpoint", rewritten_checkpoint(d / "bad.ckpt", [](relunet::Checkpoint& c) {
                     c.norm.stddev[1] = 0.f;
                   }), RELUNET_SOURCE_DIR "/models/samples"};
     },
     {"{dir}/bad.ckpt", "section 'NORM'", "stddev[1] is 0.000000, not a positive finite number"}},
    {"NaNStddevNormalization",
     [](const fs::path& d) {
       return eval_with(rewritten_checkpoint(d / "bad.ckpt", [](relunet::Checkpoint& c) { c.norm.stddev[0] = std::nanf(""); }));
     },
     {"{dir}/bad.ckpt", "section 'NORM'", "stddev[0] is nan"}},
    {"EmptyClassName",
     [](const fs::path& d) {
       return eval_with(rewritten_checkpoint(d / "bad.ckpt", [](relunet::Checkpoint& c) { c.class_names.at(2) = ""; }));
     },
     {"{dir}/bad.ckpt", "section 'CLAS'", "class name #2 is empty"}},
    {"ResumedLabelSmoothingOutOfRange",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["options"]["label_smoothing"] = 2; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: --label-smoothing: must be from 0 to 0.999, got 2"}},
    {"ResumedMomentumOutOfRange",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["options"]["sgd"]["momentum"] = 5; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: --momentum: must be from 0 to 1, got 5"}},
    {"ResumedCropPadOutOfRange",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["options"]["crop_pad"] = 1000000; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: --crop-pad: must be from 0 to 64, got 1000000"}},
    {"ResumedNegativeCutout",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["options"]["cutout"] = -5; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: --cutout: must be zero or a positive side in pixels, got -5"}},
    {"EvalWithAValidationSizeOfZero",
     [](const fs::path& d) {
       return Args{"eval", "--checkpoint", rewritten_checkpoint(d / "bad.ckpt", [](relunet::Checkpoint& c) {
                     nlohmann::json state = nlohmann::json::parse(c.train_state_json);
                     state["options"]["val_size"] = 0;
                     c.train_state_json = state.dump();
                   }), "--data", scratch().cifar(), "--split", "val"};
     },
     {"{dir}/bad.ckpt: malformed training state: --val-size: must be at least 1"}},
    {"ResumedActivationOtherThanTheModels",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["options"]["activation"] = "tanh"; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: the run's --activation tanh is not the relu of its model's layer conv1.act"}},
    {"ResumedEpochsTotalBeyondTheEpochs",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["epochs_total"] = 2147483648; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: epochs_total 2147483648 is not from 1 to the "
      "run's --epochs 2"}},
    {"ResumedRunOfTwoRanksInOneProcess",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["ranks"] = 2; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt was trained by 2 processes, this run has 1: resume it with mpirun -np 2 "
      "(the data shards and batch-norm statistics depend on the count)"}},
    {"ResumedRankCountNotACount",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { s["ranks"] = 0; });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: ranks 0 is not a process count"}},
    {"ResumedPartialEpochWithoutUnitCounters",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) { set_partial_epoch(s, nlohmann::json::array()); });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: partial_epoch: unit counters for 0 layers, the "
      "model has 3"}},
    {"ResumedPartialEpochWithUnitCountersOfTheWrongSize",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) {
         const nlohmann::json one_unit = {{"images", 16}, {"active", {3}}, {"always_active", {1}}, {"outputs", 16},
                                          {"zeros", 13},  {"saturated", 0}, {"sum", 1.5},       {"max", 0.5}};
         set_partial_epoch(s, {one_unit, one_unit, one_unit});
       });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: partial_epoch: unit counters for 1 units in "
      "layer conv1, which has 8"}},
    {"ResumedPartialEpochPastTheEpochsEnd",
     [](const fs::path& d) {
       copy_run_with_state(d, [](nlohmann::json& s) {
         set_partial_epoch(s, nlohmann::json::array());
         s["partial_epoch"]["batch"] = 4;
       });
       return resume_in(d);
     },
     {"{dir}/run/last.ckpt: malformed training state: partial_epoch: 4 batches done of an epoch of 4"}},

    // ---- Unclear errors made clear
    {"LearningRateThatOverflowsToInfinity",
     [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--lr", "1e308"}); },
     {"--lr: must be a positive finite number, got inf"}, kUsage},
    {"NegativeSeed", [](const fs::path& d) { return train_on(scratch().cifar(), d, {"--seed", "-1"}); },
     {"--seed: must be a whole number from 0 to 18446744073709551615, got -1"}, kUsage},
    {"ValidationSizeZero", [](const fs::path& d) { return with(train_on(scratch().cifar(), d), "--val-size", "0"); },
     {"--val-size: must be at least 1 (best.ckpt is chosen by validation accuracy), got 0"}, kUsage},
    {"DataDirectoryIsAFile",
     [](const fs::path& d) {
       write_bytes(d / "passwd", "root:x:0:0:root:/root:/bin/bash\n");
       return train_on(d / "passwd", d);
     },
     {"data directory '{dir}/passwd' is not a directory"}},
    {"ModelTooLargeForTheMemory",
     [](const fs::path& d) {
       return train_model(model_file(d, R"({"type": "conv", "filters": 400000, "kernel": 3, "pad": 1},
                                           {"type": "avgpool", "kernel": 32}, {"type": "fc", "units": 10})"), d);
     },
     {"the model t needs at least", "GiB for a batch of 16 (training; layer conv1 alone", "GiB of memory available"}},

    // ---- Non-regular files named explicitly: refused, not opened and waited on
    {"ClassifyAFifo",
     [](const fs::path& d) {
       return Args{"classify", "--checkpoint", scratch().checkpoint(), fifo(d / "image.png"), "--json"};
     },
     {"{dir}/image.png: not a regular file (a FIFO)"}},
    {"CheckpointIsAFifo", [](const fs::path& d) { return eval_with(fifo(d / "fifo.ckpt")); },
     {"{dir}/fifo.ckpt", "not a regular file (a FIFO)"}},
    {"ModelFileIsAFifo", [](const fs::path& d) { return train_model(fifo(d / "model.json"), d); },
     {"{dir}/model.json: cannot read model file: not a regular file (a FIFO)"}},
    {"ClassNamesFileIsAFifo",
     [](const fs::path& d) {
       fifo(copy_cifar(d) / "batches.meta.txt");
       return train_on(d / "data", d);
     },
     {"{dir}/data/batches.meta.txt: not a regular file (a FIFO)"}},
    {"BatchFileIsAFifo",
     [](const fs::path& d) {
       fifo(copy_cifar(d) / "data_batch_2.bin");
       return train_on(d / "data", d);
     },
     {"{dir}/data/data_batch_2.bin: not a regular file (a FIFO)"}},

    // ---- Output paths a write would fail on: refused before any work, not after it
    {"RunDirectoryHoldingTheCheckpointToFineTune",
     [](const fs::path& d) {
       fs::create_directories(d / "run");
       fs::copy_file(scratch().checkpoint(), d / "run/best.ckpt");
       return without(train_on(scratch().cifar(), d, {"--init-from", d / "run/best.ckpt"}), "--model");
     },
     {"{dir}/run already holds {dir}/run/best.ckpt, which a new run would replace: choose another --out"}},
    {"RunDirectoryHoldingMetrics",
     [](const fs::path& d) {
       write_bytes(d / "run/metrics.jsonl", "{\"epoch\": 1}\n");
       return train_on(scratch().cifar(), d);
     },
     {"{dir}/run already holds {dir}/run/metrics.jsonl"}},
    {"RunDirectoryIsAFile",
     [](const fs::path& d) {
       write_bytes(d / "run", "not a directory");
       return train_on(scratch().cifar(), d);
     },
     {"--out {dir}/run: not a directory"}},
    {"RunDirectoryUnderAFile",
     [](const fs::path& d) {
       write_bytes(d / "file", "not a directory");
       return with(train_on(scratch().cifar(), d), "--out", d / "file/run");
     },
     {"--out {dir}/file/run: {dir}/file is not a directory"}},
    {"ExportOntoADirectory",
     [](const fs::path& d) {
       fs::create_directories(d / "m.onnx");
       return Args{"export", "--checkpoint", scratch().checkpoint(), "--out", d / "m.onnx"};
     },
     {"--out {dir}/m.onnx: a directory, not a file"}},
    {"ExportIntoAMissingDirectory",
     [](const fs::path& d) {
       return Args{"export", "--checkpoint", scratch().checkpoint(), "--out", d / "nowhere/m.onnx"};
     },
     {"--out {dir}/nowhere/m.onnx: the directory {dir}/nowhere does not exist"}},
    {"ImportIntoAFile",
     [](const fs::path& d) {
       relunet::export_onnx_file(scratch().checkpoint(), (d / "m.onnx").string());
       write_bytes(d / "out", "not a directory");
       return Args{"import", d / "m.onnx", "--out", d / "out"};
     },
     {"--out {dir}/out: not a directory"}},
    {"InspectCsvOntoItsCheckpoint",
     [](const fs::path& d) {
       fs::copy_file(scratch().checkpoint(), d / "last.ckpt");
       return Args{"inspect", "--checkpoint", d / "last.ckpt", "--data", scratch().cifar(), "--csv", d / "last.ckpt"};
     },
     {"--csv {dir}/last.ckpt: the file the command reads ({dir}/last.ckpt), which writing would destroy"}},
    {"ExportOntoItsCheckpoint",
     [](const fs::path& d) {
       fs::copy_file(scratch().checkpoint(), d / "last.ckpt");
       return Args{"export", "--checkpoint", d / "last.ckpt", "--out", d / "last.ckpt"};
     },
     {"--out {dir}/last.ckpt: the file the command reads ({dir}/last.ckpt), which writing would destroy"}},
    {"InspectCsvOntoADirectory",
     [](const fs::path& d) {
       fs::create_directories(d / "units.csv");
       return inspect_with(scratch().checkpoint(), d);
     },
     {"--csv {dir}/units.csv: a directory, not a file"}},
};

// Every directory and regular file under `dir` (path relative to it -> size and checksum).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::string& summary = entries[fs::relative(entry.path(), dir).string()];
    if (entry.is_directory()) {
      summary = "directory";
      continue;
    }
    if (!entry.is_regular_file()) {  // a FIFO of a case: reading it would block
      summary = "special file";
      continue;
    }
    const std::string bytes = read_bytes(entry.path());
    const uLong crc = crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(bytes.data()),
                              bytes.size());
    summary = std::to_string(bytes.size()) + " bytes, crc32 " + std::to_string(crc);
  }
  return entries;
}

// `text` with "{dir}" replaced by `dir` and "{ckpt}" by the good checkpoint.
std::string with_paths(std::string text, const fs::path& dir) {
  const auto replace = [&](const std::string& key, const std::function<std::string()>& value) {
    for (size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), value());
  };
  replace("{dir}", [&] { return dir.string(); });
  replace("{ckpt}", [] { return scratch().checkpoint().string(); });
  return text;
}

// Test names and failure messages show the case's name instead of its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class BadInput : public ::testing::TestWithParam<Case> {};

TEST_P(BadInput, OneLineErrorNamingTheProblemAndNothingWritten) {
  const Case& c = GetParam();
  const fs::path dir = scratch().root() / c.name, logs = scratch().root() / (c.name + "-logs");
  fs::create_directories(dir);
  fs::create_directories(logs);
  const Args args = c.make(dir);
  const auto before = snapshot(dir);

  const Output o = run_relunet(logs, args);
  EXPECT_EQ(o.exit_code, c.exit_code) << o.err;
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << "not one line:\n" << o.err;
  for (const std::string& mention : c.mentions) {
    const std::string expected = with_paths(mention, dir);
    EXPECT_NE(o.err.find(expected), std::string::npos) << "'" << expected << "' missing from:\n" << o.err;
  }
  EXPECT_EQ(o.out, "") << "nothing on stdout";
  EXPECT_EQ(snapshot(dir), before) << "the command changed or added files in " << dir;
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// ---- Odd inputs that must work -----------------------------------------------------------------

// Two classes of images in every odd shape: 1x1, grey, 16-bit colour and grey, 4-channel (8- and
// 16-bit), a grey JPEG, a 20000x20000 JPEG; a text file, a broken link and a link to a folder are
// skipped with a warning.
TEST(OddInputs, AreAcceptedConvertedAndClassifiedInBoundedMemory) {
  const fs::path dir = scratch().root() / "odd", images = dir / "images";
  cv::Mat colour(12, 10, CV_8UC3), grey(9, 13, CV_8UC1), deep(7, 7, CV_16UC3), deep_grey(6, 5, CV_16UC1),
      alpha(8, 8, CV_8UC4), deep_alpha(5, 9, CV_16UC4);
  for (cv::Mat* m : {&colour, &grey, &alpha}) cv::randu(*m, 0, 256);
  for (cv::Mat* m : {&deep, &deep_grey, &deep_alpha}) cv::randu(*m, 0, 65536);
  const std::vector<std::pair<std::string, cv::Mat>> odd = {
      {"a/one-pixel.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(10, 200, 30))},
      {"a/grey.png", grey},
      {"a/deep.png", deep},
      {"a/deep-grey.png", deep_grey},
      {"b/alpha.png", alpha},
      {"b/deep-alpha.png", deep_alpha},
      {"b/grey.jpg", grey},
      {"b/colour.bmp", colour}};
  for (const auto& [name, image] : odd) write_image(images / name, image);
  write_bytes(images / "b/huge.jpg", huge_jpeg_bytes());
  write_bytes(images / "a/notes.txt", "taken on a rainy day");
  fs::create_directory_symlink("../b", images / "a/more");  // not followed, but said
  fs::create_symlink("nowhere.png", images / "b/gone.png");
  write_bytes(dir / "model.json", R"({"name": "odd", "input": {"channels": 3, "height": 16, "width": 16},
    "classes": 2, "layers": [{"type": "conv", "filters": 4, "kernel": 3, "pad": 1}, {"type": "relu"},
    {"type": "maxpool", "kernel": 2}, {"type": "fc", "units": 2}]})");

  const Output trained =
      run_relunet(dir, {"train", "--model", dir / "model.json", "--data", images, "--epochs", "2",
                        "--val-size", "3", "--batch", "2", "--out", dir / "run"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.err.find("skipped 3 entries that are not image files (another extension, a broken link, a "
                             "link to a folder or a folder it cannot read): " +
                             (images / "a/more").string() + ", " + (images / "a/notes.txt").string() + ", " +
                             (images / "b/gone.png").string()),
            std::string::npos)
      << trained.err;
  EXPECT_TRUE(fs::is_regular_file(dir / "run/best.ckpt"));

  const Output classified = run_relunet(
      dir, {"classify", "--checkpoint", dir / "run/best.ckpt", images, "--json", "--top-k", "1"});
  ASSERT_EQ(classified.exit_code, 0) << classified.err;
  std::istringstream lines(classified.out);
  std::vector<std::string> files;
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_GE(j.at("top").at(0).at("probability").get<double>(), 0.5) << line;
    files.push_back(fs::path(j.at("file").get<std::string>()).filename());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"alpha.png", "colour.bmp", "deep-alpha.png",
                                             "deep-grey.png", "deep.png", "grey.jpg", "grey.png",
                                             "huge.jpg", "one-pixel.png"}));
  // Decoded at full size the 20000x20000 JPEG alone would take 1.2 GB; it is decoded at 1/4 scale.
  for (const Output* o : {&trained, &classified})
    EXPECT_LT(o->peak_rss_kib, 800 * 1024) << "KiB of peak memory";
}

}  // namespace
