#include "dist/replicas.hpp"

#include <zlib.h>

#include <stdexcept>
#include <string>

#include "core/memory.hpp"
#include "core/random.hpp"

namespace relunet {
namespace {

uint64_t fold(uint64_t h, uint64_t value) { return mix64(h ^ value); }

uint64_t layout_hash(const dnnl::memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  uint64_t h = fold(fold(0, uint64_t(d.ndims)), uint64_t(d.data_type));
  h = fold(h, uint64_t(d.format_kind));
  for (int i = 0; i < d.ndims; ++i) h = fold(fold(h, uint64_t(d.dims[i])), uint64_t(d.padded_dims[i]));
  if (d.format_kind == dnnl_blocked) {
    const auto& b = d.format_desc.blocking;
    for (int i = 0; i < d.ndims; ++i) h = fold(h, uint64_t(b.strides[i]));
    for (int i = 0; i < b.inner_nblks; ++i) h = fold(fold(h, uint64_t(b.inner_blks[i])), uint64_t(b.inner_idxs[i]));
  }
  return h;
}

}  // namespace

void check_same_layouts(Communicator& comm, const std::vector<Param*>& params) {
  uint64_t h = 0;
  for (const Param* p : params) h = fold(h, layout_hash(p->value.get_desc()));
  const std::vector<uint64_t> all = comm.allgather(h);
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0])
      throw std::runtime_error(
          "rank " + std::to_string(r) + " stores the parameters in other memory layouts than rank 0 "
          "(different CPU instruction sets?); run every rank on the same kind of CPU, or set "
          "ONEDNN_MAX_CPU_ISA to the instruction set all of them have");
}

void broadcast_buffers(Communicator& comm, const std::vector<dnnl::memory>& buffers) {
  if (comm.size() == 1) return;
  for (const dnnl::memory& m : buffers) comm.broadcast(data_of(m), m.get_desc().get_size());
}

void check_identical_values(Communicator& comm, const std::vector<Param*>& params, int64_t step) {
  uint64_t h = 0;
  for (const Param* p : params) {
    const auto* bytes = reinterpret_cast<const Bytef*>(data_of(p->value));
    h = fold(h, crc32_z(0, bytes, p->value.get_desc().get_size()));
  }
  const std::vector<uint64_t> all = comm.allgather(h);
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0])
      throw std::runtime_error("rank " + std::to_string(r) + "'s parameters differ from rank 0's after step " +
                               std::to_string(step));
}

}  // namespace relunet
