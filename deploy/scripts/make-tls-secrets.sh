#!/usr/bin/env bash
# Makes the two TLS Secrets of deploy/ without cert-manager: a self-signed CA, the database pods' certificate
# (Secret mysql-tls) and the proxy's (Secret mysql-proxy-tls), both signed by that CA, with the keys
# cert-manager writes (ca.crt, tls.crt, tls.key) and the same names as components/cert-manager.
#
#   deploy/scripts/make-tls-secrets.sh [--dir DIR] [--days N] NAMESPACE | kubectl apply -n NAMESPACE -f -
#
# Prints the two Secrets (kind Secret, type kubernetes.io/tls) as YAML on stdout; nothing is applied. The PEM
# files stay in DIR (default: a new private temporary directory, named on stderr): ca.key is what signs a
# renewal, so keep it offline or delete it. Running it again makes a new CA: apply both Secrets together and
# restart the database pods and the proxies (deploy/README.md, "TLS").
set -euo pipefail

usage() { printf 'usage: %s [--dir DIR] [--days N] NAMESPACE\n' "${0##*/}" >&2; exit 2; }

dir="" days=825   # 825 days: the longest validity clients accept for a server certificate
while (( $# > 0 )); do
  case "$1" in
    --dir) (( $# >= 2 )) || usage; dir="$2"; shift 2 ;;
    --days) (( $# >= 2 )) || usage; days="$2"; shift 2 ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) break ;;
  esac
done
(( $# == 1 )) || usage
namespace="$1"
# A DNS label: it becomes part of the certificates' names.
[[ $namespace =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || { printf 'not a namespace name: %s\n' "$namespace" >&2; exit 2; }
[[ $days =~ ^[1-9][0-9]*$ ]] || usage
command -v openssl >/dev/null || { printf 'openssl is missing\n' >&2; exit 1; }

umask 077
if [[ -z $dir ]]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/mysql-tls.XXXXXX")"
fi
mkdir -p "$dir/mysql-tls" "$dir/mysql-proxy-tls"
printf 'certificates and keys in %s\n' "$dir" >&2

# The CA: ten years, signs certificates only.
openssl req -x509 -new -noenc -newkey rsa:2048 -sha256 -days 3650 -subj "/CN=mysql-proxy CA ($namespace)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null

# issue NAME COMMON_NAME USAGES SANS: a key and a certificate signed by the CA in $dir/NAME, with ca.crt beside.
issue() {
  local name="$1" cn="$2" usages="$3" sans="$4" out="$dir/$1"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$out/ext.cnf"
  printf 'extendedKeyUsage=%s\nsubjectAltName=%s\n' "$usages" "$sans" >> "$out/ext.cnf"
  openssl req -new -noenc -newkey rsa:2048 -sha256 -subj "/CN=$cn" -keyout "$out/tls.key" -out "$out/tls.csr" 2>/dev/null
  openssl x509 -req -sha256 -days "$days" -in "$out/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$out/ext.cnf" -out "$out/tls.crt" 2>/dev/null
  rm -f "$out/tls.csr" "$out/ext.cnf"
  cp "$dir/ca.crt" "$out/ca.crt"
}

# The database pods: the servers' certificate for the proxy, the replicas and local clients (127.0.0.1), and a
# client certificate for the pods' own seeding transport, hence both usages.
issue mysql-tls mysql serverAuth,clientAuth \
  "DNS:mysql,DNS:*.mysql,DNS:*.mysql.$namespace.svc,DNS:*.mysql.$namespace.svc.cluster.local,DNS:localhost,IP:127.0.0.1"
# The proxy, for its clients: the Service's names.
issue mysql-proxy-tls mysql-proxy serverAuth \
  "DNS:mysql-proxy,DNS:mysql-proxy.$namespace,DNS:mysql-proxy.$namespace.svc,DNS:mysql-proxy.$namespace.svc.cluster.local,DNS:localhost,IP:127.0.0.1"

# secret NAME: the Secret as YAML, the PEM files base64-encoded as cert-manager stores them.
secret() {
  local name="$1" key
  printf -- '---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n'
  printf '  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: mysql-proxy\ndata:\n' "$name" "$namespace"
  for key in ca.crt tls.crt tls.key; do
    printf '  %s: %s\n' "$key" "$(base64 < "$dir/$name/$key" | tr -d '\n')"
  done
}
secret mysql-tls
secret mysql-proxy-tls
