// The CPU thread pool behind RunContext::parallel_for: every index exactly
// once, from concurrent and nested callers; AOTC_NUM_THREADS.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "ThreadPool.h"

namespace {

void mark(int64_t begin, int64_t end, void* arg) {
  auto* hits = static_cast<std::vector<std::atomic<int>>*>(arg);
  for (int64_t i = begin; i < end; ++i) (*hits)[static_cast<size_t>(i)]++;
}

struct Nested {
  std::vector<std::atomic<int>>* hits;
  int64_t inner;
};

void outer(int64_t begin, int64_t end, void* arg) {
  auto* n = static_cast<Nested*>(arg);
  for (int64_t i = begin; i < end; ++i) {
    std::vector<std::atomic<int>> inner(static_cast<size_t>(n->inner));
    aotc_model::rt::parallel_for(n->inner, 1, mark, &inner);
    int ok = 1;
    for (auto& h : inner) ok &= h.load() == 1 ? 1 : 0;
    (*n->hits)[static_cast<size_t>(i)] += ok;
  }
}

bool all_once(const std::vector<std::atomic<int>>& hits) {
  for (const auto& h : hits) {
    if (h.load() != 1) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("parallel_for covers every index exactly once, serially and on the pool") {
  for (int pooled = 0; pooled < 2; ++pooled) {
    if (pooled) aotc_model::rt::acquire_thread_pool();
    for (int64_t n : {0, 1, 2, 7, 64, 1000, 100003}) {
      for (int64_t grain : {1, 3, 1000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        aotc_model::rt::parallel_for(n, grain, mark, &hits);
        CHECK(all_once(hits));
      }
    }
    if (pooled) aotc_model::rt::release_thread_pool();
  }
}

TEST_CASE("parallel_for is correct under concurrent and nested callers") {
  aotc_model::rt::acquire_thread_pool();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int iter = 0; iter < 50; ++iter) {
        const int64_t n = 1 + (t * 131 + iter * 17) % 5000;
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        aotc_model::rt::parallel_for(n, 1 + iter % 7, mark, &hits);
        if (!all_once(hits)) failures++;
      }
      std::vector<std::atomic<int>> outer_hits(16);
      Nested nested{&outer_hits, 100};
      aotc_model::rt::parallel_for(16, 1, outer, &nested);
      if (!all_once(outer_hits)) failures++;
    });
  }
  for (auto& th : threads) th.join();
  aotc_model::rt::release_thread_pool();
  CHECK(failures.load() == 0);
}

TEST_CASE("AOTC_NUM_THREADS sets the pool size") {
  const char* old = std::getenv("AOTC_NUM_THREADS");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("AOTC_NUM_THREADS", "3", 1);
  CHECK(aotc_model::rt::configured_thread_count() == 3);
  aotc_model::rt::acquire_thread_pool();
  CHECK(aotc_model::rt::thread_pool_size() == 3);
  aotc_model::rt::release_thread_pool();
  ::setenv("AOTC_NUM_THREADS", "zero", 1);  // not a positive integer: ignored
  CHECK(aotc_model::rt::configured_thread_count() >= 1);
  ::setenv("AOTC_NUM_THREADS", "0", 1);
  CHECK(aotc_model::rt::configured_thread_count() >= 1);
  if (old != nullptr) {
    ::setenv("AOTC_NUM_THREADS", saved.c_str(), 1);
  } else {
    ::unsetenv("AOTC_NUM_THREADS");
  }
}
