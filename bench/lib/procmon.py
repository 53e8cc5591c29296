#!/usr/bin/env python3
"""Small helpers for the bench/ scripts (standard library only).

  procmon.py measure --pid PID [--tree] --window S      CPU (% of one core) and RSS of PID
                                                        (plus its descendants with --tree) over S s;
                                                        memory also sampled about once a second
                                                        (VmRSS, and Pss, Private_Dirty from
                                                        smaps_rollup): the median and range
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


def read_rollup(pid):
    """(Rss, Pss, Private_Dirty) in kB from /proc/PID/smaps_rollup, or None (gone, or not readable)."""
    want = {"Rss:": 0, "Pss:": 1, "Private_Dirty:": 2}
    out = [0, 0, 0]
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k = line.split(None, 1)[0]
                if k in want:
                    out[want[k]] = int(line.split()[1])
    except OSError:
        return None
    return tuple(out)


def memory_sample(pids):
    """(VmRSS, Pss, Private_Dirty) in kB summed over pids (Pss/Private_Dirty: -1 when unreadable)."""
    rss = sum(read_status(p)[0] for p in pids)
    pss = pd = 0
    for p in pids:
        r = read_rollup(p)
        if r is None:
            pss = pd = -1
            break
        pss += r[1]
        pd += r[2]
    return rss, pss, pd


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
    samples = []  # (rss, pss, private_dirty) about once a second
    deadline = t0 + window
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        time.sleep(min(1.0, deadline - now))
        samples.append(memory_sample(process_set(pid, tree)))
    rss_max = max((x[0] for x in samples), default=0)
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
    def med(i):
        v = [x[i] for x in samples if x[i] >= 0]
        return f"{median(v):.0f}" if v else "nan"
    rss_min = min((x[0] for x in samples), default=rss)
    print(f"cpu_pct={cpu:.2f} rss_kb={rss} rss_max_kb={max(rss, rss_max)} procs={len(procs)} threads={threads} "
          f"elapsed_s={elapsed:.2f} machine_busy_pct={busy:.1f} load1={load1} "
          f"samples={len(samples)} rss_med_kb={med(0)} rss_min_kb={rss_min} pss_med_kb={med(1)} pd_med_kb={med(2)}")


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

    def rss(server, n):
        """The window's median VmRSS in kB (older results: the sample at the end of the window)."""
        v = get(server, n, "rss_med_kb")
        return v if v == v else get(server, n, "rss_kb")

    def status(server, n):
        rs = [r for r in load if r["server"] == server and int(r["streams"]) == n]
        return ", ".join(f"{r['fresh']}/{r['streams']}" for r in rs)

    main_head = ["streams", "server", "CPU % core", "CPU %/stream", "RSS MiB", "baseline RSS MiB",
                 "RSS MiB/stream", "threads", "HLS ok", "machine busy %"]
    main_rows = []
    for n in levels:
        for s in ("kek", "nginx"):
            cpu, r, idle = get(s, n, "cpu_pct"), rss(s, n), get(s, n, "idle_rss_kb")
            main_rows.append([n, s, fnum(cpu), fnum(cpu / n), fnum(r / 1024, "{:.1f}"), fnum(idle / 1024, "{:.1f}"),
                              fnum((r - idle) / 1024 / n), fnum(get(s, n, "threads"), "{:.0f}"), status(s, n),
                              fnum(get(s, n, "machine_busy_pct"), "{:.0f}")])
    ratio_head = ["streams", "CPU/stream KEK/nginx", "RSS total KEK/nginx", "RSS/stream (marginal) KEK/nginx", "goal CPU <= 1.0x"]
    ratio_rows = []
    for n in levels:
        kc, nc = get("kek", n, "cpu_pct"), get("nginx", n, "cpu_pct")
        kr, nr = rss("kek", n), rss("nginx", n)
        ki, ni = get("kek", n, "idle_rss_kb"), get("nginx", n, "idle_rss_kb")
        rc = ratio(kc, nc)
        ok = "n/a" if rc == "n/a" else ("met" if kc <= nc else "missed")
        broken = [s for s in ("kek", "nginx") for r in load
                  if r["server"] == s and int(r["streams"]) == n and r["fresh"] != r["streams"]]
        if broken:
            ok = "INVALID: not every stream produced HLS (" + ", ".join(sorted(set(broken))) + ")"
        ratio_rows.append([n, rc, ratio(kr, nr), ratio(kr - ki, nr - ni), ok])
    # Memory: medians of the ~1 Hz samples, marginal against the baseline and between levels.
    mib = lambda kb: fnum(kb / 1024, "{:.1f}")
    mem_head = ["streams", "server", "samples", "RSS MiB (min-max)", "Pss MiB", "Private_Dirty MiB",
                "baseline RSS / Pss / Private_Dirty MiB", "marginal RSS MiB/stream", "marginal Pss", "marginal Private_Dirty"]
    mem_rows = []
    for n in levels:
        for s in ("kek", "nginx"):
            r, p, d = rss(s, n), get(s, n, "pss_med_kb"), get(s, n, "pd_med_kb")
            br, bp, bd = get(s, n, "idle_rss_kb"), get(s, n, "idle_pss_kb"), get(s, n, "idle_pd_kb")
            mem_rows.append([n, s, fnum(get(s, n, "samples"), "{:.0f}"),
                             f"{mib(r)} ({mib(get(s, n, 'rss_min_kb'))}-{mib(get(s, n, 'rss_max_kb'))})", mib(p), mib(d),
                             f"{mib(br)} / {mib(bp)} / {mib(bd)}", fnum((r - br) / 1024 / n), fnum((p - bp) / 1024 / n),
                             fnum((d - bd) / 1024 / n)])
    step_head = ["streams", "server", "RSS MiB/stream", "Pss MiB/stream", "Private_Dirty MiB/stream"]
    step_rows = []
    for a, b in zip(levels, levels[1:]):
        for s in ("kek", "nginx"):
            step_rows.append([f"{a} -> {b}", s] + [fnum((f(s, b) - f(s, a)) / 1024 / (b - a)) for f in
                             (rss, lambda s_, n_: get(s_, n_, "pss_med_kb"), lambda s_, n_: get(s_, n_, "pd_med_kb"))])
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
    print()
    print(table(mem_head, mem_rows))
    if step_rows:
        print()
        print(table(step_head, step_rows))
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
          "all threads; nginx: master, worker and the cache manager that nginx-rtmp's hls_cleanup runs). RSS: the median of "
          "VmRSS sampled about once a second in the window (nginx: summed over master + workers; results before 2026-12-03 "
          "14:00 took one sample at the end of the window). \"baseline RSS\" is the same server started as for the level, "
          f"after the warm-up, over a {m.get('base_window', '?')} s window with 0 publishers (median); "
          "\"RSS/stream\" is (RSS - baseline RSS) / streams."
          + (" KEK's baseline includes the demo pipeline (320x180 test pattern encoded to HLS), running through every window."
             if m.get("baseline_demo") == "1" else "")
          + (f" KEK ran with `{m['kek_env']}` in its environment." if m.get("kek_env") else ""),
          "- \"HLS ok\": streams whose playlist lists a segment and was rewritten in the last 6 s at the end of the window.",
          "", "## Results", "", md_table(main_head, main_rows), "", "### Ratios", "", md_table(ratio_head, ratio_rows), ""]
    if any(r.get("pss_med_kb") for r in load):
        md += ["### Memory", "",
               "Medians of the samples in the window (Pss and Private_Dirty from /proc/PID/smaps_rollup: Pss shares "
               "the libraries' pages among the processes mapping them, Private_Dirty is what the process wrote and "
               "owns: heap, stacks, buffers). Marginal = (median - baseline median) / streams.", "",
               md_table(mem_head, mem_rows), ""]
        if step_rows:
            md += ["Marginal between levels: (median at the higher level - median at the lower) / the streams added; "
                   "no baseline in it.", "", md_table(step_head, step_rows), ""]
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
