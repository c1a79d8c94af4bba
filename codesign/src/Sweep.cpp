// Sweep driver: forked workers (one SystemC kernel per process) share a point counter in shared memory, each
// with its own SQLite connection; the parent prints progress, forwards Ctrl-C as "stop after this point".
#include "npu/codesign/Sweep.h"

#include "npu/codesign/Pareto.h"
#include "npu/codesign/Slurm.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <thread>

namespace npu::codesign {

namespace {

/// Shared between the parent and its workers (an anonymous shared mapping).
struct SharedState {
  std::atomic<uint64_t> Next{0}, Done{0};
  std::atomic<int> Stop{0};
};

volatile std::sig_atomic_t Interrupted = 0;
void onInterrupt(int) { Interrupted = 1; }

/// The worker loop: take the next point, evaluate it, write its rows in one transaction. Returns the exit code.
int workerMain(const Space &S, const std::vector<Point> &Todo, const SweepOptions &O, SharedState &Sh) {
  std::signal(SIGINT, SIG_IGN); // the parent decides; this worker finishes its point first
  auto Db = ResultDb::open(O.DbPath, false, O.Wal);
  if (!Db) {
    std::fprintf(stderr, "npuc: error: %s\n", Db.message().c_str());
    return 1;
  }
  for (;;) {
    if (Sh.Stop.load())
      return 0;
    const uint64_t I = Sh.Next.fetch_add(1);
    if (I >= Todo.size())
      return 0;
    std::vector<PointResult> Rows = evaluatePoint(S, Todo[I], O.Models, O.Eval);
    if (Status St = (*Db)->insert(Rows); !St) {
      std::fprintf(stderr, "npuc: error: %s\n", St.message().c_str());
      return 1;
    }
    Sh.Done.fetch_add(1);
    if (O.ThrottleMs)
      std::this_thread::sleep_for(std::chrono::milliseconds(O.ThrottleMs));
  }
}

/// One progress report: a bar rewritten in place on a terminal, a plain line otherwise.
void printProgress(std::ostream &OS, bool Tty, uint64_t Done, uint64_t Total, double Seconds) {
  const double Rate = Seconds > 0 ? double(Done) / Seconds : 0;
  const double Eta = Rate > 0 ? double(Total - Done) / Rate : 0;
  char Line[200];
  if (Tty) {
    const int Width = 30, Filled = Total ? int(Width * Done / Total) : Width;
    std::snprintf(Line, sizeof(Line), "\r[%-*s] %llu/%llu points, %.1f points/min, ETA %.0f s ", Width,
                  std::string(size_t(Filled), '#').c_str(), (unsigned long long)Done, (unsigned long long)Total,
                  Rate * 60, Eta);
  } else {
    std::snprintf(Line, sizeof(Line), "sweep: %llu/%llu points, %.1f points/min, ETA %.0f s\n",
                  (unsigned long long)Done, (unsigned long long)Total, Rate * 60, Eta);
  }
  OS << Line << std::flush;
}

/// Forks the workers and waits for them, reporting progress; Ctrl-C stops them after their current point.
Expected<uint64_t> runWorkers(const Space &S, const std::vector<Point> &Todo, const SweepOptions &O,
                              bool &WasInterrupted) {
  void *Mem = mmap(nullptr, sizeof(SharedState), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (Mem == MAP_FAILED)
    return makeError("cannot map shared memory for the workers");
  auto *Sh = new (Mem) SharedState();
  const pid_t Parent = getpid();
  std::set<pid_t> Workers;
  const unsigned Jobs = unsigned(std::max<uint64_t>(1, std::min<uint64_t>(O.Jobs, Todo.size())));
  std::ostream &OS = *O.Out;
  OS.flush();
  for (unsigned J = 0; J < Jobs; ++J) {
    const pid_t Pid = fork();
    if (Pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL); // a parent killed with -9 takes its workers with it
      _exit(getppid() != Parent ? 1 : workerMain(S, Todo, O, *Sh));
    }
    if (Pid > 0)
      Workers.insert(Pid);
  }
  Interrupted = 0;
  auto Old = std::signal(SIGINT, onInterrupt);
  const bool Tty = isatty(STDOUT_FILENO) && O.Out == &std::cout;
  const auto Start = std::chrono::steady_clock::now();
  uint64_t Shown = UINT64_MAX;
  auto LastShown = Start;
  bool Failed = Workers.size() < Jobs;
  while (!Workers.empty()) {
    int Code = 0;
    const pid_t Pid = waitpid(-1, &Code, WNOHANG);
    if (Pid > 0 && Workers.erase(Pid))
      Failed |= !WIFEXITED(Code) || WEXITSTATUS(Code) != 0;
    if (Interrupted && !Sh->Stop.exchange(1))
      OS << (Tty ? "\n" : "") << "sweep: interrupted; the workers finish their current point\n" << std::flush;
    const auto Now = std::chrono::steady_clock::now();
    const uint64_t Done = Sh->Done.load();
    if (Done != Shown && (Now - LastShown > std::chrono::seconds(1) || Done == Todo.size() || Tty)) {
      printProgress(OS, Tty, Done, Todo.size(), std::chrono::duration<double>(Now - Start).count());
      Shown = Done, LastShown = Now;
    }
    if (Pid <= 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (Tty)
    OS << "\n";
  std::signal(SIGINT, Old);
  WasInterrupted = Interrupted != 0;
  const uint64_t Done = Sh->Done.load();
  munmap(Mem, sizeof(SharedState));
  if (Failed)
    return makeError("a sweep worker failed (its message is above); rerun to resume");
  return Done;
}

/// Points of P that lack a row for some model in the database.
Expected<std::vector<Point>> pointsToDo(const Space &S, const std::vector<Point> &P, const SweepOptions &O) {
  std::set<std::string> Keys;
  {
    auto Db = ResultDb::open(O.DbPath, false, O.Wal); // closed again before any fork
    if (!Db)
      return Db.error();
    auto K = (*Db)->keys();
    if (!K)
      return K.error();
    Keys = K.takeValue();
  }
  std::vector<Point> Todo;
  for (const Point &Pt : P) {
    const std::string Hash = pointConfigHash(S, Pt);
    bool Complete = true;
    for (const ModelSpec &M : O.Models)
      Complete &= Keys.count(PointResult::resultKey(Hash, M.Hash, O.Eval.Backend, O.Eval.CompilerVersion)) != 0;
    if (!Complete)
      Todo.push_back(Pt);
  }
  return Todo;
}

/// Evaluates the points not yet in the database.
Status runPhase(const Space &S, const std::vector<Point> &Points, const SweepOptions &O, SweepSummary &Sum) {
  auto Todo = pointsToDo(S, Points, O);
  if (!Todo)
    return Todo.error();
  Sum.Skipped += Points.size() - Todo->size();
  *O.Out << "sweep: " << Points.size() << " points x " << O.Models.size() << " models on " << O.Eval.Backend << ": "
         << Points.size() - Todo->size() << " done already, " << Todo->size() << " to run ";
  if (O.Slurm)
    *O.Out << "on Slurm\n";
  else
    *O.Out << "with " << std::min<uint64_t>(O.Jobs, std::max<size_t>(Todo->size(), 1)) << " jobs\n";
  if (Todo->empty())
    return Status::ok();
  if (O.Slurm) {
    NPU_TRY(submitSlurm(S, *Todo, O, *O.Slurm));
    Sum.Submitted += Todo->size();
    return Status::ok();
  }
  bool Stopped = false;
  auto Done = runWorkers(S, *Todo, O, Stopped);
  if (!Done)
    return Done.error();
  Sum.Evaluated += *Done;
  Sum.Interrupted |= Stopped;
  return Status::ok();
}

} // namespace

std::vector<uint64_t> adaptiveSelection(const std::vector<PointResult> &EstimateRows, uint64_t Count) {
  struct Totals {
    double Time = 0, Area = 0, Energy = 0;
    bool Ok = true;
  };
  std::map<uint64_t, Totals> ByPoint;
  for (const PointResult &R : EstimateRows) {
    Totals &T = ByPoint[uint64_t(R.PointIndex)];
    T.Ok &= R.Status == "ok";
    T.Time += R.TimeUs, T.Energy += R.EnergyPj, T.Area = R.AreaUm2;
  }
  std::vector<uint64_t> Ids;
  std::vector<std::pair<double, double>> TA, TE;
  for (const auto &[Id, T] : ByPoint)
    if (T.Ok)
      Ids.push_back(Id), TA.push_back({T.Time, T.Area}), TE.push_back({T.Time, T.Energy});
  std::set<size_t> Front;
  for (size_t K : paretoFront(TA))
    Front.insert(K);
  for (size_t K : paretoFront(TE))
    Front.insert(K);
  std::vector<size_t> Order(Ids.size());
  for (size_t K = 0; K < Order.size(); ++K)
    Order[K] = K;
  std::sort(Order.begin(), Order.end(), [&](size_t A, size_t B) {
    const bool FA = Front.count(A), FB = Front.count(B);
    return FA != FB ? FA : TA[A].first != TA[B].first ? TA[A].first < TA[B].first : Ids[A] < Ids[B];
  });
  std::vector<uint64_t> Chosen;
  for (size_t K = 0; K < Order.size() && Chosen.size() < Count; ++K)
    Chosen.push_back(Ids[Order[K]]);
  std::sort(Chosen.begin(), Chosen.end());
  return Chosen;
}

Expected<SweepSummary> runPoints(const Space &S, const std::vector<Point> &Points, const SweepOptions &O) {
  SweepSummary Sum;
  Sum.Points = Points.size();
  NPU_TRY(runPhase(S, Points, O, Sum));
  return Sum;
}

Expected<SweepSummary> runSweep(const Space &S, const SweepOptions &O) {
  SweepSummary Sum;
  auto Points = enumeratePoints(S, &Sum.Excluded);
  if (!Points)
    return Points.error();
  *O.Out << "sweep: " << S.gridSize() << " grid points, " << Sum.Excluded << " excluded by constraints, "
         << Points->size() << " in the sweep\n";
  if (S.Strategy != StrategyKind::Adaptive || O.Eval.Backend == "estimate") {
    Sum.Points = Points->size();
    NPU_TRY(runPhase(S, *Points, O, Sum));
    return Sum;
  }
  // Adaptive: every point with the cost model first (here, also for Slurm: it is cheap), then the chosen ones
  // on the backend.
  SweepOptions Est = O;
  Est.Eval.Backend = "estimate";
  Est.Slurm = nullptr;
  NPU_TRY(runPhase(S, *Points, Est, Sum));
  if (Sum.Interrupted)
    return Sum;
  auto Db = ResultDb::open(O.DbPath);
  if (!Db)
    return Db.error();
  auto Rows = (*Db)->all();
  if (!Rows)
    return Rows.error();
  Db->reset();
  std::set<std::string> ModelHashes;
  for (const ModelSpec &M : O.Models)
    ModelHashes.insert(M.Hash);
  std::map<std::string, uint64_t> IndexOf; // rows of this space's points, whatever space wrote them
  for (const Point &P : *Points)
    IndexOf[pointConfigHash(S, P)] = P.Index;
  std::vector<PointResult> Est0;
  for (PointResult &R : *Rows) {
    auto It = IndexOf.find(R.ConfigHash);
    if (R.Backend == "estimate" && R.CompilerVersion == O.Eval.CompilerVersion && ModelHashes.count(R.ModelHash) &&
        It != IndexOf.end()) {
      R.PointIndex = int64_t(It->second);
      Est0.push_back(std::move(R));
    }
  }
  std::vector<uint64_t> Chosen = adaptiveSelection(Est0, S.Count);
  std::vector<Point> Selected;
  for (const Point &P : *Points)
    if (std::binary_search(Chosen.begin(), Chosen.end(), P.Index))
      Selected.push_back(P);
  *O.Out << "sweep: adaptive: " << Selected.size() << " of " << Points->size()
         << " points chosen by the cost model (its Pareto fronts first, then by estimated time)\n";
  Sum.Points = Points->size();
  NPU_TRY(runPhase(S, Selected, O, Sum));
  return Sum;
}

} // namespace npu::codesign
