// Weights and constants: PayloadConfig payloads, weight folders, safetensors.
//
// torch.export (2.9+) stores each tensor's whole underlying storage as a raw
// little-endian file and describes the view in a PayloadConfig (dtype, sizes,
// strides, storage offset; spec §11). materialize_payloads() turns a config
// plus a way to read its files into contiguous HostTensors keyed by FQN,
// reading each file once even when several FQNs share it (tied weights,
// views). The same config-driven reading serves archives (Pt2Archive.h) and
// folders; safetensors files carry their own header instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "frontend/Frontend.h"
#include "frontend/Schema.h"
#include "ir/HostTensor.h"
#include "support/Status.h"

namespace aotc {

/// The payload files of one PayloadConfig.
struct PayloadFiles {
  /// Reads the file a config entry's `path_name` names. A missing file must
  /// give ErrorCode::kNotFound.
  std::function<Expected<std::string>(const std::string& path_name)> read;
  /// How to name a payload file in messages: "model.pt2:model/data/weights/weight_0".
  std::function<std::string(const std::string& path_name)> describe;
};

/// Materializes every entry of `config` into `out` (keyed by FQN). `source`
/// names the config in messages. Errors name the FQN and file: a pickled entry
/// (use_pickle: true), an entry without tensor_meta, a missing file, a file
/// too short for the view, an unsupported dtype, an FQN already in `out`.
Status materialize_payloads(const schema::PayloadConfig& config, const PayloadFiles& files,
                            std::string_view source, WeightMap& out);

/// as_strided(storage, sizes, strides, storage_offset) in elements of `dtype`,
/// copied into a contiguous tensor. Empty storage means zeros (torch.export
/// writes 0-byte files for fake or empty tensors). The error message says how
/// many bytes the view needs and how many the storage has, and nothing else:
/// the caller adds which tensor it is.
Expected<HostTensor> materialize_strided(std::span<const uint8_t> storage, DType dtype,
                                         std::span<const int64_t> sizes,
                                         std::span<const int64_t> strides, int64_t storage_offset);

/// A folder holding `<model>_weights_config.json` (torch 2.11 names it
/// `model_weights_config.json`) with its `weight_N` files and optionally
/// `<model>_constants_config.json` with `tensor_N` files, either flat or in the
/// `data/weights/` + `data/constants/` layout of an unzipped archive (with or
/// without the archive's root folder).
Expected<WeightMap> read_weights_folder(const std::filesystem::path& dir,
                                        std::string_view model_name);

/// A .safetensors file: 8-byte little-endian header length, a JSON header
/// mapping names to {dtype, shape, data_offsets}, then the data. Offsets and
/// sizes are validated against the file.
Expected<WeightMap> read_safetensors(const std::filesystem::path& file);

}  // namespace aotc
