#!/usr/bin/env python3
"""Side by side: the per-call CPU cost of transcoding in rtpengine (Debian's rtpengine-daemon,
userspace forwarding, --table=-1) and in vlgw's media pipeline (vlgw-media-bench).

rtpengine gets N calls set up over its ng control protocol, each transcoding PCMU/8000 on
side A to L16/24000 (the PCM16 24 kHz vlgw hands the AI) on side B. This script plays both
parties at 50 packets/s per direction for a few seconds and reads rtpengine's CPU time
from /proc. The result is microseconds of CPU per call per 20 ms (both directions), the
same unit vlgw-media-bench prints for its "pcmu<->24k both ways" pipeline.

    python3 Benchmarks/rtpengine-compare.py [calls=50] [seconds=10]
Needs: apt-get install rtpengine-daemon; a release build (swift build -c release).
"""
import math, os, socket, struct, subprocess, sys, time

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 10
NG = ("127.0.0.1", 22299)

def benc(x):
    if isinstance(x, dict): return b"d" + b"".join(benc(k) + benc(v) for k, v in sorted(x.items())) + b"e"
    if isinstance(x, list): return b"l" + b"".join(benc(i) for i in x) + b"e"
    if isinstance(x, int): return b"i%de" % x
    if isinstance(x, str): x = x.encode()
    return b"%d:%s" % (len(x), x)

def ng(sock, cookie, msg):
    sock.sendto(cookie.encode() + b" " + benc(msg), NG)
    reply = sock.recv(65535).decode(errors="replace")
    return reply

def media_port(sdp_reply):
    for line in sdp_reply.split("\r\n"):
        if line.startswith("m=audio "): return int(line.split()[1])
    raise RuntimeError("no m= line in " + sdp_reply[:300])

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

rtpe = subprocess.Popen(["rtpengine", "--table=-1", "--interface=127.0.0.1", f"--listen-ng={NG[0]}:{NG[1]}", "--foreground",
                         "--log-level=3", "--port-min=50000", "--port-max=59999", "--num-threads=1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1)
ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ctl.settimeout(3)
calls = []
try:
    for i in range(CALLS):
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0)); a.setblocking(False)
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0)); b.setblocking(False)
        sdp_a = f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {a.getsockname()[1]} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
        offer = ng(ctl, f"o{i}", {"command": "offer", "call-id": f"bench{i}", "from-tag": "a", "sdp": sdp_a,
                                  "codec": {"transcode": ["L16/24000/1"]}})
        to_b = media_port(offer)   # where B sends
        sdp_b = f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {b.getsockname()[1]} RTP/AVP 96\r\na=rtpmap:96 L16/24000\r\na=ptime:20\r\n"
        answer = ng(ctl, f"a{i}", {"command": "answer", "call-id": f"bench{i}", "from-tag": "a", "to-tag": "b", "sdp": sdp_b})
        to_a = media_port(answer)  # where A sends
        calls.append((a, b, to_a, to_b))
    pcmu = bytes([0xFF ^ (int(20 * math.sin(i / 3)) & 0x7F) for i in range(160)])
    l16 = b"".join(struct.pack(">h", int(6000 * math.sin(2 * math.pi * 440 * i / 24000))) for i in range(480))
    received = 0
    start_cpu, start = cpu_seconds(rtpe.pid), time.time()
    tick = 0
    while time.time() - start < SECONDS:
        for n, (a, b, to_a, to_b) in enumerate(calls):
            hdr = struct.pack("!BBHII", 0x80, 0, tick & 0xFFFF, tick * 160, 1000 + n)
            a.sendto(hdr + pcmu, ("127.0.0.1", to_a))
            hdr = struct.pack("!BBHII", 0x80, 96, tick & 0xFFFF, tick * 480, 5000 + n)
            b.sendto(hdr + l16, ("127.0.0.1", to_b))
            for s in (a, b):
                try:
                    while True: s.recv(4096); received += 1
                except BlockingIOError: pass
        tick += 1
        delay = start + tick * 0.02 - time.time()
        if delay > 0: time.sleep(delay)
    used = cpu_seconds(rtpe.pid) - start_cpu
    elapsed = time.time() - start
    sent = tick * CALLS * 2
    per_call_tick_us = used / (elapsed / 0.02) / CALLS * 1e6
    version = subprocess.run(["rtpengine", "--version"], capture_output=True, text=True)
    version = (version.stdout + version.stderr).split()[1]
    print(f"rtpengine {version} (userspace, 1 thread): "
          f"{CALLS} calls PCMU<->L16/24000, {sent} packets sent, {received} received back ({100*received/max(1,sent):.0f}%), "
          f"CPU {100*used/elapsed:.1f}% of a core -> {per_call_tick_us:.1f} us per call per 20 ms (both directions, incl. socket I/O)")
finally:
    rtpe.terminate(); rtpe.wait()

bench = os.path.join(os.path.dirname(__file__), "..", ".build", "release", "vlgw-media-bench")
if os.path.exists(bench):
    out = subprocess.run([bench], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("pipeline pcmu"):
            engine = "libsoxr HQ" if "soxr" in line else "Swift polyphase (default)"
            ours = int(line.split()[-2]) / 1000
            print(f"vlgw media pipeline, {engine}: {ours:.1f} us per call per 20 ms (PCMU<->24k PCM16 both ways, no socket I/O); "
                  f"rtpengine / vlgw = {per_call_tick_us / ours:.2f}")
else:
    print("build vlgw-media-bench first: swift build -c release --product vlgw-media-bench")
