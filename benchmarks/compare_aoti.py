"""aotc against AOTInductor on one GPU machine: compile time, package size,
load + first call, and per-call latency, on the same exported programs and
inputs. Needs PyTorch 2.11 with CUDA, torchvision-free (the programs come from
the fixtures), and an aotc install.

    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libstdc++.so.6 \
    python3 benchmarks/compare_aoti.py --aotc /opt/aotc/bin/aotc \
        --fixtures ../shared/fixtures --work /tmp/bench --json results.json \
        [--aoti-run build-aoti/aoti_run] [--models mlp,gpt_block]
    python3 benchmarks/compare_aoti.py --table results.json [more.json ...]

(LD_PRELOAD: on some machines PyTorch's environment and the system compiler
disagree on libstdc++, and loading an AOTInductor package crashes without it.)

Rows: each fixture at each stored case's shapes, ResNet-18 at batch 32 (the
fixture's program re-exported at that batch, same weights) and the transformer
block at sequence 512. Per model, both compilers start cold: AOTInductor in a
fresh process with an empty TORCHINDUCTOR_CACHE_DIR
(torch._inductor.aoti_compile_and_package, default options), aotc with an
empty AOTC_CACHE_DIR (`aotc compile --target cuda --arch sm_<this GPU>`).
Latency is the median over --iters calls of (call, then wait for the GPU),
with inputs and outputs on the GPU; the Python loader's runners (AOTI, aotc,
aotc eager) are timed in turns of 20 calls each, interleaved, so that a slow
spell of the host falls on all of them alike:
  AOTI py     AOTInductor package through torch._inductor.aoti_load_package
  aotc py     aotc package through the same loader (same harness: ratio column),
              as it runs by default (CUDA graphs once a call repeats); "eager"
              the same with AOTC_CUDA_GRAPHS=0
  aotc rt     aotc package through aotc's runtime (`aotc bench`), with
              --no-cuda-graph and with --cuda-graph
  C++ columns the same two packages through AOTIModelPackageLoader in C++
              (examples/aoti_loader), when --aoti-run is given.
Load + first call is measured in this process for both loaders (CUDA already
initialised, each package loaded once untimed before), and by `aotc bench` for
aotc's runtime (CUDA context created before the clock starts).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
except ImportError:  # --table needs neither numpy nor torch
    np = None


def log(*a):
    print(*a, flush=True)


# ---- one AOTInductor compile, in its own process ---------------------------------------

def aoti_compile_one(src, dst, batch32):
    import torch
    ep = torch.export.load(src)
    ep = to_cuda(ep)
    if batch32:
        ep = reexport(ep, batch32)
    t0 = time.perf_counter()
    torch._inductor.aoti_compile_and_package(ep, package_path=dst)
    print(json.dumps({"compile_s": time.perf_counter() - t0}))


def to_cuda(ep):
    import torch
    from torch.export.passes import move_to_device_pass
    return move_to_device_pass(ep, "cuda")


def reexport(ep, batch):
    """The program re-exported at a new static batch, same weights. ep.module()
    keeps the export's shape guards (a static batch of 2 refuses 32), so the
    fixture's model is rebuilt from its source (torchvision's ResNet-18, the
    only re-exported model here) and given the program's state dict."""
    import torch
    import torchvision
    m = torchvision.models.resnet18(weights=None)
    state = {k: v for k, v in ep.state_dict.items()}
    state.update({k: v for k, v in ep.constants.items() if isinstance(v, torch.Tensor)})
    missing, unexpected = m.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise RuntimeError(f"re-export: state dict mismatch: missing {missing[:5]}, unexpected {unexpected[:5]}")
    m = m.eval().cuda()
    x = torch.randn(batch, 3, 224, 224, device="cuda")
    with torch.no_grad():
        return torch.export.export(m, (x,))


# ---- the benchmark ----------------------------------------------------------------------

def interleaved_median_us(fns, iters, sync, block=20):
    """Median per-call time of each of `fns` (name -> callable), timed in
    turns of `block` calls each, the order rotating every round, `iters`
    calls each in all: a slow spell of the host (clocks, a neighbour) falls
    on every runner alike instead of on whichever was timed then."""
    names = list(fns)
    for n in names:
        for _ in range(10):
            fns[n]()
    sync()
    times = {n: [] for n in names}
    rounds = max(1, iters // block)
    for r in range(rounds):
        for n in names[r % len(names):] + names[:r % len(names)]:
            fn = fns[n]
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                sync()
                times[n].append((time.perf_counter() - t0) * 1e6)
    return {n: statistics.median(t) for n, t in times.items()}


def rel_err(a, b):
    import torch
    a = a.detach().to("cpu", torch.float64)
    b = b.detach().to("cpu", torch.float64)
    if a.shape != b.shape:
        return float("inf")
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()


def first(out):
    return out[0] if isinstance(out, (list, tuple)) else out


def save_npy(path, t):
    import torch
    t = t.detach().cpu()
    if t.dtype == torch.bfloat16:
        t = t.float()
    np.save(path, t.numpy())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aotc", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "aotc-bench"))
    ap.add_argument("--json", default="")
    ap.add_argument("--aoti-run", default="", help="examples/aoti_loader's aoti_run, for the C++ loader columns")
    ap.add_argument("--models", default="")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--skip-aoti", action="store_true", help="aotc columns only")
    ap.add_argument("--aotc-flags", default="", help="extra `aotc compile` flags, e.g. --allow-tf32")
    ap.add_argument("--aoti-compile-one", nargs=3, metavar=("SRC", "DST", "BATCH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.aoti_compile_one:
        src, dst, b = args.aoti_compile_one
        aoti_compile_one(src, dst, int(b))
        return

    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.cuda.init()
    dev = torch.device("cuda")
    cc = torch.cuda.get_device_capability()
    arch = f"sm_{cc[0]}{cc[1]}"
    gpu = torch.cuda.get_device_name()
    os.makedirs(args.work, exist_ok=True)
    log(f"GPU {gpu} ({arch}), torch {torch.__version__}, aotc {args.aotc}")

    # (row name, fixture, input source: case dir or ("random", shape), reexport batch or 0)
    rows = []
    fx = args.fixtures
    for name in ["mlp", "mlp_core_aten", "silu_mlp_bf16", "small_cnn", "gpt_block", "resnet18"]:
        cases = sorted(c for c in os.listdir(os.path.join(fx, name)) if c.startswith("case_"))
        for c in cases:
            shape = json.load(open(os.path.join(fx, name, "info.json")))["cases"][int(c[5:])][0]
            rows.append((f"{name} {'x'.join(map(str, shape))}", name, os.path.join(fx, name, c), 0))
    rows.append(("gpt_block 1x512x256", "gpt_block", ("random", (1, 512, 256)), 0))
    rows.append(("resnet18 32x3x224x224", "resnet18", ("random", (32, 3, 224, 224)), 32))
    if args.models:
        keep = args.models.split(",")
        rows = [r for r in rows if r[1] in keep]

    results = []
    loaded_once = set()
    compiled = {}  # (fixture, batch) -> dict
    for row, name, source, batch in rows:
        key = (name, batch)
        src = os.path.join(fx, name, "model.pt2")
        info = json.load(open(os.path.join(fx, name, "info.json")))
        bf16 = "bfloat16" in info["dtype"]
        if key not in compiled:
            c = {}
            tag = f"{name}_b{batch}" if batch else name
            aotc_src = src
            if batch:  # aotc compiles the same re-exported program
                ep = reexport(to_cuda(torch.export.load(src)), batch)
                aotc_src = os.path.join(args.work, f"{tag}.export.pt2")
                torch.export.save(ep, aotc_src)
            c["program"] = aotc_src
            # aotc, cold cache
            cache = tempfile.mkdtemp(prefix="aotc-cache-", dir=args.work)
            dst = os.path.join(args.work, f"{tag}.aotc.pt2")
            env = dict(os.environ, AOTC_CACHE_DIR=cache)
            t0 = time.perf_counter()
            r = subprocess.run([args.aotc, "compile", aotc_src, "-o", dst, "--target", "cuda", "--arch", arch]
                               + args.aotc_flags.split(), env=env, capture_output=True, text=True)
            c["aotc_compile_s"] = time.perf_counter() - t0
            if r.returncode != 0:
                log(f"{tag}: aotc compile failed: {r.stderr[-1500:]}")
                c["aotc_pkg"] = None
            else:
                c["aotc_pkg"] = dst
                c["aotc_mb"] = os.path.getsize(dst) / 1e6
            shutil.rmtree(cache, ignore_errors=True)
            log(f"{tag}: aotc compile {c['aotc_compile_s']:.2f} s")
            # AOTInductor, cold cache, own process
            if not args.skip_aoti:
                cache = tempfile.mkdtemp(prefix="inductor-cache-", dir=args.work)
                dst = os.path.join(args.work, f"{tag}.aoti.pt2")
                env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=cache, TRITON_CACHE_DIR=os.path.join(cache, "triton"))
                t0 = time.perf_counter()
                r = subprocess.run([sys.executable, __file__, "--aotc", args.aotc, "--fixtures", fx,
                                    "--aoti-compile-one", src, dst, str(batch)],
                                   env=env, capture_output=True, text=True)
                wall = time.perf_counter() - t0
                if r.returncode != 0:
                    log(f"{tag}: AOTI compile failed: {r.stderr[-1500:]}")
                    c["aoti_pkg"] = None
                else:
                    c["aoti_compile_s"] = json.loads(r.stdout.strip().splitlines()[-1])["compile_s"]
                    c["aoti_compile_wall_s"] = wall
                    c["aoti_pkg"] = dst
                    c["aoti_mb"] = os.path.getsize(dst) / 1e6
                    log(f"{tag}: AOTI compile {c['aoti_compile_s']:.2f} s (process {wall:.1f} s)")
                shutil.rmtree(cache, ignore_errors=True)
            compiled[key] = c
        c = compiled[key]

        # inputs and the eager reference (float64 on the GPU for float32 models)
        if isinstance(source, tuple):
            g = torch.Generator().manual_seed(7)
            inputs = [torch.randn(*source[1], generator=g)]
        else:
            inputs = []
            i = 0
            while os.path.exists(os.path.join(source, f"input_{i}.npy")):
                inputs.append(torch.from_numpy(np.load(os.path.join(source, f"input_{i}.npy"))))
                i += 1
        dtype = torch.bfloat16 if bf16 else torch.float32
        inputs = [x.to(dtype).to(dev) for x in inputs]
        eager = to_cuda(torch.export.load(c["program"])).module()
        with torch.no_grad():
            try:
                ref = first(eager.to(torch.float64)(*[x.double() for x in inputs])) if not bf16 else first(eager(*inputs))
            except Exception as e:  # noqa: BLE001 - a program that cannot run in float64
                log(f"{row}: float64 eager failed ({type(e).__name__}); float32 reference")
                ref = first(to_cuda(torch.export.load(c["program"])).module()(*inputs))
        del eager
        in_dir = os.path.join(args.work, "inputs", row.replace(" ", "_"))
        os.makedirs(in_dir, exist_ok=True)
        in_files = []
        for i, x in enumerate(inputs):
            p = os.path.join(in_dir, f"input_{i}.npy")
            save_npy(p, x)
            in_files.append(p)

        res = {"row": row, "model": name, **{k: v for k, v in c.items() if not k.endswith("_pkg") and k != "program"}}
        runners = {}  # name -> loaded package, timed together below
        for which in ["aoti", "aotc"]:
            pkg = c.get(f"{which}_pkg")
            if not pkg:
                continue
            if pkg not in loaded_once:  # one-time costs of the process (imports, first
                loaded_once.add(pkg)    # extraction): an untimed load first, then the timed one
                warm = torch._inductor.aoti_load_package(pkg)
                warm(*inputs)
                del warm
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            runner = torch._inductor.aoti_load_package(pkg)
            out = runner(*inputs)
            torch.cuda.synchronize()
            res[f"{which}_load_first_ms"] = (time.perf_counter() - t0) * 1e3
            res[f"{which}_err"] = rel_err(first(out), ref)
            runners[f"{which}_py_us"] = runner
            if which == "aotc":  # the same without CUDA graphs (read when the model loads)
                os.environ["AOTC_CUDA_GRAPHS"] = "0"
                try:
                    runners["aotc_py_eager_us"] = torch._inductor.aoti_load_package(pkg)
                finally:
                    del os.environ["AOTC_CUDA_GRAPHS"]
            if args.aoti_run:
                # TF32 off as in this process (PyTorch's C++ default lets cuDNN use it).
                cmd = [args.aoti_run, pkg, "--device", "cuda", "--dtype", "bfloat16" if bf16 else "float32",
                       "--bench", str(args.iters), "--no-tf32"] + sum([["--input", f] for f in in_files], [])
                r = subprocess.run(cmd, capture_output=True, text=True)
                line = [l for l in r.stdout.splitlines() if l.startswith("{")]
                if r.returncode == 0 and line:
                    res[f"{which}_cpp_us"] = json.loads(line[-1])["median_us"]
                else:
                    log(f"{row}: aoti_run {which} failed: {(r.stdout + r.stderr)[-600:]}")
        if runners:
            res.update(interleaved_median_us({k: (lambda r=r: r(*inputs)) for k, r in runners.items()},
                                             args.iters, torch.cuda.synchronize))
        runners.clear()
        runner = out = None  # the next row loads with no runner of this one alive
        if c.get("aotc_pkg"):
            for graph in [False, True]:
                cmd = [args.aotc, "bench", c["aotc_pkg"], "--json", "--iters", str(args.iters)]
                cmd += sum([["--input", f] for f in in_files], [])
                cmd.append("--cuda-graph" if graph else "--no-cuda-graph")
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    log(f"{row}: aotc bench failed: {r.stderr[-600:]}")
                    continue
                j = json.loads(r.stdout.strip().splitlines()[-1])
                sfx = "_graph" if graph else ""
                res[f"aotc_rt{sfx}_us"] = j["median_ms"] * 1e3
                if not graph:
                    res["aotc_rt_load_first_ms"] = j["load_ms"] + j["first_run_ms"]
                    res["aotc_rt_cuda_init_ms"] = j.get("cuda_init_ms")
        log(json.dumps(res))
        results.append(res)
        if args.json:
            json.dump({"gpu": gpu, "arch": arch, "torch": torch.__version__, "rows": results},
                      open(args.json, "w"), indent=1)

    print_table(results, gpu, arch, torch.__version__)


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def ratio(a, b):
    return f"{a / b:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0 else "-"


def print_table(results, gpu, arch, torch_version):
    print(f"\nGPU: {gpu} ({arch}); torch {torch_version}; latencies in microseconds (median), "
          "compile in seconds, sizes in MB, load + first call in ms")
    print("| case | compile AOTI / aotc (x) | package MB AOTI / aotc (x) | load+1st ms AOTI / aotc py / aotc rt "
          "| AOTI py | aotc py (x) | aotc py eager (x) | AOTI C++ | aotc C++ (x) | aotc rt | aotc rt graph (x vs AOTI C++) "
          "| err AOTI / aotc |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        best_rt = min([v for v in (r.get("aotc_rt_us"), r.get("aotc_rt_graph_us")) if v], default=None)
        print(f"| {r['row']} "
              f"| {fmt(r.get('aoti_compile_s'), '.1f')} / {fmt(r.get('aotc_compile_s'), '.2f')} "
              f"({ratio(r.get('aotc_compile_s'), r.get('aoti_compile_s'))}) "
              f"| {fmt(r.get('aoti_mb'), '.2f')} / {fmt(r.get('aotc_mb'), '.2f')} ({ratio(r.get('aotc_mb'), r.get('aoti_mb'))}) "
              f"| {fmt(r.get('aoti_load_first_ms'), '.1f')} / {fmt(r.get('aotc_load_first_ms'), '.1f')} / "
              f"{fmt(r.get('aotc_rt_load_first_ms'), '.1f')} "
              f"| {fmt(r.get('aoti_py_us'), '.1f')} | {fmt(r.get('aotc_py_us'), '.1f')} "
              f"({ratio(r.get('aotc_py_us'), r.get('aoti_py_us'))}) "
              f"| {fmt(r.get('aotc_py_eager_us'), '.1f')} ({ratio(r.get('aotc_py_eager_us'), r.get('aoti_py_us'))}) "
              f"| {fmt(r.get('aoti_cpp_us'), '.1f')} | {fmt(r.get('aotc_cpp_us'), '.1f')} "
              f"({ratio(r.get('aotc_cpp_us'), r.get('aoti_cpp_us'))}) "
              f"| {fmt(r.get('aotc_rt_us'), '.1f')} | {fmt(r.get('aotc_rt_graph_us'), '.1f')} "
              f"({ratio(best_rt, r.get('aoti_cpp_us'))}) "
              f"| {fmt(r.get('aoti_err'), '.1e')} / {fmt(r.get('aotc_err'), '.1e')} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--table":  # --table a.json [b.json ...]: one table of their rows
        ds = [json.load(open(p)) for p in sys.argv[2:]]
        print_table([r for d in ds for r in d["rows"]], ds[0]["gpu"], ds[0]["arch"], ds[0]["torch"])
    else:
        main()
