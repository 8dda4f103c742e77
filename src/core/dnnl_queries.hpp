// dnnl_queries.hpp — what relunet asks oneDNN that its 2.x C++ API does not answer, answered here
// through 2.x's C structures (dnnl_convolution_desc_t, dnnl_memory_desc_t::format_desc). oneDNN
// 3.x removed those structures and answers in its C++ API instead (primitive_desc::
// get_algorithm(), memory::desc::get_strides() and get_inner_blks()), so a port changes
// dnnl_queries.cpp and no caller.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace relunet {

// The algorithm oneDNN resolved a convolution_auto forward primitive to (direct or Winograd).
dnnl::algorithm convolution_algorithm(const dnnl::convolution_forward::primitive_desc& forward);

// A memory layout in oneDNN's blocked format: the logical dims, the stride of each (in elements,
// for its outer blocks), and the inner blocks, outermost first, as (dimension, block size).
struct BlockedLayout {
  dnnl::memory::dims dims, strides;
  std::vector<std::pair<int, int64_t>> inner_blocks;
};
// std::nullopt for a layout that is not blocked (Winograd weights, format_tag::any).
std::optional<BlockedLayout> blocked_layout(const dnnl::memory::desc& md);

}  // namespace relunet
