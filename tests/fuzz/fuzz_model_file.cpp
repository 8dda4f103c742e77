// fuzz_model_file.cpp — libFuzzer target for the model-file parser. parse_model may only reject
// input with std::runtime_error; anything else (another exception, a crash, a sanitizer report)
// is a bug. An accepted model must also survive a round trip through its canonical JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "model/model_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  relunet::ModelSpec spec;
  try {
    spec = relunet::parse_model(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const std::runtime_error&) {
    return 0;
  }
  const std::string canonical = relunet::to_json(spec);
  if (relunet::to_json(relunet::parse_model(canonical, "fuzz canonical")) != canonical) std::abort();
  return 0;
}
