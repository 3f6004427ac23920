"""Writes variants of a genuine .sda file with real torch.save, for the model-loading tests.

usage: python3 make_model_variants.py GENUINE.sda OUT_DIR

Each variant changes one thing a user could meet: another marker, a newer format version, a missing
weight, a spectrogram config that disagrees with the weights, the distill variant of the format.
"""
import os
import sys

import torch

import sda_app_stub  # noqa: F401  (the genuine files pickle an Enum of the Python app)


def main(src, out):
    os.makedirs(out, exist_ok=True)

    def variant(name, change):
        d = torch.load(src, weights_only=False)
        change(d)
        torch.save(d, os.path.join(out, name))

    variant("wrong_marker.sda", lambda d: d.update(format="not_a_model"))
    variant("newer_version.sda", lambda d: d.update(version=2))
    variant("missing_key.sda", lambda d: d["model_state_dict"].pop("decoder.fc.bias"))
    variant("config_mismatch.sda", lambda d: d["spectrogram_config"].update(n_mels=64))
    variant("latent_mismatch.sda", lambda d: d.update(latent_dim=32))
    variant("extra_key.sda", lambda d: d["model_state_dict"].update({"decoder.extra.weight": torch.zeros(3)}))

    def distill(d):
        d["format"] = "distill_model"
        # Push logvar far past the clamp so the [-20, 20] clamp of the distill encoder shows.
        d["model_state_dict"]["encoder.fc_logvar.bias"] = d["model_state_dict"]["encoder.fc_logvar.bias"] + 100.0

    variant("distill.distill", distill)

    def no_latent_dim(d):
        del d["latent_dim"]

    variant("no_latent_dim.sda", no_latent_dim)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
