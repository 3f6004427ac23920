#!/usr/bin/env python3
"""Writes varied files with the real torch.save into DIR, and DIR/expected.json describing each as
torch.load sees it (see torchfile_check.py). Extra files given after DIR are described too.

  python3 scripts/torchfile_fixtures.py DIR [EXTRA_FILE...]
"""
import collections
import dataclasses
import enum
import json
import os
import sys
import textwrap

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torchfile_check as check  # noqa: E402

ENUM_MODULE = '''
import dataclasses
import enum


class Color(enum.Enum):
    RED = "red"
    GREEN = 2


@dataclasses.dataclass
class Config:
    name: str
    rate: float
    color: Color
'''


def build(out):
    sys.path.insert(0, out)
    with open(os.path.join(out, "tf_fixture_module.py"), "w") as fh:
        fh.write(textwrap.dedent(ENUM_MODULE))
    import tf_fixture_module as m  # noqa: E402

    torch.manual_seed(0)
    files = {}

    files["dtypes.pt"] = {
        "f32": torch.randn(3, 4),
        "f64": torch.randn(5, dtype=torch.float64),
        "f16": torch.randn(2, 3).half(),
        "bf16": torch.randn(2, 3).bfloat16(),
        "i64": torch.arange(-5, 7, dtype=torch.int64).reshape(3, 4),
        "i32": torch.tensor([1, -2, 3], dtype=torch.int32),
        "i16": torch.tensor([1, -2], dtype=torch.int16),
        "i8": torch.tensor([-7, 8], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([[True, False], [False, True]]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "grad": torch.ones(2, requires_grad=True),
    }

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    files["views.pt"] = {
        "base": base,
        "transposed": base.t(),
        "row": base[2],
        "col": base[:, 3],
        "strided": base[::2, 1::2],
        "narrow": base.narrow(1, 2, 3),
        "flat_view": base.view(-1)[5:17],
        "expanded": torch.tensor([1.0, 2.0]).unsqueeze(0).expand(3, 2),
        "same_again": base,
        "other_storage": base.clone(),
        "list_of_views": [base[0], base[1:3]],
    }

    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        conv[1].running_mean.uniform_()
        conv[1].num_batches_tracked += 3
    files["state_dict.pt"] = {"model_state_dict": conv.state_dict(), "latent_dim": 64}

    lin = torch.nn.Linear(3, 2)
    frozen = torch.nn.Parameter(torch.randn(2, 2), requires_grad=False)
    files["params.pt"] = {"weight": lin.weight, "frozen": frozen, "params": [lin.weight, lin.bias], "module": lin}

    opt_model = torch.nn.Linear(4, 3)
    opt = torch.optim.AdamW(opt_model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    opt_model(torch.randn(8, 4)).sum().backward()
    opt.step()
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8)
    files["optimizer.pt"] = {"optimizer_state_dict": opt.state_dict(), "scheduler_state_dict": sched.state_dict(), "epoch": 3}

    files["numpy.pt"] = {
        "f32": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        "f64": np.linspace(0, 1, 5),
        "i64": np.array([-1, 2**40, 3], dtype=np.int64),
        "bool": np.array([True, False, True]),
        "fortran": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "big_endian": np.arange(4, dtype=">f4"),
        "zero_d": np.array(2.5),
        "u8": np.array([1, 2, 250], dtype=np.uint8),
        "s_f32": np.float32(0.1),
        "s_f64": np.float64(-2.75),
        "s_i64": np.int64(-12345678901),
        "s_bool": np.bool_(True),
        "dtype": np.dtype("<f8"),
    }

    files["nested.pt"] = {
        "none": None,
        "bools": [True, False],
        "ints": [0, 1, 255, 256, 65535, 65536, -1, -(2**31), 2**31, 2**63, -(2**70), 10**30],
        "floats": [0.0, -0.0, 1.0, 0.1, 1e300, -1e-300, float("inf"), float("-inf")],
        "strings": ["", "ascii", "ünïcødé ✓ 🎵", "tab\tnew\nline"],
        "bytes": [b"", b"\x00\x01\xff" * 10, bytearray(b"abc")],
        "tuple": (1, (2, (3, (4, 5, 6, 7))), ()),
        "set": {1, 2, 3},
        "frozenset": frozenset({"a", "b"}),
        "int_keys": {0: "zero", 1: {"step": 3}, -5: None},
        "mixed_keys": {"s": 1, 2: 2, (3, 4): 3, 1.5: 4, None: 5, True: 6},
        "deep": {"a": [{"b": ({"c": [1, [2, [3]]]},)}]},
        "empty": [[], {}, (), set()],
        "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
        "tensor_in_tuple": (torch.tensor([1, 2]),),
    }

    files["objects.pt"] = {
        "color": m.Color.RED,
        "colors": [m.Color.GREEN, m.Color.RED, m.Color.RED],
        "config": m.Config(name="x", rate=0.5, color=m.Color.GREEN),
        "dtype_obj": torch.float16,
        "cls": m.Config,
    }

    shared = torch.randn(10)
    legacy_obj = {
        "a": shared,
        "b": shared[2:5],
        "c": shared.view(2, 5).t(),
        "d": torch.tensor([1, 2, 3], dtype=torch.int64),
        "sd": collections.OrderedDict([("w", torch.ones(2, 2))]),
        "np": np.arange(3, dtype=np.float32),
        "meta": {"version": 1, "name": "legacy"},
    }

    for name, obj in files.items():
        torch.save(obj, os.path.join(out, name))
    torch.save(legacy_obj, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(files["nested.pt"], os.path.join(out, "protocol4.pt"), pickle_protocol=4)
    torch.save(files["views.pt"], os.path.join(out, "protocol5.pt"), pickle_protocol=5)
    no_tensor = {k: v for k, v in files["nested.pt"].items() if k != "tensor_in_tuple"}
    torch.save(no_tensor, os.path.join(out, "protocol0.pt"), pickle_protocol=0)
    torch.save(no_tensor, os.path.join(out, "protocol1.pt"), pickle_protocol=1)
    # a state dict whose zip archive folder is not the file name
    with open(os.path.join(out, "renamed.pt"), "wb") as fh:
        torch.save({"x": torch.arange(5)}, fh)

    names = sorted(n for n in os.listdir(out) if n.endswith(".pt"))
    return names


def main(argv):
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = os.path.abspath(argv[0])
    os.makedirs(out, exist_ok=True)
    names = build(out)
    paths = [os.path.join(out, n) for n in names] + [os.path.abspath(p) for p in argv[1:]]
    described = {p: check.describe_file(p) for p in paths}
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump({"files": [os.path.join(out, n) for n in names], "describe": described}, fh)
    print(json.dumps({"files": len(paths)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
