#!/usr/bin/env python3
"""Real-time publisher for bench/latency.sh: frames with the wall clock burnt in, encoded by ffmpeg.

Makes WxH grey I420 frames at FPS in real time (one every 1/FPS s, paced by the clock), each with
the stamp pattern of bench/latency/stamp.cjs on top (two rows of 20 black/white blocks: the time
in ms since the epoch mod 2^32 the frame is due, and a CRC-8) and a moving bar below, and
pipes them to ffmpeg (timestamps: frame number / FPS, regular as a camera's or OBS's), encodes H.264 (libx264 zerolatency, constrained baseline, a keyframe every
GOP_S seconds) + AAC from a sine and publishes to the URL: rtmp://... as FLV, srt://... as MPEG-TS.

  publisher.py --url rtmp://127.0.0.1:1935/live/KEY [--size 640x360] [--fps 30] [--gop-s 1]
  publisher.py --raw N                       # N frames, raw I420, to stdout (stamp_check.mjs)

Stops (and stops ffmpeg) on SIGTERM/SIGINT or when ffmpeg exits.
"""
import argparse
import signal
import subprocess
import sys
import time

COLUMNS = 20
WHITE, BLACK, GREY, BAR = 235, 16, 110, 200


def crc8(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def stamp_bits(ms):
    v = ms & 0xFFFFFFFF
    data = v.to_bytes(4, "big")
    out = []
    for b in data + bytes([crc8(data)]):
        out.extend((b >> i) & 1 for i in range(7, -1, -1))
    return out


class Frames:
    def __init__(self, width, height):
        if width % COLUMNS or width < 160 or height < 2 * width // COLUMNS + 8 or height % 2:
            raise SystemExit(f"size {width}x{height}: width a multiple of {COLUMNS}, >= 160, height even and taller than the stamp")
        self.w, self.h, self.side = width, height, width // COLUMNS
        self.chroma = bytes([128]) * (width // 2 * height // 2 * 2)
        self.block = {bit: bytes([WHITE if bit else BLACK]) * self.side for bit in (0, 1)}

    def frame(self, ms, n):
        bits = stamp_bits(ms)
        rows = []
        for r in range(2):
            line = b"".join(self.block[bit] for bit in bits[r * COLUMNS:(r + 1) * COLUMNS])
            rows.append(line * self.side)
        bar_w = self.w // 16
        x = (n * 4) % (self.w - bar_w)
        line = bytes([GREY]) * x + bytes([BAR]) * bar_w + bytes([GREY]) * (self.w - x - bar_w)
        rows.append(line * (self.h - 2 * self.side))
        return b"".join(rows) + self.chroma


def ffmpeg_cmd(a):
    gop = max(1, round(a.gop_s * a.fps))
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning",
           "-f", "rawvideo", "-pix_fmt", "yuv420p",
           "-video_size", f"{a.w}x{a.h}", "-framerate", str(a.fps), "-thread_queue_size", "64", "-i", "pipe:0",
           "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
           "-map", "0:v", "-map", "1:a",
           "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline",
           "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
           "-b:v", a.bitrate, "-maxrate", a.bitrate, "-bufsize", a.bitrate,
           "-c:a", "aac", "-b:a", "64k", "-ar", "48000", "-ac", "2"]
    if "|" in a.url:  # one encode to several RTMP servers (ffmpeg's tee): the same frames to each
        outs = "|".join(f"[f=flv:flvflags=no_duration_filesize:onfail=ignore]{u}" for u in a.url.split("|"))
        return cmd + ["-flags", "+global_header", "-f", "tee", outs]
    if a.url.startswith("srt://"):
        # ffmpeg's MPEG-TS muxer packs AAC frames into PES packets of pes_payload_size (2930 B,
        # ~0.36 s at 64 kb/s) or max_delay/2 (0.35 s with the default -muxdelay 0.7): each audio
        # frame leaves up to ~0.35 s after its video, so every LL-HLS audio part is that late.
        # `low-delay` sends every frame in its own PES as it is encoded (-pes_payload_size 0), gives
        # video PES their length (-omit_video_pes_length 0: a demuxer can pass a frame on when its
        # last TS packet is in instead of at the next frame's start) and flushes after each packet
        # (-flush_packets 1), as RTMP sends each frame at once.
        ts = ["-pes_payload_size", "0", "-omit_video_pes_length", "0", "-flush_packets", "1"] if a.ts_mux == "low-delay" else []
        return cmd + ts + ["-f", "mpegts", a.url]
    return cmd + ["-flvflags", "no_duration_filesize", "-f", "flv", a.url]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", help="rtmp://... or srt://...; several rtmp:// URLs joined by | get the same encode")
    p.add_argument("--size", default="640x360")
    p.add_argument("--fps", type=float, default=30)
    p.add_argument("--gop-s", type=float, default=1)
    p.add_argument("--bitrate", default="1M")
    p.add_argument("--ts-mux", choices=["low-delay", "ffmpeg-default"], default="low-delay",
                   help="srt://: the MPEG-TS muxer's PES packing (see ffmpeg_cmd)")
    p.add_argument("--raw", type=int, help="write N raw frames to stdout instead of publishing")
    a = p.parse_args()
    a.w, a.h = (int(v) for v in a.size.split("x"))
    frames = Frames(a.w, a.h)
    if a.raw:
        t0 = int(time.time() * 1000)
        for n in range(a.raw):
            sys.stdout.buffer.write(frames.frame(t0 + n * round(1000 / a.fps), n))
        return
    if not a.url:
        p.error("--url or --raw")

    ff = subprocess.Popen(ffmpeg_cmd(a), stdin=subprocess.PIPE)

    def stop(*_):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # Frame n is due at start + n / FPS and carries that moment as its stamp, as a camera's frame
    # carries its capture time: when the machine or ffmpeg holds the publisher back, the frames
    # made to catch up are late by that much, and that lateness is part of what the bench measures.
    period = 1.0 / a.fps
    start = time.monotonic()
    start_ms = time.time_ns() / 1e6
    n = 0
    # Frame 0's stamp, for bench/latency/parts.py (frame n is stamped start_ms + n / FPS).
    print(f"publisher: start_ms={start_ms:.1f} fps={a.fps}", file=sys.stderr, flush=True)
    try:
        while ff.poll() is None:
            wait = start + n * period - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            ff.stdin.write(frames.frame(round(start_ms + n * period * 1000), n))
            ff.stdin.flush()
            n += 1
    except (BrokenPipeError, SystemExit):
        pass
    finally:
        try:
            ff.stdin.close()
        except BrokenPipeError:
            pass
        ff.terminate()
        try:
            ff.wait(5)
        except subprocess.TimeoutExpired:
            ff.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
