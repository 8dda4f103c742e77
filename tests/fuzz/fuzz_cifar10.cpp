// fuzz_cifar10.cpp — libFuzzer target for the CIFAR-10 reader. Each input is written as
// test_batch.bin in a private temporary directory (the reader takes a directory), loaded, and
// every image decoded. Only std::runtime_error may reject an input.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "data/cifar10.hpp"

namespace {

// A private directory, created on first use and removed when the fuzzing process exits.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    path = (std::filesystem::temp_directory_path() / "fuzz_cifar10.XXXXXX").string();
    if (::mkdtemp(path.data()) == nullptr) std::abort();
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

const std::string& batch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(batch_dir() + "/test_batch.bin", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  try {
    const relunet::Cifar10 set(batch_dir(), /*training=*/false);
    for (size_t i = 0; i < set.size(); ++i)
      if (set.label(i) < 0 || set.label(i) > 9 || set.image(i).total() == 0) std::abort();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
