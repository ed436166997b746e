// The compile driver (see Compiler.h).
#include "codegen/Compiler.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <semaphore>

#include <fmt/format.h>

#include "Sha256.h"
#include "codegen/Lowering.h"
#include "codegen/PackageWriter.h"
#include "codegen/Toolchain.h"
#include "CudaTemplates.h"
#include "codegen/cpu/CpuEmitter.h"
#include "codegen/cuda/CudaEmitter.h"
#include "codegen/cuda/Nvrtc.h"
#include "frontend/Importer.h"
#include "ir/Printer.h"
#include "passes/Pipeline.h"
#include "support/Files.h"

namespace aotc::codegen {
namespace {

class Clock {
 public:
  void lap(std::vector<PhaseTiming>& phases, const std::string& name) {
    auto now = std::chrono::steady_clock::now();
    phases.push_back({name, std::chrono::duration<double, std::milli>(now - last_).count()});
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

Status dump(const std::optional<std::filesystem::path>& dir, const std::string& name, const std::string& text) {
  if (!dir) return Status::ok();
  std::error_code ec;
  std::filesystem::create_directories(*dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create dump folder {}: {}", dir->string(), ec.message());
  return write_file(*dir / name, text);
}

std::vector<std::string> shape_strings(const Shape& shape) {
  std::vector<std::string> out;
  for (const auto& d : shape) out.push_back(d.to_string());
  return out;
}

// The weights blob: every constant at its 64-byte aligned offset.
std::string weights_blob(const KernelGraph& kg) {
  std::string blob(kg.weights_size, '\0');
  for (const WeightEntry& w : kg.weights) {
    uint64_t off = kg.buffer(w.buffer).weight_offset;
    if (w.data.nbytes() > 0) std::memcpy(blob.data() + off, w.data.data(), w.data.nbytes());
  }
  return blob;
}

// "sm_80,sm_90" -> {80, 90}; the default covers current data-center GPUs
// (A100, H100/H200); PTX of the highest one runs on anything newer.
Expected<std::vector<int>> parse_archs(const std::vector<std::string>& names) {
  std::vector<std::string> list = names.empty() ? std::vector<std::string>{"sm_80", "sm_90"} : names;
  std::vector<int> out;
  for (const auto& n : list) {
    if (n.size() < 5 || !n.starts_with("sm_"))
      return make_error(ErrorCode::kUsage, "--arch {}: expected sm_XY, e.g. sm_90", n);
    int v = std::atoi(n.c_str() + 3);
    if (v < 80)
      return make_error(ErrorCode::kUnsupported, "--arch {}: aotc's CUDA kernels need sm_80 (Ampere) or newer", n);
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<CudaImageRef> image_refs(const std::vector<int>& archs) {
  std::vector<CudaImageRef> refs;
  for (int a : archs) refs.push_back({a, false, fmt::format("aotc_image_sm{}", a)});
  refs.push_back({archs.back(), true, fmt::format("aotc_image_ptx{}", archs.back())});
  return refs;
}

// The device code compiled by NVRTC on worker threads, one per image.
struct DeviceBuild {
  std::string key;
  std::vector<std::future<Expected<std::string>>> jobs;
  std::vector<std::string> names;
  Expected<std::vector<std::pair<std::string, std::string>>> wait() {
    std::vector<std::pair<std::string, std::string>> files;
    for (size_t i = 0; i < jobs.size(); ++i) {
      auto r = jobs[i].get();
      if (!r) return std::move(r).error();
      files.emplace_back(names[i], std::move(*r));
    }
    return files;
  }
};

std::vector<std::pair<std::string, std::string>> nvrtc_headers() {
  std::vector<std::pair<std::string, std::string>> h;
  h.emplace_back("aotc_math.h", std::string(embedded_header("aotc_math.h")));
  for (auto name : aotc::cuda_templates::embedded_file_names()) {
    std::string base(name.substr(name.rfind('/') + 1));
    h.emplace_back(base, std::string(aotc::cuda_templates::embedded_file(name)));
  }
  return h;
}

DeviceBuild start_device_build(const std::string& device_source, const std::vector<CudaImageRef>& images, int jobs) {
  DeviceBuild b;
  auto headers = std::make_shared<std::vector<std::pair<std::string, std::string>>>(nvrtc_headers());
  std::string key_text = device_source;
  for (const auto& [n, t] : *headers) key_text += n + ":" + sha256::hex(t.data(), t.size()) + "\n";
  auto version = nvrtc_version();
  key_text += version ? *version : "";
  for (const auto& img : images) key_text += fmt::format("{}{} ", img.ptx ? "compute_" : "sm_", img.arch);
  b.key = sha256::hex(key_text.data(), key_text.size());
  auto src = std::make_shared<std::string>(device_source);
  // At most `jobs` NVRTC compiles run at once (0: one per image).
  auto slots = std::make_shared<std::counting_semaphore<64>>(jobs > 0 ? std::min(jobs, 64) : 64);
  for (const auto& img : images) {
    std::string arch = fmt::format("{}_{}", img.ptx ? "compute" : "sm", img.arch);
    b.names.push_back(img.symbol + ".bin");
    b.jobs.push_back(std::async(std::launch::async, [src, headers, arch, slots]() -> Expected<std::string> {
      slots->acquire();
      auto r = nvrtc_compile(*src, "device.cu", *headers, arch);
      slots->release();
      if (!r) return std::move(r).error();
      return std::move(r->binary);
    }));
  }
  return b;
}

// An assembler file embedding each image (64-byte aligned) with start/end symbols.
std::string images_assembly(const std::vector<CudaImageRef>& images) {
  std::string s = "  .section .rodata.aotc_images,\"a\",@progbits\n";
  for (const auto& img : images) {
    s += "  .balign 64\n";
    s += fmt::format("  .globl {0}\n  .hidden {0}\n{0}:\n  .incbin \"{0}.bin\"\n", img.symbol);
    s += fmt::format("  .globl {0}_end\n  .hidden {0}_end\n{0}_end:\n", img.symbol);
  }
  s += "  .section .note.GNU-stack,\"\",@progbits\n";
  return s;
}

// What the CPU emitter calls for a kernel, for the manifest.
std::string cpu_kernel_implementation(const Kernel& k) {
  std::string kind = k.kind_name();
  if (kind == "gemm") return "aotc_cpu::gemm (blocked, fused epilogue)";
  if (kind == "conv") return "aotc_cpu::conv (im2col + blocked GEMM, fused epilogue)";
  if (kind == "attention") return "aotc_cpu::attention (flash-style)";
  return "generated " + kind + " loops";
}

}  // namespace

namespace {

/// The target, arch and tuning options checked; the archs to build.
Expected<std::vector<int>> check_options(const CompileOptions& options) {
  if (options.target != "cpu" && options.target != "cuda")
    return make_error(ErrorCode::kUsage, "unknown target '{}' (expected cpu or cuda)", options.target);
  if (options.target != "cuda" && (options.tuning || options.tuning_build))
    return make_error(ErrorCode::kUsage, "kernel tuning applies to --target cuda only");
  std::vector<int> archs;
  if (options.target == "cuda") {
    AOTC_ASSIGN_OR_RETURN(archs, parse_archs(options.archs));
    if (options.tuning_build) archs.resize(1);
  }
  return archs;
}

/// Everything after import: passes, lowering, code generation, the model
/// library, the package.
Expected<CompileSummary> compile_imported(Graph& graph_ref, const std::filesystem::path& output,
                                          const CompileOptions& options, const std::vector<int>& archs,
                                          CompileSummary summary, Clock clock);

}  // namespace

Expected<CompileSummary> compile_graph(Graph& graph, const std::filesystem::path& output,
                                       const CompileOptions& options) {
  AOTC_ASSIGN_OR_RETURN(std::vector<int> archs, check_options(options));
  AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "00-import.ir", print_graph(graph)));
  return compile_imported(graph, output, options, archs, CompileSummary{}, Clock{});
}

Expected<CompileSummary> compile_package(const std::filesystem::path& input, const std::filesystem::path& output,
                                         const CompileOptions& options) {
  CompileSummary summary;
  Clock clock;
  AOTC_ASSIGN_OR_RETURN(std::vector<int> archs, check_options(options));
  AOTC_ASSIGN_OR_RETURN(LoadedProgram program, load_program(input, options.weights, options.model_name));
  clock.lap(summary.phases, "frontend");
  AOTC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, import_program(program));
  AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "00-import.ir", print_graph(*graph)));
  clock.lap(summary.phases, "import");
  return compile_imported(*graph, output, options, archs, std::move(summary), clock);
}

namespace {

Expected<CompileSummary> compile_imported(Graph& graph_ref, const std::filesystem::path& output,
                                          const CompileOptions& options, const std::vector<int>& archs,
                                          CompileSummary summary, Clock clock) {
  Graph* graph = &graph_ref;
  auto progress = [&](const std::string& msg) {
    if (options.progress) options.progress(msg);
  };

  PipelineOptions pipeline;
  int pass_index = 1;
  Status dump_status;
  pipeline.after_pass = [&](const std::string& pass, const Graph& g) {
    if (!dump_status) return;
    dump_status = dump(options.dump_dir, fmt::format("{:02d}-{}.ir", pass_index++, pass), print_graph(g));
  };
  AOTC_ASSIGN_OR_RETURN(std::vector<PassRecord> passes, run_pipeline(*graph, pipeline));
  AOTC_RETURN_IF_ERROR(dump_status);
  clock.lap(summary.phases, "passes");

  LoweringOptions lowering;
  lowering.permuted_attention_output = options.target == "cuda";
  lowering.fold_layer_norm = options.target == "cuda" && !options.allow_tf32;
  AOTC_ASSIGN_OR_RETURN(KernelGraph kg, lower_graph(*graph, lowering));
  std::string kg_text = print_kernel_graph(kg);
  AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "kernels.txt", kg_text));
  summary.kernels = kg.kernels.size();
  for (const auto& [name, value] : kg.symbol_hints) summary.symbol_hints[name] = value;
  clock.lap(summary.phases, "lower");

  std::string blob = weights_blob(kg);
  summary.weights_bytes = blob.size();
  std::string weights_hash = sha256::hex(blob.data(), blob.size());
  std::string stem_source = kg_text + "\n" + weights_hash + "\n" + options.target;
  std::string stem = sha256::hex(stem_source.data(), stem_source.size()).substr(0, 16);
  const std::string weights_file = stem + ".weights.bin";
  std::string source;
  LibraryJob job;
  job.headers = embedded_header_names();
  std::vector<CudaKernelChoice> choices;
  std::string nvrtc;
  if (options.target == "cpu") {
    CpuEmitOptions emit;
    emit.weights_file = weights_file;
    AOTC_ASSIGN_OR_RETURN(source, emit_cpu_model(kg, emit));
  } else {
    AOTC_ASSIGN_OR_RETURN(nvrtc, nvrtc_version());
    CudaEmitOptions emit;
    emit.weights_file = weights_file;
    emit.allow_tf32 = options.allow_tf32;
    emit.use_cudnn = options.use_cudnn;
    emit.use_cublaslt = options.use_cublaslt;
    emit.images = image_refs(archs);
    if (options.tuning_build) emit.images.pop_back();  // the cubin only: it runs here, now
    emit.tuning = options.tuning.get();
    emit.tune_for = options.tune_for;
    emit.tuning_build = options.tuning_build;
    AOTC_ASSIGN_OR_RETURN(CudaEmitResult cuda, emit_cuda_model(kg, emit));
    source = std::move(cuda.host_source);
    choices = std::move(cuda.choices);
    summary.tunables = std::move(cuda.tunables);
    AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "device.cu", cuda.device_source));
    // NVRTC for every image, in parallel with the host compile below.
    std::vector<std::string> built;
    for (const auto& img : emit.images) built.push_back(fmt::format("{}_{}", img.ptx ? "compute" : "sm", img.arch));
    progress(fmt::format("compiling device code with NVRTC {} for {}{}", nvrtc, fmt::join(built, ", "),
                         options.tuning_build ? " (tuning build: every candidate kernel)" : ""));
    auto device = std::make_shared<DeviceBuild>(start_device_build(cuda.device_source, emit.images, options.jobs));
    job.link_cpu_kernels = false;
    job.extra_sources = {{"images.S", images_assembly(emit.images)}};
    job.cache_salt = device->key;
    job.data_files = [device]() { return device->wait(); };
  }
  job.source = source;
  AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "wrapper.cpp", source));
  clock.lap(summary.phases, "codegen");

  progress("compiling the model library");
  AOTC_ASSIGN_OR_RETURN(HostToolchain toolchain, find_host_toolchain());
  AOTC_ASSIGN_OR_RETURN(SupportLibraries libs, find_support_libraries());
  AOTC_ASSIGN_OR_RETURN(LibraryResult lib, build_model_library(toolchain, libs, job));
  summary.cache_hit = lib.cache_hit;
  summary.library_command = lib.command;
  clock.lap(summary.phases, lib.cache_hit ? "host compile (cached)" : options.target == "cuda" ? "host compile + NVRTC" : "host compile");

  PackageModel model;
  model.name = options.model_name.empty() ? "model" : options.model_name;
  model.target = options.target;
  for (int a : archs) model.archs.push_back(fmt::format("sm_{}", a));
  model.file_stem = stem;
  model.wrapper_cpp = Blob::from_bytes(source);
  model.library = Blob::from_bytes(std::move(lib.library));
  model.weights = Blob::from_bytes(std::move(blob));
  for (size_t i = 0; i < kg.inputs.size(); ++i) {
    const Buffer& b = kg.buffer(kg.inputs[i]);
    model.inputs.push_back({kg.input_names[i], std::string(dtype_name(b.dtype)), shape_strings(b.shape)});
  }
  for (size_t i = 0; i < kg.outputs.size(); ++i) {
    const Buffer& b = kg.buffer(kg.outputs[i]);
    model.outputs.push_back({kg.output_names[i], std::string(dtype_name(b.dtype)), shape_strings(b.shape)});
  }
  for (const auto& s : kg.symbol_order) {
    const SymbolRange& r = kg.symbols.at(s);
    model.symbols.push_back({s, r.min, r.max});
  }
  for (const auto& p : passes) model.passes.push_back(p.name);
  for (size_t i = 0; i < kg.kernels.size(); ++i) {
    const Kernel& k = kg.kernels[i];
    ManifestKernel mk;
    mk.node = fmt::format("{}", fmt::join(k.nodes, "+"));
    mk.op = k.kind_name();
    mk.kernel = k.name;
    if (i < choices.size()) {
      mk.kernel = choices[i].implementation;
      mk.details["function"] = k.name;
      if (!choices[i].reason.empty()) mk.details["reason"] = choices[i].reason;
      if (!choices[i].tuning_key.empty()) mk.details["tuning_key"] = choices[i].tuning_key;
    } else {
      mk.kernel = cpu_kernel_implementation(k);
      mk.details["function"] = k.name;
    }
    model.kernels.push_back(std::move(mk));
  }
  model.compiler["cxx"] = toolchain.version;
  if (!nvrtc.empty()) model.compiler["nvrtc"] = nvrtc;
  if (options.allow_tf32) model.compiler["allow_tf32"] = "true";
  if (options.target == "cuda" && !options.use_cudnn) model.compiler["cudnn"] = "false";
  if (options.target == "cuda" && !options.use_cublaslt) model.compiler["cublaslt"] = "false";
  if (options.tuning_build) model.compiler["tuning_build"] = "true";
  if (options.tuning && options.tune_for != TuneFor::kBoth) model.compiler["tune_for"] = tune_for_name(options.tune_for);
  model.compiler["command"] = lib.command;
  PackageContents contents;
  contents.models.push_back(std::move(model));
  progress("writing the package");
  AOTC_RETURN_IF_ERROR(write_package(output, contents));
  std::error_code ec;
  summary.package_bytes = std::filesystem::file_size(output, ec);
  clock.lap(summary.phases, "package");
  return summary;
}

}  // namespace

}  // namespace aotc::codegen
