#!/usr/bin/env python3
"""asr-sendump2mixw.py SENDUMP MIXTURE_WEIGHTS

PocketSphinx models ship their mixture weights only as "sendump": each
weight quantized to one byte of -log base 1.0001, shifted right by
mixw_shift bits. SphinxTrain's bw, map_adapt and mk_s2sendump read the
Sphinx-III "mixture_weights" file instead, so scripts/asr-model.sh
rebuilds one from the sendump (SphinxTrain's own sendump.py does this
too, but is Python 2 and needs numpy). The quantization is lossy; the
weights of each senone and stream are renormalized to sum to 1.
"""
import struct
import sys
from array import array


def read_str(f, fmt):
    n = struct.unpack(fmt, f.read(4))[0]
    return None if n == 0 else f.read(n)


def load(path):
    with open(path, "rb") as f:
        fmt = "<I"
        n = struct.unpack(fmt, f.read(4))[0]
        if n > 65536:
            fmt = ">I"
        f.seek(0)
        read_str(f, fmt)                      # the format description
        hdr = {}
        while True:
            s = read_str(f, fmt)
            if s is None:
                break
            kv = s.rstrip(b"\0").decode("ascii", "replace").split()
            if len(kv) == 2 and kv[1].isdigit():
                hdr[kv[0]] = int(kv[1])
        if hdr.get("cluster_count", 0) != 0:
            sys.exit("asr-sendump2mixw: clustered sendump not supported")
        n_cw, n_sen = struct.unpack(fmt[0] + "II", f.read(8))
        n_feat = hdr.get("feature_count", 1)
        shift = hdr.get("mixw_shift", 10)
        data = f.read(n_feat * n_cw * n_sen)
        if len(data) != n_feat * n_cw * n_sen:
            sys.exit("asr-sendump2mixw: %s is truncated" % path)
    return n_feat, n_cw, n_sen, shift, data


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: asr-sendump2mixw.py SENDUMP MIXTURE_WEIGHTS")
    n_feat, n_cw, n_sen, shift, data = load(sys.argv[1])

    # a byte is -log_1.0001(w) >> shift
    table = [1.0001 ** -(b << shift) for b in range(256)]
    out = array("f", bytes(4 * n_sen * n_feat * n_cw))
    for f in range(n_feat):
        for c in range(n_cw):
            row = data[(f * n_cw + c) * n_sen:(f * n_cw + c + 1) * n_sen]
            for s, b in enumerate(row):
                out[(s * n_feat + f) * n_cw + c] = table[b]
    for i in range(0, len(out), n_cw):
        tot = sum(out[i:i + n_cw])
        for k in range(i, i + n_cw):
            out[k] /= tot

    with open(sys.argv[2], "wb") as f:
        head = b"s3\nversion 1.0\n"
        pad = (4 - (len(head) + len(b"endhdr\n")) % 4) % 4
        f.write(head + b" " * pad + b"endhdr\n")
        f.write(struct.pack("=I", 0x11223344))
        f.write(struct.pack("=IIII", n_sen, n_feat, n_cw,
                            n_sen * n_feat * n_cw))
        out.tofile(f)


if __name__ == "__main__":
    main()
