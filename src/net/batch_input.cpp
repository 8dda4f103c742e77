#include "net/batch_input.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace relunet {

void load_batch(Network& net, const Batch& batch) {
  const Shape& in = net.spec().input;
  if (batch.channels != in.c || batch.height != in.h || batch.width != in.w)
    throw std::runtime_error("the model " + net.spec().name + " takes " + std::to_string(in.c) + "x" +
                             std::to_string(in.h) + "x" + std::to_string(in.w) +
                             " (channels x height x width) images, the data give " +
                             std::to_string(batch.channels) + "x" + std::to_string(batch.height) +
                             "x" + std::to_string(batch.width));
  if (batch.rows != net.batch() || batch.count < 0 || batch.count > batch.rows)
    throw std::logic_error("a batch of " + std::to_string(batch.rows) + " rows (" +
                           std::to_string(batch.count) + " valid) for a network of batch " +
                           std::to_string(net.batch()));
  for (int n = 0; n < batch.count; ++n)
    if (batch.labels[n] < 0 || batch.labels[n] >= net.spec().classes)
      throw std::runtime_error("image " + std::to_string(n) + " of batch " +
                               std::to_string(batch.index) + " has label " +
                               std::to_string(batch.labels[n]) + ", but the model has " +
                               std::to_string(net.spec().classes) + " classes");
  std::memcpy(net.input(), batch.images, size_t(batch.rows) * size_t(in.size()) * sizeof(float));
  net.set_valid_images(batch.count);
}

}  // namespace relunet
