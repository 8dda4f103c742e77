#include "net/tta.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/memory.hpp"

namespace relunet {
namespace {

// Position p of an axis of n pixels mirrored about the edge pixels (dcb|abcd|cba).
int64_t reflect(int64_t p, int64_t n) {
  if (n == 1) return 0;
  return p < 0 ? -p : p >= n ? 2 * (n - 1) - p : p;
}

// Writes `view` of the planar images in `from` to `to` (both N x C x H x W).
void make_view(const float* from, float* to, int64_t planes, int64_t h, int64_t w, const TtaView& view) {
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* src = from + plane * h * w;
    float* dst = to + plane * h * w;
    for (int64_t y = 0; y < h; ++y) {
      const float* row = src + reflect(y + view.shift, h) * w;
      for (int64_t x = 0; x < w; ++x)
        dst[y * w + x] = row[reflect((view.mirrored ? w - 1 - x : x) + view.shift, w)];
    }
  }
}

// Every mode: its name on the command line and in checkpoints, and its views with their weights.
struct TtaModeRow {
  TtaMode mode;
  const char* name;
  std::vector<TtaView> views;
};

const std::vector<TtaModeRow>& tta_modes() {
  static const std::vector<TtaModeRow> rows = {
      {TtaMode::None, "none", {{false, 0, 1.f}}},
      {TtaMode::Flip, "flip", {{false, 0, 0.5f}, {true, 0, 0.5f}}},
      // airbench94's six views: the image and its mirror, and both shifted one pixel up-left and
      // down-right.
      {TtaMode::FlipShift,
       "flip-shift",
       {{false, 0, 0.25f}, {true, 0, 0.25f}, {false, -1, 0.125f}, {true, -1, 0.125f}, {false, 1, 0.125f},
        {true, 1, 0.125f}}},
  };
  return rows;
}

const TtaModeRow& row_of(TtaMode mode) {
  for (const TtaModeRow& row : tta_modes())
    if (row.mode == mode) return row;
  throw std::logic_error("unknown test-time augmentation");
}

}  // namespace

TtaMode parse_tta(const std::string& text) {
  for (const TtaModeRow& row : tta_modes())
    if (text == row.name) return row.mode;
  std::string names;
  for (const TtaModeRow& row : tta_modes())
    names += (names.empty() ? "" : &row == &tta_modes().back() ? " or " : ", ") + std::string(row.name);
  throw std::invalid_argument("unknown test-time augmentation '" + text + "' (use " + names + ")");
}

std::string to_string(TtaMode mode) { return row_of(mode).name; }

std::vector<TtaView> tta_views(TtaMode mode) { return row_of(mode).views; }

TtaForward::TtaForward(Network& net, TtaMode mode) : net_(net), mode_(mode), views_(tta_views(mode)) {
  if (mode_ == TtaMode::None) return;
  original_.resize(size_t(net.batch() * net.spec().input.size()));
  logit_sum_.resize(elements_of(net.logits().get_desc()));
}

void TtaForward::forward(int64_t valid_images) {
  net_.set_valid_images(valid_images);
  if (mode_ == TtaMode::None) {
    net_.forward(Pass::inference());
    return;
  }
  const Shape& in = net_.spec().input;
  float* input = net_.input();
  std::copy(input, input + original_.size(), original_.begin());
  std::fill(logit_sum_.begin(), logit_sum_.end(), 0.f);
  const float* logits = data_of(net_.logits());
  for (size_t v = 0; v < views_.size(); ++v) {
    const TtaView& view = views_[v];
    if (v > 0) make_view(original_.data(), input, net_.batch() * in.c, in.h, in.w, view);
    net_.set_valid_images(v == 0 ? valid_images : 0);  // views_[0] is the image itself
    net_.forward(Pass::inference());
    for (size_t i = 0; i < logit_sum_.size(); ++i) logit_sum_[i] += view.weight * logits[i];
  }
  net_.set_valid_images(valid_images);
  std::copy(logit_sum_.begin(), logit_sum_.end(), data_of(net_.logits()));
}

}  // namespace relunet
