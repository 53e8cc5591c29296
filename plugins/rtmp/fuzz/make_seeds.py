#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/: small, valid inputs that take each fuzz
target deep (a full ffmpeg-style publish, interleaved chunk streams, extended timestamps,
nested AMF0). Run it again after changing what the seeds should cover; the files are committed."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


# --- AMF0 -----------------------------------------------------------------------------------
def num(v): return b"\x00" + struct.pack(">d", v)
def boolean(v): return b"\x01" + (b"\x01" if v else b"\x00")
def s(v):
    b = v.encode()
    return (b"\x02" + struct.pack(">H", len(b)) if len(b) <= 0xFFFF else b"\x0c" + struct.pack(">I", len(b))) + b
def null(): return b"\x05"
def undefined(): return b"\x06"
def _props(props): return b"".join(struct.pack(">H", len(k)) + k.encode() + v for k, v in props) + b"\x00\x00\x09"
def obj(props): return b"\x03" + _props(props)
def ecma(props): return b"\x08" + struct.pack(">I", len(props)) + _props(props)
def strict(items): return b"\x0a" + struct.pack(">I", len(items)) + b"".join(items)
def date(ms, tz=0): return b"\x0b" + struct.pack(">dh", ms, tz)


# --- chunk stream ---------------------------------------------------------------------------
def basic(fmt, csid):
    if csid < 64: return bytes([(fmt << 6) | csid])
    if csid < 320: return bytes([fmt << 6, csid - 64])
    return bytes([(fmt << 6) | 1, (csid - 64) & 0xFF, (csid - 64) >> 8])


def chunk(csid, type_id, ts, msid, payload, chunk_size=128):
    ext = ts >= 0xFFFFFF
    out = basic(0, csid) + struct.pack(">I", min(ts, 0xFFFFFF))[1:] + struct.pack(">I", len(payload))[1:]
    out += bytes([type_id]) + struct.pack("<I", msid) + (struct.pack(">I", ts) if ext else b"")
    for i in range(0, max(len(payload), 1), chunk_size):
        if i: out += basic(3, csid) + (struct.pack(">I", ts) if ext else b"")
        out += payload[i:i + chunk_size]
    return out


def set_chunk_size(n): return chunk(2, 1, 0, 0, struct.pack(">I", n))


METADATA = ecma([("duration", num(0)), ("width", num(1280)), ("height", num(720)),
                 ("videocodecid", num(7)), ("audiocodecid", num(10)), ("encoder", s("Lavf60.16.100"))])
CONNECT = obj([("app", s("live")), ("type", s("nonprivate")),
               ("flashVer", s("FMLE/3.0 (compatible; Lavf60.16.100)")),
               ("tcUrl", s("rtmp://127.0.0.1:1935/live"))])
AVC_SEQ = bytes([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 0])
AVC_KEY = bytes([0x17, 1, 0, 0, 0, 0, 0, 0, 2, 0x65, 0x88])
AAC_SEQ = bytes([0xAF, 0, 0x12, 0x10])
AAC_RAW = bytes([0xAF, 1, 0x21, 0x10, 0x04])


def cmd(msid, *values, csid=3):
    return chunk(csid, 20, 0, msid, b"".join(values))


def ffmpeg_publish(key="key", size=4096):
    out = set_chunk_size(size)
    cs = lambda *a, **k: chunk(*a, chunk_size=size, **k)
    out += cs(3, 20, 0, 0, s("connect") + num(1) + CONNECT)
    out += cs(3, 20, 0, 0, s("releaseStream") + num(2) + null() + s(key))
    out += cs(3, 20, 0, 0, s("FCPublish") + num(3) + null() + s(key))
    out += cs(3, 20, 0, 0, s("createStream") + num(4) + null())
    out += cs(8, 20, 0, 1, s("publish") + num(5) + null() + s(key) + s("live"))
    out += cs(4, 18, 0, 1, s("@setDataFrame") + s("onMetaData") + METADATA)
    out += cs(6, 9, 0, 1, AVC_SEQ) + cs(4, 8, 0, 1, AAC_SEQ)
    for i in range(1, 6):
        out += cs(6, 9, 40 * i, 1, AVC_KEY) + cs(4, 8, 23 * i, 1, AAC_RAW)
    out += cs(3, 20, 0, 0, s("FCUnpublish") + num(6) + null() + s(key))
    out += cs(3, 20, 0, 0, s("deleteStream") + num(7) + null() + num(1))
    return out


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    # AMF0 bodies.
    write("amf0", "connect", s("connect") + num(1) + CONNECT)
    write("amf0", "metadata", s("@setDataFrame") + s("onMetaData") + METADATA)
    write("amf0", "result", s("_result") + num(1) + obj([("fmsVer", s("FMS/3,0,1,123")), ("capabilities", num(31))])
          + obj([("level", s("status")), ("code", s("NetConnection.Connect.Success"))]))
    write("amf0", "nested", obj([("a", strict([num(1), boolean(True), obj([("b", ecma([("c", date(1e12, -60))]))])])),
                                 ("u", undefined()), ("n", null())]))
    write("amf0", "long_string", b"\x0c" + struct.pack(">I", 300) + b"x" * 300)
    write("amf0", "scalars", num(-0.5) + boolean(False) + s("") + null() + undefined() + date(0))

    # Chunk streams; the first byte of each chunk_reader input picks how the fuzzer splits it.
    write("chunk_reader", "publish", b"\x07" + ffmpeg_publish())
    write("chunk_reader", "small_chunks", b"\x01" + ffmpeg_publish(size=128)[16:])
    big = bytes(range(256)) * 2
    write("chunk_reader", "extended_timestamp", b"\x03" + chunk(5, 9, 0x01020304, 1, big) +
          chunk(5, 9, 0xFFFFFFFF, 1, big[:300]) + chunk(6, 8, 0xFFFFFF, 1, b"x"))
    a, v = b"a" * 300, b"v" * 260
    interleaved = (basic(0, 4) + b"\x00\x00\x0a" + b"\x00\x01\x2c" + b"\x08" + struct.pack("<I", 1) + a[:128] +
                   basic(0, 6) + b"\x00\x00\x14" + b"\x00\x01\x04" + b"\x09" + struct.pack("<I", 1) + v[:128] +
                   basic(3, 4) + a[128:256] + basic(3, 6) + v[128:256] + basic(3, 6) + v[256:] +
                   basic(3, 4) + a[256:])
    write("chunk_reader", "interleaved", b"\x05" + interleaved)
    types = (basic(0, 4) + b"\x00\x03\xe8\x00\x00\x03\x09" + struct.pack("<I", 1) + b"abc" +
             basic(1, 4) + b"\x00\x00\x21\x00\x00\x04\x08" + b"defg" +
             basic(2, 4) + b"\x00\x00\x28" + b"hijk" + basic(3, 4) + b"lmno" +
             basic(0, 300) + b"\x00\x00\x01\x00\x00\x02\x12" + struct.pack("<I", 1) + b"zz" +
             chunk(2, 2, 0, 0, struct.pack(">I", 4)))
    write("chunk_reader", "header_types", b"\x09" + types)

    # Sessions: the bytes after the handshake.
    write("session", "ffmpeg_publish", ffmpeg_publish())
    write("session", "ffmpeg_publish_128", ffmpeg_publish(size=128)[16:])
    rtmp2 = (cmd(0, s("connect"), num(1), CONNECT) + cmd(0, s("releaseStream"), num(0), null(), s("k")) +
             cmd(0, s("FCPublish"), num(0), null(), s("k")) + cmd(0, s("createStream"), num(2), null()) +
             cmd(1, s("publish"), num(0), null(), s("k"), s("live"), csid=8) +
             chunk(6, 9, 0, 1, bytes([0x90]) + b"hvc1" + b"\x01\x02") +
             cmd(0, s("deleteStream"), num(0), null(), s("k")))
    write("session", "rtmp2_hevc", rtmp2)
    write("session", "play", cmd(0, s("connect"), num(1), CONNECT) + cmd(0, s("createStream"), num(2), null()) +
          cmd(1, s("play"), num(0), null(), s("k"), num(-2), csid=8))
    write("session", "refused", cmd(0, s("connect"), num(1), CONNECT) + cmd(0, s("createStream"), num(2), null()) +
          cmd(1, s("publish"), num(0), null(), s("refuse"), s("live"), csid=8))
    amf3 = (chunk(3, 17, 0, 0, b"\x00" + s("connect") + num(1) + CONNECT) +
            chunk(3, 17, 0, 0, b"\x00" + s("createStream") + num(2) + null()) +
            chunk(8, 17, 0, 1, b"\x00" + s("publish") + num(0) + null() + s("k")) +
            chunk(4, 15, 0, 1, b"\x00" + s("onMetaData") + METADATA) +
            chunk(2, 4, 0, 0, b"\x00\x06\x00\x00\x00\x01") + chunk(2, 5, 0, 0, struct.pack(">I", 1000)))
    agg = b""
    for ts, typ, body in ((1000, 9, AVC_KEY), (1010, 8, AAC_RAW)):
        agg += bytes([typ]) + struct.pack(">I", len(body))[1:] + struct.pack(">I", ts)[1:] + bytes([ts >> 24])
        agg += b"\x00\x00\x00" + body + struct.pack(">I", 11 + len(body))
    write("session", "amf3_ping_aggregate", amf3 + chunk(6, 22, 5, 1, agg))


if __name__ == "__main__":
    main()
