#include "core/dnnl_queries.hpp"

#include <stdexcept>

namespace relunet {

dnnl::algorithm convolution_algorithm(const dnnl::convolution_forward::primitive_desc& forward) {
  const dnnl_convolution_desc_t* desc = nullptr;
  if (dnnl_primitive_desc_query(forward.get(), dnnl_query_convolution_d, 0, &desc) != dnnl_success)
    throw std::logic_error("oneDNN did not describe a convolution primitive");
  return static_cast<dnnl::algorithm>(desc->alg_kind);
}

std::optional<BlockedLayout> blocked_layout(const dnnl::memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked) return std::nullopt;
  const auto& blk = d.format_desc.blocking;
  BlockedLayout layout;
  layout.dims.assign(d.dims, d.dims + d.ndims);
  layout.strides.assign(blk.strides, blk.strides + d.ndims);
  for (int i = 0; i < blk.inner_nblks; ++i) layout.inner_blocks.emplace_back(int(blk.inner_idxs[i]), blk.inner_blks[i]);
  return layout;
}

}  // namespace relunet
