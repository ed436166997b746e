// CudaEmitterImpl.h: the CUDA emitter's class, shared by the files that
// define its larger members: CudaEmitter.cpp (entry point, host file),
// CudaEmitReduction.cpp, CudaEmitGemm.cpp, CudaEmitConv.cpp and
// CudaEmitAttention.cpp. Internal to codegen; the interface is CudaEmitter.h.
#pragma once

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "codegen/ExprPrinter.h"
#include "codegen/IndexMapping.h"
#include "codegen/SpecEmitter.h"
#include "codegen/cuda/CudaEmitter.h"
#include "codegen/templates/common/aotc_launch.h"
#include "support/Check.h"

namespace aotc::codegen::cuda_emit {

// Names of symbols inside device kernels (p is the kernel's parameter struct).
inline std::string device_symbol(const std::string& s) {
  if (s.empty() || s[0] != '@') return "p." + symbol_ident(s);
  if (s == "@c") return "col";
  if (s == "@m") return "m";
  if (s == "@n") return "n";
  return s.substr(1);
}

// Names of symbols in host code (f is the run's frame).
inline std::string host_symbol(const std::string& s) { return "f." + symbol_ident(s); }

inline std::string dcode(const SymExpr& e) { return index_code(e, Naming{device_symbol, nullptr, nullptr}); }
inline std::string hcode(const SymExpr& e) { return index_code(e, Naming{host_symbol, nullptr, nullptr}); }

// The template element type for a storage dtype.
inline std::optional<std::string> template_type(DType t) {
  switch (t) {
    case DType::Float32: return "float";
    case DType::BFloat16: return "aotc::cuda::bf16";
    case DType::Float16: return "aotc::cuda::fp16";
    default: return std::nullopt;
  }
}

// Largest value a size can take given the symbol ranges (nullopt: unbounded).
/// Programmatic dependent launch (sm_90 and newer; docs/cuda-kernels.md,
/// "Launches"): every generated kernel starts with AOTC_KERNEL_ENTRY, which
/// waits until the previous kernel on the stream has finished and its memory
/// is visible. A kernel's blocks may then be launched while its predecessor's
/// last blocks drain. No kernel triggers its dependents early
/// (griddepcontrol.launch_dependents): on an H200 that made gpt_block at
/// sequence 512 slower (87 to 115 us with graphs; waiting until the blocks
/// exit gave 89 us, and 9 us less than plain launches without graphs). The runtime
/// launches with kLaunchProgrammatic only where the loaded image says it has
/// the wait (aotc_grid_dependency == 1); elsewhere the entry is empty.
inline constexpr const char* kGridDependency =
    "\n#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900\n"
    "#define AOTC_KERNEL_ENTRY() asm volatile(\"griddepcontrol.wait;\" ::: \"memory\")\n"
    "extern \"C\" __device__ const int aotc_grid_dependency = 1;\n"
    "#else\n"
    "#define AOTC_KERNEL_ENTRY() do {} while (0)\n"
    "extern \"C\" __device__ const int aotc_grid_dependency = 0;\n"
    "#endif\n";
/// The first statement of every generated kernel.
inline constexpr const char* kKernelEntry = "  AOTC_KERNEL_ENTRY();\n";

inline std::optional<int64_t> upper_bound(const SymExpr& e, const SymbolRanges& ranges) { return e.bounds(ranges).max; }

inline bool multiple_of(const SymExpr& e, int64_t k) {
  if (auto c = e.constant()) return *c % k == 0;
  return SymExpr::mod(e, SymExpr(k)) == SymExpr(0);
}

class CudaEmitter {
 public:
  CudaEmitter(const KernelGraph& kg, const CudaEmitOptions& options) : kg_(kg), options_(options) {}

  Expected<CudaEmitResult> run() {
    for (const auto& k : kg_.kernels) slot_names_.push_back(k.name);
    for (size_t i = 0; i < kg_.kernels.size(); ++i) {
      AOTC_RETURN_IF_ERROR(emit_kernel(kg_.kernels[i], i));
    }
    CudaEmitResult r;
    r.device_source = device_file();
    AOTC_ASSIGN_OR_RETURN(r.host_source, host_file());
    r.choices = choices_;
    r.tunables = tunables_;
    return r;
  }

 private:
  std::string buf(int id) const { return "p.b_" + kg_.buffer(id).name; }

  Naming naming(std::vector<std::string> inputs = {"acc"}) const {
    return Naming{device_symbol, [this](int b) { return buf(b); },
                  [inputs](int i) { return inputs.at(static_cast<size_t>(i)); }};
  }

  // ---- Parameter structs -------------------------------------------------------------------

  // Every kernel takes the same-shaped struct: the buffers it touches and all symbols.
  std::string param_struct(const Kernel& k) {
    std::string name = "KP_" + k.name;
    std::set<int> ids;
    for (int b : k.reads()) ids.insert(b);
    for (int b : k.writes()) ids.insert(b);
    std::string s = "struct " + name + " {\n";
    for (int id : ids) s += "  " + storage_ctype(kg_.buffer(id).dtype) + "* b_" + kg_.buffer(id).name + ";\n";
    for (const auto& sym : kg_.symbol_order) s += "  int64_t " + symbol_ident(sym) + ";\n";
    // Split-K scratch (aotc::cuda::SplitK); splits 1 unless the launch splits.
    s += "  float* sk_partials;\n  unsigned* sk_counters;\n  int64_t sk_splits;\n";
    // A weight prepared at load time (Winograd's U), else null.
    s += "  const void* prepared;\n";
    s += "  int64_t unused_;\n};\n";
    structs_ += s;
    // Host-side filling.
    std::string fill = "    " + name + " p;\n";
    for (int id : ids) fill += "    p.b_" + kg_.buffer(id).name + " = f.b_" + kg_.buffer(id).name + ";\n";
    for (const auto& sym : kg_.symbol_order) fill += "    p." + symbol_ident(sym) + " = f." + symbol_ident(sym) + ";\n";
    fill += "    p.sk_partials = f.split_partials;\n    p.sk_counters = f.split_counters;\n    p.sk_splits = 1;\n";
    fill += "    p.prepared = nullptr;\n    p.unused_ = 0;\n";
    fills_.push_back(fill);
    return name;
  }

  void choose(const Kernel& k, const std::string& impl, const std::string& reason, const std::string& key = {}) {
    choices_.push_back({k.name, impl, reason, key});
  }

  // ---- Tuning ------------------------------------------------------------------------------

  // A tunable node's key (Tuning.h): the problem text, then each symbol it
  // uses with its range and the example value tuning measures at.
  std::string problem_key(const std::string& problem, std::initializer_list<SymExpr> dims) const {
    std::set<std::string> syms;
    for (const auto& d : dims)
      for (const auto& name : d.symbols()) syms.insert(name);
    std::string key = problem;
    for (const auto& name : syms) {
      auto r = kg_.symbols.find(name);
      auto h = kg_.symbol_hints.find(name);
      key += fmt::format(" {}=[{},{}]@{}", name,
                         r != kg_.symbols.end() && r->second.min ? std::to_string(*r->second.min) : "-inf",
                         r != kg_.symbols.end() && r->second.max ? std::to_string(*r->second.max) : "inf",
                         h != kg_.symbol_hints.end() ? std::to_string(h->second) : "?");
    }
    return key;
  }

  struct Tuned {
    bool measure = false;  // tuning build: emit every candidate, timed at run time
    int node = -1;         // its tunable index
    int choice = -1;       // the cache's pick (index into the candidates), -1: the heuristic's
    std::string reason;    // what the manifest says about it
  };

  // How a node with these candidates is emitted: measured (tuning build),
  // the tuning cache's pick, or the heuristic.
  Tuned tune(const Kernel& k, const std::string& key, const std::vector<std::string>& names) {
    Tuned t;
    if (names.size() < 2 || key.empty()) return t;
    tunables_.push_back({index_, k.name, key, names});
    if (options_.tuning_build) {
      t.measure = true;
      t.node = static_cast<int>(tunables_.size() - 1);
      return t;
    }
    if (!options_.tuning) return t;
    std::vector<int> archs;
    for (const auto& img : options_.images)
      if (!img.ptx) archs.push_back(img.arch);
    const TuningEntry* e = options_.tuning->find(key, archs);
    if (e == nullptr) {
      t.reason = "; not in the tuning cache";
      return t;
    }
    // The entry's choice is for eager and graph runs alike; --tune-for picks
    // again from its times for one of them.
    std::string choice = e->choice;
    if (options_.tune_for != TuneFor::kBoth) {
      std::string pick = tuned_pick(*e, options_.tune_for);
      if (!pick.empty()) choice = pick;
    }
    auto it = std::find(names.begin(), names.end(), choice);
    if (it == names.end()) {
      t.reason = "; tuning cache entry ignored: " + choice + " is not a candidate for this node";
      return t;
    }
    auto time_of = [&](const std::string& name) {
      auto ti = e->times_us.find(name);
      auto gi = e->graph_us.find(name);
      std::string out;
      if (ti != e->times_us.end()) out += fmt::format(" {:.1f} us", ti->second);
      if (gi != e->graph_us.end()) out += fmt::format("{}{:.1f} us in a graph", out.empty() ? " " : " / ", gi->second);
      return out;
    };
    const std::string where = fmt::format("{} ({}){}", e->device.empty() ? "a GPU" : e->device, e->arch,
                                          options_.tune_for == TuneFor::kBoth
                                              ? ""
                                              : fmt::format(", for {} runs", tune_for_name(options_.tune_for)));
    if (choice == e->heuristic) {
      // The measurement agrees with the heuristic at the tuned sizes: keep the
      // heuristic's code, which may also pick by size at run time.
      t.reason = fmt::format("; tuning cache: the heuristic's pick measured fastest on {}{}", where, time_of(choice));
      return t;
    }
    t.choice = static_cast<int>(it - names.begin());
    t.reason = fmt::format("tuning cache: fastest measured on {}{}", where, time_of(choice));
    if (!e->heuristic.empty())
      t.reason += fmt::format("; heuristic's pick {}{}", e->heuristic, time_of(e->heuristic));
    return t;
  }

  // Host code of a measured node: `cases` launch candidate c_ (returning 0,
  // or 2 when it cannot run here); the runtime times each one when the run
  // is a tuning run, else runs the heuristic's pick `pick`.
  static std::string tune_call(int node, size_t candidates, const std::string& pick, const std::string& cases) {
    std::string h = "      auto cand_ = [&](int32_t c_) -> int {\n        switch (c_) {\n" + cases +
                    "          default: return 2;\n        }\n      };\n";
    h += fmt::format("      if (aotc_model::cuda_tune_node(rc, {}, {}, (int32_t)({}), [](void* f_, int32_t c_) -> int {{ "
                     "return (*static_cast<decltype(cand_)*>(f_))(c_); }}, &cand_, error, error_size))\n        return 1;\n",
                     node, candidates, pick);
    return h;
  }

  // Declares loop extents and delinearizes `flat` over `shape` into vars named prefix+i.
  static std::string delinearize_code(const Shape& shape, const std::string& flat, const char* prefix,
                                      const std::string& indent) {
    std::string s;
    size_t r = shape.size();
    if (r == 0) return s;
    s += indent + "int64_t rem_ = " + flat + ";\n";
    for (size_t i = r; i-- > 0;) {
      if (i == 0) {
        s += indent + fmt::format("const int64_t {}0 = rem_;\n", prefix);
      } else {
        s += indent + fmt::format("const int64_t {}{} = rem_ % ({});\n", prefix, i, dcode(shape[i]));
        s += indent + fmt::format("rem_ /= ({});\n", dcode(shape[i]));
      }
    }
    s += indent + "(void)rem_;\n";
    return s;
  }

  static std::string product_code(const Shape& s, std::string (*code)(const SymExpr&)) {
    SymExpr p(1);
    for (const auto& d : s) p = p * d;
    return code(p);
  }

  // ---- Kernels -----------------------------------------------------------------------------

  Status emit_kernel(const Kernel& k, size_t index) {
    index_ = index;
    std::string ps = param_struct(k);
    dev_ += "// " + k.kind_name() + ": " + fmt::format("{}", fmt::join(k.nodes, ", ")) + "\n";
    return std::visit([&](const auto& body) { return emit(k, ps, body); }, k.body);
  }

  // A host launch of kernel `index_` with a grid.
  void launch(const std::string& gx, const std::string& gy, const std::string& gz, const std::string& guard) {
    std::string s = "  {\n" + fills_.back();
    if (!guard.empty()) s += "    if (" + guard + ") {\n";
    s += fmt::format("    AOTC_LAUNCH({}, {}, {}, {}, p);\n", index_, gx, gy, gz);
    if (!guard.empty()) s += "    }\n";
    s += "  }\n";
    launches_ += s;
  }

  // The launch facts the host reads at init: threads, dynamic shared memory,
  // and the tile's M, N and K extents (0 where they mean nothing).
  std::string info(const std::string& kernel, const std::string& threads, const std::string& smem,
                   const std::string& tm, const std::string& tn, const std::string& tk = "0") {
    return "extern \"C\" __device__ const int " + kernel + "_info[5] = {" + threads + ", " + smem + ", " + tm + ", " +
           tn + ", " + tk + "};\n";
  }

  // A 256-thread kernel `name` with its launch facts, looping `flat` over
  // [0, total) grid-stride; the caller writes the body and closes both braces.
  std::string grid_stride_head(const std::string& name, const std::string& ps, const SymExpr& total) {
    std::string s = info(name, "256", "0", "0", "0");
    s += "extern \"C\" __global__ void __launch_bounds__(256) " + name + "(const " + ps + " p) {\n" + kKernelEntry;
    s += "  const int64_t total = " + dcode(total) + ";\n";
    s += "  for (int64_t flat = (int64_t)blockIdx.x * 256 + threadIdx.x; flat < total; flat += (int64_t)gridDim.x * 256) {\n";
    return s;
  }

  Status emit(const Kernel& k, const std::string& ps, const PointwiseKernel& pk) {
    SymExpr total(1);
    for (const auto& d : pk.domain) total = total * d;
    std::string s = grid_stride_head(k.name, ps, total);
    s += delinearize_code(pk.domain, "flat", "i", "    ");
    ExprPrinter pr(naming());
    std::string body;
    for (const auto& st : pk.stores) {
      std::string off = pr.print(st.offset, body, "    ");
      std::string v = pr.print(st.value, body, "    ");
      body += "    aotc_gen::aotc_st(" + buf(st.buffer) + ", " + off + ", " + v + ");\n";
    }
    s += body + "  }\n}\n\n";
    dev_ += s;
    launch("aotc_blocks(" + hcode(total) + ", 256)", "1", "1", hcode(total) + " > 0");
    choose(k, "generated pointwise", "");
    return Status::ok();
  }

  // Combiner code shared by the serial and block reductions.
  struct Combine {
    std::string decl, accumulate;
  };

  Status emit(const Kernel& k, const std::string& ps, const ReductionKernel& rk);

  Status emit(const Kernel& k, const std::string& ps, const RowOpKernel& rk);

  // The epilogue functor body: in0 from the accumulator (plus bias), the
  // generated epilogue, the store.
  std::string epilogue_body(const Expr& epilogue, int out_buffer, const SymExpr& out_offset, int bias,
                            const std::string& bias_index, const std::string& indent) {
    std::string s;
    if (bias >= 0) s += indent + "acc += (float)aotc_gen::aotc_ld(" + buf(bias) + ", " + bias_index + ");\n";
    ExprPrinter pr(naming());
    std::string off = pr.print(make_index(out_offset), s, indent);
    std::string v = pr.print(epilogue, s, indent);
    s += indent + "aotc_gen::aotc_st(" + buf(out_buffer) + ", " + off + ", " + v + ");\n";
    return s;
  }

  Status emit(const Kernel& k, const std::string& ps, const GemmKernel& g);

  // The wrappers of a node's compiled-in candidates (config, call), one
  // __global__ each: `Cfg_<kernel>` names the config, its launch facts
  // follow, and the body is `params` then the call with CFG and EPI (the
  // epilogue type `epi`) filled in. The first takes the node's own launch
  // slot, the others extra slots (kernels <node>_v<i>); returns the slots.
  std::vector<size_t> candidate_kernels(const Kernel& k, const std::string& ps, const std::string& epi,
                                        const std::string& params,
                                        const std::vector<std::pair<std::string, std::string>>& cfg_calls,
                                        std::string& s) {
    std::vector<size_t> slots;
    for (size_t e = 0; e < cfg_calls.size(); ++e) {
      const std::string kname = cfg_calls.size() == 1 ? k.name : k.name + "_v" + std::to_string(e);
      const std::string C = "Cfg_" + kname;
      s += "using " + C + " = " + cfg_calls[e].first + ";\n";
      s += info(kname, C + "::kThreads", C + "::kSmemBytes", C + "::kBM", C + "::kBN", C + "::kBK");
      std::string call = cfg_calls[e].second;
      call.replace(call.find("CFG"), 3, C);
      call.replace(call.find("EPI"), 3, epi + "{p}");
      s += "extern \"C\" __global__ void __launch_bounds__(" + C + "::kThreads, " + C + "::kMinBlocks) " + kname +
           "(const " + ps + " p) {\n" + kKernelEntry + params + "  " + call + "\n}\n";
      if (e == 0) slot_names_[index_] = kname;
      slots.push_back(e == 0 ? index_ : extra_kernel(kname));
    }
    return slots;
  }

  // Registers an extra kernel function (a GEMM size variant); returns its launch slot.
  size_t extra_kernel(const std::string& name) {
    slot_names_.push_back(name);
    return slot_names_.size() - 1;
  }

  // ---- Weights prepared at load (s->prepared[i], owned by the State) ----

  // A load-time kernel of 256 threads per block, `name`(const `params` p)
  // running `body`, emitted the first time it is asked for; returns its slot.
  size_t init_kernel(size_t& slot, const std::string& name, const std::string& params, const std::string& body) {
    if (slot == SIZE_MAX) {
      dev_ += info(name, "256", "0", "0", "0");
      dev_ += "extern \"C\" __global__ void __launch_bounds__(256) " + name + "(const " + params + " p) {\n  " + body +
              "\n}\n\n";
      slot = extra_kernel(name);
    }
    return slot;
  }

  // Init code making s->prepared[i] (returned): `bytes` of device memory,
  // the `params` struct `var` (initialized with `init`) given it as its
  // `out` member, and the load-time kernel `slot` launched over it in
  // `blocks` blocks.
  size_t prepare(const std::string& comment, const std::string& params, const std::string& var,
                 const std::string& init, const std::string& out, int64_t bytes, size_t slot,
                 const std::string& blocks) {
    const size_t i = num_prepared_++;
    prepare_init_ += fmt::format(
        "  {{  // {}\n"
        "    {} {}{{{}}};\n"
        "    if (aotc_model::cuda_device_alloc({}, &s->prepared[{}], error, error_size)) return fail_init(s);\n"
        "    {}.{} = static_cast<float*>(s->prepared[{}]);\n"
        "    void* args_[] = {{&{}}};\n"
        "    if (aotc_model::cuda_launch(s->fn[{}], {}, 1, 1, 256, 1, 1, 0, nullptr, args_, 0, "
        "error, error_size))\n      return fail_init(s);\n  }}\n",
        comment, params, var, init, bytes, i, var, out, i, var, slot, blocks);
    return i;
  }

  // Weight buffer b in the device copy of the weights, as a const float*
  // expression of the init code ("nullptr" for -1).
  std::string init_weight(int b) const {
    if (b < 0) return "nullptr";
    return fmt::format("reinterpret_cast<const float*>(static_cast<const unsigned char*>(ctx->weights) + {})",
                       kg_.buffer(b).weight_offset);
  }

  // Winograd's U = G g G^T of a float32 [oc, c, 3, 3] weight of the package,
  // made at init by winograd_f2x3_filter_transform; returns its prepared index.
  size_t prepare_winograd_weight(int weight, int64_t oc, int64_t c) {
    templates_.insert("winograd.cuh");
    if (winograd_filter_slot_ == SIZE_MAX)
      structs_ += "struct WinogradFilterParams {\n  const float* w;\n  float* u;\n  int64_t out_c, in_c;\n};\n";
    const size_t slot = init_kernel(winograd_filter_slot_, "aotc_winograd_filter", "WinogradFilterParams",
                                    "aotc::cuda::winograd_f2x3_filter_transform(p.w, p.u, p.out_c, p.in_c);");
    return prepare(fmt::format("Winograd U of {}: 16 x {} x {} floats", kg_.buffer(weight).name, c, oc),
                   "WinogradFilterParams", "wp", fmt::format("{}, nullptr, {}, {}", init_weight(weight), oc, c), "u",
                   16 * c * oc * 4, slot, fmt::format("aotc_blocks({}, 256)", oc * c));
  }

  // W diag(gamma), c and w1 of a layer norm folded into a linear
  // (gemm_simt.cuh's RowNormA), made at init by layer_norm_fold_weights from
  // the float32 weight [n, k] and the norm's weight and bias (-1: none);
  // returns its prepared index.
  size_t prepare_layer_norm_fold(int weight, int gamma, int beta, int64_t n, int64_t k) {
    templates_.insert("gemm_simt.cuh");
    if (layer_norm_fold_slot_ == SIZE_MAX)
      structs_ += "struct LayerNormFoldParams {\n  const float* w;\n  const float* gamma;\n  const float* beta;\n"
                  "  float* out;\n  int64_t n, k;\n};\n";
    const size_t slot = init_kernel(layer_norm_fold_slot_, "aotc_layer_norm_fold", "LayerNormFoldParams",
                                    "aotc::cuda::layer_norm_fold_weights(p.w, p.gamma, p.beta, p.out, p.n, p.k);");
    return prepare(fmt::format("{} with a layer norm folded in: {} x {} + 2 x {} floats", kg_.buffer(weight).name, n, k, n),
                   "LayerNormFoldParams", "lp",
                   fmt::format("{}, {}, {}, nullptr, {}, {}", init_weight(weight), init_weight(gamma), init_weight(beta),
                               n, k),
                   "out", (n * k + 2 * n) * 4, slot, fmt::format("aotc_blocks({}, 8)", n));
  }

  Status emit_naive_gemm(const Kernel& k, const std::string& ps, const GemmKernel& g);

  Status emit(const Kernel& k, const std::string& ps, const ConvKernel& c);

  // Whether an epilogue is the accumulator itself (up to casts).
  static bool is_plain_input(const Expr& e) {
    const ExprNode* n = e.get();
    while (n != nullptr && n->kind == ExprKind::kCast && !n->args.empty()) n = n->args[0].get();
    return n != nullptr && n->kind == ExprKind::kInput && n->input == 0;
  }

  static std::string indent_lines(const std::string& text, const std::string& pad) {
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += pad + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
    return out;
  }

  Status emit_naive_conv(const Kernel& k, const std::string& ps, const ConvKernel& c, const SymExpr& out_offset);

  Status emit(const Kernel& k, const std::string& ps, const AttentionKernel& at);

  Status emit_naive_attention(const Kernel& k, const std::string& ps, const AttentionKernel& at);

  Status emit(const Kernel& k, const std::string& ps, const ScanKernel& sc) {
    const Buffer& out = kg_.buffer(sc.out_buffer);
    size_t d = static_cast<size_t>(sc.dim);
    SymExpr outer(1), inner(1);
    for (size_t i = 0; i < d; ++i) outer = outer * sc.input.shape[i];
    for (size_t i = d + 1; i < sc.input.shape.size(); ++i) inner = inner * sc.input.shape[i];
    SymExpr n = sc.input.shape.empty() ? SymExpr(1) : sc.input.shape[d];
    std::string acc_t = is_floating(out.dtype) ? "double" : "int64_t";
    std::string s = info(k.name, "256", "0", "0", "0");
    s += "extern \"C\" __global__ void __launch_bounds__(256) " + k.name + "(const " + ps + " p) {\n" + kKernelEntry;
    s += "  const int64_t outer = " + dcode(outer) + ", n = " + dcode(n) + ", inner = " + dcode(inner) + ";\n";
    s += "  for (int64_t line = (int64_t)blockIdx.x * 256 + threadIdx.x; line < outer * inner; line += (int64_t)gridDim.x * 256) {\n";
    s += "    const int64_t o = line / inner, i = line % inner;\n    " + acc_t + " run = 0;\n";
    s += "    for (int64_t j = 0; j < n; ++j) {\n      const int64_t off = (o * n + j) * inner + i;\n";
    s += "      run += (" + acc_t + ")aotc_gen::aotc_ld(" + buf(sc.input.buffer) + ", off);\n";
    s += "      aotc_gen::aotc_st(" + buf(sc.out_buffer) + ", off, (" + register_ctype(register_type(out.dtype)) +
         ")run);\n    }\n  }\n}\n\n";
    dev_ += s;
    launch("aotc_blocks(" + hcode(outer * inner) + ", 256)", "1", "1", hcode(outer * inner) + " > 0");
    choose(k, "generated scan (thread per line)", "");
    return Status::ok();
  }

  // ---- Files ---------------------------------------------------------------------------------

  std::string device_file() const {
    std::string s = "// Generated by aotc for model '" + kg_.model_name + "' (target cuda, device code). Do not edit.\n";
    s += "#include \"aotc_math.h\"\n";
    for (const auto& t : templates_) s += "#include \"" + t + "\"\n";
    s += kGridDependency;
    s += "\nusing namespace aotc_gen;\n\n" + structs_ + "\n" + dev_;
    return s;
  }

  Expected<std::string> host_file();

  const KernelGraph& kg_;
  CudaEmitOptions options_;
  size_t index_ = 0;
  std::string structs_, dev_, launches_;
  std::vector<std::string> fills_;
  bool uses_split_k_ = false;  // some launch may split K (scratch at the arena's start)
  std::string prepare_init_;    // init code making the prepared weights
  size_t num_prepared_ = 0;
  size_t winograd_filter_slot_ = SIZE_MAX;
  size_t layer_norm_fold_slot_ = SIZE_MAX;
  static constexpr const char* kCudnnMinFlopsFma = "1e9";
  static constexpr const char* kCudnnMinFlopsTensorCores = "2e8";
  // No convolution has this many FLOPs: cuDNN only when AOTC_CUDNN_MIN_FLOPS
  // lowers the threshold at run time.
  static constexpr const char* kCudnnOnRequest = "1e300";
  // conv2d_nchw's tile size (aotc_launch::conv_small_tiles) is decided at
  // compile time where the sizes are constants, for a GPU with this many
  // SMs (H100 and H200 SXM have 132), else at run time.
  static constexpr int64_t kAssumedSms = 132;
  // GEMM FLOPs from which the heuristic calls cuBLASLt before aotc's own
  // kernels ("inf": only when a tuning cache picks it).
  static constexpr const char* kCublasLtMinFlopsFp32 = "inf";
  static constexpr const char* kCublasLtMinFlopsTf32 = "1e6";
  static constexpr const char* kCublasLtMinFlops16 = "inf";
  static constexpr int64_t kSplitScratchBytes = aotc_launch::kSplitScratchBytes;
  std::vector<std::string> slot_names_;  // function name per launch slot
  std::set<std::string> templates_;
  std::vector<CudaKernelChoice> choices_;
  std::vector<TunableNode> tunables_;
};

}  // namespace aotc::codegen::cuda_emit
