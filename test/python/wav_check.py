"""Reads a WAV file with scipy (an independent reader) and compares it with the float samples it encodes.

usage: python3 wav_check.py FILE.wav SAMPLES.f32 CHANNELS
SAMPLES.f32: float32 little-endian, channel after channel. Prints JSON: rate, dtype, channels, frames,
and the largest difference in steps of the format (1 LSB for PCM; absolute for float).
"""
import json
import sys

import numpy as np
from scipy.io import wavfile

path, raw, channels = sys.argv[1], sys.argv[2], int(sys.argv[3])
rate, data = wavfile.read(path)
want = np.fromfile(raw, dtype="<f4").reshape(channels, -1).T  # frames x channels
got = data.reshape(data.shape[0], -1)
out = {"rate": rate, "dtype": str(data.dtype), "channels": got.shape[1], "frames": got.shape[0]}
if data.dtype == np.float32:
    out["max_diff"] = float(np.abs(got - want).max())
else:
    # scipy returns 24-bit PCM in int32 with the sample in the top 24 bits
    bits = 16 if data.dtype == np.int16 else 24
    ints = got.astype(np.int64) >> (32 - bits) if bits == 24 else got.astype(np.int64)
    out["bits"] = bits
    out["max_diff_lsb"] = float(np.abs(ints - want * (2 ** (bits - 1) - 1)).max())
print(json.dumps(out))
