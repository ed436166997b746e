// Emits the parts of a generated model library both targets share: the
// ModelSpec tables (inputs, outputs, symbols with ranges, constants, call
// spec), the symbolic-size helpers (eval_expr, arena_bytes), and the
// definition of aotc_generated_model_spec(). See runtime/model/aotc_model.h.
#pragma once

#include <string>
#include <vector>

#include "codegen/KernelGraph.h"
#include "support/Status.h"

namespace aotc::codegen {

struct SpecOptions {
  std::string weights_file;        ///< basename of the weights entry in the package
  int32_t device_type = 0;         ///< AOTC_DEVICE_CPU / CUDA
  /// C++ expression (over `const int64_t* s`) adding extra scratch bytes to arena_bytes, or empty.
  std::string extra_scratch_code;
  std::string init_function;       ///< name of the generated init, or empty
  std::string destroy_function;    ///< name of the generated destroy, or empty
  std::string run_function = "run_model";
};

/// C identifier of a model symbol ("s77" -> "sym_s77").
std::string symbol_ident(const std::string& symbol);

/// The pytree call specs, synthesized as ((x0, .., xn), {}) and (y0, .., ym) when the
/// program did not record them.
std::string in_spec_or_default(const KernelGraph& kg);
std::string out_spec_or_default(const KernelGraph& kg);

/// Checks that every symbol can be solved from the inputs' shapes at run time.
Status check_symbols_solvable(const KernelGraph& kg);

/// The code (inside an anonymous namespace) defining the spec tables and helpers,
/// followed by the exported definition of aotc_generated_model_spec().
Expected<std::string> emit_model_spec(const KernelGraph& kg, const SpecOptions& options);

/// Host code (inside run_model) pointing each buffer at its storage: frame
/// `f`'s `b_<name>` at rc's inputs, outputs or weights, or at its slot in
/// `arena` (an unsigned char*); arena buffers with no slot are skipped.
std::string bind_buffers_code(const KernelGraph& kg);

/// A C++ string literal for arbitrary text.
std::string cpp_string(const std::string& text);

}  // namespace aotc::codegen
