// When to capture and replay CUDA graphs; see GraphPolicy.h.
#include "GraphPolicy.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "Errors.h"

namespace aotc_model::rt {

const char* graph_mode_name(GraphMode mode) {
  switch (mode) {
    case GraphMode::kNever:
      return "never";
    case GraphMode::kAlways:
      return "always";
    case GraphMode::kAuto:
      return "auto";
  }
  return "auto";
}

GraphMode graph_mode_from_env(GraphMode fallback) {
  const char* v = std::getenv("AOTC_CUDA_GRAPHS");
  if (v == nullptr || v[0] == '\0') return fallback;
  const std::string s = v;
  if (s == "0" || s == "never") return GraphMode::kNever;
  if (s == "1" || s == "always") return GraphMode::kAlways;
  if (s == "auto") return GraphMode::kAuto;
  fail("AOTC_CUDA_GRAPHS is '" + s + "'; it takes 0 or never, 1 or always, or auto");
}

GraphPolicy::Action GraphPolicy::decide(const Key& key, bool cached) {
  if (mode_ == GraphMode::kNever || gave_up_) return Action::kEager;
  if (cached) {
    ++replays_;
    return Action::kReplay;
  }
  if (mode_ == GraphMode::kAlways) return Action::kCapture;
  if (captures_ >= kGiveUpCaptures && replays_ < captures_) {
    gave_up_ = true;  // the graphs keep evicting each other
    seen_.clear();
    return Action::kEager;
  }
  if (auto it = std::find(seen_.begin(), seen_.end(), key); it != seen_.end()) {
    seen_.erase(it);
    return Action::kCapture;
  }
  if (seen_.size() >= kMaxSeen) seen_.pop_front();
  seen_.push_back(key);
  return Action::kEager;
}

void GraphPolicy::capture_failed() {
  if (mode_ != GraphMode::kAuto) return;
  gave_up_ = true;
  seen_.clear();
}

}  // namespace aotc_model::rt
