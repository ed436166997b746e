// run_model: loads an aotc package and prints its outputs.
//
//   run_model PKG [--model NAME] [--device cpu|cuda|cuda:N] [INPUT.npy ...]
//
// Inputs come from .npy files, in the model's input order; without any, the
// example makes its own: every dimension that is a number or a bare symbol
// gets that number or the symbol's smallest value (at least 2), and every
// element is 1. Built against the installed runtime only (find_package(aotc)).
#include <aotc/runtime.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

std::string shape_text(const std::vector<int64_t>& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

// A tensor of ones for a declared input, or an explanation of why not.
aotc::Tensor make_input(const aotc::TensorInfo& info,
                        const std::map<std::string, int64_t>& symbols) {
  std::vector<int64_t> sizes;
  for (const std::string& d : info.shape) {
    if (!d.empty() &&
        std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      sizes.push_back(std::stoll(d));
    } else if (auto it = symbols.find(d); it != symbols.end()) {
      sizes.push_back(it->second);
    } else {
      throw std::runtime_error("input '" + info.name + "' has dimension '" + d +
                               "'; pass its values as a .npy file");
    }
  }
  aotc::Tensor t = aotc::Tensor::empty(info.dtype, sizes);
  const size_t elem = aotc::scalar_type_size(info.dtype);
  auto* p = static_cast<unsigned char*>(t.data());
  for (int64_t i = 0; i < t.numel(); ++i) {
    unsigned char* e = p + i * elem;
    std::memset(e, 0, elem);
    switch (info.dtype) {
      case aotc::ScalarType::Float32: {
        const float one = 1;
        std::memcpy(e, &one, 4);
        break;
      }
      case aotc::ScalarType::Float64: {
        const double one = 1;
        std::memcpy(e, &one, 8);
        break;
      }
      case aotc::ScalarType::Float16:
        e[1] = 0x3c;
        break;
      case aotc::ScalarType::BFloat16:
        e[0] = 0x80;
        e[1] = 0x3f;
        break;
      default:
        e[0] = 1;
        break;  // integers and bool, little-endian
    }
  }
  return t;
}

void print(const std::string& name, const aotc::Tensor& t) {
  std::printf("%s: %s %s on %s", name.c_str(), aotc::scalar_type_name(t.dtype()).c_str(),
              shape_text(t.sizes()).c_str(), t.device().str().c_str());
  const aotc::Tensor host = t.device().is_cuda() ? t.to(aotc::Device::cpu()) : t;
  const int64_t n = std::min<int64_t>(host.numel(), 8);
  std::printf(" =");
  for (int64_t i = 0; i < n; ++i) {
    switch (host.dtype()) {
      case aotc::ScalarType::Float32:
        std::printf(" %g", static_cast<const float*>(host.data())[i]);
        break;
      case aotc::ScalarType::Float64:
        std::printf(" %g", static_cast<const double*>(host.data())[i]);
        break;
      case aotc::ScalarType::Int64:
        std::printf(" %lld", static_cast<long long>(static_cast<const int64_t*>(host.data())[i]));
        break;
      case aotc::ScalarType::Int32:
        std::printf(" %d", static_cast<const int32_t*>(host.data())[i]);
        break;
      default:
        std::printf(" ?");
        break;
    }
  }
  std::printf("%s\n", host.numel() > n ? " ..." : "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PKG [--model NAME] [--device cpu|cuda:N] [INPUT.npy ...]\n",
                 argv[0]);
    return 2;
  }
  aotc::LoadOptions options;
  std::vector<std::string> npy;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) {
      options.model_name = argv[++i];
    } else if (a == "--device" && i + 1 < argc) {
      options.device = argv[++i];
    } else {
      npy.push_back(a);
    }
  }
  try {
    aotc::Model model = aotc::Model::load(argv[1], options);
    std::printf("model '%s' (%s) on %s\n", model.name().c_str(), model.target().c_str(),
                model.device().c_str());
    std::map<std::string, int64_t> symbols;
    for (const aotc::SymbolInfo& s : model.symbols())
      symbols[s.name] = std::min(std::max<int64_t>(s.min, 2), s.max);
    std::vector<aotc::Tensor> inputs;
    const std::vector<aotc::TensorInfo> declared = model.inputs();
    for (size_t i = 0; i < declared.size(); ++i) {
      inputs.push_back(i < npy.size() ? aotc::load_npy(npy[i], declared[i].dtype)
                                      : make_input(declared[i], symbols));
      print("input " + declared[i].name, inputs.back());
    }
    const std::vector<aotc::Tensor> outputs = model.run(inputs);
    const std::vector<aotc::TensorInfo> out_info = model.outputs();
    for (size_t i = 0; i < outputs.size(); ++i) print("output " + out_info[i].name, outputs[i]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "run_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
