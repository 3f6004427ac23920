"""numpy.random.default_rng(seed).integers(lo, hi + 1) draws, one per range, for each case of a JSON file
[{"seed": int, "ranges": [[lo, hi], ...]}]; prints the draws as JSON."""
import json
import sys

import numpy as np

cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    rng = np.random.default_rng(c["seed"])
    out.append([int(rng.integers(lo, hi + 1)) for lo, hi in c["ranges"]])
print(json.dumps(out))
