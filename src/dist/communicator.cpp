#include "dist/communicator.hpp"

#include <cstdlib>

#include "dist/launcher.hpp"

namespace relunet {
namespace {

Communicator* active = nullptr;  // set by MpiSession while MPI runs

}  // namespace

void Communicator::abort(int exit_code) {
  end_job(exit_code);
  std::exit(exit_code);
}

Communicator& world() {
  static SingleProcess alone;
  return active ? *active : alone;
}

void set_world(Communicator* communicator) { active = communicator; }

}  // namespace relunet
