"""A stand-in for the one module of the Python app that genuine files pickle a class from:
`small_dataset_audio.training.config.OverfittingPreset` (an Enum in `training_config`). Importing this
module lets torch.load rebuild it where the app itself is not installed (the real app wins if present).

Used by every Python helper of the tests and benches:
    sys.path.insert(0, "<repo>/test/python"); import sda_app_stub
"""
import enum
import sys
import types

try:
    from small_dataset_audio.training.config import OverfittingPreset  # noqa: F401  (the real app)
except Exception:
    for _name in ["small_dataset_audio", "small_dataset_audio.training"]:
        sys.modules.setdefault(_name, types.ModuleType(_name))
    _config = types.ModuleType("small_dataset_audio.training.config")

    class OverfittingPreset(enum.Enum):
        CONSERVATIVE = "conservative"
        BALANCED = "balanced"
        AGGRESSIVE = "aggressive"

    OverfittingPreset.__module__ = _config.__name__
    _config.OverfittingPreset = OverfittingPreset
    sys.modules[_config.__name__] = _config
