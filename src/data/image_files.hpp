// image_files.hpp — which files in a directory tree are images, by extension.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace relunet {

// Whether the name ends in an extension of a format OpenCV reads (case-insensitive): .jpg .jpeg
// .jpe .jfif .png .bmp .dib .webp .tif .tiff .jp2 .j2k .pbm .pgm .ppm .pxm .pnm .pam .pfm .sr .ras
// .hdr .pic .exr.
bool has_image_extension(const std::filesystem::path& file);

struct ImageFileListing {
  std::vector<std::string> images;   // sorted paths
  std::vector<std::string> skipped;  // other entries, sorted: other files, broken links, links to folders
};

// The files under `dir`, recursively. Hidden entries (".DS_Store", ".ipynb_checkpoints/") are
// ignored entirely; symbolic links to directories are not followed (they are listed as skipped).
// Throws std::runtime_error naming the directory if it cannot be read.
ImageFileListing list_image_files(const std::string& dir);

// Logs one warning for entries skipped in `dir` (their number and the first few), if any.
void warn_skipped_files(const std::string& dir, const std::vector<std::string>& skipped);

}  // namespace relunet
