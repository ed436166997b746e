// .npy reading and writing: files built byte by byte here (NEP 1's layout)
// are read, written files are byte-compared, and every unsupported form is
// refused with what the file holds.
#include <catch2/catch.hpp>

#include <cstring>

#include "TestSupport.h"
#include "aotc/runtime.hpp"

using aotc::ScalarType;
using aotc::Tensor;
using aotc::test::TempDir;

namespace {

// A version 1.0 .npy file with the given header dict and raw data, as NumPy
// writes it: magic, version, little-endian header length, the dict padded
// with spaces and ending in a newline so that the data starts at a multiple of 64.
std::string npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  if (major != 1) out += std::string(2, '\0');
  return out + header + data;
}

template <typename T>
std::string raw(std::initializer_list<T> values) {
  std::string s(values.size() * sizeof(T), '\0');
  size_t i = 0;
  for (T v : values) std::memcpy(s.data() + sizeof(T) * i++, &v, sizeof(T));
  return s;
}

std::string load_error(const std::string& path, std::optional<ScalarType> want = std::nullopt,
                       aotc::NpyOptions o = {}) {
  try {
    aotc::load_npy(path, want, o);
  } catch (const aotc::RuntimeError& e) {
    return e.what();
  }
  return "(loaded)";
}

}  // namespace

TEST_CASE("npy: reads the files NumPy writes") {
  TempDir dir;
  const auto p = (dir / "a.npy").string();
  aotc::test::write_file(p, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                raw<float>({1, 2, 3, 4, 5, 6})));
  Tensor t = aotc::load_npy(p);
  CHECK(t.dtype() == ScalarType::Float32);
  CHECK(t.sizes() == std::vector<int64_t>{2, 3});
  CHECK(t.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});

  aotc::test::write_file(p, npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                                raw<int64_t>({-1, 0, 7})));
  CHECK(aotc::load_npy(p, ScalarType::Int64).to_vector<int64_t>() == std::vector<int64_t>{-1, 0, 7});

  aotc::test::write_file(
      p, npy("{'descr': '|b1', 'fortran_order': False, 'shape': (), }", std::string(1, '\1')));
  Tensor b = aotc::load_npy(p);
  CHECK(b.dtype() == ScalarType::Bool);
  CHECK(b.dim() == 0);
  CHECK(b.numel() == 1);

  aotc::test::write_file(p, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }", ""));
  CHECK(aotc::load_npy(p).numel() == 0);

  aotc::test::write_file(
      p, npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", "\x05\xff", 2));
  CHECK(aotc::load_npy(p).to_vector<uint8_t>() == std::vector<uint8_t>{5, 255});
}

TEST_CASE("npy: writes what NumPy would, for every dtype, and reads it back") {
  TempDir dir;
  const auto p = (dir / "w.npy").string();
  aotc::save_npy(p, Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}));
  CHECK(aotc::test::read_file(p) ==
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            raw<float>({1, 2, 3, 4, 5, 6})));
  aotc::save_npy(p, Tensor::from_vector(std::vector<int32_t>{9}, {1}));
  CHECK(aotc::test::read_file(p) ==
        npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", raw<int32_t>({9})));

  auto round_trip = [&](const Tensor& t) {
    aotc::save_npy(p, t);
    Tensor back = aotc::load_npy(p, t.dtype());
    CHECK(back.dtype() == t.dtype());
    CHECK(back.sizes() == t.sizes());
    CHECK(std::memcmp(back.data(), t.data(), t.nbytes()) == 0);
  };
  round_trip(Tensor::from_vector(std::vector<double>{1.5, -2.25}, {2, 1}));
  round_trip(Tensor::from_vector(std::vector<int64_t>{1, 2, 3}));
  round_trip(Tensor::from_vector(std::vector<int8_t>{-1, 2}));
  round_trip(Tensor::from_vector(std::vector<uint8_t>{0, 200}));
  round_trip(Tensor::from_vector(std::vector<bool>{true, false, true}));
  Tensor half = Tensor::empty(ScalarType::Float16, {2});
  std::memcpy(half.data(), "\x00\x3c\x00\xc0", 4);  // 1.0, -2.0
  round_trip(half);
  Tensor bf = Tensor::empty(ScalarType::BFloat16, {2});
  std::memcpy(bf.data(), "\x80\x3f\x00\xc0", 4);  // 1.0, -2.0
  round_trip(bf);                                 // as uint16 bit patterns

  // A strided tensor is written in C order.
  std::vector<float> v = {1, 2, 3, 4, 5, 6};
  aotc::save_npy(p, Tensor::borrow(v.data(), ScalarType::Float32, {3, 2}, {1, 3}));
  CHECK(aotc::load_npy(p).to_vector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("npy: bfloat16 as uint16 bits or as float32 values") {
  TempDir dir;
  const auto p = (dir / "b.npy").string();
  aotc::NpyOptions as_f32;
  as_f32.bf16_as_float32 = true;
  // float32 values rounded to nearest even: 1 + 2^-8 is halfway and rounds to 1;
  // 1 + 3*2^-9 rounds up to 1 + 2^-7.
  aotc::test::write_file(p, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                                raw<float>({1.0f + 1.0f / 256, 1.0f + 3.0f / 512, -3.5f})));
  Tensor bf = aotc::load_npy(p, ScalarType::BFloat16, as_f32);
  CHECK(bf.dtype() == ScalarType::BFloat16);
  const auto* bits = static_cast<const uint16_t*>(bf.data());
  CHECK(bits[0] == 0x3f80);
  CHECK(bits[1] == 0x3f81);
  CHECK(bits[2] == 0xc060);
  aotc::save_npy(p, bf, as_f32);
  CHECK(aotc::load_npy(p).to_vector<float>() == std::vector<float>{1.0f, 1.0f + 1.0f / 128, -3.5f});
  CHECK_THAT(load_error(p, ScalarType::BFloat16), Catch::Contains("holds <f4, but bfloat16 is wanted"));

  aotc::test::write_file(
      p, npy("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }", raw<uint16_t>({0x4040})));
  CHECK(*static_cast<const uint16_t*>(aotc::load_npy(p, ScalarType::BFloat16).data()) == 0x4040);
  CHECK_THAT(load_error(p),
             Catch::Contains("holds uint16, which aotc reads only as bfloat16 bit patterns"));
}

TEST_CASE("npy: unsupported files are refused saying what they hold") {
  TempDir dir;
  const auto p = (dir / "x.npy").string();
  aotc::test::write_file(
      p, npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", raw<float>({1})));
  CHECK_THAT(load_error(p), Catch::Contains("big-endian ('>f4')"));
  aotc::test::write_file(p, npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                                raw<float>({1, 2, 3, 4})));
  CHECK_THAT(load_error(p), Catch::Contains("Fortran order"));
  aotc::test::write_file(
      p, npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')));
  CHECK_THAT(load_error(p), Catch::Contains("unsupported dtype '<c8'"));
  aotc::test::write_file(
      p, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", raw<float>({1, 2})));
  CHECK_THAT(load_error(p),
             Catch::Contains("the data is truncated: shape (4,) needs 16 bytes, the file has 8"));
  aotc::test::write_file(
      p, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", raw<float>({1})));
  CHECK_THAT(load_error(p, ScalarType::Float64), Catch::Contains("holds float32, expected float64"));
  aotc::test::write_file(p, "PK\x03\x04 not npy");
  CHECK_THAT(load_error(p), Catch::Contains("not a .npy file"));
  CHECK_THAT(load_error((dir / "missing.npy").string()), Catch::Contains("cannot open"));
}
