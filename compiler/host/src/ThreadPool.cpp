// Fork-join thread pool: workers sleep on a condition variable between jobs and take chunks from a counter.
#include "ThreadPool.h"

#include <algorithm>

namespace npu::host {

ThreadPool::ThreadPool(int Threads) {
  for (int I = 1; I < std::max(1, Threads); ++I)
    Workers.emplace_back([this, I] { workerLoop(I); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> L(M);
    Stop = true;
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
    {
      std::unique_lock<std::mutex> L(M);
      Wake.wait(L, [&] { return Stop || Generation != Seen; });
      if (Stop)
        return;
      Seen = Generation;
      if (Index >= JobThreads)
        continue;
    }
    runChunks(Index);
    if (Active.fetch_sub(1) == 1) {
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
  {
    std::lock_guard<std::mutex> L(M);
    Job = &Fn;
    JobN = N;
    JobChunk = Chunk;
    JobThreads = Use;
    Next.store(0);
    Active.store(Use - 1);
    ++Generation;
  }
  Wake.notify_all();
  runChunks(0);
  std::unique_lock<std::mutex> L(M);
  Done.wait(L, [&] { return Active.load() == 0; });
  Job = nullptr;
}

} // namespace npu::host
