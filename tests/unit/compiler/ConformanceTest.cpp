// ONNX conformance suites through the runner with the ref target (label "conformance"): 0 failures expected;
// the runner's outcomes, out-of-scope list and exit status.
#include "npu/compiler/check/Conformance.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

using namespace npu;

namespace {

check::CheckCounts runSuite(const std::string &Sub) {
  check::RunOptions O;
  O.Quiet = true;
  std::ostringstream OS;
  check::RefExecutor E;
  auto C = check::runConformance({test::testData(Sub)}, E, O, OS);
  std::cout << Sub << ": " << OS.str();
  return *C;
}

/// The runner over Dirs with the ref target: its exit status, the output in Out.
int runRef(const std::vector<std::string> &Dirs, const check::RunOptions &O, std::ostringstream &Out) {
  check::RefExecutor E;
  auto C = check::runConformance(Dirs, E, O, Out);
  return C ? check::exitStatus(*C) : -1;
}

} // namespace

TEST(Conformance, OnnxNodeTests) {
  if (test::testData("onnx-node").empty())
    GTEST_SKIP() << "onnx-node not found under " << NPU_TESTDATA_DIR;
  check::CheckCounts C = runSuite("onnx-node");
  EXPECT_EQ(C.Failed, 0);
  EXPECT_GE(C.Passed, 248);
  EXPECT_LE(C.Unsupported, 18); // FP8/FP4/INT4/INT2, sequence and optional tests
}

TEST(Conformance, OnnxPytorchTests) {
  if (test::testData("onnx-pytorch").empty())
    GTEST_SKIP() << "onnx-pytorch not found under " << NPU_TESTDATA_DIR;
  check::CheckCounts C = runSuite("onnx-pytorch");
  EXPECT_EQ(C.Failed, 0);
  EXPECT_EQ(C.Passed, 80);
}

TEST(Conformance, Mnist8) {
  if (test::testData("models/mnist-8").empty())
    GTEST_SKIP() << "models/mnist-8 not found under " << NPU_TESTDATA_DIR;
  check::CheckCounts C = runSuite("models/mnist-8");
  EXPECT_EQ(C.Passed, 1);
}

TEST(Conformance, ReportsMissingFoldersAndPrintsOneLinePerTest) {
  check::RunOptions O;
  std::ostringstream OS;
  EXPECT_EQ(runRef({"/nonexistent/dir"}, O, OS), 1);
  EXPECT_NE(OS.str().find("FAIL /nonexistent/dir"), std::string::npos);
  EXPECT_NE(OS.str().find("0 passed, 1 failed, 0 unsupported"), std::string::npos) << OS.str();
  if (test::testData("onnx-node").empty())
    return;
  std::ostringstream Lines;
  O.Filter = "test_add";
  EXPECT_EQ(runRef({test::testData("onnx-node")}, O, Lines), 0);
  EXPECT_NE(Lines.str().find("PASS test_add_bcast\n"), std::string::npos) << Lines.str();
  std::ostringstream Unsup;
  O.Filter = "test_quantizelinear_int4";
  EXPECT_EQ(runRef({test::testData("onnx-node")}, O, Unsup), 1); // nothing passed
  EXPECT_NE(Unsup.str().find("UNSUPPORTED test_quantizelinear_int4: "), std::string::npos) << Unsup.str();
  EXPECT_NE(Unsup.str().find("0 passed, 0 failed, 1 unsupported\n"), std::string::npos) << Unsup.str();
}

TEST(Conformance, ComparisonTolerances) {
  check::CheckOptions O;
  ir::Tensor A = test::floats({3}, {1.0f, 100.0f, 0.0f});
  ir::Tensor B = test::floats({3}, {1.0005f, 100.05f, 0.0f});
  EXPECT_EQ(check::compareTensors(A, B, O), "");
  ir::Tensor C = test::floats({3}, {1.0f, 100.2f, 0.0f});
  EXPECT_NE(check::compareTensors(C, B, O).find("element 1"), std::string::npos);
  ir::Tensor I1 = ir::Tensor::fromValues<int>(ir::ElemType::Int8, {2}, {1, 2});
  ir::Tensor I2 = ir::Tensor::fromValues<int>(ir::ElemType::Int8, {2}, {1, 3});
  EXPECT_NE(check::compareTensors(I1, I2, O), "");
  EXPECT_NE(check::compareTensors(A, I1, O).find("expected"), std::string::npos);
}
