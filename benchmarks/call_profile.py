#!/usr/bin/env python3
"""Where one call's time goes, through PyTorch's own loader.

    python3 benchmarks/call_profile.py PACKAGE.pt2 --shape 8,10 [--iters 2000]

In one process, interleaved in turns of 50 calls (medians of --iters calls
each, every call followed by torch.cuda.synchronize()):
  sync            torch.cuda.synchronize() alone
  x + 1           one PyTorch kernel
  torch graph     a CUDA graph of one PyTorch kernel, replayed
  boxed_run       the package through its loader's boxed_run (no pytree)
  call            the package as aoti_load_package returns it (pytree in/out)
  call, eager     the same with AOTC_CUDA_GRAPHS=0 (aotc packages)
The differences say what the loader's Python side, the package's own run and
the GPU each cost. Works for AOTInductor packages too (set LD_PRELOAD as
compare_aoti.py says).
"""
import argparse
import json
import os
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package")
    ap.add_argument("--shape", required=True, help="input shape, comma-separated (one float32 input)")
    ap.add_argument("--iters", type=int, default=2000)
    args = ap.parse_args()
    x = torch.randn(*[int(s) for s in args.shape.split(",")], device="cuda")
    runner = torch._inductor.aoti_load_package(args.package)
    os.environ["AOTC_CUDA_GRAPHS"] = "0"
    eager = torch._inductor.aoti_load_package(args.package)
    del os.environ["AOTC_CUDA_GRAPHS"]
    loader = runner.loader
    static_x = x.clone()
    g = torch.cuda.CUDAGraph()
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        static_y = static_x + 1
        torch.cuda.synchronize()
        with torch.cuda.graph(g, stream=s):
            static_y = static_x + 1
    torch.cuda.synchronize()
    fns = {
        "sync": lambda: None,
        "x + 1": lambda: x + 1,
        "torch graph": g.replay,
        "boxed_run": lambda: loader.boxed_run([x]),
        "call": lambda: runner(x),
        "call, eager": lambda: eager(x),
    }
    times = {n: [] for n in fns}
    names = list(fns)
    for n in names:
        for _ in range(20):
            fns[n]()
    torch.cuda.synchronize()
    block = 50
    for r in range(max(1, args.iters // block)):
        for n in names[r % len(names):] + names[:r % len(names)]:
            fn = fns[n]
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                torch.cuda.synchronize()
                times[n].append((time.perf_counter() - t0) * 1e6)
    print(json.dumps({"package": os.path.basename(args.package), "shape": args.shape,
                      **{n: round(statistics.median(t), 1) for n, t in times.items()}}))


if __name__ == "__main__":
    main()
