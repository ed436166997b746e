// The compile driver (see Compiler.h).
#include "codegen/Compiler.h"

#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "Sha256.h"
#include "codegen/Lowering.h"
#include "codegen/PackageWriter.h"
#include "codegen/Toolchain.h"
#include "codegen/cpu/CpuEmitter.h"
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

}  // namespace

Expected<CompileSummary> compile_package(const std::filesystem::path& input, const std::filesystem::path& output,
                                         const CompileOptions& options) {
  CompileSummary summary;
  Clock clock;
  auto progress = [&](const std::string& msg) {
    if (options.progress) options.progress(msg);
  };
  if (options.target != "cpu" && options.target != "cuda")
    return make_error(ErrorCode::kUsage, "unknown target '{}' (expected cpu or cuda)", options.target);
  if (options.target == "cuda")
    return make_error(ErrorCode::kUnsupported, "the cuda target is not available in this build of aotc yet");

  AOTC_ASSIGN_OR_RETURN(LoadedProgram program, load_program(input, options.weights, options.model_name));
  clock.lap(summary.phases, "frontend");
  AOTC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, import_program(program));
  AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "00-import.ir", print_graph(*graph)));
  clock.lap(summary.phases, "import");

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

  AOTC_ASSIGN_OR_RETURN(KernelGraph kg, lower_graph(*graph));
  std::string kg_text = print_kernel_graph(kg);
  AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "kernels.txt", kg_text));
  summary.kernels = kg.kernels.size();
  clock.lap(summary.phases, "lower");

  std::string blob = weights_blob(kg);
  summary.weights_bytes = blob.size();
  std::string weights_hash = sha256::hex(blob.data(), blob.size());
  std::string stem_source = kg_text + "\n" + weights_hash + "\n" + options.target;
  std::string stem = sha256::hex(stem_source.data(), stem_source.size()).substr(0, 16);
  CpuEmitOptions emit;
  emit.weights_file = stem + ".weights.bin";
  AOTC_ASSIGN_OR_RETURN(std::string source, emit_cpu_model(kg, emit));
  AOTC_RETURN_IF_ERROR(dump(options.dump_dir, "wrapper.cpp", source));
  clock.lap(summary.phases, "codegen");

  progress("compiling the model library");
  AOTC_ASSIGN_OR_RETURN(HostToolchain toolchain, find_host_toolchain());
  AOTC_ASSIGN_OR_RETURN(SupportLibraries libs, find_support_libraries());
  LibraryJob job;
  job.source = source;
  job.headers = embedded_header_names();
  AOTC_ASSIGN_OR_RETURN(LibraryResult lib, build_model_library(toolchain, libs, job));
  summary.cache_hit = lib.cache_hit;
  summary.library_command = lib.command;
  clock.lap(summary.phases, lib.cache_hit ? "host compile (cached)" : "host compile");

  PackageModel model;
  model.name = options.model_name.empty() ? "model" : options.model_name;
  model.target = options.target;
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
  for (const Kernel& k : kg.kernels) {
    ManifestKernel mk;
    mk.node = fmt::format("{}", fmt::join(k.nodes, "+"));
    mk.op = k.kind_name();
    mk.kernel = k.name;
    model.kernels.push_back(std::move(mk));
  }
  model.compiler["cxx"] = toolchain.version;
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

}  // namespace aotc::codegen
