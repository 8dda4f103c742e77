#include "stats/unit_counters.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/dnnl_queries.hpp"

namespace relunet {

void UnitCounters::reset(int64_t units) {
  images = outputs = zeros = saturated = 0;
  sum = 0.0;
  max = -std::numeric_limits<float>::infinity();
  active.assign(units, 0);
  always_active.assign(units, 0);
}

void UnitCounters::merge(const UnitCounters& o) {
  images += o.images;
  for (size_t u = 0; u < active.size(); ++u) {
    active[u] += o.active[u];
    always_active[u] += o.always_active[u];
  }
  outputs += o.outputs;
  zeros += o.zeros;
  saturated += o.saturated;
  sum += o.sum;
  max = std::max(max, o.max);
}

namespace {

enum class Saturation { None, Tanh, Sigmoid };

template <Saturation S>
inline bool saturated(float v) {
  if constexpr (S == Saturation::Tanh) return std::fabs(v) > 0.99f;
  if constexpr (S == Saturation::Sigmoid) return v < 0.01f || v > 0.99f;
  return false;
}

// Per-lane tallies of one image's channel block: lanes are independent, so the inner loop
// vectorises (no reduction across lanes until the block is done).
struct LaneTally {
  static constexpr int64_t kMaxLanes = 64;
  int32_t positive[kMaxLanes], zeros[kMaxLanes], saturated[kMaxLanes];
  float sum[kMaxLanes], max[kMaxLanes];
};

template <Saturation S>
void tally_block(const float* base, int64_t lanes, int64_t height, int64_t width, int64_t stride_h,
                 int64_t stride_w, float threshold, LaneTally& t) {
  for (int64_t i = 0; i < lanes; ++i) {
    t.positive[i] = t.zeros[i] = t.saturated[i] = 0;
    t.sum[i] = 0.f;
    t.max[i] = -std::numeric_limits<float>::infinity();
  }
  for (int64_t h = 0; h < height; ++h)
    for (int64_t w = 0; w < width; ++w) {
      const float* p = base + h * stride_h + w * stride_w;
#pragma omp simd
      for (int64_t i = 0; i < lanes; ++i) {
        const float v = p[i];
        t.positive[i] += v > threshold;
        t.zeros[i] += v == 0.f;
        t.saturated[i] += saturated<S>(v);
        t.sum[i] += v;
        t.max[i] = std::max(t.max[i], v);
      }
    }
}

}  // namespace

nlohmann::json to_json(const UnitCounters& c) {
  return {{"images", c.images},   {"active", c.active}, {"always_active", c.always_active},
          {"outputs", c.outputs}, {"zeros", c.zeros},   {"saturated", c.saturated},
          {"sum", c.sum},  // -inf (nothing seen yet) has no JSON spelling: null
          {"max", std::isinf(c.max) ? nlohmann::json() : nlohmann::json(c.max)}};
}

UnitCounters unit_counters_from_json(const nlohmann::json& j, const std::string& origin) {
  try {
    UnitCounters c;
    c.images = j.at("images");
    c.active = j.at("active").get<std::vector<int64_t>>();
    c.always_active = j.at("always_active").get<std::vector<int64_t>>();
    c.outputs = j.at("outputs");
    c.zeros = j.at("zeros");
    c.saturated = j.at("saturated");
    c.sum = j.at("sum");
    c.max = j.at("max").is_null() ? -std::numeric_limits<float>::infinity() : j.at("max").get<float>();
    if (c.active.size() != c.always_active.size())
      throw std::runtime_error("unit counts of different lengths");
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(origin + ": unit counters: " + e.what());
  }
}

UnitCounter::UnitCounter(const dnnl::memory::desc& md, ActivationFn fn) : fn_(fn) {
  threshold_ = fn == ActivationFn::Sigmoid ? 0.5f : 0.f;
  const std::optional<BlockedLayout> layout = blocked_layout(md);
  if (!layout || (layout->dims.size() != 2 && layout->dims.size() != 4))
    throw std::logic_error("unit statistics: unsupported activation layout");
  const bool spatial = layout->dims.size() == 4;
  block_ = 1;
  for (const auto& [dim, size] : layout->inner_blocks) {
    if (dim != 1) throw std::logic_error("unit statistics: blocking off channels");
    block_ *= size;
  }
  if (block_ > LaneTally::kMaxLanes) throw std::logic_error("unit statistics: channel blocks above 64");
  units_ = layout->dims[1];
  height_ = spatial ? layout->dims[2] : 1;
  width_ = spatial ? layout->dims[3] : 1;
  stride_n_ = layout->strides[0];
  stride_cb_ = layout->strides[1];
  // Unblocked channels that sit next to each other in memory (nc, nhwc) are tallied as if
  // blocked by kMaxLanes, so the inner loop still runs over contiguous lanes.
  if (block_ == 1 && stride_cb_ == 1) {
    block_ = LaneTally::kMaxLanes;
    stride_cb_ = block_;
  }
  stride_h_ = spatial ? layout->strides[2] : 0;
  stride_w_ = spatial ? layout->strides[3] : 0;
  per_thread_.resize(omp_get_max_threads());
  for (auto& c : per_thread_) c.reset(units_);
}

void UnitCounter::accumulate(const dnnl::memory& output, int64_t images, UnitCounters& into) {
  const float* y = static_cast<const float*>(output.get_data_handle());
  const int64_t blocks = (units_ + block_ - 1) / block_;
  const int64_t positions = height_ * width_;
  const auto tally = fn_ == ActivationFn::Tanh      ? tally_block<Saturation::Tanh>
                     : fn_ == ActivationFn::Sigmoid ? tally_block<Saturation::Sigmoid>
                                                    : tally_block<Saturation::None>;
  const int threads = std::min<int>(per_thread_.size(), omp_get_max_threads());
#pragma omp parallel num_threads(threads)
  {
    UnitCounters& mine = per_thread_[omp_get_thread_num()];
    LaneTally t;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < images; ++n) {
      for (int64_t cb = 0; cb < blocks; ++cb) {
        const int64_t lanes = std::min(block_, units_ - cb * block_);
        tally(y + n * stride_n_ + cb * stride_cb_, lanes, height_, width_, stride_h_, stride_w_,
              threshold_, t);
        for (int64_t i = 0; i < lanes; ++i) {
          const int64_t unit = cb * block_ + i;
          mine.active[unit] += t.positive[i] > 0;
          mine.always_active[unit] += t.positive[i] == positions;
          mine.zeros += t.zeros[i];
          mine.saturated += t.saturated[i];
          mine.sum += t.sum[i];
          mine.max = std::max(mine.max, t.max[i]);
        }
      }
      mine.images += 1;
      mine.outputs += positions * units_;
    }
  }
  for (int t = 0; t < threads; ++t) {
    into.merge(per_thread_[t]);
    per_thread_[t].reset(units_);
  }
}

}  // namespace relunet
