#!/usr/bin/env bash
# Runs the JMH benchmarks of bench/src (not part of the test suite):
#   bench/jmh.sh                         all benchmarks, with the GC profiler (allocation per operation)
#   bench/jmh.sh ClassifierBenchmark     one class (any JMH regex and options may follow)
# Needs a build: mvn -DskipTests package
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
compgen -G "bench/target/lib/*.jar" > /dev/null || { echo "build first: mvn -DskipTests package" >&2; exit 1; }
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java_bin" -Dio.netty.leakDetection.level=disabled -cp "bench/target/classes:bench/target/lib/*" \
  org.openjdk.jmh.Main -prof gc -f 1 -wi 3 -w 2s -i 5 -r 2s "$@"
