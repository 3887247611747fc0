#!/usr/bin/env python3
"""Whole-process load, vlgw beside rtpengine, in one run.

For each number of calls N it:
  1. starts `vlgw up --media-workers 1` (release build, CURVE bus on, the offline simulator
     in echo mode: it hands every 20 ms of caller audio straight back as the AI's audio),
     sets up N calls over SIP/UDP, and streams PCMU at 50 packets/s per call both ways with
     Benchmarks/load/rtp-load.c (compiled here; sendmmsg/recvmmsg, one socket for all
     calls), so the worker decodes, resamples to 24 kHz, sends to the bridge, the bridge
     to the simulator over WebSocket (base64 JSON), and back the same way;
  2. starts rtpengine (Debian's rtpengine-daemon 10.5, userspace, one worker thread) for N
     calls three times, streaming both sides at 50 packets/s: forwarding PCMU unchanged,
     transcoding PCMU <-> PCMA (G.711 decode + encode each way, no resampling: less work
     than vlgw's), and PCMU <-> G.722 (8 <-> 16 kHz resampling and G.722 each way: more
     codec work than vlgw's). rtpengine cannot produce vlgw's exact pair: it has no RTP
     definition for L16 (`rtpengine --codecs`: PCM-S16LE "lacks RTP definition"); asked to
     transcode to L16/24000 it silently forwards the PCMU untouched, which is what the old
     rtpengine-compare.py script this replaced measured. The generator checks each leg receives the
     other leg's codec (payload type) and the tone, so a forwarding run cannot pass as one;
  3. reads each process's CPU time (all its threads, from /proc) over the measured window,
     checks the packet rate really reached 50/s per call each way, and checks a sample of
     calls by frequency (the 440 Hz tone sent must come back).

It prints microseconds of CPU per call per 20 ms (both directions) and calls per core for
vlgw-media, vlgw-bridge (sessions per core) and rtpengine, and rtpengine / vlgw-media.
Calls per core is 20 000 us / cost: what one core would carry at 100 %.

    python3 Benchmarks/load.py [--calls 100,1000] [--seconds 20] [--warmup 5] [--bin .build/release]
                               [--codec-table pcmu,g722,opus --codec-calls 20]

--codec-table adds a second table: vlgw-media with callers on G.722 or Opus (each <-> 24 kHz;
ffmpeg encodes the callers' tone, Opus at a constant bitrate) beside encode + decode alone in
spandsp / libopus with vlgw's settings (Benchmarks/load/codec-floor.c). Those calls are
checked for rate and payload type, not by frequency (the generator decodes only PCMU).

Needs: swift build -c release; apt-get install -y rtpengine-daemon sip-tester gcc ffmpeg libopus-dev libspandsp-dev.
All planes, rtpengine and the load generator share this machine's cores: at loads where
they need more than the machine has, the packet-rate check says so and the figure is not
a capacity (a starved process does less work per call).
"""
import argparse, json, os, re, signal, socket, subprocess, sys, tempfile, time
from collections import deque

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICK_S = 0.02
SIP_PORT, CONTROL, AUDIO, SIM, METRICS = 35060, 35070, 35071, 35080, 35090
GEN_A, GEN_B = 33000, 33002
NG = ("127.0.0.1", 35099)
SETUP_RATE = 100   # new calls per second while setting up


def clk():
    return os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of every thread of `pid`, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / clk()


def children(pid):
    """{command name: pid} of the direct children of `pid`."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out[name] = int(entry)
    return out


def build_generator(workdir):
    exe = os.path.join(workdir, "rtp-load")
    subprocess.run(["gcc", "-O2", "-o", exe, os.path.join(HERE, "load", "rtp-load.c"), "-lm"], check=True)
    return exe


def make_payloads(workdir):
    """1 s of a 440 Hz tone, encoded: {codec: path}. G.711 here, G.722 by ffmpeg."""
    import audioop, math, struct
    tone = lambda rate: b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate))
    paths = {name: os.path.join(workdir, f"tone.{name}") for name in ("pcmu", "pcma", "g722", "opus")}
    open(paths["pcmu"], "wb").write(audioop.lin2ulaw(tone(8000), 2))
    open(paths["pcma"], "wb").write(audioop.lin2alaw(tone(8000), 2))
    raw16 = os.path.join(workdir, "tone16.raw")
    open(raw16, "wb").write(tone(16000))
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", raw16,
                    "-c:a", "g722", "-f", "g722", paths["g722"]], check=True)
    # Opus: libopus at a constant 32 kbit/s, so every 20 ms packet has the same size and the
    # generator can cut the file into 50 equal packets; taken out of the Ogg pages here.
    raw48, ogg = os.path.join(workdir, "tone48.raw"), os.path.join(workdir, "tone.ogg")
    open(raw48, "wb").write(tone(48000))
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "s16le", "-ar", "48000", "-ac", "1", "-i", raw48, "-c:a", "libopus",
                    "-b:a", "32k", "-vbr", "off", "-frame_duration", "20", "-application", "voip", ogg], check=True)
    packets = ogg_packets(open(ogg, "rb").read())[2:]   # after OpusHead and OpusTags
    sizes = {len(x) for x in packets[:50]}
    if len(packets) < 50 or len(sizes) != 1:
        sys.exit(f"load.py: ffmpeg's constant-bitrate Opus gave packets of sizes {sorted(sizes)}; the generator needs one size")
    open(paths["opus"], "wb").write(b"".join(packets[:50]))
    return paths


def ogg_packets(data):
    """The packets of an Ogg stream (RFC 3533: pages of segments; a segment shorter than 255
    bytes ends a packet, which may span pages)."""
    packets, current, at = [], b"", 0
    while at + 27 <= len(data) and data[at:at + 4] == b"OggS":
        count = data[at + 26]
        table = data[at + 27:at + 27 + count]
        at += 27 + count
        for lacing in table:
            current += data[at:at + lacing]
            at += lacing
            if lacing < 255:
                packets.append(current)
                current = b""
    return packets


# MARK: SIP caller (setup and teardown only; the media is rtp-load's)

# The caller's codec toward vlgw: payload type, rtpmap, RTP timestamp step per 20 ms, and how
# the generator checks what comes back (the 440 Hz check needs a decoder it has: PCMU only).
VLGW_CODECS = {
    "pcmu": (0, "PCMU/8000", 160, "pcmu"),
    "g722": (9, "G722/8000", 160, "none"),
    "opus": (111, "opus/48000/2", 960, "none"),
}


def sip_calls(n, media_port, codec="pcmu"):
    """Sets up n calls to the gateway; returns [(call_id, to_tag, worker_rtp_port)]."""
    pt, rtpmap = VLGW_CODECS[codec][:2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.settimeout(0.2)
    local = s.getsockname()[1]
    target = ("127.0.0.1", SIP_PORT)
    ruri = f"sip:bench@127.0.0.1:{SIP_PORT}"

    def invite(i):
        sdp = (f"v=0\r\no=bench {i} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {media_port} RTP/AVP {pt}\r\na=rtpmap:{pt} {rtpmap}\r\na=ptime:20\r\n")
        return (f"INVITE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-inv-{i}\r\n"
                f"From: <sip:caller{i}@127.0.0.1>;tag=f{i}\r\nTo: <{ruri}>\r\nCall-ID: load-{i}@bench\r\n"
                f"CSeq: 1 INVITE\r\nContact: <sip:caller{i}@127.0.0.1:{local}>\r\nMax-Forwards: 70\r\n"
                f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}").encode()

    pending, inflight, done, failed = deque(range(n)), {}, {}, []
    started = time.time()
    sent = 0
    while pending or inflight:
        # At most SETUP_RATE new calls a second (each opens an AI WebSocket too), 40 at once.
        while pending and len(inflight) < 40 and sent < (time.time() - started) * SETUP_RATE + 1:
            i = pending.popleft()
            s.sendto(invite(i), target)
            inflight[i] = time.time()
            sent += 1
        try:
            data = s.recv(65535).decode(errors="replace")
        except socket.timeout:
            data = ""
        if data.startswith("SIP/2.0 "):
            status = int(data[8:11])
            m = re.search(r"Call-ID: load-(\d+)@bench", data)
            i = int(m.group(1)) if m else -1
            if i in inflight and status >= 200:
                del inflight[i]
                if status == 200:
                    tag = re.search(r"\r\nTo:[^\r]*;tag=([^;\r]+)", data).group(1)
                    port = int(re.search(r"m=audio (\d+)", data).group(1))
                    s.sendto((f"ACK {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-ack-{i}\r\n"
                              f"From: <sip:caller{i}@127.0.0.1>;tag=f{i}\r\nTo: <{ruri}>;tag={tag}\r\n"
                              f"Call-ID: load-{i}@bench\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode(), target)
                    done[i] = (tag, port)
                else:
                    failed.append((i, status))
        for i, at in list(inflight.items()):
            if time.time() - at > 2:   # retransmit (UDP); the transaction absorbs duplicates
                s.sendto(invite(i), target)
                inflight[i] = time.time()
    s.close()
    if failed:
        print(f"  {n} calls: {len(failed)} refused, e.g. (call, status) {failed[:3]}", file=sys.stderr)
    return [(i, tag, port) for i, (tag, port) in sorted(done.items())]


def sip_hangup(calls):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    local = s.getsockname()[1]
    ruri = f"sip:bench@127.0.0.1:{SIP_PORT}"
    for i, tag, _ in calls:
        s.sendto((f"BYE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-bye-{i}\r\n"
                  f"From: <sip:caller{i}@127.0.0.1>;tag=f{i}\r\nTo: <{ruri}>;tag={tag}\r\n"
                  f"Call-ID: load-{i}@bench\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode(),
                 ("127.0.0.1", SIP_PORT))
        if i % 50 == 0:
            time.sleep(0.01)
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            s.recv(65535)
        except socket.timeout:
            break
    s.close()


def histogram(port, name):
    """{upper bound in seconds: cumulative count} of a Prometheus histogram on /metrics."""
    import urllib.request
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for m in re.finditer(name + r'_bucket\{le="([^"]+)"\} (\d+)', text):
        out[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = int(m.group(2))
    return out


def percentile(before, after, q):
    """The q-quantile (ms) of what a histogram gained between two readings, interpolated
    within its bucket; None without samples."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0) for b in bounds]
    total = counts[-1] if counts else 0
    if total == 0:
        return None
    rank, lower, below = q * total, 0.0, 0
    for bound, cumulative in zip(bounds, counts):
        if cumulative >= rank:
            if bound == float("inf"):
                return lower * 1000
            return (lower + (bound - lower) * (rank - below) / max(1, cumulative - below)) * 1000
        lower, below = bound, cumulative
    return None


def measure(gen_args, pids, seconds, warmup, histograms=()):
    """Runs the generator; returns (its JSON, {name: CPU share over the window},
    {histogram: (p50 ms, p99 ms, samples)}). `histograms`: (name, metrics port) pairs."""
    gen = subprocess.Popen(gen_args, stdout=subprocess.PIPE, text=True)
    time.sleep(warmup)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    h0 = {name: histogram(port, name) for name, port in histograms}
    t0 = time.time()
    time.sleep(seconds)
    used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    wall = time.time() - t0
    h1 = {name: histogram(port, name) for name, port in histograms}
    out, _ = gen.communicate(timeout=60)
    latency = {name: (percentile(h0[name], h1[name], 0.5), percentile(h0[name], h1[name], 0.99),
                      max(h1[name].values(), default=0) - max(h0[name].values(), default=0)) for name, _ in histograms}
    return json.loads(out), {name: u / wall for name, u in used.items()}, latency


def rate_ok(side, calls):
    """Every call got 50 packets/s back (49 allows the window's edges) and the tone."""
    return side["per_call_per_s_min"] >= 49.0 and side["tone_ok"] == side["tone_checked"]


# MARK: vlgw

def run_vlgw(n, args, generator, workdir, codec="pcmu"):
    env = dict(os.environ)
    env.update({
        "VLGW_STATE_DIR": os.path.join(workdir, f"state-{n}"), "SIP_PORT": str(SIP_PORT), "SIP_LOCAL_ADDRESS": "127.0.0.1",
        "VLGW_CONTROL_BIND": f"tcp://127.0.0.1:{CONTROL}", "VLGW_CONTROL_CONNECT": f"tcp://127.0.0.1:{CONTROL}",
        "VLGW_BRIDGE_AUDIO_BIND": f"tcp://127.0.0.1:{AUDIO}", "VLGW_BRIDGE_AUDIO_CONNECT": f"tcp://127.0.0.1:{AUDIO}",
        "VLGW_SIMULATOR_PORT": str(SIM), "VLGW_SIGNALING_METRICS_PORT": str(METRICS), "VLGW_BRIDGE_METRICS_PORT": str(METRICS + 1),
        "VLGW_MEDIA_METRICS_PORT": str(METRICS + 2), "VLGW_WEB_PORT": "0",
        "MEDIA_ADDRESS": "127.0.0.1", "MEDIA_PORT": "40000", "MEDIA_PORT_COUNT": "12000", "VLGW_WORKER_CAPACITY": "6000",
        "VLGW_MAX_CALLS": "6000", "VLGW_INVITE_RATE_PER_SOURCE": "100000", "VLGW_REQUEST_RATE_PER_SOURCE": "1000000",
        "VLGW_SIM_MODE": "echo", "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false", "VLGW_SILENCE_REPROMPT_SEC": "0",
        "LOG_LEVEL": "warning",
    })
    for k in ("AZURE_VOICELIVE_ENDPOINT", "AZURE_VOICELIVE_API_KEY"):
        env.pop(k, None)
    up = subprocess.Popen([os.path.join(args.bin, "vlgw"), "up", "--media-workers", "1"], env=env,
                          stdout=open(os.path.join(workdir, f"up-{n}.log"), "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while time.time() < deadline and "vlgw is up" not in open(os.path.join(workdir, f"up-{n}.log")).read():
            time.sleep(0.2)
        kids = children(up.pid)
        pids = {"vlgw-media": kids["vlgw-media"], "vlgw-bridge": kids["vlgw-bridge"],
                "simulator": kids.get("vlgw-voicelive-", kids.get("vlgw-voicelive-sim")), "vlgw-signaling": kids["vlgw-signaling"]}
        calls = sip_calls(n, GEN_A, codec)
        pt, _, step, check = VLGW_CODECS[codec]
        with open(os.path.join(workdir, "targets"), "w") as f:
            f.write("\n".join(str(port) for _, _, port in calls) + "\n")
        result, cpu, latency = measure([generator, str(args.seconds), str(args.warmup), os.path.join(workdir, "targets"),
                                        f"{GEN_A}:{pt}:{step}:{args.payloads[codec]}:{check}"], pids, args.seconds, args.warmup,
                                       histograms=[("vlgw_audio_uplink_latency_seconds", METRICS + 1),
                                                   ("vlgw_audio_downlink_latency_seconds", METRICS + 2)])
        status = subprocess.run([os.path.join(args.bin, "vlgw"), "status"], env=env, capture_output=True, text=True, timeout=30)
        sip_hangup(calls)
        return len(calls), result, cpu, status, latency
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(timeout=20)
        except subprocess.TimeoutExpired:
            up.kill()


# MARK: rtpengine

def bencode(x):
    if isinstance(x, dict):
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in sorted(x.items())) + b"e"
    if isinstance(x, list):
        return b"l" + b"".join(bencode(i) for i in x) + b"e"
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    return b"%d:%s" % (len(x), x)


# The other leg of each rtpengine mode: its codec, payload type, RTP timestamp step per
# 20 ms, and whether rtpengine is asked to transcode to it.
RTPENGINE_MODES = {
    "forward": ("PCMU/8000", 0, 160, "pcmu", False),
    "pcma": ("PCMA/8000", 8, 160, "pcma", True),
    "g722": ("G722/8000", 9, 160, "g722", True),
}


def run_rtpengine(n, mode, args, generator, workdir):
    codec, pt, step, payload, transcode = RTPENGINE_MODES[mode]
    rtpe = subprocess.Popen(["rtpengine", "--table=-1", "--interface=127.0.0.1", f"--listen-ng={NG[0]}:{NG[1]}", "--foreground",
                             "--log-level=3", "--port-min=45000", "--port-max=60000", "--num-threads=1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ctl.settimeout(5)

        def ng(cookie, msg):
            ctl.sendto(cookie.encode() + b" " + bencode(msg), NG)
            return ctl.recv(65535).decode(errors="replace")

        def port_of(reply):
            return int(re.search(r"m=audio (\d+)", reply).group(1))

        lines = []
        for i in range(n):
            sdp_a = (f"v=0\r\no=- {i} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     f"m=audio {GEN_A} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n")
            offer = {"command": "offer", "call-id": f"load{i}", "from-tag": "a", "sdp": sdp_a}
            if transcode:
                offer["codec"] = {"transcode": [codec.split("/")[0]]}
            offered = ng(f"o{i}", offer)
            sdp_b = (f"v=0\r\no=- {i} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     f"m=audio {GEN_B} RTP/AVP {pt}\r\na=rtpmap:{pt} {codec}\r\na=ptime:20\r\n")
            answer = ng(f"a{i}", {"command": "answer", "call-id": f"load{i}", "from-tag": "a", "to-tag": "b", "sdp": sdp_b})
            lines.append(f"{port_of(answer)} {port_of(offered)}")   # where A sends, where B sends
        with open(os.path.join(workdir, "targets-rtpe"), "w") as f:
            f.write("\n".join(lines) + "\n")
        check_b = "pcmu" if mode == "forward" else "none"
        result, cpu, _ = measure([generator, str(args.seconds), str(args.warmup), os.path.join(workdir, "targets-rtpe"),
                               f"{GEN_A}:0:160:{args.payloads['pcmu']}:pcmu", f"{GEN_B}:{pt}:{step}:{args.payloads[payload]}:{check_b}"],
                              {"rtpengine": rtpe.pid}, args.seconds, args.warmup)
        # Each leg must get the other leg's codec: a run that forwarded instead is not a transcoding figure.
        ok = rate_ok(result["a"], n) and result["b"]["per_call_per_s_min"] >= 49.0 and result["a"]["payload_type"] == 0 and result["b"]["payload_type"] == pt
        return result, cpu["rtpengine"], ok
    finally:
        rtpe.terminate()
        rtpe.wait()


def per_call_us(cpu_fraction, calls):
    return cpu_fraction / (1 / TICK_S) / max(1, calls) * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--calls", default="100,1000")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    p.add_argument("--json", action="store_true", help="print the raw figures as JSON lines too")
    p.add_argument("--skip-rtpengine", action="store_true", help="vlgw only (e.g. to compare two builds of it)")
    p.add_argument("--codec-table", default="", help="also run vlgw with callers on these codecs (pcmu,g722,opus) beside the "
                   "codec libraries' own cost (Benchmarks/load/codec-floor.c)")
    p.add_argument("--codec-calls", type=int, default=20, help="calls for the --codec-table runs (Opus costs ~0.5 ms a call here)")
    args = p.parse_args()
    workdir = tempfile.mkdtemp(prefix="vlgw-load-")
    generator = build_generator(workdir)
    args.payloads = make_payloads(workdir)
    rows = []
    for n in [int(x) for x in args.calls.split(",") if x]:
        got, vl, vcpu, status, latency = run_vlgw(n, args, generator, workdir)
        up, down = latency["vlgw_audio_uplink_latency_seconds"], latency["vlgw_audio_downlink_latency_seconds"]
        status_calls = re.search(r"calls \((\d+)\)", status.stdout)
        row = {
            "calls": n, "answered": got,
            "vlgw_rate_ok": rate_ok(vl["a"], got) and vl["a"]["payload_type"] == 0, "vlgw_back_per_call_per_s_min": vl["a"]["per_call_per_s_min"],
            "vlgw_tone": f'{vl["a"]["tone_ok"]}/{vl["a"]["tone_checked"]}', "media_cpu": vcpu["vlgw-media"], "bridge_cpu": vcpu["vlgw-bridge"],
            "simulator_cpu": vcpu["simulator"], "signaling_cpu": vcpu["vlgw-signaling"],
            "media_us": per_call_us(vcpu["vlgw-media"], got), "bridge_us": per_call_us(vcpu["vlgw-bridge"], got),
            "status_calls": status_calls.group(1) if status_calls else f"failed (exit {status.returncode})",
            "uplink_p50_ms": up[0], "uplink_p99_ms": up[1], "uplink_samples": up[2],
            "downlink_p50_ms": down[0], "downlink_p99_ms": down[1], "downlink_samples": down[2],
        }
        for mode in RTPENGINE_MODES:
            if args.skip_rtpengine:
                row[f"rtpengine_{mode}_us"], row[f"rtpengine_{mode}_ok"], row[f"rtpengine_{mode}_cpu"] = 0, False, 0
                continue
            result, cpu, ok = run_rtpengine(n, mode, args, generator, workdir)
            row[f"rtpengine_{mode}_us"] = per_call_us(cpu, n)
            row[f"rtpengine_{mode}_ok"] = ok
            row[f"rtpengine_{mode}_cpu"] = cpu
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
    yes = lambda ok: "yes" if ok else "NO"
    per_core = lambda us: f"{20000 / max(0.01, us):,.0f}"
    print(f"\nWhole process, {args.seconds:.0f} s window after {args.warmup:.0f} s warm-up, CPU of every thread from /proc, "
          f"all processes on one machine of {os.cpu_count()} cores. us = CPU microseconds per call per 20 ms, both directions; "
          "per core = 20 000 / us.\n")
    print("| calls (vlgw: answered) | vlgw-media PCMU <-> 24 kHz: us (per core) | vlgw-bridge: us (sessions per core) | rtpengine forwarding PCMU: us (per core) "
          "| rtpengine PCMU <-> PCMA: us (per core) | rtpengine PCMU <-> G.722: us (per core) | rtpengine PCMU<->PCMA / vlgw-media "
          "| 50 packets/s both ways, right codec back (vlgw; rtpengine fwd, PCMA, G.722) | 440 Hz back (vlgw) | vlgw status lists |")
    print("|" + " --- |" * 10)
    for r in rows:
        print(f'| {r["calls"]} ({r["answered"]}) | {r["media_us"]:.1f} ({per_core(r["media_us"])}) | {r["bridge_us"]:.1f} ({per_core(r["bridge_us"])}) '
              f'| {r["rtpengine_forward_us"]:.1f} ({per_core(r["rtpengine_forward_us"])}) | {r["rtpengine_pcma_us"]:.1f} ({per_core(r["rtpengine_pcma_us"])}) '
              f'| {r["rtpengine_g722_us"]:.1f} ({per_core(r["rtpengine_g722_us"])}) | {r["rtpengine_pcma_us"] / max(0.01, r["media_us"]):.2f} '
              f'| {yes(r["vlgw_rate_ok"])}; {yes(r["rtpengine_forward_ok"])}, {yes(r["rtpengine_pcma_ok"])}, {yes(r["rtpengine_g722_ok"])} '
              f'| {r["vlgw_tone"]} | {r["status_calls"]} calls |')
    fmt = lambda v: "-" if v is None else f"{v:.1f}"
    print("\nAdded latency inside vlgw (CLOCK_MONOTONIC stamps in the audio frames; the bridge's and the worker's "
          "vlgw_audio_{uplink,downlink}_latency_seconds histograms over the same window, interpolated within 1 ms buckets):\n")
    print("| calls | uplink p50 / p99 ms (caller RTP in at the worker -> its audio handed to the AI WebSocket) "
          "| downlink p50 / p99 ms (AI delta in at the bridge -> its RTP packet out of the worker) | frames measured up / down |")
    print("|" + " --- |" * 4)
    for r in rows:
        print(f'| {r["calls"]} | {fmt(r["uplink_p50_ms"])} / {fmt(r["uplink_p99_ms"])} | {fmt(r["downlink_p50_ms"])} / {fmt(r["downlink_p99_ms"])} '
              f'| {r["uplink_samples"]:,} / {r["downlink_samples"]:,} |')
    if args.codec_table:
        codec_table(args, generator, workdir)
    if not rows:
        return
    sim = ", ".join(f"{r['simulator_cpu'] * 100:.0f} %" for r in rows)
    sig = ", ".join(f"{r['signaling_cpu'] * 100:.1f} %" for r in rows)
    print(f"\n(also: the simulator used {sim} of a core; signaling {sig}; logs in {workdir})")


def codec_table(args, generator, workdir):
    """vlgw-media per call with G.722 / Opus callers beside encode + decode alone in the
    codec libraries (spandsp, libopus; same settings), as the floor no gateway goes under."""
    floor_exe = os.path.join(workdir, "codec-floor")
    subprocess.run(["gcc", "-O2", "-I/usr/include/opus", "-o", floor_exe, os.path.join(HERE, "load", "codec-floor.c"),
                    "-lspandsp", "-lopus", "-lm"], check=True)
    floor = json.loads(subprocess.run([floor_exe, "5000"], capture_output=True, text=True, check=True).stdout)
    n = args.codec_calls
    print(f"\nOther codecs, {n} calls each (vlgw-media: whole process, as above; floor: encode one 20 ms frame and decode "
          "one in the codec library alone, Benchmarks/load/codec-floor.c, one process, no sockets):\n")
    print("| caller codec <-> 24 kHz | calls (answered) | vlgw-media: us per call per 20 ms (per core) | codec alone: us (per core) "
          "| vlgw-media / codec alone | 50 packets/s back, right codec |")
    print("|" + " --- |" * 6)
    names = {"pcmu": "PCMU (for reference)", "g722": "G.722", "opus": "Opus"}
    for codec in [c for c in args.codec_table.split(",") if c]:
        got, vl, vcpu, _, _ = run_vlgw(n, args, generator, workdir, codec)
        us = per_call_us(vcpu["vlgw-media"], got)
        alone = floor.get(f"{codec}_us")   # none for PCMU: G.711 is a table lookup
        ok = rate_ok(vl["a"], got) and vl["a"]["payload_type"] == VLGW_CODECS[codec][0]
        floor_cells = "- | -" if alone is None else f"{alone:.1f} ({20000 / max(0.01, alone):,.0f}) | {us / max(0.01, alone):.2f}"
        print(f'| {names.get(codec, codec)} | {n} ({got}) | {us:.1f} ({20000 / max(0.01, us):,.0f}) | {floor_cells} '
              f'| {"yes" if ok else "NO"} |', flush=True)


if __name__ == "__main__":
    main()
