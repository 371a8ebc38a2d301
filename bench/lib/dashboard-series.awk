# Turns the proxy's /metrics scraped once a second into the series of the dashboard's panels.
# POSIX awk (mawk or gawk). Used by bench/dashboard-plot.sh.
#
# Input: scrapes, each a line "@ EPOCH_SECONDS" followed by the scrape's mysqlproxy_* samples.
# Variables (-v):
#   window      scrapes per rate and quantile window (rate over t[k] - t[k - window], as rate() does)
#   phases      "NAME:START:END NAME:START:END ..." in epoch seconds, for the phase column and summary
#   csv         the output CSV: one row per scrape from the (window + 1)th on; its headers name the
#               series ("statements/s primary 127.0.0.1:3306") for bench/dashboard-plot.sh
#   summary     the output figures per phase, as Markdown table rows
# Counters that appear between two scrapes (Micrometer registers them at first use) count from 0.

/^@ / {
    n++
    t[n] = $2 + 0
    next
}

/^mysqlproxy_/ {
    value = $NF + 0
    brace = index($0, "{")
    delete lab
    if (brace > 0) {
        name = substr($0, 1, brace - 1)
        labels = substr($0, brace + 1, index($0, "}") - brace - 1)
        count = split(labels, parts, "\",")
        for (i = 1; i <= count; i++) {
            eq = index(parts[i], "=\"")
            key = substr(parts[i], 1, eq - 1)
            val = substr(parts[i], eq + 2)
            sub(/"$/, "", val)
            lab[key] = val
        }
    } else {
        name = $1
    }
    b = lab["backend"]
    if (b != "" && !(b in role)) {
        role[b] = lab["role"]
        backend_count++
        backend_list[backend_count] = b
    }
    if (name == "mysqlproxy_backend_statements_total") {
        statements[n, b] += value
    } else if (name == "mysqlproxy_backend_statement_duration_seconds_bucket") {
        le = lab["le"]
        bucket[n, b, le] = value
        if (le != "+Inf" && !(le in le_seen)) {
            le_seen[le] = 1
            le_count++
            le_list[le_count] = le
        }
    } else if (name == "mysqlproxy_backend_statement_duration_seconds_sum") {
        duration_sum[n, b] = value
    } else if (name == "mysqlproxy_backend_statement_duration_seconds_count") {
        duration_count[n, b] = value
    } else if (name == "mysqlproxy_routing_decisions_total") {
        reason = lab["reason"]
        decisions[n, reason] = value
        if (!(reason in reason_seen)) {
            reason_seen[reason] = 1
            reason_count++
            reason_list[reason_count] = reason
        }
    } else if (name == "mysqlproxy_backend_replication_lag_seconds") {
        lag[n, b] = value
    } else if (name == "mysqlproxy_client_connections") {
        clients[n] = value
    } else if (name == "mysqlproxy_backend_connections_open") {
        pool_open[n, b] = value
    } else if (name == "mysqlproxy_backend_connections_idle") {
        pool_idle[n, b] = value
    } else if (name == "mysqlproxy_backend_statement_errors_total") {
        errors[n] += value
    } else if (name == "mysqlproxy_backend_pool_waits_total") {
        waits[n] += value
    } else if (name == "mysqlproxy_backend_pool_wait_timeouts_total") {
        wait_timeouts[n] += value
    } else if (name == "mysqlproxy_backend_state") {
        if (value == 1) {
            in_state[n, lab["state"]]++
        }
    } else if (name == "mysqlproxy_writes_refused") {
        writes_refused[n] = value
    } else if (name == "mysqlproxy_primary_changes_total") {
        primary_changes[n] = value
    }
}

# Sorts list[1..count] in place: numerically when numeric is 1, else as strings.
function sort_list(list, count, numeric,    i, j, x) {
    for (i = 2; i <= count; i++) {
        x = list[i]
        for (j = i - 1; j >= 1 && (numeric ? list[j] + 0 > x + 0 : list[j] > x); j--) {
            list[j + 1] = list[j]
        }
        list[j + 1] = x
    }
}

function rate(array_value_k, array_value_j, k, j) {
    return (array_value_k - array_value_j) / (t[k] - t[j])
}

# histogram_quantile over the bucket increases between scrapes j and k, as Prometheus computes it:
# linear interpolation inside the bucket that holds the rank; the highest finite bound when the
# rank falls in +Inf; NaN without observations. In milliseconds.
function quantile_ms(q, b, k, j,    total, rank, i, c, previous_c, previous_bound) {
    total = bucket[k, b, "+Inf"] - bucket[j, b, "+Inf"]
    if (total <= 0) {
        return "NaN"
    }
    rank = q * total
    previous_c = 0
    previous_bound = 0
    for (i = 1; i <= le_count; i++) {
        c = bucket[k, b, le_list[i]] - bucket[j, b, le_list[i]]
        if (c >= rank) {
            return 1000 * (previous_bound + (le_list[i] - previous_bound) * (rank - previous_c) / (c - previous_c))
        }
        previous_c = c
        previous_bound = le_list[i] + 0
    }
    return 1000 * previous_bound
}

function mean_ms(b, k, j,    c) {
    c = duration_count[k, b] - duration_count[j, b]
    return c > 0 ? 1000 * (duration_sum[k, b] - duration_sum[j, b]) / c : "NaN"
}

function phase_of(time,    i) {
    for (i = 1; i <= phase_count; i++) {
        if (time > phase_start[i] && time <= phase_end[i]) {
            return phase_name[i]
        }
    }
    return "idle"
}

function column(header) {
    csv_header = csv_header (csv_header == "" ? "" : ",") header
}

function fmt(x) {
    return x == "NaN" ? x : sprintf("%.3f", x)
}

END {
    if (n <= window) {
        print "only " n " scrapes: need more than " window > "/dev/stderr"
        exit 1
    }
    phase_count = split(phases, phase_parts, " ")
    for (i = 1; i <= phase_count; i++) {
        split(phase_parts[i], p, ":")
        phase_name[i] = p[1]
        phase_start[i] = p[2] + 0
        phase_end[i] = p[3] + 0
    }

    # Backends: primaries first, then replicas, each by address; reasons by name; buckets by bound.
    sort_list(backend_list, backend_count, 0)
    ordered = 0
    for (r = 1; r <= 2; r++) {
        for (i = 1; i <= backend_count; i++) {
            if ((role[backend_list[i]] == "primary") == (r == 1)) {
                ordered_backends[++ordered] = backend_list[i]
            }
        }
    }
    sort_list(reason_list, reason_count, 0)
    sort_list(le_list, le_count, 1)
    replica_count = 0
    for (i = 1; i <= backend_count; i++) {
        if (role[ordered_backends[i]] == "replica") {
            replicas[++replica_count] = ordered_backends[i]
        }
    }

    # Only the reasons that occurred during the run.
    used_reasons = 0
    for (i = 1; i <= reason_count; i++) {
        if (decisions[n, reason_list[i]] - decisions[1, reason_list[i]] > 0) {
            reasons[++used_reasons] = reason_list[i]
        }
    }

    column("seconds")
    column("phase")
    for (i = 1; i <= backend_count; i++) {
        column("statements/s " role[ordered_backends[i]] " " ordered_backends[i])
    }
    for (i = 1; i <= used_reasons; i++) {
        column("decisions/s " reasons[i])
    }
    for (i = 1; i <= backend_count; i++) {
        b = role[ordered_backends[i]] " " ordered_backends[i]
        column("p50 ms " b)
        column("p99 ms " b)
        column("mean ms " b)
    }
    for (i = 1; i <= backend_count; i++) {
        b = ordered_backends[i]
        if (role[b] == "replica") {
            column("lag s replica " b)
        }
    }
    column("client connections")
    for (i = 1; i <= backend_count; i++) {
        b = role[ordered_backends[i]] " " ordered_backends[i]
        column("pool open " b)
        column("pool idle " b)
    }
    column("backends up")
    column("backends lagging")
    column("backends draining")
    column("backends down")
    column("statement errors/s")
    column("pool waits/s")
    column("pool wait timeouts/s")
    column("writes refused")
    column("primary changes since start")
    print csv_header > csv

    for (k = window + 1; k <= n; k++) {
        j = k - window
        row = sprintf("%.1f,%s", t[k] - t[1], phase_of(t[k]))
        for (i = 1; i <= backend_count; i++) {
            b = ordered_backends[i]
            row = row "," fmt(rate(statements[k, b], statements[j, b], k, j))
        }
        for (i = 1; i <= used_reasons; i++) {
            row = row "," fmt(rate(decisions[k, reasons[i]], decisions[j, reasons[i]], k, j))
        }
        for (i = 1; i <= backend_count; i++) {
            b = ordered_backends[i]
            row = row "," fmt(quantile_ms(0.5, b, k, j)) "," fmt(quantile_ms(0.99, b, k, j)) "," fmt(mean_ms(b, k, j))
        }
        for (i = 1; i <= backend_count; i++) {
            b = ordered_backends[i]
            if (role[b] == "replica") {
                x = lag[k, b]
                row = row "," (x < 0 ? "NaN" : x + 0)
            }
        }
        row = row "," clients[k] + 0
        for (i = 1; i <= backend_count; i++) {
            b = ordered_backends[i]
            row = row "," pool_open[k, b] + 0 "," pool_idle[k, b] + 0
        }
        row = row "," in_state[k, "up"] + 0 "," in_state[k, "lagging"] + 0 "," in_state[k, "draining"] + 0
        row = row "," in_state[k, "down"] + 0
        row = row "," fmt(rate(errors[k], errors[j], k, j)) "," fmt(rate(waits[k], waits[j], k, j))
        row = row "," fmt(rate(wait_timeouts[k], wait_timeouts[j], k, j))
        row = row "," writes_refused[k] + 0 "," primary_changes[k] - primary_changes[1]
        print row > csv
    }

    # Per phase: the increase between the first and the last scrape inside the phase.
    for (ph = 1; ph <= phase_count; ph++) {
        a = 0
        z = 0
        for (k = 1; k <= n; k++) {
            if (t[k] >= phase_start[ph] && a == 0) {
                a = k
            }
            if (t[k] <= phase_end[ph]) {
                z = k
            }
        }
        if (a == 0 || z <= a) {
            continue
        }
        seconds = t[z] - t[a]
        max_clients = 0
        max_lag = -1
        for (k = a; k <= z; k++) {
            if (clients[k] > max_clients) {
                max_clients = clients[k]
            }
            for (i = 1; i <= replica_count; i++) {
                if (lag[k, replicas[i]] > max_lag) {
                    max_lag = lag[k, replicas[i]]
                }
            }
        }
        for (i = 1; i <= backend_count; i++) {
            b = ordered_backends[i]
            max_open = 0
            for (k = a; k <= z; k++) {
                if (pool_open[k, b] > max_open) {
                    max_open = pool_open[k, b]
                }
            }
            printf "| %s | %s %s | %.0f | %s | %s | %s | %d |\n", phase_name[ph], role[b], b,
                (statements[z, b] - statements[a, b]) / seconds, fmt(quantile_ms(0.5, b, z, a)),
                fmt(quantile_ms(0.99, b, z, a)), fmt(mean_ms(b, z, a)), max_open > summary
        }
        decided = ""
        for (i = 1; i <= reason_count; i++) {
            d = decisions[z, reason_list[i]] - decisions[a, reason_list[i]]
            if (d > 0) {
                decided = decided (decided == "" ? "" : ", ") reason_list[i] " " \
                    sprintf(d / seconds < 10 ? "%.1f" : "%.0f", d / seconds)
            }
        }
        printf "reasons %s | %s | %.0f s | max clients %d | max replica lag %s s | errors %d | pool waits %d\n",
            phase_name[ph], decided, seconds, max_clients, (max_lag < 0 ? "unknown" : max_lag),
            errors[z] - errors[a], waits[z] - waits[a] > summary
    }
}
