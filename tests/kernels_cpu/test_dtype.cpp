// bfloat16 / float16 conversions against independent references (IEEE
// decoding by formula, nearest-value search, the compiler's _Float16), and the
// vectorized bulk convert() of every ISA level against the scalar ones.
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "test_util.h"

namespace {

using aotc_cpu::DType;

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// IEEE binary16 decoded by its definition.
double f16_value(uint16_t h) {
  const int s = h >> 15;
  const int e = (h >> 10) & 31;
  const int m = h & 1023;
  double v;
  if (e == 0) {
    v = std::ldexp(m, -24);
  } else if (e == 31) {
    v = m ? NAN : INFINITY;
  } else {
    v = std::ldexp(1024 + m, e - 25);
  }
  return s ? -v : v;
}

/// Nearest float16 to v (ties to even mantissa) by search over all finite halves.
uint16_t f16_nearest(float f) {
  static std::vector<std::pair<double, uint16_t>> table = [] {
    std::vector<std::pair<double, uint16_t>> t;
    for (uint32_t h = 0; h < 0x7C00; ++h) t.push_back({f16_value(static_cast<uint16_t>(h)), static_cast<uint16_t>(h)});
    return t;
  }();
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (std::isnan(f)) return sign | 0x7E00;
  // Beyond max half + half an ulp (65520) rounds to infinity.
  if (a >= 65520.0) return sign | 0x7C00;
  auto it = std::lower_bound(table.begin(), table.end(), std::make_pair(a, uint16_t{0}));
  if (it == table.end()) return sign | 0x7BFF;
  if (it == table.begin()) return sign | it->second;
  const auto lo = *(it - 1);
  const auto hi = *it;
  const double dl = a - lo.first;
  const double dh = hi.first - a;
  if (dl < dh) return sign | lo.second;
  if (dh < dl) return sign | hi.second;
  return sign | ((lo.second & 1) ? hi.second : lo.second);
}

/// Nearest bfloat16 by comparing the two candidates in double.
uint16_t bf16_nearest(float f) {
  if (std::isnan(f)) return 0x7FC0;
  const uint32_t u = bits(f);
  const uint32_t lo = u & 0xFFFF0000u;
  const uint32_t hi = lo + 0x10000u;
  if (u == lo) return static_cast<uint16_t>(lo >> 16);
  const double v = std::fabs(static_cast<double>(f));
  const double vl = std::fabs(static_cast<double>(from_bits(lo)));
  // Past the largest finite value the next step is 2^128 (IEEE rounds with an
  // unbounded exponent, then overflows to infinity).
  const double vh = (hi & 0x7FFFFFFFu) == 0x7F800000u ? std::ldexp(1.0, 128)
                                                     : std::fabs(static_cast<double>(from_bits(hi)));
  const double dl = v - vl;
  const double dh = vh - v;
  if (dl < dh) return static_cast<uint16_t>(lo >> 16);
  if (dh < dl) return static_cast<uint16_t>(hi >> 16);
  return static_cast<uint16_t>(((lo >> 16) & 1) ? (hi >> 16) : (lo >> 16));
}

std::vector<float> interesting_floats() {
  std::vector<float> v = {0.0f, -0.0f, 1.0f, -1.0f, 65504.0f, 65519.99f, 65520.0f, 65536.0f, 1e30f,
                          -1e30f, INFINITY, -INFINITY, NAN, -NAN, 5.96e-8f, 2.98e-8f, 2.99e-8f,
                          6.1e-5f, 6.09e-5f, 1e-45f, 1.17549435e-38f, 3.4028235e38f,
                          1.00390625f, 1.01171875f, 1.0009765625f, 1.0029296875f,
                          from_bits(0x7F7FFFFF), from_bits(0x7F7F8000), from_bits(0x33000000),
                          from_bits(0x33000001), from_bits(0x387FE000), from_bits(0x387FF000)};
  std::mt19937 r(7);
  for (int i = 0; i < 200000; ++i) v.push_back(from_bits(static_cast<uint32_t>(r())));
  std::uniform_real_distribution<float> d(-70000.0f, 70000.0f);
  for (int i = 0; i < 50000; ++i) v.push_back(d(r));
  std::uniform_real_distribution<float> e(-1e-4f, 1e-4f);
  for (int i = 0; i < 50000; ++i) v.push_back(e(r));
  return v;
}

}  // namespace

TEST_CASE("f16 to f32 is exact for all 65536 patterns", "[dtype]") {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = aotc_cpu::f16_to_float(static_cast<uint16_t>(h));
    const double want = f16_value(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      if (!std::isnan(f) || std::signbit(f) != ((h & 0x8000) != 0)) ++bad;
    } else if (static_cast<double>(f) != want || std::signbit(f) != std::signbit(want)) {
      ++bad;
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("f32 to f16 rounds to nearest even", "[dtype]") {
  int bad = 0;
  for (float f : interesting_floats()) {
    const uint16_t got = aotc_cpu::float_to_f16(f);
    const uint16_t want = f16_nearest(f);
    if (got != want) {
      if (bad < 5) UNSCOPED_INFO("f=" << f << " got " << got << " want " << want);
      ++bad;
    }
#if defined(__FLT16_MAX__) && !defined(__clang__)
    if (!std::isnan(f)) {
      const _Float16 c = static_cast<_Float16>(f);
      uint16_t cb;
      std::memcpy(&cb, &c, 2);
      if (cb != got) ++bad;
    }
#endif
  }
  CHECK(bad == 0);
}

TEST_CASE("f32 to bf16 rounds to nearest even", "[dtype]") {
  int bad = 0;
  for (float f : interesting_floats()) {
    const uint16_t got = aotc_cpu::float_to_bf16(f);
    const uint16_t want = bf16_nearest(f);
    if (got != want) {
      if (bad < 5) UNSCOPED_INFO("f=" << f << " got " << got << " want " << want);
      ++bad;
    }
    if (!std::isnan(f) && bits(aotc_cpu::bf16_to_float(got)) != (static_cast<uint32_t>(got) << 16)) ++bad;
  }
  CHECK(bad == 0);
  // Hand-checked values: ties go to the even neighbour.
  CHECK(aotc_cpu::float_to_bf16(1.00390625f) == 0x3F80);  // 1 + 2^-8: tie -> 1.0
  CHECK(aotc_cpu::float_to_bf16(1.01171875f) == 0x3F82);  // 1 + 3 * 2^-8: tie -> 1 + 2^-6
  CHECK(aotc_cpu::float_to_bf16(NAN) == 0x7FC0);
  CHECK(aotc_cpu::float_to_f16(NAN) == 0x7E00);
  CHECK(aotc_cpu::float_to_f16(-NAN) == 0xFE00);
  CHECK(aotc_cpu::float_to_f16(65504.0f) == 0x7BFF);
  CHECK(aotc_cpu::float_to_f16(65520.0f) == 0x7C00);
}

TEST_CASE("bulk convert matches the scalar conversions on every ISA", "[dtype]") {
  std::vector<float> src = interesting_floats();
  src.resize(4099);
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (int64_t n : {0, 1, 3, 15, 16, 17, 33, 4099}) {
      std::vector<uint16_t> h(static_cast<size_t>(n) + 1, 0xABCD);
      std::vector<uint16_t> b(static_cast<size_t>(n) + 1, 0xABCD);
      aotc_cpu::convert(DType::kF32, src.data(), DType::kF16, h.data(), n);
      aotc_cpu::convert(DType::kF32, src.data(), DType::kBF16, b.data(), n);
      int bad = 0;
      for (int64_t i = 0; i < n; ++i) {
        bad += h[static_cast<size_t>(i)] != aotc_cpu::float_to_f16(src[static_cast<size_t>(i)]);
        bad += b[static_cast<size_t>(i)] != aotc_cpu::float_to_bf16(src[static_cast<size_t>(i)]);
      }
      CHECK(h[static_cast<size_t>(n)] == 0xABCD);  // nothing written past the end
      CHECK(b[static_cast<size_t>(n)] == 0xABCD);
      std::vector<float> back(static_cast<size_t>(n) + 1, 7.0f);
      aotc_cpu::convert(DType::kF16, h.data(), DType::kF32, back.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        const float want = aotc_cpu::f16_to_float(h[static_cast<size_t>(i)]);
        bad += !(bits(back[static_cast<size_t>(i)]) == bits(want) ||
                 (std::isnan(want) && std::isnan(back[static_cast<size_t>(i)])));
      }
      aotc_cpu::convert(DType::kBF16, b.data(), DType::kF32, back.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        bad += bits(back[static_cast<size_t>(i)]) != static_cast<uint32_t>(b[static_cast<size_t>(i)]) << 16;
      }
      CHECK(back[static_cast<size_t>(n)] == 7.0f);
      INFO("n " << n);
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("dispatch reports and forces levels", "[dispatch]") {
  kt::IsaGuard guard;
  CHECK(aotc_cpu::force_isa(aotc_cpu::Isa::kBaseline));
  CHECK(aotc_cpu::active_isa() == aotc_cpu::Isa::kBaseline);
  CHECK(aotc_cpu::force_isa(aotc_cpu::best_supported_isa()));
  CHECK(aotc_cpu::active_isa() == aotc_cpu::best_supported_isa());
  CHECK(std::string(aotc_cpu::isa_name(aotc_cpu::Isa::kAvx2)) == "avx2");
}
