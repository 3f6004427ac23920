"""Writes hostile torch.save files with real torch.save, for the tests of bounded work (test/25, test/33).

usage: python3 hostile_fixtures.py GENUINE_TRAINED.sda OUT_DIR

Each file is small but its naive walk or copy is huge: objects shared through the pickle memo (a tree of
2^60 paths in a few hundred bytes), cycles, tensors whose views copy far more than they store, and
saved models whose configs would make the generator allocate gigabytes. Prints a JSON list of the files.
"""
import json
import os
import sys

import torch

import sda_app_stub  # noqa: F401  (the genuine files pickle an Enum of the Python app)


def doubled(levels, leaf, make):
    x = leaf
    for _ in range(levels):
        x = make(x)
    return x


def main(src, out):
    os.makedirs(out, exist_ok=True)
    written = []

    def save(name, obj):
        path = os.path.join(out, name)
        torch.save(obj, path)
        written.append(path)

    def model(name, change):
        d = torch.load(src, weights_only=False)
        change(d)
        save(name, d)

    # Sharing through the memo: each level refers twice to the level below.
    save("shared_tuple.pt", doubled(60, [], lambda x: (x, x)))
    save("shared_list.pt", doubled(60, [1.5], lambda x: [x, x]))
    save("shared_dict.pt", doubled(60, {"leaf": 1}, lambda x: {"a": x, "b": x}))
    save("shared_mixed.pt", {"m": doubled(60, "s", lambda x: [(x, {"k": x}), x])})
    # Cycles: a list and a dict that contain themselves, and a cycle through an object's state.
    loop = []
    loop.append(loop)
    selfdict = {}
    selfdict["self"] = selfdict
    save("cycles.pt", {"list": loop, "dict": selfdict, "both": [loop, selfdict, loop]})

    # Tensors that copy more than they store.
    save("expand.pt", {"w": torch.zeros(1).expand(12288, 80000)})
    base = torch.arange(101000, dtype=torch.float32)
    save("overlap.pt", {"w": base.as_strided((100000, 1000), (1, 1))})
    save("small_expand.pt", {"w": torch.tensor([1.0, 2.0, 3.0]).expand(4, 3), "t": torch.arange(6.0).reshape(2, 3).t()})

    # Saved models: the genuine weights with a hostile part.
    bomb = doubled(60, [0.5], lambda x: [x, x])
    model("bomb_training_config.sda", lambda d: d["training_config"].update(bomb=bomb, more={"again": bomb}))
    model("bomb_metadata_extra.sda", lambda d: d["metadata"].update(extra=bomb))

    def analysis(**changes):
        def change(d):
            d["latent_analysis"].update(changes)
        return change

    model("bomb_pca_nested.sda", analysis(pca_components=doubled(40, [0.0] * 64, lambda x: [x, x])))
    row = [0.0] * 100000
    model("bomb_pca_rows.sda", analysis(pca_components=[row] * 100000))
    model("bomb_feature_correlations.sda", analysis(feature_correlations={f"f{i}": row for i in range(20000)}))
    model("bomb_labels.sda", analysis(component_labels=doubled(40, "x", lambda x: [x, x])))
    model("expand_weight.sda", lambda d: d["model_state_dict"].update({"decoder.fc.weight": torch.zeros(1).expand(12288, 80000)}))

    def spectro(**changes):
        def change(d):
            d["spectrogram_config"].update(changes)
        return change

    model("rate_48001.sda", spectro(sample_rate=48001))
    model("nfft_huge.sda", spectro(n_fft=4194304))
    model("hop_huge.sda", spectro(hop_length=96000))
    print(json.dumps(written))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
