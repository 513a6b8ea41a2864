-- A paced load for wrk (the HTTP load tool): each connection waits connections/rate seconds
-- between requests (started at a random phase, so the total is a steady `rate` per second,
-- not bursts), cycles through the paths given, and at the end prints one JSON line with the
-- latency percentiles in milliseconds.
-- wrk -t2 -c32 -d30s -s paced.lua URL -- RATE CONNECTIONS TOKEN PATH [PATH...]

local requests, interval, first = {}, 0, true
local counter = 0

function init(args)
  local rate, conns, token = tonumber(args[1]), tonumber(args[2]), args[3]
  interval = 1000 * conns / rate
  local headers = { ["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json" }
  for i = 4, #args do
    requests[#requests + 1] = wrk.format("GET", args[i], headers)
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function delay()
  if first then
    first = false
    return math.random() * interval
  end
  return interval
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, _)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "non2xx": %d, "errors": %d, "latency_ms": ' ..
    '{"p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f, "mean": %.2f}}\n',
    summary.requests, summary.duration / 1e6, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
