#!/usr/bin/env bash
# Checks docs/deploy.md's reverse-proxy setup for real, on demand (not part of the test
# command; it needs nginx, openssl, curl and a PostgreSQL server): two `callhost serve`
# instances on one fresh PostgreSQL database, behind nginx configured with the very `nginx`
# block of docs/deploy.md (only its addresses and certificate paths replaced), with TLS.
# Through the proxy it checks readiness on both instances, a sign-in link, the https origin
# the host gives its pages, a WebSocket upgrade of the host socket, and readiness after one
# instance stops. Everything listens on loopback and is stopped and dropped at the end.
#
#   scripts/deploy-check.sh [path/to/callhost]     (PGURL=postgres://postgres@127.0.0.1:5432)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/debug/callhost}
pg=${PGURL:-postgres://postgres@127.0.0.1:5432}
name=crm.test
work=$(mktemp -d)
db="deploy_check_$(date +%s)_$$"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q "$pg/postgres" -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

psql -q "$pg/postgres" -c "create database $db" >/dev/null
url="$pg/$db"

# Two instances, one after the other's ready line (the second joins the first's seed).
start() {
  local port=$1 out=$work/ready-$1
  "$bin" serve --database-url "$url" --listen "127.0.0.1:$port" --demo-listen 127.0.0.1:0 \
    --allowed-host "$name" >"$out" 2>"$work/log-$port" &
  pids+=($!)
  for _ in $(seq 100); do [[ -s $out ]] && break; sleep 0.1; done
  [[ -s $out ]] || fail "instance on $port printed no ready line: $(cat "$work/log-$port")"
}
a=$(free_port); start "$a"
b=$(free_port); start "$b"
portal=$(sed 's/^callhost ready //' "$work/ready-$a" | python3 -c 'import json,sys; print(json.load(sys.stdin)["portalId"])')
ok "two instances on one database ($a, $b), portal $portal"

# nginx with docs/deploy.md's block.
proxy=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$name" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
block=$(awk '/^```nginx$/{on=1; next} /^```$/{on=0} on' "$root/docs/deploy.md")
[[ -n $block ]] || fail "docs/deploy.md has no nginx block"
block=${block//10.0.0.11:8080/127.0.0.1:$a}
block=${block//10.0.0.12:8080/127.0.0.1:$b}
block=${block//listen 443 ssl;/listen 127.0.0.1:$proxy ssl;}
block=${block//\/etc\/ssl\/crm.example.com.pem/$work/cert.pem}
block=${block//\/etc\/ssl\/crm.example.com.key/$work/key.pem}
block=${block//crm.example.com/$name}
mkdir -p "$work/nginx/logs"
cat >"$work/nginx.conf" <<EOF
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events {}
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
$block
}
EOF
nginx -t -c "$work/nginx.conf" -p "$work/nginx" >/dev/null 2>&1 || fail "nginx refuses the configuration: $(nginx -t -c "$work/nginx.conf" -p "$work/nginx" 2>&1)"
nginx -c "$work/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
pids+=($!)
public="https://$name:$proxy"
curl_() { curl -sS --resolve "$name:$proxy:127.0.0.1" --cacert "$work/cert.pem" "$@"; }
for _ in $(seq 50); do curl_ -o /dev/null "$public/healthz" 2>/dev/null && break; sleep 0.1; done

# Readiness through the proxy, and from each instance (the probe's Host is its address).
for _ in 1 2 3 4; do
  [[ $(curl_ -o /dev/null -w '%{http_code}' "$public/readyz") == 200 ]] || fail "readyz through the proxy"
done
for port in "$a" "$b"; do
  curl -sS "http://127.0.0.1:$port/readyz" | grep -q '"ready"' || fail "readyz on $port"
done
ok "readiness through the proxy and on each instance"

# Nobody is signed in automatically through the proxy; a sign-in link signs a user in.
code=$(curl_ -o /dev/null -w '%{http_code}' "$public/contacts/$portal/objects/0-1/views/all/list")
[[ $code == 401 ]] || fail "a host page through the proxy answered $code, not 401"
user=$("$bin" user create --database-url "$url" --portal "$portal" --email agent@example.com |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["userId"])')
link=$("$bin" user sign-in --database-url "$url" --portal "$portal" --user "$user" --url "$public" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
curl_ -c "$work/jar" -o /dev/null "$link"
context=$(curl_ -b "$work/jar" "$public/host/api/context")
echo "$context" | grep -q "\"hostUrl\":\"$public\"" || fail "context behind the proxy: $context"
echo "$context" | grep -q "\"userId\":$user" || fail "the link signed in someone else: $context"
again=$(curl_ -o /dev/null -w '%{http_code}' "$link")
[[ $again == 401 ]] || fail "a used link answered $again"
ok "sign-in link through the proxy; the host's origin is $public"

# The host socket upgrades through the proxy, with the page's https origin.
app=$(echo "$context" | python3 -c 'import json,sys; print(json.load(sys.stdin)["apps"][0]["appId"])')
head=$(curl_ -b "$work/jar" -i -N --max-time 3 \
  -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
  -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" -H "Origin: $public" \
  "$public/host/ws?appId=$app&location=widget" 2>/dev/null || true)
echo "$head" | head -1 | grep -q " 101" || fail "no WebSocket upgrade through the proxy: $(echo "$head" | head -3)"
ok "the host socket upgrades through the proxy"

# One instance stops; the proxy's other instance serves.
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
for _ in 1 2 3 4; do
  [[ $(curl_ -o /dev/null -w '%{http_code}' "$public/readyz") == 200 ]] || fail "readyz with one instance stopped"
done
ok "with one instance stopped, the other answers through the proxy"
echo "deploy check passed"
