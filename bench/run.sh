#!/usr/bin/env bash
# Crowdwire benchmark: every scenario against Crowdwire ("ours") and the seed's reference service ("seed"),
# one after the other, on one throwaway Redis, then a table with the ratios ours/seed.
#
#   bench/run.sh [--quick] [--pin] [--profile] [--targets ours,seed] [--no-build] [--set name=value ...] [scenario ...]
#   bench/run.sh --before OLD.jar --targets ours,before [...]   # this build against an earlier one, in one run
#   bench/run.sh --url http://127.0.0.1:PORT [--pid PID] [--quick] [scenario ...]   # a service already running
#
# Scenarios: fanout-sat fanout-rate many-collections ingest memory reconnect (default: all), and soak (30 minutes,
# --quick 3; only when named): a fixed rate with clients leaving and resuming, sampled every minute.
# --pin: the server and Redis on core 0, the load generator on core 1 (taskset), for every target alike, so that
# neither takes the other's time; the tables split the server's CPU into user and kernel time either way.
# --profile: a CPU flame graph of ours over each scenario's measured part (async-profiler, fetched from Maven Central),
# <scenario>-<target>-flame.html (and -profile.jfr, .collapsed, and a .png where chromium is installed); the profiler's
# cost is in that run's figures.
# Everything listens on loopback only; everything started here is stopped on exit.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
. "$bench/lib/common.sh"
shared="$root/../shared"
default_scenarios=(fanout-sat fanout-rate many-collections ingest memory reconnect)
all_scenarios=("${default_scenarios[@]}" soak)

quick=()
pin=no
profile=no
targets=ours,seed
build=auto
ext_url=''
ext_pid=''
before_jar=''
sets=()
scenarios=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --pin) pin=yes ;;
    --profile) profile=yes ;;
    --targets) targets=$2; shift ;;
    --no-build) build=no ;;
    --url) ext_url=$2; targets=url; shift ;;
    --pid) ext_pid=$2; shift ;;
    --before) before_jar=$2; shift ;;
    --build) build=yes ;;
    --set) sets+=(--set "$2"); shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1") ;;
  esac
  shift
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=("${default_scenarios[@]}")
for s in "${scenarios[@]}"; do
  case " ${all_scenarios[*]} " in *" $s "*) ;; *) echo "unknown scenario $s (known: ${all_scenarios[*]})" >&2; exit 2 ;; esac
done
IFS=, read -r -a target_list <<< "$targets"
on_server_core=()
on_generator_core=()
if [ "$pin" = yes ]; then
  command -v taskset >/dev/null || { echo "--pin needs taskset (util-linux)" >&2; exit 1; }
  [ "$(nproc)" -ge 2 ] || { echo "--pin needs two cores" >&2; exit 1; }
  on_server_core=(taskset -c 0)
  on_generator_core=(taskset -c 1)
fi

# ------------------------------------------------------------------ prerequisites
require_tools
jar="$root/target/crowdwire.jar"
[ -n "$ext_url" ] && [ "$build" = auto ] && build=no
build_jar "$root" "$build"
[ -n "$ext_url" ] || [ -f "$jar" ] || { echo "no target/crowdwire.jar" >&2; exit 1; }
generator_packages "$bench"
profile_args=()
[ "$profile" = yes ] && profile_args=(--profile "$(profiler_lib "$bench/results/tools")")
# ours runs with the production JVM flags of conf/jvm.options, unless BENCH_JAVA_OPTS is set (even to nothing)
java_opts=${BENCH_JAVA_OPTS-$(grep -v '^#' "$root/conf/jvm.options" | tr '\n' ' ')}
# 20,000 connections need more than the usual 1024 open files, in the servers and in the workers
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)

run_id=$(date +%Y%m%d-%H%M%S)${quick:+-quick}$([ "$pin" = yes ] && echo -pinned || true)
out="$bench/results/$run_id"
mkdir -p "$out/logs"
# run a copy of the jar: a rebuild in the work tree during the run must not pull classes from under the JVM
[ -n "$ext_url" ] || cp "$jar" "$out/crowdwire.jar"
case ",$targets," in
  *,before,*) [ -f "$before_jar" ] || { echo "the target 'before' needs --before OLD.jar" >&2; exit 2; }
    cp "$before_jar" "$out/before.jar" ;;
esac


# ------------------------------------------------------------------ process bookkeeping
pids=()          # everything started here that may still run
redis_pid=''
node_pid=''

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$node_pid" ] && stop_pid "$node_pid"
  local p
  for p in "${pids[@]}"; do stop_pid "$p"; done
  [ -n "$redis_pid" ] && stop_pid "$redis_pid"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ redis
redis_port=$(free_port)
"${on_server_core[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --protected-mode yes \
  --daemonize no --loglevel warning --logfile "$out/logs/redis.log" &
redis_pid=$!
redis_url="redis://127.0.0.1:$redis_port"
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || { echo "redis did not start" >&2; exit 1; }

# ------------------------------------------------------------------ targets
wait_ready() {   # GET /ready 200, or /health 200 where there is no /ready (the seed)
  local port=$1 pid=$2 code
  for _ in $(seq 1 600); do
    proc_alive "$pid" || return 1
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)
    [ "$code" = 200 ] && return 0
    if [ "$code" = 404 ]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" || true)
      [ "$code" = 200 ] && return 0
    fi
    sleep 0.1
  done
  return 1
}

start_target() { # start_target NAME SCENARIO -> sets target_pid, target_port, metrics_url (ours: its management port)
  local name=$1 scenario=$2
  target_port=$(free_port)
  metrics_url=''
  case "$name" in
    ours|before)     # this build, or the earlier one given with --before, with the same settings
      local jar_file=$out/crowdwire.jar
      [ "$name" = before ] && jar_file=$out/before.jar
      # From a directory of its own: each jar reads only the defaults it ships (the working tree's
      # conf/crowdwire.yaml may name settings an earlier build does not know).
      mkdir -p "$out/run-$name"
      local management_port
      management_port=$(free_port)
      metrics_url=http://127.0.0.1:$management_port/metrics
      (cd "$out/run-$name" && PORT=$target_port HOST=127.0.0.1 MANAGEMENT_PORT=$management_port REDIS_URL=$redis_url JWT_SECRET=bench-secret \
        exec "${on_server_core[@]}" java $java_opts -jar "$jar_file" > "$out/logs/$name-$scenario.log" 2>&1) &
      target_pid=$!
      ;;
    seed)
      target_pid=$(JWT_SECRET=bench-secret "${on_server_core[@]}" "$shared/peers/run-seed.sh" "$target_port" "$redis_url")
      ;;
    url)             # started by someone else: not ours to stop; CPU and RSS only with --pid
      target_url=$ext_url; target_pid=$ext_pid
      return 0
      ;;
    *) echo "unknown target $name (ours, before, seed)" >&2; exit 2 ;;
  esac
  target_url=http://127.0.0.1:$target_port
  pids+=("$target_pid")
  wait_ready "$target_port" "$target_pid" || { log "$name did not become ready; see $out/logs"; return 1; }
}

stop_target() {
  local name=$1 scenario=$2
  [ "$name" = url ] && return 0
  stop_pid "$target_pid"
  if [ "$name" = seed ]; then cp "${PEERS_HOME:-/tmp/peers-home}/seed-$target_port.log" "$out/logs/seed-$scenario.log" 2>/dev/null || true; fi
}

busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
b0=$(busy_jiffies); sleep 2; b1=$(busy_jiffies)
idle_load=$(( (b1 - b0) / 2 ))   # percent of one core, over 2 s, before anything of ours runs
if [ "$idle_load" -gt 20 ]; then log "warning: the machine is already ${idle_load}% busy (of $(( $(nproc) * 100 ))%) before the run: figures will be disturbed"; fi
log "run $run_id: ${scenarios[*]} against ${target_list[*]}; $(nproc) cores; open files $nofile; results in bench/results/$run_id"
{
  echo "{\"run\":\"$run_id\",\"quick\":$([ ${#quick[@]} -gt 0 ] && echo true || echo false),\"pinned\":$([ "$pin" = yes ] && echo true || echo false),\"nproc\":$(nproc),"
  echo "\"memTotalKiB\":$(awk '/MemTotal/{print $2}' /proc/meminfo),\"cpu\":\"$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)\","
  echo "\"javaOpts\":\"$java_opts\","
  echo "\"loadBeforePct\":$idle_load,\"nofile\":$nofile,\"commit\":\"$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)\","
  echo "\"srcDirty\":$(cd "$root" && [ -n "$(git status --porcelain -- src pom.xml 2>/dev/null)" ] && echo true || echo false),"
  echo "\"java\":\"$(java -version 2>&1 | head -1 | tr -d '"')\",\"node\":\"$(node --version)\",\"redis\":\"$(redis-server --version | awk '{print $3}')\"}"
} > "$out/machine.json"

failed=0
for scenario in "${scenarios[@]}"; do
  for name in "${target_list[@]}"; do
    redis-cli -p "$redis_port" flushall >/dev/null
    redis-cli -p "$redis_port" config resetstat >/dev/null
    log "== $scenario: $name"
    if ! start_target "$name" "$scenario"; then failed=1; stop_target "$name" "$scenario"; continue; fi
    proc_args=()
    [ -n "$target_pid" ] && proc_args+=(--pid "$target_pid")
    [ "$name" != url ] && proc_args+=(--redis-pid "$redis_pid")
    [ -n "$metrics_url" ] && proc_args+=(--metrics-url "$metrics_url")
    "${on_generator_core[@]}" node "$bench/scenario.mjs" --scenario "$scenario" --target "$name" --url "$target_url" \
      "${proc_args[@]}" "${profile_args[@]}" --out "$out/$scenario-$name.json" "${quick[@]}" "${sets[@]}" &
    node_pid=$!
    wait "$node_pid" || { failed=1; log "$scenario against $name failed"; }
    node_pid=''
    redis-cli -p "$redis_port" info commandstats > "$out/logs/redis-commandstats-$scenario-$name.txt" 2>&1 || true
    [ -z "$target_pid" ] || proc_alive "$target_pid" || { failed=1; log "$name is no longer running after $scenario (see $out/logs)"; }
    stop_target "$name" "$scenario"
  done
done

node "$bench/report.mjs" "$out" | tee "$out/table.md"
for jfr in "$out"/*-profile.jfr; do [ -f "$jfr" ] && flame_graph "$jfr" "$(basename "${jfr%-profile.jfr}"): server CPU, run $run_id"; done
exit $failed
