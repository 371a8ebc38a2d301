# The report of bench/sysbench-matrix.sh, from its CSV: one row per sysbench run, the columns named
# in the header. Every run is compared with the direct run of its cell (test, threads).
#
#   awk -v mode=markdown -f bench/lib/sysbench-matrix.awk matrix.csv
#       the Markdown table, a row per run in the order they ran
#   awk -v mode=plot -f bench/lib/sysbench-matrix.awk matrix.csv
#       for gnuplot: a block per test (blocks two blank lines apart), headed "# TEST CELLS", a row
#       per thread count:
#       threads, then each path's QPS as % of direct, then each path's µs added per statement
#       ("?" where a run failed); paths other than direct, in the order they first ran
#   awk -v mode=paths -f bench/lib/sysbench-matrix.awk matrix.csv
#       those paths' names, one a line
#
# µs added per statement: a path's mean latency per statement minus direct's, the mean per
# statement being sysbench's mean latency per event over the statements per event
# (queries / events: 1 for oltp_point_select, about 16 for oltp_read_only, 20 for oltp_read_write).
# From the mean because a mean adds up: an event's mean latency is the sum of its statements' mean
# latencies, so the division is exact, where dividing a median of events by 16 would not give a
# median of statements. At 1 thread this is the hop's own cost; once the machine is saturated
# (64 threads, and 8 on two cores) latency is threads / throughput, so it mostly restates the QPS
# ratio in time.
BEGIN { FS = "," }

NR == 1 {
  for (i = 1; i <= NF; i++) col[$i] = i
  next
}

{
  test = $col["test"]; threads = $col["threads"]; path = $col["path"]
  if (!(test in seen_test)) { seen_test[test]; tests[++ntests] = test }
  if (!((test, threads) in seen_cell)) { seen_cell[test, threads]; cell[test, ++ncells[test]] = threads }
  if (path != "direct" && !(path in seen_path)) { seen_path[path]; paths[++npaths] = path }
  run = test SUBSEP threads SUBSEP path
  for (name in col) figure[run, name] = $col[name]
  order[++nruns] = run
}

function ok(run) { return figure[run, "exit_status"] == 0 && figure[run, "qps"] != "" }
function direct(run,    part) { split(run, part, SUBSEP); return part[1] SUBSEP part[2] SUBSEP "direct" }
function per_statement_us(run) {
  return 1000 * figure[run, "mean_ms"] * figure[run, "events"] / figure[run, "queries"]
}
function ratio(run) { return 100 * figure[run, "qps"] / figure[direct(run), "qps"] }
function added_us(run) { return per_statement_us(run) - per_statement_us(direct(run)) }
function comparable(run) { return ok(run) && ok(direct(run)) && figure[run, "path"] != "direct" }

function errors(run,    text) {
  text = figure[run, "ignored_errors"] + 0
  if (figure[run, "error_codes"] != "") text = text " (" figure[run, "error_codes"] ")"
  if (figure[run, "reconnects"] > 0) text = text ", " figure[run, "reconnects"] " reconnects"
  return text
}

END {
  if (mode == "markdown") {
    print "| test | threads | path | QPS | vs direct | p50 ms | p95 ms | p99 ms | mean ms | µs added per statement | ignored errors |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nruns; i++) {
      run = order[i]
      split(run, part, SUBSEP)
      if (!ok(run)) {
        printf "| %s | %s | %s | **failed** (exit %s) | | | | | | | %s |\n", part[1], part[2], part[3],
          figure[run, "exit_status"], errors(run)
        continue
      }
      printf "| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", part[1], part[2], part[3],
        figure[run, "qps"],
        comparable(run) ? sprintf("**%.1f%%**", ratio(run)) : "",
        figure[run, "p50_ms"], figure[run, "p95_ms"], figure[run, "p99_ms"], figure[run, "mean_ms"],
        comparable(run) ? sprintf("%+.0f", added_us(run)) : "",
        errors(run)
    }
  } else if (mode == "plot") {
    for (t = 1; t <= ntests; t++) {
      if (t > 1) printf "\n\n"
      printf "# %s %d\n", tests[t], ncells[tests[t]]
      for (c = 1; c <= ncells[tests[t]]; c++) {
        threads = cell[tests[t], c]
        line = threads
        for (p = 1; p <= npaths; p++) {
          run = tests[t] SUBSEP threads SUBSEP paths[p]
          line = line " " (comparable(run) ? sprintf("%.1f", ratio(run)) : "?")
        }
        for (p = 1; p <= npaths; p++) {
          run = tests[t] SUBSEP threads SUBSEP paths[p]
          line = line " " (comparable(run) ? sprintf("%.0f", added_us(run)) : "?")
        }
        print line
      }
    }
  } else if (mode == "paths") {
    for (p = 1; p <= npaths; p++) print paths[p]
  }
}
