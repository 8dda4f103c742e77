// shape_rules.hpp — the checks every layer kind's shape rule uses: sizes, numbers in range and
// tensor sizes that cannot overflow. Each throws std::runtime_error "field \"NAME\": problem";
// the model reader prefixes the layer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "layers/layer_spec.hpp"

namespace relunet {

constexpr int64_t kMaxSize = int64_t{1} << 24;    // any one size, count or stride: more is a typo
constexpr int64_t kMaxTensor = int64_t{1} << 31;  // elements in one image's activations or a layer's weights

[[noreturn]] void fail_field(const std::string& field, const std::string& problem);

// `v` in [min, kMaxSize].
void check_size(int64_t v, const char* field, int64_t min);
inline void check_positive(int64_t v, const char* field) { check_size(v, field, 1); }
// `ok` (the caller's range test) and finite; `rule` says the range ("a positive number").
void check_float(float v, bool ok, const char* field, const char* rule);

// Multiplies sizes, refusing products above `limit` (and so any that would overflow).
int64_t checked_product(std::initializer_list<int64_t> factors, int64_t limit, const std::string& what);
// c x h x w, refused above kMaxTensor elements.
Shape checked_shape(int64_t c, int64_t h, int64_t w);

}  // namespace relunet
