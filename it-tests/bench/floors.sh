#!/bin/bash
# What this machine allows, whatever the code: the floor under issue 11's one-client latency and
# under issue 13's clone rate, measured with the same transport Cohort uses (Java gRPC on loopback).
#
#   it-tests/bench/floors.sh [commit|stream|all]      (about 2 minutes; never run two at once)
#
# commit: Floors.java commit, three JVMs on 127.0.0.1:9701-9703. A client's 200-byte request goes to
#   a leader, which fdatasyncs it to its own file while two followers each fdatasync it and answer;
#   the leader answers after its own sync and one follower's. Three rounds of 5,000 commits after a
#   2,000-commit warm-up, then three without the syncs (the hops alone), then Python's
#   write+fdatasync of 200 bytes alone.
# stream: a 1200 MB file copied three ways, alternating, twice: `dd bs=1M conv=fdatasync` (the
#   issue's yardstick), the kernel's own loopback copy (Python: sendfile on one end, recv_into and
#   write on the other, fdatasync at the end), and Floors.java stream (one gRPC stream of 1 MiB
#   messages, written to a file and synced; JVM start included).
# Stops everything it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHAT=${1:-all}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
for j in /usr/lib/jvm/temurin-25-jdk-amd64/bin/java; do [ -z "${JAVA_HOME:-}" ] && [ -x "$j" ] && JAVA=$j; done
[ -d server/target/lib ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 2; }
D=$(mktemp -d /tmp/cohort-floors.XXXX)
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$D"' EXIT
echo '<configuration><root level="WARN"/></configuration>' > "$D/logback.xml"
J=("$JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Dlogback.configurationFile="$D/logback.xml"
  -cp "server/target/lib/*")

commit_round() {
  local tag=$1; PIDS=()
  rm -rf "$D"/m?; mkdir -p "$D"/m1 "$D"/m2 "$D"/m3
  "${J[@]}" it-tests/bench/Floors.java commit follower 9702 "$D/m2" > "$D/m2.log" 2>&1 & PIDS+=($!)
  "${J[@]}" it-tests/bench/Floors.java commit follower 9703 "$D/m3" > "$D/m3.log" 2>&1 & PIDS+=($!)
  sleep 3
  "${J[@]}" it-tests/bench/Floors.java commit leader 9701 "$D/m1" 9702 9703 > "$D/m1.log" 2>&1 & PIDS+=($!)
  sleep 3
  for r in 1 2 3; do
    echo "$tag: $("${J[@]}" it-tests/bench/Floors.java commit client 9701 5000 2>&1 | grep '^commits')"
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=()
}

if [[ $WHAT == commit || $WHAT == all ]]; then
  commit_round "majority fsync"
  NOSYNC=1 commit_round "hops only (no fsync)"
  python3 - "$D/py.log" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND); l = []
for i in range(3000):
    t = time.perf_counter(); os.write(fd, b'x' * 200); os.fdatasync(fd); l.append(time.perf_counter() - t)
l.sort(); print("write+fdatasync alone, one process: p50 %.3f p90 %.3f ms" % (l[1500] * 1e3, l[2700] * 1e3))
PY
fi

if [[ $WHAT == stream || $WHAT == all ]]; then
  head -c 1200M /dev/urandom > "$D/src.bin"
  "${J[@]}" it-tests/bench/Floors.java stream donor 9711 "$D/src.bin" > "$D/donor.log" 2>&1 & PIDS+=($!)
  sleep 4
  for r in 1 2; do
    echo "dd: $(dd if=/dev/zero of="$D/dd.bin" bs=1M count=1200 conv=fdatasync 2>&1 | tail -1)"; rm -f "$D/dd.bin"
    python3 - "$D/src.bin" "$D/raw.bin" <<'PY'
import os, socket, sys, time
src, dst = sys.argv[1], sys.argv[2]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(('127.0.0.1', 9721)); srv.listen(1)
pid = os.fork()
if pid == 0:
    c, _ = srv.accept()
    with open(src, 'rb') as f: c.sendfile(f)
    c.close(); os._exit(0)
t = time.time(); s = socket.create_connection(('127.0.0.1', 9721)); buf = bytearray(1 << 20); mv = memoryview(buf); n = 0
fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
while True:
    k = s.recv_into(buf)
    if not k: break
    os.write(fd, mv[:k]); n += k
os.fdatasync(fd); os.close(fd); dt = time.time() - t; os.waitpid(pid, 0)
print("kernel loopback copy: %d MB in %.2f s, %.0f MB/s" % (n >> 20, dt, n / 1e6 / dt))
PY
    rm -f "$D/raw.bin"
    "${J[@]}" it-tests/bench/Floors.java stream receive 9711 "$D/out.bin" 2>&1 | grep '^grpc'; rm -f "$D/out.bin"
  done
fi
