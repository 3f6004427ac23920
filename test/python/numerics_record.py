"""What decided the last bits of this Python child's torch results, for the tests that compare them with
ours (test/helpers/torch-interop.ts prints it beside our own when a comparison fails).

write(path, **arrays) writes JSON: torch's version, thread counts, ATen's kernel set and parallel summary,
the MKL/OpenMP environment, and each input's shape, strides and SHA-1 of its float32 bytes in C order.
"""
import hashlib
import json
import os

import numpy as np
import torch


def describe(a):
    t = a if isinstance(a, torch.Tensor) else torch.from_numpy(np.asarray(a))
    c = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4", copy=False))
    return {"shape": list(t.shape), "strides": list(t.stride()), "sha1": hashlib.sha1(c.tobytes()).hexdigest()[:12]}


def write(path, **arrays):
    record = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "cpuCapability": torch.backends.cpu.get_cpu_capability(),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("MKL_", "OMP_", "KMP_", "SDA_", "LD_PRELOAD"))},
        "inputs": {name: describe(a) for name, a in arrays.items()},
        "parallelInfo": torch.__config__.parallel_info(),
    }
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
