// Reading what torch.export writes: the ExportedProgram JSON, .pt2 archives,
// and weights (archives, weight folders, safetensors).
//
// Entry point for the CLI is load_program(); the pieces are exposed for tests.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/Schema.h"
#include "ir/HostTensor.h"
#include "support/Status.h"

namespace aotc {

/// Parses ExportedProgram JSON text. `source` names the file in messages.
/// Errors: malformed JSON (with line and column), schema major other than 8,
/// a union object without exactly one key, an unknown union tag, a field of
/// the wrong JSON type (each naming the JSON path, e.g.
/// `graph_module.graph.nodes[3].inputs[1].arg`).
Expected<schema::ExportedProgram> parse_exported_program(std::string_view json_text, std::string_view source);

/// Parses a PayloadConfig (`*_weights_config.json` / `*_constants_config.json`).
Expected<schema::PayloadConfig> parse_payload_config(std::string_view json_text, std::string_view source);

/// Weights and constants by FQN (parameter_name, buffer_name, tensor_constant_name),
/// each materialized as a contiguous HostTensor with its recorded dtype and sizes.
using WeightMap = std::map<std::string, HostTensor, std::less<>>;

/// What the frontend read from the user's input.
struct LoadedProgram {
  schema::ExportedProgram program;
  WeightMap weights;
  std::string source;      ///< the input path, for messages
  std::string model_name;  ///< the program's name in its archive ("model")
};

/// Reads a torch.export `.pt2` archive or a `model.json`. `weights` (required
/// for a .json whose program has parameters, buffers or constants; optional
/// for an archive, whose own weights it then replaces) is a torch.export
/// archive, a folder with `model_weights_config.json` + `weight_N` files (and
/// optionally constants), or a `.safetensors` file keyed by FQN. Archives with
/// pickled weights (PyTorch 2.8 and older) are refused with a message saying
/// how to re-save them or pass safetensors. `model_name` picks a program in an
/// archive holding several; empty means "model", or the only one.
/// docs/frontend.md describes what is accepted and refused.
Expected<LoadedProgram> load_program(const std::filesystem::path& input,
                                     const std::optional<std::filesystem::path>& weights = std::nullopt,
                                     std::string_view model_name = {});

/// The weights and constants of one of the --weights sources above, for the
/// program `model_name` (used to pick the config in archives and folders).
Expected<WeightMap> load_weights(const std::filesystem::path& weights, std::string_view model_name);

}  // namespace aotc
