#include "train/gradient_flow.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/memory.hpp"

namespace relunet {

TensorMoments tensor_moments(const dnnl::memory& mem, int64_t images) {
  const auto md = mem.get_desc();
  const auto dims = md.dims();
  const int64_t batch = dims.at(0);
  int64_t logical = 1;  // elements of the whole tensor without padding
  for (auto d : dims) logical *= d;
  const int64_t physical = int64_t(elements_of(md));  // with padding
  int64_t n = physical, counted = logical;
  if (images >= 0 && images < batch) {
    // The first images are a prefix only when the batch is the outermost, unblocked dimension.
    const auto& blocking = md.data.format_desc.blocking;
    if (md.data.format_kind != dnnl_blocked || blocking.strides[0] != physical / batch)
      throw std::logic_error("tensor_moments: the batch is not the outermost dimension");
    n = images * (physical / batch);
    counted = images * (logical / batch);
  }
  const float* x = data_of(mem);
  double sum_squares = 0;
  int64_t zeros = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : sum_squares, zeros)
  for (int64_t i = 0; i < n; ++i) {
    sum_squares += double(x[i]) * x[i];
    zeros += x[i] == 0.f;
  }
  // oneDNN keeps the padding of blocked layouts at zero: those zeros are not elements.
  return {sum_squares, zeros - (n - counted), counted};
}

GradientFlow::GradientFlow(Network& net, std::vector<Param*> params, bool enabled)
    : net_(net), params_(std::move(params)), enabled_(enabled), valid_images_(net.batch()) {
  act_entry_.assign(net.size(), -1);
  for (size_t i = 0; i < net.size(); ++i) {
    Layer& layer = net.layer(i);
    for (Param* p : layer.params())
      for (size_t k = 0; k < params_.size(); ++k)
        if (params_[k] == p && p->group == ParamGroup::Weight) entry(layer.name()).param = int64_t(k);
    auto* act = dynamic_cast<ActivationLayer*>(&layer);
    if (act && i > 0 && net.training()) {  // its input gradient is layer i-1's output gradient
      Entry& e = entry(act->spec().unit_layer);
      e.activation = to_string(act->spec().act);
      act_entry_[i] = int64_t(&e - entries_.data());
    }
  }
}

GradientFlow::Entry& GradientFlow::entry(const std::string& layer) {
  for (Entry& e : entries_)
    if (e.layer == layer) return e;
  entries_.push_back({layer, "", -1, {}});
  return entries_.back();
}

std::function<void(size_t)> GradientFlow::observer() {
  if (!enabled_) return {};
  return [this](size_t i) {
    if (act_entry_[i] < 0) return;
    const TensorMoments m = tensor_moments(net_.output_grad_of(i - 1), valid_images_);
    Sums& s = entries_[size_t(act_entry_[i])].sums;
    ++s.act_steps;
    s.act_grad_norm += std::sqrt(m.sum_squares);
    s.act_zeros += m.zeros;
    s.act_elements += m.elements;
  };
}

std::vector<UpdateNorms>* GradientFlow::update_norms() { return enabled_ ? &norms_ : nullptr; }

void GradientFlow::end_step(bool updated) {
  if (!enabled_) return;
  for (Entry& e : entries_) {
    if (e.param < 0) continue;
    const Param& p = *params_[size_t(e.param)];
    const TensorMoments g = tensor_moments(p.grad);
    ++e.sums.weight_steps;
    e.sums.weight_grad_norm += std::sqrt(g.sum_squares);
    if (updated && size_t(e.param) < norms_.size()) {
      const UpdateNorms& u = norms_[size_t(e.param)];
      ++e.sums.update_steps;
      e.sums.update_ratio += u.weight_sq > 0 ? std::sqrt(u.update_sq / u.weight_sq) : 0.0;
    }
  }
}

std::vector<LayerGradientReport> GradientFlow::report() const {
  std::vector<LayerGradientReport> out;
  for (const Entry& e : entries_) {
    const Sums& s = e.sums;
    LayerGradientReport r;
    r.layer = e.layer;
    r.activation = e.activation;
    r.steps = std::max(s.weight_steps, s.act_steps);
    r.has_weights = s.weight_steps > 0;
    r.has_updates = s.update_steps > 0;
    r.has_activation = s.act_steps > 0;
    if (r.has_weights) r.weight_grad_norm = s.weight_grad_norm / double(s.weight_steps);
    if (r.has_updates) r.update_ratio = s.update_ratio / double(s.update_steps);
    if (r.has_activation) {
      r.act_grad_norm = s.act_grad_norm / double(s.act_steps);
      r.act_grad_zero_fraction = s.act_elements ? double(s.act_zeros) / double(s.act_elements) : 0.0;
    }
    out.push_back(r);
  }
  return out;
}

void GradientFlow::reset() {
  for (Entry& e : entries_) e.sums = {};
}

nlohmann::json to_json(const LayerGradientReport& r) {
  const auto value = [](bool present, double v) { return present ? nlohmann::json(v) : nlohmann::json(); };
  return {{"name", r.layer},
          {"activation", r.activation.empty() ? nlohmann::json() : nlohmann::json(r.activation)},
          {"steps", r.steps},
          {"weight_grad_norm", value(r.has_weights, r.weight_grad_norm)},
          {"update_ratio", value(r.has_updates, r.update_ratio)},
          {"act_grad_norm", value(r.has_activation, r.act_grad_norm)},
          {"act_grad_zero_fraction", value(r.has_activation, r.act_grad_zero_fraction)}};
}

std::string gradient_table(const std::vector<LayerGradientReport>& reports) {
  std::string s = "layer      activation          |dL/dW|   |dW|/|W|   |dL/dx|   dL/dx == 0\n";
  const auto cell = [](bool present, const char* format, double v) {
    char buf[32];
    if (!present) return std::string("         -");
    std::snprintf(buf, sizeof buf, format, v);
    return std::string(buf);
  };
  for (const auto& r : reports) {
    char head[64];
    std::snprintf(head, sizeof head, "%-10s %-16s", r.layer.c_str(),
                  r.activation.empty() ? "-" : r.activation.c_str());
    s += head + cell(r.has_weights, " %9.3g", r.weight_grad_norm) +
         cell(r.has_updates, "  %9.3g", r.update_ratio) + cell(r.has_activation, " %9.3g", r.act_grad_norm) +
         cell(r.has_activation, "    %8.2f%%", 100.0 * r.act_grad_zero_fraction) + "\n";
  }
  return s;
}

}  // namespace relunet
