#!/usr/bin/env python3
"""Where load + first call time goes, through PyTorch's own loader.

    python3 benchmarks/load_profile.py PACKAGE.pt2 --shape 32,3,224,224 [--loads 3]

In one process: imports torch and creates the CUDA context (not timed), then
loads PACKAGE with torch._inductor.aoti_load_package --loads times, each time
timing the load and the first call separately (the previous runner is deleted
first, as benchmarks/compare_aoti.py does). Prints one JSON line per load.
Run with AOTC_VERBOSE=1 to have an aotc package print what its one-time set-up
cost (weights upload, scratch memory, cuDNN and cuBLASLt handles and plans) on
stderr. Works for AOTInductor packages too (their load has no such report).
"""
import argparse
import json
import time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package")
    ap.add_argument("--shape", required=True, help="input shape, comma-separated (one float32 input)")
    ap.add_argument("--loads", type=int, default=3)
    args = ap.parse_args()
    shape = [int(s) for s in args.shape.split(",")]
    x = torch.randn(*shape, device="cuda")
    torch.cuda.synchronize()
    runner = None
    for i in range(args.loads):
        runner = None  # the previous load goes first
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        runner = torch._inductor.aoti_load_package(args.package)
        t1 = time.perf_counter()
        runner(x)
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        runner(x)
        torch.cuda.synchronize()
        t3 = time.perf_counter()
        print(json.dumps({"load": i, "load_ms": round((t1 - t0) * 1e3, 2), "first_call_ms": round((t2 - t1) * 1e3, 2),
                          "second_call_ms": round((t3 - t2) * 1e3, 2)}), flush=True)


if __name__ == "__main__":
    main()
