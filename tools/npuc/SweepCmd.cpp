// npuc sweep: co-design sweeps over hardware parameters into a SQLite database, and `npuc sweep report`.
#include "Command.h"

#include "npu/codesign/Report.h"
#include "npu/codesign/Slurm.h"
#include "npu/codesign/Sweep.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <iostream>

namespace npuc {

using namespace npu;
using namespace npu::codesign;

namespace {

int runReport(const Command &Self, const Args &A) {
  if (A.Positional.size() != 2)
    return usageError(Self, "sweep report takes one database (npuc sweep report RESULTS.sqlite)");
  auto Db = ResultDb::open(A.Positional[1], /*ReadOnly=*/true);
  if (!Db)
    return fail(Db.message());
  auto Rows = (*Db)->all();
  if (!Rows)
    return fail(Rows.message());
  if (A.has("--model")) { // one model's fronts: the report sums time and energy over a point's models
    const std::string Want = A.get("--model");
    std::erase_if(*Rows, [&](const PointResult &R) { return R.Model.find(Want) == std::string::npos; });
    if (Rows->empty())
      return fail(A.Positional[1] + ": no rows of a model whose path contains '" + Want + "'");
  }
  if (A.has("--roofline") && !A.has("--svg"))
    return usageError(Self, "--roofline needs --svg DIR (the folder the plots go to)");
  ReportOptions O{A.get("--csv"), A.get("--svg"), A.get("--roofline")};
  auto Text = sweepReport(*Rows, O);
  if (!Text)
    return fail(Text.message());
  std::cout << A.Positional[1] << ": " << *Text;
  return ExitOk;
}

/// A non-negative integer option, or a usage error.
bool uintOption(const Args &A, const std::string &Name, unsigned &Value) {
  if (!A.has(Name))
    return true;
  const std::string V = A.get(Name);
  auto [P, Ec] = std::from_chars(V.data(), V.data() + V.size(), Value);
  return Ec == std::errc() && P == V.data() + V.size();
}

/// --backend, --tech, --area, --jobs, --throttle-ms into O; an error message for a usage error.
std::string sweepFlags(const Args &A, SweepOptions &O) {
  O.Eval.Backend = A.get("--backend", "estimate");
  if (O.Eval.Backend != "estimate" && O.Eval.Backend != "systemc" && O.Eval.Backend != "rtl")
    return "--backend must be estimate, systemc or rtl";
  const std::string Area = A.get("--area", "tech");
  if (Area != "tech" && Area != "yosys")
    return "--area must be tech or yosys";
  O.Eval.YosysArea = Area == "yosys";
  if (!uintOption(A, "--jobs", O.Jobs) || O.Jobs == 0 || O.Jobs > 256)
    return "--jobs must be an integer from 1 to 256";
  if (!uintOption(A, "--throttle-ms", O.ThrottleMs))
    return "--throttle-ms must be a non-negative integer";
  if (!A.has("--space") || !A.has("--db"))
    return "give --space SPACE.yaml and --db RESULTS.sqlite";
  return "";
}

/// Loads the space, the technology file and the models that A names into S and O, as both executors and the
/// Slurm tasks need them. Returns ExitOk, or the exit code of the error it printed.
int loadSweep(const Command &Self, const Args &A, Space &S, SweepOptions &O) {
  if (std::string E = sweepFlags(A, O); !E.empty())
    return usageError(Self, E);
  auto Sp = loadSpace(A.get("--space"));
  if (!Sp)
    return fail(Sp.message());
  S = Sp.takeValue();
  auto Tech = A.has("--tech") ? loadTech(A.get("--tech")) : Expected<TechModel>(defaultTech());
  if (!Tech)
    return fail(Tech.message());
  O.Eval.Tech = Tech.takeValue();
  O.Eval.CompilerVersion = compilerVersion();
  O.DbPath = A.get("--db");
  O.Out = &std::cout;
  std::vector<std::string> Models = A.Positional;
  Models.insert(Models.end(), S.Models.begin(), S.Models.end());
  if (Models.empty())
    return usageError(Self, "no model: give MODEL.onnx... or list them under models: in the space file");
  for (const std::string &Path : Models) {
    auto M = makeModelSpec(Path, A.getAll("--calib"), A.getAll("--input-shape"));
    if (!M)
      return fail(M.message());
    O.Models.push_back(M.takeValue());
  }
  return ExitOk;
}

/// The flags that define a sweep's rows, for the Slurm manifest (the tasks rebuild their options from them).
SweepArgs rowDefiningArgs(const Args &A) {
  SweepArgs R{A.Positional, {}};
  for (const char *Flag : {"--space", "--calib", "--input-shape", "--backend", "--tech", "--area"})
    for (const std::string &V : A.getAll(Flag))
      R.Options.push_back({Flag, V});
  return R;
}

/// --executor slurm's flags into SO; an error message for a usage error.
std::string slurmFlags(const Args &A, SlurmOptions &SO) {
  const std::string Executor = A.get("--executor", "local");
  if (Executor != "local" && Executor != "slurm")
    return "--executor must be local or slurm";
  if (Executor == "local") {
    for (const char *Flag : {"--partition", "--max-parallel", "--shards", "--wait"})
      if (A.has(Flag))
        return std::string(Flag) + " needs --executor slurm";
    return "";
  }
  if (!uintOption(A, "--max-parallel", SO.MaxParallel) || (A.has("--max-parallel") && SO.MaxParallel == 0))
    return "--max-parallel must be a positive integer";
  if (!uintOption(A, "--shards", SO.Shards) || (A.has("--shards") && (SO.Shards == 0 || SO.Shards > 1000)))
    return "--shards must be an integer from 1 to 1000 (Slurm's default MaxArraySize is 1001)";
  SO.Partition = A.get("--partition");
  SO.Wait = A.has("--wait");
  std::error_code Ec;
  SO.Npuc = std::filesystem::read_symlink("/proc/self/exe", Ec).string();
  SO.Args = rowDefiningArgs(A);
  return "";
}

/// npuc sweep --worker MANIFEST --shard I: one array task of a Slurm run.
int runWorker(const Command &Self, const Args &A) {
  unsigned Shard = 0;
  if (!A.has("--shard") || !uintOption(A, "--shard", Shard))
    return usageError(Self, "--worker needs --shard I (the array task's index)");
  auto M = readManifest(A.get("--worker"));
  if (!M)
    return fail(M.message());
  if (chdir(M->Cwd.c_str()) != 0) // relative paths of the sweep's arguments mean what they meant at submission
    return fail(M->path() + ": cannot enter the submitting folder " + M->Cwd);
  Args W;
  W.Positional = M->Args.Models;
  for (const auto &[Flag, Value] : M->Args.Options)
    W.Values[Flag] = Value, W.All[Flag].push_back(Value);
  W.Values["--db"] = M->Db;
  Space S;
  SweepOptions O;
  if (int Code = loadSweep(Self, W, S, O); Code != ExitOk)
    return Code;
  if (Status St = runShard(*M, Shard, S, O); !St)
    return fail(St.message());
  return ExitOk;
}

/// npuc sweep --merge MANIFEST: the Slurm run's final job; fails when points are missing.
int runMerge(const Args &A) {
  auto M = readManifest(A.get("--merge"));
  if (!M)
    return fail(M.message());
  auto Sum = mergeShards(*M, std::cout);
  if (!Sum)
    return fail(Sum.message());
  if (Sum->PointsMissing)
    return fail(missingPointsMessage(*M, std::to_string(Sum->PointsMissing)));
  return ExitOk;
}

int runSweepCmd(const Command &Self, const Args &A) {
  if (!A.Positional.empty() && A.Positional[0] == "report")
    return runReport(Self, A);
  if (A.has("--worker"))
    return runWorker(Self, A);
  if (A.has("--merge"))
    return runMerge(A);
  SlurmOptions SO;
  if (std::string E = slurmFlags(A, SO); !E.empty())
    return usageError(Self, E);
  Space S;
  SweepOptions O;
  if (int Code = loadSweep(Self, A, S, O); Code != ExitOk)
    return Code;
  if (A.get("--executor") == "slurm")
    O.Slurm = &SO;
  auto Sum = runSweep(S, O);
  if (!Sum)
    return fail(Sum.message());
  std::cout << "sweep: " << Sum->Evaluated << " points evaluated, " << Sum->Skipped << " skipped (done before)";
  if (O.Slurm)
    std::cout << ", " << Sum->Submitted << " submitted to Slurm" << (SO.Wait ? " and merged" : "");
  std::cout << "; results in " << O.DbPath << " (npuc sweep report " << O.DbPath << ")\n";
  if (Sum->Interrupted)
    return fail("interrupted: the database holds every finished point; run the same command again to resume");
  return ExitOk;
}

} // namespace

const Command SweepCommand = {
    "sweep",
    "Co-design sweep of hardware parameters over models, into SQLite; `sweep report` shows the fronts",
    "npuc sweep MODEL.onnx... --space SPACE.yaml --db RESULTS.sqlite [--jobs N]\n"
    "           [--backend estimate|systemc|rtl] [--calib DIR]... [--input-shape NAME=DIMS]...\n"
    "           [--tech FILE.yaml] [--area tech|yosys]\n"
    "           [--executor local|slurm] [--partition P] [--max-parallel K] [--shards N] [--wait]\n"
    "       npuc sweep report RESULTS.sqlite [--model NAME] [--csv FILE.csv] [--svg DIR [--roofline POINT]]\n"
    "       npuc sweep --worker MANIFEST --shard I   /   npuc sweep --merge MANIFEST   (Slurm jobs)",
    "Derives one config per point of the space file (base config, parameters with value lists or ranges,\n"
    "constraints, strategy grid | random N | adaptive K; docs/codesign.md), validates it, compiles every\n"
    "model for it and runs each on the backend: estimate (the compiler's cost model, no simulation),\n"
    "systemc or rtl (the model's test_data_set_0 inputs, else zeros). Each point's rows (cycles, time,\n"
    "MAC utilization of the useful MACs, DRAM bytes, per-layer cycles, area, energy, node counts, the\n"
    "config) are written to the SQLite database in one transaction, keyed by config hash, model hash,\n"
    "backend and compiler version: a rerun skips the points already there, so an interrupted sweep\n"
    "resumes. --jobs N runs N worker processes. Ctrl-C stops after the points in progress.\n"
    "--executor slurm writes the points to RESULTS.sqlite.slurm/run-N/manifest.yaml and submits, with the\n"
    "sbatch on PATH, a job array (--shards tasks, default one per point up to 100, --max-parallel at once)\n"
    "whose tasks (sweep --worker) write one shard file each, and a merge job (sweep --merge, after the array)\n"
    "that copies their rows into the database; it prints the job ids and returns (--wait: when merged).\n"
    "A rerun submits only the points still missing.\n"
    "Models are calibrated on --calib, else on the test_data_set_* folders beside them.\n"
    "`sweep report` prints the Pareto fronts (latency vs area, latency vs energy), --csv writes every row,\n"
    "--svg DIR writes the Pareto scatters, a heat map of latency over the first two parameters and the\n"
    "per-layer roofline of each model on one point (--roofline INDEX or CONFIG_HASH; default the fastest).\n"
    "--model NAME reports only the rows of the models whose path contains NAME (one model's fronts).\n\n"
    "examples:\n"
    "  npuc sweep model.onnx --calib test_data_set_0 --space space.yaml --db r.sqlite --jobs 2\n"
    "  npuc sweep model.onnx --space space.yaml --db r.sqlite --executor slurm --max-parallel 20\n"
    "  npuc sweep report r.sqlite --csv r.csv --svg plots/\n",
    {{"--space", true, "the space file (YAML)"},
     {"--db", true, "the SQLite results database (created if needed)"},
     {"--jobs", true, "worker processes (default 1)"},
     {"--backend", true, "estimate (default), systemc or rtl"},
     {"--calib", true, "calibration folder for every model; repeatable", true},
     {"--input-shape", true, "fix a dynamic input shape, NAME=1x3x224x224; repeatable", true},
     {"--tech", true, "technology file for area and energy (default configs/tech/45nm.yaml, built in)"},
     {"--area", true, "tech (per-operation areas, default) or yosys (npuc hw area's transistors)"},
     {"--throttle-ms", true, "pause after each point (for tests that interrupt a sweep)"},
     {"--executor", true, "local (default: --jobs processes here) or slurm (a job array and a merge job)"},
     {"--partition", true, "slurm: the partition of the jobs (default: the cluster's)"},
     {"--max-parallel", true, "slurm: array tasks running at once (--array=0-N%K)"},
     {"--shards", true, "slurm: array tasks, the points dealt out among them (default one per point, at most 100)"},
     {"--wait", false, "slurm: return when the merge job has finished, with its summary"},
     {"--worker", true, "slurm task: the run's manifest; evaluate shard --shard into its shard file"},
     {"--shard", true, "slurm task: the shard index ($SLURM_ARRAY_TASK_ID)"},
     {"--merge", true, "slurm merge job: the run's manifest; copy its shard files into the database"},
     {"--csv", true, "report: write every row as CSV to this file"},
     {"--svg", true, "report: write SVG plots into this folder"},
     {"--model", true, "report: only the models whose path contains this text"},
     {"--roofline", true, "report: the point of the roofline plots, an index or config hash (default: the fastest)"}},
    runSweepCmd,
};

} // namespace npuc
