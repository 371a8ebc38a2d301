# shellcheck shell=bash
# Sourced by the bench scripts: where the CPU goes while a load runs, per statement. Two snapshots
# taken inside the run, while every client is connected (a thread that has exited takes its context
# switches with it), give each process's CPU time and context switches over the time between them,
# which the run's statements per second turn into per-statement figures.
#
#   cpu_snapshots_during BEFORE AFTER DELAY INTERVAL LABEL:PID...
#                                    waits DELAY seconds, snapshots into BEFORE, waits INTERVAL
#                                    seconds, snapshots into AFTER
#   cpu_snapshot FILE LABEL:PID...   per process "proc LABEL USER_TICKS SYSTEM_TICKS", per thread
#                                    "task LABEL TID NAME RUN_NS WAIT_NS" (the name's digits as N;
#                                    schedstat: on a core, runnable but waiting for one), and
#                                    "switches LABEL TID VOLUNTARY NONVOLUNTARY"; the machine's
#                                    "machine USER SYSTEM IRQ IDLE" ticks from /proc/stat; "at EPOCH"
#   cpu_per_statement BEFORE AFTER QPS [GROUPS_OF_LABEL]
#                                    one line per LABEL: µs of user and system CPU per statement, µs
#                                    its threads waited for a core, context switches; then the
#                                    machine's busy µs per statement and its idle share.
#                                    GROUPS_OF_LABEL also breaks that process down by thread name.
#
# The process's user and system times are the kernel's tick samples, right in sum; per thread they
# are not (a thread that runs for less than a tick at a time is seldom the one a tick finds), so
# thread groups are shown with schedstat's exact nanoseconds instead.

# With a thousand client threads runnable, a shell at normal priority waits seconds for a core, and
# the snapshots would not be taken when asked; the waits and snapshots run in the real-time class
# instead (their work is a few ms).
cpu_snapshots_during() {
  local before="$1" after="$2" delay="$3" interval="$4"
  shift 4
  # shellcheck disable=SC2016 # expanded by the real-time shell
  chrt -f 50 bash -c "$(declare -f cpu_snapshot)"'
    sleep "$3"; cpu_snapshot "$1" "${@:5}"; sleep "$4"; cpu_snapshot "$2" "${@:5}"' \
    cpu_snapshots_during "$before" "$after" "$delay" "$interval" "$@"
}

cpu_snapshot() {
  local file="$1" spec label pid task name run wait rest
  shift
  echo "at $EPOCHREALTIME" > "$file"
  for spec in "$@"; do
    label="${spec%%:*}"
    pid="${spec#*:}"
    # The process's own figures include its threads that have ended; after the name, which may
    # hold spaces, come state and 10 more fields, then utime and stime.
    rest="$(cat "/proc/$pid/stat" 2> /dev/null)" || continue
    rest="${rest##*) }"
    {
      awk -v label="$label" '{ printf "proc %s %d %d\n", label, $12, $13 }' <<< "$rest"
      # Per thread, schedstat's exact nanoseconds: on a core, and runnable but waiting for one.
      for task in /proc/"$pid"/task/*; do
        { read -r name < "$task/comm" && read -r run wait _ < "$task/schedstat"; } 2> /dev/null || continue
        name="${name//[0-9]/N}"
        echo "task $label ${task##*/} ${name// /_} $run $wait"
      done
      # Per thread: "switches LABEL TID VOLUNTARY NONVOLUNTARY" (a thread gone meanwhile is skipped).
      grep -sH ctxt_switches /proc/"$pid"/task/*/status | awk -v label="$label" '
        { split($0, path, "/"); tid = path[5]; value = $NF }
        /:voluntary_ctxt_switches/ { v[tid] = value }
        /:nonvoluntary_ctxt_switches/ { n[tid] = value }
        END { for (t in v) printf "switches %s %s %d %d\n", label, t, v[t], n[t] }'
    } >> "$file"
  done
  awk '$1 == "cpu" { printf "machine %d %d %d %d\n", $2 + $3, $4, $7 + $8, $5 + $6 }' /proc/stat >> "$file"
}

cpu_per_statement() {
  awk -v qps="$3" -v detail="${4:-}" -v hz="$(getconf CLK_TCK)" '
    NR == FNR {
      if ($1 == "at") t0 = $2
      else if ($1 == "proc") { u0[$2] = $3; s0[$2] = $4 }
      else if ($1 == "task") { r0[$2, $3] = $5; w0[$2, $3] = $6 }
      else if ($1 == "switches") { v0[$2, $3] = $4; n0[$2, $3] = $5 }
      else if ($1 == "machine") { for (i = 2; i <= 5; i++) m0[i] = $i }
      next
    }
    $1 == "at" { t1 = $2 }
    $1 == "proc" { du[$2] = $3 - u0[$2]; ds[$2] = $4 - s0[$2]; order[++labels] = $2 }
    $1 == "task" {
      # Threads in both snapshots only: one that started or ended between them is left out.
      if (!(($2, $3) in r0)) next
      run[$2, $4] += $5 - r0[$2, $3]; wait[$2, $4] += $6 - w0[$2, $3]
      waited[$2] += $6 - w0[$2, $3]
    }
    $1 == "switches" && (($2, $3) in v0) { dv[$2] += $4 - v0[$2, $3]; dn[$2] += $5 - n0[$2, $3] }
    $1 == "machine" { for (i = 2; i <= 5; i++) m1[i] = $i }
    END {
      statements = qps * (t1 - t0)
      if (statements <= 0) { print "  (no statements between the snapshots)"; exit }
      us = 1e6 / hz / statements
      for (l = 1; l <= labels; l++) {
        name = order[l]
        printf "  %-9s user %6.1f  system %6.1f  waiting for a core %6.1f  µs/statement;  context switches %5.2f + %5.2f (involuntary) /statement\n",
          name, du[name] * us, ds[name] * us, waited[name] / 1e3 / statements, dv[name] / statements, dn[name] / statements
        if (name == detail)
          for (key in run) {
            split(key, k, SUBSEP)
            if (k[1] == name && run[key] / 1e3 / statements >= 0.1)
              printf "    %-16s on a core %6.1f  waiting for one %6.1f  µs/statement\n", k[2], run[key] / 1e3 / statements, wait[key] / 1e3 / statements
          }
      }
      busy = (m1[2] - m0[2]) + (m1[3] - m0[3]) + (m1[4] - m0[4]); idle = m1[5] - m0[5]
      printf "  machine   user %6.1f  system %6.1f  irq+softirq %5.1f  µs/statement; idle %.0f%% (%.1f s between the snapshots, %.0f statements)\n",
        (m1[2] - m0[2]) * us, (m1[3] - m0[3]) * us, (m1[4] - m0[4]) * us, 100 * idle / (busy + idle), t1 - t0, statements
    }' "$1" "$2"
}
