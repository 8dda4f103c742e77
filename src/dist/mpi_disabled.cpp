// mpi_disabled.cpp — MpiSession in a build without MPI (cmake -DRELUNET_MPI=OFF): every process
// is alone, and several processes started by a launcher are refused.
#include <stdexcept>
#include <string>

#include "dist/communicator.hpp"
#include "dist/launcher.hpp"

namespace relunet {

MpiSession::MpiSession(int&, char**&) {
  const std::optional<int> processes = launched_processes();
  if (launched_by_mpi() && processes.value_or(2) > 1)
    throw std::runtime_error(
        "an MPI launcher started this relunet" +
        (processes ? " with " + std::to_string(*processes) + " processes" : std::string()) +
        ", but it was built without MPI (cmake -DRELUNET_MPI=OFF): rebuild with -DRELUNET_MPI=ON "
        "(and libopenmpi-dev), or run it without mpirun");
}

MpiSession::~MpiSession() = default;

}  // namespace relunet
