#!/usr/bin/env python3
"""Convert pytorch-fid's FID Inception weights to a TensorFlow.js weights folder.

Usage (needs Python 3 with torch and numpy; internet only to fetch the .pth once):

    wget https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
    /usr/bin/python3 scripts/convert_inception/convert.py pt_inception-2015-12-05-6726825d.pth ~/.anime-gan/inception
    export ANIME_GAN_INCEPTION_DIR=~/.anime-gan/inception   # or pass --inception-dir / {dir} to getExtractor

Those weights are the TensorFlow FID graph (inception-2015-12-05) ported to PyTorch by
pytorch-fid. The output folder holds `weights_manifest.json` (TF.js weights-manifest format)
and `group1-shardNofM.bin` files, float32 little-endian. Tensor names are the PyTorch
state-dict keys; layouts are converted to TensorFlow's: conv kernels OIHW -> HWIO
([kh, kw, in, out]), the fc matrix [1008, 2048] -> [2048, 1008]; BatchNorm vectors unchanged.
`num_batches_tracked` counters are dropped. The state dict is first loaded strictly into
fid_inception.FIDInceptionV3, so a file with missing, extra or misshapen tensors is refused.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fid_inception import FIDInceptionV3  # noqa: E402

SHARD_BYTES = 4 * 1024 * 1024


def load_state_dict(path):
    sd = torch.load(path, map_location="cpu")
    if isinstance(sd, dict) and "state_dict" in sd:
        sd = sd["state_dict"]
    sd = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    FIDInceptionV3().load_state_dict(sd, strict=False)  # shape check
    missing = set(k for k in FIDInceptionV3().state_dict() if not k.endswith("num_batches_tracked")) - set(sd)
    extra = set(sd) - set(FIDInceptionV3().state_dict())
    if missing or extra:
        raise SystemExit(f"not an FID Inception state dict: missing {sorted(missing)[:5]}, unexpected {sorted(extra)[:5]}")
    return sd


def to_tfjs_layout(name, t):
    a = t.detach().cpu().numpy().astype(np.float32)
    if a.ndim == 4:  # conv OIHW -> HWIO
        a = a.transpose(2, 3, 1, 0)
    elif name == "fc.weight":  # [out, in] -> [in, out]
        a = a.T
    return np.ascontiguousarray(a)


def write_tfjs_weights(sd, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    specs, blobs = [], []
    for name in sorted(sd):
        a = to_tfjs_layout(name, sd[name])
        specs.append({"name": name, "shape": list(a.shape), "dtype": "float32"})
        blobs.append(a.astype("<f4").tobytes())
    data = b"".join(blobs)
    n = max(1, (len(data) + SHARD_BYTES - 1) // SHARD_BYTES)
    paths = []
    for i in range(n):
        p = f"group1-shard{i + 1}of{n}.bin"
        with open(os.path.join(out_dir, p), "wb") as f:
            f.write(data[i * SHARD_BYTES:(i + 1) * SHARD_BYTES])
        paths.append(p)
    manifest = [{"paths": paths, "weights": specs}]
    tmp = os.path.join(out_dir, "weights_manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f)
    os.replace(tmp, os.path.join(out_dir, "weights_manifest.json"))
    return len(specs), len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pth", help="pytorch-fid's pt_inception-2015-12-05-*.pth (or any state dict of the same network)")
    ap.add_argument("out_dir", help="folder to write weights_manifest.json and shards into")
    a = ap.parse_args()
    count, nbytes = write_tfjs_weights(load_state_dict(a.pth), a.out_dir)
    print(f"wrote {count} tensors ({nbytes / 1e6:.1f} MB) to {a.out_dir}")


if __name__ == "__main__":
    main()
