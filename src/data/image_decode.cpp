// image_decode.cpp — file bytes -> header check -> OpenCV decode -> 8-bit RGB.
#include "data/image_decode.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/image_header.hpp"
#include "io/path_status.hpp"
#include "io/regular_file.hpp"

namespace relunet {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::file_status status = path_status(path);
  if (!fs::exists(status)) throw std::runtime_error("no such file");
  if (fs::is_directory(status)) throw std::runtime_error("is a directory, not an image file");
  RegularFile file(path);
  if (file.size() == 0) throw std::runtime_error("empty file (0 bytes)");
  if (file.size() > uint64_t(kMaxImageFileBytes))
    throw std::runtime_error("file of " + std::to_string(file.size()) + " bytes is over the limit of " +
                             std::to_string(kMaxImageFileBytes) + " bytes for an image");
  std::vector<uint8_t> bytes(static_cast<size_t>(file.size()));
  file.read(bytes.data(), bytes.size());
  return bytes;
}

// The cv::imdecode flags for the file; none when it is over the pixel limit and cannot be
// decoded reduced. IMREAD_UNCHANGED keeps alpha and 16-bit or float samples but skips EXIF
// orientation; JPEG has neither alpha nor (in libjpeg 6.2) more than 8 bits, so it is read as
// colour, rotated by EXIF, and reduced when it is over the limit.
std::optional<int> decode_flags(const ImageHeader& header, int64_t max_pixels) {
  auto fits = [&](int64_t factor) {
    return ((header.width + factor - 1) / factor) * ((header.height + factor - 1) / factor) <=
           max_pixels;
  };
  if (header.format == ImageFormat::Unknown) return cv::IMREAD_UNCHANGED;
  if (header.format != ImageFormat::Jpeg)
    return fits(1) ? std::optional<int>(cv::IMREAD_UNCHANGED) : std::nullopt;
  for (const auto& [factor, flag] : {std::pair{1, cv::IMREAD_COLOR},
                                     {2, cv::IMREAD_REDUCED_COLOR_2},
                                     {4, cv::IMREAD_REDUCED_COLOR_4},
                                     {8, cv::IMREAD_REDUCED_COLOR_8}}) {
    if (fits(factor) && (factor == 1 || header.single_scan)) return flag;
  }
  return std::nullopt;
}

cv::Mat to_8bit(const cv::Mat& image) {
  cv::Mat out;
  switch (image.depth()) {
    case CV_8U: return image;
    case CV_16U: image.convertTo(out, CV_8U, 255.0 / 65535.0); return out;
    case CV_16F:
    case CV_32F:
    case CV_64F: image.convertTo(out, CV_8U, 255.0); return out;
    default: throw std::runtime_error("unsupported sample type (signed integers)");
  }
}

// BGRA (or RGBA) -> RGB over a white background: c' = (c a + 255 (255 - a)) / 255, rounded.
cv::Mat composite_on_white(const cv::Mat& bgra, bool rgb_order) {
  cv::Mat rgb(bgra.size(), CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const uint8_t* in = bgra.ptr<uint8_t>(y);
    uint8_t* out = rgb.ptr<uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, in += 4, out += 3) {
      const int alpha = in[3];
      for (int c = 0; c < 3; ++c)
        out[c] = uint8_t((in[rgb_order ? c : 2 - c] * alpha + 255 * (255 - alpha) + 127) / 255);
    }
  }
  return rgb;
}

// `rgb_order`: the decoder left colour samples in R, G, B order instead of OpenCV's B, G, R.
cv::Mat to_rgb(cv::Mat image, bool rgb_order) {
  image = to_8bit(image);
  switch (image.channels()) {
    case 1: cv::cvtColor(image, image, cv::COLOR_GRAY2RGB); return image;
    case 3:
      if (!rgb_order) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
      return image;
    case 4: return composite_on_white(image, rgb_order);
    default:
      throw std::runtime_error("unsupported number of channels: " +
                               std::to_string(image.channels()));
  }
}

cv::Mat decode(std::vector<uint8_t> bytes, int64_t max_pixels) {
  const ImageHeader header = read_image_header(bytes.data(), bytes.size());
  const std::string format = to_string(header.format);
  if (!header.complete)
    throw std::runtime_error("truncated JPEG file: no end-of-image marker after the image data");
  const std::optional<int> flags = decode_flags(header, max_pixels);
  if (!flags)
    throw std::runtime_error(format + " image of " + std::to_string(header.width) + "x" +
                             std::to_string(header.height) + " pixels is over the limit of " +
                             std::to_string(max_pixels) + " pixels");
  // Unknown formats (DICOM) go to OpenCV unchecked, under its own limit of 2^30 pixels.
  cv::Mat decoded = cv::imdecode(bytes, *flags);
  bytes = {};  // the compressed data is no longer needed while converting
  if (decoded.empty())
    throw std::runtime_error(header.format == ImageFormat::Unknown
                                 ? "not an image file (no format OpenCV can decode)"
                                 : "corrupt or truncated " + format + " file (decoding failed)");
  // OpenCV 4.6's PAM reader (and writer) keeps the file's sample order, which for the RGB and
  // RGB_ALPHA tuple types is R, G, B(, A).
  return to_rgb(std::move(decoded), header.format == ImageFormat::Pam);
}

}  // namespace

cv::Mat decode_rgb(const std::string& path, int64_t max_pixels) {
  try {
    return decode(read_file(path), max_pixels);
  } catch (const std::exception& e) {  // runtime_error and cv::Exception alike
    throw std::runtime_error(path + ": " + e.what());
  }
}

cv::Mat to_model_input(const cv::Mat& rgb, int height, int width, FitMode mode) {
  if (rgb.empty() || height < 1 || width < 1)
    throw std::invalid_argument("to_model_input needs a non-empty image and a positive size");
  cv::Mat view = rgb;
  if (mode == FitMode::CenterCrop) {
    // Compare aspect ratios exactly in integers: cols/rows > width/height means too wide.
    const int64_t cols_x_height = int64_t(rgb.cols) * height,
                  rows_x_width = int64_t(rgb.rows) * width;
    cv::Size crop = rgb.size();
    if (cols_x_height > rows_x_width)
      crop.width = std::max(1, int((rows_x_width + height / 2) / height));
    else
      crop.height = std::max(1, int((cols_x_height + width / 2) / width));
    view = rgb(cv::Rect((rgb.cols - crop.width) / 2, (rgb.rows - crop.height) / 2, crop.width,
                        crop.height));
  }
  if (view.rows == height && view.cols == width) return view;
  const bool shrinking = height <= view.rows && width <= view.cols;
  cv::Mat out;
  cv::resize(view, out, cv::Size(width, height), 0, 0,
             shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

}  // namespace relunet
