// The one-tile software pipeline of the lowerings under alu.concurrent: a tile's ALU tail (requantize, clip,
// store) is emitted after the next tile's GEMM, so the ALU works beside the GEMM core (docs/timing.md).
#pragma once

#include "npu/support/Status.h"

#include <functional>

namespace npu::backend {

class DeferredTail {
public:
  /// Defer: hold each tail until the next tile's GEMM is emitted (the caller gives tiles distinct
  /// accumulator slots, three at least); otherwise every tail is emitted at once.
  explicit DeferredTail(bool Defer) : Defer(Defer) {}
  /// After tile i's GEMM: emits tile i-1's tail, then holds (or emits) tile i's.
  Status push(std::function<Status()> Tail) {
    NPU_TRY(flush());
    Pending = std::move(Tail);
    return Defer ? Status::ok() : flush();
  }
  /// Emits the held tail: before anything that overwrites what it reads, and at the end of the layer.
  Status flush() {
    if (!Pending)
      return Status::ok();
    auto T = std::move(Pending);
    Pending = nullptr;
    return T();
  }

private:
  bool Defer;
  std::function<Status()> Pending;
};

} // namespace npu::backend
