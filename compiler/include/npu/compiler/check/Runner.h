// The one ONNX backend-test conformance runner (`npuc check`): test folders, outcomes, summary, exit status;
// how a model runs on a target (ref, host, gpu, npu) is an Executor the caller supplies.
#pragma once

#include "npu/compiler/ir/Tensor.h"
#include "npu/support/MemoryLimit.h"
#include "npu/support/Status.h"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace npu::check {

/// What one test folder came to. One definition for every target:
enum class Outcome {
  Pass,        ///< every data set ran on the target and matched by the target's comparison
  Fail,        ///< a mismatch, or an import/compile/run error that outOfScope() does not name
  Unsupported, ///< an error naming a feature of the documented out-of-scope list (outOfScopeList())
  Skip,        ///< the target cannot run on this machine (e.g. no GPU); says nothing about the model
};

/// "PASS", "FAIL", "UNSUPPORTED", "SKIP": the word that starts a test's line.
const char *outcomeWord(Outcome O);

struct TestResult {
  Outcome What = Outcome::Pass;
  std::string Why; ///< the reason (FAIL, UNSUPPORTED, SKIP), or what passed (PASS; may be empty)

  static TestResult pass(std::string Detail = "") { return {Outcome::Pass, std::move(Detail)}; }
  static TestResult fail(std::string Why) { return {Outcome::Fail, std::move(Why)}; }
  /// An error from importing, compiling or running a model: UNSUPPORTED when outOfScope() names it, else FAIL.
  static TestResult fromError(std::string Why);
};

/// One entry of the out-of-scope list: an error containing Pattern is UNSUPPORTED because of What.
struct OutOfScopeFeature {
  const char *Pattern;
  const char *What;
};

/// The documented out-of-scope features (docs/cli.md): element types, non-tensor values, and on the npu target
/// the element types its runtime interface does not carry. Nothing else makes a test UNSUPPORTED.
const std::vector<OutOfScopeFeature> &outOfScopeList();

/// The list entry an error message names, if any.
const OutOfScopeFeature *outOfScope(const std::string &Error);

/// An ONNX backend-test folder: model.onnx and its test_data_set_N folders (sorted).
struct TestFolder {
  std::filesystem::path Dir;
  std::string Name; ///< the folder's name, as printed
  std::vector<std::filesystem::path> Sets;
  std::filesystem::path model() const { return Dir / "model.onnx"; }
};

/// The tensors Prefix_0.pb, Prefix_1.pb, ... of a data set, up to the first missing index.
Expected<std::vector<ir::Tensor>> readDataSet(const std::filesystem::path &Set, const std::string &Prefix,
                                              const MemoryLimit &Limit);

/// The lines a test prints besides its verdict (per set figures, compile notes); --quiet drops them.
class TestLog {
public:
  TestLog(std::ostream &OS, bool Quiet) : OS(OS), Quiet(Quiet) {}
  /// Prints Line indented by two spaces, unless quiet.
  void note(const std::string &Line);
  /// Prints Line as it is, unless quiet.
  void line(const std::string &Line);

private:
  std::ostream &OS;
  bool Quiet;
};

/// How models run on one target and how their outputs are judged.
class Executor {
public:
  virtual ~Executor();
  /// Why this target cannot run on this machine (every test is then SKIP with it); "" when it can.
  virtual std::string skipReason() { return ""; }
  /// Called with the tests that will run, before the first; an error stops the check (a usage error).
  virtual Status begin(const std::vector<TestFolder> &Tests) { return Status::ok(); }
  /// Runs every data set of T (it has at least one) and judges it.
  virtual TestResult run(const TestFolder &T, TestLog &Log) = 0;
  /// Target-specific summary lines, printed before the counts line.
  virtual void summarize(std::ostream &OS, size_t NumTests) {}
};

struct RunOptions {
  std::string Filter; ///< only tests whose folder name contains it (empty: all)
  bool Quiet = false; ///< print only FAIL lines and the summary
};

struct CheckCounts {
  int Passed = 0, Failed = 0, Unsupported = 0, Skipped = 0;
};

/// Finds the test folders (a folder with model.onnx, or every one below each of Dirs; a missing folder is a
/// FAIL), runs each on E and prints one line per test ("PASS name[: detail]", "FAIL name: why",
/// "UNSUPPORTED name: why", "SKIP name: why"), E's summary lines and last "N passed, N failed, N unsupported"
/// (", N skipped" when some were). A thrown exception (e.g. out of memory) is that test's FAIL.
/// Returns the counts, or E.begin()'s error.
Expected<CheckCounts> runConformance(const std::vector<std::string> &Dirs, Executor &E, const RunOptions &Opts,
                                     std::ostream &OS);

/// The exit status for counts: 0 when nothing failed and something passed; 77 when nothing failed and every
/// test was skipped (the target is absent here); else 1.
int exitStatus(const CheckCounts &C);

} // namespace npu::check
