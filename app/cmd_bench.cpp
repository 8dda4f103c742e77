// relunet bench — training and inference speed of a model on random data (no data files needed).
#include <cstdio>

#include <spdlog/spdlog.h>

#include "bench/activation_cost.hpp"
#include "bench/bench_report.hpp"
#include "bench/benchmark.hpp"
#include "bench/data_parallel.hpp"
#include "commands.hpp"
#include "io/json_text.hpp"
#include "net/layer_table.hpp"

namespace relunet::cli {

Command add_bench(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "bench", "Measure training and inference speed, latency, memory and per-layer times");
  struct Args {
    std::string model, activation;
    BenchOptions options;
    bool json = false, activation_cost = false;
  };
  auto a = std::make_shared<Args>();
  BenchOptions& o = a->options;
  sub->add_option("--model", a->model, "Model name in models/ or a model file path")->required();
  sub->add_option("--batch", o.batch, "Training batch size")->check(CLI::Range(1, 65536))->capture_default_str();
  sub->add_option("--infer-batch", o.infer_batch, "Batch size for inference throughput")
      ->check(CLI::Range(1, 65536))->capture_default_str();
  sub->add_option("--iters", o.iters, "Timed iterations per repeat")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  sub->add_option("--warmup", o.warmup, "Untimed warm-up iterations")
      ->check(CLI::Range(0, 100000))->capture_default_str();
  sub->add_option("--repeats", o.repeats, "Repeats; every figure is the median over them")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  sub->add_flag("--layers", o.layers, "Also time every layer's forward and backward pass");
  sub->add_option("--activation", a->activation,
                  "Replace the model's hidden activations: relu | leaky-relu[:SLOPE] | elu[:ALPHA] | tanh | sigmoid")
      ->check(parsed_by(parse_activation));
  sub->add_flag("--activation-cost", a->activation_cost,
                "Instead: time each activation's forward and backward alone (oneDNN eltwise) on the "
                "model's activation tensors, against the memory bandwidth (every activation, or --activation's)")
      ->excludes("--layers");
  sub->add_flag("--json", a->json, "Print one JSON object instead of a table");

  return {sub, [a] {
            ModelSpec spec = load_model(a->model, models_dir());
            if (!a->activation.empty()) override_activation(spec, parse_activation(a->activation));
            if (a->activation_cost) {
              const std::vector<Activation> all =
                  a->activation.empty()
                      ? std::vector<Activation>{parse_activation("relu"), parse_activation("leaky-relu:0.01"),
                                                parse_activation("elu"), parse_activation("tanh"),
                                                parse_activation("sigmoid")}
                      : std::vector<Activation>{parse_activation(a->activation)};
              const ActivationCost c = measure_activation_cost(spec, a->options.batch, all, a->options.warmup,
                                                               a->options.iters, a->options.repeats);
              std::printf("%s", a->json ? (json_line(to_json(c)) + "\n").c_str() : format_activation_cost(c).c_str());
              return 0;
            }
            spdlog::info("model {}:\n{}", spec.name, layer_table(spec));
            if (world().size() > 1) {  // under mpirun: the data-parallel step
              const DataParallelResult result = run_data_parallel_bench(spec, a->options, world());
              if (world().rank() == 0)
                std::printf("%s", a->json ? (json_line(to_json(result)) + "\n").c_str()
                                          : format_report(result).c_str());
              return 0;
            }
            const BenchResult result = run_benchmark(spec, a->options);
            if (a->json) {
              nlohmann::json j = to_json(result);
              j["iters"] = a->options.iters;
              j["warmup"] = a->options.warmup;
              j["repeats"] = a->options.repeats;
              std::printf("%s\n", json_line(j).c_str());
            } else {
              std::printf("%s", format_report(result).c_str());
            }
            return 0;
          },
          true};
}

}  // namespace relunet::cli
