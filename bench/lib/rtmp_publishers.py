#!/usr/bin/env python3
"""Many RTMP publishers in one process, for the ingest benchmark's high levels.

One ffmpeg per stream costs ~1 % of a core and ~20 MiB each: at 300 streams the publishers
alone would take the 2 cores the servers are measured on. This replays the tags of one FLV
clip, as `ffmpeg -re -stream_loop -1 -i clip.flv -c copy -f flv URL` does, to N connections
from one asyncio loop: the tags are read and chunked once (4096-byte chunks, as OBS sends), each
connection only builds a 12-byte message header per tag and sends what is due every 40 ms.

  rtmp_publishers.py --clip clip.flv --stagger 0.05 rtmp://127.0.0.1:1935/live/KEY ...

Prints `published=N failed=M` once every connection has been answered (publish started or
refused), then runs until SIGTERM or SIGINT. Loopback only: it refuses any other host.
"""
import argparse
import asyncio
import os
import signal
import struct
import sys
import time
import urllib.parse

CHUNK = 4096


# ---------------------------------------------------------------- AMF0
def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(n):
    return b"\x00" + struct.pack(">d", float(n))


def amf_obj(d):
    out = b"\x03"
    for k, v in d.items():
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb
        out += amf_str(v) if isinstance(v, str) else amf_num(v)
    return out + b"\x00\x00\x09"


AMF_NULL = b"\x05"


def amf_read(b, i):
    """One AMF0 value at i: (value, next index). Objects come back as dicts of what was read."""
    t = b[i]
    i += 1
    if t == 0x00:
        return struct.unpack(">d", b[i:i + 8])[0], i + 8
    if t == 0x01:
        return bool(b[i]), i + 1
    if t == 0x02:
        n = struct.unpack(">H", b[i:i + 2])[0]
        return b[i + 2:i + 2 + n].decode(errors="replace"), i + 2 + n
    if t in (0x03, 0x08):
        if t == 0x08:
            i += 4
        d = {}
        while i + 3 <= len(b):
            n = struct.unpack(">H", b[i:i + 2])[0]
            i += 2
            if n == 0 and b[i] == 0x09:
                return d, i + 1
            k = b[i:i + n].decode(errors="replace")
            i += n
            d[k], i = amf_read(b, i)
        return d, i
    if t in (0x05, 0x06):
        return None, i
    raise ValueError("amf type %d" % t)


def amf_all(b):
    out, i = [], 0
    try:
        while i < len(b):
            v, i = amf_read(b, i)
            out.append(v)
    except (ValueError, IndexError, struct.error):
        pass
    return out


# ---------------------------------------------------------------- chunking
def basic_header(fmt, csid):
    return bytes([(fmt << 6) | csid])  # csid 2..63


def message(csid, mtype, msid, ts, body):
    """A whole message as chunks: a type-0 header, then type-3 continuations."""
    ext = ts >= 0xFFFFFF
    head = basic_header(0, csid) + struct.pack(">I", min(ts, 0xFFFFFF))[1:] + struct.pack(">I", len(body))[1:]
    head += bytes([mtype]) + struct.pack("<I", msid)
    if ext:
        head += struct.pack(">I", ts)
    return head + body[:CHUNK] + continuation(csid, body, ts if ext else None)


def header0(csid, mtype, msid, ts, size):
    """A type-0 chunk header for a timestamp below 0xFFFFFF (no extended timestamp)."""
    return (basic_header(0, csid) + struct.pack(">I", ts)[1:] + struct.pack(">I", size)[1:] +
            bytes([mtype]) + struct.pack("<I", msid))


def continuation(csid, body, ext_ts=None):
    parts = []
    for at in range(CHUNK, len(body), CHUNK):
        parts.append(basic_header(3, csid))
        if ext_ts is not None:
            parts.append(struct.pack(">I", ext_ts))
        parts.append(body[at:at + CHUNK])
    return b"".join(parts)


class ChunkReader:
    """What the server sends: its messages (commands, control), whole."""

    def __init__(self):
        self.size = 128
        self.streams = {}  # csid -> [fmt0 fields, partial body]
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            m = self._one()
            if m is None:
                return out
            if m:
                out.append(m)

    def _one(self):
        b = self.buf
        if not b:
            return None
        fmt, csid, i = b[0] >> 6, b[0] & 0x3F, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, i = 64 + b[1], 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, i = 64 + b[1] + 256 * b[2], 3
        need = (11, 7, 3, 0)[fmt]
        if len(b) < i + need:
            return None
        st = self.streams.setdefault(csid, {"ts": 0, "len": 0, "type": 0, "msid": 0, "body": bytearray()})
        h = b[i:i + need]
        ts = None
        if fmt <= 2:
            ts = int.from_bytes(h[0:3], "big")
        if fmt <= 1:
            st["len"] = int.from_bytes(h[3:6], "big")
            st["type"] = h[6]
        if fmt == 0:
            st["msid"] = int.from_bytes(h[7:11], "little")
        i += need
        if ts == 0xFFFFFF or (fmt == 3 and st.get("ext")):
            if len(b) < i + 4:
                return None
            i += 4
        st["ext"] = ts == 0xFFFFFF if ts is not None else st.get("ext", False)
        take = min(self.size, st["len"] - len(st["body"]))
        if len(b) < i + take:
            return None
        st["body"] += b[i:i + take]
        del b[:i + take]
        if len(st["body"]) < st["len"]:
            return False
        body, st["body"] = bytes(st["body"]), bytearray()
        if st["type"] == 1 and len(body) >= 4:
            self.size = struct.unpack(">I", body[:4])[0] & 0x7FFFFFFF
        return (st["type"], st["msid"], body)


# ---------------------------------------------------------------- the clip
def read_flv(path):
    """[(type, ts_ms, body, is_sequence_header)], the script tag's body, the clip's length in ms."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:3] != b"FLV":
        raise SystemExit("not an FLV file: " + path)
    i = struct.unpack(">I", data[5:9])[0] + 4
    tags, script, last = [], None, 0
    while i + 11 <= len(data):
        ttype = data[i] & 0x1F
        size = int.from_bytes(data[i + 1:i + 4], "big")
        ts = int.from_bytes(data[i + 4:i + 7], "big") | (data[i + 7] << 24)
        body = data[i + 11:i + 11 + size]
        i += 11 + size + 4
        if len(body) < size:
            break
        if ttype == 18:
            script = script or body
        elif ttype in (8, 9) and body:
            seq = (ttype == 9 and len(body) > 1 and body[1] == 0) or (ttype == 8 and len(body) > 1 and body[1] == 0)
            # The body as chunks (type-3 continuations), once for every connection: a connection
            # then adds only its 12-byte type-0 header per tag.
            csid = 6 if ttype == 9 else 4
            tags.append((ttype, ts, body, seq, body[:CHUNK] + continuation(csid, body)))
            last = max(last, ts)
    if not tags:
        raise SystemExit("no audio or video tags in " + path)
    return tags, script, last + 33


# ---------------------------------------------------------------- one publisher
class Publisher:
    def __init__(self, url, clip):
        u = urllib.parse.urlparse(url)
        if u.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("loopback only: " + url)
        self.host, self.port = u.hostname, u.port or 1935
        parts = u.path.lstrip("/").split("/", 1)
        self.app, self.key = parts[0], parts[1] if len(parts) > 1 else ""
        self.tc_url = "rtmp://%s:%d/%s" % (self.host, self.port, self.app)
        self.tags, self.script, self.clip_ms = clip
        self.started = asyncio.get_running_loop().create_future()
        self.stream_id = None

    async def run(self):
        try:
            await self._run()
        except (OSError, asyncio.IncompleteReadError, ConnectionError) as e:
            if not self.started.done():
                self.started.set_result("error: %s" % e)

    async def _run(self):
        r, w = await asyncio.open_connection(self.host, self.port)
        self.w = w
        c1 = struct.pack(">II", 0, 0) + os.urandom(1528)
        w.write(b"\x03" + c1)
        s = await r.readexactly(1 + 1536 + 1536)
        w.write(s[1:1537])  # C2: S1 echoed
        w.write(message(2, 1, 0, 0, struct.pack(">I", CHUNK)))
        w.write(message(3, 20, 0, 0, amf_str("connect") + amf_num(1) + amf_obj(
            {"app": self.app, "type": "nonprivate", "flashVer": "FMLE/3.0 (compatible; kek-bench)",
             "tcUrl": self.tc_url})))
        w.write(message(3, 20, 0, 0, amf_str("releaseStream") + amf_num(2) + AMF_NULL + amf_str(self.key)))
        w.write(message(3, 20, 0, 0, amf_str("FCPublish") + amf_num(3) + AMF_NULL + amf_str(self.key)))
        w.write(message(3, 20, 0, 0, amf_str("createStream") + amf_num(4) + AMF_NULL))
        reader = ChunkReader()
        sender = None
        while True:
            data = await r.read(65536)
            if not data:
                break
            for mtype, _msid, body in reader.feed(data):
                if mtype == 4 and len(body) >= 6 and struct.unpack(">H", body[:2])[0] == 6:
                    w.write(message(2, 4, 0, 0, struct.pack(">H", 7) + body[2:6]))  # ping -> pong
                if mtype != 20:
                    continue
                cmd = amf_all(body)
                if not cmd:
                    continue
                if cmd[0] == "_result" and len(cmd) > 3 and cmd[1] == 4 and self.stream_id is None:
                    self.stream_id = int(cmd[3]) if isinstance(cmd[3], float) else 1
                    w.write(message(4, 20, self.stream_id, 0, amf_str("publish") + amf_num(5) + AMF_NULL +
                                    amf_str(self.key) + amf_str("live")))
                elif cmd[0] == "_error" and not self.started.done():
                    self.started.set_result("error: %s" % cmd[3:])
                elif cmd[0] == "onStatus" and len(cmd) > 3 and isinstance(cmd[3], dict):
                    code = cmd[3].get("code", "")
                    if code == "NetStream.Publish.Start" and sender is None:
                        if not self.started.done():
                            self.started.set_result("ok")
                        sender = asyncio.ensure_future(self._send())
                    elif not self.started.done():
                        self.started.set_result("error: " + code)
        if not self.started.done():
            self.started.set_result("error: closed")
        if sender:
            sender.cancel()

    async def _send(self):
        w, sid = self.w, self.stream_id
        if self.script:
            w.write(message(5, 18, sid, 0, amf_str("@setDataFrame") + self.script))
        t0 = time.monotonic()
        base, first, i = 0, True, 0
        while True:
            due = (time.monotonic() - t0) * 1000 + 100  # send 100 ms ahead, as a player's buffer
            out = []
            while (base + self.tags[i][1]) <= due:
                ttype, ts, body, seq, chunked = self.tags[i]
                if first or not seq:
                    at, csid = base + ts, 6 if ttype == 9 else 4
                    if at < 0xFFFFFF:
                        out.append(header0(csid, ttype, sid, at, len(body)))
                        out.append(chunked)
                    else:
                        out.append(message(csid, ttype, sid, at, body))
                i += 1
                if i == len(self.tags):
                    i, base, first = 0, base + self.clip_ms, False
            if out:
                w.write(b"".join(out))
                if w.transport.get_write_buffer_size() > 4 << 20:
                    await w.drain()  # the server reads slowly: wait rather than grow without end
            await asyncio.sleep(0.04)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", required=True)
    ap.add_argument("--stagger", type=float, default=0.05)
    ap.add_argument("--answer-timeout", type=float, default=30)
    ap.add_argument("urls", nargs="+")
    a = ap.parse_args()
    clip = read_flv(a.clip)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    pubs, tasks = [], []
    for url in a.urls:
        p = Publisher(url, clip)
        pubs.append(p)
        tasks.append(asyncio.ensure_future(p.run()))
        await asyncio.sleep(a.stagger)
    done, _ = await asyncio.wait([p.started for p in pubs], timeout=a.answer_timeout)
    ok = sum(1 for p in pubs if p.started.done() and p.started.result() == "ok")
    errors = [p.started.result() for p in pubs if p.started.done() and p.started.result() != "ok"]
    print("published=%d failed=%d%s" % (ok, len(pubs) - ok, (" first_error=" + errors[0].replace(" ", "_")) if errors else ""),
          flush=True)
    await stop.wait()
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    asyncio.run(main())
