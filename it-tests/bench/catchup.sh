#!/bin/bash
# Catch-up rate of a member that comes back N transactions behind (issue 12's parallel applier).
#
#   it-tests/bench/catchup.sh [N] [-- extra flags for the restarted member]
#   WORKERS=1 it-tests/bench/catchup.sh 200000          # m3 restarted with --applier-workers 1
#   DELAY_US=500 WORKERS=4 it-tests/bench/catchup.sh    # and its applier slowed by 500 us a transaction
#
# Starts a fresh local group (bin/cohort up, ports 7801-7803), kills m3 with SIGKILL, runs
# `cohort bench --workload update --clients 64` against m1 and m2 until N more transactions are
# committed, starts m3 again with its own command line (plus --applier-workers WORKERS, and
# fault injection when DELAY_US is set), and times its recovery from the "recovery: applied here"
# log line to ONLINE. Stops everything it started. Takes a few minutes; never run two at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200000}
D=$(mktemp -d /tmp/cohort-catchup.XXXX)
trap 'kill ${np:-} 2>/dev/null || true; bin/cohort down --dir $D/c > /dev/null 2>&1 || true; rm -rf $D' EXIT
bin/cohort up --dir $D/c --base-port 7801 > $D/up.out 2>&1 || { cat $D/up.out; exit 1; }
p3=$(cat $D/c/m3/member.pid)
tr '\0' '\n' < /proc/$p3/cmdline > $D/m3.cmd
cwd=$(readlink /proc/$p3/cwd)
kill -9 $p3
seqno() { bin/cohort --connect 127.0.0.1:7801 status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(max(int(m.get("historySeqno",0)) for m in d["memberStats"] if m["memberId"]=="m1"))'; }
s0=$(seqno); t0=$(date +%s)
while :; do
  bin/cohort --connect 127.0.0.1:7801,127.0.0.1:7802 bench --workload update --clients 64 --duration 20 --warmup 0 --rows 100000 2>&1 | grep committed || true
  s=$(seqno)
  [ $((s - s0)) -ge $N ] && break
  [ $(($(date +%s) - t0)) -gt 900 ] && { echo "the group did not reach $N transactions in 15 minutes"; exit 1; }
done
mapfile -t cmd < $D/m3.cmd
extra=(--applier-workers ${WORKERS:-4})
[ -n "${DELAY_US:-}" ] && extra+=(--enable-fault-injection)
(cd "$cwd" && exec setsid "${cmd[@]}" "${extra[@]}" > $D/m3.log 2>&1) &
np=$!
echo $np > $D/c/m3/member.pid
if [ -n "${DELAY_US:-}" ]; then
  java -cp "server/target/cohort-server.jar:server/target/lib/*" it-tests/bench/ApplierDelay.java 127.0.0.1:7803 "$DELAY_US"
fi
for i in $(seq 1800); do
  grep -q "member m3 is ONLINE" $D/m3.log 2>/dev/null && break
  sleep 0.5
done
start=$(grep -m1 "recovery: applied here" $D/m3.log | cut -c1-23)
end=$(grep -m1 "member m3 is ONLINE" $D/m3.log | cut -c1-23)
[ -n "$start" ] && [ -n "$end" ] || { echo "m3 did not recover through a donor:"; tail -20 $D/m3.log; exit 1; }
python3 - "$start" "$end" "$s" <<'PY'
import sys, datetime
f = lambda x: datetime.datetime.fromisoformat(x)
secs = (f(sys.argv[2]) - f(sys.argv[1])).total_seconds(); n = int(sys.argv[3])
print("m3 caught up %d transactions in %.1f s: %.0f transactions/s" % (n, secs, n / secs))
PY
