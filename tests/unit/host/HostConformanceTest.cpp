// The ONNX backend-test suites (onnx-node, onnx-pytorch) through the host path: no failures among the supported
// tests, every node in generated code (no reference-interpreter fallback).
#include "HostTestUtil.h"
#include "npu/host/HostCheck.h"

#include <iostream>
#include <sstream>

using namespace npu;
using namespace npu::test;

namespace {

void runSuite(const std::string &Sub) {
  std::string Dir = testData(Sub);
  if (Dir.empty())
    GTEST_SKIP() << "external test data not found under " << NPU_TESTDATA_DIR;
  check::RunOptions RO;
  RO.Quiet = true;
  host::HostOptions HO = testOptions();
  HO.AllowFallback = false;
  host::HostExecutor E(check::CheckOptions(), HO);
  std::ostringstream OS;
  auto C = check::runConformance({Dir}, E, RO, OS);
  ASSERT_TRUE(C.isOk()) << C.message();
  std::cout << Sub << ": " << OS.str();
  EXPECT_EQ(C->Failed, 0) << OS.str();
  EXPECT_GT(C->Passed, 0);
  EXPECT_EQ(E.counts().FallbackNodes, 0);
}

TEST(HostConformance, OnnxNode) { runSuite("onnx-node"); }
TEST(HostConformance, OnnxPytorch) { runSuite("onnx-pytorch"); }

} // namespace
