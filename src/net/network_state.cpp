#include "net/network_state.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <stdexcept>

#include "core/memory.hpp"

namespace relunet {
namespace {

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

NamedTensor export_tensor(const std::string& name, const dnnl::memory& mem, dnnl::stream& stream) {
  NamedTensor t;
  t.name = name;
  const auto dims = mem.get_desc().dims();
  t.dims.assign(dims.begin(), dims.end());
  t.data = read_plain(mem, stream);
  return t;
}

// Writes each target memory from the tensor of the same name; all names must match one to one.
void import_tensors(const std::vector<std::pair<std::string, dnnl::memory>>& targets,
                    const std::vector<NamedTensor>& tensors, dnnl::stream& stream,
                    const std::string& origin, const char* what) {
  std::map<std::string, const NamedTensor*> by_name;
  for (const auto& t : tensors) by_name[t.name] = &t;
  for (const auto& [name, mem] : targets) {
    auto it = by_name.find(name);
    if (it == by_name.end())
      throw std::runtime_error(origin + ": " + what + " '" + name +
                               "' is missing: the checkpoint is for a different model");
    const auto dims = mem.get_desc().dims();
    const std::vector<int64_t> want(dims.begin(), dims.end());
    if (it->second->dims != want)
      throw std::runtime_error(origin + ": " + what + " '" + name + "' has shape " +
                               dims_text(it->second->dims) + ", this model needs " +
                               dims_text(want));
    write_plain(mem, it->second->data.data(), stream);
    by_name.erase(it);
  }
  if (!by_name.empty())
    throw std::runtime_error(origin + ": " + what + " '" + by_name.begin()->first +
                             "' does not exist in this model: the checkpoint is for a different model");
}

}  // namespace

std::vector<NamedTensor> export_params(Network& net) {
  std::vector<NamedTensor> out;
  for (Param* p : net.params()) out.push_back(export_tensor(p->name, p->value, net.context().stream));
  return out;
}

void import_params(Network& net, const std::vector<NamedTensor>& tensors, const std::string& origin) {
  std::vector<std::pair<std::string, dnnl::memory>> targets;
  for (Param* p : net.params()) targets.emplace_back(p->name, p->value);
  import_tensors(targets, tensors, net.context().stream, origin, "parameter");
}

std::vector<NamedTensor> export_optimizer(Sgd& sgd, dnnl::stream& stream) {
  std::vector<NamedTensor> out;
  for (size_t k = 0; k < sgd.params().size(); ++k)
    out.push_back(export_tensor(sgd.params()[k]->name + ".velocity", sgd.velocity()[k], stream));
  return out;
}

void import_optimizer(Sgd& sgd, const std::vector<NamedTensor>& tensors, dnnl::stream& stream,
                      const std::string& origin) {
  std::vector<std::pair<std::string, dnnl::memory>> targets;
  for (size_t k = 0; k < sgd.params().size(); ++k)
    targets.emplace_back(sgd.params()[k]->name + ".velocity", sgd.velocity()[k]);
  import_tensors(targets, tensors, stream, origin, "optimizer state");
}

constexpr const char* kLiveSuffix = ".live";

std::vector<NamedTensor> export_live_weights(Network& net) {
  std::vector<NamedTensor> out;
  for (Param* p : net.params())
    out.push_back(export_tensor(p->name + kLiveSuffix, p->value, net.context().stream));
  return out;
}

std::vector<NamedTensor> take_live_weights(std::vector<NamedTensor>& optimizer) {
  const auto is_live = [](const NamedTensor& t) {
    const std::string suffix = kLiveSuffix;
    return t.name.size() > suffix.size() &&
           t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const auto live = std::stable_partition(optimizer.begin(), optimizer.end(),
                                          [&](const NamedTensor& t) { return !is_live(t); });
  std::vector<NamedTensor> out(std::make_move_iterator(live), std::make_move_iterator(optimizer.end()));
  optimizer.erase(live, optimizer.end());
  return out;
}

void import_live_weights(WeightAverage& average, const std::vector<NamedTensor>& live,
                         dnnl::stream& stream, const std::string& origin) {
  if (live.empty()) return;
  if (average.options().kind == AverageKind::None)
    throw std::runtime_error(origin + ": holds live weights next to averaged ones, but the run "
                             "averages no weights");
  std::vector<std::pair<std::string, dnnl::memory>> targets;
  for (size_t k = 0; k < average.params().size(); ++k)
    targets.emplace_back(average.params()[k]->name + kLiveSuffix, average.buffers()[k]);
  import_tensors(targets, live, stream, origin, "live weight");
  average.restore_swapped();
}

}  // namespace relunet
