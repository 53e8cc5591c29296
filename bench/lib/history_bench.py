#!/usr/bin/env python3
"""Helpers of bench/history_heartbeats.sh (standard library only).

  history_bench.py setup URL ADMIN_PASSWORD USERS OUT    sign in as admin, wait for the imported
                                                         film, register USERS accounts and write
                                                         "cookie csrf_token" per line to OUT;
                                                         prints item=ID duration_s=S
  history_bench.py probe URL SECONDS                     GET /api/health every 20 ms on one kept-alive
                                                         connection: p50/p99/max of its latency
  history_bench.py check URL USERS_FILE ITEM BASE_MS     every user has the film in their history,
                                                         with a sent_at from this run
  history_bench.py mainloop PID SECONDS                  what PID's main thread is doing, sampled every
                                                         10 ms from /proc: running, waiting in poll (the
                                                         event loop idle), or waiting in anything else
                                                         (a lock, a sleep, the disk: a blocked loop)
"""
import http.client
import json
import sys
import time
import urllib.parse

PASSWORD = "bench-password-long-enough"


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None):
        headers = {"User-Agent": "kek-bench"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.cookie:
            headers["Cookie"] = "kek_session=" + self.cookie
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        for name, value in r.getheaders():
            if name.lower() == "set-cookie" and value.startswith("kek_session="):
                self.cookie = value[len("kek_session="):].split(";", 1)[0]
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict) and parsed.get("csrf_token"):
            self.csrf = parsed["csrf_token"]
        return r.status, parsed


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[i]


def cmd_setup(url, admin_password, users, out):
    admin = Client(url)
    status, body = admin.request("POST", "/api/auth/login", {"username": "admin", "password": admin_password})
    if status != 200:
        sys.exit(f"admin login: {status} {body}")
    deadline = time.monotonic() + 120
    item = None
    while time.monotonic() < deadline:
        status, body = admin.request("GET", "/api/library/items?owner=me")
        items = body.get("items") or [] if status == 200 else []
        if items and (items[0].get("duration_s") or 0) > 0:
            item = items[0]
            break
        time.sleep(0.5)
    if not item:
        sys.exit("the film was not imported in 120 s")
    lines = []
    for i in range(users):
        c = Client(url)
        status, body = c.request("POST", "/api/auth/register", {"username": f"viewer{i:03d}", "email": f"viewer{i:03d}@example.com", "password": PASSWORD})
        if status != 201 or not c.cookie or not c.csrf:
            sys.exit(f"register viewer{i:03d}: {status} {body}")
        lines.append(f"{c.cookie} {c.csrf}\n")
    with open(out, "w") as f:
        f.writelines(lines)
    print(f"item={item['id']} duration_s={int(item['duration_s'])}")


def cmd_probe(url, seconds):
    c = Client(url)
    lat = []
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        status, _ = c.request("GET", "/api/health")
        lat.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            sys.exit(f"/api/health: {status}")
        time.sleep(max(0.0, 0.02 - (time.perf_counter() - t0)))
    lat.sort()
    print(f"probes={len(lat)} p50_ms={percentile(lat, 50):.3f} p99_ms={percentile(lat, 99):.3f} max_ms={lat[-1]:.3f}")


def cmd_check(url, users_file, item, base_ms):
    missing = 0
    users = 0
    for line in open(users_file):
        cookie, csrf = line.split()
        c = Client(url)
        c.cookie, c.csrf = cookie, csrf
        status, body = c.request("GET", "/api/me/history/" + urllib.parse.quote(item, safe=""))
        entry = body.get("entry") if status == 200 else None
        users += 1
        if not entry or int(entry.get("sent_at", 0)) <= int(base_ms):
            missing += 1
    print(f"users={users} stored={users - missing} missing={missing}")


def cmd_mainloop(pid, seconds):
    base = f"/proc/{pid}/task/{pid}"
    counts = {"running": 0, "polling": 0}
    other = {}
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            with open(base + "/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            with open(base + "/wchan") as f:
                wchan = f.read().strip() or "0"
        except OSError:
            break
        if state == "R":
            counts["running"] += 1
        elif "poll" in wchan:
            counts["polling"] += 1
        else:
            key = f"{state}:{wchan}"
            other[key] = other.get(key, 0) + 1
        time.sleep(0.01)
    total = counts["running"] + counts["polling"] + sum(other.values())
    blocked = sum(other.values())
    top = ",".join(f"{k}={v}" for k, v in sorted(other.items(), key=lambda kv: -kv[1])[:3]) or "none"
    print(f"samples={total} running={counts['running']} polling={counts['polling']} blocked={blocked} blocked_in={top}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"setup": lambda: cmd_setup(args[0], args[1], int(args[2]), args[3]),
     "probe": lambda: cmd_probe(args[0], args[1]),
     "check": lambda: cmd_check(args[0], args[1], args[2], args[3]),
     "mainloop": lambda: cmd_mainloop(args[0], args[1])}[cmd]()


if __name__ == "__main__":
    main()
