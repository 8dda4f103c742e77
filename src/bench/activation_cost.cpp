#include "bench/activation_cost.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "bench/measure.hpp"
#include "core/context.hpp"
#include "core/memory.hpp"
#include "core/random.hpp"
#include "layers/activation.hpp"
#include "net/network.hpp"

namespace relunet {
namespace {


struct Timing {
  int warmup, iters, repeats;
};

// Median seconds of one call, over `repeats` blocks of `iters` calls after the warm-up calls.
template <class Call>
double seconds_per_call(const Timing& t, Call&& call) {
  for (int w = 0; w < t.warmup; ++w) call();
  const int iters = t.iters, repeats = t.repeats;
  std::vector<double> per_call;
  for (int r = 0; r < repeats; ++r)
    per_call.push_back(seconds_of([&] {
                         for (int i = 0; i < iters; ++i) call();
                       }) /
                       iters);
  return median(per_call);
}

void measure_bandwidth(const Timing& t, int64_t mib, ActivationCost& c) {
  const double bytes = double(mib) * (1 << 20);
  const int64_t n = int64_t(bytes / sizeof(float));
  std::vector<float> a(size_t(n), 1.f), b(size_t(n), 2.f);  // written: the pages exist
  float* pa = a.data();
  const float* pb = b.data();
  double sink = 0;
  const Timing once{std::min(t.warmup, 1), 1, t.repeats};  // a large array per call: one at a time
  const double read = seconds_per_call(once, [&] {
    double sum = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += pb[i];
    sink += sum;
  });
  const double copy = seconds_per_call(once, [&] {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) pa[i] = pb[i];
  });
  c.read_gb_per_s = bytes / read / 1e9;
  c.copy_gb_per_s = 2 * bytes / copy / 1e9;
  if (sink < 0) spdlog::info("{}", sink);  // keeps the read loop from being optimised away
}

void fill(const dnnl::memory& m, uint64_t seed) {
  float* p = data_of(m);
  const size_t n = elements_of(m.get_desc());
  for (size_t i = 0; i < n; ++i) p[i] = 6.f * uniform01(mix64(seed + i)) - 3.f;  // both regimes
}

EltwiseTime time_eltwise(const Activation& act, const std::string& layer, const dnnl::memory::desc& md,
                         Context& ctx, const Timing& timing) {
  // As ActivationLayer runs it: the *_use_dst_for_bwd algorithm, backward from y.
  const auto alg = backward_algorithm(act.fn);
  const float alpha = eltwise_alpha(act);
  const dnnl::eltwise_forward::primitive_desc fwd_pd({dnnl::prop_kind::forward_training, alg, md, alpha, 0.f},
                                                     ctx.engine);
  const dnnl::eltwise_backward::primitive_desc bwd_pd({alg, md, md, alpha, 0.f}, ctx.engine, fwd_pd);
  // Out of place, so that repeated runs see the same inputs (in place, Leaky ReLU applied again
  // and again would shrink negative values into slow denormals).
  dnnl::memory x(md, ctx.engine), y(md, ctx.engine), dy(md, ctx.engine), dx(md, ctx.engine);
  fill(x, 1);
  fill(dy, 2);
  dnnl::eltwise_forward fwd(fwd_pd);
  dnnl::eltwise_backward bwd(bwd_pd);
  const auto run = [&](dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args) {
    p.execute(ctx.stream, args);
    ctx.stream.wait();
  };
  EltwiseTime t;
  t.activation = to_string(act);
  t.layer = layer;
  t.implementation = fwd_pd.impl_info_str();
  t.elements = 1;
  for (auto d : md.dims()) t.elements *= d;
  const double f = seconds_per_call(timing, [&] { run(fwd, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}}); });
  const double b = seconds_per_call(
      timing, [&] { run(bwd, {{DNNL_ARG_DST, y}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}}); });
  const double n = double(t.elements);
  t.forward_ns_per_element = 1e9 * f / n;
  t.backward_ns_per_element = 1e9 * b / n;
  t.forward_gb_per_s = 8 * n / f / 1e9;
  t.backward_gb_per_s = 12 * n / b / 1e9;
  return t;
}

}  // namespace

ActivationCost measure_activation_cost(const ModelSpec& spec, int64_t batch,
                                       const std::vector<Activation>& activations, int warmup, int iters,
                                       int repeats, int64_t bandwidth_mib) {
  const Timing timing{warmup, iters, repeats};
  ActivationCost c;
  c.model = spec.name;
  c.batch = batch;
  c.threads = max_threads();
  Context ctx;
  spdlog::info("memory bandwidth: {} MiB arrays, {} repeats", bandwidth_mib, repeats);
  measure_bandwidth(timing, bandwidth_mib, c);
  std::vector<std::pair<std::string, dnnl::memory::desc>> tensors;
  {  // the layouts training gives the activations' tensors
    Network net(spec, batch, NetworkPurpose::Training, 1, ctx);
    for (size_t i = 0; i < net.size(); ++i)
      if (auto* act = dynamic_cast<ActivationLayer*>(&net.layer(i)))
        tensors.emplace_back(act->spec().unit_layer, net.output_of(i).get_desc());
  }
  for (const Activation& act : activations) {
    spdlog::info("{}: forward and backward on {} tensors, {} x {} runs each", to_string(act), tensors.size(),
                 repeats, iters);
    for (const auto& [layer, md] : tensors) c.rows.push_back(time_eltwise(act, layer, md, ctx, timing));
  }
  return c;
}

nlohmann::json to_json(const ActivationCost& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& t : c.rows)
    rows.push_back({{"activation", t.activation},
                    {"layer", t.layer},
                    {"implementation", t.implementation},
                    {"elements", t.elements},
                    {"forward_ns_per_element", t.forward_ns_per_element},
                    {"backward_ns_per_element", t.backward_ns_per_element},
                    {"forward_gb_per_s", t.forward_gb_per_s},
                    {"backward_gb_per_s", t.backward_gb_per_s}});
  return {{"model", c.model},
          {"batch", c.batch},
          {"threads", c.threads},
          {"read_gb_per_s", c.read_gb_per_s},
          {"copy_gb_per_s", c.copy_gb_per_s},
          {"eltwise", rows}};
}

std::string format_activation_cost(const ActivationCost& c) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s, batch %lld, %d threads; memory bandwidth: read %.1f GB/s, copy %.1f GB/s\n\n"
                "activation       layer      elements  fwd ns/elt  fwd GB/s  bwd ns/elt  bwd GB/s\n",
                c.model.c_str(), static_cast<long long>(c.batch), c.threads, c.read_gb_per_s, c.copy_gb_per_s);
  std::string s = buf;
  for (const auto& t : c.rows) {
    std::snprintf(buf, sizeof buf, "%-16s %-8s %10lld  %10.3f  %8.1f  %10.3f  %8.1f\n", t.activation.c_str(),
                  t.layer.c_str(), static_cast<long long>(t.elements), t.forward_ns_per_element,
                  t.forward_gb_per_s, t.backward_ns_per_element, t.backward_gb_per_s);
    s += buf;
  }
  return s;
}

}  // namespace relunet
