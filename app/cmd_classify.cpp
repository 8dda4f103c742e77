// relunet classify — the most probable classes of image files, as text or JSON Lines.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "classify/classifier.hpp"
#include "commands.hpp"
#include "io/json_text.hpp"
#include "io/path_status.hpp"
#include "io/printable.hpp"

namespace relunet::cli {

Command add_classify(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "classify", "Classify image files (any format OpenCV reads) with a checkpoint");
  struct Args {
    std::vector<std::string> inputs;
    std::string checkpoint, tta = "none";
    int top_k = 5, batch = 64;
    bool json = false, center_crop = false;
  };
  auto a = std::make_shared<Args>();
  sub->add_option("inputs", a->inputs, "Image files, or directories to classify every image in")
      ->required();
  sub->add_option("--checkpoint", a->checkpoint,
                  "Checkpoint file (default: the shipped models/default.ckpt)");
  sub->add_option("--top-k", a->top_k, "Classes shown per image")
      ->check(kPositive)
      ->capture_default_str();
  sub->add_option("--batch", a->batch, "Images per forward pass")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  sub->add_flag("--json", a->json,
                "Print one JSON object per image (JSON Lines): file, top[{class, probability}]");
  add_tta_option(sub, a->tta);
  sub->add_flag("--center-crop", a->center_crop,
                "Crop the largest centred region of the model's aspect ratio instead of resizing "
                "the whole image");

  return {sub, [a] {
            const std::string checkpoint =
                a->checkpoint.empty() ? models_dir() + "/default.ckpt" : a->checkpoint;
            if (a->checkpoint.empty() && !path_exists(checkpoint))
              throw std::runtime_error("no --checkpoint given and the shipped model " + checkpoint +
                                       " does not exist: pass --checkpoint FILE (relunet train "
                                       "writes runs/MODEL/best.ckpt)");
            const ImagePaths paths = expand_image_paths(a->inputs);
            bool failed = !paths.errors.empty();
            for (const std::string& error : paths.errors) spdlog::error("{}", printable(error));
            if (paths.files.empty()) return 1;

            Classifier classifier(checkpoint,
                                  std::min<int64_t>(a->batch, int64_t(paths.files.size())),
                                  a->center_crop ? FitMode::CenterCrop : FitMode::Resize,
                                  parse_tta(a->tta));
            const auto& names = classifier.class_names();
            classifier.classify(paths.files, a->top_k, [&](const FileClassification& r) {
              if (!r.error.empty()) {
                std::fflush(stdout);  // keep the error next to the results around it
                spdlog::error("{}", printable(r.error));
                failed = true;
                return;
              }
              if (a->json) {
                nlohmann::json top = nlohmann::json::array();
                for (const ClassScore& s : r.top)
                  top.push_back({{"class", names[s.label]}, {"probability", s.probability}});
                std::printf("%s\n", json_line(nlohmann::json{{"file", r.file}, {"tta", a->tta}, {"top", top}}).c_str());
                return;
              }
              std::string line = printable(r.file) + ":";
              for (size_t i = 0; i < r.top.size(); ++i)
                line += (i ? ", " : " ") + printable(names[r.top[i].label]) + " " +
                        fmt::format("{:.1f}%", 100.0 * r.top[i].probability);
              std::printf("%s\n", line.c_str());
            });
            return failed ? 1 : 0;
          }};
}

}  // namespace relunet::cli
