// npu::hw::estimateArea: Yosys synthesizes the PE and the ALU lane of the edge config; figures are plausible
// gate-level numbers, scale with the PE's width, and come back from the cache unchanged.
#include "npu/hw/Area.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace {

npu::HardwareConfig config(const std::string &Name) {
  auto C = npu::loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
  EXPECT_TRUE(bool(C)) << C.message();
  return *C;
}

TEST(HwArea, SynthesizesThePeAndTheAluLaneAndCachesThem) {
  const std::string Cache = std::string(NPU_BINARY_DIR) + "/test-area-cache";
  std::filesystem::remove_all(Cache);
  npu::hw::AreaOptions O;
  O.CacheDir = Cache;
  const npu::HardwareConfig Edge = config("edge");
  auto R = npu::hw::estimateArea(Edge, O);
  ASSERT_TRUE(bool(R)) << R.message();
  EXPECT_FALSE(R->FromCache);
  EXPECT_EQ(R->PeCount, Edge.Batch * Edge.BlockOut);
  EXPECT_EQ(R->LaneCount, Edge.AluLanes);
  // A block_in-deep int8 dot product needs at least block_in 8x8 multipliers (each well over 64 gates);
  // static CMOS gates take 2 to 12 transistors each.
  EXPECT_GT(R->Pe.Cells, Edge.BlockIn * 64);
  for (const npu::hw::CellArea &A : {R->Pe, R->AluLane}) {
    EXPECT_GE(A.Transistors, 2 * A.Cells) << A.Module;
    EXPECT_LE(A.Transistors, 12 * A.Cells) << A.Module;
  }
  EXPECT_EQ(R->sramBits(), 8 * (Edge.D.UopDepth * Edge.D.UopRowBytes + Edge.D.InputDepth * Edge.D.InputRowBytes +
                                Edge.D.WeightDepth * Edge.D.WeightRowBytes + Edge.D.AccDepth * Edge.D.AccRowBytes +
                                Edge.D.OutputDepth * Edge.D.OutputRowBytes + Edge.D.LutDepth * Edge.D.LutRowBytes));
  EXPECT_EQ(R->SramBits.back(), (std::pair<std::string, uint64_t>{"lut", 256 * 8})); // one shared table

  auto Again = npu::hw::estimateArea(Edge, O);
  ASSERT_TRUE(bool(Again)) << Again.message();
  EXPECT_TRUE(Again->FromCache);
  EXPECT_EQ(Again->Pe.Cells, R->Pe.Cells);
  EXPECT_EQ(Again->AluLane.Transistors, R->AluLane.Transistors);
  std::filesystem::remove_all(Cache);
}

TEST(HwArea, MissingYosysIsAClearError) {
  npu::hw::AreaOptions O;
  O.CacheDir = std::string(NPU_BINARY_DIR) + "/test-area-cache-missing";
  O.UseCache = false;
  O.Yosys = "/nonexistent/yosys";
  auto R = npu::hw::estimateArea(config("edge"), O);
  ASSERT_FALSE(bool(R));
  EXPECT_NE(R.message().find("yosys failed"), std::string::npos) << R.message();
  std::filesystem::remove_all(O.CacheDir);
}

} // namespace
