#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmark of ftpsd against vsftpd and Pure-FTPd, with the client's ceiling.

Run it with `make bench` (or `make bench BENCH_ARGS=--smoke`) from the build
directory, as root; bench/README says what it measures and how each server
is set up. In short: every server is started the same way, one process per
connection under systemd-socket-activate --inetd, behind bench/cpuwrap,
which records the CPU time and peak RSS of every process of each session.
All serve the same chrooted home on tmpfs to the same system account with a
yescrypt hash, with the same ECDSA P-256 certificate. Runs alternate between
the servers (the order rotates each round), and the result is a table of
medians [min-max] with the ratios of ftpsd to each peer, and a JSON file
with every sample.

Python standard library only. Every process started here is stopped again,
every wait is bounded, and everything listens on 127.0.0.1 only.
"""

import os
import sys

# The TLS clients (Python's ssl and curl) read their settings from this file;
# it must be in the environment before OpenSSL initialises in this process.
HERE = os.path.dirname(os.path.abspath(__file__))
os.environ["OPENSSL_CONF"] = os.path.join(HERE, "openssl-client.cnf")

import argparse  # noqa: E402
import datetime  # noqa: E402
import glob  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import pwd  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
HOST = "127.0.0.1"

# What every TLS client negotiates (see openssl-client.cnf), and how curl
# and the bare endpoint report it.
TLS_VERSION = "TLSv1.3"
TLS_SUITE = "TLS_AES_128_GCM_SHA256"
TLS_GROUP = "P-256"
BARE_EXPECTED = "TLS1.3/AES-128-GCM/SECP256R1"
CURL_TLS = ["--tlsv1.3", "--tls13-ciphers", TLS_SUITE, "--curves", TLS_GROUP]

# ftpsd's default priority string (ftpsd(8), "Cipher suites"); the bare
# endpoint uses the same.
FTPSD_PRIORITY = ("SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
                  "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
                  "-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+ECDHE-PSK:"
                  "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
                  "%SERVER_PRECEDENCE")

PEERS = ("ftpsd", "vsftpd", "pure-ftpd")
IDLE_PURE = "pure-ftpd-idle"   # Pure-FTPd's listener for the idle test
CEILING_PLAIN = "ceiling-plain"  # the ceiling's listener for the plain transfers
# This VM's kernel hands freed guest memory back to the host after
# min_free_ms (0 here); the bench holds it for the run (bench/README,
# "free page reporting") and puts the old value back at the end.
PAGE_REPORTING_HOLD = "/sys/module/page_reporting/parameters/min_free_ms"
PAGE_REPORTING_HOLD_MS = 60000
CEILING = "ceiling"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 3.0
RECORD_TIMEOUT = 20.0


class Failure(Exception):
    """A metric could not be measured for a server."""


class SetupError(Exception):
    """The bench cannot run at all."""


def log(msg=""):
    print(msg, flush=True)


def run(args, timeout=120, check=True, **kw):
    """subprocess.run with captured text output and a bound."""
    if "input" not in kw:
        kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise SetupError("%s exited with %d: %s" % (" ".join(args), p.returncode,
                                                   (p.stderr or p.stdout).strip()[-800:]))
    return p


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def listening_ports():
    """TCP ports in LISTEN state on this machine (IPv4 and IPv6)."""
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A":
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MiB), b""):
            h.update(block)
    return h.hexdigest()


def median_min_max(values):
    return statistics.median(values), min(values), max(values)


# ---------------------------------------------------------------- metrics

# id: (test, title, unit, better). A test is one kind of run; it yields the
# metrics that name it. The ceiling takes part in the tests listed below.
METRICS = [
    ("retr_plain_mbps", "retr-plain", "RETR 1 GiB plain, data phase", "MB/s", "higher"),
    ("retr_plain_cpu", "retr-plain", "RETR 1 GiB plain, server CPU", "s/GiB", "lower"),
    ("retr_tls_mbps", "retr-tls", "RETR 1 GiB PROT P, data phase", "MB/s", "higher"),
    ("retr_tls_cpu", "retr-tls", "RETR 1 GiB PROT P, server CPU", "s/GiB", "lower"),
    ("stor_plain_mbps", "stor-plain", "STOR 1 GiB plain, data phase", "MB/s", "higher"),
    ("stor_plain_cpu", "stor-plain", "STOR 1 GiB plain, server CPU", "s/GiB", "lower"),
    ("stor_tls_mbps", "stor-tls", "STOR 1 GiB PROT P, data phase", "MB/s", "higher"),
    ("stor_tls_cpu", "stor-tls", "STOR 1 GiB PROT P, server CPU", "s/GiB", "lower"),
    ("login_plain_cpu", "login-plain", "login session plain, server CPU", "ms", "lower"),
    ("login_tls_cpu", "login-tls", "login session AUTH TLS, server CPU", "ms", "lower"),
    ("tls_sessions_per_s", "rate", "AUTH TLS logins per second, 1 client", "1/s", "higher"),
    ("rss_steady", "rss", "TLS session idle after LIST, RSS sum", "MiB", "lower"),
    ("priv_idle", "rss", "TLS session idle after LIST, private dirty sum", "MiB", "lower"),
    ("pss_idle", "rss", "TLS session idle after LIST, PSS sum", "MiB", "lower"),
    ("priv_xfer", "rss", "TLS session during RETR 64 MiB, private dirty sum", "MiB", "lower"),
    ("priv_after", "rss", "TLS session idle after RETR 64 MiB, private dirty sum", "MiB",
     "lower"),
    ("rss_peak", "rss", "TLS session, peak RSS (ru_maxrss)", "MiB", "lower"),
    ("idle_pss_total", "idle", "500 idle TLS sessions, PSS sum", "MiB", "lower"),
    ("idle_pss_each", "idle", "500 idle TLS sessions, PSS per session", "MiB", "lower"),
    ("idle_failures", "idle", "500 idle TLS sessions, failed sessions", "count", "lower"),
    ("list_time", "list", "LIST of 20,000 files (PROT P), time", "ms", "lower"),
    ("list_peak", "list", "LIST of 20,000 files, peak RSS", "MiB", "lower"),
    ("conc_mbps", "concurrent", "32 sessions x 64 MiB PROT P, aggregate", "MB/s", "higher"),
    ("conc_cpu", "concurrent", "32 sessions x 64 MiB PROT P, server CPU", "s/GiB", "lower"),
    ("conc_failures", "concurrent", "32 sessions x 64 MiB PROT P, failures", "count", "lower"),
    ("load_failures", "load", "load 200 x 20 x 1 MiB PROT P, failed transfers", "count",
     "lower"),
    ("load_mbps", "load", "load 200 x 20 x 1 MiB PROT P, aggregate", "MB/s", "higher"),
    ("load_login_p50", "load", "load 200 x 20 x 1 MiB PROT P, login p50", "ms", "lower"),
    ("load_login_p99", "load", "load 200 x 20 x 1 MiB PROT P, login p99", "ms", "lower"),
    ("load_rss_total", "load", "load 200 x 20 x 1 MiB PROT P, server RSS peak", "MiB",
     "lower"),
    ("load_cpu", "load", "load 200 x 20 x 1 MiB PROT P, server CPU", "s/GiB", "lower"),
]
METRIC = {m[0]: m for m in METRICS}
TESTS = ["login-plain", "login-tls", "rate", "rss", "idle", "list", "retr-plain", "retr-tls",
         "stor-plain", "stor-tls", "concurrent", "load"]
CEILING_TESTS = {"login-plain", "login-tls", "rss", "retr-plain", "retr-tls", "stor-plain",
                 "stor-tls", "concurrent"}
# Tests that run in the first round only: the idle test logs hundreds of
# sessions in, minutes per server on two cores.
ONCE_TESTS = {"idle"}
# The load test runs with --load (alone, full size), in the smoke run (a
# tiny row), or when named with --only; not in the default full run.
LOAD_TEST = "load"


class Params:
    """Sizes and counts: the full run or the smoke run."""

    def __init__(self, smoke, load=False):
        self.smoke = smoke
        # 16 MiB, not less: vsftpd 3.0.3 loses TLS 1.3 uploads of a few MiB
        # about half the time (bench/README), and the smoke run must not.
        self.big = 16 * MiB if smoke else 1 * GiB
        self.list_files = 200 if smoke else 20000
        self.conc_sessions = 4 if smoke else 32
        self.conc_size = 1 * MiB if smoke else 64 * MiB
        # Idle TLS sessions held open together, and how many log in at a
        # time (yescrypt takes 16 MiB for each login in progress).
        self.idle_sessions = 20 if smoke else 500
        self.idle_openers = 4
        self.login_sessions = 3 if smoke else 10
        self.rate_seconds = 1.0 if smoke else 5.0
        self.curl_max = 60 if smoke else 300
        self.rounds = 1 if smoke else 3
        self.time_limit = 900 if smoke else 2400
        # --load: concurrent TLS sessions, each logging in and moving
        # load_transfers files of load_size, downloads and uploads in turn.
        self.load_sessions = 6 if smoke else 200
        self.load_transfers = 4 if smoke else 20
        self.load_size = 64 * KiB if smoke else 1 * MiB
        self.load_timeout = 60.0 if smoke else 300.0   # one client wait
        self.load_deadline = 300.0 if smoke else 900.0  # all the sessions
        if load:
            self.rounds = 1

    def titles(self):
        """Metric titles with this run's sizes."""
        def size(n):
            return "%d GiB" % (n // GiB) if n >= GiB else "%d MiB" % (n // MiB)
        out = {}
        for mid, _test, title, _unit, _better in METRICS:
            t = title.replace("1 GiB", size(self.big))
            t = t.replace("20,000", "{:,}".format(self.list_files))
            t = t.replace("32 sessions x 64 MiB", "%d sessions x %s" % (self.conc_sessions,
                                                                       size(self.conc_size)))
            t = t.replace("500 idle", "%d idle" % self.idle_sessions)
            t = t.replace("RETR 64 MiB", "RETR %s" % size(self.conc_size))
            t = t.replace("200 x 20 x 1 MiB", "%d x %d x %s" % (
                self.load_sessions, self.load_transfers,
                size(self.load_size) if self.load_size >= MiB else "%d KiB" % (
                    self.load_size // KiB)))
            out[mid] = t
        return out


# ---------------------------------------------------------------- servers

class Server:
    """One systemd-socket-activate --inetd listener: cpuwrap, then the server."""

    def __init__(self, name, argv, env, rundir, cpuwrap):
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.cpuwrap = cpuwrap
        self.port = None
        self.proc = None
        self.log_path = os.path.join(rundir, name + ".log")
        self.rec_path = os.path.join(rundir, name + ".cpu")
        self.seen = 0              # records already taken
        self.exit_codes = {}       # exit status -> count, over every session

    def command(self, port):
        args = ["systemd-socket-activate", "--inetd", "-a", "-l", "%s:%d" % (HOST, port)]
        for k, v in sorted(self.env.items()):
            args += ["-E", "%s=%s" % (k, v)]
        return args + [self.cpuwrap, self.rec_path] + self.argv

    def start(self):
        open(self.rec_path, "a").close()
        last = ""
        for _attempt in range(5):
            port = free_port()
            mark = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            with open(self.log_path, "ab") as logf:
                self.proc = subprocess.Popen(self.command(port), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=logf,
                                             start_new_session=True)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                text = self.log_text(mark)
                if "Listening on" in text:
                    self.port = port
                    return
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
            last = self.log_text(mark)
            self.stop()
        raise SetupError("%s: systemd-socket-activate did not start: %s" % (self.name, last[-500:]))

    def stop(self):
        if self.proc is None:
            return
        # Sessions normally share the listener's process group; any that
        # left it is ended by its pid.
        strays = self.session_pids(with_wrappers=True)
        p, self.proc = self.proc, None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=STOP_TIMEOUT)
                break
            except subprocess.TimeoutExpired:
                continue
        # Sessions still running share the process group.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def log_text(self, since=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- cpuwrap records

    def all_records(self):
        recs = []
        try:
            with open(self.rec_path) as f:
                for line in f:
                    if not line.endswith("\n"):
                        break
                    r = dict(kv.split("=", 1) for kv in line.split())
                    recs.append({"status": int(r["status"]),
                                 "cpu": float(r["user"]) + float(r["sys"]),
                                 "user": float(r["user"]), "sys": float(r["sys"]),
                                 "maxrss_kb": int(r["maxrss_kb"]), "wall": float(r["wall"])})
        except OSError:
            pass
        return recs

    def take(self, n, timeout=RECORD_TIMEOUT):
        """The records of the n sessions just run, once every session has
        ended (cpuwrap writes its record before it exits), or Failure."""
        deadline = time.monotonic() + timeout
        while True:
            recs = self.all_records()
            done = len(recs) >= self.seen + n and not self.wrappers()
            if done or time.monotonic() >= deadline:
                break
            time.sleep(0.005)
        new = recs[self.seen:]
        self.seen = len(recs)
        for r in new:
            self.exit_codes[r["status"]] = self.exit_codes.get(r["status"], 0) + 1
        if len(new) < n:
            raise Failure("%d session records of %d within %.0f s" % (len(new), n, timeout))
        return new[len(new) - n:]

    def skip_records(self):
        """After a failure: waits (bounded) for the sessions to end, then
        forgets their records."""
        try:
            self.take(0)
        except Failure:
            pass

    # -- processes

    def wrappers(self):
        """The cpuwrap processes of the sessions now running."""
        if self.proc is None:
            return []
        return process_children().get(self.proc.pid, [])

    def session_pids(self, with_wrappers=False):
        """The processes of the sessions now running: every descendant of
        the cpuwrap processes the listener started (cpuwrap excluded)."""
        if self.proc is None:
            return []
        children = process_children()
        wraps = children.get(self.proc.pid, [])
        out = list(wraps) if with_wrappers else []
        todo = [c for w in wraps for c in children.get(w, [])]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += children.get(p, [])
        return out


def process_children():
    """pid -> [child pids], from /proc (zombies included)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    return children


def smaps_kib(pid):
    """(private dirty, PSS) of a process in KiB, from /proc/PID/smaps_rollup:
    the pages only it has written (its heap, stack, static buffers and the
    libraries' relocated data: memory that is its own and cannot be dropped),
    and every page it maps divided by the number of processes that map it.
    Private clean pages are left out of the first: they are file pages
    (the binary, the libraries) that only this process happens to map,
    shared again as soon as a second session runs. (0, 0) when it is gone."""
    priv = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key == "Private_Dirty":
                    priv += int(rest.split()[0])
                elif key == "Pss":
                    pss = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return priv, pss


def smaps_sum_kib(pids):
    """(private dirty, PSS) summed over processes, in KiB."""
    pairs = [smaps_kib(p) for p in pids]
    return sum(u for u, _ in pairs), sum(p for _, p in pairs)


def vm_rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---------------------------------------------------------------- FTP client

class FtpClient:
    """A minimal FTP control connection, with AUTH TLS and TLS data
    connections that resume the control connection's session."""

    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.timeout = timeout
        self.buf = b""
        self.tls = None
        self.expect(self.reply(), 220, "greeting")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Failure("control connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        first = self._line()
        m = re.match(r"(\d{3})([ -])", first)
        if not m:
            raise Failure("not an FTP reply: %r" % first[:200])
        lines = [first]
        if m.group(2) == "-":
            while True:
                line = self._line()
                lines.append(line)
                if line.startswith(m.group(1) + " "):
                    break
        return int(m.group(1)), "\n".join(lines)

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    @staticmethod
    def expect(reply, code, what):
        if reply[0] != code:
            raise Failure("%s: expected %d, got %r" % (what, code, reply[1][:300]))
        return reply

    def auth_tls(self, ctx):
        self.expect(self.cmd("AUTH TLS"), 234, "AUTH TLS")
        self.sock = ctx.wrap_socket(self.sock, server_hostname=HOST)
        self.tls = ctx

    def login(self, user, password):
        self.expect(self.cmd("USER " + user), 331, "USER")
        self.expect(self.cmd("PASS " + password), 230, "PASS")

    def data_command(self, line):
        """EPSV, the command, the data (over TLS when PROT P was given):
        (data bytes, seconds from the command to the final reply, whether
        the data connection resumed the control connection's session)."""
        r = self.expect(self.cmd("EPSV"), 229, "EPSV")
        m = re.search(r"\(\|\|\|(\d+)\|\)", r[1])
        if not m:
            raise Failure("EPSV reply without a port: %r" % r[1])
        d = socket.create_connection((HOST, int(m.group(1))), timeout=self.timeout)
        t0 = time.monotonic()
        resumed = None
        try:
            self.sock.sendall(line.encode() + b"\r\n")
            if self.tls is not None:
                # The handshake goes first: some servers finish it before
                # they send 150, others after.
                d = self.tls.wrap_socket(d, server_hostname=HOST, session=self.sock.session)
                resumed = d.session_reused
            first = self.reply()
            if not 100 <= first[0] < 200:
                raise Failure("%s: %r" % (line, first[1][:300]))
            chunks = []
            while True:
                b = d.recv(MiB)
                if not b:
                    break
                chunks.append(b)
        finally:
            d.close()
        self.expect(self.reply(), 226, line)
        return b"".join(chunks), time.monotonic() - t0, resumed

    def upload(self, line, data):
        """EPSV, the command, data sent (over TLS under PROT P, ended with
        close_notify), the final reply: seconds from the command to it."""
        r = self.expect(self.cmd("EPSV"), 229, "EPSV")
        m = re.search(r"\(\|\|\|(\d+)\|\)", r[1])
        if not m:
            raise Failure("EPSV reply without a port: %r" % r[1])
        d = socket.create_connection((HOST, int(m.group(1))), timeout=self.timeout)
        t0 = time.monotonic()
        try:
            self.sock.sendall(line.encode() + b"\r\n")
            if self.tls is not None:
                d = self.tls.wrap_socket(d, server_hostname=HOST, session=self.sock.session)
            first = self.reply()
            if not 100 <= first[0] < 200:
                raise Failure("%s: %r" % (line, first[1][:300]))
            d.sendall(data)
            if self.tls is not None:
                d = d.unwrap()
            d.shutdown(socket.SHUT_WR)
            while d.recv(65536):
                pass
        finally:
            d.close()
        self.expect(self.reply(), 226, line)
        return time.monotonic() - t0

    def quit(self):
        """QUIT, then wait for the server to close the connection."""
        self.expect(self.cmd("QUIT"), 221, "QUIT")
        try:
            while self.sock.recv(65536):
                pass
        except (OSError, ssl.SSLError):
            pass
        self.close()


def tls_context(cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


# ---------------------------------------------------------------- the bench

class Bench:
    def __init__(self, args):
        self.args = args
        self.p = Params(args.smoke, args.load)
        if args.rounds is not None:
            self.p.rounds = args.rounds
        self.pid = os.getpid()
        self.work = os.path.abspath(args.work)
        self.stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.rundir = os.path.join(self.work, "run-" + self.stamp)
        self.shm = os.path.join(args.shm, "ftpsd-bench-%d" % self.pid)
        self.home = os.path.join(self.shm, "home")
        self.user = "ftpsdb%d" % self.pid
        self.password = secrets.token_hex(12)
        self.user_made = False
        self.policy_made = False
        self.page_reporting_was = None   # min_free_ms before the run, when changed
        self.servers = {}
        # listener name -> a listener some tests use instead of the
        # server's own (IDLE_PURE, CEILING_PLAIN; see listener())
        self.extra_servers = {}
        self.samples = {}      # metric -> server -> [values]
        self.failures = []     # {round, test, server, error}
        self.meta = {}
        self.details = []      # per-session timings of the concurrent test
        self.names = [n for n in args.servers]
        self.titles = self.p.titles()

    # -- setup

    def prepare(self):
        os.makedirs(self.rundir, exist_ok=True)
        log("bench work folder: %s; served tree: %s" % (self.rundir, self.home))
        self.install()
        self.helpers()
        self.make_account()
        self.make_cert()
        self.make_tree()
        self.make_servers()
        self.hold_free_memory()

    def hold_free_memory(self):
        """Where the kernel reports free memory to the host, keeps what is
        freed in the guest for a minute first (bench/README, "free page
        reporting"); --keep-page-reporting leaves the setting alone."""
        self.meta["page_reporting_min_free_ms"] = "-"
        try:
            with open(PAGE_REPORTING_HOLD) as f:
                was = f.read().strip()
        except OSError:
            return
        self.meta["page_reporting_min_free_ms"] = was
        if self.args.keep_page_reporting or int(was) >= PAGE_REPORTING_HOLD_MS:
            return
        with open(PAGE_REPORTING_HOLD, "w") as f:
            f.write("%d\n" % PAGE_REPORTING_HOLD_MS)
        self.page_reporting_was = was
        self.meta["page_reporting_min_free_ms"] = "%s, %d during the run" % (
            was, PAGE_REPORTING_HOLD_MS)

    def release_free_memory(self):
        if self.page_reporting_was is not None:
            try:
                with open(PAGE_REPORTING_HOLD, "w") as f:
                    f.write(self.page_reporting_was + "\n")
            except OSError as e:
                log("bench: could not put %s back to %s: %s" % (
                    PAGE_REPORTING_HOLD, self.page_reporting_was, e))
            self.page_reporting_was = None

    def apt_install(self, packages):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "--no-install-recommends"] + packages
        log("installing: %s" % " ".join(packages))
        if run(cmd, timeout=900, check=False, env=env).returncode != 0:
            run(["apt-get", "update"], timeout=900, env=env)
            run(cmd, timeout=900, env=env)

    def install(self):
        """The tools and the peers: vsftpd with apt, Pure-FTPd unpacked
        from its package into the work folder (the two packages conflict)."""
        need = {"curl": "curl", "systemd-socket-activate": "systemd", "mkpasswd": "whois",
                "openssl": "openssl", "useradd": "passwd"}
        missing = sorted({pkg for tool, pkg in need.items() if shutil.which(tool) is None})
        if missing:
            self.apt_install(missing)
        if "vsftpd" in self.names and not os.path.exists("/usr/sbin/vsftpd"):
            # No service may start from the package (it would listen on
            # port 21): policy-rc.d says no while it installs.
            if not os.path.exists("/usr/sbin/policy-rc.d"):
                with open("/usr/sbin/policy-rc.d", "w") as f:
                    f.write("#!/bin/sh\n# ftpsd bench: no service starts while it installs\n"
                            "exit 101\n")
                os.chmod("/usr/sbin/policy-rc.d", 0o755)
                self.policy_made = True
            try:
                self.apt_install(["vsftpd"])
            finally:
                self.remove_policy()
        if "pure-ftpd" in self.names:
            self.install_pure_ftpd()

    def remove_policy(self):
        if self.policy_made:
            try:
                os.unlink("/usr/sbin/policy-rc.d")
            except OSError:
                pass
            self.policy_made = False

    def install_pure_ftpd(self):
        debs = os.path.join(self.work, "debs")
        os.makedirs(debs, exist_ok=True)
        found = sorted(glob.glob(os.path.join(debs, "pure-ftpd_*.deb")))
        if not found:
            log("downloading pure-ftpd (apt-get download)")
            got = run(["apt-get", "download", "pure-ftpd"], cwd=debs, timeout=600, check=False)
            if got.returncode != 0:
                run(["apt-get", "update"], timeout=900)
                run(["apt-get", "download", "pure-ftpd"], cwd=debs, timeout=600)
            found = sorted(glob.glob(os.path.join(debs, "pure-ftpd_*.deb")))
        if not found:
            raise SetupError("apt-get download pure-ftpd gave no package")
        deb = found[-1]
        version = run(["dpkg-deb", "-f", deb, "Version"]).stdout.strip()
        root = os.path.join(self.work, "pure-ftpd-" + version)
        self.pure_ftpd = os.path.join(root, "usr", "sbin", "pure-ftpd")
        self.pure_ftpd_version = version
        if not os.path.exists(self.pure_ftpd):
            run(["dpkg", "-x", deb, root])
        # Its libraries (not its package dependencies: those conflict).
        depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
        libs = []
        for alt in depends.split(","):
            name = alt.split("|")[0].strip().split(" ")[0].split(":")[0]
            if name.startswith("lib"):
                st = run(["dpkg-query", "-W", "-f", "${Status}", name], check=False).stdout
                if "install ok installed" not in st:
                    libs.append(name)
        if libs:
            self.apt_install(libs)
        ldd = run(["ldd", self.pure_ftpd], check=False).stdout
        if "not found" in ldd:
            raise SetupError("pure-ftpd lacks libraries: %s" % ldd)

    def helpers(self):
        """cpuwrap, tls-bare and crypt-once: given by make bench, or built here."""
        hdir = self.args.helpers
        if not hdir or not all(os.access(os.path.join(hdir, n), os.X_OK)
                               for n in ("cpuwrap", "tls-bare", "crypt-once")):
            hdir = os.path.join(self.work, "helpers")
            os.makedirs(hdir, exist_ok=True)
            gnutls = run(["pkg-config", "--cflags", "--libs", "gnutls"]).stdout.split()
            cc = os.environ.get("CC", "cc")
            run([cc, "-O2", "-Wall", "-o", os.path.join(hdir, "cpuwrap"),
                 os.path.join(HERE, "cpuwrap.c")])
            run([cc, "-O2", "-Wall", "-o", os.path.join(hdir, "tls-bare"),
                 os.path.join(HERE, "tls-bare.c")] + gnutls)
            run([cc, "-O2", "-Wall", "-o", os.path.join(hdir, "crypt-once"),
                 os.path.join(HERE, "crypt-once.c"), "-lcrypt"])
        self.cpuwrap = os.path.join(hdir, "cpuwrap")
        self.tls_bare = os.path.join(hdir, "tls-bare")
        self.crypt_once = os.path.join(hdir, "crypt-once")

    def make_account(self):
        """A throwaway system account with a yescrypt hash in shadow: every
        server logs it in through the same crypt(3) of the same hash."""
        with open("/etc/shells") as f:
            shells = [s.strip() for s in f if s.startswith("/")]
        shell = "/bin/sh" if "/bin/sh" in shells else shells[0]
        h = run(["mkpasswd", "-m", "yescrypt", "--stdin"], input=self.password).stdout.strip()
        if not h.startswith("$y$"):
            raise SetupError("mkpasswd gave no yescrypt hash: %r" % h)
        self.hash = h
        os.makedirs(self.home, exist_ok=True)
        os.chmod(self.shm, 0o755)
        run(["useradd", "--no-create-home", "--home-dir", self.home, "--shell", shell,
             "--comment", "ftpsd benchmark, temporary", "--password", h, self.user])
        self.user_made = True
        pw = pwd.getpwnam(self.user)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        os.chown(self.home, self.uid, self.gid)
        os.chmod(self.home, 0o755)

    def make_cert(self):
        self.cert = os.path.join(self.rundir, "cert.pem")
        self.key = os.path.join(self.rundir, "key.pem")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "30",
             "-subj", "/CN=" + HOST, "-addext", "subjectAltName=IP:%s,DNS:localhost" % HOST])
        os.chmod(self.key, 0o600)

    def make_tree(self):
        """The served tree on tmpfs: the big file, the transfer file of the
        concurrent test, a small file with known contents, the big
        directory, and the folder uploads go to."""
        p = self.p
        block = secrets.token_bytes(4 * MiB)

        def write(name, size):
            path = os.path.join(self.home, name)
            with open(path, "wb") as f:
                left = size
                while left > 0:
                    n = min(left, len(block))
                    f.write(block[:n])
                    left -= n
            os.chown(path, self.uid, self.gid)
            return path

        log("making the served tree (%d MiB file, %d files)" % (p.big // MiB, p.list_files))
        self.big_path = write("big.bin", p.big)
        self.conc_path = write("conc.bin", p.conc_size)
        if LOAD_TEST in self.args.tests:
            self.load_data = secrets.token_bytes(p.load_size)
            with open(os.path.join(self.home, "load.bin"), "wb") as f:
                f.write(self.load_data)
            os.chown(os.path.join(self.home, "load.bin"), self.uid, self.gid)
            self.load_sha = hashlib.sha256(self.load_data).hexdigest()
        self.check_path = os.path.join(self.home, "check.bin")
        with open(self.check_path, "wb") as f:
            f.write(secrets.token_bytes(16 * MiB + 12345))
        os.chown(self.check_path, self.uid, self.gid)
        self.check_sha = sha256_file(self.check_path)
        for d in ("many", "up"):
            os.mkdir(os.path.join(self.home, d))
            os.chown(os.path.join(self.home, d), self.uid, self.gid)
        many = os.path.join(self.home, "many")
        for i in range(p.list_files):
            path = os.path.join(many, "file-%05d.dat" % i)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
            os.chown(path, self.uid, self.gid)

    def pasv_ranges(self):
        """Fixed passive ranges of 200 ports per server, below the kernel's
        ephemeral range, where nothing listens now; and 1200 more for
        Pure-FTPd's listener of the idle test (IDLE_PURE below)."""
        used = listening_ports()
        base = self.args.pasv_base
        for _ in range(20):
            if not any(base <= p < base + 2200 for p in used):
                break
            base += 1000
        else:
            raise SetupError("no free block of passive ports found")
        ranges = {n: (base + 200 * i, base + 200 * i + 199) for i, n in enumerate(PEERS)}
        ranges[IDLE_PURE] = (base + 1000, base + 2199)
        return ranges

    def make_servers(self):
        ranges = self.pasv_ranges()
        self.meta["pasv_ranges"] = {n: "%d-%d" % r for n, r in ranges.items()}
        mk = lambda name, argv, env=None: Server(name, argv, env or {}, self.rundir,  # noqa: E731
                                                 self.cpuwrap)
        if "ftpsd" in self.names:
            env = {"FTPSD_ROOT": self.home, "FTPSD_TLS_CERT": self.cert, "FTPSD_TLS_KEY": self.key,
                   "FTPSD_PASV_PORTS": "%d-%d" % ranges["ftpsd"], "FTPSD_LOG": "stderr",
                   "FTPSD_RUN_USER": self.user,
                   # plain logins and transfers are measured too
                   "FTPSD_TLS_REQUIRE": "0", "FTPSD_TLS_REQUIRE_DATA": "0"}
            if self.args.ftpsd_users_file:
                users = os.path.join(self.rundir, "ftpsd-users")
                with open(users, "w") as f:
                    f.write("%s:%s\n" % (self.user, self.hash))
                os.chmod(users, 0o600)
                env["FTPSD_USERS"] = users
            else:
                env["FTPSD_SYSTEM_USERS"] = "1"
            self.servers["ftpsd"] = mk("ftpsd", [self.args.ftpsd], env)
        if "vsftpd" in self.names:
            empty = os.path.join(self.rundir, "vsftpd-empty")
            os.makedirs(empty, exist_ok=True)
            os.chmod(empty, 0o755)
            conf = os.path.join(self.rundir, "vsftpd.conf")
            lo, hi = ranges["vsftpd"]
            with open(conf, "w") as f:
                f.write(VSFTPD_CONF.format(empty=empty, lo=lo, hi=hi, cert=self.cert, key=self.key))
            self.servers["vsftpd"] = mk("vsftpd", ["/usr/sbin/vsftpd", conf])
        if "pure-ftpd" in self.names:
            self.servers["pure-ftpd"] = mk("pure-ftpd", self.pure_ftpd_argv(ranges["pure-ftpd"], 300))
        if "pure-ftpd" in self.names and "idle" in self.args.tests:
            # Pure-FTPd admits at most half as many clients as its passive
            # range has ports: the idle test's sessions need a wider one.
            n = self.p.idle_sessions + 100
            self.extra_servers[IDLE_PURE] = mk(IDLE_PURE, self.pure_ftpd_argv(ranges[IDLE_PURE], n))
        if CEILING in self.names:
            # With the served tree: GET and PUT of a named file read and
            # write it, so that its CPU in the TLS transfer rows is the
            # userspace floor (bench/README); GET /N still serves memory.
            self.servers[CEILING] = mk(CEILING, [self.tls_bare, self.cert, self.key,
                                                 FTPSD_PRIORITY, self.home])
            # The plain transfers' floor: the same files over plain HTTP.
            self.extra_servers[CEILING_PLAIN] = mk(CEILING_PLAIN,
                                                   [self.tls_bare, "--plain", self.home])
        for s in list(self.servers.values()) + list(self.extra_servers.values()):
            s.start()
            log("  %-9s on %s:%d" % (s.name, HOST, s.port))

    def pure_ftpd_argv(self, ports, clients):
        lo, hi = ports
        return [
            self.pure_ftpd,
            "--login", "unix",            # passwd + shadow, crypt(3)
            "--noanonymous",
            "--chrooteveryone",
            "--dontresolve",
            "--tls", "1",                 # plain or AUTH TLS, as the others
            "--certfile", "%s,%s" % (self.cert, self.key),
            "--passiveportrange", "%d:%d" % (lo, hi),
            "--limitrecursion", "100000:8",   # LIST stops at 10,000 files otherwise
            "--maxclientsnumber", str(clients), "--maxclientsperip", str(clients),
            "--syslogfacility", "none",   # no syslog here; the others log nothing either
        ]

    # -- versions

    def versions(self):
        m = self.meta
        m["date"] = datetime.datetime.now().isoformat(timespec="seconds")
        m["load_start"] = os.getloadavg()
        m["kernel"] = platform.release()
        m["machine"] = "%s, %d CPUs" % (platform.machine(), os.cpu_count() or 0)
        m["curl"] = run(["curl", "--version"]).stdout.splitlines()[0]
        m["python"] = "%s, %s" % (platform.python_version(), ssl.OPENSSL_VERSION)
        if "ftpsd" in self.servers:
            v = run([self.args.ftpsd, "--version"]).stdout.strip()
            src = self.args.source or os.path.dirname(HERE)
            commit = run(["git", "-C", src, "describe", "--always", "--dirty", "--abbrev=12"],
                         check=False).stdout.strip()
            m["ftpsd"] = "%s, commit %s (%s)" % (v, commit or "unknown", self.args.ftpsd)
        if "vsftpd" in self.servers:
            m["vsftpd"] = "vsftpd " + run(["dpkg-query", "-W", "-f", "${Version}", "vsftpd"]).stdout
        if "pure-ftpd" in self.servers:
            m["pure-ftpd"] = "pure-ftpd %s (unpacked in %s)" % (self.pure_ftpd_version, self.work)
        m["tls-bare"] = run([self.tls_bare, "--version"]).stdout.strip()
        m["tls_client"] = "%s %s, group %s, certificate ECDSA P-256 (self-signed)" % (
            TLS_VERSION, TLS_SUITE, TLS_GROUP)
        m["account"] = "%s (system account, yescrypt hash in shadow, home %s)" % (
            self.user, self.home)
        m["ftpsd_login"] = ("FTPSD_USERS (same hash)" if self.args.ftpsd_users_file
                            else "FTPSD_SYSTEM_USERS=1 (same shadow entry)")

    # -- curl

    def curl(self, srv, path, tls, upload=None, out=os.devnull, verbose=False, popen=False,
             extra=()):
        args = ["curl", "-sS", "--max-time", str(self.p.curl_max), "-w", "%{json}", "-o", out]
        args += list(extra)
        if srv.name == CEILING_PLAIN:
            args += ["--http1.1", "-H", "Expect:"]
            url = "http://%s:%d/%s" % (HOST, srv.port, path)
        elif srv.name == CEILING:
            args += ["--http1.1", "-H", "Expect:", "--cacert", self.cert] + CURL_TLS
            url = "https://%s:%d/%s" % (HOST, srv.port, path)
        else:
            args += ["--user", "%s:%s" % (self.user, self.password)]
            if tls:
                args += ["--ssl-reqd", "--cacert", self.cert] + CURL_TLS
            url = "ftp://%s:%d/%s" % (HOST, srv.port, path)
        if upload:
            args += ["-T", upload]
        if verbose:
            args.append("-v")
        args.append(url)
        if popen:
            return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=self.p.curl_max + 30)
        return self.curl_result(p.returncode, p.stdout, p.stderr)

    @staticmethod
    def curl_result(code, stdout, stderr):
        try:
            info = json.loads(stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            info = {}
        if code != 0:
            raise Failure("curl exited with %d: %s" % (code, stderr.strip()[-300:]))
        info["_stderr"] = stderr
        return info

    # -- the sanity check

    def sanity(self):
        """Every server logs in and moves a known file byte-exact, plain and
        over TLS, with the TLS parameters every client is set to; the bare
        endpoint negotiates the same. A failure stops the bench."""
        log("sanity check: login, byte-exact transfers, TLS parameters")
        problems = []
        ctx = tls_context(self.cert)
        for name, srv in self.servers.items():
            try:
                if name == CEILING:
                    hdr = os.path.join(self.rundir, "ceiling-headers")
                    info = self.curl(srv, str(MiB), True, verbose=True, extra=["-D", hdr])
                    with open(hdr) as f:
                        got = f.read()
                    m = re.search(r"^X-TLS: (\S+)", got, re.M)
                    if not m or m.group(1) != BARE_EXPECTED:
                        raise Failure("bare endpoint negotiated %s, not %s" % (
                            m.group(1) if m else "?", BARE_EXPECTED))
                    self.check_curl_tls(info, 1)
                    self.meta["ceiling_tls"] = m.group(1)
                    srv.skip_records()
                    self.check_plain_ceiling()
                    log("  %-9s ok (%s)" % (name, m.group(1)))
                    continue
                dest = os.path.join(self.rundir, "check-%s.bin" % name)
                for tls in (False, True):
                    info = self.curl(srv, "check.bin", tls, out=dest, verbose=tls)
                    if sha256_file(dest) != self.check_sha:
                        raise Failure("RETR (%s) is not byte-exact" % ("TLS" if tls else "plain"))
                    if tls:
                        self.check_curl_tls(info, 2)
                    up = "up/check-%s-%d.bin" % (name, tls)
                    self.curl(srv, up, tls, upload=self.check_path)
                    stored = os.path.join(self.home, up)
                    if sha256_file(stored) != self.check_sha:
                        raise Failure("STOR (%s) is not byte-exact" % ("TLS" if tls else "plain"))
                    os.unlink(stored)
                os.unlink(dest)
                # The Python client: same TLS, and a resumed data connection.
                c = FtpClient(srv.port)
                try:
                    c.auth_tls(ctx)
                    got = (c.sock.version(), c.sock.cipher()[0])
                    if got != (TLS_VERSION, TLS_SUITE):
                        raise Failure("Python client negotiated %s %s" % got)
                    c.login(self.user, self.password)
                    c.expect(c.cmd("PBSZ 0"), 200, "PBSZ")
                    c.expect(c.cmd("PROT P"), 200, "PROT P")
                    c.expect(c.cmd("TYPE I"), 200, "TYPE I")
                    data, _, resumed = c.data_command("RETR check.bin")
                    if hashlib.sha256(data).hexdigest() != self.check_sha:
                        raise Failure("RETR (Python, TLS) is not byte-exact")
                    c.quit()
                finally:
                    c.close()
                self.meta.setdefault("data_tls_resumed", {})[name] = resumed
                srv.skip_records()
                log("  %-9s ok (login, RETR/STOR plain and PROT P byte-exact; %s %s; "
                    "data connection resumed: %s)" % (name, TLS_VERSION, TLS_SUITE,
                                                      "yes" if resumed else "no"))
            except Exception as e:  # noqa: BLE001 - each server is checked
                problems.append("%s: %s" % (name, e))
                log("  %-9s FAILED: %s" % (name, e))
                log("    log: %s" % srv.log_path)
        if problems:
            raise SetupError("sanity check failed:\n  " + "\n  ".join(problems))

    def check_plain_ceiling(self):
        """The plain listener of the ceiling moves the known file both
        ways byte-exact."""
        srv = self.extra_servers[CEILING_PLAIN]
        dest = os.path.join(self.rundir, "check-%s.bin" % CEILING_PLAIN)
        self.curl(srv, "check.bin", False, out=dest)
        if sha256_file(dest) != self.check_sha:
            raise Failure("plain GET is not byte-exact")
        os.unlink(dest)
        up = "up/check-%s.bin" % CEILING_PLAIN
        self.curl(srv, up, False, upload=self.check_path)
        stored = os.path.join(self.home, up)
        if sha256_file(stored) != self.check_sha:
            raise Failure("plain PUT is not byte-exact")
        os.unlink(stored)
        srv.skip_records()

    @staticmethod
    def check_curl_tls(info, at_least):
        found = re.findall(r"SSL connection using (\S+) / (\S+)", info["_stderr"])
        if len(found) < at_least:
            raise Failure("curl reported %d TLS connections, expected %d" % (len(found), at_least))
        for v, c in found:
            if (v, c) != (TLS_VERSION, TLS_SUITE):
                raise Failure("curl negotiated %s %s, not %s %s" % (v, c, TLS_VERSION, TLS_SUITE))

    # -- the tests: each returns {metric: value} or raises Failure

    def t_transfer(self, srv, direction, tls):
        name = "%s_%s" % (direction, "tls" if tls else "plain")
        size = self.p.big
        if direction == "retr":
            info = self.curl(srv, "big.bin", tls)
            moved = info.get("size_download", 0)
        else:
            up = "up/stor-%s.bin" % srv.name
            self.warm_free_memory(size)
            try:
                info = self.curl(srv, up, tls, upload=self.big_path)
            except Failure as e:
                if srv.name == "vsftpd" and tls and "426" in str(e):
                    raise Failure("%s (vsftpd loses small TLS 1.3 uploads: bench/README)" % e)
                raise
            moved = info.get("size_upload", 0)
            stored = os.path.join(self.home, up)
            got = os.path.getsize(stored) if os.path.exists(stored) else -1
            if os.path.exists(stored):
                os.unlink(stored)
            if got != size:
                raise Failure("stored %d bytes of %d" % (got, size))
        if moved != size:
            raise Failure("moved %s bytes of %d" % (moved, size))
        data_time = info["time_total"] - info["time_pretransfer"]
        if data_time <= 0:
            raise Failure("no data phase time")
        rec = srv.take(1)[0]
        return {name + "_mbps": size / data_time / 1e6, name + "_cpu": rec["cpu"] / (size / GiB)}

    def warm_free_memory(self, size):
        """Writes and removes a file a quarter larger than an upload of
        size, in the tmpfs the upload goes to, just before it. This VM
        hands free guest memory back to the host (free page reporting):
        the first touch of such a page costs a fault in the host, charged
        to whichever process touches it, so an upload into cold memory
        costs its server several times the CPU of one into warm memory
        (bench/README, "free page reporting"). Warmed, every server's
        upload finds the same memory."""
        path = os.path.join(self.shm, "warm.bin")
        block = bytes(MiB)
        try:
            with open(path, "wb") as f:
                for _ in range((size + size // 4) // MiB + 1):
                    f.write(block)
        finally:
            os.unlink(path)

    def t_login(self, srv, tls):
        ctx = tls_context(self.cert) if tls else None
        n = self.p.login_sessions
        for _ in range(n):
            c = FtpClient(srv.port)
            try:
                if tls:
                    c.auth_tls(ctx)
                c.login(self.user, self.password)
                c.quit()
            finally:
                c.close()
        recs = srv.take(n)
        key = "login_tls_cpu" if tls else "login_plain_cpu"
        return {key: 1000 * sum(r["cpu"] for r in recs) / n}

    def t_login_floor(self, srv, tls):
        """The floor of a login session: crypt-once, a process that checks
        the same password against the same yescrypt hash and exits (under
        cpuwrap, recorded with the ceiling's sessions); with tls, plus a
        bare TLS session (tls-bare: handshake, an empty GET, close). The
        mean CPU over login_sessions of each."""
        n = self.p.login_sessions
        for _ in range(n):
            p = subprocess.run([self.cpuwrap, srv.rec_path, self.crypt_once, self.hash,
                                self.password], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=60)
            if p.returncode != 0:
                raise Failure("crypt-once exited with %d: %s" % (p.returncode, p.stderr[-200:]))
            if tls:
                self.curl(srv, "0", True)
        recs = srv.take(n * (2 if tls else 1))
        key = "login_tls_cpu" if tls else "login_plain_cpu"
        return {key: 1000 * sum(r["cpu"] for r in recs) / n}

    def t_rss_floor(self, srv):
        """The floor of an idle TLS session's memory: tls-bare after its
        handshake, waiting for a request (one process holding GnuTLS, the
        certificate and one session), read as t_rss reads a server."""
        ctx = tls_context(self.cert)
        raw = socket.create_connection((HOST, srv.port), timeout=30)
        try:
            t = ctx.wrap_socket(raw, server_hostname=HOST)
            time.sleep(0.5)
            pids = srv.session_pids()
            if not pids:
                raise Failure("no tls-bare process found")
            priv_idle, pss_idle = smaps_sum_kib(pids)
            t.sendall(b"GET /0 HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                while t.recv(65536):
                    pass
            except OSError:
                pass   # its close, with or without close_notify: it is done
            t.close()
        finally:
            raw.close()
        srv.take(1)
        return {"priv_idle": priv_idle / KiB, "pss_idle": pss_idle / KiB}

    def t_rate(self, srv):
        ctx = tls_context(self.cert)
        done = 0
        t0 = time.monotonic()
        end = t0 + self.p.rate_seconds
        while time.monotonic() < end:
            c = FtpClient(srv.port)
            try:
                c.auth_tls(ctx)
                c.login(self.user, self.password)
                c.quit()
            finally:
                c.close()
            done += 1
        elapsed = time.monotonic() - t0
        srv.take(done)
        return {"tls_sessions_per_s": done / elapsed}

    def t_rss(self, srv):
        ctx = tls_context(self.cert)
        c = FtpClient(srv.port)
        try:
            c.auth_tls(ctx)
            c.login(self.user, self.password)
            c.expect(c.cmd("PBSZ 0"), 200, "PBSZ")
            c.expect(c.cmd("PROT P"), 200, "PROT P")
            data, _, _ = c.data_command("LIST")
            if b"big.bin" not in data:
                raise Failure("LIST does not show big.bin")
            # Idle: what stays resident between commands.
            time.sleep(0.5)
            pids = srv.session_pids()
            if not pids:
                raise Failure("no session process found")
            steady = sum(vm_rss_kib(p) for p in pids)
            priv_idle, pss_idle = smaps_sum_kib(pids)
            priv_xfer = self.retr_sampled(c, srv)
            time.sleep(0.5)
            priv_after, _ = smaps_sum_kib(srv.session_pids())
            c.quit()
        finally:
            c.close()
        rec = srv.take(1)[0]
        return {"rss_steady": steady / KiB, "priv_idle": priv_idle / KiB, "pss_idle": pss_idle / KiB,
                "priv_xfer": priv_xfer / KiB, "priv_after": priv_after / KiB,
                "rss_peak": rec["maxrss_kb"] / KiB}

    def retr_sampled(self, c, srv):
        """RETR of conc.bin over PROT P, the client reading slowly enough
        that the server waits on a full socket mid-transfer: the sum of
        private dirty memory of the session's processes then, in KiB. The
        file is checked for its size."""
        c.expect(c.cmd("TYPE I"), 200, "TYPE I")
        r = c.expect(c.cmd("EPSV"), 229, "EPSV")
        m = re.search(r"\(\|\|\|(\d+)\|\)", r[1])
        if not m:
            raise Failure("EPSV reply without a port: %r" % r[1])
        d = socket.create_connection((HOST, int(m.group(1))), timeout=c.timeout)
        got = 0
        try:
            c.sock.sendall(b"RETR conc.bin\r\n")
            d = c.tls.wrap_socket(d, server_hostname=HOST, session=c.sock.session)
            first = c.reply()
            if not 100 <= first[0] < 200:
                raise Failure("RETR conc.bin: %r" % first[1][:300])
            while got < min(4 * MiB, self.p.conc_size // 2):
                b = d.recv(MiB)
                if not b:
                    break
                got += len(b)
            time.sleep(0.3)   # the server fills the socket and waits
            priv, _ = smaps_sum_kib(srv.session_pids())
            while True:
                b = d.recv(MiB)
                if not b:
                    break
                got += len(b)
        finally:
            d.close()
        c.expect(c.reply(), 226, "RETR conc.bin")
        if got != self.p.conc_size:
            raise Failure("RETR conc.bin: %d bytes of %d" % (got, self.p.conc_size))
        return priv

    def t_idle(self, srv):
        """idle_sessions TLS sessions logged in (AUTH TLS, login, PBSZ 0,
        PROT P), a few logging in at a time, then all held open and idle
        together: the sum of PSS over every session process, which shares
        out what the processes have in common."""
        p = self.p
        ctx = tls_context(self.cert)
        clients = [None] * p.idle_sessions
        errors = []
        todo = list(range(p.idle_sessions))
        lock = threading.Lock()

        def opener():
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop()
                c = None
                try:
                    c = FtpClient(srv.port, timeout=60)
                    c.auth_tls(ctx)
                    c.login(self.user, self.password)
                    c.expect(c.cmd("PBSZ 0"), 200, "PBSZ")
                    c.expect(c.cmd("PROT P"), 200, "PROT P")
                    clients[i] = c
                except Exception as e:  # noqa: BLE001 - every failure counts
                    if c is not None:
                        c.close()
                    with lock:
                        errors.append("%s: %s" % (type(e).__name__, e))

        try:
            threads = [threading.Thread(target=opener, daemon=True) for _ in range(p.idle_openers)]
            for th in threads:
                th.start()
            deadline = time.monotonic() + p.load_deadline
            for th in threads:
                th.join(max(0.0, deadline - time.monotonic()))
            if any(th.is_alive() for th in threads):
                raise Failure("sessions still logging in after %.0f s" % p.load_deadline)
            time.sleep(0.5)
            pids = srv.session_pids()
            _uss, pss = smaps_sum_kib(pids)
        finally:
            for c in clients:
                if c is not None:
                    try:
                        c.quit()
                    except Exception:  # noqa: BLE001 - the session ends anyway
                        pass
                    c.close()
        ok = sum(c is not None for c in clients)
        if errors:
            log("    %d of %d sessions failed, first: %s" % (len(errors), p.idle_sessions, errors[0]))
        srv.take(p.idle_sessions, timeout=RECORD_TIMEOUT + 60)
        out = {"idle_failures": len(errors), "idle_pss_total": pss / KiB}
        if ok:
            out["idle_pss_each"] = pss / KiB / ok
        return out

    def t_list(self, srv):
        ctx = tls_context(self.cert)
        c = FtpClient(srv.port, timeout=60)
        try:
            c.auth_tls(ctx)
            c.login(self.user, self.password)
            c.expect(c.cmd("PBSZ 0"), 200, "PBSZ")
            c.expect(c.cmd("PROT P"), 200, "PROT P")
            c.expect(c.cmd("CWD many"), 250, "CWD")
            data, seconds, _ = c.data_command("LIST")
            names = re.findall(rb"file-\d{5}\.dat", data)
            if len(set(names)) != self.p.list_files:
                raise Failure("LIST showed %d of %d files" % (len(set(names)), self.p.list_files))
            c.quit()
        finally:
            c.close()
        rec = srv.take(1)[0]
        return {"list_time": seconds * 1000, "list_peak": rec["maxrss_kb"] / KiB}

    def t_concurrent(self, srv):
        n, size = self.p.conc_sessions, self.p.conc_size
        path = str(size) if srv.name == CEILING else "conc.bin"
        moved = failures = 0
        errors = []
        procs = []
        timing = []
        t0 = time.monotonic()
        try:
            started = []
            for _ in range(n):
                started.append(time.monotonic() - t0)
                procs.append(self.curl(srv, path, True, popen=True))
            deadline = t0 + self.p.curl_max + 30
            for p, offset in zip(procs, started):
                try:
                    out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
                    info = self.curl_result(p.returncode, out, err)
                    # Seconds since the first curl started.
                    timing.append([round(offset + info.get(k, 0), 4) for k in (
                        "time_appconnect", "time_pretransfer", "time_total")])
                    if info.get("size_download") != size:
                        raise Failure("%s bytes of %d" % (info.get("size_download"), size))
                    moved += size
                except (Failure, subprocess.TimeoutExpired) as e:
                    failures += 1
                    errors.append(str(e))
            wall = time.monotonic() - t0
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.communicate()
        if errors:
            log("    %d of %d sessions failed, first: %s" % (failures, n, errors[0]))
        self.details.append({"test": "concurrent", "server": srv.name, "wall": wall,
                             "sessions [appconnect, pretransfer, total] s": timing})
        out = {"conc_mbps": moved / wall / 1e6, "conc_failures": failures}
        try:
            recs = srv.take(n)
            if moved:
                out["conc_cpu"] = sum(r["cpu"] for r in recs) / (moved / GiB)
        except Failure as e:
            log("    %s" % e)
        return out

    def load_session(self, srv, i, ctx, res):
        """One session of the load test: AUTH TLS, login, PROT P, then
        downloads of load.bin and uploads of the same bytes in turn, each
        checked. res gets the login time and the transfers that worked."""
        p = self.p
        c = None
        try:
            t0 = time.monotonic()
            c = FtpClient(srv.port, timeout=p.load_timeout)
            c.auth_tls(ctx)
            c.login(self.user, self.password)
            c.expect(c.cmd("PBSZ 0"), 200, "PBSZ")
            c.expect(c.cmd("PROT P"), 200, "PROT P")
            res["login"] = time.monotonic() - t0
            c.expect(c.cmd("TYPE I"), 200, "TYPE I")
            for j in range(p.load_transfers):
                if j % 2 == 0:
                    data, _, _ = c.data_command("RETR load.bin")
                    if hashlib.sha256(data).hexdigest() != self.load_sha:
                        raise Failure("RETR load.bin: %d bytes, not byte-exact" % len(data))
                else:
                    c.upload("STOR up/load-%03d-%02d.bin" % (i, j), self.load_data)
                    res["uploads"].append("up/load-%03d-%02d.bin" % (i, j))
                res["ok"] += 1
            c.quit()
        except Exception as e:  # noqa: BLE001 - every failure counts
            res["error"] = "%s: %s" % (type(e).__name__, e)
        finally:
            if c is not None:
                c.close()

    def t_load(self, srv):
        """load_sessions concurrent TLS sessions (threads), each moving
        load_transfers files: failed transfers (an upload counts only when
        its file is byte-exact on disk), aggregate MB/s, login p50/p99 and
        the peak of the sum of every session process's RSS."""
        p = self.p
        ctx = tls_context(self.cert)
        results = [{"ok": 0, "uploads": []} for _ in range(p.load_sessions)]
        threads = [threading.Thread(target=self.load_session, args=(srv, i, ctx, results[i]),
                                    daemon=True) for i in range(p.load_sessions)]
        rss_peak = 0
        t0 = time.monotonic()
        for th in threads:
            th.start()
        deadline = t0 + p.load_deadline
        while any(th.is_alive() for th in threads) and time.monotonic() < deadline:
            rss_peak = max(rss_peak, sum(vm_rss_kib(pid) for pid in srv.session_pids()))
            time.sleep(0.25)
        wall = time.monotonic() - t0
        for th in threads:
            th.join(max(0.0, deadline - time.monotonic()))
        stuck = sum(th.is_alive() for th in threads)
        good = 0
        for r in results:
            bad_up = 0
            for rel in r["uploads"]:
                path = os.path.join(self.home, rel)
                try:
                    if sha256_file(path) != self.load_sha:
                        bad_up += 1
                    os.unlink(path)
                except OSError:
                    bad_up += 1
            good += r["ok"] - bad_up
        total = p.load_sessions * p.load_transfers
        errors = [r["error"] for r in results if "error" in r]
        if errors or stuck:
            log("    %d of %d sessions failed%s, first: %s" % (
                len(errors), p.load_sessions, " (%d still running)" % stuck if stuck else "",
                errors[0] if errors else "-"))
        logins = sorted(1000 * r["login"] for r in results if "login" in r)
        out = {"load_failures": total - good, "load_rss_total": rss_peak / KiB,
               "load_mbps": good * p.load_size / wall / 1e6}
        if logins:
            out["load_login_p50"] = logins[len(logins) // 2]
            out["load_login_p99"] = logins[min(len(logins) - 1, (len(logins) * 99) // 100)]
        self.details.append({"test": "load", "server": srv.name, "wall": wall,
                             "sessions_failed": len(errors), "errors": errors[:20],
                             "login_ms": logins})
        try:
            recs = srv.take(p.load_sessions, timeout=RECORD_TIMEOUT + 60)
            if good:
                out["load_cpu"] = sum(r["cpu"] for r in recs) / (good * p.load_size / GiB)
        except Failure as e:
            log("    %s" % e)
            srv.skip_records()
        return out

    def listener(self, test, srv):
        """The listener test uses for srv: its own, or one of the
        extra_servers (Pure-FTPd's for the idle test, the ceiling's plain
        one for the plain transfers)."""
        if test == "idle" and srv.name == "pure-ftpd":
            return self.extra_servers.get(IDLE_PURE, srv)
        if test in ("retr-plain", "stor-plain") and srv.name == CEILING:
            return self.extra_servers[CEILING_PLAIN]
        return srv

    def run_test(self, test, srv):
        if srv.name == CEILING and test in ("login-plain", "login-tls"):
            return self.t_login_floor(srv, test == "login-tls")
        if srv.name == CEILING and test == "rss":
            return self.t_rss_floor(srv)
        if test in ("retr-plain", "retr-tls", "stor-plain", "stor-tls"):
            d, mode = test.split("-")
            return self.t_transfer(srv, d, mode == "tls")
        if test in ("login-plain", "login-tls"):
            return self.t_login(srv, test == "login-tls")
        if test == "idle":
            return self.t_idle(srv)
        return {"rate": self.t_rate, "rss": self.t_rss, "list": self.t_list,
                "concurrent": self.t_concurrent, "load": self.t_load}[test](srv)

    # -- rounds

    def cpu_snapshot(self):
        """(user+nice+system seconds of the whole machine, CPU seconds of
        this process and its children, CPU seconds of every session so far)."""
        with open("/proc/stat") as f:
            fields = f.readline().split()
        # user, nice, system, irq, softirq and steal: with these the sums
        # of getrusage() agree with /proc/stat on an idle machine (a
        # process's rusage includes the time a hypervisor stole from it).
        machine = sum(int(x) for x in fields[1:4] + fields[6:9]) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        ours = t.user + t.system + t.children_user + t.children_system
        sessions = sum(r["cpu"] for s in list(self.servers.values()) +
                       list(self.extra_servers.values()) for r in s.all_records())
        return machine, ours, sessions

    def measure(self):
        before = self.cpu_snapshot()
        t0 = time.monotonic()
        try:
            self.rounds()
        finally:
            after = self.cpu_snapshot()
            wall = time.monotonic() - t0
            busy, ours, sessions = (a - b for a, b in zip(after, before))
            other = busy - ours - sessions
            self.meta["cpu_during_measurements"] = {
                "wall_s": wall, "machine_busy_s": busy, "bench_and_clients_s": ours,
                "server_sessions_s": sessions, "other_s": other,
                "other_share": other / (wall * (os.cpu_count() or 1))}

    def rounds(self):
        tests = self.args.tests
        order = [n for n in self.servers]
        for r in range(self.p.rounds):
            log("round %d of %d" % (r + 1, self.p.rounds))
            for test in tests:
                if test in ONCE_TESTS and r > 0:
                    continue
                who = [n for n in order if n != CEILING or test in CEILING_TESTS]
                k = r % len(who) if who else 0
                for name in who[k:] + who[:k]:
                    srv = self.listener(test, self.servers[name])
                    t0 = time.monotonic()
                    try:
                        values = self.run_test(test, srv)
                    except Exception as e:  # noqa: BLE001 - recorded, the bench goes on
                        msg = "%s: %s" % (type(e).__name__, e)
                        self.failures.append({"round": r + 1, "test": test, "server": name,
                                              "error": msg})
                        log("  %-11s %-9s FAILED: %s" % (test, name, msg))
                        if not isinstance(e, Failure):
                            log(traceback.format_exc().rstrip())
                        srv.skip_records()
                        continue
                    for mid, v in values.items():
                        self.samples.setdefault(mid, {}).setdefault(name, []).append(v)
                    if values.get("conc_failures"):
                        self.failures.append({"round": r + 1, "test": test, "server": name,
                                              "error": "%d of %d sessions failed" % (
                                                  values["conc_failures"], self.p.conc_sessions)})
                    if values.get("idle_failures"):
                        self.failures.append({"round": r + 1, "test": test, "server": name,
                                              "error": "%d of %d idle sessions failed" % (
                                                  values["idle_failures"], self.p.idle_sessions)})
                    if values.get("load_failures"):
                        self.failures.append({"round": r + 1, "test": test, "server": name,
                                              "error": "%d of %d transfers failed" % (
                                                  values["load_failures"],
                                                  self.p.load_sessions * self.p.load_transfers)})
                    shown = ", ".join("%s %s %s" % (mid, fmt(v), METRIC[mid][3])
                                      for mid, v in values.items())
                    log("  %-11s %-9s %s  (%.1f s)" % (test, name, shown, time.monotonic() - t0))

    # -- results

    def summary(self):
        out = {}
        for mid, _test, _title, unit, better in METRICS:
            per = {}
            for name in self.servers:
                vals = self.samples.get(mid, {}).get(name, [])
                fails = [f for f in self.failures
                         if f["server"] == name and f["test"] == METRIC[mid][1]]
                if not vals and not fails:
                    continue
                entry = {"samples": vals, "failures": len(fails)}
                if vals:
                    entry["median"], entry["min"], entry["max"] = median_min_max(vals)
                per[name] = entry
            if not per:
                continue
            ratios = {}
            f = per.get("ftpsd", {}).get("median")
            for name, e in per.items():
                if name != "ftpsd" and f is not None and e.get("median"):
                    ratios["ftpsd/" + name] = f / e["median"]
            out[mid] = {"title": self.titles[mid], "unit": unit, "better": better,
                        "servers": per, "ratios": ratios}
        return out

    def table(self, summ):
        cols = [n for n in ("ftpsd", "vsftpd", "pure-ftpd", CEILING)
                if any(n in s["servers"] for s in summ.values())]
        peers = [n for n in cols if n != "ftpsd"]
        head = ["metric", "unit", "better"] + cols
        if "ftpsd" in cols:
            head += ["ftpsd/" + p for p in peers]
        rows = []
        for mid, s in summ.items():
            row = [s["title"], s["unit"], s["better"]]
            for n in cols:
                e = s["servers"].get(n)
                if e is None:
                    row.append("")
                elif "median" not in e:
                    row.append("FAILED")
                else:
                    cell = "%s [%s-%s]" % (fmt(e["median"]), fmt(e["min"]), fmt(e["max"]))
                    if e["failures"]:
                        cell += " !%d" % e["failures"]
                    row.append(cell)
            if "ftpsd" in cols:
                for p in peers:
                    r = s["ratios"].get("ftpsd/" + p)
                    row.append(ratio_cell(r, s["better"]) if r is not None else "")
            rows.append(row)
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
        def line(r):
            return "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()
        out = [line(head), line(["-" * w for w in widths])]
        out += [line(r) for r in rows]
        return "\n".join(out)

    def report(self):
        summ = self.summary()
        m = self.meta
        m["load_end"] = os.getloadavg()
        log("")
        log("=" * 78)
        log("ftpsd benchmark, %s%s, %d round(s), servers in rotating order each round" % (
            m["date"], " (SMOKE: tiny sizes, numbers mean nothing)" if self.p.smoke else "",
            self.p.rounds))
        for k in ("ftpsd", "vsftpd", "pure-ftpd", "tls-bare", "curl", "python", "kernel",
                  "machine"):
            if k in m:
                log("  %-10s %s" % (k + ":", m[k]))
        log("  %-10s %s; bare endpoint: %s" % ("TLS:", m["tls_client"], m.get("ceiling_tls", "-")))
        log("  %-10s %s; ftpsd: %s" % ("login:", m["account"], m["ftpsd_login"]))
        c = m.get("cpu_during_measurements")
        if c:
            log("  %-10s %.0f%% of the machine's CPU time went to other processes during the "
                "measurements%s" % ("noise:", 100 * max(0.0, c["other_share"]),
                                   " (something else ran: the numbers are noisy)"
                                   if c["other_share"] > 0.05 else ""))
        if m.get("page_reporting_min_free_ms", "-") != "-":
            log("  %-10s free page reporting's min_free_ms: %s" % (
                "memory:", m["page_reporting_min_free_ms"]))
        if m.get("data_tls_resumed"):
            log("  %-10s %s" % ("resumed:", ", ".join(
                "%s %s" % (k, "yes" if v else "no") for k, v in m["data_tls_resumed"].items())))
        log("")
        log(self.table(summ))
        log("")
        log("Cells: median [min-max] over the rounds; !N: N rounds failed. MB/s = 10^6 bytes/s.")
        log("better: which direction is better for that row. ftpsd/X: ftpsd's median divided by")
        log("X's; '+' marks rows where ftpsd is better, '-' where it is worse, '=' within 3%.")
        log("Data phase: bytes / (curl time_total - time_pretransfer). Server CPU: user+sys of")
        log("every process of the session (bench/cpuwrap, getrusage RUSAGE_CHILDREN), per GiB")
        log("moved or per session. ceiling: bench/tls-bare, a bare GnuTLS HTTPS endpoint fed by")
        log("the same curl with the same TLS: what curl itself can move on this machine; in the")
        log("file rows it reads and writes the same files, so its CPU there is the floor (plain")
        log("rows: the same endpoint over plain HTTP, sendfile() and read()/write()).")
        if CEILING in self.servers:
            fr = []
            for mid in ("retr_tls_mbps", "stor_tls_mbps", "conc_mbps"):
                s = summ.get(mid)
                c = s and s["servers"].get(CEILING, {}).get("median")
                if not c:
                    continue
                parts = ["%s %.0f%%" % (n, 100 * e["median"] / c)
                         for n, e in s["servers"].items() if n != CEILING and e.get("median")]
                fr.append("  %-44s %s" % (s["title"] + ":", ", ".join(parts)))
            if fr:
                log("")
                log("TLS throughput as a fraction of the client ceiling (higher is better):")
                for line in fr:
                    log(line)
            fl = []
            for mid in ("retr_plain_cpu", "stor_plain_cpu", "retr_tls_cpu", "stor_tls_cpu"):
                s = summ.get(mid)
                c = s and s["servers"].get(CEILING, {}).get("median")
                if not c:
                    continue
                parts = ["%s %.2fx" % (n, e["median"] / c)
                         for n, e in s["servers"].items() if n != CEILING and e.get("median")]
                fl.append("  %-44s %s" % (s["title"] + ":", ", ".join(parts)))
            if fl:
                log("")
                log("Server CPU over the floor, the ceiling's CPU in the same row (lower is better):")
                for line in fl:
                    log(line)
        if self.failures:
            log("")
            log("FAILURES (%d):" % len(self.failures))
            for f in self.failures:
                log("  round %d %s %s: %s" % (f["round"], f["test"], f["server"], f["error"]))
        codes = {n: s.exit_codes for n, s in self.servers.items()}
        log("")
        log("session exit statuses: " + "; ".join(
            "%s %s" % (n, ", ".join("%d x%d" % (k, v) for k, v in sorted(c.items())))
            for n, c in codes.items()))
        path = self.args.json or os.path.join(self.work, "results-%s.json" % self.stamp)
        doc = {"meta": m, "params": vars(self.p), "args": vars(self.args),
               "metrics": summ, "failures": self.failures, "details": self.details,
               "session_exit_status": {n: {str(k): v for k, v in c.items()}
                                       for n, c in codes.items()},
               "config": {n: s.command(s.port or 0) for n, s in
                          list(self.servers.items()) + list(self.extra_servers.items())}}
        with open(path, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
        log("JSON (every sample, medians, ratios, settings): %s" % path)

    # -- the end

    def cleanup(self):
        for s in list(self.servers.values()) + list(self.extra_servers.values()):
            s.stop()
        self.remove_policy()
        self.release_free_memory()
        if self.user_made:
            # Every session is stopped with its listener; userdel refuses
            # while a process of the account lives, so give it a moment.
            for _ in range(20):
                if run(["userdel", self.user], check=False, timeout=30).returncode == 0:
                    break
                time.sleep(0.2)
            else:
                log("warning: could not remove the account %s" % self.user)
        shutil.rmtree(self.shm, ignore_errors=True)


VSFTPD_CONF = """\
# vsftpd for the ftpsd benchmark: inetd mode, local users chrooted to home,
# plain or AUTH TLS with data connections that must resume the session.
listen=NO
listen_ipv6=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
secure_chroot_dir={empty}
pam_service_name=vsftpd
pasv_enable=YES
pasv_min_port={lo}
pasv_max_port={hi}
connect_from_port_20=NO
xferlog_enable=NO
ssl_enable=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=NO
ssl_request_cert=NO
require_ssl_reuse=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
rsa_cert_file={cert}
rsa_private_key_file={key}
ssl_ciphers=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305
"""


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, int):
        return str(v)
    a = abs(v)
    if a >= 100 or a == 0:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def ratio_cell(r, better):
    if abs(r - 1) <= 0.03:
        mark = "="
    elif (r > 1) == (better == "higher"):
        mark = "+"
    else:
        mark = "-"
    return "%.2f %s" % (r, mark)


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Benchmark ftpsd against vsftpd and Pure-FTPd.")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, one round; exits non-zero if anything fails")
    ap.add_argument("--load", action="store_true",
                    help="only the load test, full size: 200 concurrent TLS sessions x 20 "
                         "transfers (with --smoke: 6 x 4)")
    ap.add_argument("--rounds", type=int, help="rounds (default 3; 1 with --smoke or --load)")
    ap.add_argument("--only", default="",
                    help="comma-separated tests or metric ids (tests: %s)" % ", ".join(TESTS))
    ap.add_argument("--servers", default="ftpsd,vsftpd,pure-ftpd,ceiling",
                    help="comma-separated, of ftpsd, vsftpd, pure-ftpd, ceiling")
    ap.add_argument("--json", help="where to write the results (default WORK/results-DATE.json)")
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK") or "/tmp/ftpsd-bench",
                    help="work folder (default $BENCH_WORK or /tmp/ftpsd-bench)")
    ap.add_argument("--shm", default="/dev/shm",
                    help="tmpfs for the served tree (default /dev/shm)")
    ap.add_argument("--ftpsd", help="the ftpsd binary (default SOURCE/build/src/ftpsd)")
    ap.add_argument("--helpers", help="folder with cpuwrap and tls-bare (built here when missing)")
    ap.add_argument("--source", help="the source tree, for the commit (default: above bench/)")
    ap.add_argument("--pasv-base", type=int, default=30000,
                    help="first passive port; 3 ranges of 200 follow (default 30000)")
    ap.add_argument("--keep-page-reporting", action="store_true",
                    help="leave the VM's free page reporting as it is (the bench holds "
                         "freed memory for a minute where it can: bench/README)")
    ap.add_argument("--ftpsd-users-file", action="store_true",
                    help="log ftpsd's user in from an FTPSD_USERS file with the same hash "
                         "instead of FTPSD_SYSTEM_USERS=1")
    a = ap.parse_args(argv)
    a.servers = [s.strip() for s in a.servers.split(",") if s.strip()]
    for s in a.servers:
        if s not in PEERS + (CEILING,):
            ap.error("unknown server %r" % s)
    if a.rounds is not None and a.rounds < 1:
        ap.error("--rounds must be at least 1")
    wanted = [x.strip() for x in a.only.split(",") if x.strip()]
    tests = []
    for w in wanted:
        t = w if w in TESTS else METRIC[w][1] if w in METRIC else None
        if t is None:
            ap.error("unknown test or metric %r (tests: %s; metrics: %s)" % (
                w, ", ".join(TESTS), ", ".join(METRIC)))
        if t not in tests:
            tests.append(t)
    if a.load:
        if tests and tests != [LOAD_TEST]:
            ap.error("--load runs the load test alone; leave out --only")
        tests = [LOAD_TEST]
    elif not tests:
        tests = [t for t in TESTS if t != LOAD_TEST or a.smoke]
    a.tests = [t for t in TESTS if t in tests]
    if not a.ftpsd:
        a.ftpsd = os.path.join(a.source or os.path.dirname(HERE), "build", "src", "ftpsd")
    a.ftpsd = os.path.abspath(a.ftpsd)
    return a


class Stop(BaseException):
    """A signal, or the time limit: the bench ends, cleaning up."""


def on_signal(signum, frame):
    raise Stop("time limit reached" if signum == signal.SIGALRM else "signal %d" % signum)


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        log("bench: must run as root (it installs packages, makes an account and runs the "
            "servers as they run in production)")
        return 2
    if "ftpsd" in args.servers and not os.access(args.ftpsd, os.X_OK):
        log("bench: no ftpsd binary at %s (use --ftpsd)" % args.ftpsd)
        return 2
    bench = Bench(args)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, on_signal)
    signal.alarm(bench.p.time_limit)
    t0 = time.monotonic()
    code = 0
    try:
        bench.prepare()
        bench.versions()
        bench.sanity()
        bench.measure()
        bench.report()
        if bench.failures:
            code = 1
    except SetupError as e:
        log("bench: %s" % e)
        code = 2
    except Stop as e:
        log("bench: stopped: %s" % e)
        code = 3
    finally:
        signal.alarm(0)
        bench.cleanup()
    log("bench: %s after %.0f s" % ("ok" if code == 0 else "FAILED (exit %d)" % code,
                                    time.monotonic() - t0))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
