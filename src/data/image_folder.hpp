// image_folder.hpp — a data set of image files sorted into one folder per class.
//
// Two layouts:
//   DIR/train/<class>/*  [DIR/val/<class>/*]  [DIR/test/<class>/*]   (ImageNet style)
//   DIR/<class>/*                                                     (validation carved by seed)
// The classes are the folder names under DIR/train (or DIR), sorted; val/ and test/ may hold a
// subset of them. Files are found recursively and decoded only when image() asks for them.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace relunet {

class ImageFolder final : public Dataset {
 public:
  // `test`: the images of DIR/test (an error if the folder has none); otherwise the training
  // images followed by those of DIR/val, if it exists. Throws std::runtime_error naming the
  // folder for a layout without classes, a class folder without images, or a val/test class
  // that has no training folder.
  ImageFolder(const std::string& dir, bool test);

  size_t size() const override { return files_.size(); }
  int label(size_t i) const override { return labels_[i]; }
  cv::Mat image(size_t i) const override;  // decode_rgb(file(i)): 8-bit RGB at its stored size
  const std::vector<std::string>& class_names() const override { return classes_; }

  const std::string& file(size_t i) const { return files_[i]; }
  // Images [0, train_images()) are the training images; the rest come from DIR/val.
  bool has_val_folder() const { return has_val_folder_; }
  size_t train_images() const { return train_images_; }

 private:
  void add_split(const std::string& folder);

  std::vector<std::string> classes_;
  std::vector<std::string> files_;
  std::vector<int> labels_;
  bool has_val_folder_ = false;
  size_t train_images_ = 0;
};

// Whether `dir` could be an image folder: it has at least one (non-hidden) subdirectory.
bool looks_like_image_folder(const std::string& dir);

}  // namespace relunet
