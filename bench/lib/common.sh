# Sourced by bench/run.sh, bench/yjs/run.sh, bench/analytics/run.sh, bench/regions/run.sh and bench/cluster/run.sh: logging, the tools they need, the jar, free ports, stopping.

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

require_tools() {
  command -v redis-server >/dev/null || { echo "redis-server is needed on the PATH" >&2; exit 1; }
  command -v node >/dev/null || { echo "node (20+) is needed on the PATH" >&2; exit 1; }
}

# build_jar ROOT MODE: yes builds target/crowdwire.jar, auto builds it when it is missing or older than the
# sources, no leaves it as it is.
build_jar() {
  local root=$1 mode=$2 jar="$1/target/crowdwire.jar"
  if [ "$mode" = yes ] || { [ "$mode" = auto ] && { [ ! -f "$jar" ] || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit)" ]; }; }; then
    log "building the jar (mvn -q package -DskipTests)"
    (cd "$root" && mvn -q package -DskipTests)
  fi
}

# generator_packages BENCH_DIR: the load generator's npm packages (npm ci in bench/), installed on first use.
generator_packages() {
  if [ ! -d "$1/node_modules/ws" ] || [ ! -d "$1/node_modules/undici" ]; then
    log "installing the load generator's packages (npm ci)"
    (cd "$1" && npm ci --no-audit --no-fund >/dev/null)
  fi
}

# parse_options HELP_LINES "NAME ..." ARGS...: --no-build sets build=no, --NAME VALUE sets the variable NAME (for
# each NAME listed, whose default the script set), -h prints lines 2..HELP_LINES of the script (its usage).
parse_options() {
  local help=$1 names=" $2 " name
  shift 2
  while [ $# -gt 0 ]; do
    name=${1#--}
    case "$1" in
      --no-build) build=no ;;
      -h|--help) sed -n "2,${help}p" "$0"; exit 0 ;;
      *) if [[ "$1" == --* && "$names" == *" $name "* && $# -ge 2 ]]; then printf -v "$name" '%s' "$2"; shift
         else echo "unknown option $1" >&2; exit 2; fi ;;
    esac
    shift
  done
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Alive and not a zombie (a child not yet waited for).
proc_alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1; [ -n "$st" ] && [ "$st" != Z ]; }

stop_pid() {     # SIGTERM, up to 15 s, then SIGKILL
  local pid=$1 i
  proc_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 150); do proc_alive "$pid" || break; sleep 0.1; done
  if proc_alive "$pid"; then log "pid $pid did not stop in 15 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

# wait_ready PORT PID: until /ready answers 200 on PORT (30 s), or the process PID is gone.
wait_ready() {
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0
    proc_alive "$2" || return 1
    sleep 0.1
  done
  return 1
}

# start_run ROOT HERE: a results directory for this run (out=HERE/results/<time>, with logs/ and run/), the jar copied
# into it (jar=...), the JVM flags (java_opts, from conf/jvm.options unless BENCH_JAVA_OPTS), and every pid added to
# pids stopped on exit.
start_run() {
  jar="$1/target/crowdwire.jar"
  java_opts=${BENCH_JAVA_OPTS-$(grep -v '^#' "$1/conf/jvm.options" | tr '\n' ' ')}
  out="$2/results/$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$out/logs" "$out/run"
  cp "$jar" "$out/crowdwire.jar"
  pids=()
  trap 'for p in "${pids[@]}"; do stop_pid "$p"; done' EXIT
}

# start_redis NAME: a throwaway redis-server on a free loopback port (redis_port=...), its log under $out/logs.
start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning \
    --logfile "$out/logs/redis-$1.log" &
  pids+=("$!")
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

# profiler_lib DIR: async-profiler's agent for this machine (linux-x64 or linux-arm64) and its converter, fetched
# from Maven Central into DIR once; prints the agent's path.
profiler_lib() {
  local dir=$1 version=4.1 arch
  case "$(uname -m)" in x86_64) arch=linux-x64 ;; aarch64) arch=linux-arm64 ;; *) echo "no async-profiler for $(uname -m)" >&2; exit 1 ;; esac
  if [ ! -f "$dir/$arch/libasyncProfiler.so" ] || [ ! -f "$dir/jfr-converter-$version.jar" ]; then
    mkdir -p "$dir"
    for artifact in async-profiler jfr-converter; do
      mvn -q dependency:copy -Dartifact=tools.profiler:$artifact:$version -DoutputDirectory="$dir" >&2
    done
    (cd "$dir" && unzip -q -o "async-profiler-$version.jar" "$arch/libasyncProfiler.so")
  fi
  echo "$dir/$arch/libasyncProfiler.so"
}

# flame_graph JFR TITLE: from a CPU recording, its flame graph (.html, root on top, frames under 0.5% left out), its
# stacks as text (.collapsed) and, where chromium is installed, a picture of the graph (.png).
flame_graph() {
  local jfr=$1 title=$2 base=${1%-profile.jfr} converter
  converter=$(ls "$(dirname "$1")"/../tools/jfr-converter-*.jar | head -1)   # fetched by profiler_lib into results/tools
  java -cp "$converter" Main --cpu --simple --minwidth 0.5 --inverted --title "$title" "$jfr" "$base-flame.html" >/dev/null
  java -cp "$converter" Main --cpu --simple -o collapsed "$jfr" "$base-profile.collapsed" >/dev/null
  command -v chromium >/dev/null || { log "no chromium: $base-flame.html stays HTML only"; return 0; }
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1200 --virtual-time-budget=3000 \
    --screenshot="$base-flame.png" "file://$base-flame.html" >/dev/null 2>&1 || log "could not draw $base-flame.html"
}
