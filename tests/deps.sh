#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs what ftpsd needs on Debian 12 (as root), with apt-get:
#   sh tests/deps.sh build   building and running it (the demo: tests/demo.sh)
#   sh tests/deps.sh         that, and every tool the test suite uses
set -eu
# Build and run: the compiler and autotools, the libraries, systemd
# (systemd-socket-activate), openssl (the demo's certificate) and whois
# (mkpasswd, for users-file hashes).
build="gcc make autoconf automake pkg-config libgnutls28-dev libsystemd-dev
  libcrypt-dev systemd openssl whois"
# Tests only: never installed by the demo on someone's server.
# haproxy and iproute2 (ip netns): the cluster test (test-cluster.py).
tests="clang curl lftp gnutls-bin python3 iproute2 procps fail2ban util-linux
  sslscan testssl.sh binutils systemd-container haproxy"
case "${1:-all}" in
build) packages=$build ;;
all) packages="$build $tests" ;;
*) echo "usage: $0 [build|all]" >&2; exit 2 ;;
esac
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
