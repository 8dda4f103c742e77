// memory.hpp — small helpers around dnnl::memory: plain layouts and copies to and from them.
#pragma once

#include <cstdint>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace relunet {

using dims_t = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// An f32 descriptor in the plain row-major layout for `dims` (nc, nchw, oihw, goihw, ...).
dnnl::memory::desc plain_desc(const dims_t& dims);
// An f32 descriptor whose layout oneDNN chooses.
dnnl::memory::desc any_desc(const dims_t& dims);

float* data_of(const dnnl::memory& mem);
size_t elements_of(const dnnl::memory::desc& md);  // physical elements, padding included

// Copies between a plain float array and `mem` in whatever layout it has (a reorder).
void write_plain(const dnnl::memory& mem, const float* plain, dnnl::stream& stream);
void read_plain(const dnnl::memory& mem, float* plain, dnnl::stream& stream);
std::vector<float> read_plain(const dnnl::memory& mem, dnnl::stream& stream);

// A reorder between a layer's internal layout and the network's buffer, created once and run each
// time it is needed; a no-op (sharing one memory) when the layouts already agree.
class Relayout {
 public:
  Relayout() = default;
  // Makes `from` available in layout `want`: to() is `from` itself or a new memory.
  static Relayout into(const dnnl::memory& from, const dnnl::memory::desc& want);
  // A layer produces layout `made` and the result must land in `to`: from() is `to` itself or a
  // new memory to produce into.
  static Relayout out_of(const dnnl::memory::desc& made, const dnnl::memory& to);
  const dnnl::memory& from() const { return from_; }
  const dnnl::memory& to() const { return to_; }
  void run(dnnl::stream& stream);

 private:
  Relayout(dnnl::memory from, dnnl::memory to, bool needed);
  dnnl::memory from_, to_;
  dnnl::reorder prim_;
  bool needed_ = false;
};

}  // namespace relunet
