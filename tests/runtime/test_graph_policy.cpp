// When a CUDA model instance captures, replays or skips CUDA graphs
// (runtime/model/GraphPolicy.h): the decisions alone, with no GPU. The
// container asks the policy with the run's key and whether a graph for it is
// cached; these tests play the container's part.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <string>

#include "Errors.h"
#include "GraphPolicy.h"

using aotc_model::rt::GraphMode;
using aotc_model::rt::GraphPolicy;
using Action = GraphPolicy::Action;

namespace {

// A stand-in for CudaGraphCache: which keys have a graph.
struct Cache {
  std::set<GraphPolicy::Key> graphs;
  Action run(GraphPolicy& p, const GraphPolicy::Key& key) {
    const Action a = p.decide(key, graphs.count(key) != 0);
    if (a == Action::kCapture) {
      graphs.insert(key);
      p.captured();
    }
    return a;
  }
};

}  // namespace

TEST_CASE("graph policy: auto runs a key eagerly once, captures it the second time, then replays") {
  GraphPolicy p(GraphMode::kAuto);
  Cache c;
  const GraphPolicy::Key a{8, 0x1000, 0x2000, 0x3000}, b{16, 0x1000, 0x2000, 0x3000};
  CHECK(c.run(p, a) == Action::kEager);
  CHECK(c.run(p, b) == Action::kEager);
  CHECK(c.run(p, a) == Action::kCapture);
  CHECK(c.run(p, a) == Action::kReplay);
  CHECK(c.run(p, b) == Action::kCapture);
  for (int i = 0; i < 5; ++i) {
    CHECK(c.run(p, a) == Action::kReplay);
    CHECK(c.run(p, b) == Action::kReplay);
  }
  CHECK(p.captures() == 2);
  CHECK(p.replays() == 11);
  CHECK_FALSE(p.gave_up());
}

TEST_CASE("graph policy: auto never captures runs whose keys do not repeat") {
  GraphPolicy p(GraphMode::kAuto);
  Cache c;
  for (uint64_t i = 0; i < 1000; ++i) CHECK(c.run(p, {i, 0x1000 + i}) == Action::kEager);
  CHECK(p.captures() == 0);
  CHECK_FALSE(p.gave_up());
}

TEST_CASE("graph policy: auto remembers only the newest keys it ran eagerly") {
  GraphPolicy p(GraphMode::kAuto);
  Cache c;
  for (uint64_t i = 0; i <= GraphPolicy::kMaxSeen; ++i) CHECK(c.run(p, {i}) == Action::kEager);
  CHECK(c.run(p, {0}) == Action::kEager);  // forgotten: the oldest of kMaxSeen + 1
  CHECK(c.run(p, {GraphPolicy::kMaxSeen}) == Action::kCapture);
}

TEST_CASE("graph policy: auto gives up when its captures keep evicting each other") {
  GraphPolicy p(GraphMode::kAuto);
  Cache c;
  // 20 keys in turn, more than the 16 graphs an instance keeps: every
  // capture evicts one the next turn needs (played here by forgetting it).
  int captures = 0;
  for (int turn = 0; turn < 3 && !p.gave_up(); ++turn) {
    for (uint64_t k = 0; k < 20 && !p.gave_up(); ++k) {
      const Action a = c.run(p, {k});
      if (a == Action::kCapture) {
        ++captures;
        c.graphs.clear();
      }
      CHECK(a != Action::kReplay);
    }
  }
  CHECK(p.gave_up());
  CHECK(captures == static_cast<int>(GraphPolicy::kGiveUpCaptures));
  CHECK(c.run(p, {1}) == Action::kEager);
  CHECK(c.run(p, {1}) == Action::kEager);
}

TEST_CASE("graph policy: auto keeps capturing while replays outnumber captures") {
  GraphPolicy p(GraphMode::kAuto);
  Cache c;
  for (uint64_t k = 0; k < 40; ++k) {
    CHECK(c.run(p, {k}) == Action::kEager);
    CHECK(c.run(p, {k}) == Action::kCapture);
    CHECK(c.run(p, {k}) == Action::kReplay);
    CHECK(c.run(p, {k}) == Action::kReplay);
  }
  CHECK(p.captures() == 40);
  CHECK_FALSE(p.gave_up());
}

TEST_CASE("graph policy: a failed capture ends auto graphs but is the caller's to report in always") {
  GraphPolicy autop(GraphMode::kAuto);
  CHECK(autop.decide({1}, false) == Action::kEager);
  CHECK(autop.decide({1}, false) == Action::kCapture);
  autop.capture_failed();
  CHECK(autop.gave_up());
  CHECK(autop.decide({1}, false) == Action::kEager);

  GraphPolicy always(GraphMode::kAlways);
  CHECK(always.decide({1}, false) == Action::kCapture);
  always.capture_failed();
  CHECK_FALSE(always.gave_up());
  CHECK(always.decide({1}, false) == Action::kCapture);
}

TEST_CASE("graph policy: always captures each new key at once, never is always eager") {
  GraphPolicy always(GraphMode::kAlways);
  Cache c;
  CHECK(c.run(always, {1}) == Action::kCapture);
  CHECK(c.run(always, {1}) == Action::kReplay);
  CHECK(c.run(always, {2}) == Action::kCapture);

  GraphPolicy never(GraphMode::kNever);
  CHECK(never.decide({1}, false) == Action::kEager);
  CHECK(never.decide({1}, true) == Action::kEager);
}

TEST_CASE("graph policy: AOTC_CUDA_GRAPHS picks the default mode, and a bad value is named") {
  using aotc_model::rt::graph_mode_from_env;
  ::unsetenv("AOTC_CUDA_GRAPHS");
  CHECK(graph_mode_from_env(GraphMode::kAuto) == GraphMode::kAuto);
  ::setenv("AOTC_CUDA_GRAPHS", "0", 1);
  CHECK(graph_mode_from_env(GraphMode::kAuto) == GraphMode::kNever);
  ::setenv("AOTC_CUDA_GRAPHS", "never", 1);
  CHECK(graph_mode_from_env(GraphMode::kAuto) == GraphMode::kNever);
  ::setenv("AOTC_CUDA_GRAPHS", "1", 1);
  CHECK(graph_mode_from_env(GraphMode::kAuto) == GraphMode::kAlways);
  ::setenv("AOTC_CUDA_GRAPHS", "auto", 1);
  CHECK(graph_mode_from_env(GraphMode::kNever) == GraphMode::kAuto);
  ::setenv("AOTC_CUDA_GRAPHS", "yes", 1);
  try {
    graph_mode_from_env(GraphMode::kAuto);
    FAIL("AOTC_CUDA_GRAPHS=yes was accepted");
  } catch (const aotc_model::rt::ModelError& e) {
    CHECK(std::string(e.what()).find("AOTC_CUDA_GRAPHS is 'yes'") != std::string::npos);
  }
  ::unsetenv("AOTC_CUDA_GRAPHS");
}
