// generated_cifar.hpp — a small learnable data set in CIFAR-10's binary layout, for the tests
// that run the relunet binary (end to end, and data-parallel under mpirun).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace relunet::test {

// data_batch_1..5.bin with `records_per_training_file` images each, test_batch.bin with
// `test_records`, and batches.meta.txt; the same images for the same counts.
// The classes' names, in label order (batches.meta.txt).
extern const std::vector<std::string> kGeneratedClassNames;

void write_generated_cifar(const std::filesystem::path& dir, int records_per_training_file,
                           int test_records);

}  // namespace relunet::test
