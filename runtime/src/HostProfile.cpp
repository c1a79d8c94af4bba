// The per-node profile of a host-path run: step times from the host executor, FLOPs from ir::nodeFlops.
#include "npu/runtime/HostProfile.h"

#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ops/Flops.h"
#include "npu/support/Json.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace npu::runtime {

namespace {

std::string joined(const std::vector<std::string> &Parts, const char *Sep) {
  std::string Out;
  for (const std::string &P : Parts)
    Out += (Out.empty() ? "" : Sep) + P;
  return Out;
}

/// The rows of one host segment: one per group of nodes the executor computes together (a fused kernel and
/// the steps that prepare its input, e.g. padding or im2col), then one per node no step computes. A node's
/// FLOPs count in the first group that has it.
Status addSegmentRows(const backend::ArtifactSegment &Seg, const SegmentRun &Run, HostProfile &P) {
  auto G = ir::parseGraph(Seg.HostGraph);
  if (!G)
    return G.error().withContext("segment '" + Seg.Name + "'");
  std::map<std::string, const ir::Node *> ByName;
  for (const ir::Node &N : G->nodes())
    ByName.emplace(N.Name.empty() ? N.OpType : N.Name, &N);
  std::set<std::string> Covered;
  std::map<std::vector<std::string>, size_t> GroupRow;
  for (const HostStepTime &S : Run.Profile) {
    auto [It, Added] = GroupRow.emplace(S.Nodes, P.Rows.size());
    if (Added) {
      HostProfileRow R{Seg.Name, S.Nodes, "", "", 0, 0};
      std::vector<std::string> Ops;
      for (const std::string &Name : S.Nodes)
        if (auto N = ByName.find(Name); N != ByName.end()) {
          Ops.push_back(N->second->OpType);
          if (Covered.insert(Name).second)
            R.Flops += ir::nodeFlops(*G, *N->second);
        }
      R.Ops = joined(Ops, "+");
      P.Rows.push_back(std::move(R));
    }
    HostProfileRow &R = P.Rows[It->second];
    R.Kernel += (R.Kernel.empty() ? "" : " ") + S.Kernel;
    R.Ms += S.Runs ? S.Ms / double(S.Runs) : 0;
    P.Runs = std::max(P.Runs, S.Runs);
  }
  for (const ir::Node &N : G->nodes()) {
    const std::string Name = N.Name.empty() ? N.OpType : N.Name;
    if (!Covered.count(Name))
      P.Rows.push_back(HostProfileRow{Seg.Name, {Name}, N.OpType, "", 0, ir::nodeFlops(*G, N)});
  }
  return Status::ok();
}

} // namespace

Expected<HostProfile> hostProfile(const backend::ModelArtifact &A, const ModelOutcome &O) {
  HostProfile P;
  for (const SegmentRun &Run : O.Segments) {
    if (Run.Npu)
      continue;
    const backend::ArtifactSegment *Seg = findSegment(A, Run.Name, backend::ArtifactSegment::Host);
    if (!Seg)
      return makeError("segment '", Run.Name, "' is not a host segment of the artifact");
    if (Run.Profile.empty() && !Seg->Nodes.empty())
      return makeError("segment '", Run.Name, "' was not profiled (", Run.Executor,
                       " does not time its steps; the LLVM JIT does)");
    NPU_TRY(addSegmentRows(*Seg, Run, P));
  }
  // Slowest first; nodes without code keep graph order at the end.
  std::stable_sort(P.Rows.begin(), P.Rows.end(), [](const HostProfileRow &X, const HostProfileRow &Y) {
    return !X.Kernel.empty() && (Y.Kernel.empty() || X.Ms > Y.Ms);
  });
  for (const HostProfileRow &R : P.Rows)
    P.TotalMs += R.Ms;
  return P;
}

std::string HostProfile::table() const {
  std::string Out =
      "host profile: mean of " + std::to_string(Runs) + " run" + (Runs == 1 ? "" : "s") + ", slowest first\n";
  char Line[160];
  std::snprintf(Line, sizeof(Line), "  %10s %7s %9s %12s  %-8s %s\n", "ms", "share", "GFLOP/s", "FLOPs", "segment",
                "node(s) [op(s)] kernel");
  Out += Line;
  for (const HostProfileRow &R : Rows) {
    const std::string What = joined(R.Nodes, "+") + " [" + R.Ops + "] " +
                             (R.Kernel.empty() ? "(no code: computed at compile time or an alias)" : R.Kernel);
    std::snprintf(Line, sizeof(Line), "  %10.4f %6.1f%% %9.2f %12.0f  %-8s ", R.Ms,
                  TotalMs > 0 ? 100 * R.Ms / TotalMs : 0.0, R.gflops(), R.Flops, R.Segment.c_str());
    Out += Line + What + "\n";
  }
  double Flops = 0;
  for (const HostProfileRow &R : Rows)
    Flops += R.Flops;
  std::snprintf(Line, sizeof(Line), "  %10.4f %6.1f%% %9.2f %12.0f  total\n", TotalMs, 100.0,
                TotalMs > 0 ? Flops / (TotalMs * 1e6) : 0.0, Flops);
  return Out + Line;
}

std::string HostProfile::toJson() const {
  auto Num = [](double V) { return jsonNumber(V, "%.9g"); };
  Json J = {{"runs", Runs}, {"total_ms", Num(TotalMs)}, {"steps", Json::array()}};
  for (const HostProfileRow &R : Rows)
    J["steps"].push_back({{"segment", R.Segment},
                          {"nodes", R.Nodes},
                          {"ops", R.Ops},
                          {"kernel", R.Kernel.empty() ? Json() : Json(R.Kernel)},
                          {"ms", Num(R.Ms)},
                          {"share", Num(TotalMs > 0 ? R.Ms / TotalMs : 0)},
                          {"flops", Num(R.Flops)},
                          {"gflops", Num(R.gflops())}});
  return jsonText(J);
}

} // namespace npu::runtime
