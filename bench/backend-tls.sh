#!/usr/bin/env bash
# What backend TLS costs the statement path (issue 16): the same build of mysql-proxy twice, as two
# `bin/mysql-proxy run` processes in front of the demo's servers (reads on the two replicas, as the
# demo's proxy), one with `mysql-proxy.backends.tls.mode = disabled` ("tls-off") and one with
# `backends.tls { mode = verify-ca, ca = <the test bed's CA> }` ("tls-on"), run back to back in every
# cell of the sysbench matrix next to direct and the demo's proxy, so that the drift of this shared
# machine hits both alike. Prints each side's QPS and the ratio on / off per cell; the pooled backend
# connections should keep the handshakes off the statement path, so the ratio should be close to 1.
#
#   bench/backend-tls.sh [--time SECONDS] [--warmup SECONDS] [--threads "8"]
#                        [--tests "oltp_point_select oltp_read_only"] [--tls-first]
#
# In each cell TLS off runs before TLS on; --tls-first swaps them, so that two runs, one each way,
# show whether the order itself favours one side. --time (default 30) and --warmup (default 10)
# bound each sysbench run; a run takes about (4 paths × tests × thread counts) × --time plus
# 4 × --warmup.
#
# Needs a build (mvn -DskipTests package) with backends.tls, and the demo's servers with the test
# bed's certificates (the default; not with testbed.backend-tls=off). MariaDB only, as
# sysbench-matrix.sh. Uses the demo's ports 6033/9090 and 6042, 6043, 9102 and 9103 on 127.0.0.1.
# Writes bench/results/matrix-<time>.*, the on / off table appended to the .md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time_s=30
warmup=10
threads="8"
tests="oltp_point_select oltp_read_only"
tls_first=0
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --tls-first) tls_first=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$time_s" "$warmup"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "--time and --warmup take whole seconds, not '$number'" >&2; exit 2; }
done

targets=(--target tls-off=127.0.0.1:6042 --target tls-on=127.0.0.1:6043)
[ "$tls_first" -eq 0 ] || targets=(--target tls-on=127.0.0.1:6043 --target tls-off=127.0.0.1:6042)
output="$(mktemp -t backend-tls.XXXXXX.log)"
trap 'rm -f "$output"' EXIT
bench/sysbench-matrix.sh --time "$time_s" --warmup "$warmup" --threads "$threads" --tests "$tests" "${targets[@]}" \
  --target-setup 'source bench/lib/backend-tls.sh; backend_tls_start 6042 9102 6043 9103' | tee "$output"

csv="$(sed -n 's/^written .*, \(bench\/results\/matrix-[^,]*\.csv\), .*$/\1/p' "$output" | tail -n 1)"
[ -n "$csv" ] || { echo "the matrix wrote no CSV" >&2; exit 1; }
report="${csv%.csv}.md"
# The two proxies' QPS per cell and their ratio, from the matrix's CSV (columns named in its header).
table="$(awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $col["path"] == "tls-off" || $col["path"] == "tls-on" {
    cell = $col["test"] " " $col["threads"]
    if (!(cell in seen)) { seen[cell]; cells[++n] = cell }
    ok = $col["exit_status"] == 0 && $col["qps"] != ""
    qps[cell, $col["path"]] = ok ? $col["qps"] : ""
    p95[cell, $col["path"]] = ok ? $col["p95_ms"] : ""
  }
  END {
    print "| test | threads | TLS off QPS (p95 ms) | TLS on QPS (p95 ms) | on / off |"
    print "|---|---|---|---|---|"
    for (i = 1; i <= n; i++) {
      split(cells[i], part, " ")
      off = qps[cells[i], "tls-off"]; on = qps[cells[i], "tls-on"]
      printf "| %s | %s | %s | %s | %s |\n", part[1], part[2],
        off == "" ? "**failed**" : sprintf("%.0f (%s)", off, p95[cells[i], "tls-off"]),
        on == "" ? "**failed**" : sprintf("%.0f (%s)", on, p95[cells[i], "tls-on"]),
        off == "" || on == "" ? "" : sprintf("**%.3f**", on / off)
    }
  }' "$csv")"
{
  echo
  echo "## Backend TLS: on (verify-ca) / off, same build, same servers"
  echo
  echo "$([ "$tls_first" -eq 0 ] && echo "TLS off" || echo "TLS on") ran first in each cell."
  echo
  echo "$table"
} >> "$report"
echo
echo "$table"
echo
echo "appended to $report"
