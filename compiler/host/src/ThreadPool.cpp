// Fork-join thread pool: a generation counter publishes jobs; workers spin on it for a while, then sleep on a
// condition variable; chunks come from an atomic counter. The caller waits only for workers inside the job,
// not for workers that have not woken yet: on a loaded machine a worker can wait a whole time slice for a core.
#include "ThreadPool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NPU_PAUSE() _mm_pause()
#else
#define NPU_PAUSE() std::this_thread::yield()
#endif

namespace npu::host {

namespace {
// Long enough to bridge the gap between two kernels of a model, short enough not to burn a core when idle.
constexpr auto SpinTime = std::chrono::microseconds(200);
// How long the caller spins for workers still inside a job before it sleeps.
constexpr auto WaitSpinTime = std::chrono::microseconds(30);
} // namespace

ThreadPool::ThreadPool(int Threads) {
  for (int I = 1; I < std::max(1, Threads); ++I)
    Workers.emplace_back([this, I] { workerLoop(I); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> L(M);
    Stop.store(true);
    Generation.fetch_add(1, std::memory_order_release);
  }
  Wake.notify_all();
  for (std::thread &T : Workers)
    T.join();
}

void ThreadPool::runChunks(int Index) {
  for (;;) {
    int64_t Lo = Next.fetch_add(JobChunk);
    if (Lo >= JobN)
      return;
    (*Job)(Lo, std::min(JobN, Lo + JobChunk), Index);
  }
}

void ThreadPool::workerLoop(int Index) {
  uint64_t Seen = 0;
  for (;;) {
    uint64_t G = Generation.load(std::memory_order_acquire);
    if (G == Seen) {
      auto Until = std::chrono::steady_clock::now() + SpinTime;
      for (int Spin = 0; G == Seen; ++Spin) {
        NPU_PAUSE();
        G = Generation.load(std::memory_order_acquire);
        if ((Spin & 255) == 255 && std::chrono::steady_clock::now() > Until)
          break;
      }
      if (G == Seen) {
        std::unique_lock<std::mutex> L(M);
        Sleepers.fetch_add(1);
        Wake.wait(L, [&] { return Generation.load(std::memory_order_acquire) != Seen; });
        Sleepers.fetch_sub(1);
        G = Generation.load(std::memory_order_acquire);
      }
    }
    Seen = G;
    if (Stop.load())
      return;
    // Enter, then check that the job is still open (both sequentially consistent, like the caller's close
    // then read): either the caller sees this worker inside and waits for it, or the worker sees the job
    // closed and leaves without touching it.
    InFlight.fetch_add(1);
    if (Open.load() == G && Index < JobThreads)
      runChunks(Index);
    // The last one out wakes a caller that stopped spinning (checked after the decrement, both sequentially
    // consistent: a caller that set the flag later sees InFlight at 0 before it sleeps).
    if (InFlight.fetch_sub(1) == 1 && CallerWaiting.load()) {
      std::lock_guard<std::mutex> L(M);
      Done.notify_all();
    }
  }
}

void ThreadPool::parallelFor(int64_t N, int64_t Chunk, int MaxThreads,
                             const std::function<void(int64_t, int64_t, int)> &Fn) {
  if (N <= 0)
    return;
  Chunk = std::max<int64_t>(1, Chunk);
  int Use = static_cast<int>(std::min<int64_t>({static_cast<int64_t>(threads()), static_cast<int64_t>(MaxThreads),
                                                (N + Chunk - 1) / Chunk}));
  if (Use <= 1) {
    Fn(0, N, 0);
    return;
  }
  Job = &Fn;
  JobN = N;
  JobChunk = Chunk;
  JobThreads = Use;
  Next.store(0);
  uint64_t G = Generation.load(std::memory_order_relaxed) + 1;
  Open.store(G);
  Generation.store(G, std::memory_order_release);
  if (Sleepers.load() > 0) {
    std::lock_guard<std::mutex> L(M);
    Wake.notify_all();
  }
  runChunks(0);
  // Every chunk is taken; close the job and wait for the workers still running theirs: a short spin (a worker
  // usually finishes within a chunk's time), then sleep. A worker that another process's thread took its core
  // from can then be moved to this one, which a spinning or yielding caller keeps busy: with 2 threads on the
  // loaded 2-core machine that made whole models slower than on 1 thread.
  Open.store(0);
  auto Until = std::chrono::steady_clock::now() + WaitSpinTime;
  for (int Spin = 0; InFlight.load() != 0; ++Spin) {
    NPU_PAUSE();
    if ((Spin & 255) == 255 && std::chrono::steady_clock::now() > Until) {
      std::unique_lock<std::mutex> L(M);
      CallerWaiting.store(true);
      Done.wait(L, [&] { return InFlight.load() == 0; });
      CallerWaiting.store(false);
      break;
    }
  }
  Job = nullptr;
}

} // namespace npu::host
