// relunet inspect — exact dead-unit statistics of a checkpoint on one split, or (--gradients)
// its gradient-flow statistics over batches of it.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "io/atomic_file.hpp"
#include "io/output_path.hpp"
#include "io/json_text.hpp"
#include "io/printable.hpp"
#include "stats/unit_table.hpp"
#include "train/checkpoint_split.hpp"
#include "train/evaluate.hpp"
#include "train/gradient_probe.hpp"

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

// `inspect --gradients`: per-layer gradient norms of the checkpoint over `batches` batches.
int print_gradients(const std::string& checkpoint, const std::string& data, const std::string& split_name,
                    int batch, int64_t batches, bool json) {
  Context ctx;
  LoadedModel model = load_model_checkpoint(checkpoint, batch, ctx, NetworkPurpose::Training);
  CheckpointSplit images = open_checkpoint_split(model, resolve_data_dir(data), parse_split(split_name), batch);
  SoftmaxCrossEntropy loss(model.net->logits(), model.net->logits_grad(), 0.f);
  const GradientProbe g = probe_gradients(*model.net, loss, *images.loader, batches);
  if (json) {
    nlohmann::json j = {{"checkpoint", checkpoint}, {"split", split_name}, {"batches", g.batches},
                        {"images", g.images},       {"batch", batch},      {"loss", g.loss},
                        {"gradients", nlohmann::json::array()}};
    for (const auto& r : g.layers) j["gradients"].push_back(to_json(r));
    std::printf("%s\n", json_line(j).c_str());
    return 0;
  }
  std::printf("%s on %s: gradients of %lld batches (%lld images, batch %d) in training mode, loss %.4f;\n"
              "norms are means over the batches, of the batch-mean loss's gradient\n\n%s",
              printable(checkpoint).c_str(), split_name.c_str(), static_cast<long long>(g.batches),
              static_cast<long long>(g.images), batch, g.loss, gradient_table(g.layers).c_str());
  return 0;
}

}  // namespace

Command add_inspect(CLI::App& app) {
  auto* sub = app.add_subcommand("inspect", "Dead-unit statistics of a checkpoint on a data split");
  struct Args {
    std::string checkpoint, data, split = "val", csv, units, tta = "none";
    double near_dead = 0.01;
    int batch = 256;
    int64_t batches = 10;
    bool json = false, gradients = false;
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
  auto* gradients = sub->add_flag("--gradients", a->gradients,
                                  "Instead: per-layer gradient norms over --batches batches (training mode)");
  sub->add_option("--batches", a->batches, "With --gradients: how many batches")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40))->capture_default_str()->needs(gradients);
  for (const char* other : {"--units", "--csv", "--tta", "--near-dead"})
    gradients->excludes(sub->get_option(other));

  return {sub, [a] {
            if (a->gradients) return print_gradients(a->checkpoint, a->data, a->split, a->batch, a->batches, a->json);
            const SplitName split = parse_split(a->split);
            if (!a->csv.empty()) check_output_file(a->csv, "--csv", a->checkpoint);
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
              std::printf("%s\n", json_line(j).c_str());
              return 0;
            }
            std::printf("%s on %s (%lld images%s): accuracy %.2f%%, loss %.4f\n"
                        "near-dead: active on < %g%% of the images; neg-regime: the dead count of "
                        "leaky-relu/elu layers\n\n%s",
                        printable(a->checkpoint).c_str(), a->split.c_str(), static_cast<long long>(r.images),
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
