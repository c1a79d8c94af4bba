// Large aligned allocations for weights and activations: 64-byte aligned, 2 MiB transparent huge pages when big.
#pragma once

#include <cstddef>
#include <memory>

namespace npu::host {

/// Zero-filled memory of Bytes bytes, 64-byte aligned; at least 2 MiB asks the kernel for huge pages, which
/// cuts page faults and TLB misses on weights and activations.
std::shared_ptr<void> allocateBuffer(size_t Bytes);

} // namespace npu::host
