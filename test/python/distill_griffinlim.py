"""Distill's mel_to_waveform on a stored overlap-added mel, run by this machine's torch: the independent
check that our native inversion is torch's own (test/57.5).

Usage: distill_griffinlim.py MEL.npy SEED ANCHOR_DRAWS THREADS OUT.npy [N_ITER]
  MEL.npy       [1, 1, n_mels, T] log1p-mel (Distill's synthesize_continuous_mel output)
  ANCHOR_DRAWS  how many randn(1, 32)-sized draws Distill made after manual_seed(SEED) before the phase
  THREADS       torch's thread count: the FFTs' last bits depend on it, so it must be the caller's
  N_ITER        Griffin-Lim iterations (Distill: 128)
Also writes OUT.numerics.json (numerics_record.py): this torch's threads, kernels and the inputs' hashes.

torchaudio is not installed here; InverseMelScale (lstsq "gels", then relu) and GriffinLim (momentum 0.99,
random initial phase) are written as torchaudio 2.x computes them, on the default 48 kHz config.
"""
import math
import sys

import numpy as np
import torch

import numerics_record

mel_file, seed, draws, threads, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
n_iter = int(sys.argv[6]) if len(sys.argv) > 6 else 128
torch.set_num_threads(threads)
n_fft, hop, sr, n_mels = 2048, 512, 48000, 128
n_stft = n_fft // 2 + 1


def hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


all_freqs = torch.linspace(0, sr // 2, n_stft)
m_pts = torch.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2)
f_pts = 700.0 * (10 ** (m_pts / 2595.0) - 1.0)
f_diff = f_pts[1:] - f_pts[:-1]
slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
fb = torch.max(torch.zeros(1), torch.min((-1.0 * slopes[:, :-2]) / f_diff[:-1], slopes[:, 2:] / f_diff[1:]))

torch.manual_seed(seed)
for _ in range(draws):
    torch.randn(1, 32)
log_mel = np.load(mel_file)
mel = torch.expm1(torch.from_numpy(log_mel).squeeze(1).clamp(min=0))
spec = torch.relu(torch.linalg.lstsq(fb.transpose(-1, -2)[None], mel, driver="gels").solution)
window = torch.hann_window(n_fft)
mag = spec.pow(1 / 2.0)
angles = torch.rand(mag.size(), dtype=torch.complex64)
numerics_record.write(out + ".numerics.json", mel=log_mel, linearSpec=spec, phases=torch.view_as_real(angles))
tprev = torch.tensor(0.0)
for _ in range(n_iter):
    inverse = torch.istft(mag * angles, n_fft=n_fft, hop_length=hop, win_length=n_fft, window=window)
    rebuilt = torch.stft(inverse, n_fft=n_fft, hop_length=hop, win_length=n_fft, window=window, center=True,
                         pad_mode="reflect", normalized=False, onesided=True, return_complex=True)
    angles = rebuilt - tprev.mul_(0.99 / 1.99)
    angles = angles.div(angles.abs().add(1e-16))
    tprev = rebuilt
wave = torch.istft(mag * angles, n_fft=n_fft, hop_length=hop, win_length=n_fft, window=window)
np.save(out, wave.numpy()[0].astype(np.float32))
