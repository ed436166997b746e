// The CPU thread pool behind RunContext::parallel_for.
//
// One pool per model library, shared by all its containers and created with
// the first container (destroyed with the last, so no thread outlives the
// containers or runs while the library is unloaded). Its size is the number
// of CPUs this process may run on, or AOTC_NUM_THREADS when set; the pool has
// that many threads minus one, since the caller of parallel_for works too.
//
// parallel_for is safe under concurrent runs and nesting: each call is a job
// in a queue; workers take chunks of the job at the front; the caller takes
// chunks of its own job until none is left, then waits only for the chunks
// workers took. A caller therefore always makes progress on its own, even
// when every worker is busy elsewhere.
#pragma once

#include <cstdint>

namespace aotc_model::rt {

/// Starts the pool if this is the first user; pairs with release_thread_pool().
void acquire_thread_pool();
/// Stops and joins the pool when its last user releases it.
void release_thread_pool();

/// Threads a parallel_for may use, the caller included (>= 1).
int32_t thread_pool_size();

/// The implementation of RunContext::parallel_for: runs fn over [0, n) in
/// chunks of at least `grain`, on the pool and the calling thread. Runs
/// serially when there is no pool or the range is one chunk.
void parallel_for(int64_t n, int64_t grain, void (*fn)(int64_t begin, int64_t end, void* arg),
                  void* arg);

/// The thread count the pool would use: AOTC_NUM_THREADS if set to a positive
/// integer, else the CPUs in this process's affinity mask.
int32_t configured_thread_count();

}  // namespace aotc_model::rt
