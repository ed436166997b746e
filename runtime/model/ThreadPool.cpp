// The CPU thread pool behind RunContext::parallel_for; see ThreadPool.h.
#include "ThreadPool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace aotc_model::rt {
namespace {

// One parallel_for call. Lives on its caller's stack; the caller returns only
// once no worker holds it (`active` == 0) and it has left the queue.
struct Job {
  void (*fn)(int64_t, int64_t, void*);
  void* arg;
  int64_t n;
  int64_t chunk;
  int64_t num_chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int32_t> active{0};  // workers that took the job and have not let go
  std::mutex mu;
  std::condition_variable cv;

  // Runs chunks until none is left.
  void work() {
    for (;;) {
      const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= num_chunks) return;
      const int64_t begin = c * chunk;
      fn(begin, std::min(n, begin + chunk), arg);
    }
  }
};

class ThreadPool {
 public:
  explicit ThreadPool(int32_t threads) : size_(std::max<int32_t>(threads, 1)) {
    for (int32_t i = 1; i < size_; ++i) workers_.emplace_back([this] { worker(); });
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  int32_t size() const { return size_; }

  void run(int64_t n, int64_t grain, void (*fn)(int64_t, int64_t, void*), void* arg) {
    // About four chunks per thread balances uneven chunks without making
    // each chunk's bookkeeping dominate.
    const int64_t chunk = std::max<int64_t>(grain, (n + 4 * size_ - 1) / (4 * size_));
    Job job;
    job.fn = fn;
    job.arg = arg;
    job.n = n;
    job.chunk = chunk;
    job.num_chunks = (n + chunk - 1) / chunk;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(&job);
    }
    const int64_t helpers =
        std::min<int64_t>(job.num_chunks - 1, static_cast<int64_t>(workers_.size()));
    for (int64_t i = 0; i < helpers; ++i) cv_.notify_one();
    job.work();
    {
      std::lock_guard<std::mutex> lock(mu_);  // no worker can take the job after this
      remove(&job);
    }
    std::unique_lock<std::mutex> lock(job.mu);
    job.cv.wait(lock, [&] { return job.active.load() == 0; });
  }

 private:
  void remove(Job* job) {
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end()) queue_.erase(it);
  }

  void worker() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      Job* job = queue_.front();
      if (job->next.load(std::memory_order_relaxed) >= job->num_chunks) {
        queue_.pop_front();  // exhausted: let the next job through
        continue;
      }
      job->active.fetch_add(1);
      lock.unlock();
      job->work();
      {
        std::lock_guard<std::mutex> job_lock(job->mu);
        if (job->active.fetch_sub(1) == 1) job->cv.notify_all();
      }
      lock.lock();
    }
  }

  const int32_t size_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool stop_ = false;
};

std::mutex g_pool_mu;
std::atomic<ThreadPool*> g_pool{nullptr};
int g_pool_users = 0;

}  // namespace

int32_t configured_thread_count() {
  if (const char* env = std::getenv("AOTC_NUM_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v > 0) return static_cast<int32_t>(std::min<long>(v, 1024));
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

void acquire_thread_pool() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (g_pool_users++ == 0) g_pool.store(new ThreadPool(configured_thread_count()));
}

void release_thread_pool() {
  ThreadPool* doomed = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_pool_mu);
    if (--g_pool_users == 0) doomed = g_pool.exchange(nullptr);
  }
  delete doomed;  // joins; no run is in flight once the last container is gone
}

int32_t thread_pool_size() {
  // Read without the lock: the pool outlives every run that can ask.
  ThreadPool* pool = g_pool.load(std::memory_order_acquire);
  return pool != nullptr ? pool->size() : 1;
}

void parallel_for(int64_t n, int64_t grain, void (*fn)(int64_t, int64_t, void*), void* arg) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  ThreadPool* pool = g_pool.load(std::memory_order_acquire);
  if (pool == nullptr || pool->size() == 1 || n <= grain) {
    fn(0, n, arg);
    return;
  }
  pool->run(n, grain, fn, arg);
}

}  // namespace aotc_model::rt
