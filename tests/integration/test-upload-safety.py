#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
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


# ------------------------------------------------------------------ 5. commit errors

FAIL_SYNC_C = r"""
#include <errno.h>
/* Fault injection for ftpsd's upload commit: every fsync() fails with EIO,
 * as it does on a disk or NFS server that lost the data. */
int fsync(int fd) { (void)fd; errno = EIO; return -1; }
"""


def build_fail_sync():
    if not ft.have_tool("cc"):
        return None
    d = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ftpsd-fail-sync-%d" % os.getpid())
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    src, lib = os.path.join(d, "fail-sync.c"), os.path.join(d, "fail-sync.so")
    with open(src, "w") as f:
        f.write(FAIL_SYNC_C)
    rc, out, err = ft.run_tool(["cc", "-shared", "-fPIC", "-o", lib, src])
    if rc != 0:
        t.diag("building the fsync fault injector failed: " + err)
        return None
    os.chmod(lib, 0o755)
    return lib


def case_commit_fails(lib):
    old = ft.random_bytes(50000, 50)
    env = {"ASAN_OPTIONS": "verify_asan_link_order=0:" + os.environ.get("ASAN_OPTIONS", "")}
    with ft.Server(env=env, wrapper=["env", "LD_PRELOAD=" + lib]) as srv:
        srv.put("keep.bin", old)
        c = srv.login()
        try:
            first, final = c.stor("STOR keep.bin", ft.random_bytes(300000, 51))
            t.code(first, 150, "fsync fails: STOR starts")
            t.code(final, 451, "fsync fails: 451, not 226")
            t.is_eq(ft.sha256_file(srv.path("keep.bin")), ft.sha256(old),
                    "fsync fails: the old file is intact")
            t.is_eq(ft.upload_temps(srv.root), [], "fsync fails: no temporary left")
            first, final = c.stor("STOR new.bin", b"x" * 1000)
            t.code(final, 451, "fsync fails on a new file: 451")
            t.ok(not os.path.exists(srv.path("new.bin")), "fsync fails: no new file appears")
            first, final = c.stor("APPE keep.bin", b"y" * 1000)
            t.code(final, 451, "fsync fails after APPE: 451 (the data may not be on disk)")
            t.code(c.cmd("NOOP"), 200, "the session goes on")
        finally:
            c.quit()


def case_commit_errors():
    lib = build_fail_sync()
    if lib is None:
        ts.skip(t, "no C compiler to build the fsync fault injector")
        return
    try:
        case_commit_fails(lib)
    finally:
        try:
            os.unlink(lib)
        except OSError:
            pass


# ------------------------------------------------------------------ 6. signals

def stor_interrupted(srv, sig, anonymous=True):
    name = signal.Signals(sig).name + ("" if anonymous else " (hidden-name fallback)")
    old = ft.random_bytes(70000, 60)
    srv.put("big.bin", old)
    mark = srv.mark()
    c = srv.login()
    try:
        pids = srv.session_pids(mark)
        t.ok(len(pids) == 1, "%s: one session" % name, repr(pids))
        pend = c.data("pasv")
        t.code(c.cmd("STOR big.bin"), 150, "%s: STOR starts" % name)
        d = pend.get()
        d.sendall(ft.random_bytes(100000, 61))
        # The server has the bytes once they stop waiting in our buffer.
        time.sleep(0.3)
        if anonymous:
            t.is_eq(ft.upload_temps(srv.root), [],
                    "%s: mid-upload, no temporary file has a name (O_TMPFILE)" % name)
        else:
            t.is_eq(len(ft.upload_temps(srv.root)), 1,
                    "%s: mid-upload, the hidden temporary is there" % name)
        os.kill(pids[0], sig)
        r = c.reply()
        t.code(r, 421, "%s: the client hears 421" % name)
        t.ok(c.wait_closed(10), "%s: the session ends" % name)
        d.close()
        t.ok(srv.wait_log(r"%s received during a transfer: aborted" %
                          {signal.SIGTERM: "Terminated", signal.SIGHUP: "Hangup"}[sig], 5, mark),
             "%s: the log says why" % name)
        t.is_eq(srv.child_exit(pids[0], 10, mark), 0, "%s: the session exits with 0" % name)
        t.is_eq(ft.upload_temps(srv.root), [], "%s: no temporary file left" % name)
        t.is_eq(ft.sha256_file(srv.path("big.bin")), ft.sha256(old),
                "%s: the old file is intact" % name)
    finally:
        c.close()


def case_signals(srv):
    stor_interrupted(srv, signal.SIGTERM)
    stor_interrupted(srv, signal.SIGHUP)
    mark = srv.mark()
    c = srv.login()
    try:
        host, port = c.pasv()
        t.code(c.cmd("STOR waiting.bin"), 150, "STOR, its data connection never made")
        start = time.monotonic()
        os.kill(srv.session_pids(mark)[0], signal.SIGTERM)
        r = c.reply()
        if r[0] == 425:   # the wait for the data connection was cut
            r = c.reply()
        t.code(r, 421, "SIGTERM while waiting for the data connection: 421")
        t.ok(c.wait_closed(10) and time.monotonic() - start < 10,
             "the session ends at once, not at the 20 s data timeout")
        t.ok(not os.path.exists(srv.path("waiting.bin")) and not ft.upload_temps(srv.root),
             "and leaves no file")
    finally:
        c.close()
    mark = srv.mark()
    c = srv.login()
    try:
        os.kill(srv.session_pids(mark)[0], signal.SIGTERM)
        t.code(c.reply(), 421, "SIGTERM while idle: 421")
        t.ok(srv.wait_log(r"Terminated received: session ends", 5, mark), "and the log says so")
    finally:
        c.close()


def case_no_tmpfile():
    """Without /proc (a system user's chroot has none) an O_TMPFILE file
    could not be named later: uploads use a hidden name from the start.
    Here /proc is hidden under a tmpfs in a private mount namespace."""
    if not ft.have_tool("unshare") or os.geteuid() != 0:
        ts.skip(t, "needs root and unshare(1) to hide /proc")
        return
    with open(ft.FTPSD_BIN, "rb") as f:
        if b"__asan_init" in f.read():
            ts.skip(t, "a sanitizer build cannot run without /proc (its runtime reads it)")
            return
    wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
               'mount -t tmpfs tmpfs /proc && exec "$0" "$@"']
    with ft.Server(env={"FTPSD_DATA_TIMEOUT": "20"}, wrapper=wrapper) as srv:
        data = ft.random_bytes(200000, 70)
        c = srv.login()
        try:
            first, final = c.stor("STOR plain.bin", data)
            t.code(final, 226, "no /proc: STOR completes")
            t.is_eq(ft.sha256_file(srv.path("plain.bin")), ft.sha256(data),
                    "no /proc: byte-exact")
            t.is_eq(ft.upload_temps(srv.root), [], "no /proc: no temporary left")
        finally:
            c.quit()
        stor_interrupted(srv, signal.SIGTERM, anonymous=False)


# ------------------------------------------------------------------ 7. metadata

def metadata_group(srv, c):
    """The run user joins a group of its own; a file of that group keeps
    it, and a file of root's keeps its group (the owner cannot be given)."""
    import grp
    group = "ftpsdg%d" % os.getpid()
    if subprocess.run(["groupadd", group], capture_output=True, timeout=30).returncode != 0:
        ts.skip(t, "groupadd failed")
        return
    try:
        subprocess.run(["gpasswd", "-a", ft.RUN_USER, group], capture_output=True, timeout=30,
                       check=True)
        gid = grp.getgrnam(group).gr_gid
        run_uid = ft.run_user().pw_uid
        c2 = srv.login()   # a new session: the new group is among its groups
        try:
            srv.put("shared.txt", b"old")
            os.chown(srv.path("shared.txt"), run_uid, gid)
            os.chmod(srv.path("shared.txt"), 0o660)
            first, final = c2.stor("STOR shared.txt", b"new")
            st = os.stat(srv.path("shared.txt"))
            t.code(final, 226, "STOR over a file of a group the user belongs to")
            t.ok((st.st_uid, st.st_gid, st.st_mode & 0o7777) == (run_uid, gid, 0o660),
                 "it keeps its group and mode 0660", repr((st.st_uid, st.st_gid, oct(st.st_mode))))
            srv.put("roots.txt", b"old")
            os.chown(srv.path("roots.txt"), 0, gid)
            os.chmod(srv.path("roots.txt"), 0o664)
            first, final = c2.stor("STOR roots.txt", b"new")
            st = os.stat(srv.path("roots.txt"))
            t.code(final, 226, "STOR over a group-writable file of root's")
            t.ok((st.st_uid, st.st_gid, st.st_mode & 0o7777) == (run_uid, gid, 0o664),
                 "it keeps group and mode; the owner becomes the session's user (only root "
                 "may give a file away)", repr((st.st_uid, st.st_gid, oct(st.st_mode))))
        finally:
            c2.quit()
    finally:
        subprocess.run(["groupdel", group], capture_output=True, timeout=30)


def case_metadata(srv):
    c = srv.login()
    try:
        srv.put("private.txt", b"old secret")
        os.chmod(srv.path("private.txt"), 0o600)
        first, final = c.stor("STOR private.txt", b"new secret")
        t.code(final, 226, "STOR over a 0600 file")
        t.is_eq(oct(os.stat(srv.path("private.txt")).st_mode & 0o7777), oct(0o600),
                "the replaced file keeps mode 0600")
        t.is_eq(ft.read_file(srv.path("private.txt")), b"new secret", "with the new content")

        srv.put("script.sh", b"#!/bin/sh\n")
        os.chmod(srv.path("script.sh"), 0o750)
        first, final = c.stor("STOR script.sh", b"#!/bin/sh\necho hi\n")
        t.is_eq(oct(os.stat(srv.path("script.sh")).st_mode & 0o7777), oct(0o750),
                "the replaced file keeps mode 0750")
        # A set-user-ID, set-group-ID or sticky bit is never passed on to
        # uploaded content.
        srv.put("setid.sh", b"#!/bin/sh\n")
        os.chmod(srv.path("setid.sh"), 0o7755)
        first, final = c.stor("STOR setid.sh", b"#!/bin/sh\nid\n")
        t.code(final, 226, "STOR over a mode 7755 file")
        t.is_eq(oct(os.stat(srv.path("setid.sh")).st_mode & 0o7777), oct(0o755),
                "the replaced file keeps 0755 but no set-ID or sticky bit")
        st = os.stat(srv.path("script.sh"))
        want = os.stat(srv.root)
        t.ok((st.st_uid, st.st_gid) == (want.st_uid, want.st_gid),
             "owner and group stay the session user's", repr((st.st_uid, st.st_gid)))

        if ft.run_user() is not None:
            metadata_group(srv, c)
        else:
            ts.skip(t, "not root: no group to give the run user")

        srv.put("readonly.txt", b"do not touch")
        os.chmod(srv.path("readonly.txt"), 0o444)
        if ft.run_user() is None:
            ts.skip(t, "not root: a read-only file is writable for root")
        else:
            first, final = c.stor("STOR readonly.txt", b"overwritten")
            t.code(first, 550, "STOR over a read-only file in a writable directory: 550")
            t.is_eq(ft.read_file(srv.path("readonly.txt")), b"do not touch",
                    "the read-only file is untouched")
            t.is_eq(ft.upload_temps(srv.root), [], "no temporary left")
    finally:
        c.quit()


def main():
    servers = []
    try:
        e = ts.tls_server(DATA_TIMEOUT="20")
        n = ts.tls_server(DATA_TIMEOUT="20", TLS_REQUIRE_REUSE="0")
        p = ft.Server(env={"FTPSD_DATA_TIMEOUT": "20"})
        for srv in (e, n, p):
            servers.append(srv)
            srv.start()
    except Exception as x:  # noqa: BLE001
        t.ok(False, "servers start: %s" % x)
        t.done()
    t.case("TYPE A upload of \\rAA over TLS", case_ascii_cr_pattern, e)
    t.case("TLS uploads ended with user_canceled", case_user_canceled, n)
    t.case("upload commit errors", case_commit_errors)
    t.case("SIGTERM and SIGHUP", case_signals, p)
    t.case("uploads where O_TMPFILE cannot be used", case_no_tmpfile)
    t.case("what a replacing STOR keeps", case_metadata, p)
    for srv in servers:
        srv.stop()
    bad = ft.sanitizer_reports()
    t.ok(not bad, "no sanitizer reports in the server logs", "\n".join(bad[:40]))
    t.done()


main()
