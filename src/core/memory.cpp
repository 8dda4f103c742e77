#include "core/memory.hpp"

#include <stdexcept>
#include <utility>

namespace relunet {

dnnl::memory::desc plain_desc(const dims_t& dims) {
  static const tag tags[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
  if (dims.empty() || dims.size() > 5) throw std::logic_error("plain_desc: unsupported rank");
  return {dims, dt::f32, tags[dims.size()]};
}

dnnl::memory::desc any_desc(const dims_t& dims) { return {dims, dt::f32, tag::any}; }

float* data_of(const dnnl::memory& mem) { return static_cast<float*>(mem.get_data_handle()); }

size_t elements_of(const dnnl::memory::desc& md) { return md.get_size() / sizeof(float); }

void write_plain(const dnnl::memory& mem, const float* plain, dnnl::stream& stream) {
  auto md = mem.get_desc();
  dnnl::memory src(plain_desc(md.dims()), mem.get_engine(), const_cast<float*>(plain));
  dnnl::memory dst = mem;  // a handle copy: execute() wants non-const memories
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
}

void read_plain(const dnnl::memory& mem, float* plain, dnnl::stream& stream) {
  auto md = mem.get_desc();
  dnnl::memory dst(plain_desc(md.dims()), mem.get_engine(), plain);
  dnnl::memory src = mem;
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
}

std::vector<float> read_plain(const dnnl::memory& mem, dnnl::stream& stream) {
  size_t n = 1;
  for (auto d : mem.get_desc().dims()) n *= static_cast<size_t>(d);
  std::vector<float> out(n);
  read_plain(mem, out.data(), stream);
  return out;
}

Relayout::Relayout(dnnl::memory from, dnnl::memory to, bool needed)
    : from_(std::move(from)), to_(std::move(to)), needed_(needed) {
  if (needed_) prim_ = dnnl::reorder(from_, to_);
}

Relayout Relayout::into(const dnnl::memory& from, const dnnl::memory::desc& want) {
  if (from.get_desc() == want) return Relayout(from, from, false);
  return Relayout(from, dnnl::memory(want, from.get_engine()), true);
}

Relayout Relayout::out_of(const dnnl::memory::desc& made, const dnnl::memory& to) {
  if (to.get_desc() == made) return Relayout(to, to, false);
  return Relayout(dnnl::memory(made, to.get_engine()), to, true);
}

void Relayout::run(dnnl::stream& stream) {
  if (needed_) prim_.execute(stream, from_, to_);
}

}  // namespace relunet
