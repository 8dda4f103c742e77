// image_folder.cpp — class folders, their image files, and the train/val/test layouts.
#include "data/image_folder.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "data/image_decode.hpp"
#include "data/cifar10.hpp"
#include "data/image_files.hpp"
#include "io/path_status.hpp"

namespace relunet {
namespace {

namespace fs = std::filesystem;

// Names of the non-hidden subdirectories of `dir`, sorted; its other files are appended to
// `stray` (when given).
std::vector<std::string> subfolders(const fs::path& dir, std::vector<std::string>* stray) {
  std::vector<std::string> names;
  try {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.front() == '.') continue;
      if (entry.is_directory())
        names.push_back(name);
      else if (stray)
        stray->push_back(entry.path().string());
    }
  } catch (const fs::filesystem_error& e) {
    throw std::runtime_error("cannot list " + dir.string() + ": " + e.code().message());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

ImageFolder::ImageFolder(const std::string& dir, bool test) {
  const fs::path root(dir);
  // train/ with class folders in it is the train/val/test layout; with images in it, a class.
  const bool split_layout = is_directory_path(root / "train") && !subfolders(root / "train", nullptr).empty();
  const fs::path train_root = split_layout ? root / "train" : root;
  classes_ = subfolders(train_root, nullptr);
  if (classes_.empty())
    throw std::runtime_error(
        train_root.string() + " has no class folders: an image folder is laid out as " +
        (root / "<class>/<images>").string() + " or " + (root / "train/<class>/<images>").string());
  for (const std::string& name : split_layout ? subfolders(root, nullptr) : classes_) {
    // The folder above the data given by mistake: say where the data are.
    if (is_cifar10_dir((root / name).string()))
      throw std::runtime_error((root / name).string() + " holds CIFAR-10: pass --data " + (root / name).string());
    // A class folder next to train/ would be ignored (train/ is the layout's, not a class).
    if (split_layout && name != "train" && name != "val" && name != "test")
      throw std::runtime_error(dir + " has both train/ (classes in " + (root / "train/<class>").string() +
                               ") and the folder " + name + "/ beside it: put every class in one layout (a class " +
                               "named 'train' goes in " + (root / "train/train").string() + ")");
  }
  if (test) {
    if (!split_layout || !is_directory_path(root / "test"))
      throw std::runtime_error(dir + " has no test images: they are read from " +
                               (root / "test/<class>").string() + " next to " +
                               (root / "train").string() + " (evaluate with --split val instead)");
    add_split((root / "test").string());
    return;
  }
  add_split(train_root.string());
  train_images_ = files_.size();
  has_val_folder_ = split_layout && is_directory_path(root / "val");
  if (has_val_folder_) add_split((root / "val").string());
}

void ImageFolder::add_split(const std::string& folder) {
  std::vector<std::string> skipped;
  const std::vector<std::string> class_folders = subfolders(folder, &skipped);
  if (class_folders.empty())
    throw std::runtime_error(folder + " has no class folders (" + folder + "/<class>/<images>)");
  for (const std::string& name : class_folders) {
    const std::string class_dir = (fs::path(folder) / name).string();
    const auto known = std::find(classes_.begin(), classes_.end(), name);
    if (known == classes_.end())
      throw std::runtime_error(class_dir + " is not one of the " + std::to_string(classes_.size()) +
                               " classes of the training images");
    ImageFileListing listing = list_image_files(class_dir);
    if (listing.images.empty())
      throw std::runtime_error("class folder " + class_dir + " has no image files (" +
                               std::to_string(listing.skipped.size()) + " files of other types)");
    const int label = int(known - classes_.begin());
    for (std::string& file : listing.images) {
      files_.push_back(std::move(file));
      labels_.push_back(label);
    }
    skipped.insert(skipped.end(), listing.skipped.begin(), listing.skipped.end());
  }
  warn_skipped_files(folder, skipped);
}

cv::Mat ImageFolder::image(size_t i) const { return decode_rgb(files_[i]); }

bool looks_like_image_folder(const std::string& dir) { return !subfolders(dir, nullptr).empty(); }

}  // namespace relunet
