"""Distill's own PresetManager (test/fixtures/genuine/distill/presets_manager.py, unchanged) on a presets
folder, for test/71 and test/72: `read PRESETS_DIR MODEL_ID` prints what Distill reads (folders and every
preset as dataclasses.asdict); `save PRESETS_DIR MODEL_ID JSON` saves one preset the way Distill's UI does
and prints it; `redump FILE` prints the file as json.dump(indent=2, default=str) writes it."""
import dataclasses
import importlib.util
import json
import os
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "distill_presets_manager", os.path.join(HERE, "..", "fixtures", "genuine", "distill", "presets_manager.py"))
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod  # dataclasses looks its module up while building PresetEntry
spec.loader.exec_module(mod)

cmd = sys.argv[1]
if cmd == "read":
    m = mod.PresetManager(Path(sys.argv[2]), sys.argv[3])
    print(json.dumps({"folders": m.list_folders() if hasattr(m, "list_folders") else None,
                      "presets": [dataclasses.asdict(p) for p in m.list_presets()]}))
elif cmd == "save":
    m = mod.PresetManager(Path(sys.argv[2]), sys.argv[3])
    a = json.loads(sys.argv[4])
    p = m.save_preset(a["name"], a["slider_positions"], a["n_components"], seed=a.get("seed"),
                      folder=a.get("folder", ""), description=a.get("description", ""))
    print(json.dumps(dataclasses.asdict(p)))
elif cmd == "redump":
    with open(sys.argv[2], encoding="utf-8") as f:
        sys.stdout.write(json.dumps(json.load(f), indent=2, default=str))
else:
    raise SystemExit("unknown command " + cmd)
