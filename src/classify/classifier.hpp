// classifier.hpp — a trained checkpoint applied to image files: decode, fit to the model's
// input, normalise with the checkpoint's statistics, forward in batches, softmax.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "data/image_decode.hpp"
#include "data/input_normalizer.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "net/model_checkpoint.hpp"
#include "net/tta.hpp"

namespace relunet {

struct ClassScore {
  int label = 0;
  double probability = 0.0;
};

struct FileClassification {
  std::string file;
  std::vector<ClassScore> top;  // most probable first; empty when the file could not be read
  std::string error;            // why the file could not be read (it starts with the path)
};

class Classifier {
 public:
  // Loads `checkpoint` and builds its network for `batch` images at a time: a batch no larger
  // than the number of images keeps the start fast when there are few.
  // Logits are averaged over the views of `tta`.
  Classifier(const std::string& checkpoint, int64_t batch, FitMode fit, TtaMode tta);
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  const std::vector<std::string>& class_names() const { return model_.checkpoint.class_names; }

  // Classifies `files` batch by batch and calls `report` once per file, in order, with its
  // `top_k` most probable classes or the error that kept it from being decoded.
  void classify(const std::vector<std::string>& files, int top_k,
                const std::function<void(const FileClassification&)>& report);

 private:
  Context ctx_;  // before the network, which refers to it
  LoadedModel model_;
  SoftmaxCrossEntropy softmax_;
  InputNormalizer normalizer_;
  FitMode fit_;
  TtaForward forward_;
};

// The `k` largest of `probabilities` (clamped to their number), largest first; equal values in
// label order.
std::vector<ClassScore> top_classes(const std::vector<double>& probabilities, int k);

// Command-line paths with every directory replaced by the image files under it (recursive,
// sorted); a file named explicitly is kept whatever its extension. `errors` collects the
// directories that hold no images or cannot be read.
struct ImagePaths {
  std::vector<std::string> files;
  std::vector<std::string> errors;
};
ImagePaths expand_image_paths(const std::vector<std::string>& paths);

}  // namespace relunet
