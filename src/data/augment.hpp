// augment.hpp — training-time augmentation of one image: a random translation (crop after padding
// with zeros or a reflection of the border), a horizontal flip, random or alternating, and cutout.
//
// Every choice is a pure function of (seed, epoch, batch, position in the batch) or, for the
// alternating flip, of (seed, epoch, dataset index): a resumed run sees exactly the images an
// uninterrupted one would have seen.
#pragma once

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace relunet {

// What fills the border that a translation uncovers.
enum class CropFill {
  Zero,     // black (zero before normalisation)
  Reflect,  // the image mirrored about its edge pixel (dcb|abcd|cba), as airbench's translation
};

enum class FlipMode {
  Random,       // each image mirrored with probability 1/2, drawn afresh every epoch
  Alternating,  // a random half mirrored in the first epoch; every image switches each epoch
};

struct Augmentation {
  int crop_pad = 0;   // random crop of the input size after padding by this many pixels (a
                      // translation by up to +-crop_pad); for images larger than the input, a
                      // random-resized crop instead
  bool flip = false;  // horizontal flips
  CropFill crop_fill = CropFill::Zero;
  FlipMode flip_mode = FlipMode::Random;
  int cutout = 0;  // side of a random square inside the image that is set to the mean colour
                   // (DeVries & Taylor's Cutout, as in airbench96); 0: none
};

// Training's default (`relunet train` without augmentation flags, and bench's loader): random
// translations by up to 4 pixels and random flips.
constexpr Augmentation kTrainingAugmentation = [] {
  Augmentation a;
  a.crop_pad = 4;
  a.flip = true;
  return a;
}();

CropFill parse_crop_fill(const std::string& text);
std::string to_string(CropFill fill);
FlipMode parse_flip_mode(const std::string& text);
std::string to_string(FlipMode mode);

// Where an image sits in the run: the inputs of its random choices.
struct ImageDraw {
  uint64_t seed = 0;
  int64_t epoch = 0;
  int64_t batch = 0;
  int position = 0;   // within the batch
  size_t image = 0;   // dataset index: identifies the image across epochs
};

// Whether `image` is mirrored in `epoch` under the alternating flip: a fixed random orientation
// per image, switched every epoch.
bool alternating_flip(uint64_t seed, int64_t epoch, size_t image);

// Fits dataset images to the model input, augmented as `augment` says, reusing its buffers (one
// Augmenter per thread). The result may refer to the Augmenter's buffers: it stays valid until
// the next call.
class Augmenter {
 public:
  Augmenter(Augmentation augment, int height, int width);
  cv::Mat apply(const cv::Mat& image, const ImageDraw& draw);
  // Cutout, on the image once normalised into `channels` planes of height x width, where the mean
  // colour is exactly zero.
  void cut_out(float* planes, int channels, const ImageDraw& draw) const;

 private:
  cv::Mat fit(const cv::Mat& image) const;

  Augmentation augment_;
  int height_, width_;
  cv::Mat padded_, flipped_;
};

}  // namespace relunet
