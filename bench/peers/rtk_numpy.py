#!/usr/bin/env python3
"""numpy peer of rtk-diffusion: DDPM (geometric grid + final Tweedie denoise) and RTK-MALA
(Tweedie warm start, step size adapted on the batch's mean acceptance probability) on the
paper's 12-mode mixture in d = 10, written the way a numpy user would: whole-batch array
expressions, the mixture's quadratic forms through matmul as scikit-learn's diagonal GMM does,
a max-shifted log-sum-exp. No numba, no hand-tuning.

    python3 bench/peers/rtk_numpy.py --sampler rtk-mala --n 20000 --nfe 64 --threads 2 [--json]

Set the BLAS threads (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) in the
environment before starting it; bench/throughput.js does.
"""
import math
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def score_energy(x, t, want_energy=True):
    """Exact score and energy (-log p_t, up to a constant) of the mixture at time t."""
    means, prec, log_norm = common.mixture_at(t)
    # Quadratic forms sum_i (x_i - m_ji)^2 prec_ji for all rows and components (n x K).
    q = (x * x) @ prec.T - 2.0 * (x @ (means * prec).T) + (means * means * prec).sum(axis=1)
    logw = log_norm - 0.5 * q
    top = logw.max(axis=1, keepdims=True)
    w = np.exp(logw - top)
    total = w.sum(axis=1, keepdims=True)
    r = w / total  # responsibilities
    score = r @ (means * prec) - x * (r @ prec)
    energy = -(top[:, 0] + np.log(total[:, 0])) if want_energy else None
    return score, energy


def ddpm(n, nfe, seed):
    rng = np.random.default_rng(seed)
    times, spent = common.ddpm_plan(nfe)
    x = rng.standard_normal((n, common.D))
    for a, b in zip(times[:-1], times[1:]):
        h = a - b
        s, _ = score_energy(x, a, want_energy=False)
        x = math.exp(h) * x + 2.0 * math.expm1(h) * s + math.sqrt(math.expm1(2.0 * h)) * rng.standard_normal(x.shape)
    t = times[-1]
    s, _ = score_energy(x, t, want_energy=False)
    x = math.exp(t) * (x - math.expm1(-2.0 * t) * s)
    return x, spent, {"steps": len(times) - 1, "t_min": t}


def rtk_mala(n, nfe, seed, target_accept=0.6):
    rng = np.random.default_rng(seed)
    times, steps, spent = common.rtk_mala_plan(nfe)
    x = rng.standard_normal((n, common.D))
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
            g = e + (r * r).sum(axis=1) / (2.0 * sigma2)
            return s, grad_g, g

        s_z, grad_g, g = potential(z)
        accepted = 0
        for _ in range(inner):
            zp = z - tau * grad_g + math.sqrt(2.0 * tau) * rng.standard_normal(z.shape)
            s_p, grad_gp, g_p = potential(zp)
            u = zp - z
            fwd = u + tau * grad_g
            bwd = -u + tau * grad_gp
            la = g - g_p + ((fwd * fwd).sum(axis=1) - (bwd * bwd).sum(axis=1)) / (4.0 * tau)
            finite = np.isfinite(la)
            prob = np.where(finite, np.exp(np.minimum(np.where(finite, la, 0.0), 0.0)), 0.0)
            take = finite & ((la >= 0) | (rng.random(n) < prob))
            z = np.where(take[:, None], zp, z)
            grad_g = np.where(take[:, None], grad_gp, grad_g)
            s_z = np.where(take[:, None], s_p, s_z)
            g = np.where(take, g_p, g)
            accepted += int(take.sum())
            tau = common.adapt_step_size(tau, float(prob.mean()), target_accept)
        segments.append({"t": t, "steps": inner, "accept_rate": accepted / (n * inner), "tau_end": tau})
        x, s_x = z, s_z  # the chain's end is the next anchor; its score feeds the next Tweedie start
    return x, spent, {"segments": segments}


def main():
    args = common.parse_args("numpy")
    info = common.blas_info_numpy()
    def run(sampler, n, nfe, seed):
        return ddpm(n, nfe, seed) if sampler == "ddpm" else rtk_mala(n, nfe, seed, args.target_accept)
    common.run_peer("numpy", args, run, info)


if __name__ == "__main__":
    main()
