// End to end through the host runtime: package the hand-written models with
// PackageWriter, load them with aotc::Model (memfd, mapped weights), run them
// and compare with values computed here by hand; concurrent runs; every
// refusal of bad inputs, with nothing run.
#include <catch2/catch.hpp>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "TestSupport.h"
#include "aotc/runtime.hpp"

using aotc::ScalarType;
using aotc::Tensor;
using aotc::test::TempDir;

namespace {

// y = 2x + 1, row_sum = sum(y, -1), computed independently of the model.
void expect_affine(const std::vector<float>& x, const std::vector<Tensor>& out) {
  REQUIRE(out.size() == 2);
  const int64_t n = static_cast<int64_t>(x.size() / 4);
  REQUIRE(out[0].sizes() == std::vector<int64_t>{n, 4});
  REQUIRE(out[1].sizes() == std::vector<int64_t>{n});
  CHECK(out[0].is_contiguous());
  const float* y = out[0].data_as<const float>();
  const float* s = out[1].data_as<const float>();
  for (int64_t i = 0; i < n; ++i) {
    float sum = 0;
    for (int j = 0; j < 4; ++j) {
      const float want = 2.0f * x[i * 4 + j] + 1.0f;
      REQUIRE(y[i * 4 + j] == want);
      sum += want;
    }
    REQUIRE(s[i] == Approx(sum));
  }
}

std::vector<float> ramp(int64_t n, float start) {
  std::vector<float> v(static_cast<size_t>(n * 4));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + 0.25f * static_cast<float>(i);
  return v;
}

std::string refusal(const aotc::Model& m, const std::vector<Tensor>& inputs) {
  try {
    m.run(inputs);
  } catch (const aotc::RuntimeError& e) {
    CHECK(e.status() == AOTC_ERROR_INVALID_INPUT);
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("affine: load, describe, run at batch sizes 1 to 64") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "affine.pt2", {aotc::test::affine_model()});
  aotc::Model m = aotc::Model::load(p.string());
  CHECK(m.name() == "model");
  CHECK(m.target() == "cpu");
  CHECK(m.device() == "cpu");
  const auto inputs = m.inputs();
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].name == "x");
  CHECK(inputs[0].dtype == ScalarType::Float32);
  CHECK(inputs[0].shape == std::vector<std::string>{"s0", "4"});
  const auto outputs = m.outputs();
  REQUIRE(outputs.size() == 2);
  CHECK(outputs[1].name == "row_sum");
  CHECK(outputs[1].shape == std::vector<std::string>{"s0"});
  const auto symbols = m.symbols();
  REQUIRE(symbols.size() == 1);
  CHECK(symbols[0].name == "s0");
  CHECK(symbols[0].min == 1);
  CHECK(symbols[0].max == 64);

  for (int64_t n : {1, 2, 3, 17, 63, 64, 5, 1}) {  // growing and shrinking arenas
    std::vector<float> x = ramp(n, -3.0f + static_cast<float>(n));
    auto out = m.run({Tensor::borrow(x.data(), ScalarType::Float32, {n, 4})});
    expect_affine(x, out);
  }
  // An owned input works the same.
  Tensor owned = Tensor::from_vector(ramp(8, 1.0f), {8, 4});
  expect_affine(ramp(8, 1.0f), m.run({owned}));
}

TEST_CASE("affine: 8 threads running different sizes at once all get their own answers") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "affine.pt2", {aotc::test::affine_model()});
  aotc::LoadOptions o;
  o.max_concurrency = 3;  // fewer instances than threads: some runs wait for one
  aotc::Model m = aotc::Model::load(p.string(), o);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int iter = 0; iter < 40; ++iter) {
        const int64_t n = 1 + (t * 13 + iter * 7) % 64;
        std::vector<float> x = ramp(n, static_cast<float>(t * 100 + iter));
        auto out = m.run({Tensor::borrow(x.data(), ScalarType::Float32, {n, 4})});
        const float* y = out[0].data_as<const float>();
        const float* s = out[1].data_as<const float>();
        for (int64_t i = 0; i < n; ++i) {
          float sum = 0;
          for (int j = 0; j < 4; ++j) {
            const float want = 2.0f * x[i * 4 + j] + 1.0f;
            if (y[i * 4 + j] != want) bad++;
            sum += want;
          }
          if (std::abs(s[i] - sum) > 1e-3f * std::abs(sum) + 1e-3f) bad++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad.load() == 0);
}

TEST_CASE("affine: bad inputs are refused with the input, dimension, expectation and value") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "affine.pt2", {aotc::test::affine_model()});
  aotc::Model m = aotc::Model::load(p.string());
  std::vector<double> f64(8, 1.0);
  std::vector<float> f32(65 * 4, 1.0f);
  CHECK(refusal(m, {Tensor::borrow(f64.data(), ScalarType::Float64, {2, 4})}) ==
        "input 0 'x': expected dtype float32, got float64");
  CHECK(refusal(m, {Tensor::borrow(f32.data(), ScalarType::Float32, {2, 2, 2})}) ==
        "input 0 'x': expected 2 dimensions, got 3");
  CHECK(refusal(m, {Tensor::borrow(f32.data(), ScalarType::Float32, {2, 5})}) ==
        "input 0 'x': dimension 1 is 5, expected 4");
  CHECK(refusal(m, {Tensor::borrow(f32.data(), ScalarType::Float32, {65, 4})}) ==
        "input 0 'x': dimension 0 is 65, outside the range [1, 64] of symbol s0");
  CHECK(refusal(m, {Tensor::borrow(f32.data(), ScalarType::Float32, {0, 4})}) ==
        "input 0 'x': dimension 0 is 0, outside the range [1, 64] of symbol s0");
  CHECK(refusal(m, {Tensor::borrow(f32.data(), ScalarType::Float32, {4, 4}, {1, 4})}) ==
        "input 0 'x': is not contiguous (sizes [4, 4], strides [1, 4], expected strides [4, 1]); "
        "pass a "
        "contiguous tensor (x.contiguous())");
  CHECK(refusal(m, {}) == "model 'affine' takes 1 input, got 0");
  Tensor ok = Tensor::borrow(f32.data(), ScalarType::Float32, {2, 4});
  CHECK(refusal(m, {ok, ok}) == "model 'affine' takes 1 input, got 2");

  // Nothing ran: the output slots are untouched.
  aotc_tensor* outs[2] = {nullptr, nullptr};
  aotc_tensor* bad = Tensor::borrow(f32.data(), ScalarType::Float32, {2, 5}).release();
  CHECK(aotc_model_run(m.get(), &bad, 1, outs, 2, nullptr) == AOTC_ERROR_INVALID_INPUT);
  CHECK(outs[0] == nullptr);
  CHECK(outs[1] == nullptr);
  aotc_tensor_release(bad);
  // Too few output slots is the caller's error, also refused before running.
  aotc_tensor* good = ok.get();
  CHECK(aotc_model_run(m.get(), &good, 1, outs, 1, nullptr) == AOTC_ERROR_INVALID_INPUT);
  CHECK_THAT(aotc_last_error(), Catch::Contains("has 2 outputs, but the caller made room for 1"));
  CHECK(outs[0] == nullptr);
  // The model still works after every refusal.
  std::vector<float> x = ramp(3, 0.5f);
  expect_affine(x, m.run({Tensor::borrow(x.data(), ScalarType::Float32, {3, 4})}));
}

TEST_CASE("pair: shared symbols across inputs, derived and expression dimensions") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(
      dir / "two.pt2", {aotc::test::affine_model(), aotc::test::pair_model()});
  aotc::LoadOptions o;
  o.model_name = "pair";
  aotc::Model m = aotc::Model::load(p.string(), o);
  CHECK(m.name() == "pair");
  CHECK(m.inputs()[1].shape == std::vector<std::string>{"2*s0", "s1"});
  CHECK(m.outputs()[1].shape == std::vector<std::string>{"s0 + s1"});

  const int64_t s0 = 3, s1 = 5;
  std::vector<float> x(s0 * 4), y(2 * s0 * s1);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  for (size_t i = 0; i < y.size(); ++i) y[i] = 0.5f * static_cast<float>(i);
  auto out = m.run({Tensor::borrow(x.data(), ScalarType::Float32, {s0, 4}),
                    Tensor::borrow(y.data(), ScalarType::Float32, {2 * s0, s1})});
  REQUIRE(out[0].sizes() == std::vector<int64_t>{s0});
  REQUIRE(out[1].sizes() == std::vector<int64_t>{s0 + s1});
  CHECK(out[1].dtype() == ScalarType::Int64);
  for (int64_t i = 0; i < s0; ++i) {
    const float want = x[4 * i] + x[4 * i + 1] + x[4 * i + 2] + x[4 * i + 3] + y[2 * i * s1];
    CHECK(out[0].data_as<const float>()[i] == want);
  }
  for (int64_t k = 0; k < s0 + s1; ++k) CHECK(out[1].data_as<const int64_t>()[k] == 100 + k);

  // The same symbol seen twice must agree.
  std::vector<float> y_bad(8 * s1);
  CHECK(refusal(m, {Tensor::borrow(x.data(), ScalarType::Float32, {s0, 4}),
                    Tensor::borrow(y_bad.data(), ScalarType::Float32, {8, s1})}) ==
        "input 1 'y': dimension 0 is 8 but symbol s0 is 3 from input 0 'x' dimension 0, so 2*s0 "
        "must be 6");
  CHECK(refusal(m, {Tensor::borrow(x.data(), ScalarType::Float32, {s0, 4}),
                    Tensor::borrow(y_bad.data(), ScalarType::Float32, {6, 9})}) ==
        "input 1 'y': dimension 1 is 9, outside the range [1, 8] of symbol s1");
}

TEST_CASE("one package, two models loaded side by side, each with its own library") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(
      dir / "two.pt2", {aotc::test::affine_model(), aotc::test::pair_model()});
  aotc::Model a = aotc::Model::load(p.string());
  aotc::Model a2 = aotc::Model::load(p.string());  // the same library twice: two memfds
  aotc::LoadOptions o;
  o.model_name = "pair";
  aotc::Model b = aotc::Model::load(p.string(), o);
  std::vector<float> x = ramp(2, 1.0f);
  expect_affine(x, a.run({Tensor::borrow(x.data(), ScalarType::Float32, {2, 4})}));
  expect_affine(x, a2.run({Tensor::borrow(x.data(), ScalarType::Float32, {2, 4})}));
  CHECK(b.outputs().size() == 2);
}

TEST_CASE("outputs outlive the model that made them") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "affine.pt2", {aotc::test::affine_model()});
  std::vector<Tensor> out;
  std::vector<float> x = ramp(4, 2.0f);
  {
    aotc::Model m = aotc::Model::load(p.string());
    out = m.run({Tensor::borrow(x.data(), ScalarType::Float32, {4, 4})});
  }
  expect_affine(x, out);
}

TEST_CASE("the C API checks its arguments and reports versions") {
  CHECK(aotc_runtime_api_version() == AOTC_RUNTIME_API_VERSION);
  CHECK(std::string(aotc_runtime_version_string()).size() > 0);
  CHECK(aotc_model_load(nullptr, nullptr, nullptr) == AOTC_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(aotc_last_error(), Catch::Contains("path is null"));
  aotc_tensor* t = nullptr;
  CHECK(aotc_tensor_empty(99, 0, nullptr, AOTC_DEVICE_TYPE_CPU, 0, &t) ==
        AOTC_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(aotc_last_error(), Catch::Contains("dtype code 99"));
  const int64_t sizes[] = {2, 3};
  REQUIRE(aotc_tensor_empty(AOTC_DTYPE_FLOAT32, 2, sizes, AOTC_DEVICE_TYPE_CPU, 0, &t) == AOTC_OK);
  CHECK(reinterpret_cast<uintptr_t>(aotc_tensor_data(t)) % 64 == 0);
  CHECK(aotc_tensor_nbytes(t) == 24);
  CHECK(aotc_tensor_strides(t)[0] == 3);
  CHECK(aotc_tensor_retain(t) == t);
  aotc_tensor_release(t);
  aotc_tensor_release(t);
  CHECK(std::string(aotc_status_name(AOTC_ERROR_INVALID_INPUT)) == "AOTC_ERROR_INVALID_INPUT");
}

TEST_CASE("kernel tuning tables are refused where they cannot apply") {
  aotc_tuning table{};
  table.struct_size = sizeof(aotc_tuning);
  CHECK(aotc_model_set_tuning(nullptr, &table) == AOTC_ERROR_INVALID_ARGUMENT);
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "affine.pt2", {aotc::test::affine_model()});
  aotc::Model m = aotc::Model::load(p.string());
  CHECK(aotc_model_set_tuning(m.get(), &table) == AOTC_ERROR_UNSUPPORTED);
  CHECK_THAT(aotc_last_error(), Catch::Contains("needs a CUDA model"));
  table.struct_size = 8;
  CHECK(aotc_model_set_tuning(m.get(), &table) == AOTC_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(aotc_last_error(), Catch::Contains("struct_size"));
  // The model still runs.
  const std::vector<float> x = {1, 2, 3, 4};
  CHECK(m.run({Tensor::from_vector(x, {1, 4})}).size() == m.outputs().size());
}

TEST_CASE("Tensor::to copies, gathering strided host tensors") {
  std::vector<float> v = {1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::borrow(v.data(), ScalarType::Float32, {3, 2}, {1, 3});  // the transpose of a 2x3
  CHECK_FALSE(t.is_contiguous());
  Tensor c = t.to(aotc::Device::cpu());
  CHECK(c.is_contiguous());
  CHECK(c.to_vector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("without memfd the library loads from an unlinked temporary file") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "affine.pt2", {aotc::test::affine_model()});
  ::setenv("AOTC_NO_MEMFD", "1", 1);
  ::setenv("TMPDIR", dir.path().c_str(), 1);
  aotc::Model m = aotc::Model::load(p.string());
  ::unsetenv("AOTC_NO_MEMFD");
  ::unsetenv("TMPDIR");
  std::vector<float> x = ramp(2, 1.0f);
  expect_affine(x, m.run({Tensor::borrow(x.data(), ScalarType::Float32, {2, 4})}));
  // Nothing is left behind in the temporary folder but the package.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}

TEST_CASE("a library that is not an aotc model library is refused, and leaves no trace") {
  TempDir dir;
  aotc::codegen::PackageModel m = aotc::test::affine_model();
  m.library = aotc::codegen::Blob::from_bytes(aotc::test::read_file(AOTC_TEST_NOT_A_MODEL));
  const auto bad = aotc::test::write_test_package(dir / "x.pt2", {m});
  const auto good =
      aotc::test::write_test_package(dir / "affine.pt2", {aotc::test::affine_model()});
  for (int i = 0; i < 3; ++i) {
    try {
      aotc::Model::load(bad.string());
      FAIL("loaded");
    } catch (const aotc::RuntimeError& e) {
      CHECK(e.status() == AOTC_ERROR_INVALID_PACKAGE);
      CHECK_THAT(
          e.what(),
          Catch::Contains(
              "affine.wrapper.so is not an aotc model library: it lacks AotcModelAbiVersion"));
    }
    // That library stays loaded (it cannot be unloaded); the next load must
    // still get its own library, not the one left behind under the same name.
    aotc::Model ok = aotc::Model::load(good.string());
    std::vector<float> x = ramp(2, 1.0f);
    expect_affine(x, ok.run({Tensor::borrow(x.data(), ScalarType::Float32, {2, 4})}));
  }
}
