#!/bin/sh
# Installs what building and testing ftpsd need on Debian 12 (as root).
set -eu
packages="gcc clang make autoconf automake pkg-config libgnutls28-dev libsystemd-dev
  libcrypt-dev systemd curl lftp gnutls-bin openssl python3 whois iproute2 procps
  fail2ban util-linux sslscan testssl.sh systemd-container"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
