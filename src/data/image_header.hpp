// image_header.hpp — an image file's format and dimensions, read from its header bytes without
// decoding any pixels. OpenCV 4.6 has no header-only API and reads its own pixel limit
// (OPENCV_IO_MAX_IMAGE_PIXELS) once, when the library loads, with a default of 2^30 pixels; this
// is what lets relunet refuse a huge image before a decoder allocates it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace relunet {

// Every format the Debian OpenCV 4.6 build decodes, except DICOM (GDCM), whose header is not
// simple to read; such files come back as Unknown.
enum class ImageFormat {
  Unknown,
  Jpeg,
  Png,
  Bmp,
  WebP,
  Tiff,
  Pnm,
  Pam,
  Pfm,
  SunRaster,
  Hdr,
  Exr,
  Jpeg2000
};

std::string to_string(ImageFormat format);

struct ImageHeader {
  ImageFormat format = ImageFormat::Unknown;
  int64_t width = 0, height = 0;  // positive unless the format is Unknown
  // JPEG only. `complete`: an end-of-image marker follows the scan data (libjpeg decodes a
  // truncated file without an error, padding it with grey). `single_scan`: a baseline-style
  // file, which libjpeg decodes at a reduced scale in memory proportional to the reduced image;
  // progressive and multi-scan files buffer every coefficient of the full image.
  bool complete = true;
  bool single_scan = true;
};

// Identifies the format by its signature and reads the dimensions. Throws std::runtime_error
// (without the file name, which the caller adds) when a known signature is followed by a
// truncated or malformed header.
ImageHeader read_image_header(const uint8_t* data, size_t size);

}  // namespace relunet
