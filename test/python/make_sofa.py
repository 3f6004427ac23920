"""Writes small synthetic SOFA HRTF files (and broken ones) with h5py for test/61.spatial.

SOFA (AES69) files are netCDF-4, i.e. HDF5 with global attributes and named variables. These follow
the SimpleFreeFieldHRIR convention's layout: Data.IR [M, R, N], Data.SamplingRate [I], SourcePosition
[M, 3] (azimuth, elevation in degrees, distance in metres). Each measurement's impulse responses are
a decaying noise burst with an onset delay that depends on the direction, so every row differs.

usage: make_sofa.py OUT_DIR
"""
import json
import os
import sys

import h5py
import numpy as np


def hrir_set(rng, positions, taps):
    m = len(positions)
    ir = np.zeros((m, 2, taps), dtype=np.float64)
    decay = np.exp(-np.arange(taps) / (taps / 8.0))
    for i, (az, el, _) in enumerate(positions):
        for ear in range(2):
            onset = int(2 + (az % 180) / 180.0 * 20 + ear * 5 + abs(el) / 10)
            burst = rng.standard_normal(taps) * decay * (0.6 if ear else 1.0)
            ir[i, ear, onset:] = burst[: taps - onset]
    return ir


def write_sofa(path, ir, rate, positions, *, conventions="SOFA", with_ir=True, ir_dtype="f8"):
    with h5py.File(path, "w") as f:
        if conventions is not None:
            f.attrs["Conventions"] = conventions
        f.attrs["Version"] = "2.1"
        f.attrs["SOFAConventions"] = "SimpleFreeFieldHRIR"
        f.attrs["SOFAConventionsVersion"] = "1.0"
        f.attrs["DataType"] = "FIR"
        f.attrs["RoomType"] = "free field"
        if with_ir:
            f.create_dataset("Data.IR", data=ir.astype(ir_dtype))
        sr = f.create_dataset("Data.SamplingRate", data=np.array([rate], dtype=np.float64))
        sr.attrs["Units"] = "hertz"
        f.create_dataset("Data.Delay", data=np.zeros((1, 2)))
        sp = f.create_dataset("SourcePosition", data=np.asarray(positions, dtype=np.float64))
        sp.attrs["Type"] = "spherical"
        sp.attrs["Units"] = "degree, degree, metre"
        lp = f.create_dataset("ListenerPosition", data=np.zeros((1, 3)))
        lp.attrs["Type"] = "cartesian"
        rp = f.create_dataset("ReceiverPosition", data=np.array([[0, 0.09, 0], [0, -0.09, 0]], dtype=np.float64))
        rp.attrs["Type"] = "cartesian"


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(20260101)
    # A grid every 30 degrees of azimuth at elevations -30, 0, 30: the nearest to (90, 0) is row 3 * 3 + 1.
    positions = [(az, el, 1.2) for az in range(0, 360, 30) for el in (-30, 0, 30)]
    ir = hrir_set(rng, positions, 128)
    write_sofa(os.path.join(out, "hrtf48.sofa"), ir, 48000, positions)
    write_sofa(os.path.join(out, "hrtf44.sofa"), ir, 44100, positions, ir_dtype="f4")
    # No measurement exactly at (90, 0): (85, 4) and (95, -4) are equally near, the first one wins.
    tie = [(0, 0, 1), (85, 4, 1), (95, -4, 1), (270, 0, 1)]
    write_sofa(os.path.join(out, "tie.sofa"), hrir_set(rng, tie, 64), 48000, tie)

    # Broken files.
    with open(os.path.join(out, "text.sofa"), "w") as f:
        f.write("this is not an HDF5 file\n" * 20)
    write_sofa(os.path.join(out, "no_conventions.sofa"), ir, 48000, positions, conventions=None)
    write_sofa(os.path.join(out, "netcdf_not_sofa.sofa"), ir, 48000, positions, conventions="CF-1.8")
    write_sofa(os.path.join(out, "no_ir.sofa"), ir, 48000, positions, with_ir=False)
    write_sofa(os.path.join(out, "one_ear.sofa"), ir[:, :1, :], 48000, positions)
    # Declares 2 x 2 x 2^30 float64 values (32 GB) but stores none: chunked and never written, a few KB on disk.
    with h5py.File(os.path.join(out, "huge_taps.sofa"), "w") as f:
        f.attrs["Conventions"] = "SOFA"
        f.create_dataset("Data.IR", shape=(2, 2, 1 << 30), dtype="f8", chunks=(1, 1, 4096))
        f.create_dataset("Data.SamplingRate", data=np.array([48000.0]))
        f.create_dataset("SourcePosition", data=np.zeros((2, 3)))
    with h5py.File(os.path.join(out, "huge_measurements.sofa"), "w") as f:
        f.attrs["Conventions"] = "SOFA"
        f.create_dataset("Data.IR", shape=(1 << 28, 2, 8), dtype="f8", chunks=(64, 2, 8))
        f.create_dataset("Data.SamplingRate", data=np.array([48000.0]))
        f.create_dataset("SourcePosition", shape=(1 << 28, 3), dtype="f8", chunks=(1024, 3))

    # Hostile data (issue 21): values that are not finite, absurd or all zero in the chosen row (90, 0),
    # a rate the resampler cannot take to 48 kHz, and Data.IR in another file. The external files are
    # real and readable, so only a refusal to open them keeps their data out.
    row = positions.index((90, 0, 1.2))
    for name, value in (("nan", np.nan), ("inf", -np.inf), ("huge", 1e30)):
        bad = ir.copy()
        bad[row, 1, 40] = value
        write_sofa(os.path.join(out, f"ir_{name}.sofa"), bad, 48000, positions)
    write_sofa(os.path.join(out, "ir_zero.sofa"), ir * 0, 48000, positions)
    write_sofa(os.path.join(out, "rate_47999.sofa"), ir, 47999, positions)
    with h5py.File(os.path.join(out, "ir_target.h5"), "w") as f:
        f.create_dataset("IR", data=ir)
    write_sofa(os.path.join(out, "external_link.sofa"), ir, 48000, positions, with_ir=False)
    with h5py.File(os.path.join(out, "external_link.sofa"), "a") as f:
        f["Data.IR"] = h5py.ExternalLink("ir_target.h5", "/IR")
    raw = ir.astype("<f8")
    raw.tofile(os.path.join(out, "ir_raw.bin"))
    write_sofa(os.path.join(out, "external_raw.sofa"), ir, 48000, positions, with_ir=False)
    with h5py.File(os.path.join(out, "external_raw.sofa"), "a") as f:
        f.create_dataset("Data.IR", shape=ir.shape, dtype="<f8", external=[(os.path.join(out, "ir_raw.bin"), 0, raw.nbytes)])

    json.dump({"positions": positions, "tie": tie}, open(os.path.join(out, "layout.json"), "w"))


if __name__ == "__main__":
    main()
