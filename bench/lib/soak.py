#!/usr/bin/env python3
"""The load of bench/soak.sh against a running kek (standard library only).

  soak.py --http URL --rtmp URL --pid PID --media DIR --clip FLV --upload MP4 --seconds S
          --publishers N --out TSV

A user "soak" is registered and makes N recorded stream keys through the API. N publishers
(ffmpeg -re -c copy of CLIP, one key each) stay
connected for a random 20-90 s, disconnect, and come back after a random 2-15 s. After each
disconnect the stream's playlist must say EXT-X-ENDLIST (checked before the stream comes back,
which replaces it). Viewers fetch a live stream's master and media playlists and its newest
segment in a loop; an uploader sends UPLOAD through tus every 60 s as a signed-in user. kek's RSS
is sampled every 10 s into OUT. At the end: one line of key=value pairs on stdout.
"""
import argparse
import base64
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

stop = threading.Event()
lock = threading.Lock()
counts = {"sessions": 0, "endlist_ok": 0, "endlist_missing": 0, "viewer_ok": 0, "viewer_err": 0,
          "segments": 0, "uploads_ok": 0, "uploads_err": 0, "publisher_starts": 0}
missing = []


def bump(key, n=1):
    with lock:
        counts[key] += n


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Session:
    """The soak user's cookie and CSRF token, and its stream keys as (key, stream name)."""
    cookie = ""
    csrf = ""
    keys = []


def api(args, method, path, body=b"", headers=None):
    u = urllib.parse.urlparse(args.http)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    h = {"Cookie": Session.cookie, "X-CSRF-Token": Session.csrf} if Session.cookie else {}
    h.update(headers or {})
    c.request(method, path, body, h)
    r = c.getresponse()
    return r, r.read()


def setup(args):
    body = json.dumps({"username": "soak", "email": "soak@example.com", "password": "a-long-soak-phrase"})
    r, data = api(args, "POST", "/api/auth/register", body, {"Content-Type": "application/json"})
    if r.status != 201:
        sys.exit(f"soak: registration answered {r.status}: {data[:200]}")
    Session.cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
    Session.csrf = json.loads(data)["csrf_token"]
    for i in range(args.publishers):
        r, data = api(args, "POST", "/api/me/stream-keys", json.dumps({"name": f"soak {i}", "record": True}),
                      {"Content-Type": "application/json"})
        if r.status != 201:
            sys.exit(f"soak: stream key {i} answered {r.status}: {data[:200]}")
        k = json.loads(data)
        Session.keys.append((k["key"], k["stream"]))


def publisher(i, args):
    rng = random.Random(i * 7919 + int(time.time()))
    key, stream = Session.keys[i]
    playlist = os.path.join(args.media, "live", stream, "source", "index.m3u8")
    time.sleep(rng.uniform(0, 10))  # not all at once
    while not stop.is_set():
        live_s = rng.uniform(20, 90)
        started = time.time()
        proc = subprocess.Popen(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                                 "-i", args.clip, "-c", "copy", "-f", "flv", f"{args.rtmp}/{key}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bump("publisher_starts")
        stop.wait(live_s)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        bump("sessions")
        # The run's playlist ends with ENDLIST once kek saw the publisher go.
        deadline = time.time() + 20
        ended = False
        while time.time() < deadline:
            try:
                # This run's playlist: the previous run's (ended, or left by a refused publish) does not count.
                with open(playlist) as f:
                    if os.path.getmtime(playlist) >= started and "#EXT-X-ENDLIST" in f.read():
                        ended = True
                        break
            except OSError:
                pass
            time.sleep(0.5)
        bump("endlist_ok" if ended else "endlist_missing")
        if not ended:
            with lock:
                missing.append(f"{stream}@{time.strftime('%H:%M:%S')}")
        if stop.wait(rng.uniform(2, 15)):
            break


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def viewer(v, args):
    rng = random.Random(v)
    while not stop.is_set():
        stream = Session.keys[rng.randrange(args.publishers)][1]
        base = f"{args.http}/media/live/{stream}/"
        try:
            status, master = get(base + "index.m3u8")
            status, media = get(base + "source/index.m3u8")
            segs = [l for l in media.decode().splitlines() if l and not l.startswith("#")]
            if segs:
                status, data = get(base + "source/" + segs[-1])
                bump("segments")
            bump("viewer_ok")
        except urllib.error.HTTPError as e:
            # 404: the stream is between two runs, as a viewer would see it; anything else is an error.
            bump("viewer_ok" if e.code == 404 else "viewer_err")
        except Exception:
            bump("viewer_err")
        stop.wait(rng.uniform(0.5, 2))


def uploader(args):
    data = open(args.upload, "rb").read()
    n = 0
    while not stop.is_set():
        n += 1
        try:
            meta = "filename " + base64.b64encode(f"soak-{n}.mp4".encode()).decode()
            r, _ = api(args, "POST", "/api/uploads/", b"", {"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
                                                             "Upload-Metadata": meta})
            location = r.getheader("Location")
            if r.status != 201 or not location:
                raise RuntimeError(f"create answered {r.status}")
            r, _ = api(args, "PATCH", location, data, {"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                                                        "Content-Type": "application/offset+octet-stream"})
            if r.status != 204:
                raise RuntimeError(f"PATCH answered {r.status}")
            bump("uploads_ok")
        except Exception as e:
            print(f"soak: upload {n}: {e}", file=sys.stderr)
            bump("uploads_err")
        stop.wait(60)


def main():
    p = argparse.ArgumentParser()
    for a in ("http", "rtmp", "media", "clip", "upload", "out"):
        p.add_argument("--" + a, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--publishers", type=int, default=20)
    p.add_argument("--viewers", type=int, default=4)
    args = p.parse_args()
    setup(args)
    threads = [threading.Thread(target=publisher, args=(i, args)) for i in range(args.publishers)]
    threads += [threading.Thread(target=viewer, args=(v, args)) for v in range(args.viewers)]
    threads.append(threading.Thread(target=uploader, args=(args,)))
    for t in threads:
        t.start()
    start = time.time()
    crashed = False
    with open(args.out, "w") as out:
        out.write("t_s\trss_kb\tpublishers_live\n")
        while time.time() - start < args.seconds:
            rss = rss_kb(args.pid)
            if rss is None:
                crashed = True
                break
            live = sum(1 for _, stream in Session.keys
                       if os.path.exists(os.path.join(args.media, "live", stream, "source", "index.m3u8")))
            out.write(f"{time.time() - start:.0f}\t{rss}\t{live}\n")
            out.flush()
            time.sleep(10)
    stop.set()
    for t in threads:
        t.join(60)
    crashed = crashed or rss_kb(args.pid) is None
    print(" ".join(f"{k}={v}" for k, v in counts.items()) + f" crashed={int(crashed)} missing_endlist={','.join(missing) or '-'}")


if __name__ == "__main__":
    main()
