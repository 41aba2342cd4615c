#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds ftpsd and starts a local demo: explicit FTPS (AUTH TLS) on
# 127.0.0.1:2121 and implicit FTPS on 127.0.0.1:2990, one process per
# connection through systemd-socket-activate, as systemd would run it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/deps.sh build
# Built out of tree, beside the test builds.
bin="$top/build-demo/src/ftpsd"
if [ ! -x "$bin" ]; then
	autoreconf -fi >/dev/null 2>&1
	mkdir -p build-demo
	(cd build-demo && ../configure -q && make -j2 >/dev/null 2>&1)
fi

# As root, ftpsd serves virtual users as the account FTPSD_RUN_USER
# (default ftpsd): make it if needed, and give it the demo tree.
id ftpsd >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ftpsd
demo=/tmp/ftpsd-demo
mkdir -p "$demo/root"
chmod 755 "$demo"
echo "Welcome to the ftpsd demo." >"$demo/root/README.txt"
chown -R ftpsd "$demo/root"
password=$(openssl rand -hex 8)
printf 'demo:%s\n' "$(mkpasswd -m yescrypt "$password")" >"$demo/users"
chmod 600 "$demo/users"
if [ ! -f "$demo/cert.pem" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
		-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$demo/key.pem" -out "$demo/cert.pem" 2>/dev/null
fi
[ -f "$demo/pids" ] && kill $(cat "$demo/pids") 2>/dev/null || true

env="-E FTPSD_ROOT=$demo/root -E FTPSD_USERS=$demo/users -E FTPSD_LOG=stderr
     -E FTPSD_TLS_CERT=$demo/cert.pem -E FTPSD_TLS_KEY=$demo/key.pem"
# shellcheck disable=SC2086
setsid systemd-socket-activate --inetd -a -l 127.0.0.1:2121 $env "$bin" \
	>>"$demo/log" 2>&1 </dev/null &
echo $! >"$demo/pids"
# shellcheck disable=SC2086
setsid systemd-socket-activate --inetd -a -l 127.0.0.1:2990 $env -E FTPSD_TLS_IMPLICIT=1 \
	"$bin" >>"$demo/log" 2>&1 </dev/null &
echo $! >>"$demo/pids"
sleep 0.5
for pid in $(cat "$demo/pids"); do
	kill -0 "$pid" 2>/dev/null || { tail -5 "$demo/log"; echo "demo: a listener did not start (port taken?)"; exit 1; }
done

cat <<MSG
ftpsd demo running, serving $demo/root
  explicit FTPS: ftp://127.0.0.1:2121   (AUTH TLS required before the password)
  implicit FTPS: ftps://127.0.0.1:2990
  user: demo   password: $password
Try:  curl --ssl-reqd -k -u demo:$password ftp://127.0.0.1:2121/README.txt
      curl -k -u demo:$password ftps://127.0.0.1:2990/
Log:  $demo/log      Stop: kill \$(cat $demo/pids)
MSG
