#!/usr/bin/env python3
"""Writes torch_reference.h: PyTorch's results for the reference evaluator's tests.

    python3 make_torch_reference.py > torch_reference.h

Needs PyTorch (any machine that has it; the checked-in header was made with
torch 2.11 on CPU). Inputs are the deterministic patterns that the C++ tests
build with the same formulas (det/pos in eval_test_util.h), so the tests
compare the evaluator against PyTorch without PyTorch at test time. Float
results are computed in float64 unless a case says otherwise.
"""
import math

import torch
import torch.nn.functional as F

torch.set_grad_enabled(False)
f64 = torch.float64


def det(shape, seed, dtype=f64):
    """((i*7 + seed*13) % 23 - 11) / 8: multiples of 1/8 in [-1.375, 1.375], exact in bf16."""
    n = math.prod(shape)
    return torch.tensor([((i * 7 + seed * 13) % 23 - 11) / 8 for i in range(n)], dtype=f64).reshape(shape).to(dtype)


def pos(shape, seed, dtype=f64):
    """((i*5 + seed*3) % 17 + 1) / 4: multiples of 1/4 in [0.25, 4.25]."""
    n = math.prod(shape)
    return torch.tensor([((i * 5 + seed * 3) % 17 + 1) / 4 for i in range(n)], dtype=f64).reshape(shape).to(dtype)


cases = []


def case(name, t):
    cases.append((name, t))


def fmt(v):
    if math.isnan(v):
        return "kNaN"
    if math.isinf(v):
        return "kInf" if v > 0 else "-kInf"
    return repr(float(v))


# ---- elementwise, float64 --------------------------------------------------------
x = det([24], 1)
p = pos([24], 2)
w = x * 3  # wider range for the hard* activations
r = x * 2  # multiples of 1/4, with .5 ties for round
unary = {
    "abs": torch.abs(x), "neg": torch.neg(x), "exp": torch.exp(x), "expm1": torch.expm1(x),
    "log": torch.log(p), "log2": torch.log2(p), "log1p": torch.log1p(p), "sqrt": torch.sqrt(p),
    "rsqrt": torch.rsqrt(p), "reciprocal": torch.reciprocal(p), "sin": torch.sin(w), "cos": torch.cos(w),
    "tan": torch.tan(x), "tanh": torch.tanh(w), "atan": torch.atan(w), "erf": torch.erf(x),
    "sigmoid": torch.sigmoid(w), "relu": torch.relu(x), "gelu": F.gelu(w), "gelu_tanh": F.gelu(w, approximate="tanh"),
    "silu": F.silu(w), "mish": F.mish(w), "softplus": F.softplus(w, beta=2.0, threshold=1.5),
    "hardswish": F.hardswish(w), "hardsigmoid": F.hardsigmoid(w), "hardtanh": F.hardtanh(w, -0.5, 0.75),
    "leaky_relu": F.leaky_relu(x, 0.2), "elu": torch.ops.aten.elu(w, 1.5, 2.0, 0.5),
    "floor": torch.floor(r), "ceil": torch.ceil(r), "round": torch.round(r), "trunc": torch.trunc(r),
    "sign": torch.sign(x),
}
for k, v in unary.items():
    case("unary_" + k, v)

a = det([2, 3, 4], 3)
b = det([3, 1], 4)  # broadcast against a
bp = pos([3, 1], 5)
case("binary_add_alpha", torch.add(a, b, alpha=2))
case("binary_sub_alpha", torch.sub(a, b, alpha=0.5))
case("binary_mul", a * b)
case("binary_div", a / bp)
case("binary_div_trunc", torch.div(a * 5, bp - 1.5, rounding_mode="trunc"))
case("binary_div_floor", torch.div(a * 5, bp - 1.5, rounding_mode="floor"))
case("binary_pow", torch.pow(pos([2, 3, 4], 6), b))
case("binary_maximum", torch.maximum(a, b))
case("binary_minimum", torch.minimum(a, b))
case("binary_remainder", torch.remainder(a * 5, bp - 1.5))
case("binary_fmod", torch.fmod(a * 5, bp - 1.5))
case("binary_atan2", torch.atan2(a, b))

# ---- bfloat16: every op rounds to bf16 ---------------------------------------------
xb = det([16], 7, torch.bfloat16)
yb = torch.exp(xb)
yb = yb * 1.1
yb = yb + xb
yb = F.silu(yb)
case("bf16_chain", yb.to(f64))
case("bf16_sum", torch.sum(det([4, 16], 8, torch.bfloat16) * 1.7, dim=1).to(f64))

# ---- reductions and normalizations ------------------------------------------------
a = det([2, 3, 4], 9)
case("sum_0_2", torch.sum(a, dim=[0, 2]))
case("mean_1_keep", torch.mean(a, dim=[1], keepdim=True))
case("prod_2", torch.prod(a, dim=2))
case("amax_0_1", torch.amax(a, dim=[0, 1]))
case("amin_2_keep", torch.amin(a, dim=[2], keepdim=True))
case("var_1", torch.var(a, dim=[1], correction=1))
case("var_0_2_c0", torch.var(a, dim=[0, 2], correction=0))
case("argmax_1", torch.argmax(a, dim=1).to(f64))
case("argmin_2_keep", torch.argmin(a, dim=2, keepdim=True).to(f64))
case("cumsum_2", torch.cumsum(a, dim=2))
case("cumsum_0", torch.cumsum(a, dim=0))
case("softmax_1", torch.softmax(a, dim=1))
case("log_softmax_last", torch.log_softmax(a, dim=-1))
case("layer_norm", F.layer_norm(a, [3, 4], det([3, 4], 10), det([3, 4], 11), eps=1e-5))
case("layer_norm_plain", F.layer_norm(a, [4], eps=1e-3))
g = det([2, 6, 3], 12)
case("group_norm", F.group_norm(g, 3, det([6], 13), det([6], 14), eps=1e-5))
bn = det([2, 3, 2, 2], 15)
case("batch_norm", F.batch_norm(bn, det([3], 16), pos([3], 17), det([3], 18), det([3], 19), training=False, eps=1e-5))

# ---- matrix products and attention ---------------------------------------------------
case("matmul_vv", torch.matmul(det([5], 20), det([5], 21)).reshape(1))
case("matmul_vm", torch.matmul(det([4], 22), det([4, 3], 23)))
case("matmul_mv", torch.matmul(det([3, 4], 24), det([4], 25)))
case("matmul_batched", torch.matmul(det([2, 1, 3, 4], 26), det([3, 4, 5], 27)))
case("matmul_bv", torch.matmul(det([2, 3, 4], 28), det([4], 29)))
case("linear", F.linear(det([2, 3, 5], 30), det([4, 5], 31), det([4], 32)))
case("linear_nobias_1d", F.linear(det([5], 33), det([4, 5], 34)))

q, k, v = det([2, 3, 4, 5], 35), det([2, 3, 6, 5], 36), det([2, 3, 6, 7], 37)
case("sdpa_mask_scale", F.scaled_dot_product_attention(q, k, v, attn_mask=det([4, 6], 38), scale=0.3))
case("sdpa_causal", F.scaled_dot_product_attention(q, k, v, is_causal=True))
keep = torch.tensor([((i * 5) % 7) != 0 for i in range(2 * 4 * 6)]).reshape(2, 1, 4, 6)
keep[1, 0, 2, :] = False  # one fully masked row
case("sdpa_bool_mask", F.scaled_dot_product_attention(q, k, v, attn_mask=keep))
qg, kg, vg = det([1, 4, 3, 5], 39), det([1, 2, 3, 5], 40), det([1, 2, 3, 5], 41)
case("sdpa_gqa", F.scaled_dot_product_attention(qg, kg, vg, enable_gqa=True))

# ---- convolution -------------------------------------------------------------------
case("conv2d", F.conv2d(det([2, 4, 7, 6], 42), det([6, 2, 3, 2], 43), det([6], 44), stride=[2, 1], padding=[1, 0],
                        dilation=[1, 2], groups=2))
case("conv1d_unbatched", F.conv1d(det([3, 10], 45), det([4, 3, 3], 46), None, stride=2, padding=2, dilation=2))
case("conv3d", F.conv3d(det([1, 2, 4, 5, 3], 47), det([3, 2, 2, 3, 2], 48), det([3], 49), padding=1))
case("conv_transpose2d", F.conv_transpose2d(det([2, 4, 3, 4], 50), det([4, 3, 3, 3], 51), det([6], 52), stride=2,
                                            padding=1, output_padding=1, groups=2))
case("conv_transpose1d", F.conv_transpose1d(det([1, 2, 5], 53), det([2, 3, 3], 54), None, stride=3, padding=2,
                                            dilation=2, output_padding=1))

# ---- pooling -----------------------------------------------------------------------
mp = det([1, 2, 7, 7], 55)
case("max_pool2d_ceil", F.max_pool2d(mp, 3, 2, 1, ceil_mode=True))
case("max_pool2d_dilated", F.max_pool2d(mp, 2, [1, 2], 0, dilation=2))
case("max_pool1d", F.max_pool1d(det([2, 9], 56), 2))
ap = det([1, 2, 7, 6], 57)
case("avg_pool2d_ceil", F.avg_pool2d(ap, 3, 2, 1, ceil_mode=True))
case("avg_pool2d_ceil_nopad", F.avg_pool2d(ap, 3, 2, 1, ceil_mode=True, count_include_pad=False))
case("avg_pool2d_divisor", F.avg_pool2d(ap, [2, 3], [2, 2], [1, 1], divisor_override=5))
case("avg_pool1d", F.avg_pool1d(det([1, 3, 8], 58), 3))
case("avg_pool3d", F.avg_pool3d(det([1, 1, 4, 5, 4], 59), 2, 2, 1, ceil_mode=True))
ad = det([2, 3, 7, 5], 60)
case("adaptive_avg_pool2d", F.adaptive_avg_pool2d(ad, [3, 2]))
case("adaptive_max_pool2d", F.adaptive_max_pool2d(ad, [4, 3]))
case("adaptive_avg_pool1d", F.adaptive_avg_pool1d(det([2, 10], 61), 4))

# ---- data movement -------------------------------------------------------------------
d = det([2, 3, 4], 62)
case("permute_201", d.permute(2, 0, 1))
case("pad_mixed", F.pad(d, [1, -1, -1, 2], value=0.5))
gi = torch.tensor([(i * 2) % 3 for i in range(2 * 2 * 4)]).reshape(2, 2, 4)
case("gather_1", torch.gather(d, 1, gi))
case("tril_m1", torch.tril(d, -1))
case("triu_1", torch.triu(d, 1))

# ---- a small MLP, as the fixtures' seed model (dynamic batch) -------------------------
for batch in (1, 5):
    h = F.linear(det([batch, 6], 70), det([8, 6], 71), det([8], 72)).relu()
    case(f"mlp_batch{batch}", torch.sigmoid(F.linear(h, det([3, 8], 73), det([3], 74))))

print("// Generated by make_torch_reference.py with torch " + torch.__version__ + "; do not edit.")
print("// PyTorch's results for the reference evaluator's tests (row-major, as double).")
print("#pragma once")
print()
print("#include <limits>")
print("#include <vector>")
print()
print("// clang-format off")
print("namespace aotc::torch_ref {")
print()
print("inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();")
print("inline constexpr double kInf = std::numeric_limits<double>::infinity();")
print()
for name, t in cases:
    vals = t.to(f64).flatten().tolist()
    shape = ", ".join(str(s) for s in t.shape)
    print(f"// {name}: shape [{shape}]")
    body = ", ".join(fmt(v) for v in vals)
    print(f"inline const std::vector<double> {name} = {{{body}}};")
print()
print("}  // namespace aotc::torch_ref")
print("// clang-format on")
