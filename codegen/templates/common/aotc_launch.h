// aotc_launch.h: launch-shape policies of the CUDA target, in one place for
// both sides: the CUDA emitter includes it to decide at compile time where
// the sizes are constants, and the host code it generates includes it to
// decide at run time (with the device's own SM count) where they are not.
//
//  - split_k: how many shares a GEMM or convolution cuts K into, so that
//    output tiles times shares cover the SMs (docs/cuda-kernels.md, "Split-K").
//  - conv_blocks, conv_small_tiles, conv_tall_tiles: the blocks conv2d_nchw
//    launches for a tile size, split-K included, and which of its tile
//    sizes to take ("Convolution tiles").
//  - kLinearNarrowMaxM, linear_medium_tiles, linear_split_tiles: which of
//    gemm_simt_linear's presets a float32 linear takes by its sizes
//    (gemm_simt_linear's preset table).
//  - winograd_pays: whether a 3x3 stride-1 convolution takes
//    conv2d_winograd_f2x3 ("Winograd").
#ifndef AOTC_LAUNCH_H_
#define AOTC_LAUNCH_H_

#include <cstdint>

namespace aotc_launch {

/// Split-K scratch at the arena's start: tile counters and partial sums.
constexpr int64_t kSplitCounters = 1024;
constexpr int64_t kSplitPartialBytes = int64_t{16} << 20;
constexpr int64_t kSplitScratchBytes = (kSplitCounters * 4 + kSplitPartialBytes + 255) / 256 * 256;
/// conv2d_nchw splits K until about this many blocks per SM run (its tiles
/// fit three per SM), so that no SM is left with a share twice the others'.
constexpr int64_t kConvBlocksPerSm = 3;

constexpr int64_t ceil_div(int64_t a, int64_t b) { return b < 1 ? a : (a + b - 1) / b; }

/// Shares of K for `tiles` output tiles (of `tile_elems` floats) over `batch`
/// batch entries: none when the tiles already give `want` / 2 blocks; else
/// about `want` blocks, at least 4 k slices per share, at most 16 shares,
/// within the scratch and the grid's z limit.
constexpr int64_t split_k(int64_t tiles, int64_t k_slices, int64_t tile_elems, int64_t batch, int64_t want) {
  if (tiles <= 0 || tiles * 2 > want || tiles > kSplitCounters) return 1;
  int64_t splits = want / tiles;
  if (splits > k_slices / 4) splits = k_slices / 4;
  if (splits > 16) splits = 16;
  while (splits > 1 && (tiles * splits * tile_elems * 4 > kSplitPartialBytes || batch * splits > 65535)) --splits;
  return splits < 1 ? 1 : splits;
}

/// Blocks of a conv2d_nchw launch with bm x bn tiles and bk-deep k slices
/// for the implicit GEMM's m, n, k on a GPU with `sms` multiprocessors.
constexpr int64_t conv_blocks(int64_t m, int64_t n, int64_t k, int64_t bm, int64_t bn, int64_t bk, int64_t sms) {
  const int64_t tiles = ceil_div(m, bm) * ceil_div(n, bn);
  return tiles * split_k(tiles, ceil_div(k, bk), bm * bn, 1, kConvBlocksPerSm * sms);
}

/// Whether conv2d_nchw takes its 64x32 tiles over its 64x64 ones: measured on
/// an H200 at every ResNet-18 convolution at batch 2 and 32 (docs/cuda-
/// kernels.md, "Convolution tiles"), the smaller tiles win where the larger
/// leave SMs without a block, and where M is so small (at most 8 rows of 64)
/// that the blocks must come from N.
constexpr bool conv_small_tiles(int64_t m, int64_t n, int64_t k, int64_t sms) {
  return n <= 32 || m <= 512 || conv_blocks(m, n, k, 64, 64, 16, sms) < sms;
}

/// Whether conv2d_nchw should take ConvNchwMediumTall (64x64 tiles, 8x4 per
/// thread in 128 threads) over ConvNchwMedium: with at least two waves of
/// 64x64 tiles and a long K (a 3x3 filter over 64 channels or more), where
/// its longer per-thread strip pays off. On an H200 it was 5-9% faster on
/// every ResNet-18 3x3 convolution at batch 32 and slower at batch 2.
constexpr bool conv_tall_tiles(int64_t m, int64_t n, int64_t k, int64_t sms) {
  return k >= 512 && ceil_div(m, 64) * ceil_div(n, 64) >= 2 * sms;
}

/// Rows of M up to which gemm_simt_linear takes its narrow 16x32 tiles
/// (SimtLinearNarrowK, or SimtLinearNarrow where K fits one 32-wide slice).
/// Measured on an H200 over gpt_block's four linears at M = 16, 77 and 512
/// with every tile shape and split count (docs/cuda-kernels.md, "Linear
/// tiles"): at M = 16 and 77 the narrow tiles were fastest or within 0.6 us
/// of it on every linear (qkv at M = 77: 6.0 us against 10.3 us for 64x64
/// tiles), because they give the most blocks. On an H100 (stop 16) the
/// narrow tiles with 64-wide k slices shared by two thread groups were
/// 0.3-1.2 us faster still at M = 16, 77 and 128 on every one of them.
constexpr int64_t kLinearNarrowMaxM = 128;

/// Past kLinearNarrowMaxM: whether 64x64 tiles (SimtLinearMedium, or with K
/// split in the block, linear_split_tiles) cover enough of the GPU to beat
/// the narrow tiles: when their blocks, split-K included, cover at least
/// half the SMs. At M = 512 that is qkv (N 768: 13.0 against 12.8 us for
/// 32x32 tiles), fc (N 1024: 13.2 against 15.9 us) and the K = 1024
/// projection (16.0 against 18.3 us); the N = 256, K = 256 projection keeps
/// narrow tiles (H100: 7.0 us against 7.2 for 32x32 and 9.1 for 64x64).
constexpr bool linear_medium_tiles(int64_t m, int64_t n, int64_t k, int64_t sms) {
  const int64_t tiles = ceil_div(m, 64) * ceil_div(n, 64);
  return 2 * tiles * split_k(tiles, ceil_div(k, 32), 64 * 64, 1, sms) >= sms;
}

/// Where linear_medium_tiles holds: whether 32x64 tiles with K split between
/// two thread groups in the block (SimtLinearWideSplit) beat 64x64 tiles:
/// when the 64x64 tiles without split-K give fewer than half the SMs a block.
/// On an H100 (stop 16) at M = 200: qkv 8.4 against 10.6 us, fc 8.6 against
/// 10.7, the K = 1024 projection 10.6 against 15.1; at M = 512 that
/// projection (32 tiles) 15.6 against 15.8, while qkv and fc (96 and 128
/// tiles) keep 64x64 tiles (12.7 against 12.9 us).
constexpr bool linear_split_tiles(int64_t m, int64_t n, int64_t sms) {
  return 2 * ceil_div(m, 64) * ceil_div(n, 64) < sms;
}

/// conv2d_winograd_f2x3's block (WinogradF2x3Medium): output channels and
/// Winograd tiles (2x2 outputs each, over all images).
constexpr int64_t kWinogradBlockChannels = 32;
constexpr int64_t kWinogradBlockTiles = 32;

/// Whether a 3x3 stride-1 convolution takes conv2d_winograd_f2x3 over
/// conv2d_nchw: when it has at least a block for every third SM (it has no
/// split-K). Autotune on an H200, ResNet-18: Winograd won every 3x3 layer at
/// batch 32 (150-205 us against conv2d_nchw's 250-385 us) and, at batch 2,
/// layer 1 (98 blocks: 16 against 30 us) and layer 2 (52 blocks: 30 against
/// 37 us); it lost layer 3 (32 blocks) and layer 4 (16 blocks: 111 against
/// 39 us in the kernel check).
constexpr bool winograd_pays(int64_t out_c, int64_t tiles, int64_t sms) {
  return ceil_div(out_c, kWinogradBlockChannels) * ceil_div(tiles, kWinogradBlockTiles) * 3 >= sms;
}

}  // namespace aotc_launch

#endif  // AOTC_LAUNCH_H_
