// fuzz_onnx_import.cpp — libFuzzer target for the ONNX importer (relunet import), a parser of
// untrusted model files. import_onnx may only reject input with std::runtime_error; anything
// else (another exception, a crash, a sanitizer report, a giant allocation) is a bug. An
// accepted model must also give a valid relunet model and survive export and import again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "model/model_spec.hpp"
#include "onnx/onnx_export.hpp"
#include "onnx/onnx_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  relunet::Checkpoint ckpt;
  try {
    ckpt = relunet::import_onnx(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", {});
  } catch (const std::runtime_error&) {
    return 0;
  }
  relunet::parse_model(ckpt.model_json, "fuzz model");  // throws (and so aborts) if invalid
  std::string bytes;
  if (!relunet::export_onnx(ckpt, "fuzz").SerializeToString(&bytes)) std::abort();
  if (relunet::import_onnx(bytes, "fuzz again", {}).model_json != ckpt.model_json) std::abort();
  return 0;
}
