// image_files.cpp — directory listing filtered by image extension.
#include "data/image_files.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "io/printable.hpp"

namespace relunet {

bool has_image_extension(const std::filesystem::path& file) {
  static constexpr std::array<const char*, 24> kExtensions = {
      ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".webp",
      ".tif", ".tiff", ".jp2", ".j2k",  ".pbm", ".pgm", ".ppm", ".pxm",
      ".pnm", ".pam",  ".pfm", ".sr",   ".ras", ".hdr", ".pic", ".exr"};
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

ImageFileListing list_image_files(const std::string& dir) {
  namespace fs = std::filesystem;
  ImageFileListing listing;
  try {
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      const fs::path& path = it->path();
      if (path.filename().string().front() == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory() && !it->is_symlink()) {
        // Descended into, unless it cannot be read: then it is skipped and named, not the end
        // of the whole listing.
        if (::access(path.c_str(), R_OK | X_OK) != 0) {
          it.disable_recursion_pending();
          listing.skipped.push_back(path.string());
        }
        continue;
      }
      // A broken link or a link to a folder (not followed: it may loop) is skipped as loudly as
      // a text file, so that a data set never shrinks in silence.
      const bool image = it->is_regular_file() && has_image_extension(path);
      (image ? listing.images : listing.skipped).push_back(path.string());
    }
  } catch (const fs::filesystem_error& e) {
    throw std::runtime_error("cannot list the images in " + dir + ": " + e.code().message() +
                             (e.path1().empty() ? "" : " (" + e.path1().string() + ")"));
  }
  std::sort(listing.images.begin(), listing.images.end());
  std::sort(listing.skipped.begin(), listing.skipped.end());
  return listing;
}

void warn_skipped_files(const std::string& dir, const std::vector<std::string>& skipped) {
  if (skipped.empty()) return;
  constexpr size_t kShown = 3;
  std::string shown;
  for (size_t i = 0; i < std::min(kShown, skipped.size()); ++i)
    shown += (i ? ", " : "") + printable(skipped[i]);
  spdlog::warn("{}: skipped {} {} (another extension, a broken link, a link to a folder or a folder it cannot read): {}{}",
               printable(dir), skipped.size(),
               skipped.size() == 1 ? "entry that is not an image file" : "entries that are not image files",
               shown, skipped.size() > kShown ? ", ..." : "");
}

}  // namespace relunet
