// The CUDA emitter (see CudaEmitter.h).
#include "codegen/cuda/CudaEmitter.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "codegen/ExprPrinter.h"
#include "codegen/IndexMapping.h"
#include "codegen/SpecEmitter.h"
#include "codegen/templates/common/aotc_launch.h"
#include "support/Check.h"

namespace aotc::codegen {
namespace {

// Names of symbols inside device kernels (p is the kernel's parameter struct).
std::string device_symbol(const std::string& s) {
  if (s.empty() || s[0] != '@') return "p." + symbol_ident(s);
  if (s == "@c") return "col";
  if (s == "@m") return "m";
  if (s == "@n") return "n";
  return s.substr(1);
}

// Names of symbols in host code (f is the run's frame).
std::string host_symbol(const std::string& s) { return "f." + symbol_ident(s); }

std::string dcode(const SymExpr& e) { return index_code(e, Naming{device_symbol, nullptr, nullptr}); }
std::string hcode(const SymExpr& e) { return index_code(e, Naming{host_symbol, nullptr, nullptr}); }

// The template element type for a storage dtype.
std::optional<std::string> template_type(DType t) {
  switch (t) {
    case DType::Float32: return "float";
    case DType::BFloat16: return "aotc::cuda::bf16";
    case DType::Float16: return "aotc::cuda::fp16";
    default: return std::nullopt;
  }
}

// Largest value a size can take given the symbol ranges (nullopt: unbounded).
std::optional<int64_t> upper_bound(const SymExpr& e, const SymbolRanges& ranges) { return e.bounds(ranges).max; }

bool multiple_of(const SymExpr& e, int64_t k) {
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
    s += "  int64_t unused_;\n};\n";
    structs_ += s;
    // Host-side filling.
    std::string fill = "    " + name + " p;\n";
    for (int id : ids) fill += "    p.b_" + kg_.buffer(id).name + " = f.b_" + kg_.buffer(id).name + ";\n";
    for (const auto& sym : kg_.symbol_order) fill += "    p." + symbol_ident(sym) + " = f." + symbol_ident(sym) + ";\n";
    fill += "    p.sk_partials = f.split_partials;\n    p.sk_counters = f.split_counters;\n    p.sk_splits = 1;\n";
    fill += "    p.unused_ = 0;\n";
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
    s += "extern \"C\" __global__ void __launch_bounds__(256) " + name + "(const " + ps + " p) {\n";
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

  Status emit(const Kernel& k, const std::string& ps, const ReductionKernel& rk) {
    using C = ReductionKernel::Combiner;
    SymExpr outputs(1), extent(1);
    for (const auto& d : rk.domain) outputs = outputs * d;
    for (const auto& d : rk.reduce_domain) extent = extent * d;
    const auto max_extent = upper_bound(extent, kg_.symbols);
    const bool serial = max_extent && *max_extent <= 64;
    DType vt = rk.value->dtype;
    std::string vtype = register_ctype(register_type(vt));
    std::string acc_t = register_ctype(register_type(rk.acc_dtype));
    if (rk.combiner == C::kMax || rk.combiner == C::kMin) acc_t = vtype;
    const std::string lowest = is_floating(vt) ? "-INFINITY" : vt == DType::Bool ? "false" : "(" + vtype + ")(-0x7fffffffffffffffLL - 1)";
    const std::string highest = is_floating(vt) ? "INFINITY" : vt == DType::Bool ? "true" : "(" + vtype + ")0x7fffffffffffffffLL";

    std::string init, step;
    switch (rk.combiner) {
      case C::kSum: init = acc_t + " acc = 0;"; step = "acc += v;"; break;
      case C::kProd: init = acc_t + " acc = 1;"; step = "acc *= v;"; break;
      case C::kMax:
        init = acc_t + " acc = " + lowest + ";";
        step = vt == DType::Bool ? "acc = acc || v;" : "if (v > acc || v != v) acc = (acc != acc) ? acc : v;";
        break;
      case C::kMin:
        init = acc_t + " acc = " + highest + ";";
        step = vt == DType::Bool ? "acc = acc && v;" : "if (v < acc || v != v) acc = (acc != acc) ? acc : v;";
        break;
      case C::kAny: init = "bool acc = false;"; step = "acc = acc || (v != 0);"; break;
      case C::kAll: init = "bool acc = true;"; step = "acc = acc && (v != 0);"; break;
      case C::kArgmax:
      case C::kArgmin: {
        Index rv = loop_vars("@r", rk.reduce_domain.size());
        std::string flat = dcode(contiguous_offset(rk.reduce_domain, rv));
        const char* cmp = rk.combiner == C::kArgmax ? ">" : "<";
        init = vtype + " best = 0; int64_t best_index = -1;";
        step = std::string("if (best_index < 0 || (best == best && (v ") + cmp + " best || v != v))) { best = v; best_index = " +
               flat + "; }";
        break;
      }
      case C::kMeanVar:
        init = "float cnt = 0, mean = 0, m2 = 0;";
        step = "cnt += 1; const float d_ = v - mean; mean += d_ / cnt; m2 += d_ * (v - mean);";
        break;
    }
    auto value_code = [&](const std::string& indent) {
      ExprPrinter pr(naming());
      std::string t;
      std::string v = pr.print(rk.value, t, indent);
      return t + indent + "const " + vtype + " v = " + v + ";\n" + indent + step + "\n";
    };
    std::vector<std::string> inputs;
    std::string finals;
    if (rk.combiner == C::kMeanVar) {
      finals = "const float in0 = mean, in1 = m2, in2 = cnt;";
      inputs = {"in0", "in1", "in2"};
    } else if (rk.combiner == C::kArgmax || rk.combiner == C::kArgmin) {
      finals = "const int64_t in0 = best_index < 0 ? 0 : best_index;";
      inputs = {"in0"};
    } else {
      finals = "const " + acc_t + " in0 = acc;";
      inputs = {"in0"};
    }
    auto epilogue_code = [&](const std::string& indent) {
      ExprPrinter pr(naming(inputs), "u");
      std::string t = indent + finals + "\n";
      std::string off = pr.print(rk.out_offset, t, indent);
      std::string val = pr.print(rk.epilogue, t, indent);
      return t + indent + "aotc_gen::aotc_st(" + buf(rk.out_buffer) + ", " + off + ", " + val + ");\n";
    };
    std::string s = info(k.name, "256", "0", "0", "0");
    s += "extern \"C\" __global__ void __launch_bounds__(256) " + k.name + "(const " + ps + " p) {\n";
    s += "  const int64_t outputs = " + dcode(outputs) + ";\n";
    if (serial) {
      s += "  for (int64_t flat = (int64_t)blockIdx.x * 256 + threadIdx.x; flat < outputs; flat += (int64_t)gridDim.x * 256) {\n";
      s += delinearize_code(rk.domain, "flat", "i", "    ");
      s += "    " + init + "\n";
      std::string in = "    ";
      for (size_t i = 0; i < rk.reduce_domain.size(); ++i) {
        s += in + fmt::format("for (int64_t r{} = 0; r{} < {}; ++r{}) {{\n", i, i, dcode(rk.reduce_domain[i]), i);
        in += "  ";
      }
      s += value_code(in);
      for (size_t i = rk.reduce_domain.size(); i-- > 0;) {
        in.resize(in.size() - 2);
        s += in + "}\n";
      }
      s += epilogue_code("    ");
      s += "  }\n}\n\n";
      dev_ += s;
      launch("aotc_blocks(" + hcode(outputs) + ", 256)", "1", "1", hcode(outputs) + " > 0");
      choose(k, "generated reduction (thread per output)", "reduced extent <= 64");
      return Status::ok();
    }
    // A block per output: threads stride over the reduced elements, then a tree.
    std::string sh_t = rk.combiner == C::kMeanVar ? "float" : (rk.combiner == C::kArgmax || rk.combiner == C::kArgmin) ? vtype : acc_t;
    s += "  __shared__ " + sh_t + " sh0[256];\n";
    if (rk.combiner == C::kArgmax || rk.combiner == C::kArgmin) s += "  __shared__ int64_t sh1[256];\n";
    if (rk.combiner == C::kMeanVar) s += "  __shared__ float sh1[256], sh2[256];\n";
    s += "  const int64_t extent = " + dcode(extent) + ";\n";
    s += "  for (int64_t out = blockIdx.x; out < outputs; out += gridDim.x) {\n";
    s += delinearize_code(rk.domain, "out", "i", "    ");
    s += "    " + init + "\n";
    s += "    for (int64_t rf = threadIdx.x; rf < extent; rf += 256) {\n";
    s += delinearize_code(rk.reduce_domain, "rf", "r", "      ");
    s += value_code("      ");
    s += "    }\n";
    switch (rk.combiner) {
      case C::kArgmax:
      case C::kArgmin: s += "    sh0[threadIdx.x] = best; sh1[threadIdx.x] = best_index;\n"; break;
      case C::kMeanVar: s += "    sh0[threadIdx.x] = cnt; sh1[threadIdx.x] = mean; sh2[threadIdx.x] = m2;\n"; break;
      default: s += "    sh0[threadIdx.x] = acc;\n"; break;
    }
    s += "    __syncthreads();\n";
    s += "    for (int s_ = 128; s_ > 0; s_ >>= 1) {\n      if ((int)threadIdx.x < s_) {\n";
    s += "        const int a_ = threadIdx.x, b_ = threadIdx.x + s_;\n";
    switch (rk.combiner) {
      case C::kSum: s += "        sh0[a_] += sh0[b_];\n"; break;
      case C::kProd: s += "        sh0[a_] *= sh0[b_];\n"; break;
      case C::kAny: s += "        sh0[a_] = sh0[a_] || sh0[b_];\n"; break;
      case C::kAll: s += "        sh0[a_] = sh0[a_] && sh0[b_];\n"; break;
      case C::kMax:
        s += vt == DType::Bool ? "        sh0[a_] = sh0[a_] || sh0[b_];\n"
                               : "        if (sh0[a_] == sh0[a_] && (sh0[b_] > sh0[a_] || sh0[b_] != sh0[b_])) sh0[a_] = sh0[b_];\n";
        break;
      case C::kMin:
        s += vt == DType::Bool ? "        sh0[a_] = sh0[a_] && sh0[b_];\n"
                               : "        if (sh0[a_] == sh0[a_] && (sh0[b_] < sh0[a_] || sh0[b_] != sh0[b_])) sh0[a_] = sh0[b_];\n";
        break;
      case C::kArgmax:
      case C::kArgmin: {
        const char* cmp = rk.combiner == C::kArgmax ? ">" : "<";
        s += "        const bool an_ = sh0[a_] != sh0[a_], bn_ = sh0[b_] != sh0[b_];\n";
        s += "        bool take_ = false;\n";
        s += "        if (sh1[b_] < 0) take_ = false;\n";
        s += "        else if (sh1[a_] < 0) take_ = true;\n";
        s += "        else if (an_ && bn_) take_ = sh1[b_] < sh1[a_];\n";
        s += "        else if (an_) take_ = false;\n";
        s += "        else if (bn_) take_ = true;\n";
        s += std::string("        else take_ = sh0[b_] ") + cmp + " sh0[a_] || (sh0[b_] == sh0[a_] && sh1[b_] < sh1[a_]);\n";
        s += "        if (take_) { sh0[a_] = sh0[b_]; sh1[a_] = sh1[b_]; }\n";
        break;
      }
      case C::kMeanVar:
        s += "        const float na_ = sh0[a_], nb_ = sh0[b_], n_ = na_ + nb_;\n";
        s += "        if (nb_ > 0) {\n          const float delta_ = sh1[b_] - sh1[a_];\n";
        s += "          sh1[a_] += delta_ * nb_ / n_;\n          sh2[a_] += sh2[b_] + delta_ * delta_ * na_ * nb_ / n_;\n";
        s += "          sh0[a_] = n_;\n        }\n";
        break;
    }
    s += "      }\n      __syncthreads();\n    }\n";
    s += "    if (threadIdx.x == 0) {\n";
    switch (rk.combiner) {
      case C::kArgmax:
      case C::kArgmin: s += "      const int64_t best_index = sh1[0];\n"; break;
      case C::kMeanVar: s += "      const float cnt = sh0[0], mean = sh1[0], m2 = sh2[0];\n"; break;
      default: s += "      const " + acc_t + " acc = sh0[0];\n"; break;
    }
    s += epilogue_code("      ");
    s += "    }\n    __syncthreads();\n  }\n}\n\n";
    dev_ += s;
    launch("aotc_blocks(" + hcode(outputs) + ", 1)", "1", "1", hcode(outputs) + " > 0");
    choose(k, "generated reduction (block per output)", "reduced extent > 64");
    return Status::ok();
  }

  Status emit(const Kernel& k, const std::string& ps, const RowOpKernel& rk) {
    SymExpr rows(1);
    for (const auto& d : rk.rows) rows = rows * d;
    auto n_max = upper_bound(rk.row_length, kg_.symbols).value_or(1 << 20);
    std::string cfg = n_max <= 32 ? "RowTiny" : n_max <= 256 ? "RowWarp" : n_max <= 1024 ? "RowWarpWide"
                                              : n_max <= 4096 ? "RowBlock" : "RowBlockWide";
    std::string vtype = register_ctype(register_type(rk.value->dtype));
    std::string s;
    s += "struct KL_" + k.name + " {\n  " + ps + " p;\n";
    s += "  __device__ float load(int64_t row, int64_t col) const {\n";
    s += delinearize_code(rk.rows, "row", "i", "    ");
    {
      ExprPrinter pr(naming());
      std::string t;
      std::string v = pr.print(rk.value, t, "    ");
      s += t + "    return (float)(" + v + ");\n  }\n};\n";
    }
    s += "struct KS_" + k.name + " {\n  " + ps + " p;\n";
    s += "  __device__ void store(int64_t row, int64_t col, float norm) const {\n";
    s += delinearize_code(rk.rows, "row", "i", "    ");
    {
      ExprPrinter pr(naming({"norm"}), "u");
      std::string t;
      std::string off = pr.print(rk.out_offset, t, "    ");
      std::string v = pr.print(rk.epilogue, t, "    ");
      s += t + "    aotc_gen::aotc_st(" + buf(rk.out_buffer) + ", " + off + ", " + v + ");\n  }\n};\n";
    }
    std::string C = "Cfg_" + k.name;
    s += "using " + C + " = aotc::cuda::" + cfg + ";\n";
    s += info(k.name, C + "::kThreads", C + "::kSmemBytes", C + "::kRowsPerBlock", "0");
    s += "extern \"C\" __global__ void __launch_bounds__(" + C + "::kThreads, " + C + "::kMinBlocks) " + k.name +
         "(const " + ps + " p) {\n";
    s += "  const int64_t rows = " + dcode(rows) + ", n = " + dcode(rk.row_length) + ";\n";
    std::string ld = "KL_" + k.name + "{p}", st = "KS_" + k.name + "{p}";
    switch (rk.op) {
      case RowOpKernel::Op::kSoftmax: s += "  aotc::cuda::softmax_rows<" + C + ">(rows, n, " + ld + ", " + st + ");\n"; break;
      case RowOpKernel::Op::kLogSoftmax:
        s += "  aotc::cuda::log_softmax_rows<" + C + ">(rows, n, " + ld + ", " + st + ");\n";
        break;
      case RowOpKernel::Op::kLayerNorm:
        s += fmt::format("  aotc::cuda::layer_norm_rows<{}, float>(rows, n, {}, {}, (const float*)nullptr, (const float*)nullptr, {});\n",
                         C, ld, st, literal(Scalar::from_float(rk.eps), DType::Float32));
        break;
    }
    s += "}\n\n";
    dev_ += s;
    templates_.insert("rowops.cuh");
    launch("aotc_blocks(" + hcode(rows) + ", s->info[" + std::to_string(index_) + "].tile_m)", "1", "1",
           hcode(rows) + " > 0");
    choose(k, "aotc::cuda::" + std::string(rk.op == RowOpKernel::Op::kLayerNorm ? "layer_norm_rows"
                                           : rk.op == RowOpKernel::Op::kSoftmax ? "softmax_rows"
                                                                                 : "log_softmax_rows") +
                  "<" + cfg + ">",
           "row length up to " + std::to_string(n_max));
    return Status::ok();
  }

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

  Status emit(const Kernel& k, const std::string& ps, const GemmKernel& g) {
    const Buffer& out = kg_.buffer(g.out_buffer);
    size_t nb = g.batch.size();
    // One batch dim: merge several when the operand strides allow it.
    StridedView a = g.a, b = g.b;
    bool ok = true;
    if (nb != 1) {
      std::vector<StridedView*> views = {&a, &b};
      ok = fold_leading_dims(views, 2);
    }
    auto ta = template_type(a.dtype), tb = template_type(b.dtype);
    if (!ok || !ta || !tb || !template_type(out.dtype)) return emit_naive_gemm(k, ps, g);
    Shape out_shape = g.batch;
    out_shape.push_back(g.m);
    out_shape.push_back(g.n);
    Index point = loop_vars("@b", nb);
    point.push_back(SymExpr::symbol("@m"));
    point.push_back(SymExpr::symbol("@n"));
    SymExpr out_offset = contiguous_offset(out_shape, point);

    // Functor.
    std::string E = "KE_" + k.name;
    std::string s = "struct " + E + " {\n  " + ps + " p;\n";
    s += "  __device__ void operator()(int64_t b, int64_t m, int64_t n, float acc) const {\n";
    s += delinearize_code(g.batch, "b", "b", "    ");
    s += "    (void)b;\n";
    s += epilogue_body(g.epilogue, g.out_buffer, out_offset, g.bias, "n", "    ");
    s += "  }\n};\n";

    // Template choice.
    const SymExpr& a_sk = a.strides[2];
    const SymExpr& b_sk = b.strides[1];
    const bool fp32 = a.dtype == DType::Float32 && b.dtype == DType::Float32;
    const auto m_max = upper_bound(g.m, kg_.symbols).value_or(1 << 20);
    const auto m_min = g.m.bounds(kg_.symbols).min.value_or(1);
    const auto n_max = upper_bound(g.n, kg_.symbols).value_or(1 << 20);
    auto aligned = [&](const StridedView& v, int64_t k_elems) {
      for (size_t i = 0; i < v.strides.size(); ++i)
        if (!(v.strides[i] == SymExpr(1)) && !(v.strides[i] == SymExpr(0)) && !multiple_of(v.strides[i], k_elems))
          return false;
      return multiple_of(v.offset, k_elems);
    };
    struct Variant {
      std::string cfg, call, name;
      bool split_k = false;  // gemm_simt_linear: K may be split across blocks
    };
    // Every candidate for this GEMM, and the heuristic's pick among them:
    // (max M, candidate) pairs tried in order at run time.
    std::vector<Variant> all;
    std::vector<std::pair<int64_t, size_t>> heuristic;
    auto add = [&](Variant v) {
      for (size_t i = 0; i < all.size(); ++i)
        if (all[i].name == v.name) return i;
      all.push_back(std::move(v));
      return all.size() - 1;
    };
    std::string params = "  aotc::cuda::GemmParams gp;\n";
    params += "  gp.a = " + buf(a.buffer) + " + (" + dcode(a.offset) + ");\n";
    params += "  gp.b = " + buf(b.buffer) + " + (" + dcode(b.offset) + ");\n";
    params += "  gp.m = " + dcode(g.m) + "; gp.n = " + dcode(g.n) + "; gp.k = " + dcode(g.k) + ";\n";
    params += "  gp.batch = " + dcode(a.shape[0]) + ";\n";
    params += "  gp.a_stride_batch = " + dcode(a.strides[0]) + "; gp.a_stride_m = " + dcode(a.strides[1]) +
              "; gp.a_stride_k = " + dcode(a.strides[2]) + ";\n";
    params += "  gp.b_stride_batch = " + dcode(b.strides[0]) + "; gp.b_stride_k = " + dcode(b.strides[1]) +
              "; gp.b_stride_n = " + dcode(b.strides[2]) + ";\n";
    std::string reason;
    std::string al = a_sk == SymExpr(1) ? "aotc::cuda::kKMajor" : "aotc::cuda::kMNMajor";
    std::string bl = b_sk == SymExpr(1) ? "aotc::cuda::kKMajor" : "aotc::cuda::kMNMajor";
    bool vec = false;
    if (fp32 && options_.allow_tf32) {
      heuristic.push_back({1 << 30, add({"aotc::cuda::TcGemmTf32<" + al + ", " + bl + ", 1, 1>",
                                         "aotc::cuda::gemm_tc<CFG>(gp, EPI);", "gemm_tc<TcGemmTf32>"})});
      reason = "float32 with --allow-tf32: tensor cores";
    } else if (fp32) {
      const bool k_contiguous = a_sk == SymExpr(1) && b_sk == SymExpr(1);
      vec = k_contiguous && multiple_of(g.k, 4) && aligned(a, 4) && aligned(b, 4);
      auto linear = [&](const char* tile, const char* label) {
        return Variant{std::string("aotc::cuda::SimtLinearConfig<") + tile + ", " + (vec ? "true" : "false") + ">",
                       "aotc::cuda::gemm_simt_linear<CFG>(gp, EPI, aotc::cuda::SplitK{p.sk_partials, p.sk_counters, "
                       "p.sk_splits});",
                       std::string("gemm_simt_linear<") + label + (vec ? "" : ", unaligned") + ">", true};
      };
      auto simt = [&](const std::string& preset) {
        return Variant{"aotc::cuda::" + preset, "aotc::cuda::gemm_simt<CFG, float, float>(gp, EPI);",
                       "gemm_simt<" + preset + ">"};
      };
      if (n_max <= 8) {
        heuristic.push_back({1 << 30, add(simt("SimtGemmNarrowN"))});
        reason = "float32 with N <= 8: narrow SIMT tiles (full float32 precision)";
      } else if (k_contiguous) {
        // At most two size variants (each costs NVRTC time): small M, and the rest.
        if (m_min <= 32) heuristic.push_back({32, add(linear("16, 64, 32, 2, 4, 4", "SimtLinearSmall"))});
        if (m_max > 32) {
          if (m_max <= 256) heuristic.push_back({1 << 30, add(linear("32, 64, 32, 2, 4, 4", "SimtLinearWide"))});
          else heuristic.push_back({1 << 30, add(linear("64, 64, 32, 4, 4, 3", "SimtLinearMedium"))});
        }
        reason = "float32, k-contiguous operands: pipelined SIMT linear (full float32 precision)";
      } else {
        std::string preset = m_max <= 16 ? "SimtGemmTiny" : n_max <= 64 ? "SimtGemmSmall" : "SimtGemmMedium";
        heuristic.push_back({1 << 30, add(simt(preset))});
        reason = "float32 strided operands: SIMT GEMM (full float32 precision)";
      }
      // What tuning may pick instead (all keep full float32 precision).
      if (k_contiguous) {
        add(linear("16, 64, 32, 2, 4, 4", "SimtLinearSmall"));
        add(linear("32, 64, 32, 2, 4, 4", "SimtLinearWide"));
        add(linear("64, 64, 32, 4, 4, 3", "SimtLinearMedium"));
      }
      for (const char* preset : {"SimtGemmNarrowN", "SimtGemmTiny", "SimtGemmSmall", "SimtGemmMedium"}) add(simt(preset));
    } else if (a.dtype == b.dtype) {
      std::string T = *ta;
      vec = multiple_of(g.k, 8) && aligned(a, 8) && aligned(b, 8) && a_sk == SymExpr(1) && b_sk == SymExpr(1);
      std::string align = vec ? "0, 0" : "1, 1";
      Variant small{"aotc::cuda::TcGemmSmall<" + T + ", " + al + ", " + bl + ", " + align + ">",
                    "aotc::cuda::gemm_tc<CFG>(gp, EPI);", "gemm_tc<TcGemmSmall>"};
      Variant medium{"aotc::cuda::TcGemmMedium<" + T + ", " + al + ", " + bl + ", " + align + ">",
                     "aotc::cuda::gemm_tc<CFG>(gp, EPI);", "gemm_tc<TcGemmMedium>"};
      if (m_min <= 64) heuristic.push_back({64, add(small)});
      if (m_max > 64) heuristic.push_back({1 << 30, add(medium)});
      add(small);
      add(medium);
      reason = "16-bit operands: tensor cores (mma.sync), float32 accumulation";
    } else {
      return emit_naive_gemm(k, ps, g);
    }
    for (const auto& v : all) templates_.insert(v.call.find("gemm_tc") != std::string::npos ? "gemm_tc.cuh" : "gemm_simt.cuh");
    // cuBLASLt, last among the candidates: for the types it takes, where the
    // runtime finds it. A bias alone rides in its epilogue; any other
    // epilogue runs as a pointwise kernel over its output afterwards.
    const bool lt_types = fp32 ? out.dtype == DType::Float32
                               : a.dtype == b.dtype && (a.dtype == DType::Float16 || a.dtype == DType::BFloat16) &&
                                     (out.dtype == a.dtype || out.dtype == DType::Float32);
    const bool lt_ok = options_.use_cublaslt && lt_types;
    const bool lt_bias = g.bias >= 0 && is_plain_input(g.epilogue) && kg_.buffer(g.bias).dtype == out.dtype;
    const bool lt_epi = !lt_bias && (g.bias >= 0 || !is_plain_input(g.epilogue));
    const size_t lt_index = lt_ok ? all.size() : std::string::npos;
    if (lt_ok) all.push_back({"", "", "cublaslt"});
    // Measured on an H200 (docs/cuda-kernels.md): the FLOPs from which the
    // heuristic calls cuBLASLt first.
    const char* lt_min_flops = fp32 ? (options_.allow_tf32 ? kCublasLtMinFlopsTf32 : kCublasLtMinFlopsFp32)
                                    : kCublasLtMinFlops16;

    // Tuning: measure every candidate (tuning build), or take the cache's pick.
    std::string key;
    if (all.size() > 1) {
      key = problem_key(fmt::format("gemm a={}[{}] b={}[{}] out={} batch={} m={} n={} k={} aligned={}{}",
                                    dtype_name(a.dtype), a_sk == SymExpr(1) ? "k-major" : "mn-major",
                                    dtype_name(b.dtype), b_sk == SymExpr(1) ? "k-major" : "mn-major",
                                    dtype_name(out.dtype), a.shape[0].to_string(), g.m.to_string(), g.n.to_string(),
                                    g.k.to_string(), vec ? 1 : 0, options_.allow_tf32 ? " tf32" : ""),
                        {a.shape[0], g.m, g.n, g.k});
    }
    std::vector<std::string> all_names;
    for (const auto& v : all) all_names.push_back(v.name);
    Tuned tuned = tune(k, key, all_names);
    std::vector<size_t> emitted;  // indices into `all` of the kernels compiled in
    // cuBLASLt's call before the kernels, which run where it returns 2; its
    // FLOPs threshold.
    bool library = false;
    std::string library_min_flops;
    if (tuned.measure) {
      for (size_t i = 0; i < all.size(); ++i)
        if (i != lt_index) emitted.push_back(i);
    } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) != lt_index) {
      emitted.push_back(static_cast<size_t>(tuned.choice));
    } else {
      for (const auto& [bound, i] : heuristic) emitted.push_back(i);
      if (lt_ok && tuned.choice >= 0) {
        library = true;
        library_min_flops = "0";  // measured faster at the tuned sizes: at any size
      } else if (lt_ok && std::string(lt_min_flops) != "inf") {
        library = true;
        library_min_flops = lt_min_flops;
      }
    }
    // One kernel per emitted candidate.
    std::vector<std::pair<std::string, std::string>> compiled_in;
    for (size_t i : emitted) compiled_in.push_back({all[i].cfg, all[i].call});
    const std::vector<size_t> slots = candidate_kernels(k, ps, E, params, compiled_in, s);
    size_t lt_epi_slot = 0;
    if ((library || (tuned.measure && lt_ok)) && lt_epi) {
      Shape domain = g.batch;
      domain.push_back(g.m);
      domain.push_back(g.n);
      SymExpr total(1);
      for (const auto& d : domain) total = total * d;
      const std::string name = k.name + "_epi";
      s += grid_stride_head(name, ps, total);
      s += "    const int64_t n = flat % (" + dcode(g.n) + "), m = flat / (" + dcode(g.n) + ") % (" + dcode(g.m) +
           "), b = flat / ((" + dcode(g.n) + ") * (" + dcode(g.m) + "));\n    (void)m;\n";
      s += delinearize_code(g.batch, "b", "b", "    ");
      s += "    (void)b;\n";
      s += "    float acc = (float)aotc_gen::aotc_ld(" + buf(g.out_buffer) + ", flat);\n";
      s += epilogue_body(g.epilogue, g.out_buffer, out_offset, g.bias, "n", "    ");
      s += "  }\n}\n";
      lt_epi_slot = extra_kernel(name);
    }
    dev_ += s + "\n";
    // The cuBLASLt call, its status in st_; then its epilogue kernel.
    auto library_code = [&](const std::string& min_flops, const std::string& indent) {
      std::string c = indent + "aotc_model::CublasLtGemm lt_{};\n";
      c += indent + fmt::format("lt_.id = {}; lt_.ab_dtype = {}; lt_.out_dtype = {}; lt_.allow_tf32 = {};\n", index_,
                                c10_code(a.dtype), c10_code(out.dtype), options_.allow_tf32 ? 1 : 0);
      c += indent + "lt_.batch = batch_; lt_.m = m_; lt_.n = n_; lt_.k = k_;\n";
      c += indent + "lt_.a_stride_batch = " + hcode(a.strides[0]) + "; lt_.a_stride_m = " + hcode(a.strides[1]) +
           "; lt_.a_stride_k = " + hcode(a.strides[2]) + ";\n";
      c += indent + "lt_.b_stride_batch = " + hcode(b.strides[0]) + "; lt_.b_stride_k = " + hcode(b.strides[1]) +
           "; lt_.b_stride_n = " + hcode(b.strides[2]) + ";\n";
      c += indent + "lt_.min_flops = " + min_flops + ";\n";
      c += indent + "lt_.a = " + buf(a.buffer) + " + (" + hcode(a.offset) + "); lt_.b = " + buf(b.buffer) + " + (" +
           hcode(b.offset) + ");\n";
      c += indent + "lt_.bias = " + (lt_bias ? buf(g.bias) : std::string("nullptr")) + "; lt_.out = " +
           buf(g.out_buffer) + ";\n";
      c += indent + "const int st_ = aotc_model::cuda_cublaslt_gemm(rc, &lt_, error, error_size);\n";
      c += indent + "if (st_ == 1) return 1;\n";
      return c;
    };
    const std::string lt_epi_launch =
        lt_epi ? fmt::format("AOTC_LAUNCH({}, aotc_blocks(batch_ * m_ * n_, 256), 1, 1, p);\n", lt_epi_slot) : "";
    auto launch_code = [&](size_t e, const std::string& indent) {
      const size_t slot = slots[e];
      if (all[emitted[e]].split_k) {
        uses_split_k_ = true;
        return fmt::format(
            "{0}const uint32_t gx_ = aotc_blocks(n_, s->info[{1}].tile_n), gy_ = aotc_blocks(m_, s->info[{1}].tile_m);\n"
            "{0}p.sk_splits = aotc_split_k(s, (int64_t)gx_ * gy_ * batch_, aotc_blocks(k_, s->info[{1}].tile_k), "
            "(int64_t)s->info[{1}].tile_m * s->info[{1}].tile_n, batch_, s->sms);\n"
            "{0}AOTC_LAUNCH({1}, gx_, gy_, aotc_batch_blocks(batch_ * p.sk_splits), p);\n",
            indent, slot);
      }
      return fmt::format("{}AOTC_LAUNCH({}, aotc_blocks(n_, s->info[{}].tile_n), aotc_blocks(m_, s->info[{}].tile_m), "
                         "aotc_batch_blocks(batch_), p);\n",
                         indent, slot, slot, slot);
    };
    std::string fill = fills_.back();
    std::string h = "  {\n" + fill + "    const int64_t m_ = " + hcode(g.m) + ", n_ = " + hcode(g.n) + ", k_ = " +
                    hcode(g.k) + ", batch_ = " + hcode(a.shape[0]) + ";\n    (void)k_;\n    if (m_ > 0 && n_ > 0 && batch_ > 0) {\n";
    if (tuned.measure) {
      // The heuristic's pick by M, as a candidate index, then every candidate timed.
      std::string pick;
      for (size_t i = 0; i < heuristic.size(); ++i)
        pick += i + 1 == heuristic.size() ? std::to_string(heuristic[i].second)
                                          : fmt::format("m_ <= {} ? {} : ", heuristic[i].first, heuristic[i].second);
      std::string cases;
      for (size_t e = 0; e < emitted.size(); ++e)
        cases += fmt::format("          case {}: {{\n{}            return 0;\n          }}\n", e, launch_code(e, "            "));
      if (lt_ok) {
        cases += fmt::format("          case {}: {{\n", lt_index) + library_code("0", "            ") +
                 "            if (st_ == 2) return 2;\n" + (lt_epi ? "            " + lt_epi_launch : "") +
                 "            return 0;\n          }\n";
        if (std::string(lt_min_flops) != "inf")
          pick = fmt::format("2.0 * (double)batch_ * (double)m_ * (double)n_ * (double)k_ >= {} ? {} : ({})",
                             lt_min_flops, lt_index, pick);
      }
      h += tune_call(tuned.node, all.size(), pick, cases);
    } else {
      std::string own;  // the first emitted candidate whose M bound covers M
      for (size_t e = 0; e < emitted.size(); ++e) {
        int64_t bound = 1 << 30;
        for (const auto& [m_bound, i] : heuristic)
          if (i == emitted[e]) bound = m_bound;
        std::string cond = e + 1 == emitted.size() ? "" : fmt::format("if (m_ <= {}) ", bound);
        own += "      " + cond + "{\n" + launch_code(e, "        ") + "      }\n";
        if (e + 1 < emitted.size()) own += "      else ";
      }
      if (library) {
        h += library_code(library_min_flops, "      ");
        h += "      if (st_ == 0) {\n" + (lt_epi ? "        " + lt_epi_launch : "") + "      } else {\n" +
             indent_lines(own, "  ") + "      }\n";
      } else {
        h += own;
      }
    }
    h += "    }\n  }\n";
    launches_ += h;
    std::string impls = library || (tuned.measure && lt_ok) ? "cublaslt" : "";
    for (size_t i : emitted) impls += (impls.empty() ? "" : " | ") + all[i].name;
    const std::string lt_what = std::string("its heuristics' first algorithm") +
                                (fp32 && !options_.allow_tf32 ? " on FMA units, full float32" : "") +
                                (lt_bias ? ", bias in its epilogue" : lt_epi ? "; epilogue as a pointwise kernel after it" : "");
    if (tuned.measure) {
      reason = "tuning build: every candidate measured";
    } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) == lt_index) {
      reason = tuned.reason + "; cuBLASLt runs " + lt_what + "; where the runtime finds no cuBLASLt: " + reason +
               (emitted.size() > 1 ? ", variant picked by M at run time" : "");
    } else if (tuned.choice >= 0) {
      reason = tuned.reason;
    } else if (library) {
      reason = std::string("cuBLASLt where the runtime finds it and the GEMM has at least ") + library_min_flops +
               " FLOPs (" + lt_what + "), else " + reason +
               (emitted.size() > 1 ? "; variant picked by M at run time" : "") + tuned.reason;
    } else {
      reason += (emitted.size() > 1 ? "; variant picked by M at run time" : "") + tuned.reason;
    }
    choose(k, impls, reason, key);
    return Status::ok();
  }

  // Registers an extra kernel function (a GEMM size variant); returns its launch slot.
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
           "(const " + ps + " p) {\n" + params + "  " + call + "\n}\n";
      if (e == 0) slot_names_[index_] = kname;
      slots.push_back(e == 0 ? index_ : extra_kernel(kname));
    }
    return slots;
  }

  size_t extra_kernel(const std::string& name) {
    slot_names_.push_back(name);
    return slot_names_.size() - 1;
  }

  Status emit_naive_gemm(const Kernel& k, const std::string& ps, const GemmKernel& g) {
    Shape out_shape = g.batch;
    out_shape.push_back(g.m);
    out_shape.push_back(g.n);
    Index point = loop_vars("@b", g.batch.size());
    point.push_back(SymExpr::symbol("@m"));
    point.push_back(SymExpr::symbol("@n"));
    SymExpr total(1);
    for (const auto& d : out_shape) total = total * d;
    std::string s = grid_stride_head(k.name, ps, total);
    s += "    int64_t rem_ = flat;\n    const int64_t n = rem_ % (" + dcode(g.n) + "); rem_ /= (" + dcode(g.n) + ");\n";
    s += "    const int64_t m = rem_ % (" + dcode(g.m) + "); rem_ /= (" + dcode(g.m) + ");\n";
    for (size_t i = g.batch.size(); i-- > 0;)
      s += fmt::format("    const int64_t b{} = {};\n", i, i == 0 ? "rem_" : "rem_ % (" + dcode(g.batch[i]) + "); rem_ /= (" + dcode(g.batch[i]) + ")");
    s += "    (void)rem_;\n";
    bool fp = is_floating(g.a.dtype);
    std::string acc_t = fp ? "double" : "int64_t";
    Index ai = loop_vars("@b", g.batch.size()), bi = ai;
    ai.push_back(SymExpr::symbol("@m"));
    ai.push_back(SymExpr::symbol("@kk"));
    bi.push_back(SymExpr::symbol("@kk"));
    bi.push_back(SymExpr::symbol("@n"));
    auto sym = [](const std::string& x) { return x == "@kk" ? std::string("kk") : device_symbol(x); };
    s += "    " + acc_t + " sum = 0;\n";
    s += "    for (int64_t kk = 0; kk < " + dcode(g.k) + "; ++kk)\n";
    s += "      sum += (" + acc_t + ")aotc_gen::aotc_ld(" + buf(g.a.buffer) + ", " +
         index_code(strided_offset(g.a, ai), Naming{sym, nullptr, nullptr}) + ") * (" + acc_t + ")aotc_gen::aotc_ld(" +
         buf(g.b.buffer) + ", " + index_code(strided_offset(g.b, bi), Naming{sym, nullptr, nullptr}) + ");\n";
    s += "    float acc = (float)sum;\n";
    s += epilogue_body(g.epilogue, g.out_buffer, contiguous_offset(out_shape, point), g.bias, "n", "    ");
    s += "  }\n}\n\n";
    dev_ += s;
    launch("aotc_blocks(" + hcode(total) + ", 256)", "1", "1", hcode(total) + " > 0");
    choose(k, "generated GEMM (thread per output)", "dtype or strides the GEMM templates do not take");
    return Status::ok();
  }

  Status emit(const Kernel& k, const std::string& ps, const ConvKernel& c) {
    const Buffer& w = kg_.buffer(c.weight);
    const Buffer& out = kg_.buffer(c.out_buffer);
    auto t = template_type(c.input.dtype);
    bool ok = c.out_shape.size() == 4 && !c.transposed && t && c.input.dtype == w.dtype &&
              template_type(out.dtype) && c.input.is_contiguous();
    Index point = loop_vars("@i", c.out_shape.size());
    SymExpr out_offset = contiguous_offset(c.out_shape, point);
    if (!ok) return emit_naive_conv(k, ps, c, out_offset);
    std::string E = "KE_" + k.name;
    std::string s = "struct " + E + " {\n  " + ps + " p;\n";
    s += "  __device__ void operator()(int64_t i0, int64_t i1, int64_t i2, int64_t i3, float acc) const {\n";
    s += epilogue_body(c.epilogue, c.out_buffer, out_offset, c.bias, "i1", "    ");
    s += "  }\n};\n";
    const Shape& in = c.input.shape;
    auto ws = contiguous_strides(w.shape);
    std::string params = "  aotc::cuda::Conv2dParams cp;\n";
    params += "  cp.x = " + buf(c.input.buffer) + "; cp.w = " + buf(c.weight) + ";\n";
    params += "  cp.batch = " + dcode(in[0]) + "; cp.in_c = " + dcode(in[1]) + "; cp.in_h = " + dcode(in[2]) +
              "; cp.in_w = " + dcode(in[3]) + ";\n";
    params += "  cp.out_c = " + dcode(c.out_shape[1]) + "; cp.out_h = " + dcode(c.out_shape[2]) + "; cp.out_w = " +
              dcode(c.out_shape[3]) + "; cp.k_h = " + dcode(w.shape[2]) + "; cp.k_w = " + dcode(w.shape[3]) + ";\n";
    params += fmt::format("  cp.stride_h = {}; cp.stride_w = {}; cp.pad_h = {}; cp.pad_w = {}; cp.dil_h = {}; cp.dil_w = {}; cp.groups = {};\n",
                          c.stride[0], c.stride[1], c.padding[0], c.padding[1], c.dilation[0], c.dilation[1], c.groups);
    params += "  cp.x_stride_n = " + dcode(c.input.strides[0]) + "; cp.x_stride_c = " + dcode(c.input.strides[1]) +
              "; cp.x_stride_h = " + dcode(c.input.strides[2]) + "; cp.x_stride_w = " + dcode(c.input.strides[3]) + ";\n";
    params += "  cp.w_stride_o = " + dcode(ws[0]) + "; cp.w_stride_c = " + dcode(ws[1]) + "; cp.w_stride_h = " +
              dcode(ws[2]) + "; cp.w_stride_w = " + dcode(ws[3]) + ";\n";

    // aotc's own kernels. groups = 1 with the filter's sizes known (always,
    // for programs torch.export writes): conv2d_nchw, whose geometry is
    // compiled in, with 64x64 output tiles, or 64x32 where those leave SMs
    // idle (small N, or few tiles and a short K: aotc_launch.h); split-K
    // across blocks when the tiles alone leave SMs idle. Other convolutions:
    // the generic conv2d_simt.
    struct Variant {
      std::string cfg, call, name;
    };
    std::vector<Variant> all;
    std::vector<size_t> heuristic;  // the candidates the heuristic compiles in
    std::string pick_code = "0";    // host code: which of them runs
    const auto kh = w.shape[2].constant(), kw = w.shape[3].constant();
    const bool fast = c.groups == 1 && kh && kw;
    const SymExpr gemm_m = in[0] * c.out_shape[2] * c.out_shape[3];
    const SymExpr gemm_k = in[1] * w.shape[2] * w.shape[3];
    std::string own_reason;
    if (fast) {
      const std::string geo = fmt::format("aotc::cuda::ConvGeometry<{}, {}, {}, {}, {}, {}, {}, {}>", *kh, *kw,
                                          c.stride[0], c.stride[1], c.padding[0], c.padding[1], c.dilation[0],
                                          c.dilation[1]);
      // ConvNchwMediumTall is a tuning candidate only.
      for (const char* preset : {"ConvNchwSmall", "ConvNchwMedium", "ConvNchwMediumTall"})
        all.push_back({std::string("aotc::cuda::") + preset,
                       "aotc::cuda::conv2d_nchw<CFG, " + geo + ", " + *t + ">(cp, EPI, " +
                           "aotc::cuda::SplitK{p.sk_partials, p.sk_counters, p.sk_splits});",
                       std::string("conv2d_nchw<") + preset + ">"});
      const auto m = gemm_m.constant(), n = c.out_shape[1].constant(), kk = gemm_k.constant();
      const auto n_max = upper_bound(c.out_shape[1], kg_.symbols).value_or(1 << 20);
      if (n_max <= 32) {
        heuristic = {0};  // conv_small_tiles at any M
      } else if (m && n && kk) {
        heuristic = {aotc_launch::conv_small_tiles(*m, *n, *kk, kAssumedSms) ? size_t{0} : 1};
      } else {
        heuristic = {0, 1};
        pick_code = fmt::format("aotc_launch::conv_small_tiles(m_, {}, {}, s->sms) ? 0 : 1", hcode(c.out_shape[1]),
                                hcode(gemm_k));
      }
      if (heuristic.size() == 1) pick_code = std::to_string(heuristic[0]);
      own_reason = fmt::format("implicit GEMM on CUDA cores (full float32 precision), {}x{} filter compiled in; "
                               "64x64 output tiles, 64x32 when N <= 32, M <= 512 or 64x64 leaves SMs idle; "
                               "K split across blocks when the tiles alone leave SMs idle",
                               *kh, *kw);
    } else {
      all.push_back({"aotc::cuda::ConvSimtNchw",
                     "aotc::cuda::conv2d_simt<CFG, " + *t + ", false>(cp, EPI, aotc::cuda::SplitK{p.sk_partials, "
                     "p.sk_counters, p.sk_splits});",
                     "conv2d_simt<ConvSimtNchw>"});
      heuristic = {0};
      own_reason = std::string("implicit GEMM on CUDA cores (full float32 precision)") +
                   (c.groups == 1 ? "; K split across blocks when the output tiles leave SMs idle" : "");
    }

    // cuDNN where the runtime finds it: the convolution into the output, then
    // the epilogue in place (the memory plan never lets the output share
    // memory with a buffer the epilogue reads).
    const bool cudnn_ok = options_.use_cudnn && out.dtype == c.input.dtype &&
                          (c.input.dtype == DType::Float32 || c.input.dtype == DType::Float16 ||
                           c.input.dtype == DType::BFloat16);
    const bool epilogue = c.bias >= 0 || !is_plain_input(c.epilogue);
    // Measured on an H200 (docs/cuda-kernels.md): in float32 on FMA units
    // cuDNN's call costs more than it saves below the threshold; tensor
    // cores move the point down.
    const bool tensor_cores = c.input.dtype != DType::Float32 || options_.allow_tf32;
    const char* min_flops = tensor_cores ? kCudnnMinFlopsTensorCores : kCudnnMinFlopsFma;
    const auto in_c = in[1].constant();
    const bool few_channels = fast && in_c && *in_c < 8;
    std::vector<std::string> names;
    for (const auto& v : all) names.push_back(v.name);
    const size_t cudnn_index = names.size();
    if (cudnn_ok) names.push_back("cudnn");
    std::string key;
    if (names.size() > 1) {
      key = problem_key(fmt::format("conv2d {} n={} c={} h={} w={} k={} r={} s={} stride={},{} pad={},{} dil={},{} "
                                    "groups={}{}",
                                    dtype_name(c.input.dtype), in[0].to_string(), in[1].to_string(), in[2].to_string(),
                                    in[3].to_string(), c.out_shape[1].to_string(), w.shape[2].to_string(),
                                    w.shape[3].to_string(), c.stride[0], c.stride[1], c.padding[0], c.padding[1],
                                    c.dilation[0], c.dilation[1], c.groups, options_.allow_tf32 ? " tf32" : ""),
                        {in[0], in[1], in[2], in[3]});
    }
    const Tuned tuned = tune(k, key, names);
    // Which of aotc's kernels are compiled in, and whether cuDNN is called first.
    std::vector<size_t> emitted;
    bool cudnn = false;
    if (tuned.measure) {
      for (size_t i = 0; i < all.size(); ++i) emitted.push_back(i);
    } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) < all.size()) {
      emitted.push_back(static_cast<size_t>(tuned.choice));
    } else if (tuned.choice >= 0) {
      emitted = heuristic;
      cudnn = true;  // the cache's pick: cuDNN at any size, aotc's kernel without it
    } else {
      emitted = heuristic;
      // The heuristic: cuDNN from the FLOP threshold up, except on FMA units
      // for a convolution over fewer than 8 channels (an image stem), where
      // aotc's kernel was faster at every size measured.
      cudnn = cudnn_ok && !(few_channels && !tensor_cores);
    }
    std::vector<std::pair<std::string, std::string>> compiled_in;
    for (size_t i : emitted) compiled_in.push_back({all[i].cfg, all[i].call});
    const std::vector<size_t> slots = candidate_kernels(k, ps, E, params, compiled_in, s);
    size_t epi_slot = 0;
    SymExpr total(1);
    for (const auto& d : c.out_shape) total = total * d;
    if ((cudnn || tuned.measure) && cudnn_ok && epilogue) {
      const std::string name = k.name + "_epi";
      s += grid_stride_head(name, ps, total);
      s += delinearize_code(c.out_shape, "flat", "i", "    ");
      s += "    float acc = (float)aotc_gen::aotc_ld(" + buf(c.out_buffer) + ", flat);\n";
      s += epilogue_body(c.epilogue, c.out_buffer, out_offset, c.bias, "i1", "    ");
      s += "  }\n}\n\n";
      epi_slot = extra_kernel(name);
    }
    dev_ += s + "\n";
    templates_.insert("conv.cuh");
    const size_t slot = index_;
    std::string h = "  {\n" + fills_.back() + "    const int64_t m_ = " + hcode(gemm_m) + ", k_ = " + hcode(gemm_k) +
                    ";\n    (void)k_;\n    if (m_ > 0) {\n";
    auto launch_code = [&](size_t e, const std::string& indent) {
      const size_t sl = slots[e];
      std::string o = indent + fmt::format("const uint32_t gx_ = aotc_blocks({} / {}, s->info[{}].tile_n), gy_ = "
                                           "aotc_blocks(m_, s->info[{}].tile_m);\n",
                                           hcode(c.out_shape[1]), c.groups, sl, sl);
      if (c.groups == 1) {
        // K = C * KH * KW; split it when the output tiles alone leave SMs
        // idle: up to two blocks per SM, as the kernels' launch bounds allow.
        uses_split_k_ = true;
        o += indent + fmt::format("p.sk_splits = aotc_split_k(s, (int64_t)gx_ * gy_, aotc_blocks(k_, s->info[{0}].tile_k), "
                                  "(int64_t)s->info[{0}].tile_m * s->info[{0}].tile_n, 1, {1} * s->sms);\n",
                                  sl, fast ? "aotc_launch::kConvBlocksPerSm" : "2");
        o += indent + fmt::format("AOTC_LAUNCH({}, gx_, gy_, (uint32_t)p.sk_splits, p);\n", sl);
      } else {
        o += indent + fmt::format("AOTC_LAUNCH({}, gx_, gy_, {}, p);\n", sl, c.groups);
      }
      return o;
    };
    // The heuristic's kernel: the one emitted, or the pick between two.
    std::string own;
    if (emitted.size() == 1) {
      own = launch_code(0, "      ");
    } else {
      own = "      if ((" + pick_code + ") == 0) {\n" + launch_code(0, "        ") + "      } else {\n" +
            launch_code(1, "        ") + "      }\n";
    }
    std::string call;  // cuDNN: the convolution descriptor, the call, its status in st_
    if (cudnn || (tuned.measure && cudnn_ok)) {
      call += "      aotc_model::CudnnConv2d cv_{};\n";
      call += fmt::format("      cv_.id = {}; cv_.dtype = {}; cv_.allow_tf32 = {}; cv_.groups = {};\n", slot,
                          c10_code(c.input.dtype), options_.allow_tf32 ? 1 : 0, c.groups);
      call += "      cv_.n = " + hcode(in[0]) + "; cv_.c = " + hcode(in[1]) + "; cv_.h = " + hcode(in[2]) +
              "; cv_.w = " + hcode(in[3]) + ";\n";
      call += "      cv_.k = " + hcode(c.out_shape[1]) + "; cv_.r = " + hcode(w.shape[2]) + "; cv_.s = " +
              hcode(w.shape[3]) + "; cv_.out_h = " + hcode(c.out_shape[2]) + "; cv_.out_w = " +
              hcode(c.out_shape[3]) + ";\n";
      call += fmt::format("      cv_.pad_h = {}; cv_.pad_w = {}; cv_.stride_h = {}; cv_.stride_w = {}; cv_.dil_h = {}; cv_.dil_w = {};\n",
                          c.padding[0], c.padding[1], c.stride[0], c.stride[1], c.dilation[0], c.dilation[1]);
      // Measured or tuned: cuDNN at any size; else from the threshold up.
      call += fmt::format("      cv_.min_flops = {};\n",
                          tuned.measure || static_cast<size_t>(tuned.choice) == cudnn_index ? "0" : min_flops);
      call += "      cv_.x = " + buf(c.input.buffer) + "; cv_.weight = " + buf(c.weight) + "; cv_.y = " +
              buf(c.out_buffer) + ";\n";
      call += "      const int st_ = aotc_model::cuda_cudnn_conv2d(rc, &cv_, error, error_size);\n";
      call += "      if (st_ == 1) return 1;\n";
    }
    const std::string epi_launch =
        epilogue ? fmt::format("AOTC_LAUNCH({}, aotc_blocks({}, 256), 1, 1, p);\n", epi_slot, hcode(total)) : "";
    if (tuned.measure) {
      // Candidates: aotc's kernels, then cuDNN (2 when the runtime has none).
      std::string pick = pick_code;  // the heuristic's, as a candidate index
      std::string cases;
      for (size_t e = 0; e < emitted.size(); ++e)
        cases += fmt::format("          case {}: {{\n{}            return 0;\n          }}\n", e,
                             launch_code(e, "            "));
      if (cudnn_ok) {
        cases += fmt::format("          case {}: {{\n", cudnn_index) + indent_lines(call, "      ") +
                 "            if (st_ == 2) return 2;\n" + (epilogue ? "            " + epi_launch : "") +
                 "            return 0;\n          }\n";
        std::string flops = fmt::format("2.0 * (double)m_ * (double)({}) * (double)(({}) / {}) * (double)({}) * (double)({})",
                                        hcode(c.out_shape[1]), hcode(in[1]), c.groups, hcode(w.shape[2]),
                                        hcode(w.shape[3]));
        if (!(few_channels && !tensor_cores)) pick = fmt::format("{} >= {} ? {} : ({})", flops, min_flops, cudnn_index, pick);
      }
      h += tune_call(tuned.node, names.size(), pick, cases);
    } else if (cudnn) {
      h += call;
      h += "      if (st_ == 0) {\n";
      if (epilogue) h += "        " + epi_launch;
      h += "      } else {\n" + indent_lines(own, "  ") + "      }\n";
    } else {
      h += own;
    }
    h += "    }\n  }\n";
    launches_ += h;
    std::string own_names;
    for (size_t e : emitted) own_names += (own_names.empty() ? "" : " / ") + all[e].name;
    const std::string cudnn_what = std::string("its heuristics' first algorithm") +
                                   (c.input.dtype == DType::Float32 && !options_.allow_tf32 ? " on FMA units, full float32" : "") +
                                   (epilogue ? "; epilogue as a pointwise kernel after it" : "");
    if (tuned.measure) {
      std::string every;
      for (const auto& n : names) every += (every.empty() ? "" : " | ") + n;
      choose(k, every, "tuning build: every candidate measured", key);
    } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) == cudnn_index) {
      choose(k, "cudnn | " + own_names,
             tuned.reason + " (" + cudnn_what + "); aotc's kernel where the runtime finds no cuDNN", key);
    } else if (tuned.choice >= 0) {
      choose(k, own_names, tuned.reason + "; " + own_reason, key);
    } else if (cudnn) {
      choose(k, "cudnn | " + own_names,
             std::string("cuDNN where the runtime finds it and the convolution has at least ") + min_flops +
                 " FLOPs (" + cudnn_what + "), else " + own_reason + tuned.reason,
             key);
    } else {
      const std::string why_not = cudnn_ok && few_channels && !tensor_cores
                                      ? "; not cuDNN: fewer than 8 input channels, where its FMA algorithms are slower"
                                      : "";
      choose(k, own_names, own_reason + why_not + tuned.reason, key);
    }
    return Status::ok();
  }

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

  Status emit_naive_conv(const Kernel& k, const std::string& ps, const ConvKernel& c, const SymExpr& out_offset) {
    const Buffer& w = kg_.buffer(c.weight);
    size_t nsp = c.out_shape.size() - 2;
    SymExpr total(1);
    for (const auto& d : c.out_shape) total = total * d;
    int64_t cin_per_group = w.shape[c.transposed ? 0 : 1].constant().value() / (c.transposed ? c.groups : 1);
    int64_t cout = c.out_shape[1].constant().value();
    int64_t cout_per_group = cout / c.groups;
    std::string s = grid_stride_head(k.name, ps, total);
    s += delinearize_code(c.out_shape, "flat", "i", "    ");
    s += "    double sum = 0;\n";
    s += fmt::format("    const int64_t grp = i1 / {};\n", cout_per_group);
    s += fmt::format("    for (int64_t ci = 0; ci < {}; ++ci) {{\n", cin_per_group);
    std::string in2 = "      ";
    for (size_t d = 0; d < nsp; ++d) {
      s += in2 + fmt::format("for (int64_t q{} = 0; q{} < {}; ++q{}) {{\n", d, d, dcode(w.shape[2 + d]), d);
      in2 += "  ";
    }
    std::string valid = "true";
    std::string xoff = fmt::format("i0 * {} + (grp * {} + ci) * {}", dcode(c.input.strides[0]), cin_per_group,
                                   dcode(c.input.strides[1]));
    for (size_t d = 0; d < nsp; ++d) {
      if (c.transposed) {
        s += in2 + fmt::format("const int64_t t{} = i{} + {} - q{} * {};\n", d, d + 2, c.padding[d], d, c.dilation[d]);
        s += in2 + fmt::format("const int64_t x{} = t{} / {};\n", d, d, c.stride[d]);
        valid += fmt::format(" && t{} >= 0 && t{} % {} == 0 && x{} < {}", d, d, c.stride[d], d, dcode(c.input.shape[2 + d]));
      } else {
        s += in2 + fmt::format("const int64_t x{} = i{} * {} - {} + q{} * {};\n", d, d + 2, c.stride[d], c.padding[d], d,
                               c.dilation[d]);
        valid += fmt::format(" && x{} >= 0 && x{} < {}", d, d, dcode(c.input.shape[2 + d]));
      }
      xoff += fmt::format(" + x{} * {}", d, dcode(c.input.strides[2 + d]));
    }
    SymExpr wk(1);
    for (size_t d = 0; d < nsp; ++d) wk = wk * w.shape[2 + d];
    std::string woff = c.transposed
                           ? fmt::format("((grp * {} + ci) * {} + (i1 % {})) * {}", cin_per_group, cout_per_group,
                                         cout_per_group, dcode(wk))
                           : fmt::format("(i1 * {} + ci) * {}", cin_per_group, dcode(wk));
    SymExpr inner(1);
    for (size_t d = nsp; d-- > 0;) {
      woff += fmt::format(" + q{} * {}", d, dcode(inner));
      inner = inner * w.shape[2 + d];
    }
    s += in2 + "if (" + valid + ")\n" + in2 + "  sum += (double)aotc_gen::aotc_ld(" + buf(c.input.buffer) + ", " + xoff +
         ") * (double)aotc_gen::aotc_ld(" + buf(c.weight) + ", " + woff + ");\n";
    for (size_t d = nsp; d-- > 0;) {
      in2.resize(in2.size() - 2);
      s += in2 + "}\n";
    }
    s += "    }\n    float acc = (float)sum;\n";
    s += epilogue_body(c.epilogue, c.out_buffer, out_offset, c.bias, "i1", "    ");
    s += "  }\n}\n\n";
    dev_ += s;
    launch("aotc_blocks(" + hcode(total) + ", 256)", "1", "1", hcode(total) + " > 0");
    choose(k, "generated convolution (thread per output)", "not a 2-d convolution the templates take");
    return Status::ok();
  }

  Status emit(const Kernel& k, const std::string& ps, const AttentionKernel& at) {
    StridedView q = at.q, kk = at.k, v = at.v;
    std::optional<StridedView> mask = at.mask;
    const Buffer& out = kg_.buffer(at.out_buffer);
    std::vector<StridedView*> views = {&q, &kk, &v};
    if (mask) views.push_back(&*mask);
    auto T = template_type(q.dtype);
    bool ok = T && kk.dtype == q.dtype && v.dtype == q.dtype && out.dtype == q.dtype && fold_leading_dims(views, 3);
    auto e = ok ? q.shape[3].constant() : std::nullopt;
    auto ev = ok ? v.shape[3].constant() : std::nullopt;
    if (!ok || !e || !ev || *e > 256 || *ev > 256) return emit_naive_attention(k, ps, at);
    bool fp32 = q.dtype == DType::Float32;
    auto vec_ok = [&](const StridedView& s, int64_t mult) {
      if (!(s.strides[3] == SymExpr(1))) return false;
      for (size_t i = 0; i < 3; ++i)
        if (!(s.strides[i] == SymExpr(0)) && !multiple_of(s.strides[i], mult)) return false;
      return multiple_of(s.offset, mult);
    };
    int64_t mult = fp32 ? 4 : 8;
    bool vec = vec_ok(q, mult) && vec_ok(kk, mult) && vec_ok(v, mult) && *e % mult == 0 && *ev % mult == 0;
    std::string cfg, label;
    auto round_up = [](int64_t x, int64_t m) { return (x + m - 1) / m * m; };
    if (fp32) {
      int64_t E = round_up(*e, 4), Ev = round_up(*ev, 32);
      if (*e == 64 && *ev == 64) { cfg = fmt::format("aotc::cuda::AttnSimtConfig<64, 64, 16, 64, {}>", vec); label = "AttnSimtE64"; }
      else if (*e == 128 && *ev == 128) { cfg = fmt::format("aotc::cuda::AttnSimtConfig<128, 128, 16, 32, {}>", vec); label = "AttnSimtE128"; }
      else { cfg = fmt::format("aotc::cuda::AttnSimtConfig<{}, {}, 16, 32, {}>", E, Ev, vec); label = fmt::format("AttnSimt<{}, {}>", E, Ev); }
    } else {
      if (*e == 64 && *ev == 64) {
        auto l_max = upper_bound(q.shape[2], kg_.symbols).value_or(1 << 20);
        cfg = fmt::format("aotc::cuda::AttnTcConfig<{}, 64, 64, {}, 64, {}>", *T, l_max <= 128 ? 16 : 64, vec);
        label = l_max <= 128 ? "AttnTcE64Short" : "AttnTcE64";
      } else if (*e == 128 && *ev == 128) {
        cfg = fmt::format("aotc::cuda::AttnTcConfig<{}, 128, 128, 64, 64, {}>", *T, vec);
        label = "AttnTcE128";
      } else {
        return emit_naive_attention(k, ps, at);
      }
    }
    std::string s;
    std::string M = "aotc::cuda::NoMask";
    if (mask) {
      M = "KM_" + k.name;
      s += "struct " + M + " {\n  " + ps + " p;\n  static constexpr bool kEnabled = true;\n";
      s += "  __device__ float operator()(int64_t b, int64_t h, int64_t i, int64_t j) const {\n";
      s += "    const int64_t off = " + dcode(mask->offset) + " + b * " + dcode(mask->strides[0]) + " + h * " +
           dcode(mask->strides[1]) + " + i * " + dcode(mask->strides[2]) + " + j * " + dcode(mask->strides[3]) + ";\n";
      if (mask->dtype == DType::Bool)
        s += "    return aotc_gen::aotc_ld(" + buf(mask->buffer) + ", off) ? 0.0f : -INFINITY;\n";
      else
        s += "    return (float)aotc_gen::aotc_ld(" + buf(mask->buffer) + ", off);\n";
      s += "  }\n};\n";
    }
    std::string C = "Cfg_" + k.name;
    s += "using " + C + " = " + cfg + ";\n";
    s += info(k.name, C + "::kThreads", C + "::kSmemBytes", C + "::kRows", "0");
    auto st = [&](const StridedView& x, int i) { return dcode(x.strides[static_cast<size_t>(i)]); };
    s += "extern \"C\" __global__ void __launch_bounds__(" + C + "::kThreads, " + C + "::kMinBlocks) " + k.name +
         "(const " + ps + " p) {\n  aotc::cuda::AttentionParams ap;\n";
    s += "  ap.q = " + buf(q.buffer) + " + (" + dcode(q.offset) + "); ap.k = " + buf(kk.buffer) + " + (" +
         dcode(kk.offset) + "); ap.v = " + buf(v.buffer) + " + (" + dcode(v.offset) + ");\n";
    s += "  ap.q_stride_b = " + st(q, 0) + "; ap.q_stride_h = " + st(q, 1) + "; ap.q_stride_l = " + st(q, 2) +
         "; ap.q_stride_e = " + st(q, 3) + ";\n";
    s += "  ap.k_stride_b = " + st(kk, 0) + "; ap.k_stride_h = " + st(kk, 1) + "; ap.k_stride_s = " + st(kk, 2) +
         "; ap.k_stride_e = " + st(kk, 3) + ";\n";
    s += "  ap.v_stride_b = " + st(v, 0) + "; ap.v_stride_h = " + st(v, 1) + "; ap.v_stride_s = " + st(v, 2) +
         "; ap.v_stride_e = " + st(v, 3) + ";\n";
    s += "  ap.batch = " + dcode(q.shape[0]) + "; ap.heads = " + dcode(q.shape[1]) + "; ap.kv_heads = " +
         dcode(kk.shape[1]) + ";\n";
    s += "  ap.len_q = " + dcode(q.shape[2]) + "; ap.len_kv = " + dcode(kk.shape[2]) + "; ap.head_dim = " +
         dcode(q.shape[3]) + "; ap.head_dim_v = " + dcode(v.shape[3]) + ";\n";
    s += "  ap.scale = " + literal(Scalar::from_float(at.scale), DType::Float32) + "; ap.causal = " +
         (at.causal ? "1" : "0") + ";\n";
    // The output is contiguous [B, H, L, Ev].
    SymExpr l = q.shape[2], evs = v.shape[3], h = q.shape[1];
    s += "  const aotc::cuda::StridedAttentionOutput<" + *T + "> out{reinterpret_cast<" + *T + "*>(" +
         buf(at.out_buffer) + "), " + dcode(h * l * evs) + ", " + dcode(l * evs) + ", " + dcode(evs) + ", 1};\n";
    s += std::string("  aotc::cuda::") + (fp32 ? "attention_simt" : "attention_tc") + "<" + C + ">(ap, out, " + M +
         (mask ? "{p}" : "()") + ");\n}\n\n";
    dev_ += s;
    templates_.insert("attention.cuh");
    launch("aotc_blocks(" + hcode(q.shape[2]) + ", s->info[" + std::to_string(index_) + "].tile_m)",
           "(uint32_t)(" + hcode(q.shape[1]) + ")", "(uint32_t)(" + hcode(q.shape[0]) + ")",
           hcode(q.shape[2]) + " > 0 && " + hcode(q.shape[0]) + " > 0");
    choose(k, std::string(fp32 ? "attention_simt<" : "attention_tc<") + label + ">",
           fp32 ? "float32: flash attention on CUDA cores (full float32 precision)"
                : "16-bit: flash attention on tensor cores");
    return Status::ok();
  }

  Status emit_naive_attention(const Kernel& k, const std::string& ps, const AttentionKernel& at) {
    size_t r = at.q.shape.size();
    Shape lead(at.q.shape.begin(), at.q.shape.end() - 2);
    Shape rows_shape = lead;
    rows_shape.push_back(at.q.shape[r - 2]);
    SymExpr total(1);
    for (const auto& d : rows_shape) total = total * d;
    std::string s = info(k.name, "128", "0", "0", "0");
    s += "extern \"C\" __global__ void __launch_bounds__(128) " + k.name + "(const " + ps + " p) {\n";
    s += "  const int64_t total = " + dcode(total) + ";\n";
    s += "  for (int64_t flat = (int64_t)blockIdx.x * 128 + threadIdx.x; flat < total; flat += (int64_t)gridDim.x * 128) {\n";
    s += delinearize_code(rows_shape, "flat", "b", "    ");
    std::string qi = "b" + std::to_string(lead.size());
    auto off = [&](const StridedView& view, const std::string& row, const std::string& col, bool kv) {
      std::string o = dcode(view.offset);
      for (size_t i = 0; i < lead.size(); ++i) {
        std::string idx = "b" + std::to_string(i);
        if (kv && at.gqa_group > 1 && i + 1 == lead.size()) idx = "(" + idx + " / " + std::to_string(at.gqa_group) + ")";
        o += " + " + idx + " * " + dcode(view.strides[i]);
      }
      return o + " + " + row + " * " + dcode(view.strides[r - 2]) + " + " + col + " * " + dcode(view.strides[r - 1]);
    };
    std::string S = dcode(at.k.shape[r - 2]), E = dcode(at.q.shape[r - 1]), EV = dcode(at.v.shape[r - 1]);
    std::string score = "      double d = 0;\n      for (int64_t e = 0; e < " + E + "; ++e) d += (double)aotc_gen::aotc_ld(" +
                        buf(at.q.buffer) + ", " + off(at.q, qi, "e", false) + ") * (double)aotc_gen::aotc_ld(" +
                        buf(at.k.buffer) + ", " + off(at.k, "j", "e", true) + ");\n" +
                        fmt::format("      d *= {};\n", at.scale);
    if (at.causal) score += "      if (j > " + qi + ") d = -INFINITY;\n";
    if (at.mask) {
      std::string mo = off(*at.mask, qi, "j", false);
      if (at.mask->dtype == DType::Bool)
        score += "      if (!aotc_gen::aotc_ld(" + buf(at.mask->buffer) + ", " + mo + ")) d = -INFINITY;\n";
      else
        score += "      d += (double)aotc_gen::aotc_ld(" + buf(at.mask->buffer) + ", " + mo + ");\n";
    }
    s += "    double mx = -INFINITY;\n    for (int64_t j = 0; j < " + S + "; ++j) {\n" + score + "      if (d > mx) mx = d;\n    }\n";
    s += "    double sum = 0;\n    for (int64_t j = 0; j < " + S + "; ++j) {\n" + score +
         "      sum += mx == -INFINITY ? 0.0 : exp(d - mx);\n    }\n";
    s += "    for (int64_t ev = 0; ev < " + EV + "; ++ev) {\n      double acc = 0;\n";
    s += "      if (sum > 0) for (int64_t j = 0; j < " + S + "; ++j) {\n" + score + "        acc += exp(d - mx) / sum * "
         "(double)aotc_gen::aotc_ld(" + buf(at.v.buffer) + ", " + off(at.v, "j", "ev", true) + ");\n      }\n";
    s += "      aotc_gen::aotc_st(" + buf(at.out_buffer) + ", flat * " + EV + " + ev, (" +
         register_ctype(register_type(kg_.buffer(at.out_buffer).dtype)) + ")acc);\n    }\n  }\n}\n\n";
    dev_ += s;
    launch("aotc_blocks(" + hcode(total) + ", 128)", "1", "1", hcode(total) + " > 0");
    choose(k, "generated attention (thread per query row)", "dtype or head size the attention templates do not take");
    return Status::ok();
  }

  Status emit(const Kernel& k, const std::string& ps, const ScanKernel& sc) {
    const Buffer& out = kg_.buffer(sc.out_buffer);
    size_t d = static_cast<size_t>(sc.dim);
    SymExpr outer(1), inner(1);
    for (size_t i = 0; i < d; ++i) outer = outer * sc.input.shape[i];
    for (size_t i = d + 1; i < sc.input.shape.size(); ++i) inner = inner * sc.input.shape[i];
    SymExpr n = sc.input.shape.empty() ? SymExpr(1) : sc.input.shape[d];
    std::string acc_t = is_floating(out.dtype) ? "double" : "int64_t";
    std::string s = info(k.name, "256", "0", "0", "0");
    s += "extern \"C\" __global__ void __launch_bounds__(256) " + k.name + "(const " + ps + " p) {\n";
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
    s += "\nusing namespace aotc_gen;\n\n" + structs_ + "\n" + dev_;
    return s;
  }

  Expected<std::string> host_file() {
    // Launch slots: one per kernel, then GEMM size variants.
    std::string s = "// Generated by aotc for model '" + kg_.model_name + "' (target cuda, host code). Do not edit.\n";
    s += "#include <cstdint>\n#include <cstring>\n\n#include \"aotc_launch.h\"\n#include \"aotc_math.h\"\n"
         "#include \"aotc_model.h\"\n\n";
    for (const auto& img : options_.images)
      s += "extern \"C\" const unsigned char " + img.symbol + "[], " + img.symbol + "_end[];\n";
    s += "\nnamespace {\n\nusing namespace aotc_gen;\n\n" + structs_ + "\n";
    s += "struct Frame {\n";
    for (const auto& sym : kg_.symbol_order) s += "  int64_t " + symbol_ident(sym) + " = 0;\n";
    for (const Buffer& b : kg_.buffers) s += "  " + storage_ctype(b.dtype) + "* b_" + b.name + " = nullptr;\n";
    s += "  float* split_partials = nullptr;\n  unsigned* split_counters = nullptr;\n";
    s += "};\n\n";
    s += "struct KernelInfo {\n  int32_t threads, smem, tile_m, tile_n, tile_k;\n};\n\n";
    s += fmt::format("constexpr size_t kNumFunctions = {};\n", std::max<size_t>(slot_names_.size(), 1));
    s += "const char* const kFunctionNames[kNumFunctions] = {\n";
    for (const auto& n : slot_names_) s += "    \"" + n + "\",\n";
    if (slot_names_.empty()) s += "    nullptr,\n";
    s += "};\n\n";
    s += "struct State {\n  void* module = nullptr;\n  void* fn[kNumFunctions] = {};\n  KernelInfo info[kNumFunctions] = {};\n"
         "  int64_t sms = 0;  // the device's multiprocessors\n};\n\n";
    // Split-K: the scratch at the arena's start holds the tile counters (zero
    // when the arena is made; each split launch leaves them zero again) and
    // the partial sums; aotc_launch.h has the policy (docs/cuda-kernels.md,
    // "Split-K").
    s += "using aotc_launch::kSplitCounters;\nusing aotc_launch::kSplitScratchBytes;\n\n";
    s += "int64_t aotc_split_k(const State* s, int64_t tiles, int64_t k_slices, int64_t tile_elems, int64_t batch,\n"
         "                     int64_t want) {\n"
         "  (void)s;\n  return aotc_launch::split_k(tiles, k_slices, tile_elems, batch, want);\n}\n\n";
    s += "uint32_t aotc_blocks(int64_t n, int64_t per) {\n  if (per < 1) per = 1;\n  int64_t b = (n + per - 1) / per;\n";
    s += "  if (b < 1) b = 1;\n  if (b > 65535LL * 32) b = 65535LL * 32;\n  return (uint32_t)b;\n}\n";
    s += "uint32_t aotc_batch_blocks(int64_t n) { return (uint32_t)(n < 1 ? 1 : (n > 65535 ? 65535 : n)); }\n\n";
    // init / destroy
    s += "int init_model(const aotc_model::InitContext* ctx, void** state, char* error, size_t error_size) {\n";
    s += "  static const aotc_model::CudaImage images[] = {\n";
    for (const auto& img : options_.images)
      s += fmt::format("      {{{}, aotc_model::CudaImageKind::{}, {}, (size_t)({}_end - {})}},\n", img.arch,
                       img.ptx ? "kPtx" : "kCubin", img.symbol, img.symbol, img.symbol);
    s += "  };\n  State* s = new State();\n";
    s += "  if (aotc_model::cuda_load_module(ctx, images, sizeof(images) / sizeof(images[0]), &s->module, error, error_size)) {\n";
    s += "    delete s;\n    return 1;\n  }\n";
    s += "  for (size_t i = 0; i < kNumFunctions && kFunctionNames[i]; ++i) {\n";
    s += "    char global[160];\n    std::snprintf(global, sizeof global, \"%s_info\", kFunctionNames[i]);\n";
    s += "    if (aotc_model::cuda_get_global(s->module, global, &s->info[i], sizeof(KernelInfo), error, error_size) ||\n";
    s += "        aotc_model::cuda_get_function(s->module, kFunctionNames[i], (uint32_t)s->info[i].smem, &s->fn[i], error, error_size)) {\n";
    s += "      aotc_model::cuda_unload_module(s->module);\n      delete s;\n      return 1;\n    }\n  }\n";
      s += "  s->sms = ctx->multiprocessors > 0 ? ctx->multiprocessors : 1;\n";
  s += "  *state = s;\n  return 0;\n}\n\n";
    s += "void destroy_model(void* state) {\n  State* s = static_cast<State*>(state);\n  if (!s) return;\n";
    s += "  aotc_model::cuda_unload_module(s->module);\n  delete s;\n}\n\n";
    s += "#define AOTC_LAUNCH(slot, gx, gy, gz, params)                                                       \\\n";
    s += "  do {                                                                                         \\\n";
    s += "    void* args_[] = {&(params)};                                                                \\\n";
    s += "    if (aotc_model::cuda_launch(s->fn[slot], (gx), (gy), (gz), (uint32_t)s->info[slot].threads, 1, 1, \\\n";
    s += "                                (uint32_t)s->info[slot].smem, rc->stream, args_, error, error_size)) \\\n";
    s += "      return 1;                                                                                 \\\n";
    s += "  } while (0)\n\n";
    // run
    s += "int run_model(const aotc_model::RunContext* rc, char* error, size_t error_size) {\n";
    s += "  State* s = static_cast<State*>(rc->state);\n  Frame f;\n";
    for (size_t i = 0; i < kg_.symbol_order.size(); ++i)
      s += fmt::format("  f.{} = rc->symbols[{}];\n", symbol_ident(kg_.symbol_order[i]), i);
    auto sym = [](const std::string& n) { return "f." + symbol_ident(n); };
    s += "  unsigned char* arena = static_cast<unsigned char*>(rc->arena);\n  (void)arena;\n";
    if (uses_split_k_) {
      // The split-K scratch sits at the arena's start, at the same place for
      // every input size: its counters must stay zero between runs, and the
      // planned buffers (whose extent depends on the sizes) never touch it.
      s += "  f.split_counters = reinterpret_cast<unsigned*>(arena);\n";
      s += "  f.split_partials = reinterpret_cast<float*>(arena + kSplitCounters * 4);\n";
      s += "  arena += kSplitScratchBytes;\n";
    }
    for (const Buffer& b : kg_.buffers) {
      std::string t = storage_ctype(b.dtype) + "*";
      std::string ptr;
      switch (b.kind) {
        case Buffer::Kind::kInput:
          ptr = fmt::format("static_cast<{}>(const_cast<void*>(rc->inputs[{}]))", t, b.io_index);
          break;
        case Buffer::Kind::kOutput: ptr = fmt::format("static_cast<{}>(rc->outputs[{}])", t, b.io_index); break;
        case Buffer::Kind::kWeight:
          ptr = fmt::format("reinterpret_cast<{}>(const_cast<unsigned char*>(static_cast<const unsigned char*>(rc->weights) + {}))",
                            t, b.weight_offset);
          break;
        case Buffer::Kind::kArena:
          if (b.slot < 0) continue;
          ptr = fmt::format("reinterpret_cast<{}>(arena + ({}))", t, kg_.slot_offsets[static_cast<size_t>(b.slot)].to_code(sym));
          break;
      }
      s += "  f.b_" + b.name + " = " + ptr + ";\n";
    }
    s += launches_;
    s += "  return 0;\n}\n\n";
    SpecOptions spec;
    spec.weights_file = options_.weights_file;
    spec.device_type = 1;
    spec.init_function = "init_model";
    if (uses_split_k_) spec.extra_scratch_code = fmt::format("{}", kSplitScratchBytes);
    spec.destroy_function = "destroy_model";
    AOTC_ASSIGN_OR_RETURN(std::string tables, emit_model_spec(kg_, spec));
    s += tables;
    // snprintf needs <cstdio>.
    s.insert(s.find("#include <cstring>"), "#include <cstdio>\n");
    return s;
  }

  const KernelGraph& kg_;
  CudaEmitOptions options_;
  size_t index_ = 0;
  std::string structs_, dev_, launches_;
  std::vector<std::string> fills_;
  bool uses_split_k_ = false;  // some launch may split K (scratch at the arena's start)
  static constexpr const char* kCudnnMinFlopsFma = "1e9";
  static constexpr const char* kCudnnMinFlopsTensorCores = "2e8";
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

}  // namespace

Expected<CudaEmitResult> emit_cuda_model(const KernelGraph& kg, const CudaEmitOptions& options) {
  return CudaEmitter(kg, options).run();
}

}  // namespace aotc::codegen
