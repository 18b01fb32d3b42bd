#!/usr/bin/env python3
"""Trains the digits models used by bench/digits.js and test/lib/onnx-score.test.ts.

  python3 models/digits/train.py [--seed 0] [--steps 8000] [--threads 2] [--out models/digits]

Data: scikit-learn's load_digits (1,797 images of 8x8 = 64 pixels, values 0..16), scaled to
[-1, 1] by x = pixel / 8 - 1. A stratified 80/20 split (random_state = --split-seed, default 0):
1,437 training images, 360 held-out. Both models see the training split only.

1. digits-eps.onnx: an epsilon-prediction MLP (residual blocks, Fourier features of log t)
   trained by denoising score matching under this library's forward process (rtk-math.md):
       x_t = e^{-t} x_0 + sqrt(1 - e^{-2t}) eps,   t log-uniform on [1e-3, 5],
   loss = mean ||eps_theta(x_t, t) - eps||^2. Inputs x [N, 64] float32 and t [N] float32 (the
   library's time t itself, no DDPM timestep); output eps [N, 64]. Exported from an EMA of the
   weights. Its score is score(x, t) = -eps / sqrt(1 - e^{-2t}) (lib/onnx-score.ts, kind 'epsilon').
2. digits-classifier.onnx: an MLP classifier 64 -> 256 -> 64 -> 10 on the same training split;
   outputs logits [N, 10] and features [N, 64] (the penultimate layer, after its SiLU), used by
   the bench's Frechet distance.

Also writes the split (split/*.npy, uint8 pixels 0..16 and labels), probe.json (the torch
outputs on a few fixed inputs, which the jest test compares with onnxruntime's), training-log.json,
and MODEL.md. Runs in a few minutes on 2 CPU cores; the same seed on the same machine gives the
same weights.

Needs PyTorch and scikit-learn. When either is missing, the script re-runs itself under Debian's
/usr/bin/python3 (if that one has them) or installs them with apt-get (python3-torch,
python3-sklearn) and then re-runs itself.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time

APT_PACKAGES = ["python3-torch", "python3-sklearn"]
SYSTEM_PYTHON = "/usr/bin/python3"


def ensure_dependencies():
    try:
        import sklearn  # noqa: F401
        import torch  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("DIGITS_TRAIN_REEXEC") == "1":
        sys.exit("train.py: PyTorch or scikit-learn still missing after installing "
                 + " ".join(APT_PACKAGES) + " (is " + SYSTEM_PYTHON + " the python they installed into?)")
    env = dict(os.environ, DIGITS_TRAIN_REEXEC="1")

    def system_python_has_them():
        return os.path.exists(SYSTEM_PYTHON) and subprocess.run(
            [SYSTEM_PYTHON, "-c", "import torch, sklearn"], capture_output=True).returncode == 0

    if not system_python_has_them():
        apt = shutil.which("apt-get")
        if apt is None:
            sys.exit("train.py needs PyTorch and scikit-learn: install them (Debian/Ubuntu: apt-get install "
                     + " ".join(APT_PACKAGES) + "; elsewhere: pip install torch scikit-learn)")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print("train.py: installing " + " ".join(APT_PACKAGES) + " with apt-get", flush=True)
        subprocess.run(sudo + [apt, "update"], check=True)
        subprocess.run(sudo + [apt, "install", "-y"] + APT_PACKAGES, check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    print("train.py: re-running under " + SYSTEM_PYTHON, flush=True)
    os.execve(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__)] + sys.argv[1:], env)


# With OpenMP's default (active) waiting, 2 torch threads on a busy 2-core machine run ~30x slower
# than one; passive waiting avoids that. Must be set before torch (and so libgomp) is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ensure_dependencies()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from torch import nn  # noqa: E402

T_MIN, T_MAX = 1e-3, 5.0
LOG_T_MID = 0.5 * (math.log(T_MIN) + math.log(T_MAX))
LOG_T_HALF = 0.5 * (math.log(T_MAX) - math.log(T_MIN))


class TimeEmbedding(nn.Module):
    """Fourier features of u = (log t - mid) / half (u in [-1, 1] on the training range), then an MLP."""

    def __init__(self, n_freq=16, width=128):
        super().__init__()
        self.register_buffer("freqs", math.pi * torch.arange(1, n_freq + 1, dtype=torch.float32))
        self.mlp = nn.Sequential(nn.Linear(2 * n_freq + 1, width), nn.SiLU(), nn.Linear(width, width), nn.SiLU())

    def forward(self, t):
        u = ((torch.log(t) - LOG_T_MID) / LOG_T_HALF).unsqueeze(1)
        a = u * self.freqs
        return self.mlp(torch.cat([u, torch.sin(a), torch.cos(a)], dim=1))


class Block(nn.Module):
    def __init__(self, width, temb, dropout):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.fc1 = nn.Linear(width, width)
        self.emb = nn.Linear(temb, width)
        self.fc2 = nn.Linear(width, width)
        nn.init.zeros_(self.fc2.weight)
        nn.init.zeros_(self.fc2.bias)
        self.act = nn.SiLU()

    def forward(self, h, e):
        return h + self.fc2(self.drop(self.act(self.fc1(self.act(h)) + self.emb(e))))


class EpsNet(nn.Module):
    """eps_theta(x, t): x [N, 64] in the [-1, 1] pixel scale (noised), t [N] the library's time.

    Preconditioned around the diagonal Gaussian fitted to the training pixels (mean mu_i, variance
    s2_i): with a = e^{-t}, var_i = a^2 s2_i + 1 - a^2 (the variance of pixel i of x_t under that
    Gaussian) and r = x - a mu,
        eps = sqrt(1 - a^2) r / var  -  (sqrt(s2) a / sqrt(var)) F(soft_clip(r / sqrt(var)), t).
    The first term is the exact eps of the Gaussian; the MLP F adds the rest. F only ever sees
    inputs of unit scale (soft-clipped at +-6), so far from the data, where the true score is
    nearly linear, the network is the Gaussian's linear eps instead of an MLP extrapolating: a
    sampler step that overshoots is pulled back, not amplified.
    """

    def __init__(self, mean, var, dim=64, width=256, blocks=3, temb=128, dropout=0.0):
        super().__init__()
        self.register_buffer("mu", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("s2", torch.as_tensor(var, dtype=torch.float32))
        self.time = TimeEmbedding(width=temb)
        self.inp = nn.Linear(dim, width)
        self.blocks = nn.ModuleList([Block(width, temb, dropout) for _ in range(blocks)])
        self.out = nn.Linear(width, dim)
        self.act = nn.SiLU()

    def forward(self, x, t):
        a = torch.exp(-t).unsqueeze(1)
        a2 = a * a
        var = a2 * self.s2 + (1 - a2)
        sd = torch.sqrt(var)
        r = x - a * self.mu
        u = r / sd
        u = 6 * torch.tanh(u / 6)
        e = self.time(t)
        h = self.inp(u)
        for b in self.blocks:
            h = b(h, e)
        f = self.out(self.act(h))
        return torch.sqrt(1 - a2) * r / var - (torch.sqrt(self.s2) * a / sd) * f
class Classifier(nn.Module):
    def __init__(self, dim=64, hidden=256, features=64, classes=10, dropout=0.2):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(dim, hidden), nn.SiLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, features), nn.SiLU())
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(features, classes)

    def forward(self, x):
        f = self.body(x)
        return self.head(self.drop(f)), f


def save_npy_uint8(path, array):
    np.save(path, np.ascontiguousarray(array.astype(np.uint8)), allow_pickle=False)


def scale(pixels):
    return (pixels.astype(np.float32) / 8.0) - 1.0


def sample_t(n, gen):
    u = torch.rand(n, generator=gen)
    return torch.exp(math.log(T_MIN) + u * (math.log(T_MAX) - math.log(T_MIN)))


def noised(x0, t, eps):
    a = torch.exp(-t).unsqueeze(1)
    s = torch.sqrt(-torch.expm1(-2 * t)).unsqueeze(1)
    return a * x0 + s * eps


def train_eps(x_train, x_test, args, log):
    gen = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    mean = x_train.mean(axis=0)
    var = np.maximum(x_train.var(axis=0), 0.01)  # floored: some border pixels are always 0
    model = EpsNet(mean, var, dropout=args.dropout)
    ema = EpsNet(mean, var, dropout=args.dropout)
    ema.load_state_dict(model.state_dict())
    ema.eval()  # no dropout in the averaged network (it is only evaluated)
    for p in ema.parameters():
        p.requires_grad_(False)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    warmup = 500
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min(1.0, (k + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(k, args.steps) / args.steps)))
    xtr = torch.from_numpy(x_train)
    # A fixed held-out evaluation set: every test image at 8 log-spaced times, fixed noise.
    eval_gen = torch.Generator().manual_seed(12345)
    xte = torch.from_numpy(x_test).repeat(8, 1)
    t_eval = torch.exp(torch.linspace(math.log(T_MIN), math.log(T_MAX), 8)).repeat_interleave(len(x_test))
    eps_eval = torch.randn(xte.shape, generator=eval_gen)
    xt_eval = noised(xte, t_eval, eps_eval)
    xtr_eval = torch.from_numpy(x_train[: len(x_test)]).repeat(8, 1)
    eps_tr_eval = torch.randn(xtr_eval.shape, generator=eval_gen)
    xt_tr_eval = noised(xtr_eval, t_eval, eps_tr_eval)

    def eval_loss(net, xt, eps):
        with torch.no_grad():
            err = ((net(xt, t_eval) - eps) ** 2).mean(dim=1)
        per_t = err.view(8, -1).mean(dim=1)
        return float(err.mean()), [float(v) for v in per_t]

    curve = []
    running, count = 0.0, 0
    started = time.time()
    n = len(xtr)
    for step in range(1, args.steps + 1):
        idx = torch.randint(0, n, (args.batch,), generator=gen)
        x0 = xtr[idx]
        t = sample_t(args.batch, gen)
        eps = torch.randn(x0.shape, generator=gen)
        loss = ((model(noised(x0, t, eps), t) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        with torch.no_grad():
            decay = min(args.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        running += float(loss)
        count += 1
        if step % args.log_every == 0 or step == args.steps:
            held, held_per_t = eval_loss(ema, xt_eval, eps_eval)
            tr, _ = eval_loss(ema, xt_tr_eval, eps_tr_eval)
            row = {"step": step, "trainLoss": running / count, "emaTrainLoss": tr, "emaHeldOutLoss": held,
                   "emaHeldOutLossPerT": held_per_t, "seconds": time.time() - started}
            curve.append(row)
            log(f"  eps step {step:6d}  train {row['trainLoss']:.4f}  ema train {tr:.4f}  ema held-out {held:.4f}"
                f"  ({row['seconds']:.0f} s)")
            running, count = 0.0, 0
    return ema.eval(), curve, params, time.time() - started, [float(v) for v in t_eval.view(8, -1)[:, 0]]


def train_classifier(x_train, y_train, x_test, y_test, args, log):
    gen = torch.Generator().manual_seed(args.seed + 1)
    torch.manual_seed(args.seed + 1)
    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-3)
    xtr, ytr = torch.from_numpy(x_train), torch.from_numpy(y_train.astype(np.int64))
    xte, yte = torch.from_numpy(x_test), torch.from_numpy(y_test.astype(np.int64))
    steps, batch = args.classifier_steps, 128
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    started = time.time()
    for step in range(1, steps + 1):
        model.train()
        idx = torch.randint(0, len(xtr), (batch,), generator=gen)
        # Light pixel-noise augmentation so the features also behave on imperfect samples.
        x = xtr[idx] + 0.1 * torch.randn((batch, xtr.shape[1]), generator=gen)
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits, ytr[idx], label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 1000 == 0 or step == steps:
            model.eval()
            with torch.no_grad():
                acc = float((model(xte)[0].argmax(1) == yte).float().mean())
                tr_acc = float((model(xtr)[0].argmax(1) == ytr).float().mean())
            log(f"  classifier step {step:5d}  loss {float(loss):.4f}  train acc {tr_acc:.4f}  test acc {acc:.4f}")
    model.eval()
    with torch.no_grad():
        pred = model(xte)[0].argmax(1).numpy()
        train_acc = float((model(xtr)[0].argmax(1) == ytr).float().mean())
    confusion = np.zeros((10, 10), dtype=np.int64)
    for a, b in zip(y_test, pred):
        confusion[a, b] += 1
    return model, float((pred == y_test).mean()), train_acc, confusion, time.time() - started


class ClassifierExport(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)


def export(model, args_in, path, input_names, output_names):
    dynamic = {name: {0: "batch"} for name in input_names + output_names}
    torch.onnx.export(model, args_in, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic, opset_version=14, do_constant_folding=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--classifier-steps", type=int, default=6000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--log-every", type=int, default=1000)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--model-md-only", action="store_true",
                    help="no training: rewrite MODEL.md from the training-log.json in --out")
    args = ap.parse_args()
    if args.model_md_only:
        with open(os.path.join(args.out, "training-log.json")) as f:
            write_model_md(args.out, json.load(f))
        return

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    os.makedirs(os.path.join(args.out, "split"), exist_ok=True)
    lines = []

    def log(s):
        print(s, flush=True)
        lines.append(s)

    digits = load_digits()
    pixels, labels = digits.data.astype(np.uint8), digits.target.astype(np.uint8)
    px_tr, px_te, y_tr, y_te = train_test_split(pixels, labels, test_size=0.2, stratify=labels,
                                                random_state=args.split_seed)
    log(f"digits: {len(pixels)} images, split {len(px_tr)} train / {len(px_te)} held-out "
        f"(stratified, random_state={args.split_seed}); torch {torch.__version__}, {args.threads} threads")
    for name, arr in (("train-x", px_tr), ("train-y", y_tr), ("test-x", px_te), ("test-y", y_te)):
        save_npy_uint8(os.path.join(args.out, "split", name + ".npy"), arr)
    x_tr, x_te = scale(px_tr), scale(px_te)

    log(f"epsilon network: {args.steps} steps, batch {args.batch}, AdamW lr {args.lr} (cosine), EMA {args.ema}")
    eps_model, curve, eps_params, eps_seconds, eval_times = train_eps(x_tr, x_te, args, log)
    log(f"classifier: {args.classifier_steps} steps")
    clf, test_acc, train_acc, confusion, clf_seconds = train_classifier(x_tr, y_tr, x_te, y_te, args, log)
    clf_params = sum(p.numel() for p in clf.parameters())

    eps_path = os.path.join(args.out, "digits-eps.onnx")
    clf_path = os.path.join(args.out, "digits-classifier.onnx")
    export(eps_model, (torch.zeros(2, 64), torch.full((2,), 0.5)), eps_path, ["x", "t"], ["eps"])
    export(ClassifierExport(clf), (torch.zeros(2, 64),), clf_path, ["x"], ["logits", "features"])

    # Probe outputs for the jest test: torch's answers on fixed inputs. (torch.onnx.export put the
    # wrapper, and so clf, back in training mode: evaluation mode again, no dropout.)
    eps_model.eval()
    clf.eval()
    pg = torch.Generator().manual_seed(7)
    probe_x = torch.randn(4, 64, generator=pg)
    probe_t = torch.tensor([1e-3, 0.05, 0.7, 5.0])
    with torch.no_grad():
        probe_eps = eps_model(probe_x, probe_t)
        probe_logits, probe_feat = clf(torch.from_numpy(x_te[:4]))
    probe = {
        "eps": {"x": probe_x.flatten().tolist(), "t": probe_t.tolist(), "eps": probe_eps.flatten().tolist()},
        "classifier": {"x": x_te[:4].flatten().tolist(), "logits": probe_logits.flatten().tolist(),
                       "features": probe_feat.flatten().tolist(), "labels": y_te[:4].tolist()},
    }
    with open(os.path.join(args.out, "probe.json"), "w") as f:
        json.dump(probe, f)

    final = curve[-1]
    info = {
        "seed": args.seed, "splitSeed": args.split_seed, "torch": torch.__version__, "threads": args.threads,
        "train": len(px_tr), "heldOut": len(px_te), "tMin": T_MIN, "T": T_MAX,
        "eps": {"params": eps_params, "steps": args.steps, "batch": args.batch, "lr": args.lr, "ema": args.ema,
                "dropout": args.dropout, "weightDecay": args.weight_decay,
                "seconds": eps_seconds, "curve": curve, "evalTimes": eval_times,
                "bytes": os.path.getsize(eps_path)},
        "classifier": {"params": clf_params, "steps": args.classifier_steps, "testAccuracy": test_acc,
                       "trainAccuracy": train_acc, "seconds": clf_seconds, "confusion": confusion.tolist(),
                       "bytes": os.path.getsize(clf_path)},
        "log": lines,
    }
    with open(os.path.join(args.out, "training-log.json"), "w") as f:
        json.dump(info, f, indent=1)
    write_model_md(args.out, info)
    log(f"wrote {eps_path} ({info['eps']['bytes']} bytes), {clf_path} ({info['classifier']['bytes']} bytes); "
        f"eps training {eps_seconds:.0f} s, final ema held-out loss {final['emaHeldOutLoss']:.4f}; "
        f"classifier test accuracy {test_acc:.4f}")


def write_model_md(out, info):
    e, c = info["eps"], info["classifier"]
    curve_rows = "\n".join(
        f"| {r['step']} | {r['trainLoss']:.4f} | {r['emaTrainLoss']:.4f} | {r['emaHeldOutLoss']:.4f} | {r['seconds']:.0f} |"
        for r in e["curve"])
    per_t = " | ".join(f"{v:.3f}" for v in e["curve"][-1]["emaHeldOutLossPerT"])
    t_head = " | ".join(f"{t:.3g}" for t in e["evalTimes"])
    conf = "\n".join("| " + str(i) + " | " + " | ".join(str(v) for v in row) + " |" for i, row in enumerate(c["confusion"]))
    text = f"""# Digits models (generated by `train.py`; do not edit by hand)

Made by `python3 models/digits/train.py` (seed {info['seed']}, split seed {info['splitSeed']}, torch
{info['torch']} on the CPU, {info['threads']} threads). The script installs `python3-torch` and
`python3-sklearn` with apt-get when they are missing, and rewrites every file here, this one included.
The same seed on the same machine gives the same weights (deterministic algorithms, seeded
generators; two runs here gave byte-identical ONNX files); another CPU or torch version may differ
in the last bits. Timings were taken on a shared, busy 2-core machine.

## Data and split

scikit-learn's `load_digits` (the UCI "Optical Recognition of Handwritten Digits" test set, CC BY
4.0): 1,797 images of 8x8 = 64 pixels with integer values 0..16. Both networks take the pixels
scaled to **[-1, 1] by `x = pixel / 8 - 1`** (a flattened row-major 8x8 image, `dim = 64`).

Split: `train_test_split(test_size=0.2, stratify=labels, random_state={info['splitSeed']})`:
**{info['train']} training images, {info['heldOut']} held-out** (36 per class, 35 or 37 for a few
classes). The networks saw only the training split. The split is saved in `split/` as uint8 `.npy`
files (raw pixels 0..16 and labels 0..9): `train-x.npy` [{info['train']}, 64], `train-y.npy`,
`test-x.npy` [{info['heldOut']}, 64], `test-y.npy`.

## `digits-eps.onnx`: epsilon prediction ({e['bytes'] / 1e6:.2f} MB, {e['params']:,} parameters)

- Inputs `x` [N, 64] float32 (a noised image in the scale above) and `t` [N] float32: **this
  library's time t** (forward process `x_t = e^(-t) x_0 + sqrt(1 - e^(-2t)) eps`, rtk-math.md),
  not a DDPM timestep. Output `eps` [N, 64]. In JS:
  `onnxScore('models/digits/digits-eps.onnx', {{ kind: 'epsilon', dim: 64 }})` (time input `'t'`), whose
  score is `-eps / sqrt(1 - e^(-2t))`.
- **Trained time range: t in [{info['tMin']}, {info['T']}]**, sampled log-uniformly. Sample from
  `T = {info['T']}` down to `tEnd = {info['tMin']}` (baselines: `tMin = {info['tMin']}` and the final Tweedie
  denoise); times outside the range are extrapolation.
- Architecture: preconditioned around the diagonal Gaussian fitted to the training pixels
  (mean mu_i, variance s2_i floored at 0.01): with a = e^(-t), var = a^2 s2 + 1 - a^2 and
  r = x - a mu (per pixel), `eps = sqrt(1 - a^2) r / var - (sqrt(s2) a / sqrt(var)) F(u, t)` with
  `u = 6 tanh(r / sqrt(var) / 6)`. The first term is the Gaussian's exact eps (and the whole
  answer at large t); F, an MLP, adds the rest and only ever sees unit-scale inputs, so far from
  the data the network stays the Gaussian's linear eps instead of extrapolating (without this, a
  DDPM step that overshoots at small NFE was amplified step after step to |x| ~ 100).
  F: time embedding = Fourier features (16 frequencies, pi k u') of `u' = (ln t - mid) / half`
  (u' in [-1, 1] on the training range) and an MLP 33 -> 128 -> 128 (SiLU); `u` -> Linear 64 -> 256;
  3 residual blocks `h + W2 silu(W1 silu(h) + E e)` (width 256, W2 zero-initialised); SiLU; Linear
  256 -> 64. ONNX opset 14, dynamic batch.
- Training: denoising score matching, loss `mean ||eps_theta(x_t, t) - eps||^2`, t log-uniform on
  [{info['tMin']}, {info['T']}], batch {e['batch']}, {e['steps']:,} steps of AdamW (lr {e['lr']}, weight decay {e.get('weightDecay')},
  500 warm-up steps then cosine decay, gradient clip 1), dropout {e.get('dropout')} inside the residual blocks,
  EMA of the weights (decay {e['ema']}) exported. With 1,437 images the network overfits soon (the
  held-out loss rises while the training loss falls): the dropout, the weight decay and the short
  schedule keep that in check.
  **{e['seconds']:.0f} s on {info['threads']} CPU threads.**
- Loss curve (train = the running mean of the minibatch loss over the preceding interval; EMA
  columns = the exported EMA weights on a fixed set: {info['heldOut']} images x 8 log-spaced times with
  fixed noise, from the training split and from the held-out split):

| step | train loss | EMA, train images | EMA, held-out images | seconds |
| --- | --- | --- | --- | --- |
{curve_rows}

  **Final held-out loss {e['curve'][-1]['emaHeldOutLoss']:.4f}** (train images {e['curve'][-1]['emaTrainLoss']:.4f}). By time (held-out):

| t | {t_head} |
| --- | {' | '.join('---' for _ in e['evalTimes'])} |
| loss | {per_t} |

  The loss is large at small t (eps is nearly unpredictable when the noise is small against the
  pixel quantisation) and small at large t (x_t is nearly eps there).

## `digits-classifier.onnx`: classifier and feature extractor ({c['bytes'] / 1e3:.0f} kB, {c['params']:,} parameters)

- Input `x` [N, 64] float32 (same scale); outputs `logits` [N, 10] and `features` [N, 64], the
  penultimate layer (after its SiLU) used for the Frechet distance in `bench/digits.js`.
- MLP 64 -> 256 -> 64 -> 10 with SiLU and dropout 0.2 (off in the export); AdamW (lr 1e-3,
  weight decay 1e-3, cosine), {c['steps']:,} steps of batch 128, label smoothing 0.05, Gaussian pixel
  noise (std 0.1) as augmentation; {c['seconds']:.0f} s.
- **Held-out accuracy {100 * c['testAccuracy']:.2f}%** ({round(c['testAccuracy'] * info['heldOut'])}/{info['heldOut']}); training accuracy
  {100 * c['trainAccuracy']:.2f}%. Confusion matrix on the held-out split (rows true, columns predicted):

| | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{conf}

## Other files

- `probe.json`: torch's outputs on fixed inputs (4 random rows at t = 1e-3, 0.05, 0.7, 5 for the
  eps network; the first 4 held-out images for the classifier); `test/lib/onnx-score.test.ts`
  checks onnxruntime against them.
- `training-log.json`: every number above and the full log.
"""
    with open(os.path.join(out, "MODEL.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
