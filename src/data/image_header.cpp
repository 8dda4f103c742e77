// image_header.cpp — format signatures and dimension fields of the image formats OpenCV reads.
// Every read is bounds-checked: a header cut short is an error, never a read past the buffer.
#include "data/image_header.hpp"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace relunet {

std::string to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Png: return "PNG";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::WebP: return "WebP";
    case ImageFormat::Tiff: return "TIFF";
    case ImageFormat::Pnm: return "PNM";
    case ImageFormat::Pam: return "PAM";
    case ImageFormat::Pfm: return "PFM";
    case ImageFormat::SunRaster: return "Sun raster";
    case ImageFormat::Hdr: return "Radiance HDR";
    case ImageFormat::Exr: return "OpenEXR";
    case ImageFormat::Jpeg2000: return "JPEG 2000";
    case ImageFormat::Unknown: break;
  }
  return "unknown";
}

namespace {

// Bounds-checked access to the file's bytes; any read past the end means a malformed header.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size, ImageFormat format)
      : data_(data), size_(size), format_(format) {}

  size_t size() const { return size_; }
  uint8_t at(size_t pos) const { return data_[check(pos, 1)]; }
  uint64_t big_endian(size_t pos, size_t bytes) const {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v = v << 8 | data_[check(pos, bytes) + i];
    return v;
  }
  uint64_t little_endian(size_t pos, size_t bytes) const {
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;) v = v << 8 | data_[check(pos, bytes) + i];
    return v;
  }
  // The first position from `pos` on holding `value`, or size().
  size_t find(uint8_t value, size_t pos) const {
    if (pos >= size_) return size_;
    const void* found = std::memchr(data_ + pos, value, size_ - pos);
    return found ? size_t(static_cast<const uint8_t*>(found) - data_) : size_;
  }
  bool matches(size_t pos, const char* text) const {
    const size_t n = std::strlen(text);
    return pos <= size_ && n <= size_ - pos && std::memcmp(data_ + pos, text, n) == 0;
  }
  // The NUL-terminated string at `pos`; `pos` moves past the NUL.
  std::string c_string(size_t& pos) const {
    const size_t start = check(pos, 1);
    const void* nul = std::memchr(data_ + start, 0, size_ - start);
    if (!nul) malformed();
    const size_t length = static_cast<size_t>(static_cast<const uint8_t*>(nul) - (data_ + start));
    pos = start + length + 1;
    return std::string(reinterpret_cast<const char*>(data_ + start), length);
  }
  [[noreturn]] void malformed() const {
    throw std::runtime_error("truncated or malformed " + to_string(format_) + " header");
  }

 private:
  size_t check(size_t pos, size_t bytes) const {
    if (pos > size_ || bytes > size_ - pos) malformed();
    return pos;
  }
  const uint8_t* data_;
  size_t size_;
  ImageFormat format_;
};

ImageFormat detect_format(const Bytes& b) {
  if (b.matches(0, "\xFF\xD8\xFF")) return ImageFormat::Jpeg;
  if (b.matches(0, "\x89PNG\r\n\x1A\n")) return ImageFormat::Png;
  if (b.matches(0, "BM")) return ImageFormat::Bmp;
  if (b.matches(0, "RIFF") && b.matches(8, "WEBP")) return ImageFormat::WebP;
  if (b.size() >= 4) {  // "II" + version 42 (43: BigTIFF) little-endian, or "MM" big-endian
    auto is_version = [](uint64_t v) { return v == 42 || v == 43; };
    if ((b.matches(0, "II") && is_version(b.little_endian(2, 2))) ||
        (b.matches(0, "MM") && is_version(b.big_endian(2, 2))))
      return ImageFormat::Tiff;
  }
  if (b.size() >= 2 && b.at(0) == 'P' && b.at(1) >= '1' && b.at(1) <= '6') return ImageFormat::Pnm;
  if (b.matches(0, "P7")) return ImageFormat::Pam;
  if (b.matches(0, "PF") || b.matches(0, "Pf")) return ImageFormat::Pfm;
  if (b.matches(0, "\x59\xA6\x6A\x95")) return ImageFormat::SunRaster;
  if (b.matches(0, "#?RGBE") || b.matches(0, "#?RADIANCE")) return ImageFormat::Hdr;
  if (b.matches(0, "\x76\x2F\x31\x01")) return ImageFormat::Exr;
  if (b.matches(0, "\xFF\x4F\xFF\x51") ||
      (b.size() >= 12 && b.big_endian(0, 4) == 12 && b.matches(4, "jP  \r\n\x87\n")))
    return ImageFormat::Jpeg2000;
  return ImageFormat::Unknown;
}

void jpeg_header(const Bytes& b, ImageHeader& h) {
  auto has_no_length = [](int m) { return m == 0x01 || (m >= 0xD0 && m <= 0xD7); };  // TEM, RSTn
  size_t pos = 2;
  bool progressive = false;
  for (;;) {  // marker segments up to the first start-of-scan
    if (b.at(pos) != 0xFF) b.malformed();
    const int marker = b.at(pos + 1);
    if (marker == 0xFF || has_no_length(marker)) {
      pos += marker == 0xFF ? 1 : 2;
      continue;
    }
    if (marker == 0xDA) break;
    const size_t length = b.big_endian(pos + 2, 2);
    if (length < 2 || marker == 0xD9) b.malformed();
    const bool start_of_frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) {
      h.height = int64_t(b.big_endian(pos + 5, 2));
      h.width = int64_t(b.big_endian(pos + 7, 2));
      progressive = (marker & 3) == 2;  // SOF2, SOF6, SOF10, SOF14
    }
    pos += 2 + length;
  }
  // Scan data: byte-stuffed entropy-coded segments, restart markers, and between the scans of a
  // multi-scan file more marker segments (tables, further start-of-scans) that carry a length.
  int scans = 0;
  h.complete = false;
  for (pos = b.find(0xFF, pos); pos + 1 < b.size(); pos = b.find(0xFF, pos)) {
    const int marker = b.at(pos + 1);
    if (marker == 0xD9) {
      h.complete = true;
      break;
    }
    if (marker == 0xFF || marker == 0 || has_no_length(marker)) {  // fill, stuffed 0xFF, RSTn
      pos += marker == 0xFF ? 1 : 2;
      continue;
    }
    if (marker == 0xDA) ++scans;
    if (pos + 3 >= b.size()) break;
    pos += 2 + b.big_endian(pos + 2, 2);
  }
  h.single_scan = !progressive && scans == 1;
}

void png_header(const Bytes& b, ImageHeader& h) {
  if (!b.matches(12, "IHDR")) b.malformed();
  h.width = int64_t(b.big_endian(16, 4));
  h.height = int64_t(b.big_endian(20, 4));
}

void bmp_header(const Bytes& b, ImageHeader& h) {
  if (b.little_endian(14, 4) == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sizes
    h.width = int64_t(b.little_endian(18, 2));
    h.height = int64_t(b.little_endian(20, 2));
    return;
  }
  h.width = static_cast<int32_t>(b.little_endian(18, 4));
  h.height = std::llabs(static_cast<int32_t>(b.little_endian(22, 4)));  // negative: top-down
}

void webp_header(const Bytes& b, ImageHeader& h) {
  if (b.matches(12, "VP8 ")) {  // lossy: 14-bit sizes after the key frame's start code
    if (!b.matches(23, "\x9D\x01\x2A")) b.malformed();
    h.width = int64_t(b.little_endian(26, 2) & 0x3FFF);
    h.height = int64_t(b.little_endian(28, 2) & 0x3FFF);
  } else if (b.matches(12, "VP8L")) {  // lossless: 14-bit sizes minus one, bit-packed
    if (b.at(20) != 0x2F) b.malformed();
    const uint64_t bits = b.little_endian(21, 4);
    h.width = int64_t(bits & 0x3FFF) + 1;
    h.height = int64_t(bits >> 14 & 0x3FFF) + 1;
  } else if (b.matches(12, "VP8X")) {  // extended: 24-bit canvas sizes minus one
    h.width = int64_t(b.little_endian(24, 3)) + 1;
    h.height = int64_t(b.little_endian(27, 3)) + 1;
  } else {
    b.malformed();
  }
}

// The first image file directory's ImageWidth (256) and ImageLength (257) tags; classic TIFF and
// BigTIFF (version 43: 64-bit offsets and counts).
void tiff_header(const Bytes& b, ImageHeader& h) {
  const bool little = b.at(0) == 'I';
  auto read = [&](uint64_t pos, size_t bytes) {
    if (pos > b.size()) b.malformed();
    return little ? b.little_endian(size_t(pos), bytes) : b.big_endian(size_t(pos), bytes);
  };
  const bool big = read(2, 2) == 43;
  const uint64_t ifd = big ? read(8, 8) : read(4, 4);
  if (ifd > b.size()) b.malformed();
  const uint64_t entries = big ? read(ifd, 8) : read(ifd, 2);
  const uint64_t entry_bytes = big ? 20 : 12, value_offset = big ? 12 : 8;
  if (entries > b.size() / entry_bytes) b.malformed();
  for (uint64_t i = 0; i < entries; ++i) {
    const uint64_t entry = ifd + (big ? 8 : 2) + i * entry_bytes;
    const uint64_t tag = read(entry, 2), type = read(entry + 2, 2);
    if (tag != 256 && tag != 257) continue;
    const size_t bytes = type == 3 ? 2 : type == 4 ? 4 : type == 16 ? 8 : 0;  // SHORT, LONG, LONG8
    if (bytes == 0) b.malformed();
    (tag == 256 ? h.width : h.height) = int64_t(read(entry + value_offset, bytes));
  }
}

// Whitespace-separated tokens of a text header, skipping '#' comments (PNM, PAM, PFM).
class TextTokens {
 public:
  TextTokens(const Bytes& b, size_t pos) : b_(b), pos_(pos) {}
  std::string next() {
    // Skips exactly what ends a token below (a vertical tab too): otherwise the token would be
    // empty and a caller looking for "ENDHDR" would loop forever (found by fuzz_image_header).
    for (;;) {
      const uint8_t c = b_.at(pos_);
      if (c == '#') {
        while (b_.at(pos_) != '\n') ++pos_;
      } else if (std::isspace(c)) {
        ++pos_;
      } else {
        break;
      }
    }
    std::string token;
    while (pos_ < b_.size() && !std::isspace(b_.at(pos_)) && token.size() < 16)
      token += char(b_.at(pos_++));
    return token;
  }
  int64_t number() {
    const std::string token = next();
    if (token.empty() || token.size() > 9 ||
        token.find_first_not_of("0123456789") != std::string::npos)
      b_.malformed();
    return std::stoll(token);
  }

 private:
  const Bytes& b_;
  size_t pos_;
};

void pam_header(const Bytes& b, ImageHeader& h) {
  TextTokens tokens(b, 2);
  for (std::string key = tokens.next(); key != "ENDHDR"; key = tokens.next()) {
    if (key == "WIDTH") h.width = tokens.number();
    if (key == "HEIGHT") h.height = tokens.number();
  }
}

// The resolution line after the blank line that ends the header, e.g. "-Y 480 +X 640".
void hdr_header(const Bytes& b, ImageHeader& h) {
  size_t pos = 0;
  while (!b.matches(pos, "\n\n")) {
    if (pos >= b.size()) b.malformed();
    ++pos;
  }
  TextTokens tokens(b, pos + 2);
  const std::string first_axis = tokens.next();
  const int64_t first = tokens.number();
  tokens.next();
  const int64_t second = tokens.number();
  const bool rows_first = first_axis.size() == 2 && first_axis[1] == 'Y';
  h.height = rows_first ? first : second;
  h.width = rows_first ? second : first;
}

// Attributes (name, type, size, value) until an empty name; dataWindow is a box2i.
void exr_header(const Bytes& b, ImageHeader& h) {
  size_t pos = 8;
  for (std::string name = b.c_string(pos); !name.empty(); name = b.c_string(pos)) {
    const std::string type = b.c_string(pos);
    const uint64_t size = b.little_endian(pos, 4);
    pos += 4;
    if (name == "dataWindow" && type == "box2i" && size == 16) {
      auto coordinate = [&](size_t i) {
        return int64_t(static_cast<int32_t>(b.little_endian(pos + 4 * i, 4)));
      };
      h.width = coordinate(2) - coordinate(0) + 1;
      h.height = coordinate(3) - coordinate(1) + 1;
      return;
    }
    if (size > b.size()) b.malformed();
    pos += size_t(size);
  }
}

// Content offset of the first box of `type` among the boxes in [pos, end), or `end`.
size_t find_jp2_box(const Bytes& b, size_t pos, size_t end, const char* type) {
  while (pos + 8 <= end) {
    uint64_t length = b.big_endian(pos, 4), header = 8;
    if (length == 1) length = b.big_endian(pos + 8, 8), header = 16;
    if (length == 0) length = end - pos;  // the last box runs to the end
    if (length < header || length > end - pos) b.malformed();
    if (b.matches(pos + 4, type)) return pos + size_t(header);
    pos += size_t(length);
  }
  return end;
}

void jpeg2000_header(const Bytes& b, ImageHeader& h) {
  if (b.matches(0, "\xFF\x4F\xFF\x51")) {  // raw codestream: SIZ, image size minus its offset
    h.width = int64_t(b.big_endian(8, 4)) - int64_t(b.big_endian(16, 4));
    h.height = int64_t(b.big_endian(12, 4)) - int64_t(b.big_endian(20, 4));
    return;
  }
  const size_t jp2h = find_jp2_box(b, 0, b.size(), "jp2h");
  const size_t ihdr = find_jp2_box(b, jp2h, b.size(), "ihdr");
  h.height = int64_t(b.big_endian(ihdr, 4));
  h.width = int64_t(b.big_endian(ihdr + 4, 4));
}

}  // namespace

ImageHeader read_image_header(const uint8_t* data, size_t size) {
  ImageHeader h;
  h.format = detect_format(Bytes(data, size, ImageFormat::Unknown));
  const Bytes b(data, size, h.format);
  switch (h.format) {
    case ImageFormat::Jpeg: jpeg_header(b, h); break;
    case ImageFormat::Png: png_header(b, h); break;
    case ImageFormat::Bmp: bmp_header(b, h); break;
    case ImageFormat::WebP: webp_header(b, h); break;
    case ImageFormat::Tiff: tiff_header(b, h); break;
    case ImageFormat::Pnm:
    case ImageFormat::Pfm: {
      TextTokens tokens(b, 2);
      h.width = tokens.number();
      h.height = tokens.number();
      break;
    }
    case ImageFormat::Pam: pam_header(b, h); break;
    case ImageFormat::SunRaster:
      h.width = int64_t(b.big_endian(4, 4));
      h.height = int64_t(b.big_endian(8, 4));
      break;
    case ImageFormat::Hdr: hdr_header(b, h); break;
    case ImageFormat::Exr: exr_header(b, h); break;
    case ImageFormat::Jpeg2000: jpeg2000_header(b, h); break;
    case ImageFormat::Unknown: return h;
  }
  if (h.width <= 0 || h.height <= 0) b.malformed();
  return h;
}

}  // namespace relunet
