// context.hpp — the oneDNN engine and stream every layer runs on.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace relunet {

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

// Threads for oneDNN's and relunet's own OpenMP loops; 0 keeps the runtime's default.
void set_threads(int threads);
int max_threads();

}  // namespace relunet
