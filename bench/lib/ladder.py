#!/usr/bin/env python3
"""Helpers for bench/live_ladder.sh (standard library only; reuses procmon.py).

  ladder.py wait-master --master P --since EPOCH --timeout S
        wait until the HLS master playlist P exists and every variant playlist it lists has at least
        one #EXTINF; prints first_master_s (seconds since EPOCH, a `date +%s.%N` value) and variants
  ladder.py measure --pid PID --window S --playlist VARIANT.m3u8 --keep DIR --fps F
                    [--progress FFMPEG_PROGRESS_FILE] [--extra-pid PID] [--threads-out TSV]
        over S seconds: CPU (% of one core, all threads of PID) and RSS of PID; every new segment of
        the variant playlist (polled every 0.2 s, hard-linked into DIR before the muxer deletes it);
        then counts the video frames in those segments with ffprobe. Prints key=value pairs.
  ladder.py resolutions --master P
        WxH of the newest segment of every variant in master playlist P (ffprobe)
  ladder.py render RESULTS.tsv THREADS.tsv META.tsv OUT.md
        the stdout table and the markdown report
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procmon  # noqa: E402  (read_stat, read_status, machine_ticks, table, md_table, fnum, ratio)


def arg(args, name, default=None):
    if name in args:
        return args[args.index(name) + 1]
    return default


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def master_variants(master):
    """Variant playlist paths listed by a master playlist, or None if it does not exist (yet)."""
    text = read_text(master)
    if text is None or "#EXTM3U" not in text:
        return None
    base = os.path.dirname(master)
    return [os.path.join(base, l.strip()) for l in text.splitlines() if l.strip() and not l.startswith("#")]


def media_segments(playlist):
    """[(uri, duration_s)] of a media playlist (empty if missing)."""
    text = read_text(playlist) or ""
    out, dur = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            try:
                dur = float(line[8:].split(",")[0])
            except ValueError:
                dur = 0.0
        elif line and not line.startswith("#") and dur is not None:
            out.append((line, dur))
            dur = None
    return out


def cmd_wait_master(args):
    master = arg(args, "--master")
    since = float(arg(args, "--since"))
    timeout = float(arg(args, "--timeout"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        variants = master_variants(master)
        if variants and all("#EXTINF" in (read_text(v) or "") for v in variants):
            print(f"first_master_s={time.time() - since:.2f} variants={len(variants)}")
            return
        time.sleep(0.05)
    variants = master_variants(master)
    print(f"first_master_s=nan variants={len(variants) if variants else 0} error=timeout")


def thread_ticks(pid):
    """{tid: (comm, utime+stime ticks)} of every thread of pid."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                s = f.read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        rest = s[s.rindex(")") + 2:].split()
        out[tid] = (comm, int(rest[11]) + int(rest[12]))
    return out


def ffprobe_frames(path):
    """(video packets, WxH) of one segment."""
    try:
        r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                            "stream=nb_read_packets,width,height", "-of", "default=nw=1", path],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return 0, "?"
    kv = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
    try:
        return int(kv.get("nb_read_packets", "0")), f"{kv.get('width', '?')}x{kv.get('height', '?')}"
    except ValueError:
        return 0, "?"


def progress_out_time(path):
    """Last out_time_us and speed of an `ffmpeg -progress FILE` log."""
    text = read_text(path) or ""
    out_us, speed = None, None
    for line in text.splitlines():
        if line.startswith("out_time_us="):
            try:
                out_us = int(line.split("=", 1)[1])
            except ValueError:
                pass
        elif line.startswith("speed="):
            speed = line.split("=", 1)[1].strip().rstrip("x")
    return out_us, speed


def cmd_measure(args):
    pid = int(arg(args, "--pid"))
    window = float(arg(args, "--window"))
    playlist = arg(args, "--playlist")
    keep = arg(args, "--keep")
    fps = float(arg(args, "--fps", "30"))
    progress = arg(args, "--progress")
    extra = arg(args, "--extra-pid")
    threads_out = arg(args, "--threads-out")
    label = arg(args, "--label", "?")
    os.makedirs(keep, exist_ok=True)
    pdir = os.path.dirname(playlist)

    seen = {uri for uri, _ in media_segments(playlist)}
    new = []  # (appeared at, uri, kept path, duration)
    th0 = thread_ticks(pid)
    p0 = procmon.read_stat(pid)
    x0 = procmon.read_stat(int(extra)) if extra else None
    m0 = procmon.machine_ticks()
    prog0 = progress_out_time(progress) if progress else (None, None)
    t0 = time.monotonic()
    rss_max = 0
    next_rss = t0
    deadline = t0 + window
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        for uri, dur in media_segments(playlist):
            if uri in seen:
                continue
            seen.add(uri)
            src = os.path.join(pdir, uri)
            dst = os.path.join(keep, f"{len(new):04d}-{os.path.basename(uri)}")
            try:
                os.link(src, dst)
            except OSError:
                dst = None
            new.append((now - t0, uri, dst, dur))
        if now >= next_rss:
            rss_max = max(rss_max, procmon.read_status(pid)[0])
            next_rss = now + 1.0
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    t1 = time.monotonic()
    elapsed = t1 - t0
    p1 = procmon.read_stat(pid)
    th1 = thread_ticks(pid)
    x1 = procmon.read_stat(int(extra)) if extra else None
    m1 = procmon.machine_ticks()
    prog1 = progress_out_time(progress) if progress else (None, None)
    rss, threads = procmon.read_status(pid)

    cpu = 100.0 * (p1[1] - p0[1]) / procmon.CLK_TCK / elapsed if p0 and p1 else float("nan")
    xcpu = (100.0 * (x1[1] - x0[1]) / procmon.CLK_TCK / elapsed) if x0 and x1 else float("nan")
    total, idle = m1[0] - m0[0], m1[1] - m0[1]
    busy = 100.0 * (total - idle) / total * os.cpu_count() if total else 0.0
    load1 = open("/proc/loadavg").read().split()[0]

    # Real time: segments that appeared during the window per wall second (2 s segments: 0.5/s), and
    # the frames in the segments that appeared after the first new one, per wall second between that
    # first appearance and the last one, over the nominal frame rate (1.00 = keeps real time).
    seg_rate = len(new) / elapsed
    rt = float("nan")
    frames_total = 0
    res = "?"
    for _, _, path, _ in new:
        if path:
            n, res = ffprobe_frames(path)
            frames_total += n
    if len(new) >= 3:
        span = new[-1][0] - new[0][0]
        frames = sum(ffprobe_frames(p)[0] for _, _, p, _ in new[1:] if p)
        rt = frames / span / fps if span > 0 else float("nan")
    media_s = sum(d for *_, d in new)
    speed = "nan"
    if prog0[0] is not None and prog1[0] is not None:
        speed = f"{(prog1[0] - prog0[0]) / 1e6 / elapsed:.3f}"

    if threads_out:
        agg = {}
        for tid, (comm, ticks) in th1.items():
            before = th0.get(tid, (comm, 0))[1]
            a = agg.setdefault(comm, [0, 0])
            a[0] += 1
            a[1] += ticks - before
        with open(threads_out, "a") as f:
            for comm, (n, ticks) in sorted(agg.items(), key=lambda kv: -kv[1][1]):
                f.write(f"{label}\t{comm}\t{n}\t{100.0 * ticks / procmon.CLK_TCK / elapsed:.2f}\n")

    print(f"cpu_pct={cpu:.2f} rss_kb={rss} rss_max_kb={max(rss, rss_max)} threads={threads} elapsed_s={elapsed:.2f} "
          f"segments={len(new)} seg_per_s={seg_rate:.3f} media_s={media_s:.1f} frames={frames_total} "
          f"realtime={rt:.3f} speed={speed} seg_res={res} extra_cpu_pct={xcpu:.2f} "
          f"machine_busy_pct={busy:.1f} load1={load1}")


def cmd_resolutions(args):
    master = arg(args, "--master")
    out = []
    for v in master_variants(master) or []:
        segs = media_segments(v)
        if not segs:
            out.append("none")
            continue
        out.append(ffprobe_frames(os.path.join(os.path.dirname(v), segs[-1][0]))[1])
    print("resolutions=" + (",".join(out) or "none"))


# ---------------------------------------------------------------- report

def describe_thread(comm, launch):
    """What a GStreamer streaming thread `queueN:src` runs: the elements after the N-th queue of the
    launch line (gst-launch names unnamed queues queue0, queue1... in the order of the line; valid
    for the first pipeline of a fresh process, which is what the benchmark runs). x264's and libav's
    worker threads inherit the name of the streaming thread that starts them."""
    if comm == "ffmpeg" and not launch:
        return "everything (ffmpeg names none of its threads)"
    if not comm.startswith("queue") or ":" not in comm or not launch:
        known = {"kek": "main loop (RTMP server, HTTP, pipeline bus)", "flv:src": "RTMP appsrc + flvdemux",
                 "gmain": "GLib main context"}
        if comm.startswith("mpegtsmux"):
            return "TS muxing + segment writing (hlssink2/dashsink)"
        return known.get(comm, "")
    try:
        n = int(comm[5:comm.index(":")])
    except ValueError:
        return ""
    # `!`-separated parts; a part is an element (first word), caps, or pad references (`srcv.`,
    # `hls.video_0`) that end one branch and start the next.
    elems = []
    for p in (p.strip() for p in launch.split("!")):
        words = p.split(" ")
        if words[0].startswith("video/x-raw"):
            wh = [f.split("=")[1] for f in words[0].split(",") if f.startswith(("width=", "height="))]
            elems.append("x".join(wh) or "raw video")
        elif "/" in words[0]:
            continue  # encoded caps
        elif words[0].startswith(("hls.", "dash.")):
            elems.append("-> " + words[0])
        elif words[0] == "x264enc":
            br = [w for w in words if w.startswith("bitrate=")]
            elems.append("x264enc" + (f" ({br[0]})" if br else ""))
        else:
            elems.append(words[0])
    queues = [i for i, e in enumerate(elems) if e == "queue"]
    if n >= len(queues):
        return ""
    out = []
    for e in elems[queues[n] + 1:]:
        if e in ("queue", "tee"):
            break
        out.append(e)
        if e.startswith("->"):
            break
    return " ! ".join(out)


def cmd_render(args):
    results_path, threads_path, meta_path, out_md = args[:4]
    res = procmon.read_tsv(results_path)
    m = {r["key"]: r["value"] for r in procmon.read_tsv(meta_path)}
    threads = []
    if os.path.exists(threads_path):
        with open(threads_path) as f:
            threads = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    fnum = procmon.fnum
    configs = []
    for r in res:
        if r["config"] not in configs:
            configs.append(r["config"])

    def vals(cfg, key):
        out = []
        for r in res:
            if r["config"] != cfg:
                continue
            try:
                v = float(r.get(key, ""))
            except (TypeError, ValueError):
                continue
            if v == v:
                out.append(v)
        return out

    def mean(cfg, key):
        v = vals(cfg, key)
        return sum(v) / len(v) if v else float("nan")

    def spread(cfg, key, fmt):
        v = vals(cfg, key)
        if len(v) < 2:
            return fnum(mean(cfg, key), fmt)
        return f"{fnum(sum(v) / len(v), fmt)} ({fnum(min(v), fmt)}–{fnum(max(v), fmt)})"

    ff = "ffmpeg"
    ff_cpu = mean(ff, "cpu_pct")
    head = ["config", "CPU % core", "KEK/ffmpeg CPU", "RSS MiB", "threads", "360p seg/s (0.50)",
            "real time (frames/wall)", "ffmpeg speed", "keeps real time", "first master s", "variants",
            "machine busy %", "load1"]
    rows = []
    verdicts = {}
    for cfg in configs:
        rt = mean(cfg, "realtime")
        sp = mean(cfg, "speed")
        seg = mean(cfg, "seg_per_s")
        ok_runs = [r for r in res if r["config"] == cfg and r["ok"] == "1"]
        runs = [r for r in res if r["config"] == cfg]
        keeps = "n/a"
        segs, el = mean(cfg, "segments"), mean(cfg, "elapsed_s")
        if rt == rt:
            # One 2 s segment more or less is the granularity of the count over the window.
            keeps = "yes" if rt >= 0.97 and segs >= el / 2 - 1 and not sp < 0.95 else "NO"
        if len(ok_runs) < len(runs):
            keeps = f"INVALID ({len(runs) - len(ok_runs)}/{len(runs)} runs broken)"
        verdicts[cfg] = keeps
        cpu = mean(cfg, "cpu_pct")
        rows.append([cfg, spread(cfg, "cpu_pct", "{:.1f}"), "-" if cfg == ff else procmon.ratio(cpu, ff_cpu),
                     fnum(mean(cfg, "rss_kb") / 1024, "{:.0f}"), fnum(mean(cfg, "threads"), "{:.0f}"),
                     fnum(seg, "{:.3f}"), fnum(rt, "{:.3f}"), fnum(sp, "{:.3f}") if cfg.startswith(ff) else "-", keeps,
                     spread(cfg, "first_master_s", "{:.2f}"), runs[-1].get("variants", "?"),
                     fnum(mean(cfg, "machine_busy_pct"), "{:.0f}"), fnum(mean(cfg, "load1"), "{:.1f}")])
    # Issue 17 item 6: the ladder at most 0.95x one ffmpeg's CPU. ffmpeg=V rows (the same ladder
    # with other libx264 threading) get a column each: KEK against ffmpeg run like KEK's encoders.
    goal_ratio = 0.95
    ff_variants = [c for c in configs if c.startswith("ffmpeg=")]
    goal_rows = []
    for cfg in configs:
        if cfg == ff or cfg.startswith("ffmpeg="):
            continue
        c = mean(cfg, "cpu_pct")
        goal = "n/a" if c != c or ff_cpu != ff_cpu else ("met" if c <= goal_ratio * ff_cpu else "missed")
        if verdicts.get(cfg, "").startswith("INVALID") or verdicts.get(ff, "").startswith("INVALID"):
            goal = "INVALID run"
        goal_rows.append([cfg, procmon.ratio(c, ff_cpu), goal] +
                         [procmon.ratio(c, mean(v, "cpu_pct")) for v in ff_variants] +
                         [procmon.ratio(mean(cfg, "first_master_s"), mean(ff, "first_master_s"))])
    goal_head = (["config", "CPU KEK/ffmpeg", f"goal <= {goal_ratio}x"] + [f"CPU KEK/{v}" for v in ff_variants] +
                 ["first master KEK/ffmpeg"])

    thread_head = ["config", "thread name", "threads", "CPU % core", "what runs there"]
    thread_rows = []
    for cfg in configs:
        rows_cfg = [t for t in threads if t[0].split("#")[0] == cfg]
        agg = {}
        runs = len({t[0] for t in rows_cfg}) or 1
        for label, comm, n, cpu in rows_cfg:
            a = agg.setdefault(comm, [0, 0.0])
            a[0] = max(a[0], int(n))
            a[1] += float(cpu) / runs
        for comm, (n, cpu) in sorted(agg.items(), key=lambda kv: -kv[1][1])[:12]:
            thread_rows.append([cfg, comm, n, f"{cpu:.1f}", describe_thread(comm, m.get("launch_" + cfg, ""))])

    print()
    print(procmon.table(head, rows))
    print()
    print(procmon.table(goal_head, goal_rows))
    print()

    extra = ""
    if m.get("ffmpeg_input") == "rtmp":
        extra = (f" The nginx-rtmp relay that feeds ffmpeg is not counted (it used "
                 f"{fnum(mean(ff, 'extra_cpu_pct'), '{:.1f}')} % of a core); KEK's own RTMP server is part of kek.")
    md = [f"# Live ladder: KEK vs one ffmpeg process ({m.get('date', '')})", "",
          "One 1080p30 RTMP publish turned into source passthrough + 720p/480p/360p x264 HLS, by KEK's",
          "`live-abr` template and by one ffmpeg process doing the same ladder, one after the other in the",
          "same run. Produced by `bash bench/live_ladder.sh`; see bench/README.md for how to read it.", "",
          "## Machine", "",
          f"- CPU: {m.get('cpu_model', '?')}, nproc {m.get('nproc', '?')}, memory {m.get('mem', '?')}",
          f"- Kernel: {m.get('kernel', '?')}",
          f"- Load average before the run: {m.get('load_before', '?')}; after: {m.get('load_after', '?')}. "
          "\"machine busy\" is the whole machine's CPU during each window in % of one core (200 = both cores "
          "saturated), publisher and other people's work included.",
          f"- Media written to: {m.get('tmp_fs', '?')}",
          f"- Scheduling: the run's autogroup: {m.get('autogroup', '?')} (AUTOGROUP_NICE below 0: the run "
          "weighs more than each other session on a shared machine, a stand-in for a quiet one).", "",
          "## Versions", "",
          f"- KEK: {m.get('kek_version', '?')} (git {m.get('git', '?')}), GStreamer {m.get('gst_version', '?')}, "
          f"x264enc from {m.get('x264_version', '?')}",
          f"- ffmpeg: {m.get('ffmpeg_version', '?')}; nginx {m.get('nginx_version', '?')} + libnginx-mod-rtmp "
          f"{m.get('rtmp_module_version', '?')} (relay)", "",
          "## Parameters", "",
          f"- Clip: {m.get('clip', '?')}",
          f"- Publisher: `{m.get('publisher', '?')}` (its CPU is not counted)",
          f"- Per config: start the server, publish, wait for the first playable master playlist (at most "
          f"{m.get('ready_timeout', '?')} s), warm-up {m.get('warmup', '?')} s, measure {m.get('window', '?')} s; "
          f"{m.get('repeats', '1')} repeat(s), order alternating, averaged (range in brackets).",
          f"- KEK (`kek`): `kek serve`, plugins rtmp (app live -> live-abr) and hls; the template as shipped "
          f"(outputs {m.get('kek_outputs', '?')}): `{m.get('kek_launch', '?')}`",
          "- `kek-hls`: the same template with `outputs: [hls]` (no DASH), generated at run time, because "
          "ffmpeg writes HLS only." if "kek-hls" in configs else "",
          f"- ffmpeg (`ffmpeg`), input {m.get('ffmpeg_input', '?')}: `{m.get('ffmpeg_cmd', '?')}`",
          *[f"- `{c}`: {m.get('template_' + c, '?')}" for c in configs if "=" in c],
          "- CPU: utime+stime delta of the server process (all threads) from /proc/PID/stat over the window, "
          "in % of one core. RSS: VmRSS at the end of the window." + extra,
          "- Real time: `360p seg/s` = 360p segments that appeared during the window per wall second (2 s "
          "segments: 0.50 when keeping up); `real time` = video frames (ffprobe) in the 360p segments that "
          "appeared after the first new one, per wall second between the first and the last appearance, / 30 fps "
          "(1.00 = real time; segments are hard-linked as they appear, so none is lost to deletion). "
          "`ffmpeg speed` = out_time delta of `-progress` / wall time. \"keeps real time\" = real time >= 0.97 "
          "and at most one segment fewer than window / 2 s (and ffmpeg speed >= 0.95).",
          "- First master: seconds from starting the publisher until the master playlist exists and every "
          "variant playlist it lists has an #EXTINF (polled every 50 ms; ffmpeg start-up included).",
          "- x264 as each config's 720p rung was encoded (the options x264 wrote into the stream's first "
          "frame; the other rungs are set alike):",
          *[f"  - `{c}`: `{m['x264_' + c]}`" for c in configs if "x264_" + c in m],
          "", "## Results", "", procmon.md_table(head, rows), "",
          "### Against the goal (issue 17 item 6: KEK's CPU <= 0.95x one ffmpeg's)",
          "", procmon.md_table(goal_head, goal_rows), "",
          "### Where the CPU goes (per thread name, % of one core, mean over repeats, top 12 per config)", "",
          "GStreamer names streaming threads after the element/pad (`queueN:src`), x264's own worker threads "
          "inherit the name of the thread that created them; ffmpeg's threads are mostly unnamed (`ffmpeg`).", "",
          procmon.md_table(thread_head, thread_rows), ""]
    notes = m.get("notes", "")
    if notes:
        md += ["## Notes", "", notes.replace("\\n", "\n"), ""]
    with open(out_md, "w") as f:
        f.write("\n".join(l for i, l in enumerate(md) if not (l == "" and i > 0 and md[i - 1] == "")))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"wait-master": cmd_wait_master, "measure": cmd_measure, "resolutions": cmd_resolutions,
     "render": cmd_render}[cmd](args)


if __name__ == "__main__":
    main()
