-- wrk script: prints one machine-readable line at the end of a run.
-- Latencies are in microseconds (wrk records them in us); rps = requests / duration.
-- bytes_per_req is a sanity check that the 1 KiB body (plus headers) came through.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local n = summary.requests
  io.write(string.format(
    "BENCH rps=%.1f p50_us=%d p99_us=%d p999_us=%d requests=%d duration_s=%.3f " ..
    "bytes_per_req=%.0f err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    n / seconds,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    n, seconds, n > 0 and summary.bytes / n or 0,
    e.connect, e.read, e.write, e.status, e.timeout))
end
