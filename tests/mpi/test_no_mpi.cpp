// test_no_mpi.cpp — MpiSession as a build without MPI (cmake -DRELUNET_MPI=OFF) has it: alone
// without a launcher, and a clear refusal when a launcher started several processes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <stdexcept>
#include <string>

#include "dist/communicator.hpp"

namespace {

struct Environment {
  explicit Environment(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~Environment() { unsetenv(name_); }
  const char* name_;
};

int argc = 1;
char program[] = "relunet";
char* args[] = {program, nullptr};
char** argv = args;

TEST(NoMpi, WithoutALauncherTheProcessIsAlone) {
  const relunet::MpiSession session(argc, argv);
  EXPECT_EQ(relunet::world().size(), 1);
  EXPECT_EQ(relunet::world().rank(), 0);
  EXPECT_EQ(relunet::world().allgather(7), std::vector<uint64_t>{7});
}

TEST(NoMpi, SeveralLaunchedProcessesAreRefused) {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const Environment launched(variable, "2");
    try {
      const relunet::MpiSession session(argc, argv);
      ADD_FAILURE() << variable << "=2 was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("with 2 processes, but it was built without MPI"),
                std::string::npos)
          << e.what();
    }
  }
  const Environment one("OMPI_COMM_WORLD_SIZE", "1");  // mpirun -np 1: alone, as without it
  const relunet::MpiSession session(argc, argv);
  EXPECT_EQ(relunet::world().size(), 1);
}

}  // namespace
