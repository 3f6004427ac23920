"""Builds the demo model shipped in the package: assets/demo/demo.sda.

A genuine `.sda` file (SPEC 1), written by real `torch.save`: the ConvVAE of SPEC 3 in torch.nn with the
Python app's state-dict key names, trained briefly on CPU on synthetic sounds (harmonic tones, chirps,
filtered noise bursts) turned into log1p-mel spectrograms with the SPEC 4 transform, with a latent
analysis (SPEC 5: PCA of the training clips' posterior means, safe/warning ranges, feature correlations)
so the sliders work, and metadata per SPEC 2.

Deterministic: everything is seeded, training runs on 2 CPU threads with deterministic algorithms, and the
dates and model id are fixed (override with --date / --seed).

usage: python3 scripts/make_demo_model.py [--out assets/demo/demo.sda] [--seed 1234] [--epochs 30]
                                          [--latent-dim 16] [--clips 384] [--date 2026-11-27T00:00:00+00:00]
Needs torch and numpy (no torchaudio).
"""
import argparse
import json
import math
import os
import sys
import time
import uuid
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "python"))
from sda_mel import mel_fbanks  # noqa: E402

# SPEC 4 defaults.
SPECTROGRAM_CONFIG = {
    "sample_rate": 48000,
    "n_fft": 2048,
    "hop_length": 512,
    "n_mels": 128,
    "f_min": 0.0,
    "f_max": None,
    "power": 2.0,
}
N_STEPS = 21
FEATURES = ["spectral_centroid", "rms_energy", "zero_crossing_rate", "spectral_rolloff", "spectral_flatness"]


# ---- SPEC 4: MelSpectrogram (torchaudio defaults: hann, center/reflect, HTK mel, no norm), log1p -----------
class MelSpectrogram:
    def __init__(self, cfg):
        self.n_fft, self.hop = cfg["n_fft"], cfg["hop_length"]
        self.power = cfg["power"]
        f_max = cfg["f_max"] if cfg["f_max"] is not None else float(cfg["sample_rate"] // 2)
        self.fb = mel_fbanks(self.n_fft // 2 + 1, cfg["f_min"], f_max, cfg["n_mels"], cfg["sample_rate"])
        self.window = torch.hann_window(self.n_fft)

    def power_spec(self, w):
        spec = torch.stft(w, self.n_fft, self.hop, self.n_fft, self.window, center=True, pad_mode="reflect",
                          normalized=False, onesided=True, return_complex=True)
        return spec.abs().pow(self.power)

    def __call__(self, w):
        """[B, N] waveform -> [B, n_mels, N // hop + 1] log1p mel."""
        mel = torch.matmul(self.power_spec(w).transpose(-1, -2), self.fb).transpose(-1, -2)
        return torch.log1p(mel)


# ---- SPEC 3: ConvVAE with the app's module names ------------------------------------------------------
def _block(cin, cout, transpose, dropout):
    conv = (nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1) if transpose
            else nn.Conv2d(cin, cout, 3, stride=2, padding=1))
    return [conv, nn.BatchNorm2d(cout), nn.ReLU(), nn.Dropout2d(dropout)]


class Encoder(nn.Module):
    def __init__(self, latent_dim, h, w, dropout):
        super().__init__()
        layers = []
        for cin, cout in [(1, 32), (32, 64), (64, 128), (128, 256)]:
            layers += _block(cin, cout, False, dropout)
        self.convs = nn.Sequential(*layers)  # indices 0..15
        self.fc_mu = nn.Linear(256 * h * w, latent_dim)
        self.fc_logvar = nn.Linear(256 * h * w, latent_dim)

    def forward(self, x):
        H, W = x.shape[-2:]
        x = F.pad(x, (0, (-W) % 16, 0, (-H) % 16))
        x = self.convs(x).flatten(1)
        return self.fc_mu(x), self.fc_logvar(x)


class Decoder(nn.Module):
    def __init__(self, latent_dim, h, w, dropout):
        super().__init__()
        self.h, self.w = h, w
        self.fc = nn.Linear(latent_dim, 256 * h * w)
        layers = []
        for cin, cout in [(256, 128), (128, 64), (64, 32)]:
            layers += _block(cin, cout, True, dropout)
        layers += [nn.ConvTranspose2d(32, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid()]
        self.deconvs = nn.Sequential(*layers)  # indices 0..13

    def forward(self, z, n_mels, frames):
        x = self.fc(z).view(z.shape[0], 256, self.h, self.w)
        return self.deconvs(x)[:, :, :n_mels, :frames]


class ConvVAE(nn.Module):
    def __init__(self, latent_dim, n_mels, frames, dropout=0.1):
        super().__init__()
        h, w = (n_mels + 15) // 16, (frames + 15) // 16
        self.n_mels, self.frames = n_mels, frames
        self.encoder = Encoder(latent_dim, h, w, dropout)
        self.decoder = Decoder(latent_dim, h, w, dropout)

    def forward(self, x):
        mu, logvar = self.encoder(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar.clamp(-10.0, 10.0))
        return self.decoder(z, self.n_mels, self.frames), mu, logvar


# ---- synthetic sounds ------------------------------------------------------------------------------------
def envelope(n, sr, rng):
    attack = min(n // 3, int(sr * rng.uniform(0.005, 0.15)))
    release = min(n // 3, int(sr * rng.uniform(0.05, 0.5)))
    env = np.ones(n)
    env[:attack] = np.linspace(0, 1, attack, endpoint=False)
    env[n - release:] *= np.linspace(1, 0, release)
    return env * np.exp(-np.arange(n) / sr * rng.uniform(0.0, 3.0))


def harmonic(phase, rng, n_harm):
    rolloff = rng.uniform(0.6, 1.6)
    out = np.zeros_like(phase)
    for k in range(1, n_harm + 1):
        out += np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k ** rolloff
    return out


def make_clip(kind, n, sr, rng):
    t = np.arange(n) / sr
    if kind == "tone":
        f0 = math.exp(rng.uniform(math.log(70), math.log(1200)))
        vib = 1 + rng.uniform(0, 0.01) * np.sin(2 * np.pi * rng.uniform(3, 7) * t)
        phase = 2 * np.pi * np.cumsum(f0 * vib) / sr
        x = harmonic(phase, rng, int(rng.integers(1, 12)))
    elif kind == "chirp":
        f0 = math.exp(rng.uniform(math.log(80), math.log(4000)))
        f1 = math.exp(rng.uniform(math.log(80), math.log(4000)))
        f = f0 * (f1 / f0) ** (t / t[-1])
        phase = 2 * np.pi * np.cumsum(f) / sr
        x = harmonic(phase, rng, int(rng.integers(1, 6)))
    else:  # noise burst, band-limited in the frequency domain
        x = rng.standard_normal(n)
        spec = np.fft.rfft(x)
        freqs = np.fft.rfftfreq(n, 1 / sr)
        centre = math.exp(rng.uniform(math.log(200), math.log(12000)))
        width = rng.uniform(0.2, 1.5)  # octaves
        spec *= np.exp(-0.5 * (np.log2(np.maximum(freqs, 1.0) / centre) / width) ** 2)
        x = np.fft.irfft(spec, n)
        burst = np.zeros(n)
        start = int(rng.integers(0, n // 2))
        length = int(rng.integers(n // 8, n - start))
        burst[start:start + length] = envelope(length, sr, rng)
        x = x * burst
    x = x * envelope(n, sr, rng) if kind != "noise" else x
    peak = np.abs(x).max()
    return (x / peak if peak > 0 else x) * rng.uniform(0.3, 1.0)


def features(x, sr, power_spec):
    """Per-clip audio features for the analysis' correlations: [len(FEATURES)]."""
    p = power_spec.numpy()  # [freqs, frames]
    freqs = np.linspace(0, sr / 2, p.shape[0])[:, None]
    total = p.sum(0) + 1e-12
    centroid = float(((freqs * p).sum(0) / total).mean())
    rms = float(np.sqrt(np.mean(x ** 2)))
    zcr = float(np.mean(np.abs(np.diff(np.signbit(x).astype(np.int8)))))
    cum = np.cumsum(p, 0) / total
    rolloff = float(freqs[np.argmax(cum >= 0.85, axis=0), 0].mean())
    flat = float((np.exp(np.mean(np.log(p + 1e-12), 0)) / (np.mean(p, 0) + 1e-12)).mean())
    return [centroid, rms, zcr, rolloff, flat]


# ---- SPEC 5: latent analysis -----------------------------------------------------------------------------
def analyse(mus, feats, latent_dim, min_ratio=0.01):
    mean = mus.mean(0)
    centred = mus - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    var = s ** 2
    ratio = var / var.sum()
    k = int(max(1, min(latent_dim, np.sum(ratio >= min_ratio))))
    comps = vt[:k]
    proj = centred @ comps.T  # [N, k]
    safe_min, safe_max = np.percentile(proj, 2.5, axis=0), np.percentile(proj, 97.5, axis=0)
    warn_min, warn_max = np.percentile(proj, 0.5, axis=0), np.percentile(proj, 99.5, axis=0)
    # Slightly beyond the data so the extreme slider positions reach into the warning zone.
    warn_min = np.minimum(warn_min, safe_min) * 1.15
    warn_max = np.maximum(warn_max, safe_max) * 1.15
    step = (safe_max - safe_min) / (N_STEPS - 1)
    corr = {}
    for j, name in enumerate(FEATURES):
        f = feats[:, j]
        row = []
        for i in range(k):
            c = np.corrcoef(proj[:, i], f)[0, 1] if f.std() > 0 and proj[:, i].std() > 0 else 0.0
            row.append(float(0.0 if not np.isfinite(c) else c))
        corr[name] = row
    suggested = [max(FEATURES, key=lambda name, i=i: abs(corr[name][i])) for i in range(k)]
    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)
    return {
        "version": 1,
        "pca_components": f32(comps),
        "pca_mean": f32(mean),
        "explained_variance_ratio": f32(ratio[:k]),
        "n_active_components": k,
        "component_labels": [f"Axis {i + 1}" for i in range(k)],
        "suggested_labels": suggested,
        "safe_min": f32(safe_min),
        "safe_max": f32(safe_max),
        "warning_min": f32(warn_min),
        "warning_max": f32(warn_max),
        "step_size": f32(step),
        "n_steps": N_STEPS,
        "feature_correlations": corr,
        "latent_dim": latent_dim,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "assets", "demo", "demo.sda"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--latent-dim", type=int, default=16)
    ap.add_argument("--clips", type=int, default=384)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--beta", type=float, default=0.1, help="KL weight after warm-up (reconstruction is a sum over mel bins)")
    ap.add_argument("--date", default="2026-11-27T00:00:00+00:00", help="training_date and save_date (ISO 8601)")
    a = ap.parse_args()

    t_start = time.perf_counter()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(a.seed)
    cfg = SPECTROGRAM_CONFIG
    sr = cfg["sample_rate"]
    n = sr  # 1 s clips
    frames = sr // cfg["hop_length"] + 1
    mel_tf = MelSpectrogram(cfg)

    # Data: a third each of tones, chirps and noise bursts.
    kinds = ["tone", "chirp", "noise"]
    clips = np.stack([make_clip(kinds[i % 3], n, sr, rng) for i in range(a.clips)]).astype(np.float32)
    # The decoder ends in a Sigmoid, so it can only produce log1p-mel values in (0, 1): scale the waveforms
    # (one gain for the whole set) so the training targets lie in that range.
    with torch.no_grad():
        raw = mel_tf(torch.from_numpy(clips))
        top = float(torch.quantile(raw.flatten()[:: 97], 0.999))
        mel_power_max = math.expm1(top)
        gain = math.sqrt(math.expm1(0.92) / mel_power_max)  # amplitude gain: the 99.9th percentile -> 0.92
        wave = torch.from_numpy(clips) * gain
        mels = mel_tf(wave).clamp(max=1.0).unsqueeze(1)  # [N, 1, 128, 94]
        feats = np.array([features(clips[i], sr, mel_tf.power_spec(wave[i])) for i in range(a.clips)])
    t_data = time.perf_counter() - t_start

    model = ConvVAE(a.latent_dim, cfg["n_mels"], frames)
    # Build the lazily-sized layers the way the app's model ends up: all present before training.
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps_per_epoch = math.ceil(a.clips / a.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=a.epochs * steps_per_epoch)
    history = []
    g = torch.Generator().manual_seed(a.seed)
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(a.clips, generator=g)
        beta = a.beta * min(1.0, (epoch + 1) / (a.epochs / 2))  # KL warm-up
        tot_rec = tot_kl = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * a.batch_size:(b + 1) * a.batch_size]
            x = mels[idx]
            recon, mu, logvar = model(x)
            rec = F.mse_loss(recon, x, reduction="sum") / len(idx)
            logvar = logvar.clamp(-10.0, 10.0)
            kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(1).mean()
            loss = rec + beta * kl
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            tot_rec += rec.item() * len(idx)
            tot_kl += kl.item() * len(idx)
        history.append({"epoch": epoch, "recon": tot_rec / a.clips, "kl": tot_kl / a.clips})
        print(f"epoch {epoch:2d}  recon {tot_rec / a.clips:9.3f}  kl {tot_kl / a.clips:8.3f}", file=sys.stderr)

    model.eval()
    with torch.no_grad():
        mus = torch.cat([model.encoder(mels[i:i + 64])[0] for i in range(0, a.clips, 64)]).numpy().astype(np.float64)
        val_recon = float(sum(F.mse_loss(model.decoder(model.encoder(mels[i:i + 64])[0], cfg["n_mels"], frames),
                                         mels[i:i + 64], reduction="sum") for i in range(0, a.clips, 64)) / a.clips)
    analysis = analyse(mus, feats, a.latent_dim)
    t_train = time.perf_counter() - t_start - t_data

    state = OrderedDict((k, v.detach().clone().contiguous()) for k, v in model.state_dict().items())
    model_id = str(uuid.UUID(int=int(np.random.default_rng(a.seed).integers(0, 2 ** 63)) << 64
                             | int(np.random.default_rng(a.seed + 1).integers(0, 2 ** 63)), version=4))
    metadata = {
        "model_id": model_id,
        "name": "Demo (synthetic tones, chirps and noise)",
        "description": ("Demo model of the small-dataset-audio package: a ConvVAE trained for "
                        f"{a.epochs} epochs on {a.clips} synthetic one-second sounds (harmonic tones, chirps, "
                        "filtered noise bursts) by scripts/make_demo_model.py."),
        "dataset_name": "synthetic_tones_chirps_noise",
        "dataset_file_count": a.clips,
        "dataset_total_duration_s": float(a.clips),
        "training_date": a.date,
        "save_date": a.date,
        "training_epochs": a.epochs,
        "final_train_loss": float(history[-1]["recon"]),
        "final_val_loss": val_recon,
        "tags": ["demo", "synthetic"],
        "has_analysis": True,
        "n_active_components": analysis["n_active_components"],
    }
    training_config = {
        "latent_dim": a.latent_dim,
        "batch_size": a.batch_size,
        "max_epochs": a.epochs,
        "learning_rate": 2e-3,
        "kl_weight_max": a.beta,
        "chunk_duration_s": 1.0,
        "seed": a.seed,
        "waveform_gain": gain,
        "regularization": {"dropout": 0.1, "weight_decay": 1e-4, "gradient_clip_norm": 5.0},
        "device": "cpu",
        "generator": "scripts/make_demo_model.py",
    }
    obj = {
        "format": "sda_model",
        "version": 1,
        "model_state_dict": state,
        "latent_dim": a.latent_dim,
        "spectrogram_config": dict(cfg),
        "latent_analysis": analysis,
        "training_config": training_config,
        "metadata": metadata,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, a.out)
    print(json.dumps({
        "out": a.out,
        "bytes": os.path.getsize(a.out),
        "latent_dim": a.latent_dim,
        "n_active_components": analysis["n_active_components"],
        "explained_variance_ratio": [round(float(x), 4) for x in analysis["explained_variance_ratio"]],
        "final_recon": history[-1]["recon"],
        "first_recon": history[0]["recon"],
        "data_seconds": round(t_data, 1),
        "train_seconds": round(t_train, 1),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
