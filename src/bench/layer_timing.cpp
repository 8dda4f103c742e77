#include "bench/layer_timing.hpp"

#include "bench/measure.hpp"
#include "net/layer_table.hpp"

namespace relunet {

double LayerBreakdown::total_ms() const {
  double sum = loss_ms + update_ms;
  for (const auto& l : layers) sum += l.forward_ms + l.backward_ms;
  return sum;
}

LayerBreakdown time_layers(SyntheticTraining& step, int samples) {
  Network& net = step.net();
  dnnl::stream& stream = net.context().stream;
  const size_t n = net.size();
  std::vector<std::vector<double>> forward(n), backward(n);
  std::vector<double> loss, update;
  for (int s = 0; s < samples; ++s) {
    const Pass pass = step.next_pass();
    for (size_t i = 0; i < n; ++i)
      forward[i].push_back(seconds_of([&] {
        net.forward_layer(i, pass);
        stream.wait();
      }));
    loss.push_back(seconds_of([&] { step.loss_forward_backward(step.random_labels(), net.batch()); }));
    for (size_t i = n; i-- > 0;)
      backward[i].push_back(seconds_of([&] {
        net.backward_layer(i);
        stream.wait();
      }));
    update.push_back(seconds_of([&] { step.update(); }));
  }
  LayerBreakdown b;
  for (size_t i = 0; i < n; ++i) {
    const LayerSpec& spec = net.spec().layers[i];
    b.layers.push_back({spec.name, layer_type(spec), net.layer(i).forward_implementation(),
                        1e3 * median(forward[i]), 1e3 * median(backward[i])});
  }
  b.loss_ms = 1e3 * median(loss);
  b.update_ms = 1e3 * median(update);
  return b;
}

}  // namespace relunet
