#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: privilege separation (FTPSD_SYSTEM_USERS=1).

For every transport (plaintext, explicit TLS, implicit TLS) and every kind
of login (virtual user without system accounts, system account, anonymous
beside system accounts): the process that reads the client's bytes before
login is FTPSD_RUN_USER with no capability in any set, an empty bounding
set and no_new_privs, and (with system accounts) jailed in a removed
directory with no descriptor of a directory; after login the session runs
as the account with no capability, and a download (PROT P under TLS,
resuming the control session) works. Then the monitor's strictness: the
failed-login limit holds. Then the attack harness: ftpsd built with
--enable-privsep-attack-tests in a scratch directory (skipped with the
reason when that cannot be built), whose pre-login process tries to read
/etc/shadow, write a root-owned file, setuid(0), ptrace the monitor and
send the monitor a forged verdict: each fails and the session ends without
a login; the normal binary answers the magic command as any unknown one.
Root only.
"""

import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402
from ftpsd_test import ALICE, TAP, install_watchdog  # noqa: E402

t = TAP()
install_watchdog()
NO_CAPS = "0" * 16


def directory_fds(pid):
    """The descriptors of pid that are directories (a way out of a jail)."""
    found = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.path.isdir("/proc/%d/fd/%s" % (pid, fd)):
                found.append("%s -> %s" % (fd, os.readlink("/proc/%d/fd/%s" % (pid, fd))))
        except OSError:
            pass
    return found


class Account:
    """A throwaway system account with a file in its home."""

    def __init__(self, name, password):
        self.name, self.password = name, password
        subprocess.run(["userdel", "-r", name], capture_output=True)
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True, capture_output=True)
        subprocess.run(["chpasswd", "-e"], input=("%s:%s\n" % (name, ft.password_hash(password))).encode(),
                       check=True, capture_output=True)
        pw = pwd.getpwnam(name)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, pw.pw_dir
        with open(os.path.join(self.home, "file.bin"), "wb") as f:
            f.write(PAYLOAD)
        os.chown(os.path.join(self.home, "file.bin"), self.uid, self.gid)

    def close(self):
        subprocess.run(["userdel", "-r", self.name], capture_output=True)


PAYLOAD = ft.random_bytes(300000, 17)


def check_unprivileged(pid, run, what, jailed):
    st = ft.proc_status(pid)
    t.is_eq(st["Uid"].split(), [str(run.pw_uid)] * 4, "%s: uid is FTPSD_RUN_USER's (real, effective, saved, fs)" % what)
    t.is_eq(st["Gid"].split(), [str(run.pw_gid)] * 4, "%s: gid is FTPSD_RUN_USER's" % what)
    t.ok(set(st["Groups"].split()) <= {str(run.pw_gid)}, "%s: no group but FTPSD_RUN_USER's own" % what,
         "Groups: %s" % st["Groups"])
    t.is_eq((st["CapInh"], st["CapPrm"], st["CapEff"], st["CapBnd"], st.get("CapAmb", NO_CAPS)),
            (NO_CAPS,) * 5, "%s: no capability in any set, bounding set empty" % what)
    t.is_eq(st.get("NoNewPrivs"), "1", "%s: no_new_privs" % what)
    if jailed:
        root = os.readlink("/proc/%d/root" % pid)
        t.like(root, r"^/tmp/ftpsd-prelogin-\w+ \(deleted\)$", "%s: chrooted to a removed directory" % what)
        t.is_eq(directory_fds(pid), [], "%s: holds no descriptor of a directory" % what)


def connect(srv, transport):
    if transport == "plain":
        return ft.Ctl(srv.host, srv.port)
    c = ts.TLSCtl(srv.host, srv.port, implicit=transport == "implicit")
    return c


def one_case(srv, transport, kind, acct, run):
    label = "%s, %s" % (transport, kind)
    mark = srv.mark()
    c = connect(srv, transport)
    try:
        t.code(c.greeting, 220, "%s: greeting" % label)
        m = srv.wait_log(r"^ftpsd\[(\d+)\]: session start", 5, mark)
        pid = int(m.group(1))
        separated = kind != "virtual"
        reader = pid
        if separated:
            kids = ft.child_pids(pid)
            t.is_eq(len(kids), 1, "%s: a separate pre-login process reads the network" % label)
            reader = kids[0] if kids else pid
        if separated:
            mon = ft.proc_status(pid)
            t.is_eq(mon["Uid"].split()[:2], ["0", "0"], "%s: the monitor is root" % label)
            t.ok(int(mon["CapEff"], 16) != 0, "%s: the monitor keeps the login capabilities" % label)
        check_unprivileged(reader, run, "%s: before login, the process reading the network" % label, separated)
        if transport == "explicit":
            t.code(c.auth(), 234, "%s: AUTH TLS" % label)
            check_unprivileged(reader, run, "%s: after the handshake, that process" % label, separated)
        if kind == "system":
            user, password, uid = acct.name, acct.password, acct.uid
        elif kind == "anonymous":
            user, password, uid = "anonymous", "guest@example.org", run.pw_uid
        else:
            user, password, uid = ALICE.name, ALICE.password, run.pw_uid
        t.code(c.login(user, password), 230, "%s: login" % label)
        m = srv.wait_log(r"^ftpsd\[(\d+)\]: .*login of %s from 127\.0\.0\.1" % re.escape(user), 5, mark)
        t.ok(m and int(m.group(1)) == pid, "%s: the login is logged under the session's pid" % label)
        st = ft.proc_status(pid)
        t.is_eq(st["Uid"].split(), [str(uid)] * 4, "%s: after login the session runs as the account" % label)
        t.is_eq((st["CapPrm"], st["CapEff"]), (NO_CAPS,) * 2, "%s: after login no capability" % label)
        if kind == "system":
            t.is_eq(os.readlink("/proc/%d/root" % pid), acct.home, "%s: chrooted to the home" % label)
        relays = ft.child_pids(pid)
        if separated and transport != "plain":
            t.is_eq(len(relays), 1, "%s: the pre-login process stays as the TLS relay" % label)
            if relays:
                check_unprivileged(relays[0], run, "%s: the relay" % label, True)
        elif separated:
            t.is_eq(relays, [], "%s: over plaintext the pre-login process is gone" % label)
        if transport != "plain":
            t.code(c.protect(), 200, "%s: PROT P" % label)
        first, data, final = c.retr("RETR file.bin")
        t.ok(data == PAYLOAD and final and final[0] == 226, "%s: a download, byte-exact" % label,
             "first %r final %r" % (first, final))
        if transport != "plain":
            t.ok(c.data_resumed and all(c.data_resumed), "%s: the data connection resumed the control session" % label)
        t.code(c.cmd("QUIT"), 221, "%s: QUIT" % label)
    finally:
        c.close()
    t.is_eq(srv.child_exit(pid, 10, mark), 0, "%s: the session exits 0" % label)
    log = srv.log(mark)
    t.ok(re.search(r"^ftpsd\[%d\]: %s \[127\.0\.0\.1\] QUIT 221" % (pid, re.escape(user)), log, re.M),
         "%s: the command record carries the user and address" % label)


def test_modes():
    run = pwd.getpwnam(ft.run_user().pw_name)
    acct = Account("ftpsdtps", "privsep-pw")
    try:
        for transport in ("plain", "explicit", "implicit"):
            extra = {"TLS_REQUIRE": "0", "TLS_REQUIRE_DATA": "0"}
            if transport == "implicit":
                extra = {"TLS_IMPLICIT": "1"}
            plain_env = ts.tls_env(**extra)
            plain_env["FTPSD_SYSTEM_USERS"] = None   # even under FTPSD_TEST_SYSTEM_USERS=1
            with ft.Server(env=plain_env, users=ts.TLS_USERS) as srv:
                ft.write_file(srv.path("file.bin"), PAYLOAD)
                one_case(srv, transport, "virtual", acct, run)
            sys_env = ts.tls_env(SYSTEM_USERS="1", ANONYMOUS="1", **extra)
            with ft.Server(env=sys_env, users=ts.TLS_USERS) as srv:
                ft.write_file(srv.path("file.bin"), PAYLOAD)
                one_case(srv, transport, "system", acct, run)
                one_case(srv, transport, "anonymous", acct, run)
    finally:
        acct.close()


def test_failure_limit():
    """The monitor counts the failures: the second of two ends the session,
    and each is logged with the address and the user."""
    with ft.Server(env={"FTPSD_SYSTEM_USERS": "1", "FTPSD_MAX_LOGIN_FAILURES": "2"}) as srv:
        mark = srv.mark()
        with ft.Ctl(srv.host, srv.port) as c:
            t.code(c.login(ALICE.name, "wrong"), 530, "a wrong password: 530")
            r = c.login(ALICE.name, "wrong again")
            t.code(r, 530, "the second: 530")
            t.ok("too many failures" in r[1], "and the session closes", repr(r))
            t.ok(c.wait_closed(10), "the connection is closed")
        t.ok(srv.wait_log(r"failed login from 127\.0\.0\.1 for user alice \(2 of 2\)", 5, mark),
             "the monitor logs the failures with address and user")


SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_attack_variant():
    """ftpsd built with --enable-privsep-attack-tests in a scratch
    directory: (path, None), or (None, why not)."""
    if not os.path.exists(os.path.join(SRCDIR, "configure")):
        return None, "no configure script in %s (run autoreconf -fi)" % SRCDIR
    # One build directory per source tree: a directory configured for
    # another tree would build that tree.
    import hashlib
    build = os.environ.get("FTPSD_ATTACK_BUILD") or \
        "/tmp/ftpsd-attack-build-" + hashlib.sha256(SRCDIR.encode()).hexdigest()[:12]
    os.makedirs(build, exist_ok=True)
    # One build at a time: scripts of parallel runs share the directory.
    import fcntl
    with open(os.path.join(build, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(build, "Makefile")):
            p = subprocess.run([os.path.join(SRCDIR, "configure"), "-q", "--enable-privsep-attack-tests"],
                               cwd=build, capture_output=True, timeout=600)
            if p.returncode != 0:
                return None, "configure failed: %s" % p.stderr.decode(errors="replace")[-500:]
        p = subprocess.run(["make", "-j2", "src/ftpsd"], cwd=build, capture_output=True, timeout=1200)
        if p.returncode != 0:
            return None, "make failed: %s" % p.stderr.decode(errors="replace")[-500:]
    return os.path.join(build, "src", "ftpsd"), None


ATTACKS = ("SHADOW", "WRITE", "SETUID", "PTRACE")


def test_normal_binary_has_no_attacks():
    with ft.Server(env={"FTPSD_SYSTEM_USERS": "1"}) as srv:
        with ft.Ctl(srv.host, srv.port) as c:
            for name in ATTACKS + ("FORGE",):
                r = c.cmd("XATK " + name)
                t.ok(r[0] in (500, 502), "normal build: XATK %s is an unknown command (%d)" % (name, r[0]),
                     repr(r))
            t.code(c.cmd("NOOP"), 200, "normal build: and the session goes on")
            c.cmd("QUIT")


def test_attacks():
    binary, why = build_attack_variant()
    if not binary:
        t.skip("attack harness", why)
        return
    saved = ft.FTPSD_BIN
    ft.FTPSD_BIN = binary
    proof = ("/etc/ftpsd-attack-proof", "/ftpsd-attack-proof")
    try:
        with ft.Server(env={"FTPSD_SYSTEM_USERS": "1"}) as srv:
            for name in ATTACKS:
                mark = srv.mark()
                with ft.Ctl(srv.host, srv.port) as c:
                    r = c.cmd("XATK " + name)
                    t.code(r, 599, "attack %s from the pre-login process fails" % name)
                    t.ok("refused" in r[1], "attack %s: %s" % (name, r[1]))
                    t.ok(c.wait_closed(10), "attack %s: the session ends" % name)
                log = srv.log(mark)
                t.ok("attack test: " + name in log and "login of" not in log,
                     "attack %s: logged, and no login" % name)
            for path in proof:
                t.ok(not os.path.exists(path), "no file was written at %s" % path)
            mark = srv.mark()
            with ft.Ctl(srv.host, srv.port) as c:
                c.send(b"XATK FORGE\r\n")
                t.ok(c.wait_closed(15), "a forged verdict sent to the monitor ends the session")
                t.ok(not c.rbuf.startswith(b"2"), "with no positive reply", repr(c.rbuf))
            t.ok(srv.wait_log(r"pre-login process: a malformed request: session ends", 5, mark),
                 "the monitor logs the forged message and ends the session")
            t.ok("login of" not in srv.log(mark), "and nobody logged in")
    finally:
        ft.FTPSD_BIN = saved
        for path in proof:
            if os.path.exists(path):
                os.unlink(path)


def main():
    if os.geteuid() != 0:
        t.skip("privilege separation", "needs root (FTPSD_SYSTEM_USERS=1 and the account switch)")
        return t.done()
    t.case("each transport and login kind", test_modes)
    t.case("failed-login limit", test_failure_limit)
    t.case("normal build: no attack command", test_normal_binary_has_no_attacks)
    t.case("attack harness", test_attacks)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
