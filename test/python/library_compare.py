"""Compares two torch.save files loaded with real torch (weights_only=False).

usage: python3 library_compare.py OURS REFERENCE [SKIP_PATH ...]
SKIP_PATH like `root.metadata.model_id`. Prints a JSON report: {"diffs": [...], "ours": {...}}."""
import json
import re
import sys

import numpy as np
import torch

import library_common as lc


def main(ours_path, ref_path, skip):
    ours = lc.load(ours_path)
    ref = lc.load(ref_path)
    diffs = []
    lc.compare(ours, ref, "root", diffs, set(skip))
    md = ours.get("metadata", {}) if isinstance(ours, dict) else {}
    la = ours.get("latent_analysis") if isinstance(ours, dict) else None
    report = {
        "diffs": diffs,
        "keys": list(ours.keys()) if isinstance(ours, dict) else None,
        "metadata_types": {k: type(v).__name__ for k, v in md.items()},
        "metadata": {k: v for k, v in md.items()},
        "uuid4": bool(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", md.get("model_id", ""))),
        "save_date_utc": bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00", md.get("save_date", ""))),
        "state_dict_type": type(ours.get("model_state_dict")).__name__,
        "analysis_types": {k: (type(v).__name__ + (":" + str(v.dtype) if isinstance(v, np.ndarray) else "")) for k, v in la.items()} if isinstance(la, dict) else None,
        "preset": repr(ours.get("training_config", {}).get("preset")) if isinstance(ours.get("training_config"), dict) else None,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
