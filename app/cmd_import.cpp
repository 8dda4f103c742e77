// relunet import — an ONNX model as a relunet model file and checkpoint.
#include <spdlog/spdlog.h>

#include <sstream>

#include "commands.hpp"
#include "onnx/onnx_import.hpp"

namespace relunet::cli {
namespace {

// "0.485,0.456,0.406" -> three numbers.
std::array<float, 3> rgb_triple(const std::string& text) {
  std::array<float, 3> v{};
  std::istringstream in(text);
  char comma = 0;
  if (!(in >> v[0] >> comma >> v[1] >> comma >> v[2]) || !in.eof())
    throw std::invalid_argument("'" + text + "' is not three comma-separated numbers R,G,B");
  return v;
}

}  // namespace

Command add_import(CLI::App& app) {
  auto* sub =
      app.add_subcommand("import",
                         "Convert an AlexNet-style ONNX model into a relunet model file and checkpoint "
                         "(DIR/model.json, DIR/model.ckpt)");
  struct Args {
    std::string model, out, mean, std;
  };
  auto a = std::make_shared<Args>();
  sub->add_option("model", a->model, "ONNX model file")->required();
  sub->add_option("--out", a->out, "Directory to write model.json and model.ckpt into")->required();
  auto* mean = sub->add_option("--mean", a->mean,
                               "The graph's input is (rgb/255 - mean)/std: per-channel mean R,G,B "
                               "(default 0,0,0; a model relunet exported says its own)")
                   ->check(parsed_by(rgb_triple));
  sub->add_option("--std", a->std, "Per-channel std R,G,B for the graph's input (default 1,1,1)")
      ->check(parsed_by([](const std::string& text) {
        for (float v : rgb_triple(text))
          if (!(v > 0)) throw std::invalid_argument("every std must be positive");
      }))
      ->needs(mean);
  mean->needs(sub->get_option("--std"));
  return {sub, [a] {
            OnnxImportOptions options;
            if (!a->mean.empty()) options.input = Normalization{rgb_triple(a->mean), rgb_triple(a->std)};
            import_onnx_file(a->model, a->out, options);
            spdlog::info("wrote {0}/model.json and {0}/model.ckpt", a->out);
            return 0;
          }};
}

}  // namespace relunet::cli
