// relunet inspect — exact dead-unit statistics of a checkpoint on one split.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "io/atomic_file.hpp"
#include "stats/unit_table.hpp"
#include "train/checkpoint_split.hpp"
#include "train/evaluate.hpp"

namespace relunet::cli {
namespace {

// Throws unless `layer` names the units of one of `net`'s activation layers.
void check_unit_layer(Network& net, const std::string& layer) {
  std::string names;
  for (auto* act : net.activations()) {
    if (act->spec().unit_layer == layer) return;
    names += (names.empty() ? "" : ", ") + act->spec().unit_layer;
  }
  throw std::runtime_error("--units: the model has no layer '" + layer + "' with units (" +
                           (names.empty() ? "it has no activation layers" : "layers: " + names) + ")");
}

}  // namespace

Command add_inspect(CLI::App& app) {
  auto* sub = app.add_subcommand("inspect", "Dead-unit statistics of a checkpoint on a data split");
  struct Args {
    std::string checkpoint, data, split = "val", csv, units, tta = "none";
    double near_dead = 0.01;
    int batch = 256;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  sub->add_option("--checkpoint", a->checkpoint, "Checkpoint file")->required();
  sub->add_option("--data", a->data, "Data directory (default: $RELUNET_DATA or data/cifar-10-batches-bin)");
  sub->add_option("--split", a->split, "val | test | train (val/train: the split the run trained with)")
      ->check(parsed_by(parse_split))->capture_default_str();
  sub->add_option("--near-dead", a->near_dead, "Nearly-dead threshold: fraction of images")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  sub->add_flag("--json", a->json, "Print one JSON object instead of the table");
  sub->add_option("--csv", a->csv, "Also write the per-layer table to this CSV file");
  sub->add_option("--units", a->units, "List every unit of this layer (e.g. conv2)");
  add_tta_option(sub, a->tta, "; unit statistics stay those of the images themselves");
  sub->add_option("--batch", a->batch, "Batch size")->check(CLI::Range(1, 65536))->capture_default_str();

  return {sub, [a] {
            const SplitName split = parse_split(a->split);
            Context ctx;
            LoadedModel model = load_model_checkpoint(a->checkpoint, a->batch, ctx);
            Network& net = *model.net;
            if (!a->units.empty()) check_unit_layer(net, a->units);
            CheckpointSplit images = open_checkpoint_split(model, resolve_data_dir(a->data), split, a->batch);
            SoftmaxCrossEntropy loss(net.logits(), net.logits_grad(), 0.f);
            const EvalResult r =
                evaluate(net, loss, *images.loader, true, "inspect " + a->split, parse_tta(a->tta));
            const auto reports = unit_reports(net, a->near_dead);
            if (!a->csv.empty()) write_file_atomically(a->csv, unit_table_csv(reports));

            if (a->json) {
              nlohmann::json j = {{"checkpoint", a->checkpoint}, {"split", a->split}, {"tta", a->tta},
                                  {"images", r.images},         {"accuracy", r.accuracy},
                                  {"loss", r.loss},             {"near_dead_threshold", a->near_dead},
                                  {"layers", nlohmann::json::array()}};
              for (const auto& report : reports) {
                j["layers"].push_back(to_json(report));
                if (!a->units.empty() && report.layer == a->units) j["layers"].back()["frequency"] = report.frequency;
              }
              std::printf("%s\n", j.dump().c_str());
              return 0;
            }
            std::printf("%s on %s (%lld images%s): accuracy %.2f%%, loss %.4f\n"
                        "near-dead: active on < %g%% of the images; neg-regime: the dead count of "
                        "leaky-relu/elu layers\n\n%s",
                        a->checkpoint.c_str(), a->split.c_str(), static_cast<long long>(r.images),
                        a->tta == "none" ? "" : (", test-time augmentation " + a->tta).c_str(),
                        100.0 * r.accuracy, r.loss, 100.0 * a->near_dead, unit_table(reports).c_str());
            for (const auto& report : reports)
              if (!a->units.empty() && report.layer == a->units)
                std::printf("\n%s (%s): units active on how many of the %lld images\n%s",
                            report.layer.c_str(), report.activation.c_str(),
                            static_cast<long long>(report.images),
                            unit_listing(report, a->near_dead).c_str());
            return 0;
          }};
}

}  // namespace relunet::cli
