"""Python's side of bench/decode: torch.load of a .sda + building the ConvVAE module and loading weights.

usage: python3 load_model_py.py MODEL.sda REPEATS   -> prints JSON {"seconds": [...], "torch": version}

The Python app's own ConvVAE class is not installed here, so the same architecture (SPEC section 3) is
built from torch.nn modules: the cost measured is the same torch.load + module construction +
load_state_dict + eval that the app's load_model performs.
"""
import json
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "python"))
import sda_app_stub  # noqa: E402,F401  (the genuine files pickle an Enum of the Python app)


def block(conv):
    c = conv.out_channels
    return [conv, nn.BatchNorm2d(c), nn.ReLU(), nn.Dropout2d(0.2)]


class Encoder(nn.Module):
    def __init__(self, latent, flat, heads):
        super().__init__()
        layers = []
        for cin, cout in [(1, 32), (32, 64), (64, 128), (128, 256)]:
            layers += block(nn.Conv2d(cin, cout, 3, stride=2, padding=1))
        self.convs = nn.Sequential(*layers)
        if heads:
            self.fc_mu = nn.Linear(flat, latent)
            self.fc_logvar = nn.Linear(flat, latent)


class Decoder(nn.Module):
    def __init__(self, latent, flat):
        super().__init__()
        self.fc = nn.Linear(latent, flat)
        layers = []
        for cin, cout in [(256, 128), (128, 64), (64, 32)]:
            layers += block(nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1))
        layers += [nn.ConvTranspose2d(32, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid()]
        self.deconvs = nn.Sequential(*layers)


class ConvVAE(nn.Module):
    def __init__(self, latent, flat, heads):
        super().__init__()
        self.encoder = Encoder(latent, flat, heads)
        self.decoder = Decoder(latent, flat)


def load(path):
    d = torch.load(path, map_location="cpu", weights_only=False)
    cfg = d["spectrogram_config"]
    frames = cfg["sample_rate"] // cfg["hop_length"] + 1
    flat = 256 * ((cfg["n_mels"] + 15) // 16) * ((frames + 15) // 16)
    sd = d["model_state_dict"]
    model = ConvVAE(d.get("latent_dim", 64), flat, "encoder.fc_mu.weight" in sd)
    model.load_state_dict(sd)
    model.eval()
    return model


def main(path, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        load(path)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": times, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
