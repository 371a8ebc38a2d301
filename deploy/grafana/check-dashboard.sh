#!/usr/bin/env bash
# Checks the Grafana dashboard against a real scrape of the proxy's /metrics:
#
#   deploy/grafana/check-dashboard.sh SCRAPE [DASHBOARD]
#
# SCRAPE is the text of the admin port's /metrics, e.g. `curl -s http://127.0.0.1:9090/metrics`
# while `bin/mysql-proxy demo` runs (bench/dashboard-plot.sh keeps one in bench/results/);
# DASHBOARD defaults to deploy/grafana/mysql-proxy-dashboard.json. Fails when the dashboard is not
# valid JSON, is older than schema 36, does not take its Prometheus data source from the
# ${datasource} variable, or when a PromQL expression (panel targets and template variables)
# names a metric that the scrape does not have. Metric names are compared with the scrape's
# sample names, so a histogram must be used through its _bucket, _sum or _count series.
# With promtool on the PATH, every expression is also parsed.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 SCRAPE [DASHBOARD]" >&2
  exit 2
fi
scrape="$1"
dashboard="${2:-$(dirname "${BASH_SOURCE[0]}")/mysql-proxy-dashboard.json}"
command -v jq > /dev/null || { echo "jq is missing: apt-get install -y jq" >&2; exit 1; }
[ -s "$scrape" ] || { echo "$scrape: no such file or empty" >&2; exit 1; }
jq empty "$dashboard" || { echo "$dashboard: not valid JSON" >&2; exit 1; }

failed=0
fail() {
  echo "FAIL: $*" >&2
  failed=1
}

# Structure: schema version, the data source variable, and that every query uses it.
schema="$(jq '.schemaVersion // 0' "$dashboard")"
[ "$schema" -ge 36 ] || fail "schemaVersion is $schema, want 36 or later"
jq -e '.templating.list | any(.name == "datasource" and .type == "datasource" and .query == "prometheus")' \
  "$dashboard" > /dev/null || fail 'no "datasource" template variable of type prometheus'
while read -r title; do
  fail "panel \"$title\" does not query the \${datasource} variable"
done < <(jq -r '.. | objects | select(has("targets")) | select(any(.targets[];
                  (.datasource.uid // "") != "${datasource}") or ((.datasource.uid // "") != "${datasource}"))
                | .title' "$dashboard")
duplicate_ids="$(jq -r '[.. | objects | select(has("gridPos")) | .id] | group_by(.) | map(select(length > 1)[0]) | .[]' \
  "$dashboard")"
[ -z "$duplicate_ids" ] || fail "panel ids used twice: $(echo "$duplicate_ids" | tr '\n' ' ')"

# Every PromQL expression: panel targets, and the metric of label_values(METRIC, LABEL) or the
# expression of query_result(EXPR) in query variables.
mapfile -t exprs < <(jq -r '
    ([.. | objects | select(has("targets")) | .targets[] | .expr // empty]
     + [.templating.list[]? | select(.type == "query") | (.query | if type == "object" then .query else . end)
        | capture("^\\s*(label_values\\((?<m>.*),\\s*\\w+\\)|query_result\\((?<q>.*)\\))\\s*$")
        | .m // .q])
    | .[] | gsub("\n"; " ")' "$dashboard")
[ "${#exprs[@]}" -gt 0 ] || fail "no PromQL expressions found in $dashboard"

# The sample names in the scrape (comment lines skipped).
known="$(grep -v '^#' "$scrape" | sed -E 's/[{ ].*//' | grep -E '^[A-Za-z_:]' | sort -u)"
[ -n "$known" ] || fail "no samples in $scrape"

# metric_names EXPR -> the metric names it uses, one per line. Strings, label matchers, range
# selectors and by/without/on/ignoring/group_* label lists are dropped first; what is left are
# numbers and durations (skipped), names followed by "(" (functions and aggregations, skipped),
# keywords (skipped) and metric names.
metric_names() {
  # shellcheck disable=SC2016 # a literal backquote, not an expansion
  sed -E -e 's/"([^"\\]|\\.)*"//g' -e "s/'([^'\\\\]|\\\\.)*'//g" -e 's/`[^`]*`//g' \
         -e 's/\{[^}]*\}//g' -e 's/\[[^]]*\]//g' \
         -e 's/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*//g' \
         -e 's/\b(by|without|on|ignoring|group_left|group_right)[[:space:]]*\([^)]*\)//g' <<< "$1" \
    | grep -oE '[0-9][0-9.]*([eE][+-]?[0-9]+)?[A-Za-z]*|[A-Za-z_:][A-Za-z0-9_:]*[[:space:]]*\(?' \
    | grep -vE '^[0-9]|\($' \
    | grep -vxE '(bool|and|or|unless|offset|group_left|group_right|inf|nan|Inf|NaN)[[:space:]]*' \
    | sed -E 's/[[:space:]]+$//' || true
}

names=0
declare -A seen=()
for expr in "${exprs[@]}"; do
  while read -r name; do
    [ -n "$name" ] || continue
    if ! grep -qxF "$name" <<< "$known"; then
      fail "metric $name is not in $scrape; used in: $expr"
    elif [ -z "${seen[$name]:-}" ]; then
      seen[$name]=1
      names=$((names + 1))
    fi
  done < <(metric_names "$expr")
done

# Syntax, when promtool is available: each expression as a recording rule, with the Grafana
# variables replaced by values Prometheus accepts.
if command -v promtool > /dev/null; then
  rules="$(mktemp -t dashboard-rules.XXXXXX.yml)"
  trap 'rm -f "$rules"' EXIT
  {
    echo "groups:"
    echo "  - name: dashboard"
    echo "    rules:"
    i=0
    for expr in "${exprs[@]}"; do
      i=$((i + 1))
      echo "      - record: dashboard:expr_$i"
      echo "        expr: |"
      # shellcheck disable=SC2016 # literal $ in the patterns
      sed -E -e 's/\$__(rate_interval|interval|range)\b/5m/g' -e 's/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/.*/g' \
             -e 's/^/          /' <<< "$expr"
    done
  } > "$rules"
  promtool check rules "$rules" > /dev/null || fail "promtool could not parse the expressions (see above)"
else
  echo "promtool not found: expressions not parsed (metric names still checked)"
fi

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "ok: $dashboard: ${#exprs[@]} expressions, $names metric names, all in $scrape"
