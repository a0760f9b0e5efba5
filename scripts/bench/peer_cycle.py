#!/usr/bin/env python3
"""Peer throughput for one training step of the paper's proposed model (PyTorch on the CPU).

The model of §4.2 as the workbook reads it (docs/paper-reading.md; lib/models/resnetGenerator.ts, patchgan.ts): two ResNet-18-based
generators G: A->B and F: B->A (stem conv7-IN-ReLU-maxpool, four residual layers of two blocks,
each block Conv3-IN-ReLU-Conv3-IN, concatenated with the layer input, fused by a 1x1 conv + IN,
ResNet shortcut; a top-down decoder with 1x1 lateral convs and additive skips, two 1x1 convs,
bilinear x2, conv7, tanh) and two 70x70 PatchGAN critics (4x4/2, 4x4/1, 3x3/2, 3x3/1, 3x3/2,
3x3/1, then 4x4/1 to one channel; instance norm without affine after all but the first;
LeakyReLU 0.2). Loss: Wasserstein (eq. 8) for both pairs + lambda * cycle L1 (eq. 9), weight
clipping of the critics (or, with --gp W, a gradient penalty of weight W on random interpolates,
as WGAN-GP and the workbook's quick preset), Adam(--lr, 0.5). One generator step, then one critic
step on the detached fakes, as a PyTorch user would write it. Prints one JSON line.

Setup on Debian: apt-get install -y python3-torch libopenblas0-pthread
Usage: /usr/bin/python3 peer_cycle.py [--size 64] [--batch 8] [--ngf 64] [--ndf 64] [--steps 5] [--warmup 1] [--gp 10] [--lr 1e-3]
"""
import argparse, json, os, time
import torch
import torch.nn as nn
import torch.nn.functional as Fn

p = argparse.ArgumentParser()
p.add_argument("--size", type=int, default=64)
p.add_argument("--batch", type=int, default=8)
p.add_argument("--ngf", type=int, default=64)
p.add_argument("--ndf", type=int, default=64)
p.add_argument("--steps", type=int, default=5)
p.add_argument("--warmup", type=int, default=1, help="untimed steps first (the workbook's benchmark gives ours)")
p.add_argument("--threads", type=int, default=os.cpu_count())
p.add_argument("--lam", type=float, default=10.0)
p.add_argument("--gp", type=float, default=0.0, help="gradient-penalty weight; 0: weight clipping")
p.add_argument("--lr", type=float, default=2e-4)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


def conv(cin, cout, k, s=1, bias=False):
    return nn.Conv2d(cin, cout, k, s, padding=k // 2 if k % 2 else 0, bias=bias)


class Block(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.proj = None
        if stride != 1 or cin != width:
            self.proj = nn.Sequential(conv(cin, width, 1, stride), nn.InstanceNorm2d(width, affine=True))
        self.body = nn.Sequential(conv(cin, width, 3, stride), nn.InstanceNorm2d(width, affine=True), nn.ReLU(True),
                                  conv(width, width, 3), nn.InstanceNorm2d(width, affine=True))
        self.fuse = nn.Sequential(conv(2 * width, width, 1), nn.InstanceNorm2d(width, affine=True))

    def forward(self, x, context):
        shortcut = self.proj(x) if self.proj is not None else x
        if self.proj is not None:
            context = shortcut
        y = self.fuse(torch.cat([self.body(x), context], 1))
        return Fn.relu(y + shortcut), context


class Layer(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.b1, self.b2 = Block(cin, width, stride), Block(width, width, 1)

    def forward(self, x):
        y, ctx = self.b1(x, x)
        y, _ = self.b2(y, ctx)
        return y


class ResnetGenerator(nn.Module):
    def __init__(self, ngf):
        super().__init__()
        dw = 2 * ngf
        self.stem = nn.Sequential(conv(3, ngf, 7), nn.InstanceNorm2d(ngf, affine=True), nn.ReLU(True),
                                  nn.MaxPool2d(3, 2, 1))
        self.l1, self.l2 = Layer(ngf, ngf, 1), Layer(ngf, 2 * ngf, 2)
        self.l3, self.l4 = Layer(2 * ngf, 4 * ngf, 2), Layer(4 * ngf, 8 * ngf, 2)
        self.top = conv(8 * ngf, dw, 1, bias=True)
        self.lat = nn.ModuleList([conv(c, dw, 1, bias=True) for c in (4 * ngf, 2 * ngf, ngf)])
        self.head = nn.Sequential(conv(dw, dw, 1), nn.InstanceNorm2d(dw, affine=True), nn.ReLU(True),
                                  conv(dw, ngf, 1), nn.InstanceNorm2d(ngf, affine=True), nn.ReLU(True))
        self.out = conv(ngf, 3, 7, bias=True)

    def forward(self, x):
        r1 = self.l1(self.stem(x)); r2 = self.l2(r1); r3 = self.l3(r2); r4 = self.l4(r3)
        d = self.top(r4)
        for lat, r in zip(self.lat, (r3, r2, r1)):
            d = Fn.interpolate(d, scale_factor=2, mode="nearest") + lat(r)
        d = Fn.interpolate(self.head(d), scale_factor=2, mode="bilinear", align_corners=False)
        return torch.tanh(self.out(d))


def patchgan(ndf):
    body = [(4, 2, 1), (4, 1, 1), (3, 2, 2), (3, 1, 2), (3, 2, 4), (3, 1, 4)]
    layers, cin = [], 3
    for i, (k, s, m) in enumerate(body):
        # 'same' padding as the workbook (TensorFlow's rule): pad so that out = ceil(in / s).
        layers += [nn.ZeroPad2d(((k - 1) // 2, k // 2, (k - 1) // 2, k // 2)) if s == 1 else
                   nn.ZeroPad2d((max(k - 2, 0) // 2, (max(k - 2, 0) + 1) // 2, max(k - 2, 0) // 2, (max(k - 2, 0) + 1) // 2)),
                   nn.Conv2d(cin, ndf * m, k, s, bias=(i == 0))]
        if i > 0:
            layers.append(nn.InstanceNorm2d(ndf * m, affine=False))
        layers.append(nn.LeakyReLU(0.2, True))
        cin = ndf * m
    layers += [nn.ZeroPad2d((1, 2, 1, 2)), nn.Conv2d(cin, 1, 4, 1, bias=True)]
    return nn.Sequential(*layers)


G, F = ResnetGenerator(a.ngf), ResnetGenerator(a.ngf)
Dx, Dy = patchgan(a.ndf), patchgan(a.ndf)
optG = torch.optim.Adam(list(G.parameters()) + list(F.parameters()), a.lr, betas=(0.5, 0.999))
optD = torch.optim.Adam(list(Dx.parameters()) + list(Dy.parameters()), a.lr, betas=(0.5, 0.999))
A = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1
B = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1


def penalty(D, real, fake):
    # Gulrajani et al.: (||d D(x^) / d x^|| - 1)^2 on random interpolates, differentiable (create_graph).
    eps = torch.rand(real.size(0), 1, 1, 1)
    xh = (eps * real + (1 - eps) * fake).requires_grad_(True)
    g, = torch.autograd.grad(D(xh).sum(), xh, create_graph=True)
    return a.gp * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()


def step():
    optG.zero_grad()
    fakeB, fakeA = G(A), F(B)
    adv = -Dy(fakeB).mean() - Dx(fakeA).mean()
    cyc = (F(fakeB) - A).abs().mean() + (G(fakeA) - B).abs().mean()
    (adv + a.lam * cyc).backward()
    optG.step()
    optD.zero_grad()
    fB, fA = fakeB.detach(), fakeA.detach()
    lossD = (Dy(fB).mean() - Dy(B).mean()) + (Dx(fA).mean() - Dx(A).mean())
    if a.gp > 0:
        lossD = lossD + penalty(Dy, B, fB) + penalty(Dx, A, fA)
    lossD.backward()
    optD.step()
    if a.gp == 0:
        with torch.no_grad():
            for p_ in list(Dx.parameters()) + list(Dy.parameters()):
                p_.clamp_(-0.01, 0.01)


for _ in range(a.warmup):
    step()
# Each step timed (the workbook's benchmark pools them over rounds and takes the median).
step_ms = []
for _ in range(a.steps):
    t = time.perf_counter()
    step()
    step_ms.append((time.perf_counter() - t) * 1000)
dt = sum(step_ms) / a.steps / 1000
nparams = sum(p_.numel() for p_ in G.parameters())
print(json.dumps({"peer": "pytorch-cpu", "model": "proposed-cycle", "torch": torch.__version__,
                  "threads": torch.get_num_threads(), "size": a.size, "batch": a.batch, "ngf": a.ngf, "ndf": a.ndf,
                  "generator_params": nparams, "gp": a.gp, "ms_per_step": round(dt * 1000, 1),
                  "warmup_steps": a.warmup, "step_ms": [round(x, 1) for x in step_ms], "images_per_s": round(a.batch / dt, 2)}))
