"""Writes training checkpoints (SPEC 6) with real torch.save from the weights of a genuine .sda, for the
conversion tests: a checkpoint without latent_dim (as the Python app writes them) and one whose
latent_dim disagrees with the weights.

usage: python3 library_make_checkpoint.py SOURCE.sda OUT_DIR"""
import os
import sys

import torch

import library_common as lc


def main(src, out):
    os.makedirs(out, exist_ok=True)
    d = lc.load(src)
    ckpt = {
        "version": 1,
        "epoch": 3,
        "step": 12,
        "model_state_dict": d["model_state_dict"],
        "optimizer_state_dict": {"state": {}, "param_groups": [{"lr": 0.001, "params": [0, 1]}]},
        "scheduler_state_dict": {"T_max": 8, "last_epoch": 3},
        "train_loss": 12.5,
        "val_loss": 13.25,
        "kl_weight": 0.5,
        "training_config": d["training_config"],
        "spectrogram_config": d["spectrogram_config"],
        "metrics_history": {"epoch_metrics": [], "step_metrics": []},
    }
    torch.save(ckpt, os.path.join(out, "no_latent_dim.pt"))
    ckpt["latent_dim"] = 64
    torch.save(ckpt, os.path.join(out, "wrong_latent_dim.pt"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
