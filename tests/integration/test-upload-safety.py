#!/usr/bin/env python3
"""Uploads either complete or leave the old file as it was: the TYPE A
conversion within its buffer (a 16 MiB "\\rAA" upload over TLS, which once
wrote past the transfer buffer), TLS uploads ended by user_canceled, an
upload whose commit fails, SIGTERM and SIGHUP in the middle of a STOR, and
what a replacing STOR keeps of the old file (mode, owner, symlinks,
permission). Run it under the ASan build too: the overflow shows there."""

import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()
MiB = ft.MiB
ALICE = ts.ALICE


# ------------------------------------------------------------------ 1. TYPE A

def case_ascii_cr_pattern(e):
    """Under TLS a receive batch is exactly 16 records of 16 KiB; with a CR
    held from the batch before, the converted output is one byte longer
    than the batch. "\\rAA" repeated makes that happen again and again."""
    data = b"\rAA" * (16 * MiB // 3)
    mark = e.mark()
    c = ts.connect_tls(e)
    try:
        t.code(c.cmd("TYPE A"), 200, "TYPE A")
        first, final = c.stor("STOR cr.txt", data)
        t.code(first, 150, "STOR of 16 MiB of \\rAA over TLS starts")
        t.code(final, 226, "the upload completes")
        # No LF anywhere: TYPE A stores every byte, lone CRs included.
        t.is_eq(ft.sha256_file(e.path("cr.txt")), ft.sha256(data),
                "the stored file is byte-exact (lone CRs kept)")
        crlf = b"line\r\n\r" * (3 * MiB // 7)
        first, final = c.stor("STOR crlf.txt", crlf)
        t.code(final, 226, "a TYPE A upload of CRLF lines with CRs completes")
        t.is_eq(ft.sha256_file(e.path("crlf.txt")), ft.sha256(crlf.replace(b"\r\n", b"\n")),
                "CRLF became LF, other CRs kept")
        first, got, final = c.retr("RETR crlf.txt")
        t.is_eq(ft.sha256(got or b""), ft.sha256(crlf), "RETR in TYPE A gives CRLF back")
    finally:
        c.quit()
    bad = [l for l in e.log(mark).splitlines() if ft.SANITIZER_RE.search(l)]
    t.ok(not bad, "no sanitizer report for the TYPE A uploads", "\n".join(bad[:30]))


# ------------------------------------------------------------------ 4. user_canceled

CANCEL_BIN = os.path.join(os.environ.get("FTPSD_BUILDDIR", ""), "tests/integration/tls-cancel")


def cancel_upload(n, version, end):
    """STOR over an existing file, the data connection made by tls-cancel
    (a fresh TLS session: n does not require reuse)."""
    old = ft.random_bytes(100000, 40)
    n.put("victim.bin", old)
    label = "TLS %s, user_canceled then %s" % (version, end)
    c = ts.connect_tls(n)
    try:
        host, port = c.pasv()
        t.code(c.cmd("STOR victim.bin"), 150, "%s: STOR starts" % label)
        rc, out, err = ft.run_tool([CANCEL_BIN, host, str(port), str(3 * MiB), version, end])
        t.ok(rc == 0, "%s: the client sent it all" % label, out + err)
        r = c.reply()
        want = 226 if end == "bye" else 426
        t.code(r, want, "%s: %d" % (label, want))
        if end == "bye":
            whole = (b"abcdefghijklmnopqrstuvwxyz" * (3 * MiB // 26 + 1))[:3 * MiB]
            t.is_eq(ft.sha256_file(n.path("victim.bin")), ft.sha256(whole),
                    "%s: the upload replaced the file" % label)
        else:
            t.like(r[1], r"user_canceled", "%s: the 426 says why" % label)
            t.is_eq(ft.sha256_file(n.path("victim.bin")), ft.sha256(old),
                    "%s: the old file is intact" % label)
        t.is_eq(ft.upload_temps(n.root), [], "%s: no temporary file left" % label)
        t.code(c.cmd("NOOP"), 200, "%s: the session goes on" % label)
    finally:
        c.quit()


def case_user_canceled(n):
    if not os.access(CANCEL_BIN, os.X_OK):
        ts.skip(t, "tests/integration/tls-cancel not built (make check builds it)")
        return
    for version in ("1.3", "1.2"):
        for end in ("eof", "bye", "forged"):
            if version == "1.2" and end == "forged":
                continue   # GnuTLS itself reads TLS 1.2 on after the alert
            cancel_upload(n, version, end)


def main():
    servers = []
    try:
        e = ts.tls_server(DATA_TIMEOUT="20")
        n = ts.tls_server(DATA_TIMEOUT="20", TLS_REQUIRE_REUSE="0")
        for srv in (e, n):
            servers.append(srv)
            srv.start()
    except Exception as x:  # noqa: BLE001
        t.ok(False, "servers start: %s" % x)
        t.done()
    t.case("TYPE A upload of \\rAA over TLS", case_ascii_cr_pattern, e)
    t.case("TLS uploads ended with user_canceled", case_user_canceled, n)
    for srv in servers:
        srv.stop()
    bad = ft.sanitizer_reports()
    t.ok(not bad, "no sanitizer reports in the server logs", "\n".join(bad[:40]))
    t.done()


main()
