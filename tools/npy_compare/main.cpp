// aotc_npy_compare A.npy B.npy [TOLERANCE]: relative error ||A - B|| / ||B||
// of two .npy files (B is the reference). Exit 0 within tolerance, 1 otherwise.
// A developer tool for scripts (the README example, GPU runs); not installed.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "aotc/runtime.hpp"

namespace {

double element(const aotc::Tensor& t, int64_t i) {
  const auto* p = static_cast<const unsigned char*>(t.data());
  switch (t.dtype()) {
    case aotc::ScalarType::Float32: { float v; std::memcpy(&v, p + 4 * i, 4); return v; }
    case aotc::ScalarType::Float64: { double v; std::memcpy(&v, p + 8 * i, 8); return v; }
    case aotc::ScalarType::Int64: { int64_t v; std::memcpy(&v, p + 8 * i, 8); return static_cast<double>(v); }
    case aotc::ScalarType::Int32: { int32_t v; std::memcpy(&v, p + 4 * i, 4); return v; }
    case aotc::ScalarType::Bool:
    case aotc::ScalarType::UInt8: return p[i];
    default: return NAN;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: aotc_npy_compare A.npy REFERENCE.npy [TOLERANCE]\n");
    return 2;
  }
  double tolerance = argc > 3 ? std::atof(argv[3]) : 1e-4;
  try {
    aotc::Tensor a = aotc::load_npy(argv[1]), b = aotc::load_npy(argv[2]);
    if (a.sizes() != b.sizes()) {
      std::fprintf(stderr, "aotc_npy_compare: shapes differ\n");
      return 1;
    }
    double num = 0, den = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
      double x = element(a, i), y = element(b, i);
      num += (x - y) * (x - y);
      den += y * y;
    }
    double err = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
    std::printf("relative error %.3g (tolerance %.3g): %s\n", err, tolerance, err <= tolerance ? "ok" : "FAIL");
    return err <= tolerance ? 0 : 1;
  } catch (const aotc::RuntimeError& e) {
    std::fprintf(stderr, "aotc_npy_compare: %s\n", e.what());
    return 1;
  }
}
