// relunet export — a checkpoint as an ONNX model for other runtimes.
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "onnx/onnx_export.hpp"

namespace relunet::cli {

Command add_export(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "export",
      "Write a checkpoint as an ONNX model (input: float RGB 0-255, N x 3 x H x W; outputs: "
      "logits, probabilities)");
  auto checkpoint = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  sub->add_option("--checkpoint", *checkpoint, "Checkpoint file")->required();
  sub->add_option("--out", *out, "ONNX model file to write")->required();
  return {sub, [=] {
            export_onnx_file(*checkpoint, *out);
            spdlog::info("wrote {}", *out);
            return 0;
          }};
}

}  // namespace relunet::cli
