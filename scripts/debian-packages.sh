#!/usr/bin/env bash
# Makes sure the Debian/Ubuntu packages the demo and the tests use are installed, and any package
# named as an argument (a bench script's extra needs, e.g. gnuplot-nox jq): as root it installs
# what is missing; otherwise it prints the exact command and fails.
set -euo pipefail

packages=(mariadb-server mariadb-client mariadb-backup socat openssl sysbench shellcheck debootstrap gcc libc6-dev
  python3-mysqldb "$@")

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ! command -v java > /dev/null || ! command -v mvn > /dev/null; then
  missing+=(openjdk-17-jdk-headless maven)
fi
# node and npm run the OpenAPI schema check of deploy/ (deploy-tests, KubernetesSchemas: `npm ci` of the
# exact versions in deploy-tests/src/test/node/package-lock.json). Checked as commands, not packages: a
# NodeSource nodejs brings its own npm, which Debian's npm package would conflict with.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  missing+=(nodejs npm)
fi
# kubectl (with kustomize) renders deploy/ in the manifest tests, which skip without it. It is not
# in Debian's own archive in a recent enough version; machines with the Kubernetes or Google Cloud
# apt source get it from there.
if ! command -v kubectl > /dev/null && apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  missing+=(kubectl)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The packaged service must not start: the test bed runs its own servers on free ports.
policy_rc=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy_rc" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy_rc"
  chmod +x "$policy_rc"
  created_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ "$created_policy" -eq 1 ] && rm -f "$policy_rc"
exit 0
