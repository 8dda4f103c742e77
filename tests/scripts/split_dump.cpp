// split_dump.cpp — prints relunet's validation split (one index a line) for N VAL_SIZE SEED, so
// that tests/scripts/test_relunet_split.py can check the PyTorch anchor's copy against it.
#include <cstdio>
#include <cstdlib>

#include "data/splits.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: split_dump N VAL_SIZE SEED\n");
    return 2;
  }
  const auto split = relunet::split_train_val(std::strtoull(argv[1], nullptr, 10),
                                              std::strtoull(argv[2], nullptr, 10),
                                              std::strtoull(argv[3], nullptr, 10));
  for (size_t i : split.val) std::printf("%zu\n", i);
}
