"""Shared by the library_* test scripts: a stand-in for the Python app's Enum module, so torch.load can
rebuild `small_dataset_audio.training.config.OverfittingPreset` from the genuine files."""
import enum

import sda_app_stub  # noqa: F401  (the app's Enum, for torch.load)
from sda_app_stub import OverfittingPreset  # noqa: F401


def load(path):
    import torch

    return torch.load(path, map_location="cpu", weights_only=False)


def compare(a, b, where, diffs, skip=()):
    """Structural equality with types: dict key order, OrderedDict and its _metadata, tensors
    (torch.equal, dtype, shape, stride), numpy arrays (dtype, shape, values), Enums (identity)."""
    import numpy as np
    import torch

    if where in skip:
        return
    if type(a) is not type(b):
        diffs.append(f"{where}: type {type(a).__name__} != {type(b).__name__}")
        return
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            diffs.append(f"{where}: keys {list(a.keys())} != {list(b.keys())}")
            return
        for k in a:
            compare(a[k], b[k], f"{where}.{k}", diffs, skip)
        ma, mb = getattr(a, "_metadata", None), getattr(b, "_metadata", None)
        if (ma is None) != (mb is None) or (ma is not None and dict(ma) != dict(mb)):
            diffs.append(f"{where}._metadata differs: {ma} != {mb}")
    elif isinstance(a, (list, tuple)):
        if len(a) != len(b):
            diffs.append(f"{where}: length {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{where}[{i}]", diffs, skip)
    elif isinstance(a, torch.Tensor):
        if a.dtype != b.dtype or a.shape != b.shape or a.stride() != b.stride() or a.device != b.device:
            diffs.append(f"{where}: tensor {a.dtype}{tuple(a.shape)}{a.stride()}{a.device} != {b.dtype}{tuple(b.shape)}{b.stride()}{b.device}")
        elif not torch.equal(a, b):
            diffs.append(f"{where}: tensor values differ")
        elif a.requires_grad != b.requires_grad:
            diffs.append(f"{where}: requires_grad differs")
    elif isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a, b):
            diffs.append(f"{where}: ndarray {a.dtype}{a.shape} != {b.dtype}{b.shape} or values differ")
    elif isinstance(a, float):
        if not (a == b or (a != a and b != b)):
            diffs.append(f"{where}: {a!r} != {b!r}")
    elif isinstance(a, enum.Enum):
        if a is not b:
            diffs.append(f"{where}: {a!r} is not {b!r}")
    elif a != b:
        diffs.append(f"{where}: {a!r} != {b!r}")
