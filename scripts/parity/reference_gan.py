#!/usr/bin/env python3
"""PyTorch reference for `anime-gan parity`: DCGAN or WGAN (weight clipping), trained as the
workbook trains them, so the two can be compared on the same images.

The architecture mirrors lib/models/dcgan.ts and lib/models/wgan.ts layer for layer:
  generator: ConvTranspose2d(nz, ngf*2^(n-1), start, 1, 0) - BN - ReLU, then n-1 times
             ConvTranspose2d(4, 2, 1) halving the width - BN - ReLU, then ConvTranspose2d(ch, 3, 4, 2, 1) - Tanh;
  critic:    n times Conv2d(4, 2, 1) doubling the width from ndf, batch norm on all but the first,
             LeakyReLU(0.2), then Conv2d(ch, 1, start, 1, 0) - Flatten (a logit / a critic score);
  no biases; conv weights ~ N(0, 0.02), batch-norm weight ~ N(1, 0.02), bias 0; BN eps 1e-5,
  momentum 0.1. n and start come from the image size exactly as dcganLayout does (32: n 3,
  start 4x4; 64: n 4, start 4x4; 96: start 3x3).
Training mirrors lib/train/recipes: DCGAN takes one discriminator step (BCE with logits on real and
G(z)) then one generator step with the non-saturating loss on the same G(z), as PyTorch's DCGAN
example; WGAN takes n_critic critic steps (mean f(G(z)) - mean f(x), each on a fresh real batch
and fresh noise, weights clipped to +-c after each step) then one generator step on fresh noise.
Batches: each epoch a seeded permutation of the training images, the short last batch dropped.
Samples come from the generator in eval mode (batch-norm running statistics), as the workbook's.

Optimisers are PyTorch's own (the reference users trust): Adam(lr, betas, eps 1e-8); RMSprop(lr,
alpha 0.99, eps 1e-8), which adds eps outside the square root where TensorFlow.js adds it inside.

Input: a .npy of uint8 images [N, H, W, 3] (written by the workbook, so both read identical
pixels) and the workbook's TrainConfig as JSON. Output in --out: samples.npy (uint8 [n, H, W, 3])
and result.json (training seconds, images/s, last losses, torch version, threads).

Needs Debian's python3-torch and python3-numpy. Usage:
  /usr/bin/python3 reference_gan.py --config config.json --data train.npy --out DIR --samples 1000
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--config", required=True, help="the workbook's TrainConfig (JSON)")
p.add_argument("--data", required=True, help="uint8 images [N, H, W, 3] (.npy)")
p.add_argument("--out", required=True)
p.add_argument("--samples", type=int, default=1000)
p.add_argument("--sample-seed", type=int, default=None, help="noise seed of the samples (default: the config's seed + 1000)")
p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: every CPU, as the throughput peer)")
a = p.parse_args()
cfg = json.load(open(a.config))
if a.threads > 0:
    torch.set_num_threads(a.threads)
model = cfg["model"]
if model not in ("dcgan", "wgan"):
    sys.exit(f"reference_gan.py: model {model!r} is not dcgan or wgan")
H, W = cfg["size"]
nz, ngf, ndf, batch, steps, seed = cfg["nz"], cfg["ngf"], cfg["ndf"], cfg["batch"], cfg["steps"], cfg["seed"]
torch.manual_seed(seed)
np.random.seed(seed)


def layout(h, w):
    """dcganLayout: the most doublings with H, W divisible and a start map of at least 3."""
    n = 0
    while h % 2 ** (n + 1) == 0 and w % 2 ** (n + 1) == 0 and min(h, w) / 2 ** (n + 1) >= 3:
        n += 1
    if n < 1:
        sys.exit(f"reference_gan.py: size {h}x{w} has no DCGAN layout")
    return n, (h // 2 ** n, w // 2 ** n)


n, start = layout(H, W)


def generator():
    ch = ngf * 2 ** (n - 1)
    layers = [nn.ConvTranspose2d(nz, ch, start, 1, 0, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True)]
    for _ in range(1, n):
        layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
        ch //= 2
    layers += [nn.ConvTranspose2d(ch, 3, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def critic():
    layers, cin, ch = [], 3, ndf
    for i in range(n):
        layers.append(nn.Conv2d(cin, ch, 4, 2, 1, bias=False))
        if i > 0:
            layers.append(nn.BatchNorm2d(ch))
        layers.append(nn.LeakyReLU(0.2, True))
        cin, ch = ch, ch * 2
    layers += [nn.Conv2d(cin, 1, start, 1, 0, bias=False), nn.Flatten()]
    return nn.Sequential(*layers)


def dcgan_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def optimizer(params, c):
    if c["name"] == "adam":
        return torch.optim.Adam(params, c["lr"], betas=(c.get("beta1", 0.9), c.get("beta2", 0.999)), eps=1e-8)
    if c["name"] == "rmsprop":
        return torch.optim.RMSprop(params, c["lr"], alpha=0.99, eps=1e-8, momentum=c.get("momentum", 0) or 0)
    if c["name"] == "sgd":
        return torch.optim.SGD(params, c["lr"], momentum=c.get("momentum", 0) or 0)
    sys.exit(f"reference_gan.py: unknown optimizer {c['name']!r}")


G, D = generator(), critic()
G.apply(dcgan_init)
D.apply(dcgan_init)
optG, optD = optimizer(G.parameters(), cfg["optimizerG"]), optimizer(D.parameters(), cfg["optimizerD"])

images = np.load(a.data)
if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (H, W, 3):
    sys.exit(f"reference_gan.py: {a.data} holds {images.dtype} {images.shape}, expected uint8 [N, {H}, {W}, 3]")
data = torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0).contiguous()
per_epoch = data.shape[0] // batch
if per_epoch < 1:
    sys.exit(f"reference_gan.py: {data.shape[0]} images are fewer than one batch of {batch}")
shuffle = torch.Generator().manual_seed(seed)
state = {"perm": None, "drawn": 0}


def next_batch():
    pos = state["drawn"] % per_epoch
    if pos == 0:
        state["perm"] = torch.randperm(data.shape[0], generator=shuffle)
    state["drawn"] += 1
    return data[state["perm"][pos * batch:(pos + 1) * batch]]


bce = nn.BCEWithLogitsLoss()
n_critic, clip = cfg.get("nCritic", 5), cfg.get("clip", 0.01)


def dcgan_step():
    real = next_batch()
    fake = G(torch.randn(batch, nz, 1, 1))
    optD.zero_grad(set_to_none=True)
    lr_, lf = D(real), D(fake.detach())
    d_loss = bce(lr_, torch.ones_like(lr_)) + bce(lf, torch.zeros_like(lf))
    d_loss.backward()
    optD.step()
    optG.zero_grad(set_to_none=True)
    lf = D(fake)
    g_loss = bce(lf, torch.ones_like(lf))
    g_loss.backward()
    optG.step()
    return {"d_loss": d_loss.item(), "g_loss": g_loss.item()}


def wgan_step():
    for _ in range(n_critic):
        real = next_batch()
        with torch.no_grad():
            fake = G(torch.randn(batch, nz, 1, 1))
        optD.zero_grad(set_to_none=True)
        d_loss = D(fake).mean() - D(real).mean()
        d_loss.backward()
        optD.step()
        with torch.no_grad():
            for q in D.parameters():
                q.clamp_(-clip, clip)
    optG.zero_grad(set_to_none=True)
    g_loss = -D(G(torch.randn(batch, nz, 1, 1))).mean()
    g_loss.backward()
    optG.step()
    return {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "w_estimate": -d_loss.item()}


step = dcgan_step if model == "dcgan" else wgan_step
G.train()
D.train()
t0 = time.perf_counter()
losses = {}
report = max(1, steps // 10)
for s in range(steps):
    losses = step()
    if not all(math.isfinite(v) for v in losses.values()):
        sys.exit(f"reference_gan.py: a loss became {losses} at step {s + 1}: training diverged")
    if (s + 1) % report == 0 or s + 1 == steps:
        el = time.perf_counter() - t0
        print(f"reference {model}: step {s + 1}/{steps}, {el:.1f} s, " + ", ".join(f"{k} {v:.4f}" for k, v in losses.items()), file=sys.stderr, flush=True)
seconds = time.perf_counter() - t0

G.eval()
torch.manual_seed(a.sample_seed if a.sample_seed is not None else seed + 1000)
out = []
with torch.no_grad():
    for s in range(0, a.samples, 100):
        x = G(torch.randn(min(100, a.samples - s), nz, 1, 1))
        out.append(x.clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy())
os.makedirs(a.out, exist_ok=True)
samples = np.concatenate(out, 0) if out else np.zeros((0, H, W, 3), np.uint8)
tmp = os.path.join(a.out, f"samples.tmp-{os.getpid()}.npy")
np.save(tmp, samples)
os.replace(tmp, os.path.join(a.out, "samples.npy"))
images_per_step = batch * (n_critic if model == "wgan" else 1)
result = {"reference": "pytorch-cpu", "torch": torch.__version__, "threads": torch.get_num_threads(), "model": model,
          "steps": steps, "seconds": seconds, "images_per_s": steps * images_per_step / seconds if seconds > 0 else 0,
          "last_losses": losses, "samples": int(samples.shape[0]),
          "parameters": {"generator": sum(q.numel() for q in G.parameters()), "critic": sum(q.numel() for q in D.parameters())}}
tmp = os.path.join(a.out, f"result.tmp-{os.getpid()}.json")
with open(tmp, "w") as f:
    json.dump(result, f, indent=2)
os.replace(tmp, os.path.join(a.out, "result.json"))
print(json.dumps(result))
