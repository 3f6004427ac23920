"""Loads the demo model with real torch.load (weights_only=False, as the Python app does) and reports its
structure as JSON; decodes 8 latents from N(0, 1) with a plain torch decoder to show the outputs differ.
usage: python3 cli_check_demo.py assets/demo/demo.sda
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

path = sys.argv[1]
d = torch.load(path, map_location="cpu", weights_only=False)
sd = d["model_state_dict"]
cfg = d["spectrogram_config"]
a = d["latent_analysis"]
n_mels, frames = cfg["n_mels"], cfg["sample_rate"] // cfg["hop_length"] + 1
h, w = (n_mels + 15) // 16, (frames + 15) // 16


def bn(x, p):
    return F.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"], sd[p + ".bias"], False, 0.1, 1e-5)


with torch.no_grad():
    torch.manual_seed(0)
    z = torch.randn(8, d["latent_dim"])
    x = F.linear(z, sd["decoder.fc.weight"], sd["decoder.fc.bias"]).view(8, 256, h, w)
    for i in (0, 4, 8):
        x = F.relu(bn(F.conv_transpose2d(x, sd[f"decoder.deconvs.{i}.weight"], sd[f"decoder.deconvs.{i}.bias"], 2, 1, 1), f"decoder.deconvs.{i + 1}"))
    mel = torch.sigmoid(F.conv_transpose2d(x, sd["decoder.deconvs.12.weight"], sd["decoder.deconvs.12.bias"], 2, 1, 1))[:, 0, :n_mels, :frames]
m = mel.numpy()
bins = np.arange(n_mels)[None, :, None]
print(json.dumps({
    "keys": list(d.keys()),
    "format": d["format"],
    "version": d["version"],
    "latent_dim": d["latent_dim"],
    "state_dict_type": type(sd).__name__,
    "state_dict_keys": list(sd.keys()),
    "spectrogram_config": cfg,
    "analysis_keys": sorted(a.keys()),
    "analysis_dtypes": sorted({str(v.dtype) for v in a.values() if isinstance(v, np.ndarray)}),
    "n_active_components": a["n_active_components"],
    "pca_components_shape": list(a["pca_components"].shape),
    "n_steps": a["n_steps"],
    "metadata": d["metadata"],
    "size_bytes": os.path.getsize(path),
    "mel_max": float(m.max()),
    "mel_centroid_bins": [float(c) for c in (m * bins).sum((1, 2)) / m.sum((1, 2))],
}))
