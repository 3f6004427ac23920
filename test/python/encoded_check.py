"""Reads an exported FLAC or Ogg file with independent readers (soundfile/libsndfile for the samples,
mutagen for the tags) and prints what a user would see, as JSON.

usage: encoded_check.py FILE (FLAC, Ogg or MP3; MP3 for its tags only) [SOURCE.f32 CHANNELS] [--wav WAV]
  SOURCE.f32  the float32 samples exported (channel after channel), to compare with what decodes
  --wav WAV   a WAV file whose integer samples the FLAC must equal exactly
"""
import hashlib
import json
import sys

import mutagen
import numpy as np
import soundfile as sf

args = sys.argv[1:]
wav = None
if '--wav' in args:
    i = args.index('--wav')
    wav = args[i + 1]
    del args[i:i + 2]
path = args[0]

out = {}
if not path.lower().endswith('.mp3'):
    info = sf.info(path)
    out = {
        'format': info.format,
        'subtype': info.subtype,
        'rate': info.samplerate,
        'channels': info.channels,
        'frames': info.frames,
    }
m = mutagen.File(path)
tags = {}
if m is not None and m.tags is not None:
    for k, v in m.tags.items():
        # ID3 frames (TPE1, TXXX:DISTILL_SEED, ...) hold their values in .text; Vorbis comments are lists
        tags.setdefault(k, []).extend(str(t) for t in (v.text if hasattr(v, 'text') else v))
out['tags'] = tags
if m is not None:
    out['vendor'] = getattr(m.tags, 'vendor', None)
    out['version'] = list(getattr(m.tags, 'version', ())) or None
    out['bits_per_sample'] = getattr(m.info, 'bits_per_sample', None)
    # Ogg Vorbis: the nominal bit rate of the identification header; MP3: the frames' bit rate
    out['bitrate'] = getattr(m.info, 'bitrate', None)
    if path.lower().endswith('.mp3'):
        out['rate'] = m.info.sample_rate
        out['channels'] = m.info.channels

if out.get('format') == 'FLAC':
    data, _ = sf.read(path, dtype='int32', always_2d=True)
    bits = m.info.bits_per_sample
    ints = data >> (32 - bits)  # libsndfile scales to the full int32 range
    # The STREAMINFO MD5: of the samples, interleaved, little-endian, in ceil(bits/8) bytes each.
    width = (bits + 7) // 8
    raw = ints.astype('<i4').view(np.uint8).reshape(-1, 4)[:, :width]
    out['md5_ok'] = hashlib.md5(raw.tobytes()).hexdigest() == '%032x' % m.info.md5_signature
    if wav is not None:
        w, _ = sf.read(wav, dtype='int32', always_2d=True)
        out['equals_wav'] = bool(w.shape == data.shape and np.array_equal(w, data))

if len(args) >= 3:
    n_ch = int(args[2])
    src = np.fromfile(args[1], dtype='<f4').reshape(n_ch, -1)
    dec, _ = sf.read(path, dtype='float32', always_2d=True)
    dec = dec.T
    n = min(dec.shape[1], src.shape[1])
    a, b = src[:, :n].astype(np.float64), dec[:, :n].astype(np.float64)
    out['max_abs_diff'] = float(np.max(np.abs(a - b)))
    out['correlation'] = [float(np.corrcoef(a[c], b[c])[0, 1]) for c in range(n_ch)]
print(json.dumps(out))
