// relunet eval — accuracy, per-class accuracy and confusion matrix of a checkpoint on a split.
#include <cstdio>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "io/json_text.hpp"
#include "io/printable.hpp"
#include "train/checkpoint_split.hpp"
#include "train/evaluate.hpp"

namespace relunet::cli {

Command add_eval(CLI::App& app) {
  auto* sub = app.add_subcommand("eval", "Evaluate a checkpoint: accuracy, per-class, confusion");
  struct Args {
    std::string checkpoint, data, split = "test", tta = "none";
    int batch = 256;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  sub->add_option("--checkpoint", a->checkpoint, "Checkpoint file")->required();
  sub->add_option("--data", a->data, "Data directory (default: $RELUNET_DATA or data/cifar-10-batches-bin)");
  sub->add_option("--split", a->split, "test | val | train (val/train: the split the run trained with)")
      ->check(parsed_by(parse_split))->capture_default_str();
  sub->add_option("--batch", a->batch, "Batch size")->check(CLI::Range(1, 65536))->capture_default_str();
  add_tta_option(sub, a->tta);
  sub->add_flag("--json", a->json, "Print one JSON object instead of a table");

  return {sub, [a] {
            const SplitName split = parse_split(a->split);
            Context ctx;
            LoadedModel model = load_model_checkpoint(a->checkpoint, a->batch, ctx);
            CheckpointSplit images = open_checkpoint_split(model, resolve_data_dir(a->data), split, a->batch);
            SoftmaxCrossEntropy loss(model.net->logits(), model.net->logits_grad(), 0.f);
            const EvalResult r = evaluate(*model.net, loss, *images.loader, false, "eval " + a->split,
                                          parse_tta(a->tta));
            const auto& names = model.checkpoint.class_names;
            const auto per_class = r.per_class_accuracy();
            if (a->json) {
              nlohmann::json j = {{"checkpoint", a->checkpoint}, {"split", a->split}, {"tta", a->tta},
                                  {"images", r.images},         {"accuracy", r.accuracy},
                                  {"loss", r.loss},             {"classes", names},
                                  {"confusion", r.confusion}};
              for (size_t k = 0; k < names.size(); ++k)
                j["per_class"][names[k]] = per_class[k] ? nlohmann::json(*per_class[k]) : nlohmann::json();
              std::printf("%s\n", json_line(j).c_str());
              return 0;
            }
            std::printf("%s on %s (%lld images%s): accuracy %.2f%%, loss %.4f\n\n", printable(a->checkpoint).c_str(),
                        a->split.c_str(), static_cast<long long>(r.images),
                        a->tta == "none" ? "" : (", test-time augmentation " + a->tta).c_str(),
                        100.0 * r.accuracy, r.loss);
            std::printf("%-12s %8s   confusion (rows: true class, columns: predicted)\n", "class", "acc");
            for (size_t k = 0; k < names.size(); ++k) {
              if (per_class[k])
                std::printf("%-12s %7.2f%%  ", printable(names[k]).c_str(), 100.0 * *per_class[k]);
              else
                std::printf("%-12s %8s  ", printable(names[k]).c_str(), "-");
              for (auto n : r.confusion[k]) std::printf(" %5lld", static_cast<long long>(n));
              std::printf("\n");
            }
            return 0;
          }};
}

}  // namespace relunet::cli
