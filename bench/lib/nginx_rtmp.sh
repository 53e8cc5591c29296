# Sourced by the bench scripts after common.sh: nginx + Debian's libnginx-mod-rtmp writing HLS, the
# comparison server. Needs procmon.py's free-port ($ROOT set).
NGINX_RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so

# nginx_rtmp_need: appends to need_apt what nginx-rtmp needs and is missing.
nginx_rtmp_need() {
  command -v nginx >/dev/null || need_apt+=(nginx)
  [[ -f $NGINX_RTMP_MODULE ]] || need_apt+=(libnginx-mod-rtmp)
}

# nginx_rtmp_start DIR [FRAGMENT [PLAYLIST_LENGTH [HTTP_PORT [WORKERS]]]]: nginx in the foreground
# (daemon off) with its config, logs and HLS (DIR/hls/<stream>/index.m3u8, hls_nested) in DIR,
# application `live` on a free 127.0.0.1 port; with HTTP_PORT also an http server on it serving
# DIR/hls at /hls/. Sets NGINX_PID (also added to PIDS) and NGINX_RTMP_URL (rtmp://.../live/).
nginx_rtmp_start() {
  local d=$1 fragment=${2:-2s} length=${3:-12s} http_port=${4:-} workers=${5:-1} port
  mkdir -p "$d/hls" "$d/logs"
  chmod 777 "$d/hls"
  port=$(python3 "$ROOT/bench/lib/procmon.py" free-port)
  cat >"$d/nginx.conf" <<CONF
load_module $NGINX_RTMP_MODULE;
daemon off;
master_process on;
worker_processes $workers;
$( ((EUID == 0)) && echo "user root;")
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
rtmp {
  server {
    listen 127.0.0.1:$port;
    application live {
      live on;
      hls on;
      hls_path $d/hls;
      hls_nested on;
      hls_fragment $fragment;
      hls_playlist_length $length;
    }
  }
}
$([[ -n $http_port ]] && cat <<HTTP
http {
  access_log off;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:$http_port;
    location /hls/ { alias $d/hls/; add_header Cache-Control no-cache; }
  }
}
HTTP
)
CONF
  mkdir -p "$d/tmp"
  nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" >"$d/nginx.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_port "$port" "$NGINX_PID" 15 ||
    die "nginx not listening after 15 s: $(cat "$d/nginx.log" "$d/logs/error.log" 2>/dev/null | tail -5)"
  NGINX_RTMP_URL=rtmp://127.0.0.1:$port/live/
}
