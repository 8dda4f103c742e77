// test_unit_stats.cpp — per-layer unit reports of a live network against a naive recomputation
// from the pre-activations, forced dead / always-active units, the near-dead threshold, the
// dead-unit history, and `relunet inspect` end to end (its JSON agrees with its table).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/memory.hpp"
#include "io/checkpoint.hpp"
#include "net/initialization.hpp"
#include "stats/unit_history.hpp"
#include "test_support.hpp"
#include "train/evaluate.hpp"
#include "train/run_checkpoint.hpp"
#include "train/train_options.hpp"

namespace relunet::test {
namespace {

namespace fs = std::filesystem;

// ---- A small network with forced units ---------------------------------------------------------

// conv1 (6 channels, 3x3, pad 1) -> act -> fc1 (8 units) -> act -> fc2 (4 classes) on 3x6x6.
ModelSpec probe_model(const Activation& act) {
  std::string type = to_string(act);
  std::string param;
  if (act.fn == ActivationFn::LeakyReLU) param = ", \"slope\": " + std::to_string(act.alpha);
  if (act.fn == ActivationFn::ELU) param = ", \"alpha\": " + std::to_string(act.alpha);
  type = type.substr(0, type.find(':'));
  const std::string a = "{\"type\": \"" + type + "\"" + param + "}";
  return parse_model(R"({"name": "probe", "input": {"channels": 3, "height": 6, "width": 6},
                         "classes": 4, "layers": [{"type": "conv", "filters": 6, "kernel": 3, "pad": 1},
                         )" + a + R"(, {"type": "fc", "units": 8}, )" + a + R"(,
                         {"type": "fc", "units": 4}]})",
                     "probe model");
}

Param& param_named(Network& net, const std::string& name) {
  for (Param* p : net.params())
    if (p->name == name) return *p;
  throw std::logic_error("no parameter " + name);
}

// Sets some entries of a parameter through its plain view, keeping the others.
void set_entries(Network& net, const std::string& name, const std::map<int64_t, float>& entries) {
  Param& p = param_named(net, name);
  std::vector<float> values = read_plain(p.value, net.context().stream);
  for (const auto& [i, v] : entries) values.at(i) = v;
  write_plain(p.value, values.data(), net.context().stream);
}

std::vector<float> plain(Network& net, const std::string& name) {
  return read_plain(param_named(net, name).value, net.context().stream);
}

// The forced units: conv1 channels 1 and 4 dead, channel 2 always active; fc1 unit 3 dead and
// unit 6 always active. The other conv biases are 0, so the remaining conv channels see
// pre-activations of both signs. `scale`: the factor the conv weights were scaled by.
const std::vector<int64_t> kDeadConv = {1, 4};
constexpr int64_t kAlwaysConv = 2, kDeadFc = 3, kAlwaysFc = 6;

void force_units(Network& net, float scale) {
  std::map<int64_t, float> conv_bias;
  for (int64_t c = 0; c < 6; ++c) conv_bias[c] = 0.f;
  // -30 rather than lower: sigmoid(-100) underflows to an exact 0 in float but not in double.
  for (int64_t c : kDeadConv) conv_bias[c] = -30.f;
  conv_bias[kAlwaysConv] = 5.f * scale;  // >8 standard deviations of the weighted inputs' sum
  set_entries(net, "conv1.bias", conv_bias);
  set_entries(net, "fc1.bias", {{kDeadFc, -30.f}, {kAlwaysFc, 30.f}});
}

// Expected reports computed from the pre-activations in double, straight from the definitions.
struct NaiveReport {
  std::vector<int64_t> dead, always_active;
  std::vector<double> frequency;
  int64_t near_dead = 0, outputs = 0, zeros = 0, saturated = 0;
  double sum = 0, max = -INFINITY;
};

NaiveReport naive_report(const Tensor& pre, int64_t images, const Activation& act,
                         double near_dead) {
  NaiveReport r;
  const int64_t positions = pre.h * pre.w;
  for (int64_t c = 0; c < pre.c; ++c) {
    int64_t active = 0, everywhere = 0;
    for (int64_t n = 0; n < images; ++n) {
      int64_t positive = 0;
      for (int64_t i = 0; i < positions; ++i) {
        const double x = pre.data[pre.index(n, c, 0, 0) + i];
        const double y = ref_activation(x, act);
        positive += x > 0;
        ++r.outputs;
        r.zeros += y == 0.0;
        if (act.fn == ActivationFn::Tanh) r.saturated += std::fabs(y) > 0.99;
        if (act.fn == ActivationFn::Sigmoid) r.saturated += y < 0.01 || y > 0.99;
        r.sum += y;
        r.max = std::max(r.max, y);
      }
      active += positive > 0;
      everywhere += positive == positions;
    }
    if (active == 0) r.dead.push_back(c);
    if (everywhere == images) r.always_active.push_back(c);
    r.frequency.push_back(double(active) / double(images));
    r.near_dead += r.frequency.back() < near_dead;
  }
  return r;
}

void expect_report_matches(const LayerUnitReport& got, const NaiveReport& want, int64_t images) {
  EXPECT_EQ(got.images, images);
  EXPECT_EQ(got.units, static_cast<int64_t>(want.frequency.size()));
  EXPECT_EQ(got.dead_units, want.dead);
  EXPECT_EQ(got.dead, static_cast<int64_t>(want.dead.size()));
  EXPECT_EQ(got.always_active_units, want.always_active);
  EXPECT_EQ(got.always_active, static_cast<int64_t>(want.always_active.size()));
  EXPECT_EQ(got.frequency, want.frequency);
  EXPECT_EQ(got.near_dead, want.near_dead);
  const double outputs = double(want.outputs);
  EXPECT_DOUBLE_EQ(got.sparsity, want.zeros / outputs);
  // Float arithmetic in the network against double here: outputs within about 1e-6 of the
  // saturation threshold may land on either side; allow two.
  EXPECT_NEAR(got.saturated, want.saturated / outputs, 2.0 / outputs);
  EXPECT_NEAR(got.mean, want.sum / outputs, 1e-4 * (std::fabs(want.sum / outputs) + 1e-2));
  EXPECT_NEAR(got.max, want.max, 1e-4 * (std::fabs(want.max) + 1.0));
}

// Runs the probe network on a batch of 8 of which 6 images are valid, with conv weights scaled
// by `weight_scale`, and checks both layers' reports against the naive ones.
std::vector<LayerUnitReport> check_against_naive(const Activation& act, float weight_scale) {
  ScopedThreads one_thread(1);
  Context ctx;
  const ModelSpec spec = probe_model(act);
  const int64_t batch = 8, valid = 6, per_image = spec.input.size();
  Network net(spec, batch, NetworkPurpose::Inference, 0, ctx);
  randomize_params(net, 21);
  std::vector<float> w = plain(net, "conv1.weight");
  for (float& v : w) v *= weight_scale;
  write_plain(param_named(net, "conv1.weight").value, w.data(), ctx.stream);
  force_units(net, weight_scale);

  std::vector<float> images = uniform_values(batch * per_image, 22, -1.f, 1.f);
  // The invalid images are huge: counted, they would revive the dead conv channels.
  for (int64_t i = valid * per_image; i < batch * per_image; ++i) images[i] *= 1000.f;
  enable_unit_stats(net, true);
  std::copy(images.begin(), images.end(), net.input());
  net.set_valid_images(valid);
  net.forward(Pass::inference());
  const double near_dead = 0.5;  // large enough that some units of a 6-image set fall below
  const auto reports = unit_reports(net, near_dead);

  const Tensor x = Tensor::of(images, batch, 3, 6, 6);
  const Tensor conv_pre = ref_conv(x, plain(net, "conv1.weight"), plain(net, "conv1.bias"), spec.layers[0]);
  const Tensor fc_pre = ref_inner_product(ref_activation(conv_pre, act), plain(net, "fc1.weight"),
                                          plain(net, "fc1.bias"));
  EXPECT_EQ(reports.size(), 2u);
  if (reports.size() != 2) return reports;
  EXPECT_EQ(reports[0].layer, "conv1");
  EXPECT_EQ(reports[1].layer, "fc1");
  EXPECT_EQ(reports[0].activation, to_string(act));
  {
    SCOPED_TRACE("conv1");
    expect_report_matches(reports[0], naive_report(conv_pre, valid, act, near_dead), valid);
  }
  {
    SCOPED_TRACE("fc1");
    expect_report_matches(reports[1], naive_report(fc_pre, valid, act, near_dead), valid);
  }
  // The forced units, whatever the naive reference says: every other conv channel sees
  // pre-activations of both signs, so the dead ones are exactly the forced ones.
  EXPECT_EQ(reports[0].dead_units, kDeadConv);
  const auto& conv_always = reports[0].always_active_units;
  EXPECT_NE(std::find(conv_always.begin(), conv_always.end(), kAlwaysConv), conv_always.end());
  const auto& fc_dead = reports[1].dead_units;
  EXPECT_NE(std::find(fc_dead.begin(), fc_dead.end(), kDeadFc), fc_dead.end());
  const auto& fc_always = reports[1].always_active_units;
  EXPECT_NE(std::find(fc_always.begin(), fc_always.end(), kAlwaysFc), fc_always.end());
  return reports;
}

TEST(UnitStats, ReluReportsExactlyTheForcedUnitsAndMatchesNaive) {
  const auto reports = check_against_naive({ActivationFn::ReLU, 0.f}, 1.f);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[0].can_die);
  EXPECT_EQ(to_json(reports[0]).at("dead_means"), "dead");
  EXPECT_GT(reports[0].sparsity, 0.3);  // ReLU zeroes the negative half and the dead channels
  EXPECT_EQ(reports[0].saturated, 0.0);
}

TEST(UnitStats, LeakyReluAndEluReportTheSameUnitsAsNegativeRegime) {
  for (const Activation act : {Activation{ActivationFn::LeakyReLU, 0.1f}, Activation{ActivationFn::ELU, 1.f}}) {
    SCOPED_TRACE(to_string(act));
    const auto reports = check_against_naive(act, 1.f);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_FALSE(reports[0].can_die);
    EXPECT_EQ(to_json(reports[0]).at("dead_means"), "negative-regime");
    EXPECT_EQ(reports[0].sparsity, 0.0);  // negative inputs give non-zero outputs
  }
}

TEST(UnitStats, TanhAndSigmoidSaturationMatchesNaive) {
  for (const Activation act : {Activation{ActivationFn::Tanh, 0.f}, Activation{ActivationFn::Sigmoid, 0.f}}) {
    SCOPED_TRACE(to_string(act));
    // Scaled-up weights push a good part of the outputs into saturation.
    const auto reports = check_against_naive(act, 4.f);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_TRUE(reports[0].can_die);
    // The two dead channels alone saturate (tanh(-30) = -1, sigmoid(-30) < 0.01): 2/6 of conv1.
    EXPECT_GT(reports[0].saturated, 2.0 / 6.0);
    EXPECT_LT(reports[0].saturated, 1.0);
  }
}

// ---- The near-dead threshold -------------------------------------------------------------------

TEST(UnitStats, NearDeadIsFrequencyStrictlyBelowTheThreshold) {
  UnitCounters c;
  c.reset(5);
  c.images = 100;
  c.active = {0, 1, 5, 50, 100};
  c.always_active = {0, 0, 0, 0, 100};
  c.outputs = 500;
  const Activation relu{ActivationFn::ReLU, 0.f};
  const auto near_dead = [&](double threshold) {
    return summarize_units("fc1", relu, c, threshold).near_dead;
  };
  EXPECT_EQ(near_dead(0.0), 0);   // nothing is below 0, not even the dead unit
  EXPECT_EQ(near_dead(0.01), 1);  // the dead unit; 1/100 is not below 0.01
  EXPECT_EQ(near_dead(0.0101), 2);
  EXPECT_EQ(near_dead(0.05), 2);  // 5/100 is not below 0.05
  EXPECT_EQ(near_dead(0.5), 3);
  EXPECT_EQ(near_dead(1.0), 4);  // every unit but the one active on every image
  const LayerUnitReport r = summarize_units("fc1", relu, c, 0.01);
  EXPECT_EQ(r.dead_units, std::vector<int64_t>{0});
  EXPECT_EQ(r.always_active_units, std::vector<int64_t>{4});
  EXPECT_EQ(r.frequency, (std::vector<double>{0.0, 0.01, 0.05, 0.5, 1.0}));
}

// ---- History -----------------------------------------------------------------------------------

LayerUnitReport dead_report(const std::string& layer, int64_t units, std::vector<int64_t> dead) {
  LayerUnitReport r;
  r.layer = layer;
  r.units = units;
  r.dead = static_cast<int64_t>(dead.size());
  r.dead_units = std::move(dead);
  return r;
}

TEST(UnitStats, HistoryRecordsDeathsAndRevivals) {
  UnitHistory h;
  // Epoch by epoch, the dead units of conv1 (4 units) and fc1 (3 units).
  auto changes = h.update(1, {dead_report("conv1", 4, {1}), dead_report("fc1", 3, {})});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].layer, "conv1");
  EXPECT_EQ(changes[0].died, std::vector<int64_t>{1});  // dead at the first look: died then
  EXPECT_TRUE(changes[0].revived.empty());
  EXPECT_TRUE(changes[1].died.empty());

  changes = h.update(2, {dead_report("conv1", 4, {1, 3}), dead_report("fc1", 3, {0, 2})});
  EXPECT_EQ(changes[0].died, std::vector<int64_t>{3});
  EXPECT_EQ(changes[1].died, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(transitions_summary(changes), "+3 died");

  changes = h.update(3, {dead_report("conv1", 4, {3}), dead_report("fc1", 3, {0, 2})});
  EXPECT_TRUE(changes[0].died.empty());
  EXPECT_EQ(changes[0].revived, std::vector<int64_t>{1});
  EXPECT_EQ(transitions_summary(changes), "1 revived");

  changes = h.update(5, {dead_report("conv1", 4, {1, 3}), dead_report("fc1", 3, {2})});
  EXPECT_EQ(changes[0].died, std::vector<int64_t>{1});
  EXPECT_EQ(changes[1].revived, std::vector<int64_t>{0});
  EXPECT_EQ(transitions_summary(changes), "+1 died, 1 revived");

  changes = h.update(6, {dead_report("conv1", 4, {1, 3}), dead_report("fc1", 3, {2})});
  EXPECT_EQ(transitions_summary(changes), "");

  EXPECT_EQ(h.epoch(), 6);
  ASSERT_EQ(h.layers().size(), 2u);
  EXPECT_EQ(h.layers()[0].died_at, (std::vector<int64_t>{-1, 5, -1, 2}));
  EXPECT_EQ(h.layers()[0].revivals, (std::vector<int64_t>{0, 1, 0, 0}));
  EXPECT_EQ(h.layers()[1].died_at, (std::vector<int64_t>{-1, -1, 2}));
  EXPECT_EQ(h.layers()[1].revivals, (std::vector<int64_t>{1, 0, 0}));

  const nlohmann::json logged = to_json(changes);
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].at("name"), "conv1");
  EXPECT_TRUE(logged[0].at("died_this_epoch").empty());
  EXPECT_TRUE(logged[0].at("revived_this_epoch").empty());
}

TEST(UnitStats, HistoryRejectsOtherLayersAndOldEpochs) {
  UnitHistory h;
  h.update(1, {dead_report("conv1", 4, {})});
  EXPECT_THROW(h.update(1, {dead_report("conv1", 4, {})}), std::logic_error);
  EXPECT_THROW(h.update(2, {dead_report("conv1", 5, {})}), std::logic_error);
  EXPECT_THROW(h.update(2, {dead_report("conv2", 4, {})}), std::logic_error);
  EXPECT_THROW(h.update(2, {dead_report("conv1", 4, {}), dead_report("fc1", 2, {})}), std::logic_error);
}

TEST(UnitStats, HistoryJsonRoundTripContinuesIdentically) {
  UnitHistory h;
  h.update(1, {dead_report("conv1", 3, {0, 2}), dead_report("fc1", 2, {1})});
  h.update(2, {dead_report("conv1", 3, {2}), dead_report("fc1", 2, {1})});
  const nlohmann::json j = h.to_json();
  UnitHistory back = UnitHistory::from_json(nlohmann::json::parse(j.dump()), "test");
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.epoch(), 2);
  EXPECT_EQ(back.layers()[0].died_at, (std::vector<int64_t>{-1, -1, 1}));
  EXPECT_EQ(back.layers()[0].revivals, (std::vector<int64_t>{1, 0, 0}));
  // A resumed history reports the same transitions as the original would have.
  const std::vector<LayerUnitReport> next = {dead_report("conv1", 3, {0}), dead_report("fc1", 2, {})};
  const auto a = h.update(3, next), b = back.update(3, next);
  EXPECT_EQ(to_json(a), to_json(b));
  EXPECT_EQ(h.to_json(), back.to_json());
}

TEST(UnitStats, HistoryFromBadJsonNamesTheField) {
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      UnitHistory::from_json(nlohmann::json::parse(text), "last.ckpt");
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of(R"({"layers": []})").find("\"epoch\""), std::string::npos);
  EXPECT_NE(error_of(R"({"epoch": 2, "layers": [{"name": "conv1", "died_at": [0], "revivals": [0, 1]}]})")
                .find("has 1 units but \"revivals\" has 2"),
            std::string::npos);
  const std::string late = error_of(R"({"epoch": 2, "layers": [{"name": "c", "died_at": [3], "revivals": [0]}]})");
  EXPECT_NE(late.find("last.ckpt"), std::string::npos) << late;
  EXPECT_NE(late.find("\"died_at\"[0]"), std::string::npos) << late;
  EXPECT_NE(error_of(R"({"epoch": 2, "layers": [{"name": "c", "died_at": [-1], "revivals": [-1]}]})")
                .find("\"revivals\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"epoch": 2, "layers": [{"died_at": [], "revivals": []}]})").find("\"name\""),
            std::string::npos);
}

// ---- relunet inspect, end to end ---------------------------------------------------------------

class UnitStatsInspect : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "relunet-inspect-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    write_cifar_dir(dir_ + "/data");
    write_checkpoint(dir_ + "/forced.ckpt");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // CIFAR-10 binary files of pseudo-random images: 5 training files of 40 records, a test file
  // of 30; no batches.meta.txt (the standard class names apply).
  static void write_cifar_dir(const std::string& path) {
    fs::create_directories(path);
    uint32_t state = 12345;
    const auto write_file = [&](const std::string& name, int records) {
      std::ofstream out(path + "/" + name, std::ios::binary);
      for (int r = 0; r < records; ++r) {
        out.put(static_cast<char>(r % 10));
        for (int i = 0; i < 3 * 32 * 32; ++i) {
          state = state * 1664525u + 1013904223u;
          out.put(static_cast<char>(state >> 24));
        }
      }
    };
    for (int f = 1; f <= 5; ++f) write_file("data_batch_" + std::to_string(f) + ".bin", 40);
    write_file("test_batch.bin", 30);
  }

  // The tiny model, initialised, with conv2 channels 3 and 11 forced dead and fc1 unit 7 always
  // active; the run options say val_size 40, so `--split val` has 40 images.
  static void write_checkpoint(const std::string& path) {
    Context ctx;
    const ModelSpec spec = load_model("tiny", std::string(RELUNET_SOURCE_DIR) + "/models");
    Network net(spec, 1, NetworkPurpose::Inference, 0, ctx);
    initialize_params(net, 5);
    set_entries(net, "conv2.bias", {{3, -1000.f}, {11, -1000.f}});
    set_entries(net, "fc1.bias", {{7, 1000.f}});
    // The data have no batches.meta.txt: CIFAR-10's own class names.
    Checkpoint c = checkpoint_of(net, Normalization{}, {"airplane", "automobile", "bird", "cat", "deer", "dog",
                                                        "frog", "horse", "ship", "truck"});
    TrainOptions opts;
    opts.val_size = 40;
    opts.seed = 3;
    c.train_state_json = nlohmann::json{{"options", to_json(opts)}}.dump();
    save_checkpoint(c, path);
  }

  struct Result {
    int status = -1;
    std::string out, err;
  };
  Result inspect(const std::string& args) {
    const std::string err_path = dir_ + "/stderr.txt";
    const std::string command = std::string(RELUNET_BINARY) + " inspect --checkpoint " + dir_ +
                                "/forced.ckpt --data " + dir_ + "/data --threads 1 " + args +
                                " 2>" + err_path;
    Result r;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
    r.status = pclose(pipe);
    std::ifstream err(err_path);
    r.err.assign(std::istreambuf_iterator<char>(err), {});
    return r;
  }

  std::string dir_;
};

// The table's rows, split on whitespace, keyed by layer name.
std::map<std::string, std::vector<std::string>> table_rows(const std::string& text) {
  std::map<std::string, std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("layer ", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.empty()) break;
    std::istringstream words(line);
    std::vector<std::string> cells;
    for (std::string w; words >> w;) cells.push_back(w);
    rows[cells.at(0)] = cells;
  }
  return rows;
}

TEST_F(UnitStatsInspect, JsonAgreesWithTableAndFindsTheForcedUnits) {
  const Result json_run = inspect("--split val --json");
  ASSERT_EQ(json_run.status, 0) << json_run.err;
  const nlohmann::json j = nlohmann::json::parse(json_run.out);
  EXPECT_EQ(j.at("images"), 40);
  EXPECT_EQ(j.at("split"), "val");
  const auto& layers = j.at("layers");
  ASSERT_EQ(layers.size(), 3u);

  const Result table_run = inspect("--split val");
  ASSERT_EQ(table_run.status, 0) << table_run.err;
  const auto rows = table_rows(table_run.out);
  ASSERT_EQ(rows.size(), 3u) << table_run.out;
  for (const auto& layer : layers) {
    const std::string name = layer.at("name");
    SCOPED_TRACE(name);
    ASSERT_EQ(rows.count(name), 1u);
    const auto& cells = rows.at(name);
    ASSERT_EQ(cells.size(), 11u);
    EXPECT_EQ(cells[1], layer.at("activation"));
    EXPECT_EQ(std::stoll(cells[2]), layer.at("units").get<int64_t>());
    EXPECT_EQ(layer.at("dead_means"), "dead");
    EXPECT_EQ(std::stoll(cells[3]), layer.at("dead").get<int64_t>());
    EXPECT_EQ(cells[4], "-");  // no negative-regime count for ReLU
    EXPECT_EQ(std::stoll(cells[5]), layer.at("near_dead").get<int64_t>());
    EXPECT_EQ(std::stoll(cells[6]), layer.at("always_active").get<int64_t>());
    EXPECT_NEAR(std::stod(cells[7]), 100.0 * layer.at("sparsity").get<double>(), 0.005 + 1e-9);
    const double mean = layer.at("mean");
    EXPECT_NEAR(std::stod(cells[8]), mean, 5e-4 * std::fabs(mean) + 1e-12);
    EXPECT_EQ(cells[10], "-");  // no saturation for ReLU
    EXPECT_EQ(layer.at("dead_units").size(), layer.at("dead").get<size_t>());
  }
  EXPECT_EQ(layers[1].at("name"), "conv2");
  EXPECT_EQ(layers[1].at("dead_units"), (std::vector<int64_t>{3, 11}));
  const auto always = layers[2].at("always_active_units").get<std::vector<int64_t>>();
  EXPECT_NE(std::find(always.begin(), always.end(), 7), always.end());
}

TEST_F(UnitStatsInspect, CsvAndUnitListing) {
  const std::string csv_path = dir_ + "/units.csv";
  const Result r = inspect("--split test --units conv2 --near-dead 0.2 --csv " + csv_path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("on test (30 images)"), std::string::npos) << r.out;

  std::ifstream csv(csv_path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "layer,activation,units,dead,negative_regime,near_dead,always_active,sparsity,mean,max,saturated");
  EXPECT_EQ(lines[2].rfind("conv2,relu,16,2,,", 0), 0u) << lines[2];

  // The listing after the table: one line per conv2 unit, the forced ones flagged dead.
  const size_t start = r.out.find("unit  active-on");
  ASSERT_NE(start, std::string::npos) << r.out;
  std::istringstream listing(r.out.substr(start));
  std::string line;
  std::getline(listing, line);
  std::vector<std::string> dead;
  int units = 0;
  while (std::getline(listing, line) && !line.empty()) {
    ++units;
    if (line.find("  dead") != std::string::npos) dead.push_back(line.substr(0, 4));
  }
  EXPECT_EQ(units, 16);
  EXPECT_EQ(dead, (std::vector<std::string>{"   3", "  11"}));
}

// --gradients: the JSON lists every conv/fc layer with the table's figures; conv2's forced dead
// channels pass no gradient, so its activation gradient has exact zeros.
TEST_F(UnitStatsInspect, GradientsJsonAgreesWithTable) {
  const Result json_run = inspect("--split val --gradients --batches 2 --batch 16 --json");
  ASSERT_EQ(json_run.status, 0) << json_run.err;
  const nlohmann::json j = nlohmann::json::parse(json_run.out);
  EXPECT_EQ(j.at("batches"), 2);
  EXPECT_EQ(j.at("images"), 32);
  const auto& layers = j.at("gradients");
  ASSERT_EQ(layers.size(), 4u);  // conv1, conv2, fc1 and the output fc2
  const Result table_run = inspect("--split val --gradients --batches 2 --batch 16");
  ASSERT_EQ(table_run.status, 0) << table_run.err;
  const auto rows = table_rows(table_run.out);
  ASSERT_EQ(rows.size(), 4u) << table_run.out;
  for (const auto& layer : layers) {
    const std::string name = layer.at("name");
    SCOPED_TRACE(name);
    const auto& cells = rows.at(name);
    ASSERT_EQ(cells.size(), 6u);
    EXPECT_TRUE(layer.at("update_ratio").is_null());  // inspect updates nothing
    EXPECT_EQ(cells[3], "-");
    const double w = layer.at("weight_grad_norm");
    EXPECT_NEAR(std::stod(cells[2]), w, 1e-2 * w);
    if (layer.at("activation").is_null()) {
      EXPECT_EQ(cells[4], "-");
      continue;
    }
    const double g = layer.at("act_grad_norm");
    EXPECT_GT(g, 0.0);
    EXPECT_NEAR(std::stod(cells[4]), g, 1e-2 * g);
  }
  EXPECT_GE(layers[1].at("act_grad_zero_fraction").get<double>(), 2.0 / 16.0);  // two dead of 16 channels
  const Result misuse = inspect("--gradients --units conv2");
  EXPECT_NE(misuse.status, 0);
  EXPECT_NE(misuse.err.find("--units"), std::string::npos) << misuse.err;
}

TEST_F(UnitStatsInspect, UnknownUnitsLayerListsTheLayers) {
  const Result r = inspect("--units conv9");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("conv9"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("conv1, conv2, fc1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace relunet::test
