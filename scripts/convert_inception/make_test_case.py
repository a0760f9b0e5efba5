#!/usr/bin/env python3
"""Make a test case for the TF.js FID Inception port (test/metrics/extractors/inceptionV3Fid.test.ts).

No real weights can be downloaded in CI, so this script:
  1. initialises fid_inception.FIDInceptionV3 with random weights (seeded; BatchNorm statistics
     randomised too, so that folding them is exercised) and saves them as a .pth state dict,
  2. converts that .pth with convert.py (the same path users take with pytorch-fid's file),
  3. draws N seeded images NHWC in [-1, 1] of SIZE x SIZE and runs pytorch-fid's pipeline
     ((x+1)/2 -> bilinear align_corners=False to 299 -> 2x-1 -> pool3) and the IS softmax,
  4. writes inputs.bin, pool3.bin, probs.bin (float32 little-endian) and case.json.

Usage: /usr/bin/python3 scripts/convert_inception/make_test_case.py OUT_DIR [--n 2] [--size 96] [--seed 0]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fid_inception import FIDInceptionV3  # noqa: E402
from convert import load_state_dict, write_tfjs_weights  # noqa: E402


def random_model(seed):
    torch.manual_seed(seed)
    m = FIDInceptionV3()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            elif isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 2.0)
            elif isinstance(mod, torch.nn.Linear):
                torch.nn.init.normal_(mod.weight, std=0.05)
                torch.nn.init.normal_(mod.bias, std=0.05)
    return m.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    torch.set_num_threads(1)

    pth = os.path.join(a.out_dir, "random_fid_inception.pth")
    torch.save(random_model(a.seed).state_dict(), pth)
    weights_dir = os.path.join(a.out_dir, "tfjs")
    sd = load_state_dict(pth)
    write_tfjs_weights(sd, weights_dir)
    model = FIDInceptionV3().eval()
    model.load_state_dict(sd, strict=False)

    g = torch.Generator().manual_seed(a.seed + 1)
    # Smooth-ish images: low-resolution noise upsampled, so the resize matters but is not trivial.
    low = torch.rand(a.n, 3, 12, 12, generator=g) * 2 - 1
    imgs = F_interp(low, a.size).clamp(-1, 1)
    imgs = (imgs + 0.1 * (torch.rand(imgs.shape, generator=g) * 2 - 1)).clamp(-1, 1)
    with torch.no_grad():
        pool3 = model.pool3((imgs + 1) / 2)
        probs = model.probs(pool3)
    nhwc = imgs.permute(0, 2, 3, 1).contiguous().numpy().astype("<f4")
    nhwc.tofile(os.path.join(a.out_dir, "inputs.bin"))
    pool3.numpy().astype("<f4").tofile(os.path.join(a.out_dir, "pool3.bin"))
    probs.numpy().astype("<f4").tofile(os.path.join(a.out_dir, "probs.bin"))
    with open(os.path.join(a.out_dir, "case.json"), "w") as f:
        json.dump({"n": a.n, "size": a.size, "seed": a.seed, "dim": 2048, "classes": 1008,
                   "weights_dir": "tfjs", "torch": torch.__version__}, f)
    print(f"test case in {a.out_dir}: {a.n} images {a.size}x{a.size}, pool3 mean {pool3.mean():.4f} std {pool3.std():.4f}")


def F_interp(x, size):
    return torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


if __name__ == "__main__":
    main()
