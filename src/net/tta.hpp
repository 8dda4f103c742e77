// tta.hpp — test-time augmentation: the network's logits averaged over transformed views of
// each input image, as airbench94 evaluates.
//   none:       the image itself
//   flip:       the image and its mirror, 1/2 each
//   flip-shift: the image and its mirror (1/4 each), and both shifted by one pixel up-left and
//               down-right with a reflected border (1/8 each): six views
// The views are made from the normalised input batch; logits, not probabilities, are averaged.
#pragma once

#include <string>
#include <vector>

#include "net/network.hpp"

namespace relunet {

enum class TtaMode { None, Flip, FlipShift };

TtaMode parse_tta(const std::string& text);
std::string to_string(TtaMode mode);

struct TtaView {
  bool mirrored = false;
  int shift = 0;  // both axes: output (y, x) shows input (y + shift, x + shift), reflected
  float weight = 1.f;
};
std::vector<TtaView> tta_views(TtaMode mode);

// Runs a network's inference forward over every view of `mode`, leaving the weighted mean of
// the logits in net.logits(). Buffers are allocated once, here.
class TtaForward {
 public:
  TtaForward(Network& net, TtaMode mode);
  // The batch in net.input() (which it overwrites with the views), `valid_images` of them real
  // (it sets the network's count). Unit statistics count the plain view only.
  void forward(int64_t valid_images);
  TtaMode mode() const { return mode_; }

 private:
  Network& net_;
  TtaMode mode_;
  std::vector<TtaView> views_;
  std::vector<float> original_, logit_sum_;
};

}  // namespace relunet
