#!/usr/bin/env bash
# What a change did to the statement path: two builds of mysql-proxy in one sysbench run, this
# checkout's and another revision's, each as its own `bin/mysql-proxy run` process in front of the
# demo's servers (reads on the two replicas, as the demo's proxy), cell by cell back to back with
# direct and the demo, so that the drift of this shared machine hits both builds alike. Compare the
# "current" and "previous" rows: their ratio is the change's cost.
#
#   bench/build-compare.sh --base REV [--time SECONDS] [--threads "8"]
#                          [--tests "oltp_point_select oltp_read_only"] [--current-first]
#
# In each cell the previous build runs before the current one; --current-first swaps them, so that
# two runs, one each way, show whether the order itself favours one side.
#
# Builds REV once (mvn -DskipTests package) in a git worktree under bench/target/build-compare/,
# reused by later runs; this checkout must be built too. Uses the demo's ports 6033/9090 and
# 6040, 6041, 9100 and 9101 on 127.0.0.1. Writes bench/results/matrix-<time>.*
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

base=""
time_s=30
threads="8"
tests="oltp_point_select oltp_read_only"
current_first=0
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --time) time_s="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --current-first) current_first=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$base" ] || { echo "usage: bench/build-compare.sh --base REV [--time S] [--threads N] [--tests T]" >&2; exit 2; }

current_home="$PWD/proxy-app/target/mysql-proxy"
if ! compgen -G "$current_home/lib/*.jar" > /dev/null; then
  echo "this checkout is not built: mvn -DskipTests package" >&2
  exit 1
fi
commit="$(git rev-parse --verify "$base^{commit}")"
tree="$PWD/bench/target/build-compare/${commit:0:12}"
previous_home="$tree/proxy-app/target/mysql-proxy"
if ! compgen -G "$previous_home/lib/*.jar" > /dev/null; then
  [ -d "$tree" ] || git worktree add --detach "$tree" "$commit"
  (cd "$tree" && mvn -B -q -ntp -DskipTests package -pl proxy-app -am)
fi
echo "previous: $base ($(git log -1 --format='%h %s' "$commit" | cut -c1-80))"
echo "current:  this checkout ($(git log -1 --format='%h' HEAD)$(git diff --quiet HEAD || echo ', with uncommitted changes'))"

setup="source bench/lib/proxy-build.sh
proxy_build_start '$previous_home' 6040 9100
proxy_build_start '$current_home' 6041 9101"

targets=(--target previous=127.0.0.1:6040 --target current=127.0.0.1:6041)
[ "$current_first" -eq 0 ] || targets=(--target current=127.0.0.1:6041 --target previous=127.0.0.1:6040)
exec bench/sysbench-matrix.sh --time "$time_s" --threads "$threads" --tests "$tests" "${targets[@]}" \
  --target-setup "$setup"
