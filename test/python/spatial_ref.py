"""Independent numpy/scipy renderings of Distill's spatial output, for test/61.spatial.

Written from what Distill's `inference/spatial.py`, `inference/stereo.py` and `audio/hrtf.py` compute
(numpy float32 arrays with Python float scalars, scipy's fftconvolve / butter / sosfiltfilt, a SOFA file
read with h5py instead of sofar, torchaudio's sinc resampler written out with torch.conv1d).

usage: spatial_ref.py JOBS_JSON
JOBS_JSON: a list of jobs; each writes `out` (float32 .npy, [channels, n]):
  {"kind": "stereo", "input": a.npy, "rate", "width", "depth", "out"}
  {"kind": "dual", "left": a.npy, "right": b.npy, "rate", "depth", "out"}
  {"kind": "binaural", "input": a.npy, "rate", "width", "depth", "sofa", "out", "conv": "float32"|"float64"}
Binaural jobs also write `out` + ".json": the chosen row, azimuth and elevation and the HRIR length.
"""
import json
import math
import sys

import h5py
import numpy as np
import torch
from scipy.signal import butter, fftconvolve, sosfiltfilt


def mid_side(mono, width, rate):
    width = float(np.clip(width, 0.0, 1.5))
    d = int(15.0 * rate / 1000.0)
    left = mono.copy()
    right = np.zeros_like(mono)
    if 0 < d < len(mono):
        right[d:] = mono[:-d]
    elif d == 0:
        right[:] = mono
    mid = (left + right) * 0.5
    side = (left - right) * 0.5
    return np.stack([mid + width * side, mid - width * side]).astype(np.float32)


def depth_reflection(stereo, depth, rate):
    if depth < 0.01:
        return stereo
    d = int(depth * 40.0 * rate / 1000.0)
    if d < 1 or d >= stereo.shape[1]:
        return stereo
    out = stereo.copy()
    out[:, d:] += (depth * 0.15) * stereo[:, :-d]
    return out.astype(np.float32)


def torchaudio_resample(x, orig, new):
    """torchaudio.functional.resample with its defaults (sinc_interp_hann, width 6, rolloff 0.99)."""
    g = math.gcd(orig, new)
    orig, new = orig // g, new // g
    base = min(orig, new) * 0.99
    width = math.ceil(6 * orig / base)
    idx = torch.arange(-width, width + orig, dtype=torch.float64)[None, None] / orig
    # An integer arange divided by an int is float32 in torch; adding idx makes it float64.
    t = torch.arange(0, -new, -1)[:, None, None] / new + idx
    t = (t * base).clamp(-6, 6)
    window = torch.cos(t * math.pi / 6 / 2) ** 2
    t = t * math.pi
    kernel = torch.where(t == 0, torch.tensor(1.0, dtype=torch.float64), t.sin() / t) * (window * (base / orig))
    kernel = kernel.to(torch.float32)
    wave = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]
    n = wave.shape[-1]
    wave = torch.nn.functional.pad(wave, (width, width + orig))
    res = torch.nn.functional.conv1d(wave[:, None], kernel, stride=orig)
    res = res.transpose(1, 2).reshape(1, -1)
    return res[0, : math.ceil(new * n / orig)].numpy()


def load_hrir(path, rate):
    with h5py.File(path, "r") as f:
        pos = np.asarray(f["SourcePosition"][...])
        row = int(np.argmin(np.sqrt(np.sum((pos[:, :2] - np.array([90.0, 0.0])) ** 2, axis=1))))
        ir = f["Data.IR"]
        left = np.array(ir[row, 0, :], dtype=np.float32)
        right = np.array(ir[row, 1, :], dtype=np.float32)
        file_rate = int(np.asarray(f["Data.SamplingRate"][...]).ravel()[0])
    if file_rate != rate:
        left, right = torchaudio_resample(left, file_rate, rate), torchaudio_resample(right, file_rate, rate)
    return left, right, {"row": row, "azimuth": float(pos[row, 0]), "elevation": float(pos[row, 1]), "taps": len(left)}


def binaural(mono, job):
    rate, width, depth = job["rate"], job["width"], job["depth"]
    hl, hr, info = load_hrir(job["sofa"], rate)
    n = len(mono)
    if job.get("conv", "float32") == "float64":
        left = fftconvolve(mono.astype(np.float64), hl.astype(np.float64))[:n].astype(np.float32)
        right = fftconvolve(mono.astype(np.float64), hr.astype(np.float64))[:n].astype(np.float32)
    else:  # as Distill: float32 in, float32 FFTs
        left = fftconvolve(mono, hl, mode="full")[:n]
        right = fftconvolve(mono, hr, mode="full")[:n]
    center = (left + right) * 0.5
    lo = center + width * (left - center)
    ro = center + width * (right - center)
    if depth > 0.01:
        nyq = rate / 2.0
        cutoff = max(min(20000.0 - depth * 12000.0, nyq * 0.95), 1000.0)
        sos = butter(1, cutoff / nyq, btype="low", output="sos")
        lo = sosfiltfilt(sos, lo).astype(np.float32)
        ro = sosfiltfilt(sos, ro).astype(np.float32)
    return np.stack([lo, ro]).astype(np.float32), info


def main():
    for job in json.load(open(sys.argv[1])):
        kind = job["kind"]
        if kind == "stereo":
            mono = np.load(job["input"]).astype(np.float32).ravel()
            out = depth_reflection(mid_side(mono, job["width"], job["rate"]), job["depth"], job["rate"])
        elif kind == "dual":
            l = np.load(job["left"]).astype(np.float32).ravel()
            r = np.load(job["right"]).astype(np.float32).ravel()
            m = max(len(l), len(r))
            pair = np.stack([np.pad(l, (0, m - len(l))), np.pad(r, (0, m - len(r)))]).astype(np.float32)
            out = depth_reflection(pair, job["depth"], job["rate"])
        elif kind == "binaural":
            mono = np.load(job["input"]).astype(np.float32).ravel()
            out, info = binaural(mono, job)
            json.dump(info, open(job["out"] + ".json", "w"))
        else:
            raise SystemExit(f"unknown job kind {kind}")
        np.save(job["out"], np.ascontiguousarray(out, dtype=np.float32))


if __name__ == "__main__":
    main()
