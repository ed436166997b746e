// Kernel tuning without a GPU: the tuning cache file (reading, writing,
// refusing bad ones), what a compile does with a cache entry (the pick, the
// manifest's reason, ignoring entries for other archs or unknown
// candidates), and that a tuning build (what --autotune runs on the GPU)
// compiles every candidate of every tunable node.
#include <catch2/catch.hpp>

#include "CudaCompileSupport.h"
#include "Npy.h"

using namespace aotc;
using namespace aotc::e2e;
using codegen::TuningCache;
using codegen::TuningEntry;

namespace {

Compiled compile(const std::string& model, const std::string& name, std::shared_ptr<const TuningCache> cache,
                 bool tuning_build = false, std::vector<std::string> archs = {"sm_90"}) {
  return compile_cuda(model, name, [&](codegen::CompileOptions& o) {
    o.archs = std::move(archs);
    o.tuning = std::move(cache);
    o.tuning_build = tuning_build;
  });
}

}  // namespace

TEST_CASE("tuning cache: a file round-trips, sorted and deterministic") {
  TuningCache c;
  c.put({"gemm b", "sm_90", "NVIDIA H200", "x<B>", "x<A>", {{"x<A>", 2.5}, {"x<B>", 1.25}}});
  c.put({"gemm a", "sm_90", "", "x<A>", "", {}});
  c.put({"gemm a", "sm_80", "A100", "x<B>", "", {}});
  auto path = scratch_dir() / "cache_roundtrip.json";
  REQUIRE(c.save(path));
  auto back = TuningCache::load(path);
  REQUIRE(back.has_value());
  CHECK(back->size() == 3);
  CHECK(back->to_json() == c.to_json());
  // Sorted by key then arch, whatever the insertion order.
  const std::string text = c.to_json();
  CHECK(text.find("\"gemm a\"") < text.find("\"gemm b\""));
  CHECK(text.find("\"sm_80\"") < text.find("\"sm_90\""));
  // Replacing an entry keeps one per (key, arch).
  c.put({"gemm a", "sm_90", "", "x<C>", "", {}});
  CHECK(c.size() == 3);
  REQUIRE(c.find("gemm a", {90}) != nullptr);
  CHECK(c.find("gemm a", {90})->choice == "x<C>");
  // Several archs compiled: the highest one with an entry wins.
  CHECK(c.find("gemm a", {80, 90})->arch == "sm_90");
  CHECK(c.find("gemm a", {80})->arch == "sm_80");
  CHECK(c.find("gemm b", {80}) == nullptr);
  CHECK(c.find("gemm c", {80, 90}) == nullptr);
}

TEST_CASE("tuning cache: bad files are refused with the file and the entry named") {
  auto refused = [](const std::string& text) {
    auto r = TuningCache::parse(text, "my.json");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("my.json") != std::string::npos);
    return r.error().message;
  };
  CHECK(refused("{not json").find("not valid JSON") != std::string::npos);
  CHECK(refused(R"({"format": "something", "version": 1, "entries": []})").find("not an aotc tuning cache") !=
        std::string::npos);
  CHECK(refused(R"({"format": "aotc-tuning-cache", "version": 7, "entries": []})").find("version 7") !=
        std::string::npos);
  CHECK(refused(R"({"format": "aotc-tuning-cache", "version": 1})").find("entries") != std::string::npos);
  std::string m = refused(R"({"format": "aotc-tuning-cache", "version": 1, "entries": [
      {"key": "k", "arch": "sm_90", "choice": "a"}, {"key": "k2", "arch": "sm_90"}]})");
  CHECK(m.find("entry 1") != std::string::npos);
  CHECK(m.find("choice") != std::string::npos);
  CHECK(refused(R"({"format": "aotc-tuning-cache", "version": 1, "entries": [
      {"key": "k", "arch": "sm_75", "choice": "a"}]})").find("sm_80 or newer") != std::string::npos);
  CHECK(refused(R"({"format": "aotc-tuning-cache", "version": 1, "entries": [
      {"key": "k", "arch": "sm_90", "choice": "a", "times_us": {"a": -1}}]})").find("times_us") != std::string::npos);
  CHECK(refused(R"({"format": "aotc-tuning-cache", "version": 1, "entries": [
      {"key": "k", "arch": "sm_90", "choice": "a"}, {"key": "k", "arch": "sm_90", "choice": "b"}]})")
            .find("second entry") != std::string::npos);
  auto missing = TuningCache::load(scratch_dir() / "no_such_cache.json");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("no_such_cache.json") != std::string::npos);
}

TEST_CASE("tuning: every GEMM and convolution with a choice has a tuning key in the manifest") {
  auto gpt = compile("gpt_block", "tune_keys_gpt", nullptr);
  const auto& lin = gpt.kernels.at("layer_norm+linear")["details"];
  REQUIRE(lin.contains("tuning_key"));
  const std::string key = lin["tuning_key"];
  // The problem and the symbol it depends on, with its range and example value.
  CHECK(key.find("gemm a=float32[k-major] b=float32[k-major] out=float32") == 0);
  CHECK(key.find("n=768 k=256") != std::string::npos);
  CHECK(key.find(" layer-norm-a ") != std::string::npos);  // the folded norm is part of the problem
  CHECK(key.find("=[") != std::string::npos);
  CHECK(key.find("]@16") != std::string::npos);  // torch.export's hint: sequence 16
  CHECK(gpt.summary.tunables.size() >= 4);
  CHECK(gpt.summary.symbol_hints.size() == 1);
  auto cnn = compile("small_cnn", "tune_keys_cnn", nullptr);
  const std::string conv_key = cnn.kernels.at("conv2d+relu")["details"]["tuning_key"];
  CHECK(conv_key.find("conv2d float32") == 0);
  CHECK(conv_key.find("r=3 s=3 stride=1,1 pad=1,1") != std::string::npos);
}

TEST_CASE("tuning: a cache entry picks the kernel, and the manifest says it was measured") {
  auto plain = compile("gpt_block", "tune_plain_gpt", nullptr);
  const std::string key = plain.kernels.at("linear_1+add")["details"]["tuning_key"];
  CHECK(plain.kernels.at("linear_1+add")["kernel"] == "gemm_simt_linear<SimtLinearNarrowK> | "
                                                "gemm_simt_linear<SimtLinearWideSplit> | gemm_simt_linear<SimtLinearMedium>");
  auto cache = std::make_shared<TuningCache>();
  cache->put({key, "sm_90", "NVIDIA H200", "gemm_simt<SimtGemmSmall>", "gemm_simt_linear<SimtLinearSmall>",
              {{"gemm_simt<SimtGemmSmall>", 4.0}, {"gemm_simt_linear<SimtLinearSmall>", 6.0}}});
  auto tuned = compile("gpt_block", "tune_cached_gpt", cache);
  const auto& k = tuned.kernels.at("linear_1+add");
  CHECK(k["kernel"] == "gemm_simt<SimtGemmSmall>");  // one kernel, no variant by M
  const std::string reason = k["details"]["reason"];
  CHECK(reason.find("tuning cache") != std::string::npos);
  CHECK(reason.find("NVIDIA H200 (sm_90) 4.0 us") != std::string::npos);
  CHECK(reason.find("heuristic's pick gemm_simt_linear<SimtLinearSmall> 6.0 us") != std::string::npos);
  // The other nodes keep the heuristic's pick and say the cache had nothing for them.
  CHECK(tuned.kernels.at("linear_3+add_1")["kernel"] == plain.kernels.at("linear_3+add_1")["kernel"]);
  CHECK(std::string(tuned.kernels.at("linear_3+add_1")["details"]["reason"]).find("not in the tuning cache") !=
        std::string::npos);
  // The device code has that node's single kernel, instantiated from the chosen config.
  CHECK(count(tuned.device, "aotc::cuda::SimtGemmSmall;") >= 1);
  CHECK(count(tuned.wrapper, "cuda_tune_node") == 0);  // a normal build never times

  // An entry for another arch than the compile's is not used.
  auto other = std::make_shared<TuningCache>();
  other->put({key, "sm_80", "A100", "gemm_simt<SimtGemmSmall>", "", {}});
  auto untouched = compile("gpt_block", "tune_other_arch_gpt", other);
  CHECK(untouched.kernels.at("linear_1+add")["kernel"] == plain.kernels.at("linear_1+add")["kernel"]);
  // ... unless the compile builds for it too (the highest arch with an entry wins).
  auto both = compile("gpt_block", "tune_both_arch_gpt", other, false, {"sm_80", "sm_90"});
  CHECK(both.kernels.at("linear_1+add")["kernel"] == "gemm_simt<SimtGemmSmall>");
  // An entry that agrees with the heuristic keeps its code (here: the variant by M).
  auto agree = std::make_shared<TuningCache>();
  agree->put({key, "sm_90", "NVIDIA H200", "gemm_simt_linear<SimtLinearSmall>", "gemm_simt_linear<SimtLinearSmall>",
              {{"gemm_simt_linear<SimtLinearSmall>", 6.0}}});
  auto agreed = compile("gpt_block", "tune_agree_gpt", agree);
  CHECK(agreed.kernels.at("linear_1+add")["kernel"] == plain.kernels.at("linear_1+add")["kernel"]);
  CHECK(std::string(agreed.kernels.at("linear_1+add")["details"]["reason"]).find("the heuristic's pick measured fastest on NVIDIA H200") !=
        std::string::npos);
  // A choice that is not a candidate of this node is ignored, saying so.
  auto bogus = std::make_shared<TuningCache>();
  bogus->put({key, "sm_90", "", "gemm_tc<TcGemmNoSuch>", "", {}});
  auto ignored = compile("gpt_block", "tune_bogus_gpt", bogus);
  CHECK(ignored.kernels.at("linear_1+add")["kernel"] == plain.kernels.at("linear_1+add")["kernel"]);
  CHECK(std::string(ignored.kernels.at("linear_1+add")["details"]["reason"]).find("gemm_tc<TcGemmNoSuch> is not a candidate") !=
        std::string::npos);
}

TEST_CASE("tuning: a cache entry moves a convolution to aotc's kernel or to cuDNN at any size") {
  auto plain = compile("small_cnn", "tune_plain_cnn", nullptr);
  // The 3-channel input convolution never calls cuDNN; the other only on request.
  CHECK(count(plain.wrapper, "cv_.min_flops = 1e300;") == 1);
  CHECK(plain.kernels.at("conv2d+relu")["kernel"] == "conv2d_nchw<ConvNchwSmall>");
  const std::string k1 = plain.kernels.at("conv2d+relu")["details"]["tuning_key"];
  const std::string k2 = plain.kernels.at("conv2d_1+relu_1")["details"]["tuning_key"];
  REQUIRE(k1 != k2);
  auto cache = std::make_shared<TuningCache>();
  cache->put({k1, "sm_90", "NVIDIA H200", "cudnn", "", {}});
  cache->put({k2, "sm_90", "NVIDIA H200", "conv2d_nchw<ConvNchwMedium>", "", {}});
  auto tuned = compile("small_cnn", "tune_cached_cnn", cache);
  CHECK(tuned.kernels.at("conv2d+relu")["kernel"] == "cudnn | conv2d_nchw<ConvNchwSmall>");
  CHECK(tuned.kernels.at("conv2d_1+relu_1")["kernel"] == "conv2d_nchw<ConvNchwMedium>");  // the other tile size
  CHECK(count(tuned.wrapper, "cuda_cudnn_conv2d(rc, &cv_") == 1);  // only the first convolution
  CHECK(count(tuned.wrapper, "cv_.min_flops = 0;") == 1);           // at any size
  CHECK(count(tuned.wrapper, "_epi\",") == 1);                      // its epilogue kernel; none for the second
}

TEST_CASE("tuning: a tuning build compiles every candidate and times them through the runtime") {
  for (const std::string model : {"gpt_block", "small_cnn", "silu_mlp_bf16", "mlp"}) {
    INFO(model);
    auto t = compile(model, "tuning_build_" + model, nullptr, true, {"sm_90"});
    REQUIRE_FALSE(t.summary.tunables.empty());
    size_t candidates = 0;
    for (size_t n = 0; n < t.summary.tunables.size(); ++n) {
      const auto& node = t.summary.tunables[n];
      CHECK(node.candidates.size() >= 2);
      candidates += node.candidates.size();
      // The node's call names its index and candidate count.
      CHECK(count(t.wrapper, fmt::format("cuda_tune_node(rc, {}, {},", n, node.candidates.size())) == 1);
    }
    CHECK(count(t.wrapper, "cuda_tune_node(") == t.summary.tunables.size());
    auto manifest = nlohmann::json::parse(aotc::read_package_manifest((scratch_dir() / ("tuning_build_" + model + ".pt2")).string()));
    CHECK(manifest["models"][0]["compiler"]["tuning_build"] == "true");
    CHECK(manifest["models"][0]["archs"] == nlohmann::json::array({"sm_90"}));
    if (model == "gpt_block") CHECK(candidates >= 4 * 7);  // float32 k-contiguous GEMMs: 3 linear + 4 SIMT tiles
  }
}

TEST_CASE("tuning: the cache measured on an H200 applies to every fixture compiled here, without a GPU") {
  // benchmarks/tuning/h200.json: `aotc compile --autotune` of every fixture
  // on an H200 (scripts/gpu/session.sh, stage tune). Keys describe problems,
  // not files, so the fixtures re-exported there match the shared ones.
  auto loaded = TuningCache::load(std::filesystem::path(AOTC_SOURCE_DIR) / "benchmarks/tuning/h200.json");
  REQUIRE(loaded.has_value());
  auto cache = std::make_shared<TuningCache>(std::move(*loaded));
  for (const std::string model : {"resnet18", "gpt_block", "small_cnn"}) {
    INFO(model);
    auto t = compile(model, "tune_h200_" + model, cache);
    size_t tunable = 0;
    for (const auto& [node, k] : t.kernels) {
      if (!k["details"].contains("tuning_key")) continue;
      ++tunable;
      INFO(node);
      const TuningEntry* e = cache->find(k["details"]["tuning_key"], {90});
      REQUIRE(e != nullptr);  // every key matched an entry
      const std::string reason = k["details"]["reason"];
      if (e->choice == e->heuristic) {
        CHECK(reason.find("the heuristic's pick measured fastest on NVIDIA H200") != std::string::npos);
      } else {
        CHECK(reason.find("tuning cache: fastest measured on NVIDIA H200 (sm_90)") == 0);
        const std::string kernel = k["kernel"];
        if (e->choice == "cudnn") CHECK(kernel.rfind("cudnn | conv2d_nchw<", 0) == 0);
        else if (e->choice == "cublaslt") CHECK(kernel.rfind("cublaslt | ", 0) == 0);  // aotc's kernels as fallback
        else CHECK(kernel == e->choice);
      }
    }
    CHECK(tunable > 0);
  }
}

TEST_CASE("tuning: --tune-for picks from the stored eager and graph times") {
  const std::string own = "conv2d_nchw<ConvNchwSmall>";
  TuningEntry e{"k", "sm_90", "NVIDIA H200", own, own, {{own, 50.0}, {"cudnn", 60.0}}, {{own, 50.0}, {"cudnn", 30.0}}};
  using codegen::TuneFor;
  CHECK(codegen::tuned_pick(e, TuneFor::kBoth) == own);  // cuDNN's 60 us eager counts
  CHECK(codegen::tuned_pick(e, TuneFor::kGraph) == "cudnn");
  CHECK(codegen::tuned_pick(e, TuneFor::kEager) == own);
  // A win smaller than 5% (or 1 us) keeps the heuristic's pick.
  TuningEntry close{"k", "sm_90", "", "", "a", {{"a", 10.0}, {"b", 9.6}}, {}};
  CHECK(codegen::tuned_pick(close, TuneFor::kBoth) == "a");
  CHECK(codegen::tuned_pick(close, TuneFor::kGraph).empty());  // no graph times: nothing to pick from
  TuningEntry clear{"k", "sm_90", "", "", "a", {{"a", 10.0}, {"b", 8.0}}, {}};
  CHECK(codegen::tuned_pick(clear, TuneFor::kEager) == "b");
  // Both kinds of times survive the file.
  TuningCache c;
  c.put(e);
  auto back = TuningCache::parse(c.to_json(), "inline");
  REQUIRE(back.has_value());
  REQUIRE(back->find("k", {90}) != nullptr);
  CHECK(back->find("k", {90})->graph_us.at("cudnn") == 30.0);

  // A compile for graph runs takes cuDNN where only its GPU time wins.
  auto plain = compile("small_cnn", "tune_for_plain_cnn", nullptr);
  const std::string key = plain.kernels.at("conv2d_1+relu_1")["details"]["tuning_key"];
  auto cache = std::make_shared<TuningCache>();
  TuningEntry real = e;
  real.key = key;
  cache->put(real);
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  o.tuning = cache;
  o.tune_for = TuneFor::kGraph;
  auto out = scratch_dir() / "tune_for_graph_cnn.pt2";
  REQUIRE(codegen::compile_package(testing::fixture("small_cnn/model.pt2"), out, o).has_value());
  auto graph = kernels_of(out);
  CHECK(graph.at("conv2d_1+relu_1")["kernel"] == "cudnn | conv2d_nchw<ConvNchwSmall>");
  CHECK(std::string(graph.at("conv2d_1+relu_1")["details"]["reason"]).find("for graph runs") != std::string::npos);
  auto manifest = nlohmann::json::parse(aotc::read_package_manifest(out.string()));
  CHECK(manifest["models"][0]["compiler"]["tune_for"] == "graph");
  // The default (both) keeps the heuristic's code there.
  auto both = compile("small_cnn", "tune_for_both_cnn", cache);
  CHECK(both.kernels.at("conv2d_1+relu_1")["kernel"] == plain.kernels.at("conv2d_1+relu_1")["kernel"]);
}
