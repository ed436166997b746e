"""aotc packages inside PyTorch: run on a machine with PyTorch 2.11 (and a GPU
for the CUDA part). Not part of ctest: PyTorch is not a build dependency.

    python3 tests/torch/check_torch_loader.py --aotc build/tools/aotc \
        --fixtures ../shared/fixtures --packages DIR [--work /tmp/aotc-torch]

--packages holds <fixture>.<cpu|cuda>.pt2 made by `aotc compile` (those
missing are compiled into --work with --aotc). Checks, each printed as one
PASS/FAIL line:
  1. torch._inductor.aoti_load_package runs every fixture's CPU and CUDA
     package: every stored case matches the reference, and sizes inside the
     dynamic ranges match eager PyTorch (float64 for float32 models);
  2. get_metadata() has aotc's keys; nested outputs come back in the
     program's structure (a model exported here with a tuple and a dict out);
  3. a wrong dtype, rank or out-of-range size raises RuntimeError naming the
     input and dimension, and 1000 rejected calls leave device memory flat;
  4. device_index=0 and run_single_threaded=True work, 8 Python threads
     calling one model at once get the right answers (with one runner and
     with num_runners=4), and an input view that is not 16-byte aligned
     gives the aligned input's result and leaves the process's CUDA usable.
Exit status 1 if any check failed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import torch

FIXTURES = ["mlp", "mlp_core_aten", "silu_mlp_bf16", "small_cnn", "gpt_block", "resnet18"]
# Extra sizes inside each dynamic range (input shapes), beyond the stored cases.
EXTRA = {
    "mlp": [(1024, 10), (37, 10)],
    "mlp_core_aten": [(1024, 10), (3, 10)],
    "silu_mlp_bf16": [(1, 128), (1024, 128)],
    "small_cnn": [(1, 3, 32, 32), (64, 3, 32, 32)],
    "gpt_block": [(1, 2, 256), (1, 512, 256), (1, 200, 256)],
    "resnet18": [],
}

failures = []


def report(ok, what):
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def rel_err(got, ref):
    got = got.detach().to("cpu", torch.float64)
    ref = ref.detach().to("cpu", torch.float64)
    if got.shape != ref.shape:
        return float("inf")
    return ((got - ref).abs().max() / ref.abs().max().clamp_min(1e-30)).item()


def package(args, name, target):
    p = os.path.join(args.packages, f"{name}.{target}.pt2") if args.packages else ""
    if p and os.path.exists(p):
        return p
    p = os.path.join(args.work, f"{name}.{target}.pt2")
    if not os.path.exists(p):
        cmd = [args.aotc, "compile", os.path.join(args.fixtures, name, "model.pt2"), "-o", p, "--target", target]
        if target == "cuda":
            cmd += ["--arch", "sm_90"]
        subprocess.run(cmd, check=True)
    return p


def load_case(d, name, dtype, device):
    ins = []
    i = 0
    while os.path.exists(os.path.join(d, f"input_{i}.npy")):
        ins.append(torch.from_numpy(np.load(os.path.join(d, f"input_{i}.npy"))).to(dtype).to(device))
        i += 1
    outs = []
    j = 0
    while os.path.exists(os.path.join(d, f"output_{j}.npy")):
        outs.append(torch.from_numpy(np.load(os.path.join(d, f"output_{j}.npy"))))
        j += 1
    return ins, outs


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_fixtures(args, targets):
    for name in FIXTURES:
        info = json.load(open(os.path.join(args.fixtures, name, "info.json")))
        bf16 = "bfloat16" in info["dtype"]
        dtype = torch.bfloat16 if bf16 else torch.float32
        tol = 2e-2 if bf16 else 1e-4
        ep = torch.export.load(os.path.join(args.fixtures, name, "model.pt2"))
        eager = ep.module().to("cpu")
        if not bf16:
            eager = eager.to(torch.float64)
        for target in targets:
            dev = "cuda" if target == "cuda" else "cpu"
            try:
                runner = torch._inductor.aoti_load_package(package(args, name, target))
            except Exception as e:  # noqa: BLE001
                report(False, f"{name} {target}: aoti_load_package raised {type(e).__name__}: {e}")
                continue
            worst = 0.0
            cases = sorted(c for c in os.listdir(os.path.join(args.fixtures, name)) if c.startswith("case_"))
            for c in cases:
                ins, refs = load_case(os.path.join(args.fixtures, name, c), name, dtype, dev)
                outs = as_list(runner(*ins))
                for o, r in zip(outs, refs):
                    ok_dev = o.device.type == dev
                    worst = max(worst, rel_err(o, r) if ok_dev else float("inf"))
            for shape in EXTRA[name]:
                x = torch.randn(*shape, generator=torch.Generator().manual_seed(len(shape) + shape[0]))
                x = x.to(dtype)
                with torch.no_grad():
                    ref = as_list(eager(x if bf16 else x.to(torch.float64)))
                outs = as_list(runner(x.to(dev)))
                for o, r in zip(outs, ref):
                    worst = max(worst, rel_err(o, r))
            report(worst <= tol, f"{name} {target}: {len(cases)} stored case(s) + {len(EXTRA[name])} extra size(s) "
                                 f"through aoti_load_package, worst relative error {worst:.3g} (tolerance {tol:g})")


class Nested(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        y = self.fc(x)
        return y.relu(), {"sum": y.sum(dim=1), "pair": (y * 2, torch.sigmoid(y))}


def check_structure_and_metadata(args, targets):
    torch.manual_seed(0)
    m = Nested().eval()
    x = torch.randn(5, 8)
    ep = torch.export.export(m, (x,), dynamic_shapes={"x": {0: torch.export.Dim("b", min=1, max=64)}})
    src = os.path.join(args.work, "nested.pt2")
    torch.export.save(ep, src)
    for target in targets:
        dev = "cuda" if target == "cuda" else "cpu"
        out_pkg = os.path.join(args.work, f"nested.{target}.pt2")
        cmd = [args.aotc, "compile", src, "-o", out_pkg, "--target", target]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            report(False, f"nested outputs {target}: aotc compile failed: {r.stderr.strip()[-400:]}")
            continue
        runner = torch._inductor.aoti_load_package(out_pkg)
        got = runner(x.to(dev))
        want = m(x)
        gl, gs = torch.utils._pytree.tree_flatten(got)
        wl, ws = torch.utils._pytree.tree_flatten(want)
        err = max(rel_err(a, b) for a, b in zip(gl, wl)) if len(gl) == len(wl) else float("inf")
        report(gs == ws and err <= 1e-5, f"nested outputs {target}: structure {gs == ws} ({type(got).__name__} of "
                                         f"{len(gl)} tensors), relative error {err:.3g}")
        md = runner.get_metadata()
        report(md.get("AOTI_DEVICE_KEY") == target and "AOTC_FORMAT_VERSION" in md,
               f"get_metadata() {target}: {md}")


def expect_refusal(runner, inputs, words, what):
    try:
        runner(*inputs)
    except RuntimeError as e:
        msg = str(e)
        ok = all(w in msg for w in words)
        first = [l for l in msg.splitlines() if l.strip()]
        report(ok, f"{what}: RuntimeError naming {words}: {first[0][:300] if first else msg[:300]}")
        return
    except Exception as e:  # noqa: BLE001
        report(False, f"{what}: raised {type(e).__name__}, not RuntimeError: {e}")
        return
    report(False, f"{what}: no error")


def check_errors(args, target):
    dev = "cuda" if target == "cuda" else "cpu"
    runner = torch._inductor.aoti_load_package(package(args, "mlp", target))
    expect_refusal(runner, [torch.randn(4, 10, dtype=torch.float64, device=dev)], ["input", "x", "dtype"],
                   f"mlp {target} float64 input")
    expect_refusal(runner, [torch.randn(4, 10, 1, device=dev)], ["input", "x", "dimensions"], f"mlp {target} rank 3 input")
    expect_refusal(runner, [torch.randn(2000, 10, device=dev)], ["input", "x", "dimension 0", "1024"],
                   f"mlp {target} batch 2000 > 1024")
    expect_refusal(runner, [torch.randn(4, 11, device=dev)], ["input", "x", "dimension 1"], f"mlp {target} width 11")
    if target == "cuda":
        expect_refusal(runner, [torch.randn(4, 10)], ["input", "x", "cpu"], "mlp cuda given a cpu tensor")
        bad = [torch.randn(2000, 10, device=dev)]
        for _ in range(20):
            try:
                runner(*bad)
            except RuntimeError:
                pass
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        free_before = torch.cuda.mem_get_info()[0]
        for _ in range(1000):
            try:
                runner(*bad)
            except RuntimeError:
                pass
        torch.cuda.synchronize()
        after = torch.cuda.memory_allocated()
        free_after = torch.cuda.mem_get_info()[0]
        report(after == before and abs(free_after - free_before) < (4 << 20),
               f"1000 rejected calls: torch.cuda.memory_allocated {before} -> {after} bytes, "
               f"device free memory {free_before >> 20} -> {free_after >> 20} MiB")


def check_options_and_threads(args):
    path = package(args, "gpt_block", "cuda")
    torch.manual_seed(1)
    xs = [torch.randn(1, t, 256, device="cuda") for t in (5, 16, 77, 130, 255, 300, 411, 512)]
    base = torch._inductor.aoti_load_package(path)
    refs = [base(x)[0] if isinstance(base(x), (list, tuple)) else base(x) for x in xs]
    r0 = torch._inductor.aoti_load_package(path, device_index=0)
    o = as_list(r0(xs[0]))[0]
    report(o.device == torch.device("cuda:0") and rel_err(o, refs[0]) == 0.0,
           f"device_index=0: output on {o.device}, same result as the default")
    rs = torch._inductor.aoti_load_package(path, run_single_threaded=True)
    o = as_list(rs(xs[1]))[0]
    report(rel_err(o, refs[1]) == 0.0, "run_single_threaded=True: same result as the default")
    # x[1:] of a flat tensor: 4 bytes past an aligned address.
    flat = torch.randn(xs[1].numel() + 1, device="cuda")
    shifted = flat[1:].view(xs[1].shape)
    want = as_list(base(shifted.clone()))[0].clone()
    got = as_list(base(shifted))[0]
    again = as_list(base(xs[1]))[0]
    report(shifted.data_ptr() % 16 != 0 and rel_err(got, want) == 0.0 and rel_err(again, refs[1]) == 0.0,
           "an input 4 bytes off 16-byte alignment: the aligned copy's result, and the next call still right")

    def threads(model, what):
        errors = []

        def worker(k):
            s = torch.cuda.Stream()
            with torch.cuda.stream(s):
                for it in range(25):
                    i = (k + it) % len(xs)
                    out = as_list(model(xs[i]))[0]
                    s.synchronize()
                    e = rel_err(out, refs[i])
                    if e != 0.0:
                        errors.append((k, it, e))

        ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        report(not errors, f"8 threads x 25 calls on their own streams, {what}: {len(errors)} mismatches {errors[:3]}")

    threads(base, "one runner")
    from torch._inductor.package import load_package
    threads(load_package(path, num_runners=4), "num_runners=4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aotc", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--packages", default="")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "aotc-torch"))
    ap.add_argument("--targets", default="cpu,cuda")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    targets = args.targets.split(",")
    if "cuda" in targets and not torch.cuda.is_available():
        print("no CUDA device: checking cpu packages only")
        targets = ["cpu"]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"torch {torch.__version__}, LD_PRELOAD={os.environ.get('LD_PRELOAD', '')!r}", flush=True)
    t0 = time.time()
    steps = [lambda: check_fixtures(args, targets), lambda: check_structure_and_metadata(args, targets)]
    steps += [lambda t=t: check_errors(args, t) for t in targets]
    if "cuda" in targets:
        steps.append(lambda: check_options_and_threads(args))
    for step in steps:
        try:
            step()
        except Exception as e:  # noqa: BLE001
            import traceback
            report(False, f"check raised {type(e).__name__}: {e}\n{traceback.format_exc()[-1500:]}")
    print(f"{len(failures)} failure(s) in {time.time() - t0:.1f} s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
