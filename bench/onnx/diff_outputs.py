#!/usr/bin/python3
"""Compares two engines' outputs: coreinfer's (DIR_A/<name>.pb, from `coreinfer run --output-dir`)
against ONNX Runtime's (DIR_B/<name>.npy, from `ort_bench.js --output-dir`).

Prints one line per output: name, shape, max |a - b|, max |b| and their ratio; exits 1 if an
output is missing or the shapes differ.
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load(folder, name, ext):
    path = os.path.join(folder, name + ext)
    if not os.path.exists(path):
        return None
    if ext == ".npy":
        return np.load(path)
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def main():
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} COREINFER_OUTPUT_DIR ORT_OUTPUT_DIR")
    dir_a, dir_b = sys.argv[1:]
    names = sorted(f[:-4] for f in os.listdir(dir_b) if f.endswith(".npy"))
    if not names:
        sys.exit(f"no .npy outputs in {dir_b}")
    ok = True
    for name in names:
        b = load(dir_b, name, ".npy")
        a = load(dir_a, name, ".pb")
        if a is None:
            print(f"{name}: missing from {dir_a}")
            ok = False
            continue
        if a.shape != b.shape:
            print(f"{name}: shape {list(a.shape)} vs {list(b.shape)}")
            ok = False
            continue
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        diff = float(np.abs(a64 - b64).max()) if b.size else 0.0
        ref = float(np.abs(b64).max()) if b.size else 0.0
        print(f"{name} {list(a.shape)}: max_abs_diff {diff:.3g} max_abs_ref {ref:.3g} "
              f"diff/ref {diff / ref if ref else 0.0:.3g}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
