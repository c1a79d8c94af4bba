// npuc sweep: co-design sweeps over hardware parameters into a SQLite database, and `npuc sweep report`.
#include "Command.h"

#include "npu/codesign/Report.h"
#include "npu/codesign/Sweep.h"

#include <charconv>
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
  ReportOptions O{A.get("--csv"), A.get("--svg")};
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

int runSweepCmd(const Command &Self, const Args &A) {
  if (!A.Positional.empty() && A.Positional[0] == "report")
    return runReport(Self, A);
  SweepOptions O;
  if (std::string E = sweepFlags(A, O); !E.empty())
    return usageError(Self, E);
  auto S = loadSpace(A.get("--space"));
  if (!S)
    return fail(S.message());
  auto Tech = A.has("--tech") ? loadTech(A.get("--tech")) : Expected<TechModel>(defaultTech());
  if (!Tech)
    return fail(Tech.message());
  O.Eval.Tech = Tech.takeValue();
  O.Eval.CompilerVersion = compilerVersion();
  O.DbPath = A.get("--db");
  O.Out = &std::cout;
  std::vector<std::string> Models = A.Positional;
  Models.insert(Models.end(), S->Models.begin(), S->Models.end());
  if (Models.empty())
    return usageError(Self, "no model: give MODEL.onnx... or list them under models: in the space file");
  for (const std::string &Path : Models) {
    auto M = makeModelSpec(Path, A.getAll("--calib"), A.getAll("--input-shape"));
    if (!M)
      return fail(M.message());
    O.Models.push_back(M.takeValue());
  }
  auto Sum = runSweep(*S, O);
  if (!Sum)
    return fail(Sum.message());
  std::cout << "sweep: " << Sum->Evaluated << " points evaluated, " << Sum->Skipped << " skipped (done before); "
            << "results in " << O.DbPath << " (npuc sweep report " << O.DbPath << ")\n";
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
    "       npuc sweep report RESULTS.sqlite [--csv FILE.csv] [--svg DIR]",
    "Derives one config per point of the space file (base config, parameters with value lists or ranges,\n"
    "constraints, strategy grid | random N | adaptive K; docs/codesign.md), validates it, compiles every\n"
    "model for it and runs each on the backend: estimate (the compiler's cost model, no simulation),\n"
    "systemc or rtl (the model's test_data_set_0 inputs, else zeros). Each point's rows (cycles, time,\n"
    "MAC utilization of the useful MACs, DRAM bytes, per-layer cycles, area, energy, node counts, the\n"
    "config) are written to the SQLite database in one transaction, keyed by config hash, model hash,\n"
    "backend and compiler version: a rerun skips the points already there, so an interrupted sweep\n"
    "resumes. --jobs N runs N worker processes. Ctrl-C stops after the points in progress.\n"
    "Models are calibrated on --calib, else on the test_data_set_* folders beside them.\n"
    "`sweep report` prints the Pareto fronts (latency vs area, latency vs energy), --csv writes every row,\n"
    "--svg DIR writes the Pareto scatters and a heat map of latency over the first two parameters.\n\n"
    "examples:\n"
    "  npuc sweep model.onnx --calib test_data_set_0 --space space.yaml --db r.sqlite --jobs 2\n"
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
     {"--csv", true, "report: write every row as CSV to this file"},
     {"--svg", true, "report: write SVG plots into this folder"}},
    runSweepCmd,
};

} // namespace npuc
