"""Reads WAV files written by `sda generate` / `sda batch` with scipy, and their sidecar JSON with Python's
json module; prints one JSON object per file: rate, dtype, frames, channels, peak (as float), rms, the
dominant frequency, the sidecar. usage: python3 cli_check_outputs.py WAV...
"""
import json
import sys

import numpy as np
from scipy.io import wavfile

out = []
for path in sys.argv[1:]:
    rate, data = wavfile.read(path)
    dtype = str(data.dtype)
    x = data.astype(np.float64)
    if dtype == "int16":
        x /= 32768.0
    elif dtype == "int32":
        x /= 2147483648.0  # scipy returns 24-bit PCM left-justified in int32
    frames = data.shape[0]
    channels = 1 if data.ndim == 1 else data.shape[1]
    mono = x if x.ndim == 1 else x.mean(axis=1)
    spec = np.abs(np.fft.rfft(mono * np.hanning(len(mono)))) if len(mono) > 1 else np.zeros(1)
    with open(path[:-4] + ".json", encoding="utf-8") as f:
        sidecar = json.load(f)
    out.append({
        "path": path,
        "rate": int(rate),
        "dtype": dtype,
        "frames": int(frames),
        "channels": int(channels),
        "peak": float(np.abs(x).max()),
        "rms": float(np.sqrt(np.mean(x ** 2))),
        "dominant_hz": float(np.argmax(spec) * rate / max(1, len(mono))),
        "channel_diff": float(np.abs(x[:, 0] - x[:, 1]).max()) if channels == 2 else 0.0,
        "sidecar": sidecar,
    })
print(json.dumps(out))
