// fuzz_checkpoint.cpp — libFuzzer target for the checkpoint decoder (parse_checkpoint, which
// load_checkpoint runs on the file's bytes). Only std::runtime_error may reject an input.
//
// Nearly every mutation would otherwise stop at the checksum, so the target first rewrites the
// last 4 bytes (where the 'CRC ' payload sits) with the crc32 of everything before them: the
// fuzzer then reaches the section and tensor decoding. Checksum mismatches are unit-tested.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "io/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file(reinterpret_cast<const char*>(data), size);
  if (file.size() >= 4) {
    const size_t checked = file.size() - 4;
    const uLong crc = crc32_z(crc32_z(0, nullptr, 0), data, checked);
    for (size_t i = 0; i < 4; ++i) file[checked + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  }
  try {
    relunet::parse_checkpoint(file, "fuzz");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
