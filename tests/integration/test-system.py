#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: running it for real.

Privileges as root (the dedicated account for virtual users, the system
accounts' chroot and identity, nothing left to regain), system-account
refusals, journal records through a stand-in journal socket in a private
mount namespace, the systemd units and make install.
"""

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import (ALICE, FTPSD_BIN, TAP, Server, free_port, install_watchdog,  # noqa: E402
                        password_hash, read_file, run_tool, wait_until)

t = TAP()
install_watchdog()
HERE = os.path.dirname(os.path.abspath(__file__))
IS_ROOT = os.geteuid() == 0
LOGIN_CAPS = (1 << 2) | (1 << 6) | (1 << 7) | (1 << 18)   # DAC_READ_SEARCH SETGID SETUID SYS_CHROOT


# ------------------------------------------------------------ helpers

def session_pid(srv, since, timeout=5.0):
    m = srv.wait_log(r"^ftpsd\[(\d+)\]: session start", timeout, since)
    return int(m.group(1)) if m else None


def login_pid(srv, since, timeout=5.0):
    """The process that serves the session after login (with system users
    the former monitor, not the pre-login process that logged the start)."""
    m = srv.wait_log(r"^ftpsd\[(\d+)\]: (?:\S+ \[[^]]*\] )?login of ", timeout, since)
    return int(m.group(1)) if m else None


def prelogin_pid(pid):
    """With system users the session's process (the one that logs) is the
    monitor; the pre-login process is its child."""
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        kids = f.read().split()
    return int(kids[0]) if kids else None


class Account:
    """A throwaway system account, removed again by close()."""

    def __init__(self, name, password, shell="/bin/bash", scheme="sha512", groups=()):
        self.name, self.password = name, password
        subprocess.run(["userdel", "-r", name], capture_output=True)
        for g in groups:
            subprocess.run(["groupadd", "-f", g], check=True, capture_output=True)
        args = ["useradd", "-m", "-s", shell]
        if groups:
            args += ["-G", ",".join(groups)]
        subprocess.run(args + [name], check=True, capture_output=True)
        h = password_hash(password, scheme)
        subprocess.run(["chpasswd", "-e"], input=("%s:%s\n" % (name, h)).encode(),
                       check=True, capture_output=True)
        pw = pwd.getpwnam(name)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, pw.pw_dir
        self.groups = groups

    def close(self):
        subprocess.run(["userdel", "-r", self.name], capture_output=True)
        for g in self.groups:
            subprocess.run(["groupdel", g], capture_output=True)


# ------------------------------------------------------------ virtual users

def test_virtual_user_runs_as_run_user():
    with Server() as srv:
        run_user = srv.env.get("FTPSD_RUN_USER") or "ftpsd"
        uid = pwd.getpwnam(run_user).pw_uid
        mark = srv.mark()
        with srv.login() as c:
            pid = session_pid(srv, mark)
            st = ft.proc_status(pid)
            t.is_eq(st["Uid"].split(), [str(uid)] * 4, "virtual user: real/effective/saved uid are FTPSD_RUN_USER's")
            t.is_eq((st["CapEff"], st["CapPrm"], st["CapInh"], st["CapBnd"]), ("0" * 16,) * 4,
                    "virtual user: no capability in any set, bounding set empty")
            t.is_eq(st.get("NoNewPrivs"), "1", "virtual user: no_new_privs is set")
            _, r = c.stor("STOR owned.bin", b"x" * 1000)
            t.code(r, 226, "virtual user uploads")
            t.is_eq(os.stat(srv.path("owned.bin")).st_uid, uid, "the upload belongs to FTPSD_RUN_USER")
            c.quit()


def test_unit_capabilities():
    """ftpsd under the capability bounding set of ftpsd@.service (setpriv
    stands in for systemd): virtual users drop to FTPSD_RUN_USER, and with
    system users the four login capabilities are there before login."""
    unit = read_file(os.path.join(os.path.dirname(os.path.dirname(HERE)), "units", "ftpsd@.service.in")).decode()
    m = re.search(r"^CapabilityBoundingSet=(.*)$", unit, re.M)
    caps = m.group(1).split() if m else []
    t.ok(caps, "the service template sets CapabilityBoundingSet=")
    bset = "-all," + ",".join("+" + c.lower().replace("cap_", "") for c in caps)
    wrapper = ["setpriv", "--bounding-set=" + bset, "--inh-caps=-all", "--"]
    with Server(wrapper=wrapper) as srv:
        mark = srv.mark()
        with srv.login() as c:
            pid = session_pid(srv, mark)
            uid = pwd.getpwnam(srv.env["FTPSD_RUN_USER"]).pw_uid
            t.is_eq(ft.proc_status(pid)["Uid"].split(), [str(uid)] * 4,
                    "under the unit's bounding set a virtual user runs as FTPSD_RUN_USER")
            t.code(c.cmd("NOOP"), 200, "and the session works")
            c.quit()
    with Server(env={"FTPSD_SYSTEM_USERS": "1"}, wrapper=wrapper) as srv:
        mark = srv.mark()
        with srv.connect() as c:
            pid = session_pid(srv, mark)
            t.is_eq(int(ft.proc_status(pid)["CapEff"], 16), LOGIN_CAPS,
                    "under the unit's bounding set the monitor has the login capabilities before login")
            t.is_eq(int(ft.proc_status(prelogin_pid(pid))["CapEff"], 16), 0,
                    "and the pre-login process none")
            r = c.login(ALICE.name, ALICE.password)
            t.code(r, 230, "and a virtual user logs in beside system users")
            c.quit()


def test_run_user_missing():
    with Server(env={"FTPSD_RUN_USER": "no-such-account-ftpsd"}) as srv:
        mark = srv.mark()
        with srv.connect(greeting=False) as c:
            r = c.reply()
            t.code(r, 421, "FTPSD_RUN_USER naming no account: 421")
        t.ok(srv.wait_log(r"FTPSD_RUN_USER=no-such-account-ftpsd: no such account \(create it: useradd", since=mark),
             "the log says which account is missing and how to create it")
        pid_line = srv.wait_log(r"^Child \d+ died with code 100", since=mark)
        t.ok(pid_line, "ftpsd exits 100 on that configuration error")


# ------------------------------------------------------------ system users

def test_system_users():
    bob = Account("ftpsdtbob", "bob-system-pw", scheme="yescrypt", groups=("ftpsdtgrp",))
    eve = Account("ftpsdteve", "eve-pw", shell="/usr/sbin/nologin")
    old = Account("ftpsdtold", "old-pw")
    lock = Account("ftpsdtlock", "lock-pw")
    gone = Account("ftpsdtgone", "gone-pw")
    try:
        shutil.rmtree(gone.home)
        subprocess.run(["chage", "-E", "2000-01-01", old.name], check=True)
        subprocess.run(["usermod", "-L", lock.name], check=True)
        with open(os.path.join(bob.home, "mine.txt"), "wb") as f:
            f.write(b"bob's file\n")
        os.chown(os.path.join(bob.home, "mine.txt"), bob.uid, bob.gid)
        env = {"FTPSD_SYSTEM_USERS": "1", "FTPSD_MAX_LOGIN_FAILURES": "10"}
        if "ASAN_OPTIONS" in os.environ:
            # LeakSanitizer's exit-time scan reads /proc, which a session
            # chrooted to a home directory no longer has.
            env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"] + ":detect_leaks=0"
        with Server(env=env) as srv:
            mark = srv.mark()
            with srv.connect() as c:
                pid = session_pid(srv, mark)
                run_uid = pwd.getpwnam(srv.env["FTPSD_RUN_USER"]).pw_uid
                st = ft.proc_status(prelogin_pid(pid))
                t.is_eq(st["Uid"].split(), [str(run_uid)] * 4,
                        "before login: the process reading the network is FTPSD_RUN_USER")
                t.is_eq(int(st["CapEff"], 16), 0, "before login: it has no capability")
                mon = ft.proc_status(pid)
                t.is_eq(mon["Uid"].split()[:2], ["0", "0"], "before login: the monitor is root (to chroot later)")
                t.is_eq(int(mon["CapEff"], 16), LOGIN_CAPS,
                        "before login: the monitor has only SETUID, SETGID, SYS_CHROOT, DAC_READ_SEARCH")
                t.is_eq(mon["CapBnd"], "0" * 16, "before login: the monitor's bounding set is empty")
                r = c.login(bob.name, bob.password)
                t.code(r, 230, "system account logs in (yescrypt in shadow)")
                pid = login_pid(srv, mark)
                st = ft.proc_status(pid)
                t.is_eq(st["Uid"].split(), [str(bob.uid)] * 4, "after login: the account's uid")
                t.is_eq(st["Gid"].split(), [str(bob.gid)] * 4, "after login: the account's gid")
                grp_gid = __import__("grp").getgrnam("ftpsdtgrp").gr_gid
                t.ok(str(grp_gid) in st["Groups"].split(), "after login: supplementary groups set",
                     "Groups: %s" % st["Groups"])
                t.is_eq((st["CapEff"], st["CapPrm"]), ("0" * 16,) * 2, "after login: no capability")
                t.is_eq(os.readlink("/proc/%d/root" % pid), bob.home, "after login: chrooted to the home")
                t.code(c.cmd("PWD"), 257, "PWD in the chroot")
                t.ok('"/"' in c.cmd("PWD")[1], "PWD shows / for the home")
                first, data, final = c.retr("RETR mine.txt")
                t.is_eq(data, b"bob's file\n", "RETR a file of the home")
                _, r = c.stor("STOR new.txt", b"new\n")
                t.code(r, 226, "STOR in the home")
                t.is_eq(os.stat(os.path.join(bob.home, "new.txt")).st_uid, bob.uid,
                        "the upload belongs to the account")
                first, data, final = c.retr("RETR ../../etc/passwd")
                t.ok(first[0] == 550, "../../etc/passwd is not reachable", repr(first))
                t.code(c.cmd("REIN"), 502, "REIN after a system login is refused (no way back to root)")
                c.quit()
            t.ok(srv.wait_log(r"^ftpsd\[\d+\]: ftpsdtbob \[127\.0\.0\.1\] QUIT 221", since=mark),
                 "logging goes on after the chroot")

            for acct, why in ((eve, "shell not listed in /etc/shells"), (old, "account expired"),
                              (lock, "account locked")):
                mark = srv.mark()
                with srv.connect() as c:
                    t.code(c.login(acct.name, acct.password), 530, "%s is refused" % why)
                    c.quit()
                t.ok(srv.wait_log(r"system account %s refused: %s" % (acct.name, why), since=mark),
                     "the log says why: %s" % why)
            mark = srv.mark()
            with srv.connect() as c:
                t.code(c.login(gone.name, gone.password), 530, "an account whose home is missing is refused")
                t.code(c.cmd("NOOP"), 200, "and the session goes on")
                c.quit()
            t.ok(srv.wait_log(r"home %s of system account %s: No such file" % (re.escape(gone.home), gone.name),
                              since=mark), "the log names the missing home")
            mark = srv.mark()
            with srv.connect() as c:
                t.code(c.login("root", "whatever"), 530, "root is refused")
                c.quit()
            t.ok(srv.wait_log(r"system account root refused: root may not log in", since=mark),
                 "the log says root may not log in")
            mark = srv.mark()
            with srv.connect() as c:
                t.code(c.login(bob.name, "wrong"), 530, "a wrong system password is refused")
                c.quit()
            # Virtual users still work with system users on, as FTPSD_RUN_USER.
            mark = srv.mark()
            with srv.login() as c:
                pid = login_pid(srv, mark)
                run_uid = pwd.getpwnam(srv.env.get("FTPSD_RUN_USER") or "ftpsd").pw_uid
                t.is_eq(ft.proc_status(pid)["Uid"].split(), [str(run_uid)] * 4,
                        "virtual user beside system users runs as FTPSD_RUN_USER")
                c.quit()
    finally:
        for a in (bob, eve, old, lock, gone):
            a.close()


def test_system_users_need_root():
    env = dict(os.environ, FTPSD_ROOT="/", FTPSD_SYSTEM_USERS="1")
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        FTPSD_BIN, "--check"], capture_output=True, text=True, env=env, timeout=30)
    t.is_eq(p.returncode, 1, "--check as non-root with FTPSD_SYSTEM_USERS=1 fails")
    t.ok("FTPSD_SYSTEM_USERS=1 needs ftpsd to start as root" in p.stderr, "and says why", p.stderr)


# ------------------------------------------------------------ journal

class JournalServer:
    """ftpsd under systemd-socket-activate in a private mount namespace
    whose /run/systemd/journal/socket is a test listener."""

    def __init__(self, env, root, users_file):
        self.dir = tempfile.mkdtemp(prefix="ftpsd-journal-")
        os.chmod(self.dir, 0o755)
        self.records = os.path.join(self.dir, "records.jsonl")
        self.port = free_port("127.0.0.1")
        full = {"FTPSD_ROOT": root, "FTPSD_USERS": users_file, "FTPSD_LOG": "journal"}
        full.update(env)
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                full[k] = os.environ[k]
        args = " ".join("-E '%s=%s'" % kv for kv in sorted(full.items()))
        script = ("set -e; mount -t tmpfs tmpfs /run; mkdir -p /run/systemd/journal; "
                  "python3 %s /run/systemd/journal/socket %s & "
                  "while [ ! -e %s.ready ]; do sleep 0.05; done; "
                  "exec systemd-socket-activate --inetd -a -l 127.0.0.1:%d %s %s"
                  % (os.path.join(HERE, "journal_listener.py"), self.records, self.records,
                     self.port, args, FTPSD_BIN))
        self.log_path = os.path.join(self.dir, "stderr")
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                                         stdout=subprocess.DEVNULL, stderr=logf, start_new_session=True)
        if not wait_until(lambda: "Listening on" in read_file(self.log_path).decode(), 10):
            raise RuntimeError("journal server did not start: %s" % read_file(self.log_path))

    def read(self):
        try:
            with open(self.records) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def wait(self, pred, timeout=5.0):
        return wait_until(lambda: [r for r in self.read() if pred(r)], timeout) or []

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=3)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
        stderr = read_file(self.log_path).decode("utf-8", "replace")
        # The sessions' stderr (where a sanitizer reports, whatever
        # FTPSD_LOG says) joins the logs the closing check reads.
        ft.register_log(stderr)
        shutil.rmtree(self.dir, ignore_errors=True)
        return stderr


def make_cert(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def tls_session(port):
    """A plain ftplib FTP_TLS session: AUTH TLS, login, QUIT."""
    import ftplib
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = ftplib.FTP_TLS(context=ctx, timeout=15)
    f.connect("127.0.0.1", port)
    f.auth()
    f.login(ALICE.name, ALICE.password)
    version = f.sock.version()
    f.quit()
    return version


def test_journal():
    from ftpsd_test import Ctl
    with Server() as srv:   # only for its root, users file and run user
        srv.put("j.txt", b"journal test data\n")
        env = {k: v for k, v in srv.env.items() if v is not None}
        cert, key = make_cert(srv.dir)
        # A plaintext login and transfer are recorded too.
        env.update({"FTPSD_TLS_CERT": cert, "FTPSD_TLS_KEY": key, "FTPSD_TLS_REQUIRE": "0",
                    "FTPSD_TLS_REQUIRE_DATA": "0"})
        js = JournalServer(env, srv.root, srv.users_file)
        try:
            with Ctl("127.0.0.1", js.port) as c:
                t.code(c.login("alice", "wrong"), 530, "journal: a failed login")
                r = c.login(ALICE.name, ALICE.password)
                t.code(r, 230, "journal: login")
                first, data, final = c.retr("RETR j.txt")
                t.code(final, 226, "journal: RETR")
                c.quit()
            cmds = js.wait(lambda r: r.get("FTP_COMMAND") == "QUIT")
            t.ok(cmds, "journal: a record for QUIT arrives")
            recs = js.read()
            t.ok(all(r.get("SYSLOG_IDENTIFIER") == "ftpsd" for r in recs), "every record has SYSLOG_IDENTIFIER=ftpsd")
            retr = [r for r in recs if r.get("FTP_COMMAND") == "RETR j.txt"]
            t.ok(retr and retr[0].get("FTP_REPLY") == "226" and retr[0].get("FTP_USER") == "alice"
                 and retr[0].get("FTP_REMOTE_ADDR") == "127.0.0.1"
                 and retr[0].get("MESSAGE") == "alice [127.0.0.1] RETR j.txt 226",
                 "command record: FTP_USER, FTP_REMOTE_ADDR, FTP_COMMAND, FTP_REPLY and mod_ftp's MESSAGE",
                 repr(retr))
            passes = [r for r in recs if r.get("FTP_COMMAND", "").startswith("PASS")]
            t.ok(passes and all(r["FTP_COMMAND"] == "PASS ****" for r in passes),
                 "PASS is masked in FTP_COMMAND")
            t.ok(not any(ALICE.password in json.dumps(r) for r in recs), "the password appears in no record")
            xfer = [r for r in recs if "FTP_BYTES" in r]
            ok = bool(xfer) and xfer[0].get("FTP_FILE") == "/j.txt" and xfer[0].get("FTP_BYTES") == "18" \
                and xfer[0].get("FTP_DIRECTION") == "download" and xfer[0].get("FTP_TLS") == "0" \
                and xfer[0].get("FTP_DURATION_USEC", "").isdigit()
            t.ok(ok, "transfer record: FTP_FILE, FTP_BYTES, FTP_DIRECTION, FTP_DURATION_USEC, FTP_TLS", repr(xfer))
            xl = r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ 127\.0\.0\.1 18 /j\.txt b _ o r alice ftp 0 \* c$"
            t.ok(xfer and re.match(xl, xfer[0].get("MESSAGE", "")), "transfer MESSAGE is an xferlog line",
                 repr(xfer and xfer[0].get("MESSAGE")))
            failed = [r for r in recs if "failed login" in r.get("MESSAGE", "")]
            t.ok(failed and failed[0].get("PRIORITY") == "4", "a failed login is a warning (priority 4)", repr(failed))
            t.ok([r for r in recs if r.get("MESSAGE", "").startswith("session start")]
                 and [r for r in recs if r.get("MESSAGE", "").startswith("session end")],
                 "session start and end are recorded")
            version = tls_session(js.port)
            want = {"TLSv1.3": "TLS1.3", "TLSv1.2": "TLS1.2"}.get(version)
            ends = js.wait(lambda r: r.get("MESSAGE", "").startswith("session end (TLS"))
            t.ok(ends and ends[0].get("FTP_TLS_VERSION") == want and ends[0].get("FTP_TLS_CIPHER"),
                 "TLS session end: FTP_TLS_VERSION and FTP_TLS_CIPHER", repr(ends))
            est = [r for r in js.read() if r.get("MESSAGE", "").startswith("TLS established")]
            t.ok(est and est[0].get("FTP_TLS_VERSION") == want, "TLS established record with its version",
                 repr(est))
        finally:
            err = js.stop()
        t.ok("ftpsd[" not in err, "with FTPSD_LOG=journal nothing goes to stderr", err[-300:])


def test_ktls_fallback():
    """GnuTLS told to use kernel TLS (its system configuration, as an admin
    would set it): where the kernel has the tls ULP the file goes out with
    sendfile() and the transfer record says FTP_TLS_KERNEL=1; where it has
    not (this kind of machine), ftpsd falls back to encrypting in GnuTLS and
    the download is still byte-exact."""
    import hashlib
    import ftplib
    import ssl
    sys.path.insert(0, HERE)
    from tls_support import ReusingFTP_TLS
    with open("/proc/sys/net/ipv4/tcp_available_ulp") as f:
        kernel_tls = "tls" in f.read().split()
    with Server() as srv:
        payload = os.urandom(3 * 1024 * 1024 + 17)
        srv.put("k.bin", payload)
        env = {k: v for k, v in srv.env.items() if v is not None}
        cert, key = make_cert(srv.dir)
        conf = os.path.join(srv.dir, "gnutls-ktls.conf")
        with open(conf, "w") as f:
            f.write("[global]\nktls = true\n")
        os.chmod(conf, 0o644)
        env.update({"FTPSD_TLS_CERT": cert, "FTPSD_TLS_KEY": key, "GNUTLS_SYSTEM_PRIORITY_FILE": conf})
        js = JournalServer(env, srv.root, srv.users_file)
        try:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            f = ReusingFTP_TLS(context=ctx, timeout=15)
            f.connect("127.0.0.1", js.port)
            f.auth()
            f.login(ALICE.name, ALICE.password)
            f.prot_p()
            got = bytearray()
            f.retrbinary("RETR k.bin", got.extend)
            f.quit()
            t.ok(hashlib.sha256(got).digest() == hashlib.sha256(payload).digest(),
                 "kTLS configured: the PROT P download is byte-exact", "%d of %d bytes" % (len(got), len(payload)))
            xfer = js.wait(lambda r: r.get("FTP_FILE") == "/k.bin")
            t.ok(xfer and xfer[0].get("FTP_TLS") == "1", "kTLS configured: the transfer is recorded as TLS",
                 repr(xfer))
            if kernel_tls:
                t.ok(xfer and xfer[0].get("FTP_TLS_KERNEL") == "1",
                     "the kernel has the tls ULP: the file went out with sendfile over kTLS", repr(xfer))
            else:
                t.ok(xfer and "FTP_TLS_KERNEL" not in xfer[0],
                     "no tls ULP in this kernel: GnuTLS encrypted, and the record does not claim kTLS",
                     repr(xfer))
        finally:
            err = js.stop()
        t.ok("ftpsd[" not in err and "ERROR" not in err, "kTLS configured: nothing on stderr", err[-300:])


# ------------------------------------------------------------ units

def test_units():
    builddir = os.environ.get("FTPSD_BUILDDIR")
    srcdir = os.path.dirname(os.path.dirname(HERE))
    if not builddir or not shutil.which("systemd-analyze"):
        t.ok(False, "units: FTPSD_BUILDDIR and systemd-analyze are needed")
        return
    tmp = tempfile.mkdtemp(prefix="ftpsd-units-")
    try:
        rc = subprocess.run(["make", "-C", builddir, "units/ftpsd@.service", "units/ftpsd-implicit@.service"],
                            capture_output=True, timeout=60).returncode
        t.is_eq(rc, 0, "units: the services are generated")
        for name in ("ftpsd.socket", "ftpsd-implicit.socket"):
            shutil.copy(os.path.join(srcdir, "units", name), tmp)
        for name in ("ftpsd@.service", "ftpsd-implicit@.service"):
            text = read_file(os.path.join(builddir, "units", name)).decode()
            text = re.sub(r"(ExecStart=.*?)(/\S*/ftpsd)$", lambda m: m.group(1) + FTPSD_BIN, text, flags=re.M)
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        implicit = read_file(os.path.join(tmp, "ftpsd-implicit@.service")).decode()
        t.ok("FTPSD_TLS_IMPLICIT=1" in implicit, "the implicit service sets FTPSD_TLS_IMPLICIT=1")
        units = [os.path.join(tmp, n) for n in sorted(os.listdir(tmp))]
        p = subprocess.run(["systemd-analyze", "verify", "--man=no"] + units,
                           capture_output=True, text=True, timeout=60)
        t.ok(p.returncode == 0 and not p.stderr.strip(), "systemd-analyze verify accepts every unit",
             p.stdout + p.stderr)
        p = subprocess.run(["systemd-analyze", "security", "--offline=true",
                            os.path.join(tmp, "ftpsd@.service")], capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout)
        t.ok(m and float(m.group(1)) <= 2.5, "systemd-analyze security: exposure at most 2.5",
             m and m.group(0) or p.stdout[-300:] + p.stderr[-300:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_install():
    builddir = os.environ.get("FTPSD_BUILDDIR")
    if not builddir:
        t.ok(False, "install: FTPSD_BUILDDIR is needed")
        return
    dest = tempfile.mkdtemp(prefix="ftpsd-destdir-")
    try:
        p = subprocess.run(["make", "-C", builddir, "install", "DESTDIR=" + dest,
                            "systemdsystemunitdir=/lib/systemd/system"],
                           capture_output=True, text=True, timeout=120)
        t.is_eq(p.returncode, 0, "make install DESTDIR=... succeeds", )
        found = set()
        for dirpath, _, files in os.walk(dest):
            for f in files:
                found.add(os.path.relpath(os.path.join(dirpath, f), dest))
        want = ["lib/systemd/system/ftpsd.socket", "lib/systemd/system/ftpsd@.service",
                "lib/systemd/system/ftpsd-implicit.socket", "lib/systemd/system/ftpsd-implicit@.service"]
        t.ok(all(w in found for w in want), "units installed in the systemd unit directory", repr(sorted(found)))
        t.ok(any(re.match(r".*sbin/ftpsd$", f) for f in found), "the binary goes to sbin")
        t.ok(any(re.match(r".*share/man/man8/ftpsd\.8$", f) for f in found), "ftpsd.8 goes to man8")
        t.ok(any(re.match(r".*share/man/man5/ftpsd\.env\.5$", f) for f in found), "ftpsd.env.5 goes to man5")
        t.ok(any(re.match(r".*share/man/man5/ftpsd-users\.5$", f) for f in found), "ftpsd-users.5 goes to man5")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


if not IS_ROOT:
    print("1..0 # SKIP these tests need root (privileges, accounts, namespaces)")
    sys.exit(0)

for name, fn in [("virtual user runs as FTPSD_RUN_USER", test_virtual_user_runs_as_run_user),
                 ("missing FTPSD_RUN_USER", test_run_user_missing),
                 ("unit capabilities", test_unit_capabilities),
                 ("system users", test_system_users),
                 ("system users need root", test_system_users_need_root),
                 ("journal", test_journal),
                 ("kTLS or its fallback", test_ktls_fallback),
                 ("units", test_units),
                 ("install", test_install)]:
    t.case(name, fn)
ft.check_sanitizer_reports(t)
t.done()
