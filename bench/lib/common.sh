# Sourced by bench/run.sh and bench/yjs/run.sh: logging, the tools they need, the jar, free ports, stopping.

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
