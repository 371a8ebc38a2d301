#!/usr/bin/env bash
# Installs Oracle MySQL 9.7 LTS for the test bed's MySQL flavour, the demo and the bootstrap tests, and
# prints the directory of its commands (mysqld, mysql, mysqladmin, mysqldump, mysqlbinlog).
#
# No Debian 12 suite has Oracle MySQL, but Debian's unstable suite ("sid") ships 9.7. So a minimal sid
# root is made with debootstrap from the archive this machine's apt already uses, MySQL is installed into
# it with apt, and the commands are small wrappers that run sid's binaries through sid's own dynamic
# loader and libraries. No chroot: the servers see the host's paths (data directories under /tmp,
# loopback ports), exactly like the MariaDB servers of the test bed. Takes about a minute the first time;
# the result is cached in $MYSQL_PROXY_MYSQL_HOME (default /var/cache/mysql-proxy/mysql-9.7) and reused
# while its mysqld is still 9.7.
set -euo pipefail

series=9.7
home="${MYSQL_PROXY_MYSQL_HOME:-/var/cache/mysql-proxy/mysql-$series}"

installed_series() {
  "$home/bin/mysqld" --version 2>/dev/null | sed -n 's/.* Ver \([0-9]*\.[0-9]*\)\..*/\1/p'
}

if [ -x "$home/bin/mysqld" ] && [ "$(installed_series)" = "$series" ]; then
  echo "$home/bin"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "MySQL $series is not installed in $home; run this script as root once (it needs debootstrap)" >&2
  exit 1
fi
command -v debootstrap > /dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }

# The Debian archive apt already uses here (deb822 sources first, then the one-line format).
mirror="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)"
if [ -z "$mirror" ]; then
  mirror="$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    | awk '{print $2}' | grep -v security | head -n 1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

mkdir -p "$(dirname "$home")"
build="$(mktemp -d "$(dirname "$home")/mysql-build.XXXXXX")"
trap 'rm -rf "$build"' EXIT
echo "installing MySQL $series from Debian sid ($mirror) into $home" >&2
debootstrap --variant=minbase sid "$build/root" "$mirror" > "$build/debootstrap.log" 2>&1 \
  || { tail -n 20 "$build/debootstrap.log" >&2; exit 1; }
# Snapshot archives carry expired Release files; the host's apt is configured the same way.
apt_options=(-o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0)
chroot "$build/root" apt-get "${apt_options[@]}" update -qq >&2
chroot "$build/root" env DEBIAN_FRONTEND=noninteractive \
  apt-get "${apt_options[@]}" install -y -qq --no-install-recommends mysql-server-core mysql-client-core > "$build/apt.log" 2>&1 \
  || { tail -n 20 "$build/apt.log" >&2; exit 1; }
chroot "$build/root" apt-get clean

root="$home/root"
mkdir -p "$build/bin"
for tool in mysqld mysql mysqladmin mysqldump mysqlbinlog; do
  program="/usr/bin/$tool"
  [ "$tool" = mysqld ] && program="/usr/sbin/mysqld"
  cat > "$build/bin/$tool" <<'WRAPPER'
#!/usr/bin/env bash
# Runs Debian sid's @PROGRAM@ (MySQL) with sid's own loader and libraries; made by scripts/mysql-server.sh.
root='@ROOT@'
program='@PROGRAM@'
libs="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu"
args=()
if [ "$program" = /usr/sbin/mysqld ]; then
  # The compiled-in directories are sid's /usr paths, which on this host hold MariaDB's files. An option
  # file option must stay first, so the directories go after it.
  case "${1:-}" in --no-defaults | --defaults-file=* | --defaults-extra-file=*) args=("$1"); shift ;; esac
  args+=(--basedir="$root/usr" --lc-messages-dir="$root/usr/share/mysql"
    --character-sets-dir="$root/usr/share/mysql/charsets" --plugin-dir="$root/usr/lib/mysql/plugin")
fi
exec "$root/lib64/ld-linux-x86-64.so.2" --library-path "$libs" "$root$program" "${args[@]}" "$@"
WRAPPER
  sed -i -e "s|@ROOT@|$root|g" -e "s|@PROGRAM@|$program|g" "$build/bin/$tool"
  chmod +x "$build/bin/$tool"
done

rm -rf "$home"
mv "$build" "$home"
if [ "$(installed_series)" != "$series" ]; then
  echo "Debian sid no longer ships MySQL $series: $("$home/bin/mysqld" --version)" >&2
  exit 1
fi
"$home/bin/mysqld" --version >&2
echo "$home/bin"
