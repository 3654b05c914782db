#!/usr/bin/env python3
"""Reference side of the AlignTune model-throughput benchmark.

The same Llama architecture as io.aligntune.model.llama.LlamaModel (RMSNorm, rotary "rotate-half"
positions, grouped-query attention with a causal mask, SwiGLU MLP, tied output head), written in plain
PyTorch, trained forward+backward on random tokens with the same loss, batch, warmup and measured steps as
io.aligntune.bench.ModelThroughputBenchmark. Run by modules/bench/run-model-bench.sh, which compares the two
RESULT lines; it can also be run alone:

    OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 modules/bench/pytorch_llama.py --threads 2

Meant for Debian's python3-torch (1.13) with libopenblas0-pthread; prints which BLAS library is loaded and
its thread pools. Prints STEP lines (fwd_ms, bwd_ms, other_cores: CPU other processes took meanwhile, cpu_ms:
this process's CPU time) and one RESULT line whose tok_s uses the median measured step, with the same keys
as the Java side.
"""

import argparse
import math
import os
import re
import time

import torch
import torch.nn.functional as F
from torch import nn


# stories15M (llama2.c), mirroring LlamaConfig.stories15M()
CONFIG = dict(dim=288, hidden=768, layers=6, heads=6, kv_heads=6, vocab=32000, max_seq=256,
              eps=1e-5, rope_theta=10000.0)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads = c["heads"], c["kv_heads"]
        self.head_dim = c["dim"] // c["heads"]
        self.q_proj = nn.Linear(c["dim"], self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(c["dim"], self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(c["dim"], self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, c["dim"], bias=False)

    def forward(self, x, cos, sin, bias):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.kv_heads != self.heads:
            group = self.heads // self.kv_heads
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim) + bias
        out = scores.softmax(dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["dim"], c["hidden"], bias=False)
        self.up_proj = nn.Linear(c["dim"], c["hidden"], bias=False)
        self.down_proj = nn.Linear(c["hidden"], c["dim"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["dim"], c["eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["dim"], c["eps"])
        self.mlp = MLP(c)

    def forward(self, h, cos, sin, bias):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin, bias)
        return h + self.mlp(self.post_attention_layernorm(h))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab"], c["dim"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["dim"], c["eps"])
        head_dim = c["dim"] // c["heads"]
        inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        angles = torch.outer(torch.arange(c["max_seq"], dtype=torch.float32), inv_freq)
        angles = torch.cat((angles, angles), dim=-1)  # [max_seq, head_dim], half-table repeated
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)
        # same init as LlamaWeightNames.randomWeights: matrices ~ N(0, 0.02^2), norm weights 1
        with torch.no_grad():
            for p in self.parameters():
                if p.dim() == 2:
                    p.normal_(0.0, 0.02)

    def forward(self, ids):
        t = ids.shape[1]
        cos, sin = self.cos[:t], self.sin[:t]  # broadcast over [B, H, T, D]
        bias = torch.full((t, t), -1e30).triu(1)  # causal, same finite fill as the Java model
        h = self.embed_tokens(ids)
        for layer in self.layers:
            h = layer(h, cos, sin, bias)
        return F.linear(self.norm(h), self.embed_tokens.weight)  # tied head


def loaded_blas():
    """Shared libraries providing BLAS in this process (after torch has run a matmul)."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path).lower()
            if any(k in name for k in ("blas", "mkl", "lapack", "blis")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def cpu_sample():
    """(machine busy ticks, machine total ticks, this process's ticks) from /proc, or None."""
    try:
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:9]]
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (sum(cpu) - cpu[3] - cpu[4], sum(cpu), int(fields[11]) + int(fields[12]))
    except (OSError, ValueError, IndexError):
        return None


def other_cores(before, after):
    """CPU other processes took during a step, in cores (0 on a quiet machine)."""
    if before is None or after is None or after[1] == before[1]:
        return float("nan")
    others = (after[0] - before[0]) - (after[2] - before[2])
    return max(0, others) / (after[1] - before[1]) * os.cpu_count()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--profile", action="store_true", help="print torch.autograd.profiler op totals")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    c = dict(CONFIG)
    model = Llama(c)
    params = sum(p.numel() for p in model.parameters())
    tokens = a.batch * a.seq

    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS library is mapped before we look
    blas = loaded_blas()
    build_blas = re.findall(r"BLAS_INFO=\w+", torch.__config__.show())
    pools = ""
    try:
        from threadpoolctl import threadpool_info
        pools = ";".join("%s:%s:%s" % (i.get("internal_api"), i.get("num_threads"), os.path.basename(i.get("filepath", "")))
                         for i in threadpool_info())
    except ImportError:
        pools = "threadpoolctl-not-installed"
    print("INFO impl=pytorch torch=%s intra_op_threads=%d inter_op_threads=%d OMP_NUM_THREADS=%s "
          "OPENBLAS_NUM_THREADS=%s %s blas_loaded=%s threadpools=%s"
          % (torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads(),
             os.environ.get("OMP_NUM_THREADS"), os.environ.get("OPENBLAS_NUM_THREADS"),
             build_blas[0] if build_blas else "BLAS_INFO=?", ",".join(blas) or "none-found", pools), flush=True)
    if not any("openblas" in b.lower() or "mkl" in b.lower() for b in blas):
        print("WARN no optimised BLAS (OpenBLAS/MKL) is loaded: install libopenblas0-pthread, or this side is ~20x slow",
              flush=True)

    gen = torch.Generator().manual_seed(a.seed)
    measured = []
    loss = torch.tensor(float("nan"))
    prof = None
    for step in range(a.warmup + a.steps):
        measuring = step >= a.warmup
        if measuring and step == a.warmup and a.profile:
            prof = torch.autograd.profiler.profile()
            prof.__enter__()
        ids = torch.randint(0, c["vocab"], (a.batch, a.seq), generator=gen)
        cpu0 = cpu_sample()
        t0 = time.perf_counter()
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, c["vocab"]), ids[:, 1:].reshape(-1))
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        # the analogue of LlamaModel.readGradients() + resetGradients(): copy every gradient out, then drop
        # it so the next backward starts from zero (PyTorch needs no parameter round trip for that)
        for p in model.parameters():
            p.grad.numpy().copy()
            p.grad = None
        t3 = time.perf_counter()
        del logits
        cpu1 = cpu_sample()
        own = (cpu1[2] - cpu0[2]) * 1000.0 / os.sysconf("SC_CLK_TCK") if cpu0 and cpu1 else float("nan")
        t = ((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, other_cores(cpu0, cpu1))
        print("STEP impl=pytorch step=%d %s fwd_ms=%.1f bwd_ms=%.1f host_copy_ms=%.1f loss=%.4f other_cores=%.2f "
              "cpu_ms=%.0f" % (step, "measured" if measuring else "warmup", t[0], t[1], t[2], loss.item(), t[3], own),
              flush=True)
        if measuring:
            measured.append(t)
    if prof is not None:
        prof.__exit__(None, None, None)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))

    n = len(measured)
    fwd = sum(t[0] for t in measured) / n
    bwd = sum(t[1] for t in measured) / n
    copy = sum(t[2] for t in measured) / n
    steps = sorted(t[0] + t[1] for t in measured)
    median = steps[n // 2] if n % 2 == 1 else (steps[n // 2 - 1] + steps[n // 2]) / 2
    tok_s = tokens / (median / 1e3)
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print("RESULT impl=pytorch threads=%d batch=%d seq=%d warmup=%d steps=%d params=%d fwd_ms=%.1f bwd_ms=%.1f "
          "step_ms=%.1f tok_s=%.1f gflops=%.2f tok_s_mean=%.1f tok_s_best=%.1f host_copy_ms=%.1f "
          "tok_s_with_copy=%.1f loss=%.4f loadavg=%s max_other_cores=%.2f"
          % (torch.get_num_threads(), a.batch, a.seq, a.warmup, a.steps, params, fwd, bwd, median, tok_s,
             6.0 * params * tok_s / 1e9, tokens / ((fwd + bwd) / 1e3), tokens / (steps[0] / 1e3), copy,
             tokens / ((fwd + bwd + copy) / 1e3), loss.item(), load, max(t[3] for t in measured)), flush=True)


if __name__ == "__main__":
    main()
