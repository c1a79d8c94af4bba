// Print/parse round trip of the Graph IR on every model of the external ONNX test data.
#include "TestUtil.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ir/Verifier.h"

#include <gtest/gtest.h>

using namespace npu;

TEST(IrModels, PrintParsePrintIsIdenticalOnEveryTestModel) {
  std::string Root = test::testData("");
  if (Root.empty() || !std::filesystem::exists(Root + "/onnx-node"))
    GTEST_SKIP() << "external test data not found at " << NPU_TESTDATA_DIR;
  int Checked = 0, Unsupported = 0;
  for (const auto &E : std::filesystem::recursive_directory_iterator(Root)) {
    if (E.path().filename() != "model.onnx")
      continue;
    auto G = frontend::importOnnx(E.path().string());
    if (!G) {
      EXPECT_NE(G.message().find("unsupported"), std::string::npos) << G.message();
      ++Unsupported;
      continue;
    }
    std::string T1 = ir::printGraph(*G);
    auto G2 = ir::parseGraph(T1);
    ASSERT_TRUE(G2.isOk()) << E.path() << ": " << G2.message();
    EXPECT_EQ(ir::printGraph(*G2), T1) << E.path();
    EXPECT_TRUE(ir::verifyGraph(*G2).isOk()) << E.path();
    ++Checked;
  }
  EXPECT_GT(Checked, 300);
  std::cout << Checked << " models round-tripped, " << Unsupported << " unsupported\n";
}
