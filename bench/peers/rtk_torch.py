#!/usr/bin/env python3
"""PyTorch (CPU, float64) peer of rtk-diffusion: the same DDPM and RTK-MALA as rtk_numpy.py,
written the way a PyTorch user would (whole-batch tensor expressions, torch.logsumexp and
torch.softmax for the mixture, matmul for the quadratic forms), under torch.no_grad().

    python3 bench/peers/rtk_torch.py --sampler rtk-mala --n 20000 --nfe 64 --threads 2 [--json]

Meant for Debian's python3-torch (/usr/bin/python3). torch.set_num_threads(--threads) is
called here; bench/throughput.js also sets OMP_NUM_THREADS and friends in the environment.
"""
import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import torch  # noqa: E402

DT = torch.float64


def mixture_at(t):
    means, prec, log_norm = common.mixture_at(t)
    return torch.from_numpy(means), torch.from_numpy(prec), torch.from_numpy(log_norm)


def score_energy(x, t, want_energy=True):
    """Exact score and energy (-log p_t, up to a constant) of the mixture at time t."""
    means, prec, log_norm = mixture_at(t)
    q = (x * x) @ prec.T - 2.0 * (x @ (means * prec).T) + (means * means * prec).sum(dim=1)
    logw = log_norm - 0.5 * q
    r = torch.softmax(logw, dim=1)
    score = r @ (means * prec) - x * (r @ prec)
    energy = -torch.logsumexp(logw, dim=1) if want_energy else None
    return score, energy


@torch.no_grad()
def ddpm(n, nfe, seed):
    gen = torch.Generator().manual_seed(seed)
    times, spent = common.ddpm_plan(nfe)
    x = torch.randn(n, common.D, dtype=DT, generator=gen)
    for a, b in zip(times[:-1], times[1:]):
        h = a - b
        s, _ = score_energy(x, a, want_energy=False)
        noise = torch.randn(x.shape, dtype=DT, generator=gen)
        x = math.exp(h) * x + 2.0 * math.expm1(h) * s + math.sqrt(math.expm1(2.0 * h)) * noise
    t = times[-1]
    s, _ = score_energy(x, t, want_energy=False)
    x = math.exp(t) * (x - math.expm1(-2.0 * t) * s)
    return x.numpy(), spent, {"steps": len(times) - 1, "t_min": t}


@torch.no_grad()
def rtk_mala(n, nfe, seed, target_accept=0.6):
    gen = torch.Generator().manual_seed(seed)
    times, steps, spent = common.rtk_mala_plan(nfe)
    x = torch.randn(n, common.D, dtype=DT, generator=gen)
    s_x = None
    tau = 0.0
    segments = []
    for k, inner in enumerate(steps):
        t_start, t = times[k], times[k + 1]
        eta = t_start - t
        decay, sigma2 = math.exp(-eta), -math.expm1(-2.0 * eta)
        if s_x is None:
            s_x, _ = score_energy(x, t_start, want_energy=False)
        z = math.exp(eta) * (x + sigma2 * s_x)  # Tweedie warm start
        if tau <= 0:
            tau = common.initial_mala_step(t, eta, common.D)

        def potential(z):
            s, e = score_energy(z, t)
            r = decay * z - x
            grad_g = -s + decay * r / sigma2
            g = e + (r * r).sum(dim=1) / (2.0 * sigma2)
            return s, grad_g, g

        s_z, grad_g, g = potential(z)
        accepted = 0
        for _ in range(inner):
            zp = z - tau * grad_g + math.sqrt(2.0 * tau) * torch.randn(z.shape, dtype=DT, generator=gen)
            s_p, grad_gp, g_p = potential(zp)
            u = zp - z
            fwd = u + tau * grad_g
            bwd = -u + tau * grad_gp
            la = g - g_p + ((fwd * fwd).sum(dim=1) - (bwd * bwd).sum(dim=1)) / (4.0 * tau)
            finite = torch.isfinite(la)
            prob = torch.where(finite, torch.exp(torch.clamp(torch.nan_to_num(la), max=0.0)), torch.zeros_like(la))
            take = finite & ((la >= 0) | (torch.rand(n, dtype=DT, generator=gen) < prob))
            col = take[:, None]
            z = torch.where(col, zp, z)
            grad_g = torch.where(col, grad_gp, grad_g)
            s_z = torch.where(col, s_p, s_z)
            g = torch.where(take, g_p, g)
            accepted += int(take.sum())
            tau = common.adapt_step_size(tau, float(prob.mean()), target_accept)
        segments.append({"t": t, "steps": inner, "accept_rate": accepted / (n * inner), "tau_end": tau})
        x, s_x = z, s_z
    return x.numpy(), spent, {"segments": segments}


def torch_info():
    info = {"torch": torch.__version__, "python": sys.version.split()[0],
            "num_threads": torch.get_num_threads(), "num_interop_threads": torch.get_num_interop_threads(),
            "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")}}
    try:
        cfg = torch.__config__.show()
        info["blas"] = [line.strip() for line in cfg.splitlines() if "BLAS" in line or "LAPACK" in line][:4]
        info["parallel"] = torch.__config__.parallel_info().splitlines()[:6]
    except Exception as e:  # noqa: BLE001
        info["config_error"] = str(e)
    try:
        info["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    except Exception:  # noqa: BLE001
        pass
    try:
        from threadpoolctl import threadpool_info
        torch.ones(64, 64, dtype=DT) @ torch.ones(64, 64, dtype=DT)
        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
            for p in threadpool_info()]
    except Exception as e:  # noqa: BLE001
        info["threadpools_error"] = str(e)
    return info


def main():
    args = common.parse_args("torch")
    torch.set_num_threads(args.threads)
    info = torch_info()
    def run(sampler, n, nfe, seed):
        return ddpm(n, nfe, seed) if sampler == "ddpm" else rtk_mala(n, nfe, seed, args.target_accept)
    common.run_peer("torch", args, run, info)


if __name__ == "__main__":
    main()
