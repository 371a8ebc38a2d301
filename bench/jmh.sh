#!/usr/bin/env bash
# Runs the JMH benchmarks of bench/src (not part of the test suite):
#   bench/jmh.sh                         all benchmarks, with the GC profiler (allocation per operation)
#   bench/jmh.sh ClassifierBenchmark     one class (any JMH regex and options may follow)
#   bench/jmh.sh PointSelectBenchmark -t 8 -bm thrpt -w 5s -r 5s   options given replace the defaults
# Defaults: -prof gc -f 1 -wi 3 -w 2s -i 5 -r 2s, each unless the same option is given.
# Needs a build: mvn -DskipTests package
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
compgen -G "bench/target/lib/*.jar" > /dev/null || { echo "build first: mvn -DskipTests package" >&2; exit 1; }
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
defaults=()
for pair in "-prof gc" "-f 1" "-wi 3" "-w 2s" "-i 5" "-r 2s"; do
  option="${pair%% *}"
  given=false
  for arg in "$@"; do
    [ "$arg" != "$option" ] || given=true
  done
  "$given" || defaults+=("$option" "${pair#* }")
done
exec "$java_bin" -Dio.netty.leakDetection.level=disabled -cp "bench/target/classes:bench/target/lib/*" \
  org.openjdk.jmh.Main "${defaults[@]}" "$@"
