// The Slurm executor of npuc sweep: a run folder beside the database, sbatch for the array and the merge job (found on
// PATH, run as child processes), the array tasks' shard evaluation, and the merge.
#include "npu/codesign/Slurm.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

namespace npu::codesign {

namespace fs = std::filesystem;

namespace {

/// Name found in a folder of PATH, or "".
std::string findOnPath(const std::string &Name) {
  const char *Path = std::getenv("PATH");
  std::string Dirs = Path ? Path : "";
  for (size_t Start = 0; Start <= Dirs.size();) {
    size_t End = Dirs.find(':', Start);
    if (End == std::string::npos)
      End = Dirs.size();
    const std::string Candidate = (End > Start ? Dirs.substr(Start, End - Start) : ".") + "/" + Name;
    if (access(Candidate.c_str(), X_OK) == 0)
      return Candidate;
    Start = End + 1;
  }
  return "";
}

struct ToolResult {
  int Code = 0;
  std::string Output; ///< stdout and stderr together
};

/// Runs a Slurm client tool from PATH and collects its output. Errors: the tool is absent or cannot start.
Expected<ToolResult> runTool(const std::vector<std::string> &Argv) {
  const std::string Exe = findOnPath(Argv[0]);
  if (Exe.empty())
    return makeError(Argv[0], " not found on PATH: --executor slurm needs "
                              "Slurm's client tools (sbatch, squeue)");
  int Pipe[2];
  if (pipe(Pipe) != 0)
    return makeError("cannot create a pipe for ", Argv[0]);
  const pid_t Pid = fork();
  if (Pid == 0) {
    dup2(Pipe[1], STDOUT_FILENO), dup2(Pipe[1], STDERR_FILENO);
    close(Pipe[0]), close(Pipe[1]);
    std::vector<char *> Args;
    for (const std::string &A : Argv)
      Args.push_back(const_cast<char *>(A.c_str()));
    Args.push_back(nullptr);
    execv(Exe.c_str(), Args.data());
    _exit(127);
  }
  close(Pipe[1]);
  if (Pid < 0) {
    close(Pipe[0]);
    return makeError("cannot start ", Exe);
  }
  ToolResult R;
  char Buf[4096];
  for (ssize_t N; (N = read(Pipe[0], Buf, sizeof(Buf))) > 0;)
    R.Output.append(Buf, size_t(N));
  close(Pipe[0]);
  int Status = 0;
  waitpid(Pid, &Status, 0);
  R.Code = WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
  return R;
}

/// S quoted for sh.
std::string shellQuote(const std::string &S) {
  std::string Q = "'";
  for (char C : S)
    Q += C == '\'' ? std::string("'\\''") : std::string(1, C);
  return Q + "'";
}

/// A new run folder DB.slurm/run-N (the first N free): reruns never overwrite an earlier run's files.
Expected<std::string> makeRunDir(const std::string &Db) {
  const fs::path Base = Db + ".slurm";
  std::error_code Ec;
  fs::create_directories(Base, Ec);
  for (unsigned N = 1; N < 100000; ++N) {
    const fs::path Dir = Base / ("run-" + std::to_string(N));
    if (fs::create_directory(Dir, Ec))
      return Dir.string();
    if (Ec)
      break;
  }
  return makeError(Base.string(), ": cannot create a run folder", Ec ? ": " + Ec.message() : "");
}

/// Writes an executable job script that runs `npuc sweep ARGS`.
Status writeScript(const std::string &Path, const std::string &What, const std::string &Command) {
  {
    std::ofstream Out(Path);
    Out << "#!/bin/sh\n# " << What << " (written by npuc sweep --executor slurm; docs/codesign.md)\n"
        << "exec " << Command << "\n";
    if (!Out.flush())
      return makeError(Path, ": cannot write the job script");
  }
  fs::permissions(Path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
  return Status::ok();
}

/// Submits a batch script; returns the job id that sbatch --parsable prints ("ID" or "ID;CLUSTER").
Expected<std::string> sbatch(std::vector<std::string> Args, const std::string &What) {
  Args.insert(Args.begin(), {"sbatch", "--parsable"});
  auto R = runTool(Args);
  if (!R)
    return R.error();
  std::string Id = R->Output.substr(0, R->Output.find_first_of(";\n"));
  const bool Numeric = !Id.empty() && std::all_of(Id.begin(), Id.end(), [](char C) { return C >= '0' && C <= '9'; });
  if (R->Code != 0 || !Numeric)
    return makeError("sbatch of the ", What, " failed (exit status ", R->Code, "): ", R->Output);
  return Id;
}

/// The manifest of a run of Todo in Dir.
SlurmManifest makeManifest(const std::string &Dir, const Space &S, const std::vector<Point> &Todo,
                           const SweepOptions &O, const SlurmOptions &SO) {
  SlurmManifest M;
  M.Dir = Dir;
  M.Db = fs::absolute(O.DbPath).lexically_normal().string();
  M.Cwd = fs::current_path().string();
  M.Npuc = SO.Npuc;
  M.Args = SO.Args;
  M.Backend = O.Eval.Backend;
  M.CompilerVersion = O.Eval.CompilerVersion;
  for (const ModelSpec &Model : O.Models)
    M.ModelHashes.push_back(Model.Hash);
  for (const Point &P : Todo)
    M.Points.push_back({P.Index, pointConfigHash(S, P)});
  const uint64_t Wanted = SO.Shards ? SO.Shards : SlurmOptions::DefaultShards;
  M.Shards = unsigned(std::max<uint64_t>(1, std::min<uint64_t>(Wanted, Todo.size())));
  return M;
}

/// Polls until the merge job has written M.mergedPath(), or has left the queue without writing it. Every 0.25 s for
/// 10 s, then less and less often up to every 5 s: a long sweep should not keep the cluster's controller busy.
Status waitForMerge(const SlurmManifest &M, const std::string &JobId, std::ostream &Out) {
  using Clock = std::chrono::steady_clock;
  Out << "sweep: slurm: waiting for merge job " << JobId << "\n" << std::flush;
  const auto Start = Clock::now();
  auto Delay = std::chrono::milliseconds(250);
  // When the job left the queue (max while it is queued): a shared file system may show the file a little later.
  Clock::time_point LeftQueue = Clock::time_point::max();
  while (!fs::exists(M.mergedPath())) {
    std::this_thread::sleep_for(Delay);
    if (Clock::now() - Start > std::chrono::seconds(10))
      Delay = std::min(Delay * 3 / 2, std::chrono::milliseconds(5000));
    auto Q = runTool({"squeue", "--noheader", "--jobs=" + JobId, "--format=%T"});
    if (!Q)
      return Q.error();
    if (Q->Code == 0 && Q->Output.find_first_not_of(" \n") != std::string::npos)
      LeftQueue = Clock::time_point::max();
    else if (LeftQueue == Clock::time_point::max())
      LeftQueue = Clock::now();
    else if (Clock::now() - LeftQueue > std::chrono::seconds(15) && !fs::exists(M.mergedPath()))
      return makeError("merge job ", JobId, " ended without writing ", M.mergedPath(), "; its output is in ", M.Dir,
                       "/merge.out");
  }
  std::ifstream In(M.mergedPath());
  std::string Line, Missing;
  while (std::getline(In, Line)) {
    Out << "sweep: slurm: " << Line << "\n";
    if (Line.rfind("points_missing: ", 0) == 0)
      Missing = Line.substr(16);
  }
  if (Missing != "0")
    return makeError(missingPointsMessage(M, Missing.empty() ? "?" : Missing));
  return Status::ok();
}

} // namespace

std::string missingPointsMessage(const SlurmManifest &M, const std::string &Count) {
  return Count + " points are missing after the merge (a task failed: see " + M.Dir +
         "/shard-*.out); run the same sweep command again to submit only those";
}

Status submitSlurm(const Space &S, const std::vector<Point> &Todo, const SweepOptions &O, const SlurmOptions &SO) {
  if (findOnPath("sbatch").empty())
    return makeError("sbatch not found on PATH: --executor slurm submits with "
                     "Slurm's sbatch (load Slurm's module "
                     "or add its bin folder to PATH), or use --executor local");
  auto Dir = makeRunDir(fs::absolute(O.DbPath).lexically_normal().string());
  if (!Dir)
    return Dir.error();
  SlurmManifest M = makeManifest(*Dir, S, Todo, O, SO);
  NPU_TRY(writeManifest(M));
  const std::string Npuc = shellQuote(M.Npuc) + " sweep ";
  NPU_TRY(writeScript(M.Dir + "/shard.sh", "one array task: one shard of the points",
                      Npuc + "--worker " + shellQuote(M.path()) + " --shard \"$SLURM_ARRAY_TASK_ID\""));
  NPU_TRY(writeScript(M.Dir + "/merge.sh", "the merge of the shard files into the database",
                      Npuc + "--merge " + shellQuote(M.path())));
  std::vector<std::string> Common = {"--chdir=" + M.Cwd};
  if (!SO.Partition.empty())
    Common.push_back("--partition=" + SO.Partition);
  std::vector<std::string> Array = Common;
  Array.push_back("--job-name=npuc-sweep");
  Array.push_back("--array=0-" + std::to_string(M.Shards - 1) +
                  (SO.MaxParallel ? "%" + std::to_string(SO.MaxParallel) : ""));
  Array.push_back("--output=" + M.Dir + "/shard-%a.out");
  Array.push_back(M.Dir + "/shard.sh");
  auto ArrayId = sbatch(Array, "job array");
  if (!ArrayId)
    return ArrayId.error();
  std::vector<std::string> Merge = Common;
  Merge.insert(Merge.end(), {"--job-name=npuc-sweep-merge", "--dependency=afterany:" + *ArrayId,
                             "--output=" + M.Dir + "/merge.out", M.Dir + "/merge.sh"});
  auto MergeId = sbatch(Merge, "merge job");
  if (!MergeId)
    return makeError(MergeId.message(), "\nthe array job ", *ArrayId, " was submitted: merge its shards with `", M.Npuc,
                     " sweep --merge ", M.path(), "` once it has finished");
  std::ostream &Out = *O.Out;
  Out << "sweep: slurm: " << M.Points.size() << " points in " << M.Shards << " shards, manifest " << M.path()
      << "\nsweep: slurm: submitted array job " << *ArrayId << " (" << M.Shards << " tasks"
      << (SO.MaxParallel ? ", at most " + std::to_string(SO.MaxParallel) + " at a time" : "") << ") and merge job "
      << *MergeId << " (after the array) into " << M.Db << "\n"
      << std::flush;
  return SO.Wait ? waitForMerge(M, *MergeId, Out) : Status::ok();
}

Status runShard(const SlurmManifest &M, unsigned Shard, const Space &S, SweepOptions O) {
  if (Shard >= M.Shards)
    return makeError(M.path(), ": shard ", Shard, " does not exist (", M.Shards, " shards)");
  if (O.Eval.CompilerVersion != M.CompilerVersion || O.Eval.Backend != M.Backend)
    return makeError(M.path(), ": written for compiler ", M.CompilerVersion, " on ", M.Backend, ", but this npuc is ",
                     O.Eval.CompilerVersion, " on ", O.Eval.Backend, ": its rows would be keyed differently");
  for (size_t K = 0; K < O.Models.size(); ++K)
    if (K >= M.ModelHashes.size() || O.Models[K].Hash != M.ModelHashes[K])
      return makeError(M.path(), ": model ", O.Models[K].Path, " changed since the sweep was submitted");
  auto All = enumeratePoints(S);
  if (!All)
    return All.error();
  std::map<uint64_t, const Point *> ByIndex;
  for (const Point &P : *All)
    ByIndex[P.Index] = &P;
  std::vector<Point> Mine;
  for (const auto &[Index, Hash] : M.shardPoints(Shard)) {
    auto It = ByIndex.find(Index);
    if (It == ByIndex.end() || pointConfigHash(S, *It->second) != Hash)
      return makeError(M.path(), ": point ", Index, " of the space file changed since the sweep was submitted");
    Mine.push_back(*It->second);
  }
  // One writer per shard file, a rollback journal: safe where the run folder is on a network file system.
  O.DbPath = M.shardPath(Shard);
  O.Jobs = 1;
  O.Wal = false;
  O.Slurm = nullptr;
  auto Sum = runPoints(S, Mine, O);
  if (!Sum)
    return Sum.error();
  *O.Out << "sweep: shard " << Shard << ": " << Sum->Evaluated << " points evaluated into " << O.DbPath << "\n";
  return Status::ok();
}

namespace {

/// The rows of a shard file. Opened read-write: SQLite rolls back the journal a killed task left.
Expected<std::vector<PointResult>> shardRows(const std::string &Path) {
  auto Shard = ResultDb::open(Path, false, false);
  if (!Shard)
    return Shard.error();
  return (*Shard)->all();
}

} // namespace

Expected<MergeSummary> mergeShards(const SlurmManifest &M, std::ostream &Out) {
  auto Db = ResultDb::open(M.Db);
  if (!Db)
    return Db.error();
  auto Before = (*Db)->keys();
  if (!Before)
    return Before.error();
  MergeSummary Sum;
  for (unsigned I = 0; I < M.Shards; ++I) {
    if (!fs::exists(M.shardPath(I)))
      continue;
    auto Rows = shardRows(M.shardPath(I));
    if (!Rows) { // its points stay missing; the other shards still count
      Out << "skipped: " << Rows.message() << "\n";
      continue;
    }
    NPU_TRY((*Db)->insert(*Rows)); // one transaction per shard; present keys are left alone
    ++Sum.ShardFiles, Sum.RowsRead += Rows->size();
  }
  auto After = (*Db)->keys();
  if (!After)
    return After.error();
  Sum.RowsNew = After->size() - Before->size();
  for (const auto &[Index, Hash] : M.Points) {
    bool Complete = true;
    for (const std::string &Model : M.ModelHashes)
      Complete &= After->count(PointResult::resultKey(Hash, Model, M.Backend, M.CompilerVersion)) != 0;
    ++(Complete ? Sum.PointsComplete : Sum.PointsMissing);
  }
  std::string Text = "shard_files: " + std::to_string(Sum.ShardFiles) + " of " + std::to_string(M.Shards) +
                     "\nrows_read: " + std::to_string(Sum.RowsRead) + "\nrows_new: " + std::to_string(Sum.RowsNew) +
                     "\npoints_complete: " + std::to_string(Sum.PointsComplete) + " of " +
                     std::to_string(M.Points.size()) + "\npoints_missing: " + std::to_string(Sum.PointsMissing) + "\n";
  Out << Text;
  const std::string Tmp = M.mergedPath() + ".tmp";
  std::ofstream(Tmp) << Text;
  if (std::rename(Tmp.c_str(), M.mergedPath().c_str()) != 0)
    return makeError(M.mergedPath(), ": cannot write the merge summary");
  return Sum;
}

} // namespace npu::codesign
