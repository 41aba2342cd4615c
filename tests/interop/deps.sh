#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs, on Debian 12 as root, what tests/integration/test-interop.py
# needs beyond tests/deps.sh: wget (GnuTLS), rclone (Go crypto/tls), a JDK
# and Apache Commons Net (Java JSSE), Node.js with npm (for basic-ftp,
# which the test installs itself from the npm registry into
# $FTPSD_INTEROP_CACHE, default /var/tmp/ftpsd-interop-npm).
#
# Tools already on the machine are kept: a JDK or a Node.js from another
# source (a Node.js that bundles its own npm, for instance, conflicts with
# Debian's npm package) is used as it is.
set -eu
packages="wget rclone libcommons-net-java"
command -v javac >/dev/null 2>&1 || packages="$packages default-jdk-headless"
command -v node >/dev/null 2>&1 || packages="$packages nodejs"
command -v npm >/dev/null 2>&1 || packages="$packages npm"
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
