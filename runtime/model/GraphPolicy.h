// When a CUDA model instance captures, replays or skips CUDA graphs.
//
// A graph replays only a run with exactly the shapes and buffer addresses it
// was captured with (CudaModel.h, CudaGraphCache), so whether capturing pays
// depends on the caller: a serving loop that reuses its buffers replays the
// same few graphs forever; a caller whose addresses never repeat would pay a
// capture per run and replay none. The policy decides per run from the run's
// key (its symbols and addresses) and whether a graph for it exists:
//
// - kNever: always eager.
// - kAlways: capture on a key's first run, replay after.
// - kAuto (the default): a key's first run is eager and remembered; its second
//   captures; later ones replay. A run that never repeats costs nothing
//   beyond the bookkeeping. If captures keep evicting each other (at least
//   kGiveUpCaptures of them, and fewer replays than captures) or a capture
//   fails, the instance stops using graphs for good.
//
// Plain C++ with no CUDA, so the policy is unit-tested where there is no GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace aotc_model::rt {

enum class GraphMode : uint8_t { kNever, kAlways, kAuto };

/// "never", "always", "auto".
const char* graph_mode_name(GraphMode mode);

/// The mode AOTC_CUDA_GRAPHS names ("0"/"never", "1"/"always", "auto"), or
/// `fallback` when it is unset. Throws ModelError naming the variable and the
/// accepted values when it is set to anything else.
GraphMode graph_mode_from_env(GraphMode fallback);

class GraphPolicy {
 public:
  using Key = std::vector<uint64_t>;
  enum class Action : uint8_t { kEager, kCapture, kReplay };

  /// Keys remembered from eager runs (kAuto), the oldest forgotten first.
  static constexpr size_t kMaxSeen = 32;
  /// kAuto gives up after this many captures if they replayed less than
  /// they captured.
  static constexpr uint32_t kGiveUpCaptures = 16;

  explicit GraphPolicy(GraphMode mode) : mode_(mode) {}

  /// What to do with a run keyed `key`; `cached`: a graph for it exists.
  Action decide(const Key& key, bool cached);
  /// The capture decide() asked for succeeded or failed. A failure in kAuto
  /// gives up; in kAlways the caller reports it.
  void captured() { ++captures_; }
  void capture_failed();

  GraphMode mode() const { return mode_; }
  /// kAuto stopped using graphs; the caller drops the ones it holds.
  bool gave_up() const { return gave_up_; }
  uint32_t captures() const { return captures_; }
  uint64_t replays() const { return replays_; }

 private:
  GraphMode mode_;
  bool gave_up_ = false;
  uint32_t captures_ = 0;
  uint64_t replays_ = 0;
  std::deque<Key> seen_;  // kAuto: keys run once eagerly, oldest first
};

}  // namespace aotc_model::rt
