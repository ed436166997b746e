// aoti_run: loads a .pt2 package with PyTorch's AOTIModelPackageLoader, runs it
// on .npy inputs, checks the outputs against .npy references and optionally
// measures per-call latency. Works the same for an aotc package and for one
// made by torch._inductor.aoti_compile_and_package.
//
//   aoti_run PACKAGE [--device cpu|cuda] [--input a.npy]... [--expect o.npy]...
//            [--tolerance 1e-4] [--bench N] [--single-threaded] [--no-tf32]
//
// --no-tf32 turns TF32 off for cuBLAS and cuDNN in this process, as
// torch.backends.{cuda.matmul,cudnn}.allow_tf32 = False does in Python (by
// default PyTorch lets cuDNN run float32 convolutions on TF32 tensor cores,
// which an AOTInductor package's convolutions then do).
//
// Exit status: 0 when every output is within tolerance (relative to the
// reference's largest magnitude), 1 otherwise, 2 on a usage or load error.
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <torch/torch.h>

#ifdef __has_include
#if __has_include(<ATen/cuda/CUDAContext.h>)
#include <ATen/cuda/CUDAContext.h>
#endif
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Reads a little-endian, C-order .npy file of float32, float64, int64 or
// int32 into a CPU tensor.
torch::Tensor read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  char magic[8];
  f.read(magic, 8);
  if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    uint16_t n = 0;
    f.read(reinterpret_cast<char*>(&n), 2);
    header_len = n;
  } else {
    f.read(reinterpret_cast<char*>(&header_len), 4);
  }
  std::string header(header_len, '\0');
  f.read(header.data(), header_len);
  auto field = [&](const std::string& key) {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) throw std::runtime_error(path + ": header lacks " + key);
    return header.substr(header.find(':', k) + 1);
  };
  std::string descr = field("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  if (field("fortran_order").find("True") < field("fortran_order").find(','))
    throw std::runtime_error(path + ": Fortran order is not supported");
  std::string shape = field("shape");
  shape = shape.substr(shape.find('(') + 1, shape.find(')') - shape.find('(') - 1);
  std::vector<int64_t> sizes;
  std::stringstream ss(shape);
  for (std::string part; std::getline(ss, part, ',');)
    if (part.find_first_of("0123456789") != std::string::npos) sizes.push_back(std::stoll(part));
  torch::ScalarType type;
  if (descr == "<f4") type = torch::kFloat32;
  else if (descr == "<f8") type = torch::kFloat64;
  else if (descr == "<i8") type = torch::kInt64;
  else if (descr == "<i4") type = torch::kInt32;
  else throw std::runtime_error(path + ": unsupported dtype " + descr);
  torch::Tensor t = torch::empty(sizes, torch::TensorOptions().dtype(type));
  f.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  if (!f) throw std::runtime_error(path + ": truncated");
  return t;
}

// The dtype an input should have, from the package's metadata-free view: the
// loader does not expose input dtypes, so --dtype says it (default float32).
torch::ScalarType parse_dtype(const std::string& s) {
  if (s == "float32") return torch::kFloat32;
  if (s == "bfloat16") return torch::kBFloat16;
  if (s == "float16") return torch::kFloat16;
  if (s == "float64") return torch::kFloat64;
  throw std::runtime_error("unknown --dtype " + s);
}

void synchronize(const torch::Device& device) {
#ifdef __has_include
#if __has_include(<ATen/cuda/CUDAContext.h>)
  if (device.is_cuda()) at::cuda::getCurrentCUDAStream(device.index()).synchronize();
#endif
#endif
  (void)device;
}

}  // namespace

int main(int argc, char** argv) {
  std::string package, device_name = "cpu", dtype_name = "float32";
  std::vector<std::string> inputs, expects;
  double tolerance = 1e-4;
  int bench = 0;
  bool single_threaded = false, no_tf32 = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--device") device_name = value();
    else if (a == "--input") inputs.push_back(value());
    else if (a == "--expect") expects.push_back(value());
    else if (a == "--tolerance") tolerance = std::stod(value());
    else if (a == "--bench") bench = std::stoi(value());
    else if (a == "--dtype") dtype_name = value();
    else if (a == "--single-threaded") single_threaded = true;
    else if (a == "--no-tf32") no_tf32 = true;
    else if (!a.empty() && a[0] != '-' && package.empty()) package = a;
    else {
      std::fprintf(stderr, "usage: aoti_run PACKAGE [--device cpu|cuda] [--dtype float32|bfloat16] "
                           "[--input a.npy]... [--expect o.npy]... [--tolerance T] [--bench N] [--single-threaded] "
                           "[--no-tf32]\n");
      return 2;
    }
  }
  if (package.empty()) {
    std::fprintf(stderr, "aoti_run: no package given\n");
    return 2;
  }
  if (no_tf32) {
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
  }
  try {
    const torch::Device device(device_name);
    const torch::ScalarType dtype = parse_dtype(dtype_name);
    std::vector<torch::Tensor> in;
    for (const auto& p : inputs) {
      torch::Tensor t = read_npy(p);
      if (t.is_floating_point()) t = t.to(dtype);
      in.push_back(t.to(device));
    }
    synchronize(device);
    auto t0 = std::chrono::steady_clock::now();
    torch::inductor::AOTIModelPackageLoader loader(package, "model", single_threaded, 1,
                                                   device.is_cuda() ? device.index() : -1);
    std::vector<torch::Tensor> out = loader.run(in);
    synchronize(device);
    const double load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    auto metadata = loader.get_metadata();
    std::printf("%s: loaded and ran once in %.2f ms on %s; %zu output(s); metadata:", package.c_str(), load_ms,
                device_name.c_str(), out.size());
    std::vector<std::string> keys;
    for (const auto& kv : metadata) keys.push_back(kv.first + "=" + kv.second);
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) std::printf(" %s", k.c_str());
    std::printf("\n");

    int status = 0;
    if (!expects.empty() && expects.size() != out.size()) {
      std::printf("FAIL: %zu outputs, %zu references given\n", out.size(), expects.size());
      status = 1;
    }
    for (size_t j = 0; j < std::min(expects.size(), out.size()); ++j) {
      torch::Tensor ref = read_npy(expects[j]).to(torch::kFloat64);
      torch::Tensor got = out[j].to(torch::kCPU).to(torch::kFloat64);
      if (got.sizes() != ref.sizes()) {
        std::printf("FAIL output %zu: shape %s, reference %s\n", j, c10::str(got.sizes()).c_str(),
                    c10::str(ref.sizes()).c_str());
        status = 1;
        continue;
      }
      const double scale = std::max(ref.abs().max().item<double>(), 1e-30);
      const double err = (got - ref).abs().max().item<double>() / scale;
      const bool ok = err <= tolerance;
      std::printf("%s output %zu on %s: relative error %.3g (tolerance %.0e)\n", ok ? "ok  " : "FAIL", j,
                  c10::str(out[j].device()).c_str(), err, tolerance);
      if (!ok) status = 1;
    }
    if (bench > 0) {
      for (int i = 0; i < 10; ++i) loader.run(in);
      synchronize(device);
      std::vector<double> times;
      for (int i = 0; i < bench; ++i) {
        auto s = std::chrono::steady_clock::now();
        auto o = loader.run(in);
        synchronize(device);
        times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count());
      }
      std::sort(times.begin(), times.end());
      std::printf("{\"package\": \"%s\", \"load_first_ms\": %.3f, \"median_us\": %.2f, \"p10_us\": %.2f, \"p90_us\": %.2f}\n",
                  package.c_str(), load_ms, times[times.size() / 2], times[times.size() / 10],
                  times[times.size() * 9 / 10]);
    }
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aoti_run: %s\n", e.what());
    return 2;
  }
}
