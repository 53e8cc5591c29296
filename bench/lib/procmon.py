#!/usr/bin/env python3
"""Small helpers for the bench/ scripts (standard library only).

  procmon.py measure --pid PID [--tree] --window S      CPU (% of one core) and RSS of PID
                                                        (plus its descendants with --tree) over S s
  procmon.py wait-playlists --timeout S PATH...         wait until every HLS playlist lists a segment
  procmon.py fresh-playlists --max-age S PATH...        how many playlists list a segment and were
                                                        rewritten in the last S seconds
  procmon.py first-playlist --playlist P --timeout S -- CMD...
                                                        start CMD (a publisher), print the seconds until
                                                        P lists a segment, then stop CMD
  procmon.py free-port                                  a free TCP port on 127.0.0.1
  procmon.py render RESULTS.tsv META.tsv OUT.md         the stdout table and the markdown report

Output of measure/wait/first-playlist is one line of key=value pairs, easy to read from bash.
"""
import os
import signal
import socket
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    """(ppid, utime+stime in ticks) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    # comm may hold spaces or parentheses: split after the last ')'.
    rest = s[s.rindex(")") + 2:].split()
    ppid = int(rest[1])
    utime, stime = int(rest[11]), int(rest[12])
    return ppid, utime + stime


def read_status(pid):
    """(VmRSS kB, Threads) of one process, or (0, 0) if it is gone."""
    rss = threads = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
    except OSError:
        pass
    return rss, threads


def process_set(root, tree):
    pids = [root]
    if not tree:
        return pids
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = read_stat(int(name))
        if st:
            children.setdefault(st[0], []).append(int(name))
    i = 0
    while i < len(pids):
        pids.extend(children.get(pids[i], []))
        i += 1
    return pids


def machine_ticks():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]), idle


def cmd_measure(args):
    pid = int(args[args.index("--pid") + 1])
    window = float(args[args.index("--window") + 1])
    tree = "--tree" in args

    def ticks():
        out = {}
        for p in process_set(pid, tree):
            st = read_stat(p)
            if st:
                out[p] = st[1]
        return out

    t0, m0, a0 = time.monotonic(), machine_ticks(), ticks()
    rss_max = 0
    deadline = t0 + window
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        time.sleep(min(1.0, deadline - now))
        rss_max = max(rss_max, sum(read_status(p)[0] for p in process_set(pid, tree)))
    t1, m1, a1 = time.monotonic(), machine_ticks(), ticks()
    # Processes present at the end: delta since the start (a process born in between counts fully).
    delta = sum(v - a0.get(p, 0) for p, v in a1.items())
    elapsed = t1 - t0
    cpu = 100.0 * delta / CLK_TCK / elapsed
    procs = process_set(pid, tree)
    statuses = [read_status(p) for p in procs]
    rss = sum(s[0] for s in statuses)
    threads = sum(s[1] for s in statuses)
    total, idle = m1[0] - m0[0], m1[1] - m0[1]
    busy = 100.0 * (total - idle) / total * os.cpu_count() if total else 0.0  # % of one core
    load1 = open("/proc/loadavg").read().split()[0]
    print(f"cpu_pct={cpu:.2f} rss_kb={rss} rss_max_kb={max(rss, rss_max)} procs={len(procs)} threads={threads} "
          f"elapsed_s={elapsed:.2f} machine_busy_pct={busy:.1f} load1={load1}")


def has_segment(path):
    try:
        with open(path, errors="replace") as f:
            return "#EXTINF" in f.read()
    except OSError:
        return False


def cmd_wait_playlists(args):
    timeout = float(args[args.index("--timeout") + 1])
    paths = args[args.index("--timeout") + 2:]
    t0 = time.monotonic()
    pending = set(paths)
    while pending and time.monotonic() - t0 < timeout:
        pending = {p for p in pending if not has_segment(p)}
        if pending:
            time.sleep(0.1)
    print(f"ready={len(paths) - len(pending)} total={len(paths)} waited_s={time.monotonic() - t0:.2f}")


def cmd_fresh_playlists(args):
    max_age = float(args[args.index("--max-age") + 1])
    paths = args[args.index("--max-age") + 2:]
    now = time.time()
    fresh = 0
    for p in paths:
        try:
            if has_segment(p) and now - os.stat(p).st_mtime <= max_age:
                fresh += 1
        except OSError:
            pass
    print(f"fresh={fresh} total={len(paths)}")


def stop(proc, timeout=5.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_first_playlist(args):
    playlist = args[args.index("--playlist") + 1]
    timeout = float(args[args.index("--timeout") + 1])
    cmd = args[args.index("--") + 1:]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - t0 < timeout:
            if has_segment(playlist):
                print(f"first_playlist_s={time.monotonic() - t0:.3f}")
                return
            if proc.poll() is not None:
                print(f"first_playlist_s=nan error=publisher_exited_{proc.returncode}")
                return
            time.sleep(0.01)
        print("first_playlist_s=nan error=timeout")
    finally:
        stop(proc)


def cmd_free_port(_):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def read_tsv(path):
    with open(path) as f:
        lines = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    head, rows = lines[0], lines[1:]
    return [dict(zip(head, r)) for r in rows]


def fnum(x, fmt="{:.2f}"):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if v != v else fmt.format(v)


def ratio(a, b):
    try:
        a, b = float(a), float(b)
        return f"{a / b:.2f}x" if b > 0 and a == a and b == b else "n/a"
    except (TypeError, ValueError):
        return "n/a"


def median(values):
    v = sorted(float(x) for x in values if x not in ("", "nan") and float(x) == float(x))
    if not v:
        return float("nan")
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def table(head, rows):
    w = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    out = ["  ".join(str(h).ljust(w[i]) for i, h in enumerate(head))]
    out.append("  ".join("-" * w[i] for i in range(len(head))))
    for r in rows:
        out.append("  ".join(str(c).rjust(w[i]) if i else str(c).ljust(w[i]) for i, c in enumerate(r)))
    return "\n".join(out)


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def cmd_render(args):
    results_path, meta_path, out_md = args[0], args[1], args[2]
    res = read_tsv(results_path)
    meta = read_tsv(meta_path)
    m = {r["key"]: r["value"] for r in meta}

    load = [r for r in res if r["kind"] == "load"]
    lat = [r for r in res if r["kind"] == "latency"]
    levels = sorted({int(r["streams"]) for r in load})

    def get(server, n, key):
        vals = [float(r[key]) for r in load if r["server"] == server and int(r["streams"]) == n and r[key] not in ("", "nan")]
        return sum(vals) / len(vals) if vals else float("nan")

    def status(server, n):
        rs = [r for r in load if r["server"] == server and int(r["streams"]) == n]
        return ", ".join(f"{r['fresh']}/{r['streams']}" for r in rs)

    main_head = ["streams", "server", "CPU % core", "CPU %/stream", "RSS MiB", "idle RSS MiB",
                 "RSS MiB/stream", "threads", "HLS ok", "machine busy %"]
    main_rows = []
    for n in levels:
        for s in ("kek", "nginx"):
            cpu, rss, idle = get(s, n, "cpu_pct"), get(s, n, "rss_kb"), get(s, n, "idle_rss_kb")
            main_rows.append([n, s, fnum(cpu), fnum(cpu / n), fnum(rss / 1024, "{:.1f}"), fnum(idle / 1024, "{:.1f}"),
                              fnum((rss - idle) / 1024 / n), fnum(get(s, n, "threads"), "{:.0f}"), status(s, n),
                              fnum(get(s, n, "machine_busy_pct"), "{:.0f}")])
    ratio_head = ["streams", "CPU/stream KEK/nginx", "RSS total KEK/nginx", "RSS/stream (marginal) KEK/nginx", "goal CPU <= 1.0x"]
    ratio_rows = []
    for n in levels:
        kc, nc = get("kek", n, "cpu_pct"), get("nginx", n, "cpu_pct")
        kr, nr = get("kek", n, "rss_kb"), get("nginx", n, "rss_kb")
        ki, ni = get("kek", n, "idle_rss_kb"), get("nginx", n, "idle_rss_kb")
        rc = ratio(kc, nc)
        ok = "n/a" if rc == "n/a" else ("met" if kc <= nc else "missed")
        broken = [s for s in ("kek", "nginx") for r in load
                  if r["server"] == s and int(r["streams"]) == n and r["fresh"] != r["streams"]]
        if broken:
            ok = "INVALID: not every stream produced HLS (" + ", ".join(sorted(set(broken))) + ")"
        ratio_rows.append([n, rc, ratio(kr, nr), ratio(kr - ki, nr - ni), ok])
    lat_head = ["server", "first playlist median s", "tries (s)"]
    lat_rows = []
    for s in ("kek", "nginx"):
        vals = [r["first_playlist_s"] for r in lat if r["server"] == s]
        lat_rows.append([s, fnum(median(vals), "{:.2f}"), " ".join(fnum(v, "{:.2f}") for v in vals)])
    if lat_rows:
        lat_rows.append(["ratio KEK/nginx", ratio(median([r["first_playlist_s"] for r in lat if r["server"] == "kek"]),
                                                   median([r["first_playlist_s"] for r in lat if r["server"] == "nginx"])), ""])

    print()
    print(table(main_head, main_rows))
    print()
    print(table(ratio_head, ratio_rows))
    if lat:
        print()
        print(table(lat_head, lat_rows))
    print()

    md = [f"# RTMP ingest: KEK vs nginx-rtmp ({m.get('date', '')})", "",
          "Passthrough RTMP in, HLS out (no transcoding), both servers on the same machine in the same run,",
          "one after the other. Produced by `bash bench/rtmp_ingest.sh`; see bench/README.md for how to read it.", "",
          "## Machine", "",
          f"- CPU: {m.get('cpu_model', '?')}, nproc {m.get('nproc', '?')}, memory {m.get('mem', '?')}",
          f"- Kernel: {m.get('kernel', '?')}",
          f"- Load average before the run: {m.get('load_before', '?')} (other work on the machine adds noise; "
          "the \"machine busy\" column is the whole machine's CPU use during each window, in % of one core, "
          "including the publishers)",
          f"- Media written to: {m.get('tmp_fs', '?')}", "",
          "## Versions", "",
          f"- KEK: {m.get('kek_version', '?')} (git {m.get('git', '?')})",
          f"- nginx: {m.get('nginx_version', '?')}, libnginx-mod-rtmp {m.get('rtmp_module_version', '?')}",
          f"- ffmpeg (publishers): {m.get('ffmpeg_version', '?')}", "",
          "## Parameters", "",
          f"- Clip: {m.get('clip', '?')}",
          f"- Publishers: `{m.get('publisher', '?')}` (their CPU is not counted)",
          f"- Levels: {m.get('levels', '?')} concurrent streams; per level and server: wait until every stream "
          f"has a playlist (at most {m.get('ready_timeout', '?')} s), warm-up {m.get('warmup', '?')} s, "
          f"then a {m.get('window', '?')} s measurement window; {m.get('repeats', '1')} repeat(s), averaged",
          f"- KEK: `kek serve`, live template: `{m.get('kek_launch', '?')}`",
          f"- nginx: worker_processes {m.get('nginx_workers', '?')} (KEK is one process too), "
          "`application live { live on; hls on; hls_nested on; hls_fragment 2s; hls_playlist_length 12s; }`",
          "- CPU: utime+stime delta from /proc/PID/stat over the window, in % of one core (KEK: the kek process, "
          "all threads; nginx: master, worker and the cache manager that nginx-rtmp's hls_cleanup runs). RSS: VmRSS at the end of the window (nginx: sum over master + "
          "workers). \"idle RSS\" is the server before any publisher; \"RSS/stream\" is (RSS - idle RSS) / streams.",
          "- \"HLS ok\": streams whose playlist lists a segment and was rewritten in the last 6 s at the end of the window.",
          "", "## Results", "", md_table(main_head, main_rows), "", "### Ratios", "", md_table(ratio_head, ratio_rows), ""]
    if lat:
        md += ["### Time from publish start to the first playlist on disk (1 stream)", "",
               "From starting the publisher (ffmpeg process start included) until index.m3u8 lists at least one "
               "segment, polled every 10 ms; the server was already running.", "", md_table(lat_head, lat_rows), ""]
    notes = m.get("notes", "")
    if notes:
        md += ["## Notes", "", notes.replace("\\n", "\n"), ""]
    with open(out_md, "w") as f:
        f.write("\n".join(md))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"measure": cmd_measure, "wait-playlists": cmd_wait_playlists, "fresh-playlists": cmd_fresh_playlists,
     "first-playlist": cmd_first_playlist, "free-port": cmd_free_port, "render": cmd_render}[cmd](args)


if __name__ == "__main__":
    main()
