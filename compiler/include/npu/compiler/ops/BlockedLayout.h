// The NPU's blocked activation layout [N/n, C/c, spatial..., n, c] (NCHWnc): shapes and element offsets.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

#include <string_view>

namespace npu::ir {

/// A blocked tensor [NOuter, COuter, Spatial..., BlockN, BlockC]: element (n, c, s) of the logical
/// [NOuter*BlockN, COuter*BlockC, Spatial...] tensor lives at
/// ((((n / BlockN) * COuter + c / BlockC) * SpatialSize + s) * BlockN + n % BlockN) * BlockC + c % BlockC,
/// so one (n-block, c-block, position) is BlockN x BlockC contiguous elements: one NPU buffer row.
struct BlockedShape {
  int64_t NOuter = 1, COuter = 1, BlockN = 1, BlockC = 1;
  Shape Spatial;

  int64_t batch() const { return NOuter * BlockN; }
  int64_t channels() const { return COuter * BlockC; } ///< padded channel count
  int64_t spatialSize() const { return shapeNumElements(Spatial); }
  Shape dims() const {
    Shape D = {NOuter, COuter};
    D.insert(D.end(), Spatial.begin(), Spatial.end());
    D.push_back(BlockN);
    D.push_back(BlockC);
    return D;
  }
  int64_t offset(int64_t N, int64_t C, int64_t S) const {
    return (((N / BlockN * COuter + C / BlockC) * spatialSize() + S) * BlockN + N % BlockN) * BlockC +
           C % BlockC;
  }
};

/// Reads a blocked shape (rank >= 4).
inline Expected<BlockedShape> decodeBlocked(const Shape &Dims) {
  if (Dims.size() < 4)
    return makeError("blocked tensor ", formatShape(Dims), " needs rank >= 4 ([N/n, C/c, spatial..., n, c])");
  BlockedShape B;
  B.NOuter = Dims[0];
  B.COuter = Dims[1];
  B.Spatial.assign(Dims.begin() + 2, Dims.end() - 2);
  B.BlockN = Dims[Dims.size() - 2];
  B.BlockC = Dims.back();
  if (B.BlockN <= 0 || B.BlockC <= 0)
    return makeError("blocked tensor ", formatShape(Dims), " has an empty block");
  return B;
}

/// The blocked shape of a logical [N, C, spatial...] tensor: C padded up to a multiple of BlockC; N must be a
/// multiple of BlockN.
inline Expected<BlockedShape> blockLogical(const Shape &Logical, int64_t BlockN, int64_t BlockC) {
  if (Logical.size() < 2)
    return makeError("blocking needs a [N, C, ...] tensor, got ", formatShape(Logical));
  if (BlockN <= 0 || BlockC <= 0 || Logical[0] % BlockN != 0)
    return makeError("cannot block ", formatShape(Logical), " with n=", BlockN, " c=", BlockC);
  BlockedShape B;
  B.NOuter = Logical[0] / BlockN;
  B.COuter = (Logical[1] + BlockC - 1) / BlockC;
  B.BlockN = BlockN;
  B.BlockC = BlockC;
  B.Spatial.assign(Logical.begin() + 2, Logical.end());
  return B;
}

/// True for a node whose `layout` attribute says its activations are blocked.
inline bool isBlockedNode(const Node &N) { return N.getString("layout", "plain") == "blocked"; }

} // namespace npu::ir
