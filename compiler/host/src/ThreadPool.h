// A small fork-join thread pool for the generated kernels: the caller works too, chunks are taken dynamically,
// and idle workers spin briefly before sleeping so back-to-back kernels start without a wake-up delay.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace npu::host {

class ThreadPool {
public:
  /// Threads in total, the caller included (at least 1).
  explicit ThreadPool(int Threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int threads() const { return static_cast<int>(Workers.size()) + 1; }
  /// Calls Fn(Lo, Hi, ThreadIndex) over [0, N) in chunks of Chunk items, on up to MaxThreads threads; returns
  /// when all chunks are done.
  void parallelFor(int64_t N, int64_t Chunk, int MaxThreads,
                   const std::function<void(int64_t, int64_t, int)> &Fn);

private:
  void workerLoop(int Index);
  void runChunks(int Index);

  std::vector<std::thread> Workers;
  std::mutex M;
  std::condition_variable Wake;
  std::condition_variable Done;          ///< the caller sleeps on it for a worker still inside the job
  std::atomic<bool> CallerWaiting{false};
  std::atomic<uint64_t> Generation{0};
  std::atomic<int> Sleepers{0};
  std::atomic<bool> Stop{false};
  // The current job (written before Generation is bumped).
  const std::function<void(int64_t, int64_t, int)> *Job = nullptr;
  int64_t JobN = 0, JobChunk = 1;
  int JobThreads = 1;
  std::atomic<int64_t> Next{0};
  /// The generation of the job workers may still join; 0 once all its chunks are taken.
  std::atomic<uint64_t> Open{0};
  std::atomic<int> InFlight{0};  ///< workers inside a job
};

} // namespace npu::host
