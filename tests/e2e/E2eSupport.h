// End-to-end test support: compile a fixture with aotc, load it with the
// runtime, move tensors between the compiler's HostTensor and the runtime's
// aotc::Tensor, and pick sizes inside a program's dynamic ranges.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aotc/runtime.hpp"
#include "ir/Graph.h"
#include "ir/HostTensor.h"

namespace aotc::e2e {

/// A private cache and scratch folder for this test process (AOTC_CACHE_DIR points there).
const std::filesystem::path& scratch_dir();

/// Compiles fixture `model` for `target` into scratch_dir()/<model>.<target>.pt2
/// (once per process); for CUDA with the tuning cache AOTC_E2E_TUNING_CACHE names, if set.
std::filesystem::path compiled_fixture(const std::string& model, const std::string& target = "cpu");

/// The imported (unoptimized) graph of a fixture, for the reference evaluator.
const Graph& fixture_graph(const std::string& model);

HostTensor to_host(const aotc::Tensor& t);
aotc::Tensor to_runtime(const HostTensor& t);

/// Random inputs for `graph` with these symbol values (deterministic in `seed`).
std::vector<HostTensor> random_inputs(const Graph& graph, const SymbolValues& symbols, uint32_t seed);

/// Symbol assignments covering each dynamic range: its ends and a value inside.
std::vector<SymbolValues> sizes_to_test(const Graph& graph);

/// A program no fixture has: x[n, in_c, 12, 12] -> 3x3 convolution (padding
/// 1) to out_c channels with bias -> relu, n in 1..256. With out_c > 32 its
/// CUDA code picks the convolution's tile size at run time.
std::unique_ptr<Graph> dynamic_conv_graph(int64_t in_c, int64_t out_c);

/// How layer_norm_linear_graph's norm is read besides by its linear.
enum class NormReaders { kLinearOnly, kAlsoSecondLinear, kAlsoOutput };

/// x[m, k] -> layer_norm over k (with weight and bias where `affine`) ->
/// linear to n features with bias -> output, m in 1..512; the norm's value
/// also feeds a second linear or is an output too, as `readers` says.
std::unique_ptr<Graph> layer_norm_linear_graph(int64_t k, int64_t n, bool affine,
                                               NormReaders readers = NormReaders::kLinearOnly);

/// scaled_dot_product_attention of inputs q [1, heads, l, e], k and v
/// [1, kv_heads, l, e] (enable_gqa where kv_heads < heads), l in 1..1024.
std::unique_ptr<Graph> attention_graph(int64_t heads, int64_t kv_heads, int64_t e, bool causal);

/// x[m, k] -> linear to n features with bias -> output; m = 0: m symbolic
/// in 1..1024.
std::unique_ptr<Graph> linear_graph(int64_t m, int64_t n, int64_t k);

}  // namespace aotc::e2e
