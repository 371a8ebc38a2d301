# shellcheck shell=bash
# Sourced by the bench scripts. need_commands COMMAND=PACKAGE...: makes sure each command is on
# the PATH. As root it installs the Debian packages of the missing ones, as
# scripts/debian-packages.sh does; otherwise it prints the apt-get command and exits.

need_commands() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%=*}" > /dev/null || missing+=("${pair#*=}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]}" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
