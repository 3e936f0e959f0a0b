#!/bin/bash
# Large transactions under load (issue 12's acceptance 4), with real processes:
#
#   it-tests/bench/large-transactions.sh [--config FILE]
#   COHORT_SERVER_OPTS="-Xmx640m -XX:+UseG1GC" it-tests/bench/large-transactions.sh
#
# Starts a fresh local group (bin/cohort up, ports 7901-7903), runs `cohort bench --workload
# update --clients 64` for 60 s, and meanwhile commits a 100 MB transaction (1,000 rows of
# 100 KB) and a single 50 MB row through the client library, reads both back from every member
# and compares digests. Prints each commit's time, every member's suspicions and view changes
# from its log, its RSS high-water mark, and the bench's summary. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=$(mktemp -d /tmp/cohort-large.XXXX)
trap 'bin/cohort down --dir $D/c > /dev/null 2>&1 || true; rm -rf $D' EXIT
bin/cohort up --dir $D/c --base-port 7901 "$@" > $D/up.out 2>&1 || { cat $D/up.out; exit 1; }
A=127.0.0.1:7901,127.0.0.1:7902,127.0.0.1:7903
CP="client/target/cohort-client.jar:client/target/lib/*"
run() { java -cp "$CP" it-tests/bench/LargeWriter.java "$@" 2>&1 | grep -E '^committed|^[0-9a-f]{16}$|Exception' | head -3 || true; }
views() { for m in m1 m2 m3; do grep -c ' view [0-9]*:[0-9]*: ' $D/c/$m/member.log || true; done | paste -sd/; }
run $A write 1 1 999999999 > /dev/null
v0=$(views)
bin/cohort --connect $A bench --workload update --clients 64 --duration 60 --rows 20000 > $D/bench.out 2>&1 &
bp=$!
sleep 8
run $A write 1000 100000 0
run $A write 1 50000000 5000
wait $bp || true
for p in 7901 7902 7903; do
  echo "127.0.0.1:$p  100 MB $(run 127.0.0.1:$p read 1000 0)  50 MB $(run 127.0.0.1:$p read 1 5000)"
done
for m in m1 m2 m3; do
  echo "$m suspicions $(grep -c 'suspects member' $D/c/$m/member.log || true), $(grep VmHWM /proc/$(cat $D/c/$m/member.pid)/status | tr -s ' ')"
  grep -E 'suspects member|one consensus turn took' $D/c/$m/member.log | head -3 | cut -c1-240 || true
done
echo "view-change log lines per member before the load $v0, after $(views)"
grep -E "committed|latency|first error" $D/bench.out
