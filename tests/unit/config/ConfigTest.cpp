// HardwareConfig: every bundled config loads, derived values, canonical hash, and the documented errors.
#include "npu/config/ConfigFiles.h"
#include "npu/config/HardwareConfig.h"
#include "npu/isa/Generators.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

using namespace npu;

namespace {

std::string configPath(const std::string &Name) { return std::string(NPU_SOURCE_DIR) + "/configs/" + Name; }

/// Parses YAML and returns the error message ("" when it loads).
std::string errorOf(const std::string &Yaml) {
  auto C = parseHardwareConfig(Yaml, "t.yaml");
  return C ? "" : C.message();
}

} // namespace

TEST(Config, EveryBundledConfigLoads) {
  int Count = 0;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/configs")) {
    if (E.path().extension() != ".yaml")
      continue;
    auto C = loadHardwareConfig(E.path().string());
    ASSERT_TRUE(C) << C.message();
    EXPECT_EQ(C->Hash.size(), 64u);
    EXPECT_GT(C->D.InstructionBits, 0u);
    ++Count;
  }
  EXPECT_GE(Count, 3);
}

TEST(Config, DefaultDerivedValues) {
  auto C = loadHardwareConfig(configPath("default.yaml"));
  ASSERT_TRUE(C) << C.message();
  // VTA's default point: 16 B input rows, 256 B weight tiles, 64 B int32 accumulator rows.
  EXPECT_EQ(C->D.InputRowBytes, 16u);
  EXPECT_EQ(C->D.WeightRowBytes, 256u);
  EXPECT_EQ(C->D.AccRowBytes, 64u);
  EXPECT_EQ(C->D.OutputRowBytes, 16u);
  EXPECT_EQ(C->D.InputDepth, 32768u / 16);
  EXPECT_EQ(C->D.WeightDepth, 262144u / 256);
  EXPECT_EQ(C->D.AccDepth, 131072u / 64);
  EXPECT_EQ(C->D.OutputDepth, 32768u / 16);
  EXPECT_EQ(C->D.UopDepth, 32768u / 4);
  EXPECT_EQ(C->D.PeakMacsPerCycle, 256u);
  EXPECT_EQ(C->D.InputIndexBits, 11u);
  EXPECT_EQ(C->D.WeightIndexBits, 10u);
  EXPECT_EQ(C->D.UopIndexBits, 13u);
  EXPECT_EQ(C->D.InstructionBits % 64, 0u);
}

TEST(Config, NonPowerOfTwoSizesAndNarrowTypes) {
  auto C = parseHardwareConfig(R"(
core: {batch: 1, block_in: 16, block_out: 8}
dtypes: {input: int4, weight: int4, accumulator: int32, output: int4}
buffers: {input: 24KiB, weight: 3008, accumulator: 6KiB, output: 768, uop: 12KiB}
)",
                               "narrow.yaml");
  ASSERT_TRUE(C) << C.message();
  EXPECT_EQ(C->D.InputRowBytes, 8u);    // 16 int4
  EXPECT_EQ(C->D.WeightRowBytes, 64u);  // 8 x 16 int4
  EXPECT_EQ(C->D.OutputRowBytes, 4u);   // 8 int4
  EXPECT_EQ(C->D.InputDepth, 3072u);
  EXPECT_EQ(C->D.AccDepth, 192u);
  EXPECT_EQ(C->D.AccIndexBits, 8u);
  auto C16 = parseHardwareConfig("dtypes: {input: int16, weight: int16, accumulator: int32, output: int16}", "i16");
  ASSERT_TRUE(C16) << C16.message();
  EXPECT_EQ(C16->D.InputRowBytes, 32u);
}

TEST(Config, CanonicalFormRoundTripsAndHashIgnoresLayout) {
  auto C = loadHardwareConfig(configPath("default.yaml"));
  ASSERT_TRUE(C);
  auto Back = parseHardwareConfig(C->canonicalYaml(), "canonical");
  ASSERT_TRUE(Back) << Back.message();
  EXPECT_EQ(Back->Hash, C->Hash);
  EXPECT_EQ(Back->canonicalYaml(), C->canonicalYaml());
  // Key order, comments and spelling of sizes do not matter; values do.
  auto A = parseHardwareConfig("buffers: {input: 32KiB}\ncore: {batch: 1}\n", "a");
  auto B = parseHardwareConfig("# comment\ncore:\n  batch: 1\nbuffers:\n  input: 32768\n", "b");
  ASSERT_TRUE(A && B);
  EXPECT_EQ(A->Hash, B->Hash);
  auto D = parseHardwareConfig("buffers: {input: 64KiB}\n", "d");
  ASSERT_TRUE(D);
  EXPECT_NE(A->Hash, D->Hash);
}

// A text value is one line: a newline or NUL inside a quoted name would not come back unchanged from the
// canonical form, so the hash would change on a round trip (found by fuzz-config).
TEST(Config, TextValuesRefuseControlCharacters) {
  EXPECT_NE(errorOf("name: \"two\\nlines\"\n").find("name: text must be one line without control characters"),
            std::string::npos)
      << errorOf("name: \"two\\nlines\"\n");
  EXPECT_NE(errorOf(std::string("name: \"a\\0b\"\n")).find("found byte 0"), std::string::npos);
  auto C = parseHardwareConfig("name: \"quote \\\" and backslash \\\\ stay\"\n", "q");
  ASSERT_TRUE(C) << C.message();
  auto Back = parseHardwareConfig(C->canonicalYaml(), "canonical");
  ASSERT_TRUE(Back) << Back.message();
  EXPECT_EQ(Back->Name, C->Name);
  EXPECT_EQ(Back->Hash, C->Hash);
}

// One default (issue 15): the built-in design point is configs/default.yaml itself, read here from the file.
TEST(Config, BuiltInDefaultIsTheDefaultFile) {
  auto File = loadHardwareConfig(configPath("default.yaml"));
  ASSERT_TRUE(File) << File.message();
  const HardwareConfig Built = defaultHardwareConfig();
  EXPECT_EQ(Built.canonicalYaml(), File->canonicalYaml());
  EXPECT_EQ(Built.Hash, File->Hash);
  EXPECT_EQ(Built.Name, "default");
  EXPECT_EQ(Built.AluConcurrent, 1u); // configs/default.yaml: alu.concurrent: 1
  // A key a file leaves out still gets the schema's default, which is not the default design point's value.
  EXPECT_EQ(keyDefaultsConfig().AluConcurrent, 0u);
}

// --config NAME: a value without '/', not ending in .yaml and not an existing file names a shipped config; this
// test binary runs from the build tree, so the shipped configs are the source tree's.
TEST(ConfigFiles, NamesResolveToShippedConfigsAndPathsStayPaths) {
  auto Edge = resolveConfigPath("edge");
  ASSERT_TRUE(Edge) << Edge.message();
  EXPECT_EQ(*Edge, configPath("edge.yaml"));
  auto Loaded = loadHardwareConfig("large");
  ASSERT_TRUE(Loaded) << Loaded.message();
  EXPECT_EQ(Loaded->Name, "large");
  EXPECT_EQ(*resolveConfigPath("sub/edge"), "sub/edge");
  EXPECT_EQ(*resolveConfigPath("edge.yaml"), "edge.yaml");

  // An existing file of that name is a path; a folder of that name is not.
  const std::filesystem::path Dir = std::filesystem::path(::testing::TempDir()) / "npu-config-names";
  std::filesystem::create_directories(Dir / "default");
  std::ofstream(Dir / "edge") << "name: mine\n";
  const std::filesystem::path Old = std::filesystem::current_path();
  std::filesystem::current_path(Dir);
  EXPECT_EQ(*resolveConfigPath("edge"), "edge");
  EXPECT_EQ(*resolveConfigPath("default"), configPath("default.yaml"));
  std::filesystem::current_path(Old);
  std::filesystem::remove_all(Dir);

  // An unknown name lists the shipped names: the .yaml files of configs/, sorted.
  std::vector<std::string> Names;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/configs"))
    if (E.path().extension() == ".yaml")
      Names.push_back(E.path().stem().string());
  std::sort(Names.begin(), Names.end());
  std::string List;
  for (const std::string &N : Names)
    List += (List.empty() ? "" : ", ") + N;
  auto Unknown = resolveConfigPath("nosuch");
  ASSERT_FALSE(Unknown);
  EXPECT_NE(Unknown.message().find("shipped configs: " + List + " in " + std::string(NPU_SOURCE_DIR) + "/configs"),
            std::string::npos)
      << Unknown.message();
}

TEST(Config, EveryConfigDiffersInHash) {
  auto A = loadHardwareConfig(configPath("default.yaml"));
  auto B = loadHardwareConfig(configPath("edge.yaml"));
  auto L = loadHardwareConfig(configPath("large.yaml"));
  ASSERT_TRUE(A && B && L);
  EXPECT_NE(A->Hash, B->Hash);
  EXPECT_NE(A->Hash, L->Hash);
  EXPECT_NE(B->Hash, L->Hash);
}

TEST(ConfigErrors, UnknownKeysNameFileLineAndKey) {
  EXPECT_EQ(errorOf("core:\n  batch: 1\n  blok_in: 16\n"), "t.yaml:3:3: unknown key 'core.blok_in'");
  EXPECT_EQ(errorOf("name: x\nfrobnicate: 3\n"), "t.yaml:2:1: unknown key 'frobnicate'");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(errorOf("core:\n  batch: many\n"),
            "t.yaml:2:10: core.batch: expected a non-negative integer, got 'many'");
  EXPECT_EQ(errorOf("dtypes:\n  input: float32\n"),
            "t.yaml:2:10: dtypes.input: unknown element type 'float32' (expected int4, int8, int16 or int32)");
  EXPECT_NE(errorOf("core: [1, 2]\n").find("t.yaml:1:7: core: expected a mapping"), std::string::npos);
  EXPECT_NE(errorOf("core:\n  batch: [1]\n").find("t.yaml:2:10: core.batch: expected a single value"),
            std::string::npos);
  EXPECT_NE(errorOf("clock:\n  mhz: fast\n").find("expected a number"), std::string::npos);
}

TEST(ConfigErrors, ImpossibleValues) {
  EXPECT_EQ(errorOf("core:\n  block_in: 0\n"),
            "t.yaml:2:13: core.block_in: value 0 is outside the allowed range 1..256");
  EXPECT_EQ(errorOf("core:\n  batch: -2\n"), "t.yaml:2:10: core.batch: expected a non-negative integer, got '-2'");
  EXPECT_NE(errorOf("buffers:\n  input: 0\n").find("t.yaml:2:10: buffers.input: a buffer size must be positive"),
            std::string::npos);
  EXPECT_EQ(errorOf("buffers:\n  weight: 100\n"),
            "t.yaml:2:11: buffers.weight: 100 bytes is smaller than one tile row of 256 bytes");
  EXPECT_EQ(errorOf("buffers:\n  input: 1000\n"),
            "t.yaml:2:10: buffers.input: 1000 bytes is not a whole number of 16-byte rows");
  // A STORE's first burst (up to Cb pairs read one per cycle from its start) must be ready when the port may
  // first grant it: pipeline.store 2 + latency 0 < 16 cycles of a 64-byte burst at 4 B/cycle.
  EXPECT_EQ(errorOf("dram:\n  latency: 0\n  bandwidth: 4\n"),
            "t.yaml:2:12: dram.latency: pipeline.store (2) + dram.latency (0) must be at least the 16 cycles of a "
            "burst (dram.burst / dram.bandwidth, rounded up): a STORE assembles its first burst, one (row, block) "
            "pair per cycle, before the port may grant it");
  EXPECT_EQ(errorOf("dram:\n  latency: 14\n  bandwidth: 4\n"), "");
  EXPECT_NE(errorOf("dtypes:\n  accumulator: int8\n").find("t.yaml:2:16: dtypes.accumulator: the accumulator must be"),
            std::string::npos);
  EXPECT_NE(errorOf("core: {block_in: 1}\ndtypes: {input: int4}\n").find("not a whole number of bytes"),
            std::string::npos);
  EXPECT_NE(errorOf("buffers:\n  output: 64KiB\n").find("buffers.output: holds 4096 rows"), std::string::npos);
  EXPECT_NE(errorOf("core:\n  batch: 1\n  batch: 2\n").find("batch"), std::string::npos);
}

TEST(ConfigErrors, FieldsTooWideToEncode) {
  EXPECT_EQ(errorOf("isa:\n  loop_bits: 40\n"),
            "t.yaml:2:14: isa.loop_bits: value 40 is outside the allowed range 1..32");
  // One-byte rows and 4 GiB buffers need indices too wide for a 64-bit micro-op.
  std::string Huge = "core: {block_in: 1, block_out: 1}\n"
                     "buffers: {input: 4GiB, weight: 4GiB, accumulator: 4GiB, output: 4}\n";
  EXPECT_NE(errorOf(Huge).find("micro-op fields need"), std::string::npos) << errorOf(Huge);
}

TEST(ConfigErrors, FilesAndSyntax) {
  auto Missing = loadHardwareConfig("/nonexistent/x.yaml");
  ASSERT_FALSE(Missing);
  EXPECT_EQ(Missing.message(), "/nonexistent/x.yaml: cannot open the config file");
  EXPECT_NE(errorOf("core: {batch: 1\n").find("t.yaml:"), std::string::npos);
  EXPECT_NE(errorOf("- 1\n- 2\n").find("must be a YAML mapping"), std::string::npos);
}

TEST(ConfigDocs, SchemaDocIsUpToDate) {
  std::ifstream In(std::string(NPU_SOURCE_DIR) + "/docs/config-schema.md");
  ASSERT_TRUE(In) << "docs/config-schema.md is missing";
  std::stringstream SS;
  SS << In.rdbuf();
  EXPECT_EQ(SS.str(), npu::isa::generateConfigSchemaDoc())
      << "docs/config-schema.md is stale: regenerate it with `build/bin/npu-isagen schema -o docs/config-schema.md`";
}

TEST(ConfigErrors, OddYamlShapesAreErrorsNotCrashes) {
  for (const char *Yaml : {"[1, 2]: 3\n", "core:\n  [a]: 1\n", "core: !!binary aGVsbG8=\n", "? |\n  x\n: 1\n",
                           "core:\n  batch: *undefined\n", "\t\x01\x02", "core: {batch: 1, batch: 2}\n",
                           "name: [1]\n", "core:\n  batch: ~\n", "name: &a x\ncore: *a\n"})
    EXPECT_NE(errorOf(Yaml), "") << Yaml;
}
