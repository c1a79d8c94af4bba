// Buffer allocation: aligned_alloc, madvise(MADV_HUGEPAGE) for big buffers, zero fill.
#include "Memory.h"

#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

namespace npu::host {

std::shared_ptr<void> allocateBuffer(size_t Bytes) {
  constexpr size_t Huge = size_t(2) << 20;
  size_t Align = Bytes >= Huge ? Huge : 64;
  size_t Size = (std::max<size_t>(Bytes, 1) + Align - 1) / Align * Align;
  void *Mem = std::aligned_alloc(Align, Size);
  if (!Mem)
    throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (Align == Huge)
    madvise(Mem, Size, MADV_HUGEPAGE); // advisory: ignored where huge pages are off
#endif
  std::memset(Mem, 0, Size);
  return std::shared_ptr<void>(Mem, std::free);
}

} // namespace npu::host
