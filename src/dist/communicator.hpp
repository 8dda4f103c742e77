// communicator.hpp — what data-parallel training needs from its processes ("ranks"): who am I,
// how many are we, and a few collective operations. MpiCommunicator implements it over MPI when
// relunet is started by an MPI launcher (mpirun, srun); otherwise the process is alone and
// every collective is the identity, so single-process runs behave exactly as before.
//
// Every collective must be called by every rank, in the same order, with the same counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace relunet {

enum class ReduceOp { Sum, Max };

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Rank 0's `bytes` bytes at `data` on every rank.
  virtual void broadcast(void* data, size_t bytes) = 0;
  // In place: every rank gets the element-wise reduction over all ranks.
  virtual void allreduce(float* data, size_t count, ReduceOp op) = 0;
  virtual void allreduce(double* data, size_t count, ReduceOp op) = 0;
  virtual void allreduce(int64_t* data, size_t count, ReduceOp op) = 0;
  // Every rank's `value`, in rank order, on every rank.
  virtual std::vector<uint64_t> allgather(uint64_t value) = 0;
  // Ends every rank of the job with `exit_code` (a rank that fails alone cannot just return:
  // the others would wait for it in their next collective forever).
  [[noreturn]] void abort(int exit_code);

  template <typename T>
  T reduced(T value, ReduceOp op) {
    allreduce(&value, 1, op);
    return value;
  }

 protected:
  virtual void end_job(int exit_code) = 0;  // abort()'s part for this kind of job
};

// The job this process belongs to. Until MpiSession starts MPI, a single process.
Communicator& world();

// Starts MPI when this process was started by an MPI launcher and ends it at scope exit; one per
// program, in main. Throws std::runtime_error when a launcher started several processes but
// this build has no MPI (RELUNET_MPI=OFF): they would each train alone into the same files.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

// A one-process communicator: broadcasts and reductions leave the data as it is.
class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void broadcast(void*, size_t) override {}
  void allreduce(float*, size_t, ReduceOp) override {}
  void allreduce(double*, size_t, ReduceOp) override {}
  void allreduce(int64_t*, size_t, ReduceOp) override {}
  std::vector<uint64_t> allgather(uint64_t value) override { return {value}; }

 protected:
  void end_job(int) override {}  // abort() exits this process, the whole job
};

}  // namespace relunet
