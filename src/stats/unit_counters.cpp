#include "stats/unit_counters.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

UnitCounter::UnitCounter(const dnnl::memory::desc& md, ActivationFn fn) : fn_(fn) {
  threshold_ = fn == ActivationFn::Sigmoid ? 0.5f : 0.f;
  const auto& d = md.data;
  if (d.format_kind != dnnl_blocked || (d.ndims != 2 && d.ndims != 4))
    throw std::logic_error("unit statistics: unsupported activation layout");
  const auto& blk = d.format_desc.blocking;
  block_ = 1;
  for (int i = 0; i < blk.inner_nblks; ++i) {
    if (blk.inner_idxs[i] != 1) throw std::logic_error("unit statistics: blocking off channels");
    block_ *= blk.inner_blks[i];
  }
  units_ = d.dims[1];
  height_ = d.ndims == 4 ? d.dims[2] : 1;
  width_ = d.ndims == 4 ? d.dims[3] : 1;
  stride_n_ = blk.strides[0];
  stride_cb_ = blk.strides[1];
  stride_h_ = d.ndims == 4 ? blk.strides[2] : 0;
  stride_w_ = d.ndims == 4 ? blk.strides[3] : 0;
  per_thread_.resize(omp_get_max_threads());
  for (auto& c : per_thread_) c.reset(units_);
}

void UnitCounter::accumulate(const dnnl::memory& output, int64_t images, UnitCounters& into) {
  const float* y = static_cast<const float*>(output.get_data_handle());
  const int64_t blocks = (units_ + block_ - 1) / block_;
  const int64_t positions = height_ * width_;
  const bool tanh = fn_ == ActivationFn::Tanh, sigmoid = fn_ == ActivationFn::Sigmoid;
  const int threads = std::min<int>(per_thread_.size(), omp_get_max_threads());
#pragma omp parallel num_threads(threads)
  {
    UnitCounters& mine = per_thread_[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (int64_t n = 0; n < images; ++n) {
      int64_t zeros = 0, saturated = 0;
      double sum = 0.0;
      float max = mine.max;
      for (int64_t cb = 0; cb < blocks; ++cb) {
        const int64_t width = std::min(block_, units_ - cb * block_);
        int64_t positive[64], count_cap = positions;  // per lane in this channel block
        int64_t lanes = std::min<int64_t>(width, 64);
        for (int64_t i = 0; i < lanes; ++i) positive[i] = 0;
        for (int64_t h = 0; h < height_; ++h)
          for (int64_t w = 0; w < width_; ++w) {
            const float* p = y + n * stride_n_ + cb * stride_cb_ + h * stride_h_ + w * stride_w_;
            for (int64_t i = 0; i < lanes; ++i) {
              const float v = p[i];
              positive[i] += v > threshold_;
              zeros += v == 0.f;
              saturated += tanh ? std::fabs(v) > 0.99f : sigmoid ? (v < 0.01f || v > 0.99f) : 0;
              sum += v;
              max = std::max(max, v);
            }
          }
        for (int64_t i = 0; i < lanes; ++i) {
          const int64_t unit = cb * block_ + i;
          mine.active[unit] += positive[i] > 0;
          mine.always_active[unit] += positive[i] == count_cap;
        }
      }
      mine.images += 1;
      mine.outputs += positions * units_;
      mine.zeros += zeros;
      mine.saturated += saturated;
      mine.sum += sum;
      mine.max = max;
    }
  }
  for (int t = 0; t < threads; ++t) {
    into.merge(per_thread_[t]);
    per_thread_[t].reset(units_);
  }
}

}  // namespace relunet
