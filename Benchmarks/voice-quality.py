#!/usr/bin/env python3
"""Voice quality of the gateway's audio path, scored with PESQ (ITU-T P.862, the `pesq`
package), each direction apart and beside the codec's own ceiling from the same run.

    python3 Benchmarks/voice-quality.py [--codecs pcmu,pcma,g722,opus]
                                        [--conditions clean,loss3,jitter40] [--repeat N]
                                        [--bin .build/debug] [--set NAME=VALUE] [--json]

What it does, per codec and condition:
  * speech: a few sentences spoken by espeak-ng (Debian), made once at the codec's rate;
  * the caller: baresip (Debian), a real softphone, plays the speech (aufile) and records what
    it hears (sndfile: `-enc.wav` is exactly what it encoded, `-dec.wav` what it decoded);
  * the gateway: `vlgw up` with one media worker and the offline simulator in echo mode
    (every chunk the "model" hears goes straight back as its answer, no VAD, no turns), which
    dumps what it heard and what it said (VLGW_SIM_DUMP_DIR);
  * the network: a UDP relay between baresip and the worker (the worker binds 127.0.0.2,
    the SDP names 127.0.0.1 where the relay sits) passes packets straight on (clean), drops
    them at random (loss3: 3 % each way) or delays each by 0-40 ms (jitter40), with a fixed
    seed; RTCP passes untouched. (netem is not in this kernel.) It also keeps the caller's
    packets, so the Opus uplink's ceiling is the caller's own stream decoded by libopus.
Scores:
  * uplink   = what the caller sent (its -enc.wav) against what the AI service received;
  * downlink = what the AI service sent against what the caller decoded;
  * ceiling  = the same reference through the codec alone, by an outside implementation:
    ffmpeg's encoder/decoder (pcm_mulaw, pcm_alaw, g722, libopus 32 kbit/s), and under loss
    the same loss pattern concealed by the codec's own decoder: spandsp's PLC for G.711,
    spandsp's G.722 decoder fed only the packets that arrived plus its PLC for G.722, libopus's
    PLC (decode with no packet) for Opus. Narrowband PESQ at 8 kHz for G.711,
    wideband at 16 kHz for G.722 and Opus.
Needs: baresip, espeak-ng, sox, ffmpeg, libspandsp, libopus (config/install-deps.sh) and the
Python packages pesq and numpy (`python3 -m pip install pesq numpy`).
"""
import argparse
import ctypes
import ctypes.util
import glob
import heapq
import json
import os
import random
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave

import numpy as np
from pesq import pesq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEECH = ("The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
          "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. "
          "Rice is often served in round bowls.")

# codec → (baresip name, codec rate, channels in baresip's files, PESQ mode, PESQ rate)
CODECS = {
    "pcmu": ("PCMU/8000/1", 8000, 1, "nb", 8000),
    "pcma": ("PCMA/8000/1", 8000, 1, "nb", 8000),
    "g722": ("G722/16000/1", 16000, 1, "wb", 16000),
    "opus": ("opus/48000/2", 48000, 2, "wb", 16000),
}
CONDITIONS = {"clean": (0.0, 0), "loss3": (0.03, 0), "jitter40": (0.0, 40)}
FRAME_MS = 20


# ---------------------------------------------------------------- audio files and scoring

def read_wav(path):
    """(rate, float64 mono samples in int16 units); the left channel of a stereo file."""
    with wave.open(path, "rb") as w:
        rate, channels, n = w.getframerate(), w.getnchannels(), w.getnframes()
        data = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.float64)
    return rate, data[::channels] if channels > 1 else data


def write_wav(path, rate, samples, channels=1):
    clipped = np.clip(np.round(samples), -32768, 32767).astype("<i2")
    if channels > 1:
        clipped = np.repeat(clipped, channels)
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(clipped.tobytes())


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def resample(samples, src, dst, work):
    """sox's very-high-quality resampler (not the gateway's): the scorer must not share
    the code it scores."""
    if src == dst:
        return samples
    a, b = os.path.join(work, "rs-in.wav"), os.path.join(work, "rs-out.wav")
    write_wav(a, src, samples)
    run("sox", a, "-r", str(dst), b, "rate", "-v")
    return read_wav(b)[1]


def align(reference, degraded):
    """The degraded signal cut to the reference's span, found by cross-correlation (the two
    recordings start at different moments; PESQ's own alignment handles only small offsets)."""
    n = len(reference) + len(degraded)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(degraded, size) * np.conj(np.fft.rfft(reference, size)), size)
    lag = int(np.argmax(corr[:len(degraded)]))
    out = degraded[lag:lag + len(reference)]
    return np.concatenate([out, np.zeros(len(reference) - len(out))])


def score(reference, ref_rate, degraded, deg_rate, mode, rate, work):
    ref = resample(reference, ref_rate, rate, work)
    deg = resample(degraded, deg_rate, rate, work)
    deg = align(ref, deg)
    return float(pesq(rate, ref.astype(np.float32) / 32768, deg.astype(np.float32) / 32768, mode))


# ---------------------------------------------------------------- codec-alone ceilings

def through_ffmpeg(codec, samples, rate, work):
    """The reference encoded and decoded by ffmpeg; returns (rate, samples)."""
    src = os.path.join(work, "ff-in.wav")
    if codec in ("pcmu", "pcma"):
        x = resample(samples, rate, 8000, work)
        write_wav(src, 8000, x)
        enc, dec = os.path.join(work, "ff.wav"), os.path.join(work, "ff-dec.wav")
        run("ffmpeg", "-y", "-loglevel", "error", "-i", src, "-c:a", "pcm_mulaw" if codec == "pcmu" else "pcm_alaw", enc)
        run("ffmpeg", "-y", "-loglevel", "error", "-i", enc, "-c:a", "pcm_s16le", dec)
        return read_wav(dec)
    if codec == "g722":
        x = resample(samples, rate, 16000, work)
        write_wav(src, 16000, x)
        enc, dec = os.path.join(work, "ff.g722"), os.path.join(work, "ff-dec.wav")
        run("ffmpeg", "-y", "-loglevel", "error", "-i", src, "-c:a", "g722", "-f", "g722", enc)
        run("ffmpeg", "-y", "-loglevel", "error", "-f", "g722", "-i", enc, "-c:a", "pcm_s16le", dec)
        return read_wav(dec)
    x = resample(samples, rate, 48000, work)
    write_wav(src, 48000, x)
    enc, dec = os.path.join(work, "ff.ogg"), os.path.join(work, "ff-dec.wav")
    run("ffmpeg", "-y", "-loglevel", "error", "-i", src, "-c:a", "libopus", "-b:a", "32k", "-application", "voip",
        "-frame_duration", str(FRAME_MS), enc)
    run("ffmpeg", "-y", "-loglevel", "error", "-i", enc, "-ar", "48000", "-ac", "1", "-c:a", "pcm_s16le", dec)
    return read_wav(dec)


class SpanDSPPLC:
    """spandsp's packet loss concealment (plc_rx / plc_fillin), the one its G.711 users get."""
    def __init__(self):
        self.lib = ctypes.CDLL(ctypes.util.find_library("spandsp") or "libspandsp.so.2")
        self.lib.plc_init.restype = ctypes.c_void_p
        self.lib.plc_init.argtypes = [ctypes.c_void_p]
        self.lib.plc_rx.argtypes = self.lib.plc_fillin.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
        self.lib.plc_free.argtypes = [ctypes.c_void_p]

    def conceal(self, samples, frame, lost):
        state = self.lib.plc_init(None)
        out = np.clip(np.round(samples), -32768, 32767).astype(np.int16)
        for i in range(len(out) // frame):
            buf = out[i * frame:(i + 1) * frame].copy()
            ptr = buf.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))
            (self.lib.plc_fillin if i in lost else self.lib.plc_rx)(state, ptr, frame)
            out[i * frame:(i + 1) * frame] = buf
        self.lib.plc_free(state)
        return out.astype(np.float64)


class OpusPLC:
    """libopus encode at 32 kbit/s, 20 ms frames, then decode with the lost frames concealed
    by the decoder itself (opus_decode with no data)."""
    def __init__(self):
        self.lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
        self.lib.opus_encoder_create.restype = self.lib.opus_decoder_create.restype = ctypes.c_void_p
        self.lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        self.lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        self.lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_char_p, ctypes.c_int32]
        self.lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]
        self.lib.opus_encoder_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int32]

    def conceal(self, samples, lost):
        err = ctypes.c_int()
        enc = self.lib.opus_encoder_create(48000, 1, 2048, ctypes.byref(err))   # OPUS_APPLICATION_VOIP
        self.lib.opus_encoder_ctl(enc, 4002, 32000)                              # OPUS_SET_BITRATE
        dec = self.lib.opus_decoder_create(48000, 1, ctypes.byref(err))
        frame = 48000 * FRAME_MS // 1000
        pcm = np.clip(np.round(samples), -32768, 32767).astype(np.int16)
        out = np.zeros(len(pcm) // frame * frame, dtype=np.int16)
        packet = ctypes.create_string_buffer(1500)
        for i in range(len(pcm) // frame):
            src = pcm[i * frame:(i + 1) * frame].copy()
            n = self.lib.opus_encode(enc, src.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), frame, packet, 1500)
            dst = np.zeros(frame, dtype=np.int16)
            ptr = dst.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))
            if i in lost:
                self.lib.opus_decode(dec, None, 0, ptr, frame, 0)
            else:
                self.lib.opus_decode(dec, packet.raw[:n], n, ptr, frame, 0)
            out[i * frame:(i + 1) * frame] = dst
        return out.astype(np.float64)


def opus_stream_ceiling(packets):
    """The caller's own Opus packets (as the relay saw them) decoded by libopus at 48 kHz,
    the ones the relay dropped concealed by libopus's PLC: what the codec alone gives for
    exactly what this caller's encoder sent (its bitrate, complexity and FEC are its own)."""
    lib = OpusPLC().lib
    err = ctypes.c_int()
    dec = lib.opus_decoder_create(48000, 1, ctypes.byref(err))
    payload_types = [pt for _, pt, _, _ in packets]
    pt = max(set(payload_types), key=payload_types.count)
    frame = 48000 * FRAME_MS // 1000
    out = []
    for _, p, payload, dropped in sorted((x for x in packets if x[1] == pt), key=lambda x: x[0]):
        dst = np.zeros(frame * 6, dtype=np.int16)
        ptr = dst.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))
        n = lib.opus_decode(dec, None, 0, ptr, frame, 0) if dropped else lib.opus_decode(dec, payload, len(payload), ptr, frame * 6, 0)
        out.append(dst[:max(0, n)])
    return 48000, np.concatenate(out).astype(np.float64)


class SpanDSPG722:
    """spandsp's G.722 decoder (64 kbit/s) fed only the packets that arrived, the lost ones
    filled by spandsp's PLC: what a G.722 receiver really has. (Decoding the whole bitstream
    and concealing afterwards would keep the ADPCM predictor in step with packets the
    receiver never got, a ceiling no receiver can reach.)"""
    def __init__(self):
        self.lib = ctypes.CDLL(ctypes.util.find_library("spandsp") or "libspandsp.so.2")
        self.lib.g722_decode_init.restype = ctypes.c_void_p
        self.lib.g722_decode_init.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        self.lib.g722_decode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_char_p, ctypes.c_int]
        self.lib.g722_decode_free.argtypes = [ctypes.c_void_p]
        self.plc = SpanDSPPLC()

    def decode(self, bitstream, lost):
        """16 kHz samples of a G.722 bitstream (160 bytes per 20 ms), lost frames concealed."""
        state = self.lib.g722_decode_init(None, 64000, 0)
        per_frame = 8000 * FRAME_MS // 1000
        out = []
        for i in range(len(bitstream) // per_frame):
            pcm = np.zeros(2 * per_frame, dtype=np.int16)
            if i not in lost:
                chunk = bitstream[i * per_frame:(i + 1) * per_frame]
                self.lib.g722_decode(state, pcm.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), chunk, per_frame)
            out.append(pcm)
        self.lib.g722_decode_free(state)
        return self.plc.conceal(np.concatenate(out).astype(np.float64), 2 * per_frame, lost)


def ceiling(codec, samples, rate, lost, work):
    """The reference through the codec alone: (rate, samples); with `lost` frame indices
    concealed by the codec's own decoder."""
    if codec == "opus" and lost:
        x = resample(samples, rate, 48000, work)
        return 48000, OpusPLC().conceal(x, lost)
    if codec == "g722" and lost:
        through_ffmpeg(codec, samples, rate, work)   # leaves ffmpeg's bitstream in ff.g722
        with open(os.path.join(work, "ff.g722"), "rb") as f:
            return 16000, SpanDSPG722().decode(f.read(), lost)
    out_rate, decoded = through_ffmpeg(codec, samples, rate, work)
    if lost:
        decoded = SpanDSPPLC().conceal(decoded, out_rate * FRAME_MS // 1000, lost)
    return out_rate, decoded


# ---------------------------------------------------------------- the network in between

class Relay(threading.Thread):
    """UDP between baresip and the media worker on every port of the media range: what comes
    from 127.0.0.2 (the worker) goes to the last caller address seen on that port, and the
    reverse. RTP (even ports) may be dropped or delayed; RTCP passes."""
    def __init__(self, base, count, loss, jitter_ms, seed):
        super().__init__(daemon=True)
        self.loss, self.jitter = loss, jitter_ms / 1000
        self.rng = random.Random(seed)
        self.selector = selectors.DefaultSelector()
        self.clients = {}
        self.queue = []
        self.stop_flag = False
        self.dropped = {"up": [], "down": []}
        self.first = {}
        # Every RTP packet the caller sent: (sequence, payload type, payload, dropped here).
        self.uplink = []
        for port in range(base, base + count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.setblocking(False)
            self.selector.register(s, selectors.EVENT_READ, port)

    def run(self):
        order = 0
        while not self.stop_flag:
            now = time.monotonic()
            while self.queue and self.queue[0][0] <= now:
                _, _, sock, data, dest = heapq.heappop(self.queue)
                sock.sendto(data, dest)
            timeout = max(0.0, min(0.005, self.queue[0][0] - now)) if self.queue else 0.005
            for key, _ in self.selector.select(timeout):
                sock, port = key.fileobj, key.data
                try:
                    data, addr = sock.recvfrom(4096)
                except BlockingIOError:
                    continue
                if addr[0] == "127.0.0.2":
                    direction, dest = "down", self.clients.get(port)
                else:
                    self.clients[port] = addr
                    direction, dest = "up", ("127.0.0.2", port)
                if dest is None:
                    continue
                delay = 0.0
                if port % 2 == 0 and len(data) >= 12:
                    seq = int.from_bytes(data[2:4], "big")
                    ts = int.from_bytes(data[4:8], "big")
                    self.first.setdefault(direction, ts)
                    dropped = self.rng.random() < self.loss
                    if direction == "up":
                        header = 12 + 4 * (data[0] & 0x0F)
                        self.uplink.append((seq, data[1] & 0x7F, data[header:], dropped))
                    if dropped:
                        self.dropped[direction].append(ts - self.first[direction])
                        continue
                    delay = self.rng.uniform(0, self.jitter)
                if delay == 0 and not self.queue:
                    sock.sendto(data, dest)
                    continue
                order += 1
                heapq.heappush(self.queue, (time.monotonic() + delay, order, sock, data, dest))

    def lost_frames(self, direction, samples_per_frame):
        return {offset // samples_per_frame for offset in self.dropped[direction]}


# ---------------------------------------------------------------- the gateway and the caller

class Gateway:
    def __init__(self, binary_dir, work, extra_env):
        self.base = random.randint(200, 500) * 100
        self.sip_port = self.base
        self.media_base, self.media_count = self.base + 20, 40
        self.dump_dir = os.path.join(work, f"dumps-{self.base}")
        os.makedirs(self.dump_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VLGW_", "SIP_", "MEDIA_", "AZURE_", "VOICE_LIVE_"))}
        env.update({
            "VLGW_ENV_FILE": "/dev/null",
            "SIP_PORT": str(self.sip_port), "MEDIA_ADDRESS": "127.0.0.1",
            "MEDIA_PORT": str(self.media_base), "MEDIA_PORT_COUNT": str(self.media_count),
            "VLGW_CONTROL_BIND": f"tcp://127.0.0.1:{self.base + 1}", "VLGW_BRIDGE_AUDIO_BIND": f"tcp://127.0.0.1:{self.base + 2}",
            "VLGW_SIMULATOR_PORT": str(self.base + 3), "VLGW_SIGNALING_METRICS_PORT": str(self.base + 4),
            "VLGW_BRIDGE_METRICS_PORT": str(self.base + 5), "VLGW_MEDIA_METRICS_PORT": "0", "VLGW_WEB_PORT": str(self.base + 6),
            "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false", "VLGW_SIM_MODE": "echo", "VLGW_SIM_DUMP_DIR": self.dump_dir,
            "LOG_LEVEL": "warning",
        })
        env["VLGW_MEDIA_BIND_ADDRESS"] = "127.0.0.2"   # RTP through the relay, which sits on 127.0.0.1
        env.update(extra_env)
        self.log = open(os.path.join(work, "vlgw.log"), "w")
        self.process = subprocess.Popen([os.path.join(binary_dir, "vlgw"), "up", "--media-workers", "1"],
                                        env=env, stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.time() + 60
        for line in self.process.stdout:
            if "vlgw is up" in line:
                break
            if time.time() > deadline:
                raise SystemExit("vlgw up did not come up")
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()
        time.sleep(1.5)   # the worker and the bridge join signaling

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def espeak(work, rate):
    raw, out = os.path.join(work, "espeak.wav"), os.path.join(work, f"speech-{rate}.wav")
    if not os.path.exists(out):
        run("espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, SPEECH)
        run("sox", raw, "-r", str(rate), "-c", "1", "-b", "16", out, "rate", "-v", "norm", "-6", "pad", "0.5", "0.5")
    return out


def baresip_call(gateway, codec, work, tag):
    name, rate, channels, _, _ = CODECS[codec]
    _, speech = read_wav(espeak(work, rate))
    home = os.path.join(work, f"baresip-{tag}")
    os.makedirs(os.path.join(home, "rec"))
    source = os.path.join(home, "speech.wav")
    write_wav(source, rate, speech, channels)
    seconds = len(speech) / rate + 3
    with open(os.path.join(home, "config"), "w") as f:
        f.write(f"""poll_method epoll
sip_listen 127.0.0.1:{gateway.base + 10}
audio_player aufile,/dev/null
audio_source aufile,{source}
audio_alert aufile,/dev/null
ausrc_srate {rate}
auplay_srate {rate}
ausrc_channels {channels}
auplay_channels {channels}
module_path /usr/lib/baresip/modules
module stdio.so
module g711.so
module g722.so
module opus.so
module aufile.so
module sndfile.so
module account.so
module menu.so
opus_bitrate 32000
opus_stereo no
opus_sprop_stereo no
snd_path {home}/rec
rtp_ports {gateway.base + 80}-{gateway.base + 99}
""")
    with open(os.path.join(home, "accounts"), "w") as f:
        f.write(f"<sip:tester@127.0.0.1>;regint=0;ptime={FRAME_MS};audio_codecs={name}\n")
    open(os.path.join(home, "contacts"), "w").close()
    before = set(glob.glob(os.path.join(gateway.dump_dir, "*-input.wav")))
    out = subprocess.run(["baresip", "-f", home, "-e", f"/dial sip:test@127.0.0.1:{gateway.sip_port}", "-t", str(int(seconds) + 1)],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True).stdout
    if "Call established" not in out:
        raise SystemExit(f"baresip call failed ({codec}):\n{out[-2000:]}")
    deadline = time.time() + 10
    while time.time() < deadline:
        new = set(glob.glob(os.path.join(gateway.dump_dir, "*-input.wav"))) - before
        if new:
            time.sleep(0.5)
            dump_in = new.pop()
            break
        time.sleep(0.2)
    else:
        raise SystemExit("the simulator wrote no dump (did the AI session end?)")
    rec = glob.glob(os.path.join(home, "rec", "*-enc.wav")), glob.glob(os.path.join(home, "rec", "*-dec.wav"))
    if not rec[0] or not rec[1]:
        raise SystemExit(f"baresip recorded nothing:\n{out[-2000:]}")
    return rec[0][0], rec[1][0], dump_in, dump_in.replace("-input.wav", "-output.wav")


def measure(gateway, codec, condition, work, seed):
    loss, jitter = CONDITIONS[condition]
    _, rate, _, mode, pesq_rate = CODECS[codec]
    relay = Relay(gateway.media_base, gateway.media_count, loss, jitter, seed)
    relay.start()
    try:
        sent, heard, ai_in, ai_out = baresip_call(gateway, codec, work, f"{codec}-{condition}-{seed}")
    finally:
        relay.stop_flag = True
        relay.join()
    sent_rate, sent_samples = read_wav(sent)
    heard_rate, heard_samples = read_wav(heard)
    ai_in_rate, ai_in_samples = read_wav(ai_in)
    ai_out_rate, ai_out_samples = read_wav(ai_out)
    rtp_clock = 8000 if codec in ("pcmu", "pcma", "g722") else 48000   # G.722's RTP clock is 8 kHz (RFC 3551)
    per_frame = rtp_clock * FRAME_MS // 1000
    lost_up, lost_down = relay.lost_frames("up", per_frame), relay.lost_frames("down", per_frame)
    up = score(sent_samples, sent_rate, ai_in_samples, ai_in_rate, mode, pesq_rate, work)
    down = score(ai_out_samples, ai_out_rate, heard_samples, heard_rate, mode, pesq_rate, work)
    # Opus encoders differ (bitrate, complexity, FEC): the uplink's ceiling is the caller's own
    # packets through libopus; G.711 and G.722 encoders are bit-exact, so re-encoding the
    # caller's input with ffmpeg gives the same stream.
    up_codec_alone = opus_stream_ceiling(relay.uplink) if codec == "opus" else ceiling(codec, sent_samples, sent_rate, lost_up, work)
    up_ceiling = score(sent_samples, sent_rate, *reversed_pair(up_codec_alone), mode, pesq_rate, work)
    down_ceiling = score(ai_out_samples, ai_out_rate, *reversed_pair(ceiling(codec, ai_out_samples, ai_out_rate, lost_down, work)), mode, pesq_rate, work)
    return {"codec": codec, "condition": condition, "pesq": mode, "uplink": round(up, 3), "uplink_ceiling": round(up_ceiling, 3),
            "downlink": round(down, 3), "downlink_ceiling": round(down_ceiling, 3),
            "lost_up": len(lost_up), "lost_down": len(lost_down)}


def reversed_pair(pair):
    rate, samples = pair
    return samples, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codecs", default="pcmu,pcma,g722,opus")
    parser.add_argument("--conditions", default="clean,loss3,jitter40")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"), help="where vlgw and the planes are")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="calls per line; each figure is their median")
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead of the table")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (recordings, dumps)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a gateway setting for this run, e.g. --set VLGW_RESAMPLER=soxr (repeatable)")
    args = parser.parse_args()
    for tool in ("baresip", "espeak-ng", "sox", "ffmpeg"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: run config/install-deps.sh")
    work = tempfile.mkdtemp(prefix="vlgw-vq-")
    settings = dict(s.split("=", 1) for s in args.set)
    gateway = None
    try:
        if not args.json:
            print(f"{'codec':6} {'condition':9} {'PESQ':4} | {'uplink':>6} {'ceiling':>7} {'Δ':>6} | {'downlink':>8} {'ceiling':>7} {'Δ':>6} | lost up/down")
        for condition in args.conditions.split(","):
            gateway = Gateway(args.bin, work, settings)
            for codec in args.codecs.split(","):
                runs = [measure(gateway, codec, condition, work, args.seed + i) for i in range(args.repeat)]
                r = dict(runs[0])
                for key in ("uplink", "uplink_ceiling", "downlink", "downlink_ceiling", "lost_up", "lost_down"):
                    r[key] = sorted(run[key] for run in runs)[len(runs) // 2]
                if args.json:
                    print(json.dumps(r), flush=True)
                else:
                    print(f"{codec:6} {condition:9} {r['pesq']:4} | {r['uplink']:6.2f} {r['uplink_ceiling']:7.2f} {r['uplink'] - r['uplink_ceiling']:+6.2f} | "
                          f"{r['downlink']:8.2f} {r['downlink_ceiling']:7.2f} {r['downlink'] - r['downlink_ceiling']:+6.2f} | "
                          f"{r['lost_up']}/{r['lost_down']}", flush=True)
            gateway.stop()
            gateway = None
    finally:
        if gateway:
            gateway.stop()
        if args.keep:
            print(f"work directory: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
