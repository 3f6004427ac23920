"""A straightforward PyTorch implementation of SPEC sections 3, 4 and 8 (ConvVAE decode, mel inversion,
Griffin-Lim, the generation pipeline), written from the SPEC for two uses:
  - bench/generate runs it in the same process run as ours, for a speed ratio;
  - checking, against the genuine refs, which reading of the SPEC the Python app implements.

usage: python3 sda_pipeline_py.py MODEL.sda DURATION_S SEED MODE [--out out.npy] [--repeats N]
  MODE: crossfade | latent_interpolation | sliders:<npy of latent vector>
Prints JSON {"seconds": [...], "samples": n}.
"""
import argparse
import json
import os
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from scipy import signal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "python"))
import sda_app_stub  # noqa: E402,F401  (the genuine files pickle an Enum of the Python app)
from sda_mel import mel_fbanks  # noqa: E402


# ---- SPEC 3: the decoder in eval mode -------------------------------------------------------------
class Decoder:
    def __init__(self, sd, latent_dim, n_mels, frames, distill=False):
        self.sd = sd
        self.h, self.w = (n_mels + 15) // 16, (frames + 15) // 16
        self.n_mels, self.frames, self.distill = n_mels, frames, distill

    def bn(self, x, p):
        s = self.sd
        return F.batch_norm(x, s[p + ".running_mean"], s[p + ".running_var"], s[p + ".weight"], s[p + ".bias"], False, 0.1, 1e-5)

    @torch.no_grad()
    def __call__(self, z):
        s = self.sd
        x = F.linear(z, s["decoder.fc.weight"], s["decoder.fc.bias"]).view(z.shape[0], 256, self.h, self.w)
        for i in (0, 4, 8):
            x = F.conv_transpose2d(x, s[f"decoder.deconvs.{i}.weight"], s[f"decoder.deconvs.{i}.bias"], 2, 1, 1)
            x = F.relu(self.bn(x, f"decoder.deconvs.{i + 1}"))
        x = F.conv_transpose2d(x, s["decoder.deconvs.12.weight"], s["decoder.deconvs.12.bias"], 2, 1, 1)
        x = F.softplus(x) if self.distill else torch.sigmoid(x)
        return x[:, :, : self.n_mels, : self.frames]


# ---- SPEC 4: mel filterbank (torchaudio melscale_fbanks, HTK, no norm), inverse mel, Griffin-Lim ----
class Spectrogram:
    def __init__(self, cfg, n_iter=64):
        self.cfg = cfg
        self.n_fft, self.hop = cfg["n_fft"], cfg["hop_length"]
        f_max = cfg["f_max"] if cfg["f_max"] is not None else float(cfg["sample_rate"] // 2)
        self.fb = mel_fbanks(self.n_fft // 2 + 1, cfg["f_min"], f_max, cfg["n_mels"], cfg["sample_rate"])
        self.window = torch.hann_window(self.n_fft)
        self.n_iter = n_iter

    def waveform_to_mel(self, w):
        spec = torch.stft(w, self.n_fft, self.hop, self.n_fft, self.window, center=True, pad_mode="reflect",
                          normalized=False, onesided=True, return_complex=True).abs().pow(2.0)
        mel = torch.matmul(spec.transpose(-1, -2), self.fb).transpose(-1, -2)
        return torch.log1p(mel)

    def inverse_mel(self, mel):
        return torch.relu(torch.linalg.lstsq(self.fb.T[None], mel, driver="gels").solution)

    def griffinlim(self, spec, rand_init=True, momentum=0.99):
        spec = spec.pow(1 / 2.0)
        if rand_init:
            angles = torch.rand(spec.size(), dtype=torch.complex64)
        else:
            angles = torch.full(spec.size(), 1, dtype=torch.complex64)
        tprev = torch.tensor(0.0)
        for _ in range(self.n_iter):
            inverse = torch.istft(spec * angles, self.n_fft, self.hop, self.n_fft, self.window)
            rebuilt = torch.stft(inverse, self.n_fft, self.hop, self.n_fft, self.window, center=True, pad_mode="reflect",
                                 normalized=False, onesided=True, return_complex=True)
            angles = rebuilt
            if momentum:
                angles = angles - tprev.mul_(momentum / (1 + momentum))
            angles = angles.div(angles.abs().add(1e-16))
            tprev = rebuilt
        return torch.istft(spec * angles, self.n_fft, self.hop, self.n_fft, self.window)

    def mel_to_waveform(self, mel):
        lin = self.inverse_mel(torch.expm1(mel.clamp(min=0)))
        return self.griffinlim(lin)


# ---- SPEC 8: the pipeline --------------------------------------------------------------------------
def crossfade(chunks, overlap):
    out = chunks[0]
    for c in chunks[1:]:
        n = min(overlap, len(out), len(c))
        win = torch.hann_window(2 * n, periodic=False)
        fade_in, fade_out = win[:n], win[n:]
        out = torch.cat([out[:-n], out[-n:] * fade_in + c[:n] * fade_out, c[n:]])
    return out


def slerp(a, b, t):
    a_n, b_n = a / a.norm(), b / b.norm()
    dot = torch.clamp((a_n * b_n).sum(), -1.0, 1.0)
    if abs(dot.item()) > 0.9995:
        return (1 - t) * a + t * b
    omega = torch.acos(dot)
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def generate(decoder, spec, latent_dim, duration, seed, mode, latent_vector=None, chunk_s=1.0, overlap=2400, steps=10):
    num_chunks = math.ceil(duration / chunk_s)
    torch.manual_seed(seed)
    invert = lambda z: spec.mel_to_waveform(decoder(z).squeeze(1))[0]
    if latent_vector is not None:
        chunks = []
        for i in range(num_chunks):
            z = latent_vector if i == 0 else latent_vector + 0.1 * torch.randn(latent_dim)
            chunks.append(invert(z.unsqueeze(0)))
        audio = crossfade(chunks, overlap)
    elif mode == "crossfade":
        zs = [torch.randn(1, latent_dim) for _ in range(num_chunks)]
        audio = crossfade([invert(z) for z in zs], overlap)
    else:
        anchors = [torch.randn(1, latent_dim) for _ in range(num_chunks)]
        points = []
        for a, b in zip(anchors[:-1], anchors[1:]):
            for t in torch.linspace(0, 1, steps):
                points.append(slerp(a, b, t.item()))
        points.append(anchors[-1])
        audio = torch.cat([invert(p) for p in points])
    sos = signal.butter(8, 20000, btype="low", fs=48000, output="sos")
    audio = torch.from_numpy(signal.sosfiltfilt(sos, audio.numpy()).copy()).float()
    peak = audio.abs().max()
    if peak > 0:
        audio = audio / peak * 0.891
    return audio[: int(duration * 48000)]


def load(path):
    d = torch.load(path, map_location="cpu", weights_only=False)
    cfg = d["spectrogram_config"]
    frames = cfg["sample_rate"] // cfg["hop_length"] + 1
    distill = d["format"] == "distill_model"
    dec = Decoder(d["model_state_dict"], d.get("latent_dim", 64), cfg["n_mels"], frames, distill)
    return dec, Spectrogram(cfg, 128 if distill else 64), d.get("latent_dim", 64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("duration", type=float)
    p.add_argument("seed", type=int)
    p.add_argument("mode")
    p.add_argument("--out")
    p.add_argument("--repeats", type=int, default=1)
    a = p.parse_args()
    dec, spec, latent = load(a.model)
    vec = None
    mode = a.mode
    if mode.startswith("sliders:"):
        vec = torch.from_numpy(np.load(mode.split(":", 1)[1])).float()
        mode = "crossfade"
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        audio = generate(dec, spec, latent, a.duration, a.seed, mode, vec)
        times.append(time.perf_counter() - t0)
    if a.out:
        np.save(a.out, audio.numpy())
    print(json.dumps({"seconds": times, "samples": int(audio.shape[0]), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
