"""PyTorch peer of `npm run bench -- step` (bench/step.ts).

The AV-MNIST Perceiver of VARMAT.md 6.1-6.2 written directly in PyTorch (our own code, from the
description, not the authors'), with parameter names equal to the authors' state_dict names, which
varmat uses too. It loads the weights and the prepared input tokens that bench/step.ts writes as one
safetensors file, and times the same four workloads as varmat:

  varmat  one VARMAT FGSM-RS training step (VARMAT.md 4): encoder forward, the probe (double
          backprop), the one-step latent attack, CE(F(z + delta)) + 1000 R, backward, Adam
  avg     the same step without R (the probe is not computed, as in the authors' Avg)
  clean   CE(F(E(x))), backward, Adam
  pgd10   a PGD-10 evaluation batch: z = E(x) without grad, clean logits, 10 L2 steps of r/10 from a
          random start on the sphere (r = 0.2 / K ||z_m||), the logits at the end

Protocol (driven by bench/step.ts so that the two run interleaved in one sitting): one command a
line on stdin, `<workload> <calls>`; the peer runs that many calls and prints one JSON line
{"ms": milliseconds per call}. `info` prints the torch version, threads and BLAS; `quit` ends.

Run by hand:  /usr/bin/python3 bench/peers/torch_step.py --data FILE.safetensors [--threads 1]
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as fn


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    dtypes = {"F32": torch.float32, "I32": torch.int32, "I64": torch.int64, "F64": torch.float64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = bytearray(raw[base + start:base + end])
        t = torch.frombuffer(buf, dtype=dtypes[info["dtype"]]) if end > start else torch.zeros(0, dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out


class Attention(torch.nn.Module):
    """Multi-head attention, no q/k/v biases, scale 1/sqrt(64); keys/values from the context."""

    def __init__(self, dim, ctx_dim, heads, dim_head=64):
        super().__init__()
        inner = heads * dim_head
        self.heads, self.dim_head = heads, dim_head
        self.to_q = torch.nn.Linear(dim, inner, bias=False)
        self.to_kv = torch.nn.Linear(ctx_dim, 2 * inner, bias=False)
        self.to_out = torch.nn.Sequential(torch.nn.Linear(inner, dim))

    def forward(self, x, ctx):
        b, n, _ = x.shape
        h, d = self.heads, self.dim_head
        q = self.to_q(x).reshape(b, n, h, d).transpose(1, 2)
        k, v = self.to_kv(ctx).chunk(2, dim=-1)
        m = ctx.shape[1]
        k = k.reshape(b, m, h, d).transpose(1, 2)
        v = v.reshape(b, m, h, d).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) * (d ** -0.5), dim=-1)
        o = (att @ v).transpose(1, 2).reshape(b, n, h * d)
        return self.to_out(o)


class GegluFF(torch.nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = torch.nn.ModuleDict({"0": torch.nn.Linear(dim, dim * mult * 2), "3": torch.nn.Linear(dim * mult, dim)})

    def forward(self, x):
        a, g = self.net["0"](x).chunk(2, dim=-1)
        return self.net["3"](a * fn.gelu(g))


class PreNorm(torch.nn.Module):
    def __init__(self, dim, module, ctx_dim=None):
        super().__init__()
        self.norm = torch.nn.LayerNorm(dim)
        self.fn = module
        self.norm_context = torch.nn.LayerNorm(ctx_dim) if ctx_dim is not None else None

    def forward(self, x, ctx=None):
        if self.norm_context is not None:
            return self.fn(self.norm(x), self.norm_context(ctx))
        return self.fn(self.norm(x))


class SelfAttn(Attention):
    """Self-attention: the same attention with the latents as their own context."""

    def __init__(self, dim, heads):
        super().__init__(dim, dim, heads)

    def forward(self, x, ctx=None):
        return super().forward(x, x)


class LatentTransformer(torch.nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.latent_blocks = torch.nn.ModuleList([torch.nn.ModuleList([PreNorm(dim, SelfAttn(dim, heads)), PreNorm(dim, GegluFF(dim))])])

    def forward(self, x):
        sa, ff = self.latent_blocks[0]
        y = x + sa(x)
        return y + ff(y)


class Block(torch.nn.Module):
    """One Perceiver layer: cross-attention, FF, latent transformer, with the double residual."""

    def __init__(self, dim, ctx_dim, cross_heads, latent_heads):
        super().__init__()
        self.add_module("0", PreNorm(dim, Attention(dim, ctx_dim, cross_heads), ctx_dim))
        self.add_module("1", PreNorm(dim, GegluFF(dim)))
        self.add_module("2", LatentTransformer(dim, latent_heads))

    def forward(self, x, ctx):
        x = getattr(self, "0")(x, ctx) + x
        x = getattr(self, "1")(x) + x
        return getattr(self, "2")(x) + x


class Perceiver(torch.nn.Module):
    def __init__(self, modalities, token_width, classes=10, latents=20, dim=64):
        super().__init__()
        self.modalities = sorted(modalities)
        self.latents = torch.nn.Parameter(torch.randn(latents, dim))
        self.layers = torch.nn.ModuleList([Block(dim, token_width, 1, 6)])
        self.cross_layers = torch.nn.ModuleList([Block(dim, dim, 4, 6)])
        k = len(modalities)
        self.to_logits = torch.nn.Sequential(torch.nn.LayerNorm(k * (k - 1) * dim), torch.nn.Linear(k * (k - 1) * dim, classes))

    def encode(self, inputs, tails):
        """Tokens [data, zeros, Fourier, one-hot] per modality (the constant part is `tails[m]`);
        modalities with equal token counts run through the shared encoder as one batch, as varmat does."""
        b = next(iter(inputs.values())).shape[0]
        toks = [torch.cat([inputs[m].reshape(b, -1, inputs[m].shape[-1]), tails[m].expand(b, -1, -1)], dim=-1) for m in self.modalities]
        ctx = torch.cat(toks, dim=0)
        x0 = self.latents.unsqueeze(0).expand(ctx.shape[0], -1, -1)
        z = self.layers[0](x0, ctx)
        return {m: z[i * b:(i + 1) * b] for i, m in enumerate(self.modalities)}

    def fuse(self, z):
        outs = []
        for i in self.modalities:
            for j in self.modalities:
                if i != j:
                    outs.append(self.cross_layers[0](z[i], z[j])[:, -1])
        return self.to_logits(torch.cat(outs, dim=-1))


def load(model, weights):
    for key, p in model.named_parameters():
        if key not in weights:
            raise KeyError(f"weights file has no {key}")
        with torch.no_grad():
            p.copy_(weights[key].reshape(p.shape))


def norms(t):
    return t.flatten(1).norm(dim=1).reshape(-1, *([1] * (t.dim() - 1)))


def proj(delta, r):
    n = norms(delta)
    return delta * torch.clamp(r / (n + 1e-12), max=1.0)


def unit(g):
    return g / (norms(g) + 1e-8)


def sphere(z, r):
    n = torch.randn_like(z)
    return proj(n * r, r)


class Workloads:
    def __init__(self, data, alpha=1000.0, eps=0.01, eval_eps=0.2):
        names = ("audiospec", "colorlessimage")
        self.inputs = {m: data[f"inputs.{m}"] for m in names}
        # The constant tail of every token (zeros, Fourier features, one-hot), as varmat builds it.
        self.tails = {m: data[f"tokens.{m}"][:1, :, self.inputs[m].shape[-1]:].contiguous() for m in names}
        self.labels = data["labels"].long()
        self.model = Perceiver(list(names), data["tokens.audiospec"].shape[-1])
        load(self.model, {k[len("param."):]: v for k, v in data.items() if k.startswith("param.")})
        self.opt = torch.optim.Adam(self.model.parameters(), lr=8e-4, weight_decay=1e-3)
        self.alpha, self.eps, self.eval_eps = alpha, eps, eval_eps
        self.k = len(names)

    def robust_step(self, varmat):
        m, y = self.model, self.labels
        self.opt.zero_grad()
        z = m.encode(self.inputs, self.tails)
        zd = {k: v.detach() for k, v in z.items()}
        penalty = None
        if varmat:
            zt = {k: v.clone().requires_grad_() for k, v in zd.items()}
            ce = fn.cross_entropy(m.fuse(zt), y)
            gs = torch.autograd.grad(ce, [zt[k] for k in m.modalities], create_graph=True)
            v = torch.stack([g.flatten(1).norm(dim=1) for g in gs], dim=1)
            penalty = self.alpha * v.sum() / y.shape[0]
        # FGSM-RS in latent space (VARMAT.md 5.1), per sample and modality: step r from the sphere.
        r = {k: norms(zd[k]) * (self.eps / self.k) for k in zd}
        start = {k: sphere(zd[k], r[k]) for k in zd}
        zs = {k: (zd[k] + start[k]).requires_grad_() for k in zd}
        ce0 = fn.cross_entropy(m.fuse(zs), y)
        gs = torch.autograd.grad(ce0, [zs[k] for k in m.modalities])
        delta = {k: proj(start[k] + r[k] * unit(g), r[k]).detach() for k, g in zip(m.modalities, gs)}
        logits = m.fuse({k: z[k] + delta[k] for k in z})
        loss = fn.cross_entropy(logits, y)
        if penalty is not None:
            loss = loss + penalty
        loss.backward()
        self.opt.step()
        return float(loss)

    def clean_step(self):
        self.opt.zero_grad()
        loss = fn.cross_entropy(self.model.fuse(self.model.encode(self.inputs, self.tails)), self.labels)
        loss.backward()
        self.opt.step()
        return float(loss)

    def pgd10(self, steps=10):
        m, y = self.model, self.labels
        with torch.no_grad():
            z = m.encode(self.inputs, self.tails)
            clean = m.fuse(z).argmax(-1)
        r = {k: norms(z[k]) * (self.eval_eps / self.k) for k in z}
        delta = {k: sphere(z[k], r[k]) for k in z}
        for _ in range(steps):
            d = {k: v.clone().requires_grad_() for k, v in delta.items()}
            ce = fn.cross_entropy(m.fuse({k: z[k] + d[k] for k in z}), y)
            gs = torch.autograd.grad(ce, [d[k] for k in m.modalities])
            delta = {k: proj(delta[k] + (r[k] / steps) * unit(g), r[k]) for k, g in zip(m.modalities, gs)}
        with torch.no_grad():
            adv = m.fuse({k: z[k] + delta[k] for k in z}).argmax(-1)
        return int(((clean == y) & (adv == y)).sum())

    def run(self, name):
        if name == "varmat":
            return self.robust_step(True)
        if name == "avg":
            return self.robust_step(False)
        if name == "clean":
            return self.clean_step()
        if name == "pgd10":
            return self.pgd10()
        raise ValueError(name)


def blas_in_use():
    """Which BLAS library this process mapped (after a matmul has run)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if "blas" in base or "mkl" in base or "blis" in base:
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    w = Workloads(read_safetensors(args.data))
    w.run("clean")
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "quit":
            break
        if parts[0] == "info":
            print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use(),
                              "config": torch.__config__.show().split("BLAS_INFO=")[-1].split(",")[0]}), flush=True)
            continue
        calls = int(parts[1]) if len(parts) > 1 else 1
        t0 = time.perf_counter()
        for _ in range(calls):
            w.run(parts[0])
        ms = (time.perf_counter() - t0) * 1000 / calls
        print(json.dumps({"ms": ms, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


if __name__ == "__main__":
    main()
