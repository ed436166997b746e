// GEMM blocking of one instruction-set level and the driver's internal
// entry for operands that are packed by a callback (implicit im2col).
// Included only by the ISA kernel translation units (see simd.h).
#pragma once

#include <cstdint>

#include "simd.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {

// Register block and cache blocks per level. kKC * kNR * 4 bytes (one B
// sliver) fits L1; kMC * kKC * 4 (the A block) fits L2; kKC * kNC * 4 (the B
// panel) fits L3.
#if defined(__AVX512F__)
constexpr int kMR = 12;
constexpr int kNV = 2;  // vectors per row: kNR = 32
constexpr int64_t kMC = 240;
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 3072;
#elif defined(__AVX2__)
constexpr int kMR = 6;
constexpr int kNV = 2;  // kNR = 16
constexpr int64_t kMC = 168;
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 3072;
#else
constexpr int kMR = 6;
constexpr int kNV = 2;  // kNR = 8
constexpr int64_t kMC = 120;
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 2048;
#endif
constexpr int kNR = kNV * kW;
static_assert(kMC % kMR == 0 && kNC % kNR == 0, "cache blocks are whole register blocks");

/// Packs B[pc : pc + kc, jc : jc + nc] of batch element `batch` the way
/// the GEMM's own packing does: kNR-column slivers, each kc rows of kNR
/// floats (dst[sliver * kc * kNR + p * kNR + j]), zero past nc.
struct BPacker {
  void (*pack)(const void* ctx, int64_t batch, int64_t pc, int64_t kc, int64_t jc, int64_t nc,
               float* dst);
  const void* ctx;
};

/// gemm() with B produced by `packer` instead of read through g.b and its
/// strides (g.b, g.b_* are ignored).
void gemm_packed_b(const GemmArgs& g, const BPacker& packer, ParallelFor parallel_for);

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS
