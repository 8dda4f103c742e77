// classifier.cpp — batched inference over image files, one failed file at a time set aside.
#include "classify/classifier.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "data/image_files.hpp"
#include "io/path_status.hpp"

namespace relunet {

Classifier::Classifier(const std::string& checkpoint, int64_t batch, FitMode fit, TtaMode tta)
    : model_(load_model_checkpoint(checkpoint, batch, ctx_)),
      softmax_(model_.net->logits(), model_.net->logits_grad(), 0.f),
      normalizer_(model_.checkpoint.norm),
      fit_(fit),
      forward_(*model_.net, tta) {
  if (model_.net->spec().input.c != 3)
    throw std::runtime_error(checkpoint + ": the model takes " +
                             std::to_string(model_.net->spec().input.c) +
                             "-channel images; classify feeds RGB (3 channels)");
}

void Classifier::classify(const std::vector<std::string>& files, int top_k,
                          const std::function<void(const FileClassification&)>& report) {
  Network& net = *model_.net;
  const Shape& in = net.spec().input;
  const size_t batch = size_t(net.batch()), image_floats = size_t(in.size()),
               classes = class_names().size();
  // The loss wants labels; only its log-probabilities are used here.
  const std::vector<int32_t> unused_labels(batch, 0);
  for (size_t begin = 0; begin < files.size(); begin += batch) {
    std::vector<FileClassification> results;
    std::vector<size_t> rows;  // results[rows[r]] is image r of the batch
    for (size_t i = begin; i < std::min(files.size(), begin + batch); ++i) {
      results.push_back({files[i], {}, {}});
      try {
        const cv::Mat input = to_model_input(decode_rgb(files[i]), int(in.h), int(in.w), fit_);
        normalizer_.write_planar(input, net.input() + rows.size() * image_floats);
        rows.push_back(results.size() - 1);
      } catch (const std::exception& e) {
        results.back().error = e.what();
      }
    }
    if (!rows.empty()) {
      forward_.forward(int64_t(rows.size()));
      softmax_.forward(ctx_.stream, unused_labels.data(), int64_t(rows.size()));
      for (size_t r = 0; r < rows.size(); ++r) {
        const float* log_probs = softmax_.log_probabilities() + r * classes;
        std::vector<double> probabilities(classes);
        for (size_t k = 0; k < classes; ++k) probabilities[k] = std::exp(double(log_probs[k]));
        results[rows[r]].top = top_classes(probabilities, top_k);
      }
    }
    for (const FileClassification& result : results) report(result);
  }
}

std::vector<ClassScore> top_classes(const std::vector<double>& probabilities, int k) {
  std::vector<int> labels(probabilities.size());
  std::iota(labels.begin(), labels.end(), 0);
  const auto shown =
      labels.begin() + std::clamp<std::ptrdiff_t>(k, 0, std::ptrdiff_t(labels.size()));
  std::partial_sort(labels.begin(), shown, labels.end(), [&](int a, int b) {
    return probabilities[a] > probabilities[b] || (probabilities[a] == probabilities[b] && a < b);
  });
  std::vector<ClassScore> top;
  for (auto it = labels.begin(); it != shown; ++it) top.push_back({*it, probabilities[*it]});
  return top;
}

ImagePaths expand_image_paths(const std::vector<std::string>& paths) {
  ImagePaths out;
  for (const std::string& path : paths) {
    if (!is_directory_path(path)) {
      out.files.push_back(path);  // a missing or unreadable file is reported when it is decoded
      continue;
    }
    try {
      ImageFileListing listing = list_image_files(path);
      warn_skipped_files(path, listing.skipped);
      if (listing.images.empty()) out.errors.push_back(path + ": no image files in this directory");
      out.files.insert(out.files.end(), listing.images.begin(), listing.images.end());
    } catch (const std::exception& e) {
      out.errors.push_back(e.what());
    }
  }
  return out;
}

}  // namespace relunet
