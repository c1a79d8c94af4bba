// The assembly docs stay in step with the spec: the generated field table is current, mnemonics documented.
#include "AsmTestUtil.h"

#include "npu/isa/Generators.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace npu;
using namespace npu::isa;
using namespace npu::isa::test;

namespace {

std::string readDoc(const std::string &Name) {
  std::ifstream In(std::string(NPU_SOURCE_DIR) + "/docs/" + Name);
  EXPECT_TRUE(In) << "docs/" << Name << " is missing";
  std::stringstream SS;
  SS << In.rdbuf();
  return SS.str();
}

TEST(AsmDocs, FieldTableIsUpToDate) {
  HardwareConfig C = loadConfig("default");
  C.SourcePath = "configs/default.yaml"; // the generated header names the config as the command line did
  EXPECT_EQ(readDoc("isa-fields.md"), generateIsaDoc(C))
      << "docs/isa-fields.md is stale: regenerate it with "
         "`build/bin/npu-isagen doc configs/default.yaml -o docs/isa-fields.md`";
}

TEST(AsmDocs, EveryMnemonicAndFieldIsDocumented) {
  std::string Doc = readDoc("assembly.md");
  HardwareConfig C = loadConfig("default");
  IsaLayout L(C);
  for (Opcode Op : allOpcodes())
    EXPECT_NE(Doc.find(std::string("`") + opcodeName(Op)), std::string::npos) << opcodeName(Op);
  for (MemType M : allMemTypes())
    EXPECT_NE(Doc.find(std::string(".") + memTypeName(M) + "`"), std::string::npos) << memTypeName(M);
  for (AluOp A : allAluOps())
    EXPECT_NE(Doc.find(std::string("`alu.") + aluOpName(A) + "`"), std::string::npos) << aluOpName(A);
  for (const FieldLayout &F : L.allFields()) {
    if (F.Kind != FieldKind::Suffix && std::string(F.Name) != "opcode") {
      EXPECT_NE(Doc.find(F.Name), std::string::npos) << F.Name;
    }
  }
  for (const char *D : {".config_hash", ".dram", ".equ", ".segment", ".i4", ".i8", ".i16", ".i32", ".hex",
                        ".zero", ".random", ".uops", ".input", ".output", ".meta", ".node"})
    EXPECT_NE(Doc.find(std::string("`") + D), std::string::npos) << D;
}

} // namespace
