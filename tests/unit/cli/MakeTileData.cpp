// Writes the CLI tests' fixtures: the tile program and TensorProto inputs/expected outputs from plain loops.
// The tensors are written with the protobuf API directly, independent of the runtime under test.
#include "../runtime/TileProgram.h"

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <iostream>

using namespace npu;

namespace {

template <typename T>
bool writeProto(const std::filesystem::path &Path, const std::string &Name, int32_t Type,
                const std::vector<int64_t> &Dims, const std::vector<T> &Values) {
  onnx::TensorProto P;
  P.set_name(Name);
  P.set_data_type(Type);
  for (int64_t D : Dims)
    P.add_dims(D);
  std::string Raw(Values.size() * sizeof(T), '\0');
  for (size_t I = 0; I < Values.size(); ++I)
    for (size_t B = 0; B < sizeof(T); ++B)
      Raw[I * sizeof(T) + B] = char((uint64_t(int64_t(Values[I])) >> (8 * B)) & 0xFF);
  P.set_raw_data(Raw);
  std::filesystem::create_directories(Path.parent_path());
  std::ofstream Out(Path, std::ios::binary);
  return P.SerializeToOstream(&Out);
}

std::vector<int8_t> pattern(size_t N, int Mul, int Add) {
  std::vector<int8_t> V(N);
  for (size_t I = 0; I < N; ++I)
    V[I] = int8_t(int((I * Mul + Add) % 256) - 128);
  return V;
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc != 3) {
    std::cerr << "usage: " << Argv[0] << " CONFIG.yaml OUTDIR\n";
    return 2;
  }
  auto C = loadHardwareConfig(Argv[1]);
  if (!C) {
    std::cerr << C.message() << "\n";
    return 1;
  }
  std::filesystem::path Dir = Argv[2];
  std::filesystem::create_directories(Dir);
  std::vector<int8_t> X0 = pattern(16, 37, 11), W0 = pattern(256, 91, 3), X1 = pattern(16, 53, 200);
  X0[0] = -128, W0[0] = -128;
  isa::Program P = tiletest::tileProgram(*C, X0, W0);
  if (Status S = isa::writeContainerFile(P, (Dir / "tile.npub").string()); !S) {
    std::cerr << S.message() << "\n";
    return 1;
  }
  std::vector<int32_t> Y0 = tiletest::tileReference(X0, W0), Y1 = tiletest::tileReference(X1, W0);
  std::vector<int32_t> Wrong = Y0;
  Wrong[3] += 1;
  std::vector<int8_t> Wn = pattern(256, 7, 1);
  bool Ok = writeProto(Dir / "set0/output_0.pb", "Y", onnx::TensorProto::INT32, {1, 16}, Y0) &&
            writeProto(Dir / "set1/input_0.pb", "X", onnx::TensorProto::INT8, {1, 16}, X1) &&
            writeProto(Dir / "set1/output_0.pb", "Y", onnx::TensorProto::INT32, {1, 16}, Y1) &&
            writeProto(Dir / "wrong/output_0.pb", "Y", onnx::TensorProto::INT32, {1, 16}, Wrong) &&
            writeProto(Dir / "int32-input/input_0.pb", "X", onnx::TensorProto::INT32, {1, 16},
                       std::vector<int32_t>(16, 1)) &&
            // Named W, so it feeds W although it is input_0; X keeps the embedded data.
            writeProto(Dir / "by-name/input_0.pb", "W", onnx::TensorProto::INT8, {16, 16}, Wn) &&
            writeProto(Dir / "by-name/output_0.pb", "Y", onnx::TensorProto::INT32, {1, 16},
                       tiletest::tileReference(X0, Wn));
  if (!Ok) {
    std::cerr << "cannot write the tensor files under " << Dir << "\n";
    return 1;
  }
  return 0;
}
