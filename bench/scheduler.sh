#!/usr/bin/env bash
# bench/scheduler.sh [BUILD_DIR] -- `make bench-scheduler`.
#
# The DXtrade ping scheduler (tg::dxtrade::Keepalive) with 100,000 and 1,000,000 sessions
# (memory session store, about 3,000 pings/s each) against a minimal HTTP sink on
# 127.0.0.1, run as its own process. Reports RSS per session, sustained pings/s, ping lag
# p50/p99 and CPU in bench/results/scheduler.md. See bench/README.md, "Scheduler bench".
# Builds nothing: the Makefile target builds first. About 2.5 minutes with the defaults.
#
# Environment (defaults in brackets):
#   BENCH_SCHED_RUNS ["100000:33000 1000000:333000"]  SESSIONS:INTERVAL_MS pairs, in order
#   BENCH_SCHED_DURATION [60]  seconds measured per run, after BENCH_SCHED_WARMUP [5] s
#   BENCH_SCHED_MAX_IN_FLIGHT [64]  keepalive.max_in_flight (the config default)
#   BENCH_SCHED_LOG_LEVEL [info]  the gateway's default: one log line per ping
#   BENCH_OUT [bench/results]  where scheduler.md goes
#   SCHEDULER_BENCH_BIN [BUILD_DIR/bench/scheduler-bench]
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

BUILD_DIR=${1:-build}
if [[ ! -d $BUILD_DIR && -d $REPO_DIR/$BUILD_DIR ]]; then BUILD_DIR=$REPO_DIR/$BUILD_DIR; fi
BIN=${SCHEDULER_BENCH_BIN:-$BUILD_DIR/bench/scheduler-bench}

RUNS=${BENCH_SCHED_RUNS:-"100000:33000 1000000:333000"}
DURATION=${BENCH_SCHED_DURATION:-60}
WARMUP=${BENCH_SCHED_WARMUP:-5}
MAX_IN_FLIGHT=${BENCH_SCHED_MAX_IN_FLIGHT:-64}
LOG_LEVEL=${BENCH_SCHED_LOG_LEVEL:-info}
OUT_DIR=${BENCH_OUT:-$BENCH_DIR/results}
SETUP_LIMIT=300  # s: the bench gives up adding sessions after this long
TARGET_SESSIONS=1000000
TARGET_BYTES=1024
TARGET_LAG_MS=100

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -x $BIN ]] || die "no scheduler-bench at $BIN (run 'make bench-scheduler' or build the scheduler-bench target)"
for value in "$DURATION" "$MAX_IN_FLIGHT"; do
  [[ $value =~ ^[0-9]+$ && $value -gt 0 ]] || die "BENCH_SCHED_DURATION and BENCH_SCHED_MAX_IN_FLIGHT must be positive integers"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_SCHED_WARMUP must be a non-negative integer"
((DURATION <= 600)) || die "BENCH_SCHED_DURATION is at most 600"
for run in $RUNS; do
  [[ $run =~ ^[0-9]+:[0-9]+$ ]] || die "BENCH_SCHED_RUNS: '$run' is not SESSIONS:INTERVAL_MS"
done
command -v timeout >/dev/null || die "timeout (coreutils) is needed"

# --- the sink -------------------------------------------------------------------------

TMP=$(mktemp -d)
SINK_PID=""
cleanup() {
  if [[ -n $SINK_PID ]] && kill -0 "$SINK_PID" 2>/dev/null; then
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_count=$(wc -w <<<"$RUNS")
RUN_LIMIT=$((WARMUP + DURATION + SETUP_LIMIT + 60))  # s: a run that takes longer is killed
SINK_LIMIT=$((run_count * RUN_LIMIT + 60))
SINK_CMD=("$BIN" --sink 127.0.0.1:0 --port-file "$TMP/port" --max-seconds "$SINK_LIMIT")
"${SINK_CMD[@]}" >"$TMP/sink.out" 2>"$TMP/sink.log" &
SINK_PID=$!
for _ in $(seq 100); do
  [[ -s $TMP/port ]] && break
  kill -0 "$SINK_PID" 2>/dev/null || { cat "$TMP/sink.log" >&2; die "the sink exited"; }
  sleep 0.1
done
[[ -s $TMP/port ]] || die "the sink did not start listening within 10 s"
PORT=$(<"$TMP/port")
log "sink listening on 127.0.0.1:$PORT (pid $SINK_PID)"

# --- the runs -------------------------------------------------------------------------

STARTED=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
COMMANDS=()
RESULTS=()
for run in $RUNS; do
  sessions=${run%%:*}
  interval=${run##*:}
  cmd=("$BIN" --sessions "$sessions" --interval-ms "$interval" --duration-s "$DURATION" --warmup-s "$WARMUP"
       --sink-port "$PORT" --max-in-flight "$MAX_IN_FLIGHT" --log-level "$LOG_LEVEL" --max-setup-s "$SETUP_LIMIT"
       --sink-pid "$SINK_PID" --label "$sessions")
  log "run: ${cmd[*]}"
  started=$(date +%s)
  status=0
  timeout "$RUN_LIMIT" "${cmd[@]}" >"$TMP/run-$sessions.out" 2>"$TMP/run-$sessions.log" || status=$?
  if ((status != 0)); then
    grep -v 'dxweb: /ping http=200' "$TMP/run-$sessions.log" | tail -n 20 >&2 || true
    die "the run with $sessions sessions failed (exit $status)"
  fi
  grep -v '^RESULT' "$TMP/run-$sessions.out" >&2 || true
  line=$(grep '^RESULT' "$TMP/run-$sessions.out")
  line+=$'\t'"wall_s=$(($(date +%s) - started))"$'\t'"log_lines=$(wc -l <"$TMP/run-$sessions.log")"
  RESULTS+=("$line")
  COMMANDS+=("${cmd[*]/#$REPO_DIR\//}")
done
ELAPSED=$(($(date +%s) - STARTED))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$SINK_PID" 2>/dev/null || true
wait "$SINK_PID" 2>/dev/null || true
SINK_SUMMARY=$(grep 'served' "$TMP/sink.log" || echo "sink: no summary")
SINK_PID=""

# --- the report -----------------------------------------------------------------------

# field LINE KEY: the value of KEY=... in a RESULT line.
field() { tr '\t' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n1; }
# lag bound as text: "≤ 10 ms", "> 5000 ms", "n/a".
lag_text() {
  case $1 in
    na) echo "n/a" ;;
    inf) echo "> 5000 ms" ;;
    *) echo "≤ $1 ms" ;;
  esac
}
group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }  # 1000000 -> 1,000,000

mkdir -p "$OUT_DIR"
OUT=$OUT_DIR/scheduler.md
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM_GIB=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
COMPILER=$(c++ --version 2>/dev/null | head -n1 || echo unknown)
HEAD=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO_DIR" status --porcelain 2>/dev/null | grep -q . && echo ", with uncommitted changes" || true)
SINK_SHOWN=("${SINK_CMD[@]}")
SINK_SHOWN[${#SINK_SHOWN[@]} - 3]='$TMP/port'

{
  echo "# Ping scheduler benchmark: DXtrade keepalive at 100,000 and 1,000,000 sessions"
  echo
  echo "Generated by \`bench/scheduler.sh\` (\`make bench-scheduler\`); see bench/README.md, \"Scheduler bench\"."
  echo "Every figure below was measured by that run; nothing is filled in by hand."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (the runs took $((ELAPSED / 60)) min $((ELAPSED % 60)) s)"
  echo "- machine: nproc $(nproc), CPU $CPU_MODEL, kernel $(uname -r), memory $MEM_GIB GiB"
  echo "- load average at start: $LOAD_START; at end: $LOAD_END"
  echo "- build: $COMPILER, Release; repo HEAD $HEAD$DIRTY"
  echo "- settings: basic auth, keepalive.jitter 0.1, max_in_flight $MAX_IN_FLIGHT, log level $LOG_LEVEL" \
       "(stderr to a file), $WARMUP s warm-up then $DURATION s measured"
  echo
  echo "| sessions | interval | RSS / session | pings/s (1-s min–max) | lag p50 | lag p99 | CPU, % of one core | CPU / ping | failed pings | setup (add all sessions) |"
  echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  for line in "${RESULTS[@]}"; do
    n=$(field "$line" sessions)
    printf '| %s | %s ms | %s B (end: %s B) | %s (%s–%s) | %s | %s | %s %% | %s µs | %s transient, %s gone | %s s |\n' \
      "$(group "$n")" "$(group "$(field "$line" interval_ms)")" \
      "$(printf '%.0f' "$(field "$line" rss_per_session)")" "$(printf '%.0f' "$(field "$line" rss_end_per_session)")" \
      "$(field "$line" pps)" "$(printf '%.0f' "$(field "$line" pps_min_1s)")" "$(printf '%.0f' "$(field "$line" pps_max_1s)")" \
      "$(lag_text "$(field "$line" lag_p50_le_ms)")" "$(lag_text "$(field "$line" lag_p99_le_ms)")" \
      "$(field "$line" cpu_pct)" "$(field "$line" cpu_us_per_ping)" \
      "$(field "$line" pings_transient)" "$(field "$line" pings_gone)" \
      "$(awk -v a="$(field "$line" setup_store_s)" -v b="$(field "$line" setup_keepalive_s)" 'BEGIN {printf "%.2f", a + b}')"
  done
  echo
  echo "## Targets (1,000,000 sessions)"
  echo
  found=""
  for line in "${RESULTS[@]}"; do
    [[ $(field "$line" sessions) == "$TARGET_SESSIONS" ]] || continue
    found=yes
    rss=$(field "$line" rss_per_session)
    rss_end=$(field "$line" rss_end_per_session)
    p99=$(field "$line" lag_p99_le_ms)
    if awk -v a="$rss" -v b="$rss_end" -v t="$TARGET_BYTES" 'BEGIN {exit !(a < t && b < t)}'; then
      verdict="**met**"
    else
      verdict="**missed**"
    fi
    printf -- '- memory under 1 KB (%d B) per session: %s — %.0f B/session after adding, %.0f B/session at the end of the run.\n' \
      "$TARGET_BYTES" "$verdict" "$rss" "$rss_end"
    if [[ $p99 == na ]]; then
      verdict="**not measured** (no pings in the window)"
    elif [[ $p99 == inf ]] || ((p99 > TARGET_LAG_MS)); then
      verdict="**missed**"
    elif ((p99 == TARGET_LAG_MS)); then
      verdict="**not shown**: the histogram only says p99 ≤ $TARGET_LAG_MS ms"
    else
      verdict="**met**"
    fi
    printf -- '- ping lag p99 under %d ms: %s — p99 %s (the histogram bucket that holds it).\n' \
      "$TARGET_LAG_MS" "$verdict" "$(lag_text "$p99")"
  done
  [[ -n $found ]] || echo "- no run with $TARGET_SESSIONS sessions in BENCH_SCHED_RUNS: not evaluated."
  echo
  echo "## Details"
  echo
  for line in "${RESULTS[@]}"; do
    n=$(field "$line" sessions)
    echo "### $(group "$n") sessions, interval $(group "$(field "$line" interval_ms)") ms"
    echo
    echo "- expected rate $(field "$line" expected_pps) pings/s; measured $(field "$line" pps) pings/s over" \
         "$(field "$line" window_s) s ($(field "$line" pings_ok) ok, $(field "$line" pings_transient) transient," \
         "$(field "$line" pings_gone) gone)"
    echo "- pings/s in each second of the window: $(field "$line" pps_1s | sed 's/,/, /g')"
    echo "- setup: store $(field "$line" setup_store_s) s + keepalive add $(field "$line" setup_keepalive_s) s," \
         "$(field "$line" setup_cpu_s) s CPU; the whole run took $(field "$line" wall_s) s"
    echo "- RSS: $(field "$line" rss_base_bytes) B before adding, $(field "$line" rss_after_store_bytes) B with the" \
         "store filled, $(field "$line" rss_after_add_bytes) B with the keepalive filled, $(field "$line" rss_end_bytes) B" \
         "at the end"
    echo "- per session: store $(field "$line" rss_store_per_session) B + keepalive" \
         "$(field "$line" rss_keepalive_per_session) B = $(field "$line" rss_per_session) B RSS after adding," \
         "$(field "$line" rss_end_per_session) B at the end; heap in use (mallinfo2) $(field "$line" heap_per_session) B" \
         "(store $(field "$line" heap_store_per_session) B), $(field "$line" heap_end_per_session) B at the end"
    echo "- lag in the window: p50 $(lag_text "$(field "$line" lag_p50_le_ms)"), p99" \
         "$(lag_text "$(field "$line" lag_p99_le_ms)"), highest bucket $(lag_text "$(field "$line" lag_max_le_ms)");" \
         "$(field "$line" lag_le10_pct) % of the pings ≤ 10 ms; buckets ≤10/50/100/250/500/1000/5000/more ms:" \
         "$(field "$line" lag_buckets)"
    echo "- lag before the window (while adding and in the warm-up, $(field "$line" setup_pings) pings): p99" \
         "$(lag_text "$(field "$line" lag_setup_p99_le_ms)"), highest bucket" \
         "$(lag_text "$(field "$line" lag_setup_max_le_ms)"); buckets $(field "$line" lag_setup_buckets)"
    echo "- CPU: bench $(field "$line" cpu_pct) % of one core = $(field "$line" cpu_us_per_ping) µs per ping;" \
         "sink (not counted) $(field "$line" sink_cpu_pct) %; whole machine (tick-sampled \`/proc/stat\`)" \
         "$(field "$line" machine_busy_cores) cores busy"
    echo "- loop: in flight at most $(field "$line" in_flight_max) (limit $(field "$line" max_in_flight))," \
         "due-but-waiting queue at most $(field "$line" queue_depth_max) (sampled every 100 ms);" \
         "stop() took $(field "$line" stop_s) s; $(field "$line" log_lines) log lines"
    echo
  done
  echo "$SINK_SUMMARY."
  echo
  echo "## How to read it"
  echo
  echo "- **RSS / session** is (RSS with every session added − RSS before) ÷ sessions, from"
  echo "  \`/proc/self/statm\`, read right after the last session was added (before the first interval"
  echo "  is over), and again at the end of the run. It covers the memory store's \`SessionRecord\`"
  echo "  (a \`std::map\` node with its own copy of the token) and the keepalive (its \`sessions_\` map"
  echo "  with login, domain and token, and the \`PingSchedule\`)."
  echo "- **pings/s** is the growth of \`pings_ok\` over the measured window ÷ its length; the 1-s"
  echo "  min–max show how steady it was. The expected rate is sessions ÷ interval. When the window"
  echo "  reaches the end of the first interval (100,000 sessions: 33 s after adding), the rate swings"
  echo "  for a few seconds by design, not for lack of capacity: the first pings were spread evenly over"
  echo "  one interval, each next one comes one interval ± 10 % jitter after it, so near the end of the"
  echo "  first interval the last first pings overlap with early second pings (up to about 1.5 × the"
  echo "  rate) and just after it the late second pings have not come yet (down to about 0.5 ×)."
  echo "- **lag** is \`KeepaliveStats\`'s histogram, taken as the difference over the window. Its"
  echo "  buckets end at 10, 50, 100, 250, 500, 1000 and 5000 ms, so \"≤ 10 ms\" is the finest it can say."
  echo "- **CPU** is utime + stime of the bench process (\`/proc/self/stat\`) over the window: the"
  echo "  keepalive thread, which does all the work, plus a main thread that samples stats every 100 ms."
  echo "  The sink runs in its own process; its CPU is shown but not counted. \"Whole machine\" is the"
  echo "  busy time of \`/proc/stat\`, which the kernel samples at each tick: it misses most of the bench's"
  echo "  short wake-ups, but it does show other CPU-heavy jobs (builds, tests). Well above 0.2 cores means"
  echo "  such jobs shared the machine and the figures are noisier."
  echo "- Sessions are handed to \`Keepalive::add()\` in batches of 1,000, each batch once the loop has"
  echo "  taken the previous one (\`--add-batch\`). See bench/README.md for why."
  echo
  echo "## Commands"
  echo
  echo '```sh'
  echo "${SINK_SHOWN[*]/#$REPO_DIR\//} &"
  for c in "${COMMANDS[@]}"; do echo "$c"; done
  echo '```'
  echo
  echo "Raw result lines:"
  echo
  echo '```'
  for line in "${RESULTS[@]}"; do echo "$line"; done
  echo '```'
} >"$OUT"
log "wrote $OUT"
