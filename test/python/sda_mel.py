"""torchaudio's mel filterbank (melscale_fbanks, norm=None, mel_scale="htk"), op for op in torch, for the
Python helpers that need SPEC 4 without torchaudio (the bench pipeline and the demo-model maker)."""
import math

import torch


def hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def mel_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate):
    """[n_freqs, n_mels] triangular HTK filterbank, float32, as torchaudio builds it."""
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs)
    m_pts = torch.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2)
    f_pts = 700.0 * (10.0 ** (m_pts / 2595.0) - 1.0)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return torch.max(torch.zeros(1), torch.min(down, up))
