"""rtpcount — count the RTP that really crosses loopback, and write RTP pcaps.

SIPp cannot tell a test how much RTP a caller *received*: a UAC never reads
its media socket, and the packet counters it has ("Total RTP pckts sent",
"Total echo RTP pckts") live only on its interactive screen, per process, and
are not reliably in the final screen dump. So the test watches the wire:

    from rtpcount import RtpCapture
    with RtpCapture(ports=[caller_mp, agent_mp]) as cap:
        ... run caller.xml against switchboard, agent.xml -rtp_echo behind it ...
    cap.count(dst_port=caller_mp)       # RTP that reached the caller
    cap.count(src_port=caller_mp)       # RTP the caller sent
    cap.flows                           # {(src_ip, sport, dst_ip, dport): Flow}

It uses a Linux AF_PACKET socket on "lo" (needs root or CAP_NET_RAW, which
SIPp's play_pcap_audio needs anyway), no tshark, and parses IPv4/UDP/RTP in
Python. Each loopback packet is seen twice by AF_PACKET (outgoing and
incoming); the outgoing copy is dropped, as libpcap does, so every packet
is counted once. Only packets with a source or destination port in `ports`
are kept (all UDP if ports is None). RTCP (PT 200-204) and non-RTP UDP are
counted separately (Flow.other), never as RTP.

write_pcap() writes a pcap SIPp's play_pcap_audio can play: PCMU (PT 0) or
PCMA (PT 8) tone packets, optionally followed by RFC 4733 telephone-events,
so tests need no binary files in the repository.
"""
import collections
import math
import os
import select
import socket
import struct
import threading
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class Flow:
    """What was seen from one (src_ip, sport) to one (dst_ip, dport)."""

    def __init__(self):
        self.packets = 0          # RTP packets (version 2, PT not 72-76)
        self.bytes = 0            # RTP payload bytes
        self.other = 0            # UDP packets that are not RTP (RTCP, SIP...)
        self.pts = collections.Counter()    # payload type -> packets
        self.ssrcs = set()
        self.first_seq = None
        self.last_seq = None
        self.first_time = None
        self.last_time = None
        self.events = []          # (rtp timestamp, event, end_bit, duration)

    def digits(self):
        """RFC 4733 digits in order, one per event (events are grouped by
        their RTP timestamp, so retransmitted end packets count once)."""
        names = "0123456789*#ABCD"
        out, seen = [], set()
        for ts, ev, _end, _dur in self.events:
            if ts in seen:
                continue
            seen.add(ts)
            out.append(names[ev] if ev < 16 else "F")
        return "".join(out)

    def __repr__(self):
        return ("Flow(packets=%d, bytes=%d, other=%d, pts=%s, ssrcs=%d)"
                % (self.packets, self.bytes, self.other, dict(self.pts),
                   len(self.ssrcs)))


class RtpCapture:
    """Capture UDP on the loopback interface while the `with` block runs.

    ports: iterable of UDP ports of interest (a packet is kept if its source
    or destination port is in it); None keeps all UDP on lo.
    event_pts: payload types treated as RFC 4733 telephone-event (default 101
    and 96, the one SIPp's play_dtmf uses).
    settle: seconds to keep reading after the block ends, so packets still in
    flight are counted.
    """

    def __init__(self, ports=None, ifname="lo", event_pts=(101, 96),
                 settle=0.3, rcvbuf=8 << 20):
        self.ports = set(ports) if ports is not None else None
        self.ifname = ifname
        self.event_pts = set(event_pts)
        self.settle = settle
        self.flows = collections.defaultdict(Flow)
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_ALL))
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        except OSError:
            pass
        self.sock.bind((ifname, 0))
        self.sock.setblocking(False)
        self._stop = threading.Event()
        self._thread = None
        self.started = None
        self.stopped = None

    # -- life cycle -------------------------------------------------------
    def start(self):
        self.started = time.time()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is None:
            return self
        time.sleep(self.settle)
        self._stop.set()
        self._thread.join(5)
        self._thread = None
        self.sock.close()
        self.stopped = time.time()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self.sock], [], [], 0.05)
            if not r:
                continue
            while True:
                try:
                    data, addr = self.sock.recvfrom(65535)
                except BlockingIOError:
                    break
                except OSError:
                    return
                if addr[2] == PACKET_OUTGOING:
                    continue      # the same packet comes back as incoming
                self._parse(data, time.time())

    # -- parsing ----------------------------------------------------------
    def _parse(self, data, now):
        if len(data) < 14 + 20 + 8:
            return
        if struct.unpack("!H", data[12:14])[0] != 0x0800:
            return                # IPv4 only (switchboard tests use 127/8)
        ip = data[14:]
        ihl = (ip[0] & 0x0f) * 4
        if ip[9] != 17 or len(ip) < ihl + 8:
            return
        total = struct.unpack("!H", ip[2:4])[0]
        src = socket.inet_ntoa(ip[12:16])
        dst = socket.inet_ntoa(ip[16:20])
        udp = ip[ihl:total]
        sport, dport = struct.unpack("!HH", udp[:4])
        if self.ports is not None and sport not in self.ports \
                and dport not in self.ports:
            return
        payload = udp[8:]
        with self.lock:
            flow = self.flows[(src, sport, dst, dport)]
            if len(payload) < 12 or payload[0] >> 6 != 2 \
                    or 72 <= (payload[1] & 0x7f) <= 76:
                flow.other += 1   # not RTP (or RTCP: PT 200-204)
                return
            cc = payload[0] & 0x0f
            pt = payload[1] & 0x7f
            seq, ts, ssrc = struct.unpack("!HII", payload[2:12])
            body = payload[12 + 4 * cc:]
            flow.packets += 1
            flow.bytes += len(body)
            flow.pts[pt] += 1
            flow.ssrcs.add(ssrc)
            if flow.first_seq is None:
                flow.first_seq = seq
                flow.first_time = now
            flow.last_seq = seq
            flow.last_time = now
            if pt in self.event_pts and len(body) >= 4:
                ev, flags, dur = struct.unpack("!BBH", body[:4])
                flow.events.append((ts, ev, bool(flags & 0x80), dur))

    # -- queries ----------------------------------------------------------
    def select(self, src_port=None, dst_port=None, src_ip=None, dst_ip=None):
        """Flows matching every given criterion: {key: Flow}."""
        with self.lock:
            return {k: f for k, f in self.flows.items()
                    if (src_ip is None or k[0] == src_ip)
                    and (src_port is None or k[1] == src_port)
                    and (dst_ip is None or k[2] == dst_ip)
                    and (dst_port is None or k[3] == dst_port)}

    def count(self, src_port=None, dst_port=None, pt=None, **kw):
        """RTP packets matching (all flows summed); pt restricts to one
        payload type."""
        n = 0
        for f in self.select(src_port, dst_port, **kw).values():
            n += f.pts.get(pt, 0) if pt is not None else f.packets
        return n

    def digits(self, src_port=None, dst_port=None, **kw):
        """RFC 4733 digits seen on the matching flows (concatenated)."""
        return "".join(f.digits() for f in
                       self.select(src_port, dst_port, **kw).values())

    def summary(self):
        """One line per flow, for failure messages."""
        with self.lock:
            return "\n".join("%s:%d -> %s:%d %r" % (k + (f,))
                             for k, f in sorted(self.flows.items()))


# -- pcap writing ----------------------------------------------------------
def _ulaw(sample):
    """16-bit linear -> G.711 mu-law byte (the classic Sun g711.c)."""
    s = sample >> 2
    mask = 0xff
    if s < 0:
        s, mask = -s, 0x7f
    s = min(s, 8159) + 0x21
    seg = 0
    while seg < 8 and s > (0x40 << seg) - 1:
        seg += 1
    if seg == 8:
        return 0x7f ^ mask
    return ((seg << 4) | ((s >> (seg + 1)) & 0x0f)) ^ mask


def _alaw(sample):
    """16-bit linear -> G.711 A-law byte."""
    sign = 0x80 if sample >= 0 else 0
    if sample < 0:
        sample = -sample - 1
    sample = min(sample, 32767) >> 3          # 13-bit magnitude
    if sample < 32:
        byte = sample >> 1
    else:
        exp = sample.bit_length() - 5          # 1..7
        byte = (exp << 4) | ((sample >> exp) & 0x0f)
    return (byte | sign) ^ 0x55


def write_pcap(path, packets=250, pt=0, tone_hz=440.0, amplitude=8000,
               dtmf="", event_pt=101, ssrc=0x5B5B0001, dport=40000,
               ptime_ms=20, payload=None):
    """Write an Ethernet/IPv4/UDP/RTP pcap that SIPp can play_pcap_audio.

    packets: number of audio packets (ptime_ms each, 160 samples at 20 ms).
    payload: audio already coded for pt (e.g. a u-law WAV's samples)
    instead of the tone; then packets is as many as it fills (the last
    padded with silence).
    pt: 0 (PCMU) or 8 (PCMA). dtmf: digits sent after the audio as RFC 4733
    events with payload type event_pt (each: 5 updates + 3 end packets at
    20 ms, then 3 audio packets of gap), same SSRC and sequence space.
    Returns {"packets": total, "audio": n_audio, "events": n_event_pkts,
    "duration": seconds}. Addresses/ports in the file do not matter: SIPp
    rewrites them (all packets go to one destination port, `dport`).
    """
    enc = {0: _ulaw, 8: _alaw}[pt]
    spp = 8 * ptime_ms                 # samples per packet at 8 kHz
    recs = []                          # (time offset s, rtp bytes)
    seq, ts, t = 1000, 0, 0.0
    audio_n = event_n = 0
    phase = 0

    def audio(count, silent=False):
        nonlocal seq, ts, t, phase, audio_n
        for _ in range(count):
            if payload is not None and not silent:
                body = payload[phase:phase + spp]
                body += bytes([enc(0)]) * (spp - len(body))
            else:
                body = bytes(enc(0 if silent else int(amplitude * math.sin(
                    2 * math.pi * tone_hz * (phase + i) / 8000.0)))
                    for i in range(spp))
            phase += spp
            recs.append((t, struct.pack("!BBHII", 0x80, pt, seq & 0xffff,
                                        ts & 0xffffffff, ssrc) + body))
            seq += 1
            ts += spp
            t += ptime_ms / 1000.0
            audio_n += 1

    if payload is not None:
        packets = (len(payload) + spp - 1) // spp
    audio(packets)
    names = "0123456789*#ABCD"
    for d in dtmf:
        ev = names.index(d.upper())
        start_ts = ts
        for k in range(8):             # 5 updates, then the end packet x3
            end = k >= 5
            dur = spp * min(k + 1, 5)
            m = 0x80 if k == 0 else 0
            body = struct.pack("!BBH", ev, (0x80 if end else 0) | 10, dur)
            recs.append((t, struct.pack("!BBHII", 0x80, m | event_pt,
                                        seq & 0xffff, start_ts, ssrc) + body))
            seq += 1
            t += ptime_ms / 1000.0
            event_n += 1
        ts = start_ts + spp * 5
        audio(3, silent=True)

    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        src, dst = socket.inet_aton("10.0.0.1"), socket.inet_aton("10.0.0.2")
        for off, rtp in recs:
            udp = struct.pack("!HHHH", dport - 2000, dport, 8 + len(rtp), 0) + rtp
            iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0,
                              64, 17, 0, src, dst)
            csum = sum(struct.unpack("!10H", iph))
            csum = (csum & 0xffff) + (csum >> 16)
            csum = (csum & 0xffff) + (csum >> 16)
            iph = iph[:10] + struct.pack("!H", ~csum & 0xffff) + iph[12:]
            frame = b"\x00" * 12 + b"\x08\x00" + iph + udp
            sec = int(off)
            f.write(struct.pack("<IIII", sec, int(round((off - sec) * 1e6)),
                                len(frame), len(frame)))
            f.write(frame)
    return {"packets": len(recs), "audio": audio_n, "events": event_n,
            "duration": t}


if __name__ == "__main__":
    # python3 tests/lib/rtpcount.py PORT [SECONDS]: print flows seen on lo
    import sys
    ports = [int(p) for p in sys.argv[1].split(",")] if len(sys.argv) > 1 else None
    with RtpCapture(ports) as cap:
        time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 5)
    print(cap.summary())
