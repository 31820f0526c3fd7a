#!/usr/bin/env python3
"""sipcap.py — call setup times from a capture of the UAC's SIP traffic.

usage: sipcap.py FILE.pcap UAC_PORT[,UAC_PORT...] [--timeline]

Reads a classic pcap (dumpcap -P) of loopback UDP, keeps the packets sent
from or to the UAC ports, and for every Call-ID takes the time of the first
INVITE the UAC sent and of the first 200 (CSeq INVITE) it received: the
setup time as seen on the wire at the caller, with the capture's
microsecond timestamps (SIPp's own -trace_rtt has 1 ms resolution).

Prints one JSON object: invites, answered, rate (INVITEs per second between
the first and last INVITE), p50/p90/p99/max setup time in ms.
"""
import json
import re
import struct
import sys

CALLID = re.compile(rb"^(?:Call-ID|i)\s*:\s*(\S+)", re.I | re.M)
CSEQ = re.compile(rb"^CSeq\s*:\s*\d+\s+(\w+)", re.I | re.M)


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        else:
            end = ">"
            magic = struct.unpack(">I", hdr[:4])[0]
        nano = magic == 0xA1B23C4D
        linktype = struct.unpack(end + "I", hdr[20:24])[0]
        rec = struct.Struct(end + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, incl, _ = rec.unpack(h)
            data = f.read(incl)
            if len(data) < incl:
                return
            ts = sec + frac / (1e9 if nano else 1e6)
            if linktype == 1:          # Ethernet (Linux lo)
                off, etype = 14, data[12:14]
                if etype != b"\x08\x00":
                    continue
            elif linktype == 113:      # Linux cooked
                off = 16
            elif linktype == 276:      # Linux cooked v2
                off = 20
            elif linktype in (0, 108): # BSD loopback
                off = 4
            elif linktype == 101:      # raw IP
                off = 0
            else:
                continue
            ip = data[off:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            sport, dport = struct.unpack(">HH", ip[ihl:ihl + 4])
            yield ts, sport, dport, ip[ihl + 8:]


def pct(v, p):
    if not v:
        return None
    i = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[i]


def main():
    path, ports = sys.argv[1], {int(p) for p in sys.argv[2].split(",")}
    inv, ok = {}, {}
    first = last = None
    for ts, sport, dport, payload in packets(path):
        if sport in ports and payload.startswith(b"INVITE "):
            m = CALLID.search(payload)
            if m and m.group(1) not in inv:
                inv[m.group(1)] = ts
                first = ts if first is None else first
                last = ts
        elif dport in ports and payload.startswith(b"SIP/2.0 200"):
            c = CSEQ.search(payload)
            m = CALLID.search(payload)
            if c and m and c.group(1) == b"INVITE" and m.group(1) not in ok:
                ok[m.group(1)] = ts
    setup = sorted((ok[c] - t) * 1000.0 for c, t in inv.items() if c in ok)
    span = (last - first) if first is not None and last > first else 0
    out = {
        "invites": len(inv),
        "answered": len(setup),
        "rate": round((len(inv) - 1) / span, 1) if span else 0,
        "p50_ms": round(pct(setup, 50), 3) if setup else None,
        "p90_ms": round(pct(setup, 90), 3) if setup else None,
        "p99_ms": round(pct(setup, 99), 3) if setup else None,
        "max_ms": round(setup[-1], 3) if setup else None,
    }
    print(json.dumps(out))
    if len(sys.argv) > 3 and sys.argv[3] == "--timeline":
        # worst setup time per 500 ms of INVITEs, to see stalls
        buckets = {}
        for c, t in inv.items():
            if c in ok:
                b = int((t - first) * 2)
                buckets[b] = max(buckets.get(b, 0), (ok[c] - t) * 1000.0)
        for b in sorted(buckets):
            print("%6.1fs %9.1f ms %s" % (b / 2.0, buckets[b], "#" * min(60, int(buckets[b] / 10))),
                  file=sys.stderr)


if __name__ == "__main__":
    main()
