"""Shared pieces of the Python peers (bench/peers/rtk_numpy.py, rtk_torch.py).

The plan (time grid, NFE split, initial MALA step, step-size rule) mirrors lib/plan.ts and
native/include/rtk/samplers/{rtk,inner_mala,baselines}.h so that the peers run the same
algorithm on the same schedule as rtk-diffusion; the target is the paper's 12-mode mixture
(rtk-math.md, "The paper's benchmark target"). Works with numpy 1.24 (Debian) and 2.x.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np

D = 10
K = 12
VARIANCE = 0.007


def paper_means():
    """K x D: mean j = (cos(2 pi j / 12), sin(2 pi j / 12), 0, ..., 0)."""
    m = np.zeros((K, D))
    j = np.arange(K)
    m[:, 0] = np.cos(2 * np.pi * j / K)
    m[:, 1] = np.sin(2 * np.pi * j / K)
    return m


# ---- plans (lib/plan.ts, lib/schedules.ts) --------------------------------------------------

def default_segments(nfe):
    return 2 if nfe < 48 else 3 if nfe < 128 else 4


def rtk_mala_plan(nfe, T=5.0, t_end=0.0):
    """Uniform grid of default_segments(nfe) segments; per segment 1 chain-start evaluation
    (+1 Tweedie score in the first), the rest split evenly, remainder to the last segments."""
    k = default_segments(nfe)
    times = [t_end if i == k else T - (T - t_end) * i / k for i in range(k + 1)]
    fixed = k + 1
    available = nfe - fixed
    steps = [available // k] * k
    for i in range(available % k):
        steps[k - 1 - i] += 1
    return times, steps, fixed + sum(steps)


def geometric_grid(T, t_min, steps):
    ratio = math.log(t_min / T)
    return [t_min if i == steps else T * math.exp(ratio * i / steps) for i in range(steps + 1)]


def ddpm_plan(nfe, T=5.0, t_min=1e-3):
    """nfe - 1 exponential-integrator steps on the geometric grid, + 1 final Tweedie denoise."""
    times = geometric_grid(T, t_min, nfe - 1)
    return times, nfe


def potential_smoothness_bound(t, eta):
    data = 1.0 / -math.expm1(-2.0 * t) if t > 0 else math.inf
    return data + math.exp(-2.0 * eta) / -math.expm1(-2.0 * eta)


def initial_mala_step(t, eta, d):
    bound = potential_smoothness_bound(t, eta)
    scale = d ** (1.0 / 3.0)
    if math.isfinite(bound):
        return 1.0 / (bound * scale)
    return 0.01 * math.expm1(2.0 * eta) / scale


def adapt_step_size(tau, accept_rate, target=0.6):
    return tau * min(2.0, max(0.1, math.exp(3.0 * (accept_rate - target))))


def mixture_at(t):
    """Component parameters of p_t: means e^{-t} mu, precisions 1 / (e^{-2t} s2 + 1 - e^{-2t}),
    log normalisers log w - 0.5 (d log 2 pi + sum log var)."""
    decay = math.exp(-t)
    var = math.exp(-2.0 * t) * VARIANCE - math.expm1(-2.0 * t)
    means = decay * paper_means()
    prec = np.full((K, D), 1.0 / var)
    log_norm = np.full(K, math.log(1.0 / K) - 0.5 * D * (math.log(2 * math.pi) + math.log(var)))
    return means, prec, log_norm


# ---- accuracy (lib/metrics.ts) ---------------------------------------------------------------

def marginal_bin_masses(bins=100, lo=-2.0, hi=2.0):
    means = paper_means()
    sd = math.sqrt(VARIANCE)
    edges = [lo + (hi - lo) * e / bins for e in range(bins + 1)]
    out = np.zeros((D, bins + 2))
    for i in range(D):
        for j in range(K):
            cdf = np.array([0.5 * math.erfc(-(x - means[j, i]) / (sd * math.sqrt(2.0))) for x in edges])
            out[i, 0] += cdf[0] / K
            out[i, 1:bins + 1] += np.diff(cdf) / K
            out[i, bins + 1] += (1.0 - cdf[-1]) / K
    return out


def marginal_accuracy(samples, bins=100, lo=-2.0, hi=2.0):
    """1 - mean over coordinates of the TV distance between the histogram (100 bins on [-2, 2],
    plus the mass below and above) and the exact marginal."""
    x = np.asarray(samples, dtype=np.float64)
    n = x.shape[0]
    masses = marginal_bin_masses(bins, lo, hi)
    b = np.floor((x - lo) / (hi - lo) * bins).astype(np.int64)
    b = 1 + np.clip(b, 0, bins - 1)
    b[x < lo] = 0
    b[(x >= hi) | np.isnan(x)] = bins + 1
    total = 0.0
    for i in range(D):
        counts = np.bincount(b[:, i], minlength=bins + 2) / n
        total += 1.0 - 0.5 * np.abs(counts - masses[i]).sum()
    return total / D


# ---- driver ---------------------------------------------------------------------------------

def parse_args(name):
    p = argparse.ArgumentParser(description=f"{name} peer of rtk-diffusion on the paper's mixture")
    p.add_argument("--sampler", choices=["rtk-mala", "ddpm"], default="rtk-mala")
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--nfe", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--target-accept", type=float, default=0.6,
                   help="RTK-MALA: acceptance rate the step-size adaptation aims at (ours: targetAccept)")
    p.add_argument("--warmup-n", type=int, default=2000, help="one untimed run at this n first (0: none)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p.parse_args()


def run_peer(name, args, run, info):
    """Times `run(sampler, n, nfe, seed) -> (samples as numpy, nfe spent, details)`: one warm-up
    at --warmup-n, then --reps timed runs; prints particle*NFE/s and marginal accuracy."""
    if args.warmup_n > 0:
        run(args.sampler, min(args.n, args.warmup_n), args.nfe, args.seed + 1000)
    seconds = []
    samples = details = None
    nfe = args.nfe
    for r in range(args.reps):
        started = time.perf_counter()
        samples, nfe, details = run(args.sampler, args.n, args.nfe, args.seed + r)
        seconds.append(time.perf_counter() - started)
    med = statistics.median(seconds)
    result = {
        "peer": name,
        "sampler": args.sampler,
        "n": args.n,
        "nfe": nfe,
        "threads": args.threads,
        "reps": args.reps,
        "seconds": seconds,
        "median_s": med,
        "particle_nfe_per_s": args.n * nfe / med,
        "marginal_accuracy": marginal_accuracy(samples),
        "details": details,
        "info": info,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{name} {args.sampler} n={args.n} nfe={nfe} threads={args.threads}: "
              f"median {med:.3f} s of {args.reps}, {result['particle_nfe_per_s'] / 1e6:.3f} M particle*NFE/s, "
              f"MA {result['marginal_accuracy']:.4f}")
        print(f"  details: {json.dumps(details)}")
        print(f"  info: {json.dumps(info)}")
    return result


def blas_info_numpy():
    """Which BLAS (and which OpenBLAS kernel) numpy runs: threadpoolctl when importable
    (also Debian's python3-threadpoolctl, appended last to sys.path so it cannot shadow numpy),
    else numpy's build configuration."""
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                                          "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    info = {"numpy": np.__version__, "python": sys.version.split()[0], "env": env}
    try:
        try:
            import threadpoolctl  # noqa: F401
        except ImportError:
            sys.path.append("/usr/lib/python3/dist-packages")
            import threadpoolctl  # noqa: F401
        from threadpoolctl import threadpool_info
        np.ones((64, 64)) @ np.ones((64, 64))  # make sure the BLAS is loaded
        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer", "filepath")}
            for p in threadpool_info()]
        info["source"] = "threadpoolctl"
        if not any(p.get("internal_api") == "openblas" for p in info["threadpools"]):
            info["openblas_runtime"] = openblas_runtime()
            info["source"] = "threadpoolctl (no OpenBLAS pool recognised) + OpenBLAS's own get_corename via ctypes"
    except Exception as e:  # noqa: BLE001
        info["source"] = f"np.show_config + OpenBLAS's get_corename via ctypes (threadpoolctl unavailable: {e})"
        info["openblas_runtime"] = openblas_runtime()
        try:
            cfg = np.show_config(mode="dicts")
            info["build_blas"] = cfg.get("Build Dependencies", {}).get("blas")
        except TypeError:
            import io
            import contextlib
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                np.show_config()
            info["show_config"] = buf.getvalue()[:2000]
    return info


def openblas_runtime():
    """Asks every OpenBLAS loaded in this process for its runtime kernel (get_corename), its
    configuration and thread count, through ctypes (threadpoolctl < 3.2 does not recognise
    numpy 2's libscipy_openblas64_)."""
    import ctypes
    np.ones((64, 64)) @ np.ones((64, 64))
    libs = []
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if "openblas" in os.path.basename(p).lower() and p not in libs:
                libs.append(p)
    out = []
    for p in libs:
        lib = ctypes.CDLL(p)
        entry = {"filepath": p}
        for key, names, restype in (
                ("corename", ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"), ctypes.c_char_p),
                ("config", ("scipy_openblas_get_config64_", "openblas_get_config64_", "openblas_get_config"), ctypes.c_char_p),
                ("num_threads", ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"), ctypes.c_int)):
            for name in names:
                fn = getattr(lib, name, None)
                if fn is not None:
                    fn.restype = restype
                    v = fn()
                    entry[key] = v.decode() if isinstance(v, bytes) else v
                    break
        out.append(entry)
    return out
