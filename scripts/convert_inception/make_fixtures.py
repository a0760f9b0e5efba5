#!/usr/bin/env python3
"""Write test/fixtures/extractors/fid_inception_ops.json: small reference outputs of the two
operations where FID's Inception differs from a naive port, computed with PyTorch:

- pytorch-fid's resize: F.interpolate(mode="bilinear", align_corners=False), up and down;
- the FID blocks' pool branch: avg_pool2d(3, stride 1, padding 1, count_include_pad=False)
  and Mixed_7c's max_pool2d(3, stride 1, padding 1).

Inputs and outputs are NHWC nested lists. Usage: /usr/bin/python3 scripts/convert_inception/make_fixtures.py
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "extractors", "fid_inception_ops.json")


def nhwc(t):
    return [[[[round(float(v), 7) for v in px] for px in row] for row in img] for img in t.permute(0, 2, 3, 1).tolist()]


def main():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, 2, 5, 7, generator=g) * 2 - 1  # NCHW
    cases = {"input": nhwc(x)}
    cases["resize_up_11x13"] = nhwc(F.interpolate(x, size=(11, 13), mode="bilinear", align_corners=False))
    cases["resize_down_3x4"] = nhwc(F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=False))
    cases["avg_pool_3_s1_p1_exclude_pad"] = nhwc(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
    cases["max_pool_3_s1_p1"] = nhwc(F.max_pool2d(x, 3, stride=1, padding=1))
    cases["torch"] = torch.__version__
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(cases, f)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
