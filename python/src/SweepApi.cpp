// npu.sweep: a co-design sweep (codesign::runSweep, as `npuc sweep` runs it) of a space file over models into
// a SQLite results database, which Python reads with its sqlite3 module (docs/codesign.md has the columns).
#include "Bindings.h"
#include "Convert.h"

#include "npu/codesign/Sweep.h"

#include <pybind11/stl.h>

#include <sstream>

namespace npupy {

using namespace npu;

namespace {

py::dict sweep(const py::object &Models, const py::object &SpacePath, const py::object &Db, unsigned Jobs,
               const std::string &Backend, const py::object &CalibDir, const py::object &InputShapes,
               const py::object &Tech, const std::string &Area) {
  if (Backend != "estimate" && Backend != "systemc" && Backend != "rtl")
    throw py::value_error("backend must be estimate, systemc or rtl, got '" + Backend + "'");
  if (Area != "tech" && Area != "yosys")
    throw py::value_error("area must be tech or yosys, got '" + Area + "'");
  if (Jobs == 0 || Jobs > 256)
    throw py::value_error("jobs must be from 1 to 256");
  codesign::Space S = unwrap(codesign::loadSpace(py::str(SpacePath).cast<std::string>()));
  codesign::SweepOptions O;
  O.DbPath = py::str(Db).cast<std::string>();
  O.Jobs = Jobs;
  O.Eval.Backend = Backend;
  O.Eval.YosysArea = Area == "yosys";
  O.Eval.Tech =
      Tech.is_none() ? codesign::defaultTech() : unwrap(codesign::loadTech(py::str(Tech).cast<std::string>()));
  O.Eval.CompilerVersion = codesign::compilerVersion();
  std::vector<std::string> Paths = pathList(Models);
  Paths.insert(Paths.end(), S.Models.begin(), S.Models.end());
  if (Paths.empty())
    throw py::value_error("no model: give models or list them under models: in the space file");
  for (const std::string &Path : Paths)
    O.Models.push_back(unwrap(codesign::makeModelSpec(Path, pathList(CalibDir), pathList(InputShapes))));
  std::ostringstream Log;
  O.Out = &Log;
  Expected<codesign::SweepSummary> Sum = makeError("not run");
  {
    py::gil_scoped_release Unlocked; // the workers are forked processes that run only C++
    Sum = codesign::runSweep(S, O);
  }
  if (!Sum)
    throw NpuError(Sum.message());
  return py::dict(py::arg("points") = Sum->Points, py::arg("excluded") = Sum->Excluded,
                  py::arg("skipped") = Sum->Skipped, py::arg("evaluated") = Sum->Evaluated,
                  py::arg("interrupted") = Sum->Interrupted, py::arg("log") = Log.str());
}

} // namespace

void bindSweep(py::module_ &M) {
  M.def("sweep", &sweep, py::arg("models"), py::arg("space"), py::arg("db"), py::kw_only(), py::arg("jobs") = 1,
        py::arg("backend") = "estimate", py::arg("calib_dir") = py::none(), py::arg("input_shapes") = py::none(),
        py::arg("tech") = py::none(), py::arg("area") = "tech",
        "Runs `npuc sweep MODELS --space SPACE --db DB`: every point of the space file compiled and run (estimate,\n"
        "systemc or rtl) for every model, one row each in the SQLite database DB (points already there are\n"
        "skipped). input_shapes: 'NAME=1x3x224x224' strings. Returns the summary: points, excluded, skipped,\n"
        "evaluated, interrupted and the progress log. Read the rows with sqlite3 (table results).");
}

} // namespace npupy
