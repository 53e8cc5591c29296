-- wrk script of bench/history_heartbeats.sh: the load client.
--
--   wrk -t T -c C -d S -s history_heartbeat.lua URL -- heartbeat USERS_FILE ITEM DURATION BASE_MS T
--   wrk -t T -c C -d S -s history_heartbeat.lua URL -- get PATH
--   wrk -t T -c C -d S -s history_heartbeat.lua URL -- signed-in-get PATH USERS_FILE T
--
-- heartbeat: PUT /api/me/history/ITEM as the player does every 10 s, round-robin over the users
-- of USERS_FILE (one "cookie csrf_token" per line; thread i takes every T-th user, so each user's
-- sent_at only grows), sent_at = BASE_MS + this thread's request count, positions moving
-- through the middle of the film. get: the same load as GETs of PATH (/api/health, or nginx).
-- signed-in-get: GETs of PATH as the same users (what any signed-in request costs: the session).
-- done() prints one line of key=value pairs (latencies in ms) for the script to read.

local mode, path
local users = {}
local item, duration, base = nil, 0, 0
local n = 0

function setup(thread)
  setup_count = (setup_count or 0) + 1
  thread:set("tid", setup_count)
end

function init(args)
  mode = args[1]
  if mode == "get" then
    path = args[2]
    return
  end
  local file, threads
  if mode == "signed-in-get" then
    path, file, threads = args[2], args[3], tonumber(args[4])
  else
    file, threads = args[2], tonumber(args[6])
    item, duration, base = args[3], tonumber(args[4]), tonumber(args[5])
    path = "/api/me/history/" .. item
  end
  local i = 0
  for line in io.lines(file) do
    if (i % threads) == (tid - 1) then
      local cookie, csrf = line:match("^(%S+) (%S+)$")
      users[#users + 1] = { ["Cookie"] = "kek_session=" .. cookie, ["X-CSRF-Token"] = csrf,
                            ["Content-Type"] = "application/json", ["User-Agent"] = "kek-bench" }
    end
    i = i + 1
  end
  assert(#users > 0, "thread " .. tid .. " has no user")
end

function request()
  if mode == "get" then return wrk.format("GET", path) end
  n = n + 1
  local headers = users[(n % #users) + 1]
  if mode == "signed-in-get" then return wrk.format("GET", path, headers) end
  local position = 11 + (math.floor(n / #users) % (duration - 140))
  local body = string.format('{"position_s":%d,"duration_s":%d,"sent_at":%d}', position, duration, base + n)
  return wrk.format("PUT", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "requests=%d seconds=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
