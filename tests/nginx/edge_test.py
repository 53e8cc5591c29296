#!/usr/bin/env python3
"""deploy/nginx/kek.conf with real nginx on loopback in front of a real kek serve: TLS with a
certificate made here, hls.js in Chromium plays a live stream through the edge, 64 clients
fetching one new segment make one origin request (proxy_cache_lock), byte ranges pass,
private media never comes out of the cache for someone else while signed-token URLs are
cached per token, and with kek stopped the edge still serves cached segments.
Usage: edge_test.py BUILD_DIR SOURCE_DIR. Exit 77 (skipped) says why when nginx is missing."""
import concurrent.futures, http.cookiejar, json, os, re, shutil, signal, socket, ssl, subprocess, sys, tempfile, time
import urllib.error, urllib.request

BUILD, SRC = sys.argv[1], sys.argv[2]
for tool in ("nginx", "openssl", "ffmpeg", "node"):
    if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
        print(f"SKIP: {tool} is missing (scripts/dev.sh test installs it)")
        sys.exit(77)
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WORK = tempfile.mkdtemp(prefix="kek-edge-")
procs = []
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


def fail(msg):
    print("FAIL:", msg)
    for name in ("kek.log", "nginx-error.log"):
        p = os.path.join(WORK, name)
        if os.path.exists(p):
            print(f"--- {name} (tail)")
            print("".join(open(p, errors="replace").readlines()[-30:]))
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=TLS))


def fetch(url, headers=None, method="GET", body=None):
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=body)
    try:
        with OPENER.open(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Client:
    """A signed-in browser: the session cookie and the CSRF token."""
    def __init__(self, base):
        self.base, self.cookie, self.csrf = base, "", ""

    def call(self, method, path, payload=None):
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = "kek_session=" + self.cookie
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        status, h, body = fetch(self.base + path, headers, method, json.dumps(payload).encode() if payload is not None else None)
        m = re.match(r"kek_session=([^;]*)", h.get("Set-Cookie", ""))
        if m:
            self.cookie = m.group(1)
        try:
            data = json.loads(body)
            if isinstance(data, dict) and data.get("csrf_token"):
                self.csrf = data["csrf_token"]
        except ValueError:
            data = None
        return status, data


def origin_requests(path):
    """How many times kek's request log shows GET path (the origin's side of the edge)."""
    return open(os.path.join(WORK, "kek.log"), errors="replace").read().count(f"GET {path} -> ")


def main():
    # A certificate for 127.0.0.1, made here.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", f"{WORK}/key.pem", "-out", f"{WORK}/cert.pem"],
                   check=True, capture_output=True)
    # kek, on free ports, accounts and RTMP; it trusts the edge's X-Forwarded-For.
    data = f"{WORK}/kek"
    open(f"{WORK}/kek.yaml", "w").write(
        f"data_dir: {data}\ndatabase: {data}/kek.db\nmedia_dir: {data}/media\n"
        "http: {address: 127.0.0.1, port: 0}\nshutdown_timeout_s: 3\n"
        "plugins:\n  - {name: auth}\n  - {name: hls}\n  - {name: dash}\n  - {name: thumbnails}\n"
        "  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n")
    env = dict(os.environ, KEK_ADMIN_PASSWORD="edge-admin-password")
    kek = subprocess.Popen([f"{BUILD}/core/kek", "serve", "--config", f"{WORK}/kek.yaml"], env=env,
                           stdout=open(f"{WORK}/kek.log", "w"), stderr=subprocess.STDOUT)
    procs.append(kek)
    endpoints = {}
    for _ in range(300):
        m = re.search(r"^KEK_READY (.*)$", open(f"{WORK}/kek.log").read(), re.M)
        if m:
            endpoints = dict(kv.split("=", 1) for kv in m.group(1).split())
            break
        if kek.poll() is not None:
            fail("kek exited")
        time.sleep(0.1)
    if "http" not in endpoints:
        fail("kek did not get ready")
    origin_port = int(re.search(r":(\d+)/", endpoints["http"]).group(1))

    # nginx with the shipped config, moved onto this test's ports and folders.
    https_port, http_port = free_port(), free_port()
    conf = open(f"{SRC}/deploy/nginx/kek.conf").read()
    for old, new in [("server 127.0.0.1:8080;", f"server 127.0.0.1:{origin_port};"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                     ("listen [::]:443 ssl http2;\n", ""), ("listen [::]:80;\n", ""),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("/etc/ssl/certs/kek.example.org.pem", f"{WORK}/cert.pem"),
                     ("/etc/ssl/private/kek.example.org.key", f"{WORK}/key.pem"),
                     ("/var/cache/nginx/kek", f"{WORK}/cache")]:
        if old not in conf:
            fail(f"deploy/nginx/kek.conf no longer has '{old.strip()}'")
        conf = conf.replace(old, new)
    os.makedirs(f"{WORK}/tmp", exist_ok=True)
    open(f"{WORK}/kek-edge.conf", "w").write(conf)
    user = "user root;\n" if os.geteuid() == 0 else ""
    open(f"{WORK}/nginx.conf", "w").write(
        f"{user}daemon off;\nworker_processes 2;\npid {WORK}/nginx.pid;\nerror_log {WORK}/nginx-error.log warn;\n"
        "events { worker_connections 512; }\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {WORK}/nginx-access.log;\n"
        f"  client_body_temp_path {WORK}/tmp/body;\n  proxy_temp_path {WORK}/tmp/proxy;\n"
        f"  fastcgi_temp_path {WORK}/tmp/fcgi;\n  uwsgi_temp_path {WORK}/tmp/uwsgi;\n  scgi_temp_path {WORK}/tmp/scgi;\n"
        f"  include {WORK}/kek-edge.conf;\n}}\n")
    t = subprocess.run([NGINX, "-t", "-p", WORK, "-c", f"{WORK}/nginx.conf"], capture_output=True, text=True)
    if t.returncode != 0:
        fail("nginx -t: " + t.stderr)
    nginx = subprocess.Popen([NGINX, "-p", WORK, "-c", f"{WORK}/nginx.conf"], stdout=subprocess.DEVNULL,
                             stderr=open(f"{WORK}/nginx-stderr.log", "w"))
    procs.append(nginx)
    edge = f"https://127.0.0.1:{https_port}"
    for _ in range(100):
        try:
            if fetch(edge + "/api/health")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        fail("the edge does not answer over TLS")
    status, headers, _ = fetch(f"http://127.0.0.1:{http_port}/live")
    if status != 301 or not headers.get("Location", "").startswith("https://"):
        fail(f"plain HTTP is not redirected to HTTPS ({status})")

    # Through the edge: accounts, a public and a private stream.
    anna = Client(edge)
    if anna.call("POST", "/api/auth/register", {"username": "anna", "email": "a@example.com",
                                                "password": "a-long-secret-phrase"})[0] != 201:
        fail("register through the edge")
    s, public = anna.call("POST", "/api/me/stream-keys", {"name": "public"})
    s2, private = anna.call("POST", "/api/me/stream-keys", {"name": "family", "visibility": "private"})
    if s != 201 or s2 != 201:
        fail(f"stream keys through the edge: {s} {s2}")
    for key in (public["key"], private["key"]):
        procs.append(subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
             "-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "flv", f"{endpoints['rtmp']}/{key}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    pub, priv = public["stream"], private["stream"]
    media = f"{edge}/media/live/{pub}/source/index.m3u8"
    for _ in range(300):
        st, _, body = fetch(media)
        if st == 200 and body.count(b"#EXTINF") >= 2:
            break
        time.sleep(0.1)
    else:
        fail("the public stream's playlist does not come through the edge")

    # hls.js in Chromium plays it through the edge.
    play = subprocess.run(["node", f"{SRC}/tests/nginx/play_hls.mjs", f"{SRC}/webui", f"{edge}/media/live/{pub}/index.m3u8"],
                          capture_output=True, text=True, timeout=120)
    if play.returncode != 0:
        fail("hls.js through the edge: " + play.stdout + play.stderr)
    print("hls.js:", play.stdout.strip())

    # Playlists: cached under a second.
    fetch(media)
    st, h, _ = fetch(media)
    if h.get("X-Cache") != "HIT":
        fail(f"a playlist fetched twice at once is not a cache hit ({h.get('X-Cache')})")
    # proxy_cache_valid 1s counts whole seconds: an entry lives 1 to 2 s, under one segment.
    time.sleep(2.1)
    if fetch(media)[1].get("X-Cache") == "HIT":
        fail("a playlist stayed cached 2 s (a segment's duration)")

    # 64 clients, one new segment, one origin request.
    body = fetch(media)[2].decode()
    segment = [l for l in body.splitlines() if l.endswith(".ts")][-1]
    seg_path = f"/media/live/{pub}/source/{segment}"
    before = origin_requests(seg_path)
    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(lambda _: fetch(edge + seg_path), range(64)))
    if any(a[0] != 200 for a in answers) or len({a[2] for a in answers}) != 1:
        fail("64 clients did not all get the same segment")
    time.sleep(0.5)
    origin = origin_requests(seg_path) - before
    if origin != 1:
        fail(f"64 clients of one segment made {origin} origin requests (proxy_cache_lock: 1)")
    print(f"proxy_cache_lock: 64 clients, {origin} origin request")
    st, h, part = fetch(edge + seg_path, {"Range": "bytes=0-187"})
    if st != 206 or len(part) != 188 or part[0] != 0x47:
        fail(f"a byte range through the edge: {st}, {len(part)} bytes")

    # Private media: the owner's answers are never stored for others; tokens are cached per token.
    priv_list = f"/media/live/{priv}/source/index.m3u8"
    for _ in range(300):
        st, _, pbody = fetch(edge + priv_list, {"Cookie": "kek_session=" + anna.cookie})
        if st == 200 and b".ts" in pbody:
            break
        time.sleep(0.1)
    else:
        fail("the owner cannot watch her private stream through the edge")
    priv_seg = f"/media/live/{priv}/source/" + [l for l in pbody.decode().splitlines() if l.endswith(".ts")][-1]
    if fetch(edge + priv_seg, {"Cookie": "kek_session=" + anna.cookie})[0] != 200:
        fail("the owner cannot fetch her private segment")
    for path in (priv_list, priv_seg):
        st = fetch(edge + path)[0]
        if st != 403:
            fail(f"an anonymous client got {st} for {path} after its owner fetched it (the cache mixed them)")
    s, signed = anna.call("POST", "/api/media/sign", {"prefix": f"live/{priv}/", "ttl_s": 60})
    if s != 200:
        fail(f"sign: {s}")
    token_seg = edge + signed["url_prefix"] + priv_seg.split(f"/media/live/{priv}/", 1)[1]
    first, second = fetch(token_seg), fetch(token_seg)
    if first[0] != 200 or second[0] != 200 or second[1].get("X-Cache") != "HIT":
        fail(f"a signed-token segment is not cached per token: {first[0]} {second[0]} {second[1].get('X-Cache')}")
    forged = token_seg.replace("/~t/", "/~t/x", 1)
    if fetch(forged)[0] != 403:
        fail("a wrong token got the private segment from the cache")

    # kek stopped: cached segments are still served, the API says the origin is gone.
    kek.send_signal(signal.SIGTERM)
    kek.wait(timeout=30)
    st, h, cached = fetch(edge + seg_path)
    if st != 200 or cached != answers[0][2]:
        fail(f"with kek stopped the cached segment is not served ({st})")
    if fetch(edge + "/api/health")[0] != 502:
        fail("with kek stopped the API does not answer 502")
    print("ok: TLS edge, hls.js plays, playlists 1 s, 64 clients -> 1 origin request, ranges, private media "
          "never shared, tokens cached per token, cached segments served with kek stopped")


try:
    main()
finally:
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    if not os.environ.get("KEK_KEEP_TEST_DIRS"):
        shutil.rmtree(WORK, ignore_errors=True)
