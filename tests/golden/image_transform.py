#!/usr/bin/python3
"""Golden image_transform geometry (design/showo.md §6.1) from PIL and torchvision's rules.

A random 8-bit RGB image (23×37, then its transpose) is resized with PIL's BICUBIC so that the
shorter side is R (the longer ⌊R·long/short⌋, as torchvision's Resize(int)), then centre-cropped
at int(round((h − R)/2)), int(round((w − R)/2)) (torchvision's CenterCrop, Python's round).
Writes image_transform.json: the input and the cropped 8-bit results per R.

Usage (/usr/bin/python3 with Debian's python3-pil and python3-numpy):
  image_transform.py --out DIR
"""

import argparse
import json
import os

import numpy as np
from PIL import Image


def transform(a, R):
    h0, w0 = a.shape[:2]
    nw, nh = (R, int(R * h0 / w0)) if w0 <= h0 else (int(R * w0 / h0), R)
    r = np.asarray(Image.fromarray(a).resize((nw, nh), Image.BICUBIC))
    top, left = int(round((nh - R) / 2.0)), int(round((nw - R) / 2.0))
    return r[top:top + R, left:left + R]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    rng = np.random.default_rng(20240815)
    cases = []
    for shape in [(23, 37, 3), (37, 23, 3)]:
        a = rng.integers(0, 256, shape).astype(np.uint8)
        cases.append({"image": a.tolist(), "out": {str(R): transform(a, R).tolist() for R in (16, 10, 24)}})
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "image_transform.json"), "w") as fh:
        json.dump({"about": "PIL BICUBIC resize of the shorter side + torchvision centre crop, by tests/golden/image_transform.py", "cases": cases}, fh)
        fh.write("\n")


if __name__ == "__main__":
    main()
