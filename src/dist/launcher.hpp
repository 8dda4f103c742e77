// launcher.hpp — what the environment says about the MPI launcher that started this process,
// and how MpiSession makes its communicator the world.
#pragma once

#include <optional>

namespace relunet {

class Communicator;

// Whether an MPI launcher started this process: Open MPI's mpirun (OMPI_COMM_WORLD_SIZE), a
// PMIx launcher such as srun --mpi=pmix (PMIX_RANK), or a PMI-1/2 one (PMI_SIZE).
bool launched_by_mpi();
// The number of processes the launcher started, when it says; PMIx alone does not.
std::optional<int> launched_processes();

// The communicator world() returns from now on; nullptr: a single process again.
void set_world(Communicator* communicator);

}  // namespace relunet
