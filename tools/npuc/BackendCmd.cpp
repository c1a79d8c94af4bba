// npuc backend: runs the NPU backend passes (BackendPasses.def) on tile IR text, as npuc opt runs graph
// passes on Graph IR text: how the backend passes are golden-tested and how a compile stopped after one goes
// on.
#include "Command.h"

#include "npu/backend/BackendPass.h"
#include "npu/isa/Assembler.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace npuc {

using namespace npu;

namespace {

struct TileSegment {
  std::string Name; ///< from its "# segment NAME" line (empty: the file holds one program without one)
  std::string Text;
};

/// The programs of a file, split at the "# segment NAME" lines npuc compile writes before each.
std::vector<TileSegment> splitSegments(const std::string &Text) {
  std::vector<TileSegment> R;
  std::istringstream In(Text);
  std::string Line;
  while (std::getline(In, Line)) {
    if (Line.rfind("# segment ", 0) == 0) {
      R.push_back({Line.substr(10), ""});
      continue;
    }
    if (R.empty())
      R.push_back({"", ""});
    R.back().Text += Line + "\n";
  }
  return R;
}

int runBackend(const Command &Self, const Args &A) {
  if (A.Positional.size() != 1)
    return usageError(Self, "expected one tile IR file (FILE.tile)");
  backend::BackendPipelineOptions Pipe;
  for (const std::string &P : A.getAll("--print-after")) {
    if (P == "all") {
      Pipe.PrintAfterAll = true;
      continue;
    }
    if (!backend::findBackendPass(P))
      return usageError(Self, "--print-after: unknown backend pass '" + P + "'");
    Pipe.PrintAfter.insert(P);
  }
  Pipe.StopAfter = A.get("--stop-after");
  const std::string Start = A.get("--start-after");
  for (const std::string &P : {Pipe.StopAfter, Start})
    if (!P.empty() && !backend::findBackendPass(P))
      return usageError(Self,
                        "unknown backend pass '" + P + "' (npuc compile --list-backend-passes lists them)");
  const size_t Stage = Start.empty() ? 0 : size_t(backend::backendPassIndex(Start) + 1);
  if (Stage == backend::allBackendPasses().size())
    return usageError(Self, "--start-after=" + Start + ": no backend pass comes after it");
  if (!Pipe.StopAfter.empty() && size_t(backend::backendPassIndex(Pipe.StopAfter)) < Stage)
    return usageError(Self, "--stop-after=" + Pipe.StopAfter + " comes before --start-after=" + Start);
  Pipe.Out = &std::cout;
  auto Config = A.has("--config") ? loadHardwareConfig(A.get("--config")) : bundledDefaultConfig();
  if (!Config)
    return fail(Config.message());
  const std::string &Path = A.Positional[0];
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return fail(Path + ": cannot open");
  std::stringstream SS;
  SS << In.rdbuf();
  std::string Text;
  std::vector<isa::Program> Programs;
  const std::vector<TileSegment> Segs = splitSegments(SS.str());
  for (const TileSegment &Seg : Segs) {
    const std::string What = Path + (Seg.Name.empty() ? "" : " segment " + Seg.Name);
    auto P = backend::parseTileProgram(Seg.Text, *Config);
    if (!P)
      return fail(What + ": " + P.message());
    backend::BackendState S(*Config);
    S.Program = P.takeValue();
    S.Stage = Stage;
    Pipe.Label = Seg.Name;
    if (Status St = backend::runBackendPipeline(S, Pipe); !St)
      return fail(What + ": " + St.message());
    const std::string Head = Seg.Name.empty() ? "" : "segment " + Seg.Name + "\n";
    if (!S.hasRun("emit")) {
      Text += (Head.empty() ? "" : "# " + Head) + backend::printTileProgram(S.Program, *Config, true);
      continue;
    }
    Text += (Head.empty() ? "" : "; " + Head) + isa::disassemble(S.Emitted);
    Programs.push_back(std::move(S.Emitted));
  }
  if (Programs.empty() || !A.has("-o")) {
    if (!A.has("-o")) {
      std::cout << Text;
      return ExitOk;
    }
    std::ofstream Out(A.get("-o"), std::ios::binary | std::ios::trunc);
    Out << Text;
    return Out ? ExitOk : fail(A.get("-o") + ": cannot write");
  }
  if (Programs.size() != 1)
    return usageError(Self, "-o writes one program; " + Path + " holds " + std::to_string(Programs.size()) +
                                " segments (leave out -o for their assembly)");
  if (Status St = isa::writeContainerFile(Programs[0], A.get("-o")); !St)
    return fail(St.message());
  return ExitOk;
}

} // namespace

const Command BackendCommand = {
    "backend",
    "Run the NPU backend passes on tile IR text",
    "npuc backend FILE.tile [--config FILE.yaml] [--start-after=PASS] [--stop-after=PASS]\n"
    "             [--print-after=PASS|all] [-o OUT]",
    "Reads tile IR (npuc compile --emit=tile with constant data, or what npuc compile --stop-after=PASS\n"
    "writes; several programs split at their '# segment NAME' lines), takes it as having been through the\n"
    "backend passes up to --start-after (none: as the lowerings left it), verifies it, and runs the\n"
    "remaining passes with the verifier after each (npuc compile --list-backend-passes). Stopped before\n"
    "emit, it prints the tile IR; after emit, the assembly (or, with -o and one segment, the program\n"
    "container that npuc run takes). This is how the backend passes are tested alone "
    "(tests/golden/backend).\n\n"
    "examples:\n"
    "  npuc compile mnist.onnx --calib DIR --stop-after=insert-tokens -o mnist.tile\n"
    "  npuc backend mnist.tile --start-after=insert-tokens --print-after=plan-dram\n"
    "  npuc backend kernel.tile --config configs/edge.yaml --stop-after=dedup-uops\n",
    {{"--config", true, "the config the tile IR was printed for (default: configs/default.yaml as built in)"},
     {"--start-after", true, "the input has been through the backend passes up to this one"},
     {"--stop-after", true, "stop after this pass and print the tile IR"},
     {"--print-after", true, "print the tile IR after this pass (or 'all'); repeatable", true},
     {"-o", true, "write the output to this file (a program container after emit, one segment)"}},
    runBackend,
};

} // namespace npuc
