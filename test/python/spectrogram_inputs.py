"""Inputs for the spectrogram tests, computed by numpy and torch themselves.

usage: python3 spectrogram_inputs.py OUT_DIR SAMPLE_RATE [LINEAR_SPEC.npy THREADS]
Writes signal.f32 (the fixed 1 s signal of the genuine refs' input_mel: 0.5 sin(2 pi 440 t) +
0.25 sin(2 pi 1760 t) + 0.05 RandomState(7).randn(sr), float64 cast to float32) and rng.json
(torch's own draws after manual_seed, for checking our generator's stream); given the stored linear
spectrogram, also torch's Griffin-Lim of it on THREADS threads (the caller's count, as its FFTs' last bits
may depend on it): gl_live16.f32, gl_live.f32 and gl_numerics.json.
"""
import json
import os
import sys

import numpy as np
import torch

out, sr = sys.argv[1], int(sys.argv[2])
t = np.arange(sr) / sr
w = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.25 * np.sin(2 * np.pi * 1760 * t) + 0.05 * np.random.RandomState(7).randn(sr)
w.astype("<f4").tofile(os.path.join(out, "signal.f32"))

draws = {}
for seed in (0, 42, 123456789):
    torch.manual_seed(seed)
    z = torch.randn(1, 64)
    p = torch.rand(1, 5, 3, dtype=torch.complex64)
    v = torch.randn(32)
    draws[str(seed)] = {
        "randn_1x64": z.flatten().tolist(),
        "rand_complex_1x5x3": torch.view_as_real(p).flatten().tolist(),
        "randn_32": v.tolist(),
    }
json.dump(draws, open(os.path.join(out, "rng.json"), "w"))

# torchaudio.functional.griffinlim (power 2, momentum 0.99, rand_init False, 64 iterations), written with
# the same torch ops, on this machine's torch: Griffin-Lim's momentum amplifies last-bit differences of
# the CPU's FFT kernels, so this, not only the stored reference, is what our LibTorch must match. The
# spectrogram is made C-contiguous first, as ours is (the stored one is the app's column-major lstsq
# output): MKL's Intel kernels give other last bits for strided frames (docs/native.md), so torch on the
# stored layout is not op for op what our LibTorch runs.
lin = torch.from_numpy(np.ascontiguousarray(np.load(sys.argv[3]))) if len(sys.argv) > 3 else None
if lin is not None:
    import numerics_record

    torch.set_num_threads(int(sys.argv[4]))
    numerics_record.write(os.path.join(out, "gl_numerics.json"), linearSpec=lin)
    win = torch.hann_window(2048)
    mag = lin.pow(1 / 2.0)
    angles = torch.ones(lin.shape, dtype=torch.complex64)
    tprev = torch.tensor(0.0)
    for i in range(64):
        inverse = torch.istft(mag * angles, 2048, 512, 2048, win)
        rebuilt = torch.stft(inverse, 2048, 512, 2048, win, True, "reflect", False, True, return_complex=True)
        angles = rebuilt - tprev.mul_(0.99 / 1.99)
        angles = angles.div(angles.abs().add(1e-16))
        tprev = rebuilt
        if i == 15:  # also after 16 iterations, before the momentum has amplified last-bit differences
            torch.istft(mag * angles, 2048, 512, 2048, win).numpy().astype("<f4").tofile(os.path.join(out, "gl_live16.f32"))
    torch.istft(mag * angles, 2048, 512, 2048, win).numpy().astype("<f4").tofile(os.path.join(out, "gl_live.f32"))
