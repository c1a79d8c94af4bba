// The model artifact container: round trip, determinism, and refusal of damaged files.
#include "NpuTestUtil.h"

#include <algorithm>

namespace npu::test {
namespace {

backend::ModelArtifact sampleArtifact() {
  backend::ModelArtifact A;
  A.Config = loadConfig("default");
  A.Inputs = {{"x", ir::ElemType::Float32, {1, 4}}};
  A.Outputs = {{"y", ir::ElemType::Float32, {1, 4}}};
  A.Meta = {{"tool", "test"}};
  backend::ArtifactSegment H;
  H.K = backend::ArtifactSegment::Host;
  H.Name = "host0";
  H.Inputs = A.Inputs;
  H.Outputs = A.Outputs;
  H.Nodes = {"relu"};
  H.HostGraph = "graph \"g\" {\n  input %x: f32[1,4]\n  %y: f32[1,4] = Relu(%x)\n  output %y\n}\n";
  A.Segments.push_back(H);
  return A;
}

TEST(Artifact, RoundTripIsByteIdentical) {
  auto Bytes = backend::writeModelArtifact(sampleArtifact());
  ASSERT_TRUE(Bytes.isOk());
  EXPECT_TRUE(backend::isModelArtifact(*Bytes));
  auto A = backend::readModelArtifact(*Bytes, "a.npub");
  ASSERT_TRUE(A.isOk()) << A.message();
  EXPECT_EQ(A->Segments.size(), 1u);
  EXPECT_EQ(A->Segments[0].HostGraph, sampleArtifact().Segments[0].HostGraph);
  EXPECT_EQ(A->Inputs, sampleArtifact().Inputs);
  auto Again = backend::writeModelArtifact(*A);
  ASSERT_TRUE(Again.isOk());
  EXPECT_EQ(*Again, *Bytes);
}

TEST(Artifact, HostSegmentRuns) {
  auto A = sampleArtifact();
  runtime::FuncDevice Dev(A.Config);
  std::vector<std::optional<ir::NamedTensor>> In = {
      ir::NamedTensor{"x", ir::Tensor::of<float>({1, 4}, {-1.f, 2.f, -3.f, 4.f})}};
  auto O = runtime::runModel(Dev, A, In);
  ASSERT_TRUE(O.isOk()) << O.message();
  EXPECT_EQ(O->Outputs[0].Data.values<float>(), (std::vector<float>{0.f, 2.f, 0.f, 4.f}));
}

TEST(Artifact, TruncatedAndCorruptedFilesAreErrors) {
  auto Bytes = *backend::writeModelArtifact(sampleArtifact());
  for (size_t Cut : {size_t(3), size_t(10), Bytes.size() / 2, Bytes.size() - 1}) {
    std::vector<uint8_t> B(Bytes.begin(), Bytes.begin() + long(Cut));
    EXPECT_FALSE(backend::readModelArtifact(B, "cut.npub").isOk()) << Cut;
  }
  std::vector<uint8_t> B = Bytes;
  B[12] ^= 0x5a; // inside the recorded config hash
  auto R = backend::readModelArtifact(B, "bad.npub");
  ASSERT_FALSE(R.isOk());
  EXPECT_NE(R.message().find("bad.npub"), std::string::npos);
  // Every artifact ends with a SHA-256 of the rest: one flipped bit anywhere (a host graph's text, a meta
  // value, the digest itself) is reported as corruption, and so is a file cut short.
  for (size_t At = 8; At < Bytes.size(); At += std::max<size_t>(1, Bytes.size() / 97)) {
    std::vector<uint8_t> C = Bytes;
    C[At] ^= 0x01;
    auto Bad = backend::readModelArtifact(C, "flip.npub");
    ASSERT_FALSE(Bad.isOk()) << "byte " << At;
    EXPECT_NE(Bad.message().find("checksum mismatch"), std::string::npos) << Bad.message();
  }
  std::vector<uint8_t> Cut(Bytes.begin(), Bytes.end() - 5);
  auto Short = backend::readModelArtifact(Cut, "short.npub");
  ASSERT_FALSE(Short.isOk());
  EXPECT_NE(Short.message().find("corrupted or truncated"), std::string::npos) << Short.message();
}

} // namespace
} // namespace npu::test
