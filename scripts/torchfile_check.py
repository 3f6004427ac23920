#!/usr/bin/env python3
"""Describe torch.save files as JSON and compare originals with copies written by Node.

  torchfile_check.py describe OUT.json FILE...      describe each file (as torch.load sees it)
  torchfile_check.py compare ORIG COPY [ORIG COPY...]  load both of each pair, compare them, check
                                                    that the copy also loads with mmap=True and that
                                                    its records are 64-byte aligned; exit 1 on any
                                                    difference, naming the file and the path in it.

The description is the contract with the Node tests (test/helpers/torchfile.ts builds the same
tree from the Node values): every int, float bit pattern, string, container type and key order,
tensor dtype/shape/stride/offset/requires_grad/bytes/storage sharing, numpy dtype/shape/order/bytes.
"""
import collections
import enum
import hashlib
import json
import os
import struct
import sys
import types
import zipfile


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "python"))
import sda_app_stub  # noqa: E402,F401  (the genuine files pickle an Enum of the Python app)
import numpy as np  # noqa: E402
import torch  # noqa: E402


def qualname(cls):
    mod = cls.__module__
    if mod == "__builtin__":
        mod = "builtins"
    return f"{mod}.{cls.__qualname__}"


class Ctx:
    def __init__(self):
        self.storages = {}

    def sid(self, t):
        s = t.untyped_storage()
        if s.nbytes() == 0:
            return -1
        return self.storages.setdefault(s.data_ptr(), len(self.storages))


def digest(b):
    """Small byte strings as hex, larger ones as their sha256."""
    return b.hex() if len(b) <= 256 else "sha256:" + hashlib.sha256(b).hexdigest()


def tensor_bytes(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return digest(t.view(torch.uint8).numpy().tobytes())


def describe(o, ctx):
    if o is None:
        return {"t": "none"}
    if isinstance(o, bool):
        return {"t": "bool", "v": o}
    if isinstance(o, enum.Enum):
        return {"t": "object", "cls": qualname(type(o)), "enum": describe(o.value, ctx), "dict": None}
    if type(o) is int:
        return {"t": "int", "v": str(o)}
    if type(o) is float:
        return {"t": "float", "v": struct.pack(">d", o).hex()}
    if type(o) is str:
        return {"t": "str", "v": o}
    if type(o) is bytes:
        return {"t": "bytes", "v": o.hex()}
    if type(o) is bytearray:
        return {"t": "bytearray", "v": bytes(o).hex()}
    if type(o) is list:
        return {"t": "list", "v": [describe(x, ctx) for x in o]}
    if type(o) is tuple:
        return {"t": "tuple", "v": [describe(x, ctx) for x in o]}
    if type(o) is collections.OrderedDict:
        attrs = vars(o) if hasattr(o, "__dict__") else {}
        return {
            "t": "odict",
            "v": [[describe(k, ctx), describe(v, ctx)] for k, v in o.items()],
            "attrs": describe(dict(attrs), ctx) if attrs else None,
        }
    if type(o) is dict:
        return {"t": "dict", "v": [[describe(k, ctx), describe(v, ctx)] for k, v in o.items()]}
    if type(o) in (set, frozenset):
        items = sorted((describe(x, ctx) for x in o), key=lambda d: json.dumps(d, sort_keys=True))
        return {"t": type(o).__name__, "v": items}
    if isinstance(o, torch.nn.Parameter):
        return {"t": "param", "requires_grad": o.requires_grad, "data": describe_tensor(o.data, ctx)}
    if isinstance(o, torch.Tensor):
        return describe_tensor(o, ctx)
    if isinstance(o, np.ndarray):
        fortran = bool(o.flags.f_contiguous and not o.flags.c_contiguous)
        return {"t": "ndarray", "dtype": o.dtype.str, "shape": list(o.shape), "fortran": fortran, "hex": digest(o.tobytes(order="A"))}
    if isinstance(o, np.generic):
        return {"t": "npscalar", "dtype": o.dtype.str, "hex": o.tobytes().hex()}
    if isinstance(o, np.dtype):
        return {"t": "npdtype", "v": o.str}
    if isinstance(o, torch.dtype):
        return {"t": "global", "v": str(o)}
    if isinstance(o, (type, types.FunctionType, types.BuiltinFunctionType)):
        return {"t": "global", "v": qualname(o)}
    d = vars(o) if hasattr(o, "__dict__") else None
    return {"t": "object", "cls": qualname(type(o)), "enum": None, "dict": describe(dict(d), ctx) if d is not None else None}


def describe_tensor(t, ctx):
    return {
        "t": "tensor",
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "stride": list(t.stride()),
        "offset": t.storage_offset(),
        "requires_grad": t.requires_grad,
        "device": str(t.device),
        "storage": ctx.sid(t),
        "hex": tensor_bytes(t),
    }


def load(path, **kw):
    return torch.load(path, weights_only=False, **kw)


def describe_file(path):
    here = os.path.dirname(os.path.abspath(path))
    if here not in sys.path:
        sys.path.insert(0, here)  # fixture modules live beside the files
    return describe(load(path), Ctx())


def first_diff(a, b, where="$"):
    if type(a) is not type(b):
        return f"{where}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}.{k}: missing on one side"
            d = first_diff(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"


def equal(a, b, where="$"):
    """The issue's equality: torch.equal for tensors, np.array_equal for arrays, == for the rest."""
    if type(a) is not type(b):
        return f"{where}: type {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, torch.Tensor):
        ok = a.dtype == b.dtype and a.shape == b.shape and a.stride() == b.stride() and torch.equal(a, b)
        return None if ok else f"{where}: tensors differ"
    if isinstance(a, np.ndarray):
        ok = a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        return None if ok else f"{where}: arrays differ"
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            return f"{where}: keys differ"
        for k in a:
            d = equal(a[k], b[k], f"{where}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{where}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            d = equal(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    if isinstance(a, float) and a != a:
        return None if b != b else f"{where}: NaN != {b!r}"
    if type(a).__eq__ is object.__eq__:
        return None  # plain objects: compared through their description
    try:
        return None if a == b else f"{where}: {a!r} != {b!r}"
    except Exception as e:  # noqa: BLE001
        return f"{where}: cannot compare ({e})"


def check_alignment(path):
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            h = f.read(30)
            n, e = struct.unpack("<HH", h[26:30])
            start = info.header_offset + 30 + n + e
            if start % 64 != 0:
                return f"record {info.filename} starts at {start}, not 64-byte aligned"
            if info.compress_type != 0:
                return f"record {info.filename} is compressed"
    return None


def main(argv):
    if len(argv) >= 2 and argv[0] == "describe":
        out = {f: describe_file(f) for f in argv[2:]}
        with open(argv[1], "w") as fh:
            json.dump(out, fh)
        return 0
    if len(argv) >= 3 and argv[0] == "compare" and len(argv) % 2 == 1:
        failures = []
        pairs = list(zip(argv[1::2], argv[2::2]))
        for orig, copy in pairs:
            if os.path.dirname(os.path.abspath(orig)) not in sys.path:
                sys.path.insert(0, os.path.dirname(os.path.abspath(orig)))  # fixture modules live beside them
            try:
                a, b = load(orig), load(copy)
                d = first_diff(describe(a, Ctx()), describe(b, Ctx())) or equal(a, b)
                if not d:
                    d = first_diff(describe(a, Ctx()), describe(load(copy, mmap=True), Ctx()))
                    d = f"mmap=True load differs: {d}" if d else None
                if not d and zipfile.is_zipfile(copy):
                    d = check_alignment(copy)
                if d:
                    failures.append(f"{copy} (from {orig}): {d}")
            except Exception as e:  # noqa: BLE001
                failures.append(f"{copy} (from {orig}): {type(e).__name__}: {e}")
        for f in failures:
            print("DIFFERENCE:", f, file=sys.stderr)
        print(json.dumps({"pairs": len(pairs), "failures": failures}))
        return 1 if failures else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
