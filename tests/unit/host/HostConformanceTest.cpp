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
  check::CheckOptions CO;
  CO.Quiet = true;
  host::HostOptions HO = testOptions();
  HO.AllowFallback = false;
  std::ostringstream OS;
  host::HostCheckCounts C = host::runHostCheckCounts({Dir}, CO, HO, OS);
  std::cout << Sub << ": " << C.Passed << " passed, " << C.Failed << " failed, " << C.Unsupported
            << " unsupported; " << C.Kernels << " kernels\n";
  EXPECT_EQ(C.Failed, 0) << OS.str();
  EXPECT_GT(C.Passed, 0);
  EXPECT_EQ(C.FallbackNodes, 0);
}

TEST(HostConformance, OnnxNode) { runSuite("onnx-node"); }
TEST(HostConformance, OnnxPytorch) { runSuite("onnx-pytorch"); }

} // namespace
