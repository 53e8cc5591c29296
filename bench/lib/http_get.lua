-- wrk script of bench/http_serve.sh: GETs of the paths in PATHS_FILE (one per line), each thread
-- going round them from its own place, with an optional Cookie header.
--
--   wrk -t T -c C -d S -s http_get.lua URL -- PATHS_FILE [COOKIE]
--
-- done() prints one line of key=value pairs (latencies in ms) for the script to read.

local paths = {}
local headers = { ["User-Agent"] = "kek-bench" }
local n = 0

function setup(thread)
  setup_count = (setup_count or 0) + 1
  thread:set("tid", setup_count)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  assert(#paths > 0, "no path in " .. args[1])
  if args[2] and #args[2] > 0 then headers["Cookie"] = args[2] end
  n = (tid * 7919) % #paths
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "requests=%d seconds=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d bytes=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
