#!/usr/bin/env bash
# Builds the server's test classes (JMH generates the harness while compiling them) and runs
# JMH benchmarks on that classpath. Arguments go to JMH, e.g.
#   server/jmh.sh CoreBenchmark -f 1 -wi 2 -w 2s -i 3 -r 3s
# Offline by default; set MVN_OFFLINE= to let Maven download.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q ${MVN_OFFLINE--o} -pl proto,server test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec java -cp "server/target/test-classes:server/target/classes:$(cat server/target/test-classpath.txt)" \
  org.openjdk.jmh.Main "${@:-CoreBenchmark}"
