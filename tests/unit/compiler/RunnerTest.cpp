// The conformance runner with a scripted executor: one definition of each outcome, the out-of-scope list,
// the summary line and the exit status, independent of any target and of the external test data.
#include "npu/compiler/check/Runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace npu;
namespace fs = std::filesystem;

namespace {

/// Answers each test folder by name from a script; "throw" throws, as an allocation failure would.
class ScriptedExecutor : public check::Executor {
public:
  std::map<std::string, check::TestResult> Script;
  std::string Skip;
  std::vector<std::string> Ran;
  size_t SummarizedTests = 0;

  std::string skipReason() override { return Skip; }
  check::TestResult run(const check::TestFolder &T, check::TestLog &Log) override {
    Ran.push_back(T.Name);
    Log.note("figures of " + T.Name);
    if (T.Name == "throw")
      throw std::runtime_error("std::bad_alloc");
    return Script.at(T.Name);
  }
  void summarize(std::ostream &OS, size_t NumTests) override {
    SummarizedTests = NumTests;
    OS << "scripted: summary\n";
  }
};

class RunnerTest : public ::testing::Test {
protected:
  void SetUp() override {
    Root = fs::temp_directory_path() / ("npu-runner-" + std::to_string(::getpid()));
    fs::remove_all(Root);
    for (const char *Name : {"a_pass", "b_fail", "c_unsup", "throw"})
      addTest(Name, true);
    addTest("d_nosets", false);
  }
  void TearDown() override { fs::remove_all(Root); }
  void addTest(const std::string &Name, bool WithSet) {
    fs::create_directories(Root / "suite" / Name);
    std::ofstream(Root / "suite" / Name / "model.onnx") << "x";
    if (WithSet)
      fs::create_directories(Root / "suite" / Name / "test_data_set_0");
  }
  check::CheckCounts run(ScriptedExecutor &E, const check::RunOptions &O, std::string &Out) {
    std::ostringstream OS;
    auto C = check::runConformance({(Root / "suite").string()}, E, O, OS);
    Out = OS.str();
    EXPECT_TRUE(C.isOk());
    return C ? *C : check::CheckCounts{};
  }
  fs::path Root;
};

TEST_F(RunnerTest, EveryOutcomeHasOneLineAndOneCount) {
  ScriptedExecutor E;
  E.Script = {{"a_pass", check::TestResult::pass()},
              {"b_fail", check::TestResult::fail("output 0 element 3: got 1 expected 2")},
              {"c_unsup", check::TestResult::fromError("input 'x': unsupported element type INT4")}};
  std::string Out;
  check::CheckCounts C = run(E, {}, Out);
  EXPECT_EQ(C.Passed, 1);
  EXPECT_EQ(C.Failed, 3); // b_fail, d_nosets (no data set), throw
  EXPECT_EQ(C.Unsupported, 1);
  EXPECT_EQ(C.Skipped, 0);
  EXPECT_EQ(Out, "  figures of a_pass\nPASS a_pass\n"
                 "  figures of b_fail\nFAIL b_fail: output 0 element 3: got 1 expected 2\n"
                 "  figures of c_unsup\nUNSUPPORTED c_unsup: input 'x': unsupported element type INT4\n"
                 "FAIL d_nosets: no test_data_set_* folder\n"
                 "  figures of throw\nFAIL throw: internal error: std::bad_alloc\n"
                 "scripted: summary\n"
                 "1 passed, 3 failed, 1 unsupported\n");
  EXPECT_EQ(E.SummarizedTests, 5u);
  EXPECT_EQ(check::exitStatus(C), 1);
}

TEST_F(RunnerTest, QuietPrintsFailuresAndSummaryOnly) {
  ScriptedExecutor E;
  E.Script = {{"a_pass", check::TestResult::pass("3 sets")}};
  check::RunOptions O;
  O.Filter = "a_";
  O.Quiet = true;
  std::string Out;
  check::CheckCounts C = run(E, O, Out);
  EXPECT_EQ(Out, "scripted: summary\n1 passed, 0 failed, 0 unsupported\n");
  EXPECT_EQ(E.Ran, std::vector<std::string>{"a_pass"});
  EXPECT_EQ(check::exitStatus(C), 0);
  O.Quiet = false;
  run(E, O, Out);
  EXPECT_NE(Out.find("PASS a_pass: 3 sets\n"), std::string::npos) << Out;
}

TEST_F(RunnerTest, AnAbsentTargetSkipsEveryTestWithItsReason) {
  ScriptedExecutor E;
  E.Skip = "no CUDA driver found (libcuda.so.1)";
  std::string Out;
  check::CheckCounts C = run(E, {}, Out);
  EXPECT_TRUE(E.Ran.empty());
  EXPECT_EQ(C.Skipped, 5);
  EXPECT_NE(Out.find("SKIP a_pass: no CUDA driver found (libcuda.so.1)\n"), std::string::npos) << Out;
  EXPECT_NE(Out.find("0 passed, 0 failed, 0 unsupported, 5 skipped\n"), std::string::npos) << Out;
  EXPECT_EQ(check::exitStatus(C), 77);
}

TEST_F(RunnerTest, MissingFolderFailsAndNothingRunIsNotSuccess) {
  ScriptedExecutor E;
  std::ostringstream OS;
  auto C = check::runConformance({(Root / "nowhere").string()}, E, {}, OS);
  ASSERT_TRUE(C.isOk());
  EXPECT_NE(OS.str().find("FAIL " + (Root / "nowhere").string() + ": not a folder\n"), std::string::npos);
  EXPECT_EQ(check::exitStatus(*C), 1);
  EXPECT_EQ(check::exitStatus(check::CheckCounts{0, 0, 4, 0}), 1); // only unsupported: nothing was checked
  EXPECT_EQ(check::exitStatus(check::CheckCounts{}), 1);
}

TEST(OutOfScope, OnlyListedFeaturesAreUnsupported) {
  using check::Outcome;
  auto Kind = [](const std::string &E) { return check::TestResult::fromError(E).What; };
  EXPECT_EQ(Kind("m.onnx: input 'x': unsupported element type FLOAT8E4M3FN"), Outcome::Unsupported);
  EXPECT_EQ(Kind("m.onnx: input 'y_zero_point': unsupported element type UINT4"), Outcome::Unsupported);
  EXPECT_EQ(Kind("m.onnx: unsupported: input 'x' is a sequence"), Outcome::Unsupported);
  EXPECT_EQ(Kind("test_data_set_0: element type u16 cannot cross the runtime interface"), Outcome::Unsupported);
  EXPECT_EQ(Kind("npu pipeline: pass quantize: the model is already quantized (int8 operators with its own "
                 "scales); config 'edge16' has int16 activations: compile it with an int8 config"),
            Outcome::Unsupported);
  // Anything else that says "unsupported" is a failure of the tool, not an out-of-scope feature.
  EXPECT_EQ(Kind("m.onnx: node 'n0' (Foo, opset 17): unsupported operator"), Outcome::Fail);
  EXPECT_EQ(Kind("npu pipeline: quantize: unsupported: BatchNormalization in training mode"), Outcome::Fail);
  EXPECT_EQ(Kind("element 4: got 1 expected 2"), Outcome::Fail);
  ASSERT_NE(check::outOfScope("unsupported element type INT2"), nullptr);
  EXPECT_STREQ(check::outOfScope("unsupported element type INT2")->What, "2-bit integers");
}

} // namespace
