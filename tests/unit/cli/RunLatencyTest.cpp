// npuc run's whole-model latency, --repeat, --host-gflops and --profile, on the demo CNN of npu-modelgen and on a
// model written here whose host segment sits between two NPU segments: runs the real npuc and checks its --stats
// JSON, --trace and printed lines against the models' own shapes.
#include "OnnxWriter.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/support/Json.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct Result {
  int Exit = -1;
  std::string Out; ///< stdout and stderr
};

Result run(const std::string &Command) {
  Result R;
  FILE *P = popen((Command + " 2>&1").c_str(), "r");
  if (!P)
    return R;
  std::array<char, 4096> Buf;
  while (size_t N = fread(Buf.data(), 1, Buf.size(), P))
    R.Out.append(Buf.data(), N);
  const int Status = pclose(P);
  R.Exit = WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
  return R;
}

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

npu::Json parseJsonFile(const std::string &Path) {
  auto J = npu::parseJson(readFile(Path), Path);
  EXPECT_TRUE(J.isOk()) << J.message();
  return J ? *J : npu::Json();
}

constexpr int64_t SplitHw = 16, SplitIn = 3, SplitMid = 8, SplitOut = 4;

/// DIR/model.onnx: conv 3x3 + ReLU, a Softmax over the channels (left in float: the host), conv 3x3 + ReLU, so
/// the NPU runs two segments with a host segment between them; and two input sets DIR/test_data_set_K.
void writeSplitModel(const std::string &Dir) {
  npu::modelgen::OnnxWriter W("split", 13);
  W.addInput("image", {1, SplitIn, SplitHw, SplitHw});
  W.addOutput("y", {1, SplitOut, SplitHw, SplitHw});
  auto Weights = [](int64_t N, int Seed) {
    std::vector<float> V(static_cast<size_t>(N));
    for (int64_t I = 0; I < N; ++I)
      V[size_t(I)] = float(std::sin(double(Seed * 131 + I) * 0.37)) * 0.3f;
    return V;
  };
  W.addInitializer("w1", {SplitMid, SplitIn, 3, 3}, Weights(SplitMid * SplitIn * 9, 1));
  W.addInitializer("w2", {SplitOut, SplitMid, 3, 3}, Weights(SplitOut * SplitMid * 9, 2));
  const std::vector<int64_t> Pads = {1, 1, 1, 1}, Kernel = {3, 3};
  W.addNode("Conv", "conv1", {"image", "w1"}, {"c1"}).attr("pads", Pads).attr("kernel_shape", Kernel);
  W.addNode("Relu", "relu1", {"c1"}, {"r1"});
  W.addNode("Softmax", "softmax", {"r1"}, {"s"}).attr("axis", int64_t(1));
  W.addNode("Conv", "conv2", {"s", "w2"}, {"c2"}).attr("pads", Pads).attr("kernel_shape", Kernel);
  W.addNode("Relu", "relu2", {"c2"}, {"y"});
  fs::create_directories(Dir);
  ASSERT_TRUE(W.writeFile(Dir + "/model.onnx").isOk());
  for (int K = 0; K < 2; ++K) {
    npu::ir::Tensor T(npu::ir::ElemType::Float32, {1, SplitIn, SplitHw, SplitHw});
    for (int64_t I = 0; I < T.numElements(); ++I)
      T.data<float>()[I] = float(std::cos(double(I * (K + 3)) * 0.11));
    const std::string Set = Dir + "/test_data_set_" + std::to_string(K);
    fs::create_directories(Set);
    ASSERT_TRUE(npu::frontend::writeTensorProtoFile(Set + "/input_0.pb", "image", T).isOk());
  }
}

/// The demo CNN (npu-modelgen) and the split model, compiled for configs/default.yaml, in a folder of its own
/// per test (ctest runs tests side by side).
class RunLatency : public ::testing::Test {
protected:
  void SetUp() override {
    const auto *Info = ::testing::UnitTest::GetInstance()->current_test_info();
    Dir = (fs::path(NPU_BINARY_DIR) / "run-latency-work" / Info->name()).string();
    fs::remove_all(Dir);
    fs::create_directories(Dir);
    Result G = run(std::string(MODELGEN) + " " + Dir + "/cnn");
    ASSERT_EQ(G.Exit, 0) << G.Out;
    Result C = run(npuc("compile " + Dir + "/cnn/model.onnx --config " NPU_SOURCE_DIR "/configs/default.yaml --calib " +
                        Dir + "/cnn -o " + Dir + "/cnn.npub"));
    ASSERT_EQ(C.Exit, 0) << C.Out;
    writeSplitModel(Dir + "/split");
    Result S = run(npuc("compile " + Dir + "/split/model.onnx --config " NPU_SOURCE_DIR
                        "/configs/default.yaml --calib " + Dir + "/split -o " + Dir + "/split.npub"));
    ASSERT_EQ(S.Exit, 0) << S.Out;
  }
  static std::string npuc(const std::string &Args) { return std::string(NPUC) + " " + Args; }
  std::string runArgs(const std::string &Backend, const std::string &Model = "cnn") const {
    return "run " + Dir + "/" + Model + ".npub --backend " + Backend + " --inputs " + Dir + "/" + Model +
           "/test_data_set_0";
  }
  std::string Dir;
};

constexpr double Eps = 1e-5;

/// The split model's segments: the input's quantization, conv1, the softmax (with its dequantization and
/// quantization), conv2, the output's dequantization.
const std::vector<std::string> ExpectedKinds = {"host", "npu", "host", "npu", "host"};

TEST_F(RunLatency, StatsFieldsAddUp) {
  Result R = run(npuc(runArgs("systemc", "split") + " --stats " + Dir + "/s.json"));
  ASSERT_EQ(R.Exit, 0) << R.Out;
  npu::Json J = parseJsonFile(Dir + "/s.json");
  npu::Json &L = J["latency"];
  for (const char *Field : {"model_latency_us", "npu_time_us", "npu_cycles", "host_time_us", "clock_mhz", "segments"})
    EXPECT_TRUE(L.contains(Field)) << Field;
  // Cycles agree with the timing statistics, and the NPU time is those cycles at the config's clock.
  EXPECT_EQ(L["npu_cycles"].get<uint64_t>(), J["total_cycles"].get<uint64_t>());
  EXPECT_EQ(L["clock_mhz"].get<double>(), 200.0); // clock.mhz of configs/default.yaml
  EXPECT_NEAR(L["npu_time_us"].get<double>() * L["clock_mhz"].get<double>(), double(L["npu_cycles"].get<uint64_t>()),
              Eps * 200);
  EXPECT_NEAR(L["model_latency_us"].get<double>(), L["npu_time_us"].get<double>() + L["host_time_us"].get<double>(),
              Eps);
  EXPECT_EQ(L["host_time"].get<std::string>(), "measured");
  // Segments in execution order, each starting where the ones before it end; kinds' times add up.
  ASSERT_EQ(L["segments"].size(), ExpectedKinds.size());
  double At = 0, Host = 0;
  uint64_t Cycles = 0;
  for (size_t K = 0; K < ExpectedKinds.size(); ++K) {
    npu::Json &S = L["segments"][K];
    EXPECT_EQ(S["kind"].get<std::string>(), ExpectedKinds[K]) << K;
    EXPECT_NEAR(S["start_us"].get<double>(), At, Eps) << K;
    EXPECT_GE(S["time_us"].get<double>(), 0.0);
    At += S["time_us"].get<double>();
    if (S["kind"].get<std::string>() == "host")
      Host += S["time_us"].get<double>();
    else
      Cycles += S["cycles"].get<uint64_t>();
  }
  EXPECT_EQ(Cycles, L["npu_cycles"].get<uint64_t>());
  EXPECT_NEAR(Host, L["host_time_us"].get<double>(), Eps * 5);
  EXPECT_NEAR(At, L["model_latency_us"].get<double>(), Eps * 5);
  EXPECT_NE(R.Out.find("model latency: "), std::string::npos) << R.Out;
}

TEST_F(RunLatency, TraceHasHostTrackBetweenNpuSegments) {
  Result R = run(npuc(runArgs("systemc", "split") + " --stats " + Dir + "/s.json --trace " + Dir + "/t.json"));
  ASSERT_EQ(R.Exit, 0) << R.Out;
  npu::Json L = parseJsonFile(Dir + "/s.json")["latency"];
  npu::Json T = parseJsonFile(Dir + "/t.json");
  std::map<uint64_t, std::string> Process;
  for (npu::Json &E : T["traceEvents"])
    if (E["ph"].get<std::string>() == "M" && E["name"].get<std::string>() == "process_name")
      Process[E["pid"].get<uint64_t>()] = E["args"]["name"].get<std::string>();
  // Per process: the first span's start and the last span's end; the host spans in order.
  std::map<std::string, std::pair<double, double>> Extent;
  std::vector<std::pair<std::string, std::pair<double, double>>> HostSpans;
  for (npu::Json &E : T["traceEvents"]) {
    if (E["ph"].get<std::string>() != "X")
      continue;
    const std::string &P = Process[E["pid"].get<uint64_t>()];
    const double Begin = E["ts"].get<double>(), End = Begin + E["dur"].get<double>();
    if (P == "host")
      HostSpans.push_back({E["name"].get<std::string>(), {Begin, End}});
    auto [It, New] = Extent.emplace(P, std::make_pair(Begin, End));
    It->second = {std::min(It->second.first, Begin), std::max(It->second.second, End)};
  }
  // One span per host segment, named after it, in execution order; each lies between its NPU neighbours.
  std::vector<std::string> HostNames, NpuNames;
  for (npu::Json &S : L["segments"])
    (S["kind"].get<std::string>() == "host" ? HostNames : NpuNames).push_back(S["name"].get<std::string>());
  ASSERT_EQ(HostSpans.size(), HostNames.size());
  for (size_t K = 0; K < HostSpans.size(); ++K)
    EXPECT_EQ(HostSpans[K].first, HostNames[K]);
  auto NpuExtent = [&](const std::string &Segment) {
    for (const auto &[P, E] : Extent)
      if (P.rfind(Segment + " ", 0) == 0)
        return E;
    ADD_FAILURE() << "no process for " << Segment;
    return std::make_pair(0.0, 0.0);
  };
  // host0, npu1, host2, npu3, host4 (ExpectedKinds): host K sits after npu K-1 and before npu K.
  ASSERT_EQ(NpuNames.size(), 2u);
  const double Tol = 1e-3;
  EXPECT_LE(HostSpans[0].second.second, NpuExtent(NpuNames[0]).first + Tol);
  EXPECT_GE(HostSpans[1].second.first, NpuExtent(NpuNames[0]).second - Tol);
  EXPECT_LE(HostSpans[1].second.second, NpuExtent(NpuNames[1]).first + Tol);
  EXPECT_GE(HostSpans[2].second.first, NpuExtent(NpuNames[1]).second - Tol);
  EXPECT_NEAR(HostSpans[2].second.second, L["model_latency_us"].get<double>(), Tol);
}

TEST_F(RunLatency, HostGflopsModelsFlopsByHand) {
  const double Gflops = 2;
  Result R = run(npuc(runArgs("systemc", "split") + " --host-gflops 2 --stats " + Dir + "/s.json"));
  ASSERT_EQ(R.Exit, 0) << R.Out;
  // The split model's host work, from its shapes (1 per element each; layout conversions only move): the
  // image's QuantizeLinear, then DequantizeLinear, Softmax and QuantizeLinear of conv1's 8 channels, then
  // DequantizeLinear of the 4 output channels.
  const double Plane = double(SplitHw * SplitHw), Quantize = SplitIn * Plane, Middle = 3 * SplitMid * Plane,
               Tail = SplitOut * Plane;
  const std::vector<double> Flops = {Quantize, Middle, Tail};
  npu::Json L = parseJsonFile(Dir + "/s.json")["latency"];
  EXPECT_EQ(L["host_time"].get<std::string>(), "modeled");
  EXPECT_EQ(L["host_gflops"].get<double>(), Gflops);
  size_t K = 0;
  for (npu::Json &S : L["segments"]) {
    if (S["kind"].get<std::string>() != "host")
      continue;
    ASSERT_LT(K, Flops.size());
    EXPECT_EQ(S["flops"].get<double>(), Flops[K]) << S["name"].get<std::string>();
    EXPECT_NEAR(S["time_us"].get<double>(), Flops[K] / (Gflops * 1e9) * 1e6, Eps) << S["name"].get<std::string>();
    ++K;
  }
  EXPECT_EQ(K, Flops.size());
  EXPECT_NEAR(L["host_time_us"].get<double>(), (Quantize + Middle + Tail) / (Gflops * 1e9) * 1e6, Eps);
  EXPECT_NE(R.Out.find("us modeled at 2 GFLOP/s (3 segments)"), std::string::npos) << R.Out;
}

TEST_F(RunLatency, FuncBackendSaysItHasNoCycles) {
  Result R = run(npuc(runArgs("func") + " --stats " + Dir + "/s.json"));
  ASSERT_EQ(R.Exit, 0) << R.Out;
  EXPECT_NE(R.Out.find("ran without cycles (latency needs the systemc or rtl backend)"), std::string::npos) << R.Out;
  npu::Json L = parseJsonFile(Dir + "/s.json")["latency"];
  EXPECT_TRUE(L["model_latency_us"].is_null());
  EXPECT_TRUE(L["npu_cycles"].is_null());
  EXPECT_EQ(L["host_time"].get<std::string>(), "measured");
}

TEST_F(RunLatency, RepeatPrintsOrderedWallTimesAndWritesOutputsOnce) {
  Result R = run(npuc(runArgs("func") + " --repeat 3 --outputs " + Dir + "/out"));
  ASSERT_EQ(R.Exit, 0) << R.Out;
  std::smatch M;
  const std::regex Line("wall time of 3 runs: min ([0-9.]+) ms, median ([0-9.]+) ms, max ([0-9.]+) ms");
  ASSERT_TRUE(std::regex_search(R.Out, M, Line)) << R.Out;
  const double Min = std::stod(M[1]), Median = std::stod(M[2]), Max = std::stod(M[3]);
  EXPECT_LE(Min, Median);
  EXPECT_LE(Median, Max);
  EXPECT_TRUE(fs::exists(Dir + "/out/output_0.pb"));
  EXPECT_FALSE(fs::exists(Dir + "/out/output_1.pb")); // the demo CNN has one output
  // Every run's output is the same: the outputs written match the reference set.
  Result C = run(npuc("run " + Dir + "/cnn.npub --backend func --inputs " + Dir + "/cnn/test_data_set_0 --repeat 2 " +
                      "--compare " + Dir + "/out"));
  EXPECT_EQ(C.Exit, 0) << C.Out;
}

TEST_F(RunLatency, ProfileListsEveryNodeOfAHostModel) {
  const std::string Model = Dir + "/cnn/model.onnx";
  // The graph the host path runs, as `npuc compile --target host --emit=graph` prints it: its node names.
  Result G = run(npuc("compile " + Model + " --target host --emit=graph"));
  ASSERT_EQ(G.Exit, 0) << G.Out;
  std::set<std::string> Nodes;
  const std::regex Name(" name \"([^\"]+)\"");
  for (auto It = std::sregex_iterator(G.Out.begin(), G.Out.end(), Name); It != std::sregex_iterator(); ++It)
    Nodes.insert((*It)[1]);
  ASSERT_GE(Nodes.size(), 8u) << G.Out;
  Result R = run(npuc("run " + Model + " --backend host --threads 1 --profile --inputs " + Dir +
                      "/cnn/test_data_set_0 --stats " + Dir + "/p.json"));
  ASSERT_EQ(R.Exit, 0) << R.Out;
  ASSERT_NE(R.Out.find("host profile:"), std::string::npos) << R.Out;
  npu::Json P = parseJsonFile(Dir + "/p.json")["host_profile"];
  std::multiset<std::string> Listed;
  double Share = 0;
  for (npu::Json &S : P["steps"]) {
    for (npu::Json &N : S["nodes"])
      Listed.insert(N.get<std::string>());
    Share += S["share"].get<double>();
    EXPECT_GE(S["ms"].get<double>(), 0.0);
  }
  for (const std::string &N : Nodes) {
    EXPECT_EQ(Listed.count(N), 1u) << N;
    // A row names its nodes joined by '+' (a fused kernel computes several).
    EXPECT_TRUE(R.Out.find(" " + N) != std::string::npos || R.Out.find("+" + N) != std::string::npos)
        << N << " not in the table\n"
        << R.Out;
  }
  EXPECT_EQ(Listed.size(), Nodes.size());
  EXPECT_NEAR(Share, 1.0, 1e-6);
  // Slowest first.
  for (size_t K = 1; K < P["steps"].size(); ++K)
    EXPECT_GE(P["steps"][K - 1]["ms"].get<double>(), P["steps"][K]["ms"].get<double>());
}

} // namespace
