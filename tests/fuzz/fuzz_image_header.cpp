// fuzz_image_header.cpp — libFuzzer target for the image-header parser (read_image_header), which
// reads a dozen formats by hand from untrusted files before any decoder runs. Only
// std::runtime_error may reject an input, and an accepted header of a known format must have
// positive dimensions (what the pixel limit is computed from).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "data/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  relunet::ImageHeader header;
  try {
    header = relunet::read_image_header(data, size);
  } catch (const std::runtime_error&) {
    return 0;
  }
  if (header.format != relunet::ImageFormat::Unknown && (header.width <= 0 || header.height <= 0))
    std::abort();
  return 0;
}
