"""PyTorch loads and runs aotc packages: python3 torch_check.py AFFINE_ONLY_PKG CUDA_PKG

The other host of a model library: torch._inductor.aoti_load_package (and,
behind it, the C++ AOTIModelPackageLoader) with the library filling its host
table from libtorch's aoti_torch_* functions. Run on a machine with PyTorch
(2.11 was the target) and, for the second package, a GPU.
"""
import sys

import torch
from torch._inductor import aoti_load_package

failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    failures += 0 if ok else 1


print("torch", torch.__version__, flush=True)
cpu = aoti_load_package(sys.argv[1])
for n in (1, 5, 64):
    x = torch.randn(n, 4)
    y, s = cpu(x)
    check(torch.equal(y, 2 * x + 1) and torch.allclose(s, (2 * x + 1).sum(-1)), f"cpu affine, batch {n}")
try:
    cpu(torch.randn(5, 5))
    check(False, "cpu: a bad input is refused")
except RuntimeError as e:
    check(True, "cpu: a bad input is refused: " + str(e).splitlines()[0][:120])
try:
    cpu(torch.randn(4, 8).t())  # [8, 4] with strides (1, 8)
    check(False, "cpu: a non-contiguous input is refused")
except RuntimeError:
    check(True, "cpu: a non-contiguous input is refused")

if len(sys.argv) > 2 and torch.cuda.is_available():
    gpu = aoti_load_package(sys.argv[2])
    for n in (1, 1000, 1 << 20):
        x = torch.randn(n, device="cuda")
        (y,) = gpu(x)
        check(y.device.type == "cuda" and torch.equal(y, x + 1), f"cuda add, {n} elements")
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        x = torch.randn(4096, device="cuda")
        (y,) = gpu(x)
    s.synchronize()
    check(torch.equal(y, x + 1), "cuda add on a side stream")
    try:
        gpu(torch.randn(16, device="cpu"))
        check(False, "cuda: a cpu input is refused")
    except RuntimeError:
        check(True, "cuda: a cpu input is refused")

print(f"{failures} failure(s)", flush=True)
sys.exit(1 if failures else 0)
