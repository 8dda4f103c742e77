#include "layers/shape_rules.hpp"

#include <cmath>
#include <stdexcept>

#include "io/json_fields.hpp"

namespace relunet {

void fail_field(const std::string& field, const std::string& problem) {
  throw std::runtime_error("field \"" + field + "\": " + problem);
}

void check_size(int64_t v, const char* field, int64_t min) {
  if (v < min)
    fail_field(field, std::string(min > 0 ? "must be a positive integer" : "must be a non-negative integer") +
                          " (got " + std::to_string(v) + ")");
  if (v > kMaxSize) fail_field(field, std::to_string(v) + " is too large (limit " + std::to_string(kMaxSize) + ")");
}

void check_float(float v, bool ok, const char* field, const char* rule) {
  if (!ok || !std::isfinite(v)) fail_field(field, std::string("must be ") + rule + " (got " + float_text(v) + ")");
}

int64_t checked_product(std::initializer_list<int64_t> factors, int64_t limit, const std::string& what) {
  int64_t product = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(product, f, &product) || product > limit)
      throw std::runtime_error(what + " would have more than " + std::to_string(limit) + " elements");
  return product;
}

Shape checked_shape(int64_t c, int64_t h, int64_t w) {
  checked_product({c, h, w}, kMaxTensor,
                  "the output " + std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w));
  return Shape{c, h, w};
}

}  // namespace relunet
