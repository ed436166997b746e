// The tuning cache file (see Tuning.h).
#include "codegen/Tuning.h"

#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "support/Files.h"

namespace aotc::codegen {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kFormat = "aotc-tuning-cache";
constexpr int kVersion = 1;

int arch_number(const std::string& arch) {
  return arch.size() > 3 && arch.starts_with("sm_") ? std::atoi(arch.c_str() + 3) : 0;
}

}  // namespace

Expected<TuningCache> TuningCache::load(const std::filesystem::path& path) {
  AOTC_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse(text, path.string());
}

Expected<TuningCache> TuningCache::parse(const std::string& text, const std::string& origin) {
  ordered_json j = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return make_error(ErrorCode::kInvalidInput, "tuning cache {}: not valid JSON", origin);
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
    return make_error(ErrorCode::kInvalidInput, "tuning cache {}: not an aotc tuning cache (\"format\" must be \"{}\")",
                      origin, kFormat);
  if (!j.contains("version") || !j["version"].is_number_integer())
    return make_error(ErrorCode::kInvalidInput, "tuning cache {}: \"version\" is missing or not an integer", origin);
  if (j["version"].get<int>() != kVersion)
    return make_error(ErrorCode::kUnsupported, "tuning cache {}: version {} (this aotc reads version {})", origin,
                      j["version"].get<int>(), kVersion);
  if (!j.contains("entries") || !j["entries"].is_array())
    return make_error(ErrorCode::kInvalidInput, "tuning cache {}: \"entries\" is missing or not an array", origin);
  TuningCache cache;
  size_t index = 0;
  for (const auto& e : j["entries"]) {
    auto bad = [&](const std::string& what) {
      return make_error(ErrorCode::kInvalidInput, "tuning cache {}: entry {}: {}", origin, index, what);
    };
    if (!e.is_object()) return bad("not an object");
    TuningEntry t;
    for (const char* field : {"key", "arch", "choice"}) {
      if (!e.contains(field) || !e[field].is_string() || e[field].get<std::string>().empty())
        return bad(std::string("\"") + field + "\" is missing or not a non-empty string");
    }
    t.key = e["key"].get<std::string>();
    t.arch = e["arch"].get<std::string>();
    t.choice = e["choice"].get<std::string>();
    if (arch_number(t.arch) < 80) return bad("\"arch\" " + t.arch + " is not sm_80 or newer");
    if (e.contains("device")) {
      if (!e["device"].is_string()) return bad("\"device\" is not a string");
      t.device = e["device"].get<std::string>();
    }
    if (e.contains("heuristic")) {
      if (!e["heuristic"].is_string()) return bad("\"heuristic\" is not a string");
      t.heuristic = e["heuristic"].get<std::string>();
    }
    for (const char* field : {"times_us", "graph_us"}) {
      if (!e.contains(field)) continue;
      if (!e[field].is_object()) return bad(std::string("\"") + field + "\" is not an object");
      auto& times = std::string(field) == "times_us" ? t.times_us : t.graph_us;
      for (const auto& [name, v] : e[field].items()) {
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
          return bad(std::string("\"") + field + "\" of " + name + " is not a non-negative number");
        times[name] = v.get<double>();
      }
    }
    if (cache.entries_.contains({t.key, t.arch}))
      return bad("a second entry for the same key and arch " + t.arch);
    cache.put(std::move(t));
    ++index;
  }
  return cache;
}

std::string TuningCache::to_json() const {
  ordered_json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["entries"] = ordered_json::array();
  for (const auto& [id, t] : entries_) {
    ordered_json e;
    e["key"] = t.key;
    e["arch"] = t.arch;
    if (!t.device.empty()) e["device"] = t.device;
    e["choice"] = t.choice;
    if (!t.heuristic.empty()) e["heuristic"] = t.heuristic;
    for (const auto* m : {&t.times_us, &t.graph_us}) {
      if (m->empty()) continue;
      ordered_json times = ordered_json::object();
      for (const auto& [name, us] : *m) times[name] = std::round(us * 1000.0) / 1000.0;
      e[m == &t.times_us ? "times_us" : "graph_us"] = std::move(times);
    }
    j["entries"].push_back(std::move(e));
  }
  return j.dump(1) + "\n";
}

Status TuningCache::save(const std::filesystem::path& path) const {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  return write_file(path, to_json());
}

const char* tune_for_name(TuneFor mode) {
  switch (mode) {
    case TuneFor::kGraph: return "graph";
    case TuneFor::kEager: return "eager";
    default: return "both";
  }
}

std::string tuned_pick(const TuningEntry& entry, TuneFor mode) {
  auto cost = [&](const std::string& name) -> std::optional<double> {
    auto e = entry.times_us.find(name);
    auto g = entry.graph_us.find(name);
    const bool has_e = e != entry.times_us.end(), has_g = g != entry.graph_us.end();
    if (mode == TuneFor::kEager) return has_e ? std::optional<double>(e->second) : std::nullopt;
    if (mode == TuneFor::kGraph) return has_g ? std::optional<double>(g->second) : std::nullopt;
    if (has_e && has_g) return std::max(e->second, g->second);
    if (has_e) return e->second;
    return has_g ? std::optional<double>(g->second) : std::nullopt;
  };
  std::string best;
  double best_cost = 0;
  std::set<std::string> names;
  for (const auto& [name, us] : entry.times_us) names.insert(name);
  for (const auto& [name, us] : entry.graph_us) names.insert(name);
  for (const auto& name : names) {
    auto c = cost(name);
    if (c && (best.empty() || *c < best_cost)) {
      best = name;
      best_cost = *c;
    }
  }
  if (best.empty() || entry.heuristic.empty() || best == entry.heuristic) return best;
  auto h = cost(entry.heuristic);
  if (h && *h - best_cost < std::max(0.05 * *h, 1.0)) return entry.heuristic;
  return best;
}

void TuningCache::put(TuningEntry entry) {
  auto id = std::make_pair(entry.key, entry.arch);
  entries_[std::move(id)] = std::move(entry);
}

const TuningEntry* TuningCache::find(const std::string& key, const std::vector<int>& archs) const {
  const TuningEntry* best = nullptr;
  int best_arch = -1;
  for (int a : archs) {
    auto it = entries_.find({key, "sm_" + std::to_string(a)});
    if (it != entries_.end() && a > best_arch) {
      best = &it->second;
      best_arch = a;
    }
  }
  return best;
}

}  // namespace aotc::codegen
