// mpi_communicator.cpp — the Communicator over MPI_COMM_WORLD, and MpiSession starting MPI
// when a launcher started this process (built with RELUNET_MPI=ON).
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "dist/communicator.hpp"
#include "dist/launcher.hpp"

namespace relunet {
namespace {

// MPI counts are ints: larger buffers go in pieces.
constexpr size_t kMaxCount = size_t(INT_MAX) / 8;

MPI_Op mpi_op(ReduceOp op) { return op == ReduceOp::Sum ? MPI_SUM : MPI_MAX; }

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + " failed: " + std::string(text, size_t(length)));
}

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void broadcast(void* data, size_t bytes) override {
    auto* p = static_cast<char*>(data);
    for (size_t done = 0; done < bytes; done += kMaxCount)
      check(MPI_Bcast(p + done, int(std::min(kMaxCount, bytes - done)), MPI_BYTE, 0, MPI_COMM_WORLD),
            "MPI_Bcast");
  }
  void allreduce(float* data, size_t count, ReduceOp op) override { reduce(data, count, MPI_FLOAT, op); }
  void allreduce(double* data, size_t count, ReduceOp op) override { reduce(data, count, MPI_DOUBLE, op); }
  void allreduce(int64_t* data, size_t count, ReduceOp op) override { reduce(data, count, MPI_INT64_T, op); }

  std::vector<uint64_t> allgather(uint64_t value) override {
    std::vector<uint64_t> all(size_t(size_), 0);
    check(MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD),
          "MPI_Allgather");
    return all;
  }


 protected:
  void end_job(int exit_code) override {
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, exit_code);  // does not return
  }

 private:
  template <typename T>
  void reduce(T* data, size_t count, MPI_Datatype type, ReduceOp op) {
    for (size_t done = 0; done < count; done += kMaxCount)
      check(MPI_Allreduce(MPI_IN_PLACE, data + done, int(std::min(kMaxCount, count - done)), type,
                          mpi_op(op), MPI_COMM_WORLD),
            "MPI_Allreduce");
  }

  int rank_ = 0, size_ = 1;
};

std::unique_ptr<MpiCommunicator> communicator;

}  // namespace

MpiSession::MpiSession(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;  // a plain process: no MPI at all, as before MPI support
  int provided = 0;
  // Only the main thread calls MPI (the batch loader's thread never does).
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as codes (thrown by check()), not as an immediate abort without a message.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  communicator = std::make_unique<MpiCommunicator>();
  set_world(communicator.get());
}

MpiSession::~MpiSession() {
  if (!communicator) return;
  set_world(nullptr);
  communicator.reset();
  MPI_Finalize();
}

}  // namespace relunet
