// The lowering registry: every entry has its source file and a row in docs/npu-backend.md, the order picks the
// specialized lowerings first, and placement names the lowering it chose.
#include "NpuTestUtil.h"

#include "npu/backend/Lowerings.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace npu::test {
namespace {

std::string readFile(const std::string &Path) {
  std::ifstream In(Path);
  std::stringstream SS;
  SS << In.rdbuf();
  return SS.str();
}

TEST(Lowerings, EveryEntryHasItsFileAndDocRow) {
  const std::string Doc = readFile(std::string(NPU_SOURCE_DIR) + "/docs/npu-backend.md");
  ASSERT_FALSE(Doc.empty());
  for (const backend::Lowering &L : backend::allLowerings()) {
    const std::string File = std::string("Lower") + L.Name + ".cpp";
    EXPECT_TRUE(std::filesystem::exists(std::string(NPU_SOURCE_DIR) + "/compiler/npu/src/" + File)) << File;
    EXPECT_NE(Doc.find("`" + File + "`"), std::string::npos) << File << " is not in docs/npu-backend.md";
    EXPECT_NE(Doc.find(std::string("`") + L.OpType), std::string::npos) << L.OpType << " is not documented";
  }
}

TEST(Lowerings, SpecializedLoweringsComeFirst) {
  ir::Graph G;
  ir::ValueId X = G.addInput("x", ir::TensorType(ir::ElemType::Int8, {1, 1, 4, 4, 1, 16}));
  ir::ValueId W = G.addConstant("w", ir::Tensor(ir::ElemType::Int8, {1, 1, 1, 1, 16, 16}));
  ir::ValueId Y = G.addValue("y", std::nullopt);
  ir::Node &Dw = G.addNode("npu.QConv", {X, W}, {Y}, "dw");
  Dw.setAttr("group", int64_t(16));
  ASSERT_TRUE(backend::findLowering(G, Dw));
  EXPECT_STREQ(backend::findLowering(G, Dw)->Name, "GroupConv");
  Dw.setAttr("group", int64_t(1));
  EXPECT_STREQ(backend::findLowering(G, Dw)->Name, "Conv");
  ir::Node &Add = G.addNode("npu.QAdd", {X, W}, {G.addValue("z", std::nullopt)}, "add");
  EXPECT_STREQ(backend::findLowering(G, Add)->Name, "ConstAdd");
  ir::Node &Soft = G.addNode("Softmax", {X}, {G.addValue("s", std::nullopt)}, "softmax");
  EXPECT_EQ(backend::findLowering(G, Soft), nullptr);
}

TEST(Lowerings, PlacementNamesTheLowering) {
  HardwareConfig C = loadConfig("default");
  std::mt19937 Rng(5);
  ir::Graph G = blockedConvPoolGraph(C, Rng, false);
  int Named = 0;
  for (const backend::NodePlacement &P : backend::placeNodes(G, C))
    if (P.Npu) {
      EXPECT_EQ(P.Reason.rfind("lowered by ", 0), 0u) << P.Reason;
      ++Named;
    }
  EXPECT_GE(Named, 3);
}

} // namespace
} // namespace npu::test
