#!/usr/bin/env bash
# Yjs benchmark: Crowdwire (two instances on one Redis), Hocuspocus with its Redis extension (two instances on
# one Redis) and the y-websocket server (ONE instance: it has no cross-instance sync), one after the other, each
# with a fresh Redis and fresh servers, under the same load (load.mjs); then a table with the ratios
# Crowdwire/Hocuspocus.
#
#   bench/yjs/run.sh [--quick] [--targets crowdwire,hocuspocus,ywebsocket] [--no-build] [--wait-quiet SECONDS]
#                    [--retry N] [-- load.mjs options, e.g. --rate 10]
#
# The machine may be shared: --wait-quiet waits (up to SECONDS) before each target until other processes use
# less than 25% of a core, and --retry runs a target again (up to N times) when they used more than that during
# its measured window; the table shows what they used in the window kept.
# Everything listens on loopback only; everything started here is stopped on exit. Crowdwire runs with the
# flags of conf/jvm.options (BENCH_JAVA_OPTS replaces them) and the environment of this shell, so its documented
# variables (DOCUMENT_MESSAGES_PER_SECOND, DOCUMENT_MAX_UPDATE_BYTES, ...) can be set for a run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib/common.sh"
quick=()
targets=crowdwire,hocuspocus,ywebsocket
build=auto
wait_quiet=0
retries=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --targets) targets=$2; shift ;;
    --no-build) build=no ;;
    --wait-quiet) wait_quiet=$2; shift ;;
    --retry) retries=$2; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
IFS=, read -r -a target_list <<< "$targets"
# ------------------------------------------------------------------ prerequisites
require_tools
jar="$root/target/crowdwire.jar"
case ",$targets," in *,crowdwire,*)
  build_jar "$root" "$build"
  [ -f "$jar" ] || { echo "no target/crowdwire.jar" >&2; exit 1; } ;;
esac
if [ ! -d "$here/node_modules/@hocuspocus/server" ]; then
  log "installing the packages (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
fi
java_opts=${BENCH_JAVA_OPTS-$(grep -v '^#' "$root/conf/jvm.options" | tr '\n' ' ')}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

run_id=$(date +%Y%m%d-%H%M%S)${quick:+-quick}
out="$here/results/$run_id"
mkdir -p "$out/logs" "$out/mem"
# the Node servers: a hook that reports their live heap on SIGUSR2 (memhook.cjs), nothing else changed
node_opts=(--expose-gc --require "$here/memhook.cjs")
[ -f "$jar" ] && cp "$jar" "$out/crowdwire.jar"   # a rebuild during the run must not change the running jar


# ------------------------------------------------------------------ process bookkeeping
pids=()
stop_all() {     # the servers first, Redis (started first) last
  local i
  for (( i=${#pids[@]}-1; i>=0; i-- )); do stop_pid "${pids[$i]}"; done
  pids=()
}
trap 'rc=$?; trap - EXIT; stop_all; exit $rc' EXIT
trap 'exit 130' INT TERM

wait_http() {    # wait_http PORT PATH PID: until GET answers 200
  local code
  for _ in $(seq 1 600); do
    proc_alive "$3" || return 1
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

busy_pct() {     # busy CPU of the whole machine over 5 s, in % of one core
  local b0 b1
  b0=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat); sleep 5; b1=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)
  echo $(( (b1 - b0) / 5 ))
}
wait_for_quiet() {
  local end=$(( $(date +%s) + wait_quiet )) busy
  [ "$wait_quiet" -gt 0 ] || return 0
  while busy=$(busy_pct); [ "$busy" -ge 25 ]; do
    [ "$(date +%s)" -lt "$end" ] || { log "the machine is still ${busy}% busy: running anyway"; return 0; }
    log "the machine is ${busy}% busy (other work): waiting"
    sleep 10
  done
}

# ------------------------------------------------------------------ one target
run_target() {
  local name=$1 redis_port redis_pid p port i
  local urls=() spids=()
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --protected-mode yes \
    --daemonize no --loglevel warning --logfile "$out/logs/redis-$name.log" &
  redis_pid=$!; pids+=("$redis_pid")
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  local redis_url=redis://127.0.0.1:$redis_port
  local instances=2; [ "$name" = ywebsocket ] && instances=1
  for i in $(seq 1 "$instances"); do
    port=$(free_port)
    case "$name" in
      crowdwire)
        mkdir -p "$out/run-crowdwire"   # its own directory: only the jar's defaults, not the work tree's conf/
        (cd "$out/run-crowdwire" && PORT=$port HOST=127.0.0.1 MANAGEMENT_PORT=$(free_port) REDIS_URL=$redis_url JWT_SECRET=bench-secret \
          exec java $java_opts -jar "$out/crowdwire.jar" > "$out/logs/crowdwire-$i.log" 2>&1) &
        p=$! ;;
      hocuspocus)
        (cd "$here" && BENCH_MEM_DIR=$out/mem exec node "${node_opts[@]}" hocuspocus-server.mjs "$port" "$redis_url" > "$out/logs/hocuspocus-$i.log" 2>&1) &
        p=$! ;;
      ywebsocket)
        (cd "$here" && PORT=$port HOST=127.0.0.1 BENCH_MEM_DIR=$out/mem exec node "${node_opts[@]}" node_modules/@y/websocket-server/src/server.js > "$out/logs/ywebsocket-$i.log" 2>&1) &
        p=$! ;;
      *) echo "unknown target $name (crowdwire, hocuspocus, ywebsocket)" >&2; return 2 ;;
    esac
    pids+=("$p"); spids+=("$p"); urls+=("ws://127.0.0.1:$port")
    local path=/; [ "$name" = crowdwire ] && path=/ready
    wait_http "$port" "$path" "$p" || { log "$name instance $i did not become ready; see $out/logs"; return 1; }
  done
  log "== $name: ${urls[*]} (pids ${spids[*]}), redis on $redis_port"
  local rc=0
  # in the background: a signal to this script is handled at once, not after the load generator ends
  node "$here/load.mjs" --target "$name" --urls "$(IFS=,; echo "${urls[*]}")" --pids "$(IFS=,; echo "${spids[*]}")" \
    --redis-pid "$redis_pid" --mem-dir "$out/mem" --out "$out/$name.json" "${quick[@]}" "${extra[@]}" &
  pids+=("$!")
  wait "$!" || rc=$?
  for p in "${spids[@]}"; do proc_alive "$p" || { log "$name pid $p is no longer running (see $out/logs)"; rc=1; }; done
  redis-cli -p "$redis_port" info memory > "$out/logs/redis-memory-$name.txt" 2>&1 || true
  stop_all
  return $rc
}

idle_load=$(busy_pct)
log "run $run_id: ${target_list[*]}; $(nproc) cores, machine ${idle_load}% busy before; results in bench/yjs/results/$run_id"
{
  echo "{\"run\":\"$run_id\",\"quick\":$([ ${#quick[@]} -gt 0 ] && echo true || echo false),\"nproc\":$(nproc),"
  echo "\"memTotalKiB\":$(awk '/MemTotal/{print $2}' /proc/meminfo),\"cpu\":\"$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)\","
  echo "\"javaOpts\":\"$java_opts\",\"loadBeforePct\":$idle_load,\"commit\":\"$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)\","
  echo "\"java\":\"$(java -version 2>&1 | head -1 | tr -d '"')\",\"node\":\"$(node --version)\",\"redis\":\"$(redis-server --version | awk '{print $3}')\"}"
} > "$out/machine.json"

# a target whose measured window other processes disturbed (over 25% of a core) runs again, up to --retry times
other_pct() { node -e 'try { const r = require(process.argv[1]); console.log(Math.round(r.window.cpu.otherPct)) } catch { console.log(0) }' "$1"; }
failed=0
for name in "${target_list[@]}"; do
  for attempt in $(seq 0 "$retries"); do
    wait_for_quiet
    run_target "$name" || { failed=1; log "$name failed"; break; }
    other=$(other_pct "$out/$name.json")
    [ "$other" -gt 25 ] && [ "$attempt" -lt "$retries" ] || break
    log "$name: other processes used ${other}% of a core during the window: once more"
    mv "$out/$name.json" "$out/$name.disturbed-$attempt.json"
  done
done
node "$here/report.mjs" "$out" | tee "$out/table.md"
exit $failed
