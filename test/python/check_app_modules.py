"""Which Python modules a torch.save file's pickle names, and whether one app alone can load it.

usage: python3 check_app_modules.py FILE PACKAGE

Reads the zip's data.pkl with pickletools (nothing imported), then torch.load()s the file with a stand-in
for PACKAGE (`small_dataset_audio` or `distill`) only, as that app would. Prints JSON.
"""
import enum
import json
import pickletools
import sys
import types
import zipfile

import torch


def pickled_globals(path):
    with zipfile.ZipFile(path) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))
    return sorted({arg.replace(" ", ".") for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"})


def stub(pkg):
    for name in [pkg, pkg + ".training"]:
        sys.modules[name] = types.ModuleType(name)
    config = types.ModuleType(pkg + ".training.config")

    class OverfittingPreset(enum.Enum):
        CONSERVATIVE = "conservative"
        BALANCED = "balanced"
        AGGRESSIVE = "aggressive"

    OverfittingPreset.__module__ = config.__name__
    config.OverfittingPreset = OverfittingPreset
    sys.modules[config.__name__] = config


path, pkg = sys.argv[1], sys.argv[2]
stub(pkg)
out = {"globals": pickled_globals(path)}
try:
    d = torch.load(path, weights_only=False)
    preset = d["training_config"]["preset"]
    out["loaded"] = {"format": d["format"], "preset": preset.value, "module": type(preset).__module__}
except Exception as e:  # noqa: BLE001  (reported to the test)
    out["error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
