// The hand-written test models as package models; see TestModels.h.
#include "TestModels.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace aotc::test {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string float_blob(size_t size, const std::vector<std::pair<size_t, float>>& values) {
  std::string blob(size, '\0');
  for (const auto& [offset, v] : values) std::memcpy(blob.data() + offset, &v, sizeof(float));
  return blob;
}

codegen::PackageModel affine_model() {
  codegen::PackageModel m;
  m.name = "model";
  m.target = "cpu";
  m.file_stem = "affine";  // models/affine.cpp reads "affine.weights.bin"
  m.wrapper_cpp = codegen::Blob::from_bytes(slurp(AOTC_TEST_AFFINE_SRC));
  m.library = codegen::Blob::from_bytes(slurp(AOTC_TEST_AFFINE_SO));
  m.weights = codegen::Blob::from_bytes(float_blob(128, {{0, 2.0f}, {64, 1.0f}}));
  m.inputs = {{"x", "float32", {"s0", "4"}}};
  m.outputs = {{"y", "float32", {"s0", "4"}}, {"row_sum", "float32", {"s0"}}};
  m.symbols = {{"s0", 1, 64}};
  m.passes = {"hand_written"};
  m.kernels = {{"affine", "aten.mul+aten.add+aten.sum", "cpu_loop", {{"threads", "parallel_for"}}}};
  m.compiler = {{"cxx", "test"}};
  return m;
}

codegen::PackageModel pair_model() {
  codegen::PackageModel m;
  m.name = "pair";
  m.target = "cpu";
  m.file_stem = "pair";
  m.wrapper_cpp = codegen::Blob::from_bytes(slurp(AOTC_TEST_PAIR_SRC));
  m.library = codegen::Blob::from_bytes(slurp(AOTC_TEST_PAIR_SO));
  m.inputs = {{"x", "float32", {"s0", "4"}}, {"y", "float32", {"2*s0", "s1"}}};
  m.outputs = {{"out", "float32", {"s0"}}, {"iota", "int64", {"s0 + s1"}}};
  m.symbols = {{"s0", 1, 32}, {"s1", 1, 8}};
  return m;
}

codegen::PackageModel cuda_add_model() {
  codegen::PackageModel m;
  m.name = "model";
  m.target = "cuda";
  m.archs = {"compute_52"};
  m.file_stem = "cuda_add";
  m.wrapper_cpp = codegen::Blob::from_bytes(slurp(AOTC_TEST_CUDA_ADD_SRC));
  m.library = codegen::Blob::from_bytes(slurp(AOTC_TEST_CUDA_ADD_SO));
  m.weights = codegen::Blob::from_bytes(float_blob(64, {{0, 1.0f}}));
  m.inputs = {{"x", "float32", {"s0"}}};
  m.outputs = {{"y", "float32", {"s0"}}};
  m.symbols = {{"s0", 1, 1 << 20}};
  return m;
}

}  // namespace aotc::test
