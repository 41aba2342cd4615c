#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: the shipped units under a real systemd.

systemd-analyze verify and security cannot tell whether a hardening
setting breaks the program (RestrictSUIDSGID=yes made openat2() fail with
ENOSYS, and every file command with it); only running the units can. So:

A container is booted with systemd-nspawn on the host's own /usr
(--volatile=yes: a tmpfs root, /usr read-only, the host's network; up to
basic.target, so that none of the host's services starts in it). In it
go the binary and the units exactly as `make install DESTDIR=...` makes
them, with only the binary's path (/usr is read-only) and the ports
(loopback, free ones) changed; the account comes from the shipped sysusers
entry when there is one, else useradd. Both sockets are started, and from
outside, with Python's ftplib over TLS:
  - explicit and implicit FTPS: login, LIST, download and upload
    byte-exact; the sessions use openat2 (no fallback notice);
  - the journal (journalctl -o json in the container) holds the command,
    transfer, TLS and failed-login records with their FTP_* fields and
    priorities;
  - a burst of client-caused failures (silence on 990, an HTTP request, a
    TLS handshake of garbage, resets) leaves no failed ftpsd instance, and
    a configuration error does (status 100);
  - a system account is refused with the shipped ProtectHome=yes and logs
    in with the drop-in ftpsd(8) documents;
  - with a SystemCallFilter=~openat2 drop-in, sessions still work, through
    the path walk, and say so.
The container is powered off at the end, also on failure (and killed if it
does not stop in time). Every wait is bounded.

FTPSD_UNITS_TEST_DROPIN="Setting=value ..." adds a [Service] drop-in to both
services before anything starts (to show that the test catches a setting
that breaks the units, e.g. RestrictSUIDSGID=yes).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402
from ftpsd_test import ALICE, TAP, random_bytes, sha256  # noqa: E402

t = TAP()
SCRIPT_TIMEOUT = 300
HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.environ.get("FTPSD_BUILDDIR")
MACHINE = "ftpsdtest%d" % os.getpid()
BIN_IN_CONTAINER = "/opt/ftpsd-test/sbin/ftpsd"   # /usr is the host's, read-only
STAGE_IN_CONTAINER = "/ftpsd-stage"
SERVICES = ("ftpsd@.service", "ftpsd-implicit@.service")
LOGIN_TIMEOUT = 5
SYSUSER = ft.User("sysacct", "sys-account-pw")
BOOT_TIMEOUT = 60
CMD_TIMEOUT = 60


def skip_all(reason):
    print("1..0 # SKIP %s" % reason, flush=True)
    sys.exit(0)


def why_not():
    if os.geteuid() != 0:
        return "needs root (it boots a container)"
    for tool in ("systemd-nspawn", "nsenter", "make"):
        if not shutil.which(tool):
            return "%s is not installed (Debian: %s)" % (
                tool, {"systemd-nspawn": "systemd-container", "nsenter": "util-linux"}.get(tool, tool))
    if not os.path.exists("/usr/lib/systemd/systemd"):
        return "no /usr/lib/systemd/systemd to boot"
    if not BUILDDIR:
        return "FTPSD_BUILDDIR is not set (run it with make check)"
    return None


# ------------------------------------------------------------ the container

class Container:
    """systemd-nspawn -D / --volatile=yes -b, sharing the host's network."""

    def __init__(self, stage):
        self.stage = stage
        self.proc = None
        self.pid = None   # the container's init, as the host sees it
        self.log_path = os.path.join(stage, "..", "nspawn.log")

    def start(self):
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                ["systemd-nspawn", "--register=no", "--keep-unit", "-D", "/", "--volatile=yes",
                 "--console=passive", "--machine=" + MACHINE,
                 "--bind-ro=%s:%s" % (self.stage, STAGE_IN_CONTAINER),
                 # basic.target: journald and D-Bus, but none of the host's
                 # services (its presets would enable them all, and they
                 # would listen on the host's network).
                 "-b", "systemd.firstboot=off", "systemd.unit=basic.target"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        finally:
            log.close()
        self.pid = ft.wait_until(self._init_pid, 30, 0.1)
        if not self.pid:
            raise RuntimeError("the container's init did not appear: %s" % self.log()[-1500:])
        # Until its manager answers, systemctl fails at once: ask again.
        deadline = time.monotonic() + BOOT_TIMEOUT
        state = ""
        while time.monotonic() < deadline:
            p = self.run("systemctl is-system-running --wait",
                         timeout=max(1, deadline - time.monotonic()))
            state = p.stdout.strip()
            if state in ("running", "degraded"):
                return state
            if self.proc.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError("the container did not boot (%r): %s" % (state, self.log()[-1500:]))

    def _init_pid(self):
        if self.proc.poll() is not None:
            raise RuntimeError("systemd-nspawn exited %s: %s" % (self.proc.returncode, self.log()[-1500:]))
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open("/proc/%s/comm" % d) as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and comm == "systemd":
                return int(d)
        return None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def run(self, script, input=None, timeout=CMD_TIMEOUT, check=False):
        """A shell script inside the container: CompletedProcess (text)."""
        p = subprocess.run(["nsenter", "-t", str(self.pid), "-a", "--", "/bin/sh", "-c", script],
                           input=input, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError("in the container: %s: exit %d: %s" % (script.strip()[:80], p.returncode,
                                                                      (p.stdout + p.stderr)[-1500:]))
        return p

    def path(self, inside):
        """The host's view of a path in the container."""
        return "/proc/%d/root%s" % (self.pid, inside)

    def stop(self):
        """Power off (SIGRTMIN+4 to systemd), then kill; bounded."""
        if self.proc is None:
            return
        if self.proc.poll() is None and self.pid:
            try:
                os.kill(self.pid, signal.SIGRTMIN + 4)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            for pid in (self.pid, self.proc.pid):
                try:
                    if pid:
                        os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                t.diag("systemd-nspawn (pid %d) did not exit after SIGKILL" % self.proc.pid)
        self.proc = None


# ------------------------------------------------------------ installation

def stage_install(stage, ports):
    """make install DESTDIR=..., then the units with the binary's path and
    the ports substituted, the account entry, certificates and users file,
    all under stage (bound read-only into the container)."""
    dest = os.path.join(stage, "destdir")
    p = subprocess.run(["make", "-C", BUILDDIR, "install", "DESTDIR=" + dest],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("make install failed: %s" % (p.stdout + p.stderr)[-1500:])
    found = {}
    for dirpath, _, files in os.walk(dest):
        for name in files:
            found.setdefault(name, os.path.join(dirpath, name))
    binary = found.get("ftpsd")
    if not binary or "ftpsd.socket" not in found:
        raise RuntimeError("make install made no binary or no units: %r" % sorted(found))
    installed_bin = "/" + os.path.relpath(binary, dest)
    shutil.copy(binary, os.path.join(stage, "ftpsd"))
    os.makedirs(os.path.join(stage, "units"))
    for name, port in (("ftpsd.socket", ports[0]), ("ftpsd-implicit.socket", ports[1])):
        text = ft.read_file(found[name]).decode()
        text, n = re.subn(r"^ListenStream=.*$", "ListenStream=127.0.0.1:%d" % port, text, flags=re.M)
        if n != 1:
            raise RuntimeError("%s: no single ListenStream= line" % name)
        with open(os.path.join(stage, "units", name), "w") as f:
            f.write(text)
    for name in SERVICES:
        text = ft.read_file(found[name]).decode()
        if installed_bin not in text:
            raise RuntimeError("%s does not start %s" % (name, installed_bin))
        # The environment file where this build's sysconfdir puts it
        # becomes the system install's /etc/default/ftpsd.
        text, n = re.subn(r"^EnvironmentFile=-\S+$", "EnvironmentFile=-/etc/default/ftpsd", text,
                          flags=re.M)
        if n != 1:
            raise RuntimeError("%s: no single EnvironmentFile= line" % name)
        with open(os.path.join(stage, "units", name), "w") as f:
            f.write(text.replace(installed_bin, BIN_IN_CONTAINER))
    # The account: the sysusers entry make install ships (or the source
    # has), else useradd in the container; the tmpfiles entry likewise.
    for kind, src_name in (("sysusers", "ftpsd.sysusers"), ("tmpfiles", "ftpsd.tmpfiles")):
        shipped = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs
                   if d.endswith(kind + ".d") and f.startswith("ftpsd")]
        shipped.append(os.path.join(SRCDIR, "units", src_name))
        if os.path.exists(shipped[0]):
            shutil.copy(shipped[0], os.path.join(stage, kind + ".conf"))
    c = ts.certs()
    shutil.copy(c.server_ec, os.path.join(stage, "cert.pem"))
    shutil.copy(c.server_ec_key, os.path.join(stage, "key.pem"))
    with open(os.path.join(stage, "users"), "w") as f:
        f.write(ALICE.line() + "\n")
    # A sanitizer build: LeakSanitizer needs ptrace, which the services'
    # SystemCallFilter= refuses, and it would turn the exit status of every
    # session into its own. Only leak detection is turned off.
    if b"__asan_init" in ft.read_file(binary):
        with open(os.path.join(stage, "sanitizer-dropin.conf"), "w") as f:
            f.write("[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n")
    extra = os.environ.get("FTPSD_UNITS_TEST_DROPIN", "").split()
    if extra:
        with open(os.path.join(stage, "extra-dropin.conf"), "w") as f:
            f.write("[Service]\n" + "\n".join(extra) + "\n")
    for dirpath, dirnames, files in os.walk(stage):
        for n in dirnames:
            if not os.path.islink(os.path.join(dirpath, n)):
                os.chmod(os.path.join(dirpath, n), 0o755)
    os.chmod(stage, 0o755)
    return installed_bin


ENV_FILE = """FTPSD_USERS=/etc/ftpsd/users
FTPSD_TLS_CERT=/etc/ftpsd/cert.pem
FTPSD_TLS_KEY=/etc/ftpsd/key.pem
FTPSD_LOGIN_TIMEOUT=%d
""" % LOGIN_TIMEOUT

SETUP = r"""
set -e
S=%(stage)s
install -D -m 0755 $S/ftpsd %(bin)s
install -m 0644 $S/units/* /etc/systemd/system/
if [ -f $S/sysusers.conf ]; then
	systemd-sysusers $S/sysusers.conf
	echo "account: systemd-sysusers"
else
	# --user-group: the container has no /etc/login.defs to say so.
	useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ftpsd
	echo "account: useradd"
fi
if [ -f $S/tmpfiles.conf ]; then systemd-tmpfiles --create $S/tmpfiles.conf; fi
install -d -o ftpsd -g ftpsd -m 0755 /srv/ftp
install -d -m 0755 /etc/ftpsd
install -m 0644 $S/cert.pem /etc/ftpsd/cert.pem
install -m 0600 $S/key.pem /etc/ftpsd/key.pem
install -m 0600 $S/users /etc/ftpsd/users
for d in extra sanitizer; do
	[ -f $S/$d-dropin.conf ] || continue
	for s in %(services)s; do
		install -D -m 0644 $S/$d-dropin.conf /etc/systemd/system/$s.d/$d.conf
		echo "drop-in: $d"
	done
done
printf '/bin/sh\n/bin/bash\n/usr/bin/bash\n' >/etc/shells
systemctl daemon-reload
systemctl start ftpsd.socket ftpsd-implicit.socket
id -u ftpsd
"""


class Endpoint:
    def __init__(self, port):
        self.host, self.port = "127.0.0.1", port


# ------------------------------------------------------------ the checks

class Checks:
    def __init__(self, box, ports):
        self.box = box
        self.explicit = Endpoint(ports[0])
        self.implicit = Endpoint(ports[1])
        self.uid = None
        self.cursor_mark = None

    # -- helpers

    def write_env(self, extra=""):
        os.makedirs(self.box.path("/etc/default"), exist_ok=True)
        with open(self.box.path("/etc/default/ftpsd"), "w") as f:
            f.write(ENV_FILE + extra)

    def put(self, inside, data, uid):
        p = self.box.path(inside)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chown(p, uid, uid)

    def journal(self, since=None):
        """ftpsd's journal records in the container, as dicts. (Filtered
        here: journalctl 252 with a match and --after-cursor skips the
        first matching record when the cursor's own record does not match.)"""
        args = "journalctl -o json --no-pager"
        if since:
            args += " --after-cursor='%s'" % since
        p = self.box.run(args)
        out = []
        for line in p.stdout.splitlines():
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("SYSLOG_IDENTIFIER") == "ftpsd":
                out.append(r)
        return out

    def journal_cursor(self):
        p = self.box.run("journalctl -o json --no-pager -n 1")
        try:
            return json.loads(p.stdout.splitlines()[-1])["__CURSOR"]
        except (ValueError, IndexError, KeyError):
            return None

    def wait_journal(self, pred, since, timeout=15):
        return ft.wait_until(lambda: [r for r in self.journal(since) if pred(r)], timeout, 0.3)

    def ftpsd_units(self, states=None):
        p = self.box.run("systemctl list-units --all --plain --no-legend --no-pager 'ftpsd*@*'")
        rows = [l.split() for l in p.stdout.splitlines() if l.strip()]
        return [r for r in rows if states is None or (len(r) > 2 and r[2] in states)]

    def failed_ftpsd(self):
        p = self.box.run("systemctl --failed --plain --no-legend --no-pager")
        return [l for l in p.stdout.splitlines() if "ftpsd" in l]

    def wait_sessions_gone(self, timeout=30):
        return ft.wait_until(lambda: not self.ftpsd_units(("active", "activating", "deactivating")),
                             timeout, 0.3)

    # -- sessions

    def session(self, implicit, user=ALICE, tag=""):
        """Login, LIST, download, upload: checks byte for byte."""
        what = ("implicit" if implicit else "explicit") + tag
        data = random_bytes(300001, 11)
        f = (ts.ftp_implicit if implicit else ts.ftp_explicit)(
            self.implicit if implicit else self.explicit, user=user)
        try:
            t.like(f.sendcmd("PWD"), r'^257 "/"', "%s: logged in as %s over TLS" % (what, user.name))
            listing = []
            f.retrlines("LIST", listing.append)
            t.ok(any(l.endswith("hello.bin") for l in listing), "%s: LIST shows hello.bin" % what,
                 listing)
            got = ts.ftp_get(f, "/hello.bin")
            t.is_eq(sha256(got), sha256(self.hello), "%s: download byte-exact" % what)
            name = "up-%s.bin" % re.sub(r"\W", "", what)
            r = ts.ftp_put(f, name, data)
            t.like(r, r"^226", "%s: upload" % what)
            back = ts.ftp_get(f, name)
            t.is_eq(sha256(back), sha256(data), "%s: uploaded file read back byte-exact" % what)
            # Active mode: ftpsd connects out (RestrictAddressFamilies=).
            f.set_pasv(False)
            got = ts.ftp_get(f, "/hello.bin")
            t.is_eq(sha256(got), sha256(self.hello), "%s: active-mode download byte-exact" % what)
            f.set_pasv(True)
            # Directories and renames where the service may write
            # (ProtectSystem=strict, ReadWritePaths=).
            d = "dir-" + name
            try:
                f.mkd(d)
                ts.ftp_put(f, d + "/x.bin", b"x" * 100)
                f.rename(d + "/x.bin", d + "/y.bin")
                renamed = f.size(d + "/y.bin")
                f.delete(d + "/y.bin")
                f.rmd(d)
                t.ok(renamed == 100 and d not in f.nlst(), "%s: MKD, upload, RNFR/RNTO, DELE, RMD" % what)
            except Exception as e:  # noqa: BLE001
                t.ok(False, "%s: MKD, upload, RNFR/RNTO, DELE, RMD: %s" % (what, e))
            f.quit()
        finally:
            ts.close_quietly(f)
        return name, data

    # -- phases

    def setup(self, stage):
        p = self.box.run(SETUP % {"stage": STAGE_IN_CONTAINER, "bin": BIN_IN_CONTAINER,
                                  "services": " ".join(SERVICES)}, check=True)
        t.diag(p.stdout.strip().replace("\n", "; "))
        self.uid = int(p.stdout.split()[-1])
        self.write_env()
        self.hello = random_bytes(500000, 7)
        self.put("/srv/ftp/hello.bin", self.hello, self.uid)
        p = self.box.run("systemctl is-active ftpsd.socket ftpsd-implicit.socket")
        t.is_eq(p.stdout.split(), ["active", "active"], "both sockets are active")

    def shipped_units(self):
        mark = self.journal_cursor()
        names = []
        for implicit in (False, True):
            names.append(self.session(implicit))
        for name, data in names:
            p = self.box.path("/srv/ftp/" + name)
            t.ok(os.path.exists(p) and sha256(ft.read_file(p)) == sha256(data),
                 "%s is in /srv/ftp, byte-exact" % name)
            st = os.stat(p)
            t.is_eq((st.st_uid, oct(st.st_mode & 0o7777)), (self.uid, "0o644"),
                    "%s belongs to ftpsd, mode 0644 (umask 022, no special bits)" % name)
        # One failed login, for its record.
        f = ts.ftp_explicit(self.explicit, login=False)
        try:
            reply = "logged in"
            try:
                f.login(ALICE.name, "wrong password")
            except ftplib_error() as e:
                reply = str(e)
            t.like(reply, r"^530", "a wrong password is refused")
        finally:
            ts.close_quietly(f)
        self.check_journal(mark, names)

    def check_journal(self, mark, names):
        recs = self.wait_journal(lambda r: r.get("FTP_DIRECTION") == "upload" and
                                 r.get("FTP_FILE") == "/" + names[1][0], mark)
        recs = self.journal(mark)
        t.ok(recs, "journalctl -o json has ftpsd's records")
        fallback = [r for r in recs if "openat2() is unavailable" in r.get("MESSAGE", "")]
        t.is_eq([r.get("MESSAGE") for r in fallback], [],
                "the shipped units leave openat2 to ftpsd (no fallback notice)")
        cmd = [r for r in recs if r.get("FTP_COMMAND", "").startswith("RETR /hello.bin")]
        t.ok(cmd, "a command record for RETR /hello.bin")
        if cmd:
            r = cmd[0]
            t.is_eq((r.get("FTP_REPLY"), r.get("FTP_USER"), r.get("FTP_REMOTE_ADDR"), r.get("PRIORITY")),
                    ("226", "alice", "127.0.0.1", "6"),
                    "command record: FTP_REPLY, FTP_USER, FTP_REMOTE_ADDR, priority info")
            t.is_eq(r.get("MESSAGE"), "alice [127.0.0.1] RETR /hello.bin 226",
                    "command record: MESSAGE in mod_ftp's format")
        masked = [r for r in recs if r.get("FTP_COMMAND", "").startswith("PASS")]
        t.ok(masked and all(r["FTP_COMMAND"] == "PASS ****" for r in masked),
             "PASS is recorded masked")
        for direction, name, size in (("download", "/hello.bin", len(self.hello)),
                                      ("upload", "/" + names[0][0], len(names[0][1]))):
            xfer = [r for r in recs if r.get("FTP_DIRECTION") == direction and r.get("FTP_FILE") == name]
            t.ok(xfer, "a transfer record: %s of %s" % (direction, name))
            if not xfer:
                continue
            r = xfer[0]
            t.is_eq((r.get("FTP_BYTES"), r.get("FTP_COMPLETE"), r.get("FTP_TLS"), r.get("PRIORITY")),
                    (str(size), "1", "1", "6"),
                    "%s record: FTP_BYTES, FTP_COMPLETE, FTP_TLS, priority info" % direction)
            t.like(r.get("FTP_DURATION_USEC", ""), r"^\d+$", "%s record: FTP_DURATION_USEC" % direction)
            t.like(r.get("MESSAGE", ""),
                   r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ 127\.0\.0\.1 %d %s b _ %s r alice ftp 0 \* c$"
                   % (size, re.escape(name), "o" if direction == "download" else "i"),
                   "%s record: MESSAGE is an xferlog line" % direction)
        tls = [r for r in recs if r.get("MESSAGE", "").startswith("TLS established")]
        t.ok(tls and tls[0].get("FTP_TLS_VERSION", "").startswith("TLS1.") and tls[0].get("FTP_TLS_CIPHER"),
             "a TLS record with FTP_TLS_VERSION and FTP_TLS_CIPHER", tls[:1])
        failed = [r for r in recs if r.get("MESSAGE", "").startswith("failed login from 127.0.0.1")]
        t.ok(failed and failed[0].get("PRIORITY") == "4", "the failed login, at priority warning",
             failed[:1])

    def client_failures(self):
        """Clients that fail in every way; no instance may be left failed."""
        socks = []
        silent = socket.create_connection(("127.0.0.1", self.implicit.port), 10)
        socks.append(silent)
        http = socket.create_connection(("127.0.0.1", self.explicit.port), 10)
        http.recv(4096)
        http.sendall(b"GET / HTTP/1.1\r\nHost: ftp.example\r\n\r\n")
        socks.append(http)
        garbage = socket.create_connection(("127.0.0.1", self.implicit.port), 10)
        garbage.sendall(b"\x16\x03\x01\x00\x20" + b"\xff" * 32)
        socks.append(garbage)
        for port in (self.explicit.port, self.implicit.port):
            r = socket.create_connection(("127.0.0.1", port), 10)
            if port == self.explicit.port:
                r.recv(4096)
            else:
                r.sendall(b"\x16\x03\x01")
            r.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            r.close()   # RST
        # A TLS client that gives up in the middle of its session.
        f = ts.ftp_implicit(self.implicit)
        f.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        f.file.close()   # it holds the socket open too
        f.sock.close()
        # The server must end each of them: the silent one after the login timeout.
        for s, what in ((silent, "silence on 990"), (http, "an HTTP request"), (garbage, "TLS garbage")):
            s.settimeout(LOGIN_TIMEOUT + 20)
            try:
                while s.recv(4096):
                    pass
                closed = True
            except ConnectionResetError:
                closed = True
            except socket.timeout:
                closed = False
            t.ok(closed, "the server ends the session: %s" % what)
            s.close()
        if not t.ok(self.wait_sessions_gone(), "every session instance has ended", self.ftpsd_units()):
            for row in self.ftpsd_units(("active", "activating", "deactivating")):
                p = self.box.run("systemctl status --no-pager -n 20 '%s'; "
                                 "for p in $(systemctl show -p MainPID --value '%s'); do "
                                 "cat /proc/$p/wchan; echo; ls -l /proc/$p/fd; done" % (row[0], row[0]))
                t.diag(p.stdout + p.stderr)
        t.is_eq(self.failed_ftpsd(), [], "after client-caused failures systemctl --failed lists no ftpsd instance")

    def config_error(self):
        self.write_env("FTPSD_UMASK=999\n")
        mark = self.journal_cursor()
        try:
            with socket.create_connection(("127.0.0.1", self.explicit.port), 10) as s:
                s.settimeout(15)
                t.like(s.recv(4096).decode("ascii", "replace"), r"^421 ", "a configuration error: 421")
            failed = ft.wait_until(self.failed_ftpsd, 15, 0.3)
            t.ok(failed, "a configuration error marks the instance failed", self.ftpsd_units())
            statuses = []
            for line in failed or []:
                p = self.box.run("systemctl show -p ExecMainStatus --value '%s'" % line.split()[0])
                statuses.append(p.stdout.strip())
            t.ok("100" in statuses, "its exit status is 100", statuses)
            recs = self.wait_journal(lambda r: r.get("MESSAGE", "").startswith("configuration: FTPSD_UMASK"),
                                     mark)
            t.ok(recs and recs[0].get("PRIORITY") == "3",
                 "the journal has the configuration error at priority err",
                 recs[:1] or [(r.get("PRIORITY"), r.get("MESSAGE")) for r in self.journal(mark)][-10:])
        finally:
            self.write_env()
            self.box.run("systemctl reset-failed")

    def system_account(self):
        hashed = ft.password_hash(SYSUSER.password)
        self.box.run("useradd -m -U -s /bin/bash %s && usermod -p '%s' %s"
                     % (SYSUSER.name, hashed, SYSUSER.name), check=True)
        p = self.box.run("id -u %s" % SYSUSER.name, check=True)
        uid = int(p.stdout)
        self.write_env("FTPSD_SYSTEM_USERS=1\n")
        try:
            # As shipped, /home is hidden (ProtectHome=yes): refused.
            f = ts.ftp_explicit(self.explicit, login=False)
            try:
                try:
                    f.login(SYSUSER.name, SYSUSER.password)
                    t.ok(False, "shipped units: a system account cannot enter its home")
                except (ftplib_error(), EOFError, OSError) as e:
                    t.like(str(e), r"^(421|530)",
                           "shipped units (ProtectHome=yes): a system account is refused")
            finally:
                ts.close_quietly(f)
            self.box.run("systemctl reset-failed")
            # The drop-in of ftpsd(8), for both services.
            dropin = "[Service]\nProtectHome=no\nReadWritePaths=-/home\n"
            for s in SERVICES:
                d = self.box.path("/etc/systemd/system/%s.d" % s)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "system-accounts.conf"), "w") as f:
                    f.write(dropin)
            self.box.run("systemctl daemon-reload", check=True)
            with open(self.box.path("/home/%s/hello.bin" % SYSUSER.name), "wb") as f:
                f.write(self.hello)
            os.chown(self.box.path("/home/%s/hello.bin" % SYSUSER.name), uid, uid)
            for implicit in (False, True):
                name, data = self.session(implicit, user=SYSUSER, tag=" (system account)")
                p = self.box.path("/home/%s/%s" % (SYSUSER.name, name))
                t.ok(os.path.exists(p) and os.stat(p).st_uid == uid and sha256(ft.read_file(p)) == sha256(data),
                     "system account: the upload is in its home, its own, byte-exact")
        finally:
            self.write_env()
            self.box.run("systemctl reset-failed")

    def without_openat2(self):
        for s in SERVICES:
            d = self.box.path("/etc/systemd/system/%s.d" % s)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "no-openat2.conf"), "w") as f:
                f.write("[Service]\nSystemCallFilter=~openat2\n")
        self.box.run("systemctl daemon-reload", check=True)
        mark = self.journal_cursor()
        try:
            for implicit in (False, True):
                self.session(implicit, tag=" (SystemCallFilter=~openat2)")
            notes = self.wait_journal(lambda r: "openat2() is unavailable" in r.get("MESSAGE", ""), mark)
            t.ok(notes and notes[0].get("PRIORITY") == "5" and
                 "Operation not permitted" in notes[0]["MESSAGE"],
                 "SystemCallFilter=~openat2: the session says it walks paths itself (notice, EPERM)",
                 notes[:1])
        finally:
            for s in SERVICES:
                try:
                    os.unlink(self.box.path("/etc/systemd/system/%s.d/no-openat2.conf" % s))
                except OSError:
                    pass
            self.box.run("systemctl daemon-reload")


def ftplib_error():
    import ftplib
    return ftplib.Error


def main():
    reason = why_not()
    if reason:
        skip_all(reason)
    work = tempfile.mkdtemp(prefix="ftpsd-units-")
    stage = os.path.join(work, "stage")
    os.makedirs(stage)
    box = Container(stage)

    # The container must not outlive the script: on the watchdog's alarm
    # and on SIGTERM it is stopped too.
    def give_up(signum, frame):
        print("Bail out! %s" % ("script exceeded %d s" % SCRIPT_TIMEOUT
                                if signum == signal.SIGALRM else "terminated"), flush=True)
        box.stop()
        shutil.rmtree(work, ignore_errors=True)
        ts.certs().cleanup()   # os._exit() runs no atexit handler
        os._exit(2)

    signal.signal(signal.SIGALRM, give_up)
    signal.signal(signal.SIGTERM, give_up)
    signal.alarm(SCRIPT_TIMEOUT)
    try:
        ports = (ft.free_port("127.0.0.1"), ft.free_port("127.0.0.1"))
        installed = stage_install(stage, ports)
        t.diag("installed binary path %s, run from %s; ports %d and %d"
               % (installed, BIN_IN_CONTAINER, ports[0], ports[1]))
        t0 = time.monotonic()
        state = box.start()
        t.ok(state in ("running", "degraded"),
             "the container booted (%s) in %.1f s" % (state, time.monotonic() - t0))
        checks = Checks(box, ports)
        checks.setup(stage)
        for name, fn in (("shipped units", checks.shipped_units),
                         ("client failures", checks.client_failures),
                         ("configuration error", checks.config_error),
                         ("system account", checks.system_account),
                         ("without openat2", checks.without_openat2)):
            t.case(name, fn)
        t.is_eq(checks.failed_ftpsd(), [], "at the end no ftpsd instance is failed")
        p = box.run("journalctl --no-pager -o cat")
        reports = [l for l in p.stdout.splitlines() if ft.SANITIZER_RE.search(l)]
        t.is_eq(reports[:20], [], "no sanitizer reports in the container's journal")
    except Exception as e:  # noqa: BLE001
        t.ok(False, "container test: %s: %s" % (type(e).__name__, e))
        t.diag(box.log()[-3000:])
    finally:
        box.stop()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    main()
