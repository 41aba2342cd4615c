#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: hardening against what the internet sends.

Cross-protocol requests (ALPACA) end the session at once, in clear text,
after AUTH TLS and in implicit mode; the fail2ban filter in units/ matches
the real failed-login lines and bans the right host; the process limits
(descriptors, core dumps, FTPSD_MAX_FILE_SIZE) are in place and an upload
over the size limit is refused without damage.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402
from ftpsd_test import ALICE, MiB, TAP, Server, install_watchdog, random_bytes, upload_temps  # noqa: E402

t = TAP()
install_watchdog()
HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))


def session_pid(srv, since):
    m = srv.wait_log(r"^ftpsd\[(\d+)\]: session start", 5, since)
    return int(m.group(1)) if m else None


def closed_without_reply(c, name):
    """The server hangs up and says nothing more."""
    closed = c.wait_closed(5)
    t.ok(closed and not c.rbuf, "%s: connection closed without a reply" % name, repr(c.rbuf[:200]))


# ------------------------------------------------------------ ALPACA

FOREIGN = [
    ("an HTTP GET", b"GET / HTTP/1.1\r\nHost: ftp.example\r\n\r\n", "HTTP"),
    ("an HTTP POST", b"POST /login HTTP/1.0\r\nContent-Length: 0\r\n\r\n", "HTTP"),
    ("an SMTP EHLO", b"EHLO mail.example\r\n", "SMTP"),
    ("an SMTP MAIL FROM", b"MAIL FROM:<a@example>\r\n", "SMTP"),
]


def test_cross_protocol_plain():
    with Server() as srv:
        for name, data, proto in FOREIGN:
            mark = srv.mark()
            with srv.connect() as c:
                c.send(data)
                closed_without_reply(c, "plain, " + name)
            pid = session_pid(srv, mark)
            t.ok(srv.wait_log(r"^ftpsd\[%d\]: %s request from 127\.0\.0\.1 on the FTP port: closing" % (pid, proto),
                              since=mark), "plain, %s: logged as %s" % (name, proto))
            t.is_eq(srv.child_exit(pid, since=mark), 1, "plain, %s: the session exits 1" % name)
        with srv.connect() as c:
            t.code(c.cmd("FEAT"), 211, "an FTP first command is unaffected")
            t.code(c.login(ALICE.name, ALICE.password), 230, "login")
            t.code(c.cmd("GET / HTTP/1.1"), 500, "an HTTP line later in a session is only an unknown command")
            c.quit()


def test_cross_protocol_tls():
    with ts.tls_server() as srv:
        mark = srv.mark()
        c = ts.TLSCtl(srv.host, srv.port)
        try:
            t.code(c.auth(), 234, "AUTH TLS before an HTTP request")
            c.send(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
            closed_without_reply(c, "after AUTH TLS, an HTTP GET")
        finally:
            c.close()
        t.ok(srv.wait_log(r"HTTP request from 127\.0\.0\.1 on the FTP port: closing", since=mark),
             "after AUTH TLS: logged")
    with ts.tls_server(TLS_IMPLICIT="1") as srv:
        mark = srv.mark()
        c = ts.TLSCtl(srv.host, srv.port, implicit=True)
        try:
            t.code(c.greeting, 220, "implicit: greeting over TLS")
            c.send(b"EHLO attacker.example\r\n")
            closed_without_reply(c, "implicit, an SMTP EHLO")
        finally:
            c.close()
        t.ok(srv.wait_log(r"SMTP request from 127\.0\.0\.1 on the FTP port: closing", since=mark),
             "implicit: logged")


# ------------------------------------------------------------ fail2ban

def test_fail2ban_filter():
    if not shutil.which("fail2ban-regex"):
        t.ok(False, "fail2ban-regex is installed (package fail2ban)")
        return
    tricky = "x from 10.9.9.9 for user y (1 of 3)"
    with Server(env={"FTPSD_MAX_LOGIN_FAILURES": "5"}) as srv:
        mark = srv.mark()
        with srv.connect() as c:
            t.code(c.login("alice", "wrong"), 530, "a failed login")
            t.code(c.login(tricky, "wrong"), 530, "a failed login with a name that names another host")
            c.quit()
        lines = re.findall(r"^ftpsd\[\d+\]: failed login .*$", srv.log(mark), re.M)
    t.ok(len(lines) == 2, "two failed-login lines in the log", "\n".join(lines))
    work = tempfile.mkdtemp(prefix="ftpsd-f2b-")
    try:
        shutil.copy("/etc/fail2ban/filter.d/common.conf", work)
        shutil.copy(os.path.join(SRCDIR, "units", "ftpsd.fail2ban"), os.path.join(work, "ftpsd.conf"))
        log = os.path.join(work, "syslog")
        with open(log, "w") as f:
            for line in lines:   # as syslog files have them
                f.write("Nov 26 02:39:00 ftphost %s\n" % line)
            f.write("Nov 26 02:39:01 ftphost ftpsd[1]: alice [127.0.0.1] PASS **** 230\n")
        p = subprocess.run(["fail2ban-regex", "-o", "ip", log, os.path.join(work, "ftpsd.conf")],
                           capture_output=True, text=True, timeout=60)
        ips = p.stdout.split()
        t.ok(ips == ["127.0.0.1", "127.0.0.1"],
             "fail2ban's filter finds the client's address in every failed login", p.stdout + p.stderr)
        t.ok("10.9.9.9" not in p.stdout, "a user name cannot frame another host")
        # The journal has the MESSAGE alone, without the syslog prefix.
        with open(log, "w") as f:
            for line in lines:
                f.write(re.sub(r"^ftpsd\[\d+\]: ", "", line) + "\n")
        p = subprocess.run(["fail2ban-regex", "-o", "ip", "-d", "{NONE}", log, os.path.join(work, "ftpsd.conf")],
                           capture_output=True, text=True, timeout=60)
        t.ok(p.stdout.split() == ["127.0.0.1", "127.0.0.1"], "and the bare journal MESSAGE too",
             p.stdout + p.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------ limits

def upload_refused_midway(c, command, data):
    """An upload the server cuts short: it closes the data connection
    while we still send, so our side may see a reset. The final reply."""
    pend = c.data("pasv")
    first = c.cmd(command)
    if not 100 <= first[0] < 200:
        pend.close()
        return first
    d = pend.get()
    try:
        d.sendall(data)
        d.shutdown(ft.socket.SHUT_WR)
    except OSError:
        pass
    finally:
        d.close()
    return c.reply()


def test_limits():
    with Server(env={"FTPSD_MAX_FILE_SIZE": "1M"}) as srv:
        srv.put("keep.bin", b"old contents\n")
        mark = srv.mark()
        with srv.login() as c:
            pid = session_pid(srv, mark)
            with open("/proc/%d/limits" % pid) as f:
                limits = f.read()
            t.like(limits, r"Max open files\s+64\s+64", "RLIMIT_NOFILE is 64")
            t.like(limits, r"Max core file size\s+0\s+0", "core dumps are off")
            t.like(limits, r"Max file size\s+1048576\s+1048576", "FTPSD_MAX_FILE_SIZE=1M sets RLIMIT_FSIZE")
            final = upload_refused_midway(c, "STOR keep.bin", random_bytes(2 * MiB, 3))
            t.code(final, 552, "an upload over FTPSD_MAX_FILE_SIZE: 552")
            t.is_eq(ft.read_file(srv.path("keep.bin")), b"old contents\n", "and the old file is intact")
            t.is_eq(upload_temps(srv.root), [], "and no temporary is left")
            data = random_bytes(512 * 1024, 4)
            first, final = c.stor("STOR keep.bin", data)
            t.code(final, 226, "an upload under the limit: 226")
            t.ok(ft.read_file(srv.path("keep.bin")) == data, "and it is complete")
            c.quit()
        t.is_eq(srv.child_exit(pid, since=mark), 0, "the session was not killed by SIGXFSZ")
    with Server(env={"FTPSD_MAX_FILE_SIZE": "12X"}) as srv:
        with srv.connect(greeting=False) as c:
            t.code(c.reply(), 421, "FTPSD_MAX_FILE_SIZE=12X is a configuration error")


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return
    for name, fn in (("cross-protocol, plain", test_cross_protocol_plain),
                     ("cross-protocol, TLS", test_cross_protocol_tls),
                     ("fail2ban", test_fail2ban_filter),
                     ("limits", test_limits)):
        t.case(name, fn)
    ft.check_sanitizer_reports(t)
    t.done()


if __name__ == "__main__":
    main()
