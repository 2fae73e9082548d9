#!/usr/bin/python3
"""Golden image_transform geometry (design/showo.md §6.1) from PIL and torchvision's rules.

A random 8-bit RGB image (23×37, then its transpose) is resized with PIL's BICUBIC so that the
shorter side is R (the longer ⌊R·long/short⌋, as torchvision's Resize(int)), then centre-cropped
at int(round((h − R)/2)), int(round((w − R)/2)) (torchvision's CenterCrop, Python's round).
Writes image_transform.json: the input and the cropped 8-bit results per R.

Usage (/usr/bin/python3 with Debian's python3-pil and python3-numpy):
  image_transform.py --out DIR     write image_transform.json into DIR
  image_transform.py --check DIR   regenerate and compare with DIR/image_transform.json byte for byte
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np
from PIL import Image


def transform(a, R):
    h0, w0 = a.shape[:2]
    nw, nh = (R, int(R * h0 / w0)) if w0 <= h0 else (int(R * w0 / h0), R)
    r = np.asarray(Image.fromarray(a).resize((nw, nh), Image.BICUBIC))
    top, left = int(round((nh - R) / 2.0)), int(round((nw - R) / 2.0))
    return r[top:top + R, left:left + R]


FILE = "image_transform.json"


def generate(folder):
    rng = np.random.default_rng(20240815)
    cases = []
    for shape in [(23, 37, 3), (37, 23, 3)]:
        a = rng.integers(0, 256, shape).astype(np.uint8)
        cases.append({"image": a.tolist(), "out": {str(R): transform(a, R).tolist() for R in (16, 10, 24)}})
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, FILE), "w") as fh:
        json.dump({"about": "PIL BICUBIC resize of the shorter side + torchvision centre crop, by tests/golden/image_transform.py", "cases": cases}, fh)
        fh.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="write image_transform.json into this folder")
    g.add_argument("--check", help="regenerate and compare with this folder's image_transform.json")
    a = ap.parse_args()
    if a.out:
        generate(a.out)
        print(f"wrote {os.path.join(a.out, FILE)}")
        return 0
    tmp = tempfile.mkdtemp(prefix="showo-image-transform-golden-")
    generate(tmp)
    with open(os.path.join(tmp, FILE), "rb") as f1, open(os.path.join(a.check, FILE), "rb") as f2:
        same = f1.read() == f2.read()
    if not same:
        print(f"{os.path.join(a.check, FILE)} does not reproduce; the regenerated file is in {tmp}", file=sys.stderr)
        return 1
    os.remove(os.path.join(tmp, FILE))
    os.rmdir(tmp)
    print(f"golden image_transform reproduces byte for byte: {os.path.join(a.check, FILE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
