"""A port of two kernels in NumPy float32, written for `9ml check-port
--kernel`'s test (docs/CHECK_PORT.md, "Kernels"): it reads the case's
inputs from INPUTS/NAME.npy (and INPUTS/case.json) and writes OUTPUTS/out0.npy.

    kernel_port.py [--naive] KERNEL INPUTS OUTPUTS

--naive is the classic mistake: softmax without subtracting the maximum
first (exp overflows to inf on large inputs), rmsnorm without its epsilon.
"""
import json
import os
import sys

import numpy as np

args = sys.argv[1:]
naive = args[0] == "--naive"
if naive:
    args = args[1:]
kernel, inputs, outputs = args
case = json.load(open(os.path.join(inputs, "case.json")))


def load(name):
    return np.load(os.path.join(inputs, name + ".npy"))


with np.errstate(all="ignore"):
    if kernel == "softmax":
        x = load("x").astype(np.float32)
        e = np.exp(x if naive else x - x.max())
        out = (e / e.sum(dtype=np.float32)).astype(np.float32)
    elif kernel == "rmsnorm":
        x, w = load("x").astype(np.float32), load("w").astype(np.float32)
        eps = np.float32(0 if naive else float(case["params"].get("eps", "1e-5")))
        ss = np.float32((x * x).sum(dtype=np.float32) / np.float32(x.size)) + eps
        out = (w * (np.float32(1) / np.sqrt(ss)) * x).astype(np.float32)
    else:
        sys.exit("kernel_port.py: no kernel " + kernel)
np.save(os.path.join(outputs, "out0.npy"), out)
