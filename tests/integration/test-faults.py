#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: faults and limits. Nothing is lost, nothing hangs.

- Clients that go away (FIN, or RST with SO_LINGER 0) at every phase:
  before the greeting, mid-line, after USER, after PASS, during the TLS
  handshake (AUTH TLS and implicit: half a ClientHello), in the middle of
  RETR, STOR and LIST, plain and over TLS, and during the TLS handshake of
  a data connection. The session process must end within seconds with the
  documented exit status and no sanitizer report, an upload must leave the
  old file and no temporary behind, and the log must have the transfer.
- A full disk (an 8 MiB tmpfs) during STOR, APPE, STOU and a TLS STOR: 452,
  the old file intact, the session usable; FTPSD_MAX_FILE_SIZE: 552.
- A file truncated while it is being sent (sendfile, TYPE A, TLS).
- Data peers that stall (FTPSD_DATA_TIMEOUT), PASV never connected, and
  clients that close the data connection early (no death by SIGPIPE).
- A timeout in every blocking state: login (silent, slowloris, NOOPs,
  failed logins sent at once), AUTH TLS and implicit handshakes (silent or
  trickled), idle (plain and TLS), the TLS handshake of a data connection,
  and replies the client never reads (IDLE bounds sending a reply).
- The process's own limits (/proc/PID/limits: core, descriptors, file
  size) and no descriptor leak over many broken transfers.
- Listings of 200,000 entries are streamed (VmHWM sampled while they
  flow), LIST -R stops at 8 levels and 100,000 entries, wildcard and
  option abuse answers quickly and never leaves the root; 20 sessions at
  once.

Needs root (tmpfs mounts; the harness's FTPSD_RUN_USER account). The cases
that wait run in parallel threads, each keeping its results, which are
printed in order afterwards.
"""

import atexit
import fnmatch
import os
import re
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402
from ftpsd_test import ALICE, MiB, TAP, random_bytes, upload_temps, wait_until  # noqa: E402

t = TAP()
ft.install_watchdog()

# Timeouts of the servers that test them (seconds), and the margin allowed
# on top: what an ASan+UBSan build needs on a loaded 2-core machine (CI
# runs four such suites side by side). Bounds follow from the configured
# timeouts plus this margin, never from how fast a quiet machine is;
# speed is for the benchmarks.
LOGIN_TO = 3
IDLE_TO = 3
DATA_TO = 2
SLACK = 10.0
# The timeouts of the other servers: long, so that only a fault ends
# their sessions.
LONG_TO = 60
# A session whose client has gone must be gone within this: it notices at
# once on a quiet machine, and the timeout that governs it ends it at the
# latest.
END_WITHIN = LONG_TO + SLACK

BIG_SIZE = 32 * MiB
BIG = random_bytes(BIG_SIZE, 4242)
SMALL = random_bytes(200 * 1024 + 7, 77)
OLD = b"the previous content, which must survive\n" * 1000

HUGE_COUNT = 200000
RSS_LIMIT_KB = 16 * 1024        # absolute VmHWM bound of a listing session
RSS_GROWTH_KB = 8 * 1024        # VmHWM growth bound during the listings

SANITIZED = False
try:
    with open(ft.FTPSD_BIN, "rb") as _f:
        SANITIZED = b"__asan_init" in _f.read()
except OSError:
    pass


# ---------------------------------------------------------------- results

class Rec(TAP):
    """TAP results kept in memory (one per parallel case), replayed in order."""

    def __init__(self):  # noqa: D107 - no TAP counters here
        self.items = []

    def ok(self, cond, name, diag=None):
        self.items.append(("ok", bool(cond), name, diag))
        return bool(cond)

    def diag(self, msg):
        self.items.append(("diag", msg))

    def replay(self, tap):
        for it in self.items:
            if it[0] == "ok":
                tap.ok(it[1], it[2], it[3])
            else:
                tap.diag(it[1])


def _run_rec(rec, name, fn, args):
    t0 = time.monotonic()
    try:
        fn(rec, *args)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        rec.ok(False, "%s: exception %s: %s" % (name, type(e).__name__, e))
        rec.diag(traceback.format_exc())
    rec.elapsed = time.monotonic() - t0


def parallel(cases, timeout=90):
    """Runs (name, fn, args...) cases in threads; fn(rec, *args). Results are
    printed in the order of the cases once all have ended (or timed out)."""
    runs = []
    for case in cases:
        name, fn, args = case[0], case[1], case[2:]
        rec = Rec()
        rec.elapsed = None
        th = threading.Thread(target=_run_rec, args=(rec, name, fn, args), daemon=True)
        th.start()
        runs.append((name, rec, th))
    deadline = time.monotonic() + timeout
    for _, _, th in runs:
        th.join(max(0.0, deadline - time.monotonic()))
    for name, rec, th in runs:
        t.diag("--- " + name)
        if th.is_alive():
            t.ok(False, "%s: still running after %d s" % (name, timeout))
            continue
        rec.replay(t)
        if rec.elapsed is not None and rec.elapsed > 3:
            t.diag("(%s took %.1f s)" % (name, rec.elapsed))


# ---------------------------------------------------------------- helpers

def rst(sock):
    """Closes with a TCP RST (SO_LINGER 0)."""
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def hangup(sock):
    """Closes with a FIN first (the kernel still resets if data is unread)."""
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_WR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


FAULTS = {"close": hangup, "reset": rst}

# A child that takes two descriptors (first, then second) so that first
# gets the lower number, then waits to be killed.
_HOLDER = """import os, sys
low = os.dup(int(sys.argv[1]))
high = os.dup(int(sys.argv[2]))
os.close(int(sys.argv[1]))
os.close(int(sys.argv[2]))
print("holding", low, high, flush=True)
sys.stdin.read()
"""


class Holder:
    """Two sockets handed to a child process, to end them the way a
    client's death does: SIGKILL, and the kernel closes the child's
    descriptors in ascending order, first (the lower) a moment before
    second. Two close() calls from a test thread can be a scheduling
    pause apart, and a pause longer than the server's grace after a plain
    upload's FIN (UPLOAD_HANGUP_GRACE_MS, 50 ms) is a client that closed
    its data connection and then, later, its control connection: a
    complete upload by the protocol's rules, not a death."""

    def __init__(self, first, second):
        fds = (first.fileno(), second.fileno())
        self.proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(fds[0]), str(fds[1])],
                                     pass_fds=fds, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], ft.CTL_TIMEOUT)
        line = self.proc.stdout.readline() if ready else b""
        if not line.startswith(b"holding "):
            self.proc.kill()
            self.proc.wait(ft.CTL_TIMEOUT)
            raise RuntimeError("the holder of the sockets did not start: %r" % line)
        # Only the child's descriptors keep the connections now.
        first.close()
        second.close()

    def die(self):
        self.proc.kill()
        self.proc.wait(ft.CTL_TIMEOUT)
        self.proc.stdin.close()
        self.proc.stdout.close()


def session_pid(srv, sock, since, timeout=10.0):
    """The pid of the ftpsd process serving the connection sock: the
    "Spawned ... as PID" line that systemd-socket-activate writes after its
    "Connection from HOST:PORT" line for our local port."""
    port = sock.getsockname()[1]
    rx = re.compile(r"^Connection from \S+:%d to .*$" % port, re.M)
    spawned = re.compile(r"^Spawned .* as PID (\d+)", re.M)

    def find():
        text = srv.log(since)
        m = rx.search(text)
        if not m:
            return None
        m2 = spawned.search(text, m.end())
        if not m2:
            return None
        # Once it has logged its start, the process is up: what follows
        # is its doing, not the time exec and a loaded machine took.
        started = re.search(r"^ftpsd\[%s\]: session start" % m2.group(1), text, re.M)
        return int(m2.group(1)) if started else None
    return wait_until(find, timeout)


def connect_tracked(srv, greeting=True, timeout=ft.CTL_TIMEOUT):
    """A control connection and its session: (Ctl, pid, when the session
    had started). Deadlines are measured from then, not from connect(),
    which on a loaded machine may wait for the process to start."""
    mark = srv.mark()
    c = srv.connect(greeting=False, timeout=timeout)
    pid = session_pid(srv, c.sock, mark)
    started = time.monotonic()
    if greeting:
        c.greeting = c.reply()
    return c, pid, started


def sanitizer_lines_of(srv, pid, since):
    return [l for l in srv.log(since).splitlines()
            if "==%d==" % pid in l and ft.SANITIZER_RE.search(l)]


def logged(r, srv, pid, since, pattern, name):
    """The session pid wrote a log line matching pattern (after "ftpsd[pid]: ")."""
    rx = r"^ftpsd\[%d\]: %s$" % (pid or 0, pattern)
    r.ok(pid and srv.wait_log(rx, SLACK, since), name,
         "no line %s in:\n%s" % (rx, ts.session_log(srv, since, pid)[-1500:] if pid else ""))


def xferlog(path, direction):
    """An incomplete transfer record (xferlog format) for alice."""
    return r".* \d+ %s b _ %s r alice ftp 0 \* i" % (re.escape(path), direction)


def expect_end(r, srv, pid, since, want, name, t_fault, within=END_WITHIN):
    """The session pid ends within `within` seconds of t_fault, with exit
    status want, and without a sanitizer report."""
    if pid is None:   # the harness could not tell which session: a failure, not a check
        r.ok(False, "%s: the session process ends by itself" % name, "its pid is not in the log")
        return
    code = srv.child_exit(pid, within + 1.0, since)
    dt = time.monotonic() - t_fault
    if dt > 1.5:
        r.diag("%s: the session ended %.1f s after the fault" % (name, dt))
    r.ok(code is not None and dt <= within + 1.0,
         "%s: the session process ends by itself" % name,
         "exit %r after %.1f s (limit %.0f s)" % (code, dt, within))
    r.is_eq(code, want, "%s: exit status %d" % (name, want))
    if SANITIZED:   # only a sanitizer build can report
        sans = sanitizer_lines_of(srv, pid, since)
        r.ok(not sans, "%s: no sanitizer report" % name, "\n".join(sans[:20]))
    return code


def retr_still_works(r, srv, c, pid, mark, name):
    """After a fault: the control session still answers, a RETR of
    small.bin comes back intact, QUIT ends the session with status 0.
    Returns the exit status (expect_end)."""
    r.code(c.cmd("NOOP"), 200, "%s: NOOP afterwards" % name)
    c.cmd("TYPE I")
    first, data, final = c.retr("RETR small.bin")
    r.code(final, 226, "%s: the next RETR works" % name)
    r.ok(data == SMALL, "%s: and its data is intact" % name)
    r.code(c.quit(), 221, "%s: QUIT" % name)
    return expect_end(r, srv, pid, mark, 0, name, time.monotonic())


def read_n(sock, n):
    """Reads at least n bytes (or until the end)."""
    got = 0
    chunks = []
    while got < n:
        b = sock.recv(min(MiB, n - got))
        if not b:
            break
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def read_all(sock):
    """Reads to the end; (data, how it ended: 'eof', 'ragged' (TLS without
    close_notify) or 'reset')."""
    chunks = []
    how = "eof"
    while True:
        try:
            b = sock.recv(MiB)
        except ssl.SSLEOFError:
            how = "ragged"
            break
        except ConnectionResetError:
            how = "reset"
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks), how


def open_pasv(c):
    host, port = c.pasv()
    d = socket.create_connection((host, port), timeout=ft.CTL_TIMEOUT)
    return d


def login_plain(srv):
    return srv.login(ALICE)


def client_hello():
    """The bytes of a real TLS ClientHello."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ts.client_context().wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    if len(hello) < 100:
        raise RuntimeError("no ClientHello: %r" % hello[:50])
    return hello


def send_until_error(sock, data):
    """Sends data (then ends it properly); the exception that stopped it, or None."""
    try:
        sock.sendall(data)
        if isinstance(sock, ssl.SSLSocket):
            sock.unwrap()
        else:
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            try:
                while sock.recv(65536):
                    pass
            except OSError:
                pass
        return None
    except (OSError, ssl.SSLError, ValueError) as e:
        return e


def upload(c, cmd, data):
    """An upload that may be refused mid-way: (first reply, final reply,
    the client's send error or None)."""
    d = open_pasv(c)
    first = c.cmd(cmd)
    if first[0] != 150:
        d.close()
        return first, None, None
    try:
        if getattr(c, "prot_p", False):
            d = c.wrap_data(d)
        err = send_until_error(d, data)
    finally:
        d.close()
    return first, c.reply(), err


def to_network_ascii(data):
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def vm_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^%s:\s+(\d+) kB" % field, f.read(), re.M)
            return int(m.group(1)) if m else None
    except OSError:
        return None


# ---------------------------------------------------------------- tmpfs

_mounts = []


def mount_tmpfs(path, size, uid=None, gid=None):
    opts = "size=%s,mode=0755" % size
    if uid is not None:
        opts += ",uid=%d,gid=%d" % (uid, gid)
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path], check=True,
                   capture_output=True, timeout=30)
    _mounts.append(path)


def unmount_all():
    while _mounts:
        p = _mounts.pop()
        r = subprocess.run(["umount", p], capture_output=True, timeout=30)
        if r.returncode != 0:
            subprocess.run(["umount", "-l", p], capture_output=True, timeout=30)


atexit.register(unmount_all)   # runs before the harness's stop_all (LIFO)


def _watchdog(signum, frame):
    unmount_all()
    ft._watchdog(signum, frame)


signal.signal(signal.SIGALRM, _watchdog)


def start_making_huge(path):
    """Creates HUGE_COUNT empty files f000000... in path, in a child
    process, while other tests run."""
    code = ("import os,sys\n"
            "d=os.open(sys.argv[1],os.O_RDONLY|os.O_DIRECTORY)\n"
            "fl=os.O_CREAT|os.O_WRONLY|os.O_EXCL|os.O_CLOEXEC\n"
            "for i in range(int(sys.argv[2])):\n"
            "    os.close(os.open('f%06d'%i,fl,0o644,dir_fd=d))\n")
    return subprocess.Popen([sys.executable, "-c", code, path, str(HUGE_COUNT)],
                            stdin=subprocess.DEVNULL)


# ================================================================ disconnects

def dc_prelogin(r, srv, phase, fault):
    """Disconnect before the greeting is read, mid-USER line, after USER,
    after PASS."""
    name = "%s at %s" % (fault, phase)
    mark = srv.mark()
    c = srv.connect(greeting=(phase != "before the greeting"))
    pid = session_pid(srv, c.sock, mark)
    if phase == "mid-USER line":
        c.send("USER ali")
        time.sleep(0.2)
    elif phase == "after USER":
        r.code(c.cmd("USER alice"), 331, "%s: USER" % name)
    elif phase == "after PASS":
        r.code(c.login(ALICE.name, ALICE.password), 230, "%s: login" % name)
    t0 = time.monotonic()
    FAULTS[fault](c.sock)
    expect_end(r, srv, pid, mark, 0, name, t0)
    if phase == "mid-USER line" and pid:
        r.unlike(ts.session_log(srv, mark, pid), r"USER ali",
                 "%s: the unterminated line is not run" % name)


def dc_handshake(r, srv, implicit, fault):
    """Half a ClientHello, then the client goes: the handshake fails, exit 1."""
    name = "%s during the %s TLS handshake" % (fault, "implicit" if implicit else "AUTH TLS")
    hello = client_hello()
    mark = srv.mark()
    c = srv.connect(greeting=not implicit)
    pid = session_pid(srv, c.sock, mark)
    if not implicit:
        r.code(c.cmd("AUTH TLS"), 234, "%s: AUTH TLS" % name)
    c.send(hello[:len(hello) // 2])
    time.sleep(0.3)
    t0 = time.monotonic()
    FAULTS[fault](c.sock)
    expect_end(r, srv, pid, mark, 1, name, t0)


def dc_retr(r, srv, fault, tls=False, control_only=False):
    name = "%s%s in the middle of %sRETR" % (fault, " of the control connection only"
                                             if control_only else "", "a TLS " if tls else "")
    mark = srv.mark()
    c = ts.connect_tls(srv) if tls else login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    d = open_pasv(c)
    r.code(c.cmd("RETR big.bin"), 150, "%s: RETR" % name)
    if tls:
        d = c.wrap_data(d)
    got = read_n(d, 256 * 1024)
    r.ok(len(got) == 256 * 1024 and got == BIG[:len(got)], "%s: the first 256 KiB arrived" % name)
    t0 = time.monotonic()
    if not control_only:
        FAULTS[fault](d)
    FAULTS[fault](c.sock)
    expect_end(r, srv, pid, mark, 0, name, t0)
    rst(d)
    # Nothing is lost: the log has the transfer, incomplete, and the
    # command with 426 (ftpsd(8), FTP_REPLY).
    logged(r, srv, pid, mark, xferlog("/big.bin", "o"), "%s: incomplete transfer logged" % name)
    logged(r, srv, pid, mark, r"alice \[127\.0\.0\.1\] RETR big\.bin 426",
           "%s: RETR logged with 426" % name)


def dc_stor(r, srv, fault, tls=False, control_only=False):
    tag = "%s-%s%s" % (fault, "tls" if tls else "plain", "-ctl" if control_only else "")
    name = "%s%s in the middle of %sSTOR" % (fault, " of the control connection only"
                                             if control_only else "", "a TLS " if tls else "")
    sub = "stor-" + tag
    srv.mkdir(sub)
    srv.put(sub + "/victim.bin", OLD)
    mark = srv.mark()
    c = ts.connect_tls(srv) if tls else login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    d = open_pasv(c)
    r.code(c.cmd("STOR %s/victim.bin" % sub), 150, "%s: STOR" % name)
    if tls:
        d = c.wrap_data(d)
    if not control_only:
        d.sendall(BIG[:MiB])
        time.sleep(0.2)
    # A plain data connection's FIN is all a complete upload sends too:
    # only the control connection's end, right after it, tells a death.
    died = Holder(d, c.sock) if fault == "close" and not tls and not control_only else None
    t0 = time.monotonic()
    if died:
        died.die()
    else:
        if not control_only:
            FAULTS[fault](d)
        FAULTS[fault](c.sock)
    expect_end(r, srv, pid, mark, 0, name, t0)
    rst(d)
    r.ok(ft.read_file(srv.path(sub, "victim.bin")) == OLD, "%s: the old file is intact" % name)
    r.is_eq(upload_temps(srv.path(sub)), [], "%s: no temporary file left" % name)
    logged(r, srv, pid, mark, xferlog("/%s/victim.bin" % sub, "i"),
           "%s: incomplete transfer logged" % name)
    logged(r, srv, pid, mark, r"alice \[127\.0\.0\.1\] STOR %s/victim\.bin 426" % re.escape(sub),
           "%s: STOR logged with 426" % name)


def dc_list(r, srv, fault):
    name = "%s in the middle of LIST of %d entries" % (fault, HUGE_COUNT)
    mark = srv.mark()
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    d = open_pasv(c)
    r.code(c.cmd("LIST huge"), 150, "%s: LIST" % name)
    got = read_n(d, 64 * 1024)
    r.ok(len(got) == 64 * 1024, "%s: the first 64 KiB arrived" % name)
    t0 = time.monotonic()
    FAULTS[fault](d)
    FAULTS[fault](c.sock)
    expect_end(r, srv, pid, mark, 0, name, t0)
    logged(r, srv, pid, mark, r"alice \[127\.0\.0\.1\] LIST huge 426",
           "%s: LIST logged with 426" % name)


def dc_data_handshake(r, srv, fault):
    """The TLS handshake of a data connection is cut: 522, the session lives."""
    name = "%s during the TLS handshake of a data connection" % fault
    hello = client_hello()
    mark = srv.mark()
    c = ts.connect_tls(srv)
    pid = session_pid(srv, c.sock, mark)
    d = open_pasv(c)
    r.code(c.cmd("RETR small.bin"), 150, "%s: RETR" % name)
    d.sendall(hello[:len(hello) // 2])
    time.sleep(0.2)
    t0 = time.monotonic()
    FAULTS[fault](d)
    r.code(c.reply(), 522, "%s: the transfer fails" % name)
    r.ok(time.monotonic() - t0 < END_WITHIN, "%s: at once" % name)
    retr_still_works(r, srv, c, pid, mark, name)


# ================================================================ SIGPIPE, truncation

def early_close(r, srv, mode, fault):
    """The client closes the data connection of a large RETR early and goes
    on: 426, the session answers, and it ends normally (not by SIGPIPE)."""
    name = "%s of the data connection during a %s RETR" % (fault, mode)
    tls = mode == "TLS"
    mark = srv.mark()
    c = ts.connect_tls(srv) if tls else login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE A" if mode == "TYPE A" else "TYPE I")
    d = open_pasv(c)
    r.code(c.cmd("RETR big.bin"), 150, "%s: RETR" % name)
    if tls:
        d = c.wrap_data(d)
    read_n(d, 128 * 1024)
    t0 = time.monotonic()
    FAULTS[fault](d)
    r.code(c.reply(), 426, "%s: the transfer ends" % name)
    r.ok(time.monotonic() - t0 < END_WITHIN, "%s: at once" % name)
    # Killed by SIGPIPE, it would not exit 0 (retr_still_works checks).
    retr_still_works(r, srv, c, pid, mark, name)


def truncated_retr(r, srv, mode, new_size):
    """The file is cut while it is sent: 226 (what there was) or 426/451,
    never a hang; what arrived is a prefix of the file."""
    name = "file cut to %d bytes during a %s RETR" % (new_size, mode)
    rel = "shrink-%s-%d.bin" % (mode.replace(" ", ""), new_size)
    srv.put(rel, BIG)
    tls = mode == "TLS"
    mark = srv.mark()
    c = ts.connect_tls(srv) if tls else login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE A" if mode == "TYPE A" else "TYPE I")
    d = open_pasv(c)
    r.code(c.cmd("RETR " + rel), 150, "%s: RETR" % name)
    if tls:
        d = c.wrap_data(d)
    d.settimeout(DATA_TO + SLACK + 10)
    head = read_n(d, MiB)
    os.truncate(srv.path(rel), new_size)
    t0 = time.monotonic()
    rest, how = read_all(d)
    d.close()
    got = head + rest
    final = c.reply()
    dt = time.monotonic() - t0
    r.code(final, (226, 426, 451), "%s: the transfer ends" % name)
    r.ok(dt < END_WITHIN, "%s: without waiting (%.1f s)" % (name, dt))
    # (Only as much as needed: converting 32 MiB would hold the GIL for a
    # second and skew the other threads' clocks.)
    want = to_network_ascii(BIG[:len(got)]) if mode == "TYPE A" else BIG
    r.ok(len(got) <= len(want) and head == want[:len(head)],
         "%s: what arrived before the cut is the file's beginning" % name)
    if mode == "TYPE I":
        # sendfile(2) is zero-copy: the bytes already queued on the socket
        # are the page cache's pages, and truncate(2) zeroes the part of a
        # large folio beyond the new end in place. So what follows the cut
        # is, byte by byte, the file's old byte or zero (the kernel's
        # doing); never anything else. Not page by page: the zeroing can
        # meet the receiver's copy of a page halfway (about one run in 30
        # here), and that page arrives part zeros, part file.
        pages = [(i, got[i:i + 4096]) for i in range(0, len(got), 4096)]
        differ = [(i, p) for i, p in pages if p != want[i:i + len(p)]]
        mixed = [(i, p) for i, p in differ if p.strip(b"\0")]
        bad = [i for i, p in mixed
               if any(g != w and g != 0 for g, w in zip(p, want[i:i + len(p)]))]
        zeros = len(differ) - len(mixed)
        r.ok(len(got) <= len(want) and not bad,
             "%s: every byte is the file's or zero" % name,
             "%d bytes; pages with other bytes: %s" % (len(got), bad[:10]))
        if differ:
            r.diag("%s: %d pages arrived as zeros, %d part zeros (sendfile of truncated "
                   "page cache)" % (name, zeros, len(mixed) - len(bad)))
    else:
        r.ok(got == want[:len(got)], "%s: what arrived is a prefix of the file" % name,
             "%d bytes" % len(got))
    r.diag("%s: %d bytes arrived, final reply %r, data connection ended: %s"
           % (name, len(got), final[1] if final else None, how))
    if tls:
        # ftpsd(8): close_notify after a complete transfer, none after a
        # failed one.
        r.is_eq(how, "eof" if final and final[0] == 226 else "ragged",
                "%s: the TLS data connection ends as the reply says" % name)
    r.code(c.cmd("NOOP"), 200, "%s: NOOP afterwards" % name)
    r.code(c.quit(), 221, "%s: QUIT" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())


# ================================================================ timeouts

def to_silent(r, srv):
    name = "a client that sends nothing"
    mark = srv.mark()
    c, pid, t0 = connect_tracked(srv, timeout=LOGIN_TO + SLACK + 5)
    rep = c.reply()
    dt = time.monotonic() - t0
    r.code(rep, 421, "%s: 421 at the login timeout" % name)
    r.ok(LOGIN_TO - 1 <= dt <= LOGIN_TO + SLACK, "%s: after %.1f s (%d s)" % (name, dt, LOGIN_TO))
    r.ok(c.wait_closed(SLACK), "%s: then the connection is closed" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())
    logged(r, srv, pid, mark, "login timeout", "%s: logged as a login timeout" % name)


def to_auth_nothing(r, srv):
    name = "AUTH TLS and then no handshake"
    mark = srv.mark()
    c, pid, t0 = connect_tracked(srv, timeout=LOGIN_TO + SLACK + 5)
    r.code(c.cmd("AUTH TLS"), 234, "%s: AUTH TLS" % name)
    closed = c.wait_closed(LOGIN_TO + SLACK)
    dt = time.monotonic() - t0
    r.ok(closed and LOGIN_TO - 1 <= dt <= LOGIN_TO + SLACK,
         "%s: closed at the login deadline" % name, "closed %s after %.1f s" % (closed, dt))
    expect_end(r, srv, pid, mark, 1, name, time.monotonic())


def to_implicit_nothing(r, srv):
    name = "implicit TLS without a ClientHello"
    mark = srv.mark()
    c, pid, t0 = connect_tracked(srv, greeting=False, timeout=LOGIN_TO + SLACK + 5)
    closed = c.wait_closed(LOGIN_TO + SLACK)
    dt = time.monotonic() - t0
    r.ok(closed and LOGIN_TO - 1 <= dt <= LOGIN_TO + SLACK,
         "%s: closed at the login deadline" % name, "closed %s after %.1f s" % (closed, dt))
    r.unlike(c.rbuf.decode("latin-1"), r"220", "%s: no greeting in clear text" % name)
    expect_end(r, srv, pid, mark, 1, name, time.monotonic())


def trickle(c, unit, interval, limit):
    """Sends unit every interval seconds until the server closes (True) or
    limit seconds pass (False)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            c.sock.send(unit)
        except OSError:
            return True
        if c.wait_closed(interval):
            return True
    return False


def to_slowloris(r, srv, after_login):
    what = "after login" if after_login else "before login"
    name = "slowloris %s (one byte of an endless line every 0.5 s)" % what
    limit = IDLE_TO if after_login else LOGIN_TO
    mark = srv.mark()
    c, pid, t0 = connect_tracked(srv, timeout=limit + SLACK + 5)
    if after_login:
        r.code(c.login(ALICE.name, ALICE.password), 230, "%s: login" % name)
        t0 = time.monotonic()
    c.send("USER " if not after_login else "STAT ")
    closed = trickle(c, b"a", 0.5, limit + SLACK)
    dt = time.monotonic() - t0
    r.ok(closed and limit - 1 <= dt <= limit + SLACK,
         "%s: closed by the %s timeout" % (name, "idle" if after_login else "login"),
         "closed %s after %.1f s (%d s)" % (closed, dt, limit))
    r.like(c.rbuf.decode("latin-1"), r"(^|\n)421 ", "%s: 421 before the close" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())


def to_noop_before_login(r, srv):
    name = "NOOP every 0.5 s before login"
    mark = srv.mark()
    c, pid, t0 = connect_tracked(srv, timeout=LOGIN_TO + SLACK + 5)
    closed = trickle(c, b"NOOP\r\n", 0.5, LOGIN_TO + SLACK)
    dt = time.monotonic() - t0
    r.ok(closed and LOGIN_TO - 1 <= dt <= LOGIN_TO + SLACK,
         "%s: does not extend the login deadline" % name,
         "closed %s after %.1f s (%d s)" % (closed, dt, LOGIN_TO))
    text = c.rbuf.decode("latin-1")
    r.like(text, r"(^|\n)200 ", "%s: the NOOPs were answered" % name)
    r.like(text, r"(^|\n)421 ", "%s: 421 before the close" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())


def to_idle(r, srv):
    name = "idle after login"
    mark = srv.mark()
    c = srv.connect(timeout=IDLE_TO + SLACK + 5)
    pid = session_pid(srv, c.sock, mark)
    r.code(c.login(ALICE.name, ALICE.password), 230, "%s: login" % name)
    t0 = time.monotonic()
    rep = c.reply()
    dt = time.monotonic() - t0
    r.code(rep, 421, "%s: 421 at the idle timeout" % name)
    r.ok(IDLE_TO - 1 <= dt <= IDLE_TO + SLACK, "%s: after %.1f s (%d s)" % (name, dt, IDLE_TO))
    r.ok(c.wait_closed(SLACK), "%s: then the connection is closed" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())
    logged(r, srv, pid, mark, "idle timeout", "%s: logged as an idle timeout" % name)


def to_tls_control(r, srv, after_login):
    """The login and idle timeouts on a TLS control connection: 421 inside
    TLS, then close_notify."""
    limit = IDLE_TO if after_login else LOGIN_TO
    name = "TLS control connection %s" % ("idle after login" if after_login
                                          else "silent after the handshake")
    mark = srv.mark()
    t0 = time.monotonic()
    c = ts.connect_tls(srv, login=after_login, protect=False)
    pid = session_pid(srv, c.sock, mark)
    if after_login:
        t0 = time.monotonic()
    c.settimeout(limit + SLACK + 5)
    rep = c.reply()
    dt = time.monotonic() - t0
    r.code(rep, 421, "%s: 421" % name)
    r.ok(limit - 1 <= dt <= limit + SLACK, "%s: after %.1f s (%d s)" % (name, dt, limit))
    r.is_eq(c.wait_tls_end(SLACK), "close_notify", "%s: then close_notify" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())
    logged(r, srv, pid, mark, "idle timeout" if after_login else "login timeout",
           "%s: logged" % name)


def to_data_tls_never(r, srv):
    name = "PROT P data connection without a TLS handshake"
    mark = srv.mark()
    c = ts.connect_tls(srv)
    pid = session_pid(srv, c.sock, mark)
    d = open_pasv(c)
    r.code(c.cmd("RETR small.bin"), 150, "%s: RETR" % name)
    t0 = time.monotonic()
    c.settimeout(DATA_TO + SLACK + 5)
    rep = c.reply()
    dt = time.monotonic() - t0
    # ftpsd(8): "A data connection whose TLS handshake fails is answered
    # 522"; the data timeout covers the handshake ("425" is documented for
    # a data connection not established in time).
    r.code(rep, (522, 425), "%s: fails" % name)
    r.ok(DATA_TO - 1 <= dt <= DATA_TO + SLACK,
         "%s: after FTPSD_DATA_TIMEOUT (%.1f s, %d s)" % (name, dt, DATA_TO))
    rst(d)
    retr_still_works(r, srv, c, pid, mark, name)


def stall_retr(r, srv, tls):
    name = "a %sRETR whose client stops reading" % ("TLS " if tls else "")
    mark = srv.mark()
    c = ts.connect_tls(srv) if tls else login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    d = open_pasv(c)
    r.code(c.cmd("RETR big.bin"), 150, "%s: RETR" % name)
    if tls:
        d = c.wrap_data(d)
    t0 = time.monotonic()
    c.settimeout(DATA_TO + SLACK + 5)
    rep = c.reply()
    dt = time.monotonic() - t0
    r.code(rep, 426, "%s: 426 at the data timeout" % name)
    lo, hi = ft.timeout_window(DATA_TO)
    r.ok(lo <= dt <= hi, "%s: after %.1f s (%d s; between %.1f and %.1f)" % (name, dt, DATA_TO, lo, hi))
    rst(d)
    retr_still_works(r, srv, c, pid, mark, name)


def stall_stor(r, srv, tls):
    name = "a %sSTOR whose client sends nothing after 150" % ("TLS " if tls else "")
    sub = "stall-stor-%s" % ("tls" if tls else "plain")
    srv.mkdir(sub)
    srv.put(sub + "/keep.bin", OLD)
    mark = srv.mark()
    c = ts.connect_tls(srv) if tls else login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    d = open_pasv(c)
    r.code(c.cmd("STOR %s/keep.bin" % sub), 150, "%s: STOR" % name)
    if tls:
        d = c.wrap_data(d)
    t0 = time.monotonic()
    c.settimeout(DATA_TO + SLACK + 5)
    rep = c.reply()
    dt = time.monotonic() - t0
    r.code(rep, 426, "%s: 426 at the data timeout" % name)
    r.ok(DATA_TO - 1 <= dt <= DATA_TO + SLACK, "%s: after %.1f s (%d s)" % (name, dt, DATA_TO))
    rst(d)
    r.ok(ft.read_file(srv.path(sub, "keep.bin")) == OLD, "%s: the old file is intact" % name)
    r.is_eq(upload_temps(srv.path(sub)), [], "%s: no temporary file left" % name)
    r.code(c.cmd("NOOP"), 200, "%s: NOOP afterwards" % name)
    first, final = c.stor("STOR %s/keep.bin" % sub, SMALL)
    r.code(final, 226, "%s: the next STOR works" % name)
    r.ok(ft.read_file(srv.path(sub, "keep.bin")) == SMALL, "%s: and stored the data" % name)
    r.code(c.quit(), 221, "%s: QUIT" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())


def pasv_unused(r, srv, verb):
    name = "PASV never connected, then %s" % verb
    sub = "pasv-unused"
    mark = srv.mark()
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    c.pasv()
    arg = {"RETR": "small.bin", "LIST": "", "STOR": sub + "/new.bin"}[verb]
    before = sorted(os.listdir(srv.path(sub)))
    t0 = time.monotonic()
    c.settimeout(DATA_TO + SLACK + 5)
    rep = c.cmd(("%s %s" % (verb, arg)).strip())
    if rep[0] == 150:
        rep = c.reply()
    dt = time.monotonic() - t0
    r.code(rep, 425, "%s: 425" % name)
    r.ok(DATA_TO - 1 <= dt <= DATA_TO + SLACK, "%s: after %.1f s (%d s)" % (name, dt, DATA_TO))
    if verb == "STOR":
        r.is_eq(sorted(os.listdir(srv.path(sub))), before, "%s: nothing created" % name)
    r.code(c.cmd("NOOP"), 200, "%s: NOOP afterwards" % name)
    r.code(c.quit(), 221, "%s: QUIT" % name)
    expect_end(r, srv, pid, mark, 0, name, time.monotonic())


# ================================================================ replies nobody reads

def small_rcvbuf(c):
    """A client that reads nothing should not offer a large window either."""
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)


def flood(c, line, seconds):
    """Sends line again and again for up to seconds without reading a
    reply; returns how many bytes went out."""
    payload = line * (1200000 // len(line))
    sent = 0
    c.sock.setblocking(False)
    end = time.monotonic() + seconds
    try:
        while sent < len(payload) and time.monotonic() < end:
            try:
                sent += c.sock.send(payload[sent:])
            except BlockingIOError:
                time.sleep(0.05)
            except OSError:
                break
    finally:
        c.sock.setblocking(True)
    return sent


def unread_replies(r, srv, what):
    """ftpsd(8): FTPSD_IDLE_TIMEOUT "also bounds how long a reply may take
    to be sent". A client that never reads its replies must not keep the
    session alive longer than that (plus the data timeout when a transfer
    is running)."""
    mark = srv.mark()
    c = srv.connect()
    small_rcvbuf(c)
    pid = session_pid(srv, c.sock, mark)
    r.code(c.login(ALICE.name, ALICE.password), 230, "%s: login" % what)
    d = None
    limit = IDLE_TO + SLACK
    if what == "STAT of %d entries" % HUGE_COUNT:
        c.send("STAT huge\r\n")
    elif what == "FEAT flood":
        n = flood(c, b"FEAT\r\n", 2.0)
        r.diag("%s: %d bytes of commands sent" % (what, n))
    elif what == "STAT flood during a stalled RETR":
        c.cmd("TYPE I")
        d = open_pasv(c)
        r.code(c.cmd("RETR big.bin"), 150, "%s: RETR" % what)
        n = flood(c, b"STAT\r\n", 2.0)
        r.diag("%s: %d bytes of commands sent" % (what, n))
        limit = IDLE_TO + DATA_TO + SLACK
    else:
        raise ValueError(what)
    t0 = time.monotonic()
    code = srv.child_exit(pid, limit + 1, mark)
    dt = time.monotonic() - t0
    r.ok(code is not None, "%s, replies never read: the session ends within the idle timeout"
         % what, "still running %.1f s later (FTPSD_IDLE_TIMEOUT=%d)" % (dt, IDLE_TO))
    r.is_eq(code, 0, "%s, replies never read: exit status 0" % what)
    rst(d)
    rst(c.sock)


def pipelined_then_reset(r, srv, verb):
    """A command sent during a transfer waits for its end (ftpsd(8)); the
    control connection closing meanwhile still abandons the transfer and
    ends the session ("When the control connection closes during a
    transfer, the transfer is abandoned ... and the session ends")."""
    name = "reset of the control connection after a command pipelined during a stalled %s" % verb
    sub = "pipelined-" + verb.lower()
    srv.mkdir(sub)
    srv.put(sub + "/victim.bin", OLD)
    mark = srv.mark()
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    d = open_pasv(c)
    if verb == "RETR":
        r.code(c.cmd("RETR big.bin"), 150, "%s: RETR" % name)
    else:
        r.code(c.cmd("STOR %s/victim.bin" % sub), 150, "%s: STOR" % name)
        d.sendall(BIG[:256 * 1024])
    time.sleep(0.3)
    c.send("NOOP\r\n")
    time.sleep(0.3)
    t0 = time.monotonic()
    rst(c.sock)
    expect_end(r, srv, pid, mark, 0, name, t0)
    rst(d)
    # The files as the session leaves them (the RST of the data connection
    # ends it at the latest).
    srv.child_exit(pid, END_WITHIN, mark)
    if verb == "STOR":
        r.ok(ft.read_file(srv.path(sub, "victim.bin")) == OLD, "%s: the old file is intact" % name)
        r.is_eq(upload_temps(srv.path(sub)), [], "%s: no temporary file left" % name)


def pipelined_failed_logins(r, srv, count):
    """The login deadline is one deadline (ftpsd(8)): failed logins sent in
    one go do not stretch it by their delays (0.5, 1, 2, 4, 8, 8 ... s)."""
    name = "%d failed logins sent at once" % count
    mark = srv.mark()
    c, pid, t0 = connect_tracked(srv, timeout=60)
    c.send("USER alice\r\nPASS wrong-password\r\n" * count)
    # At the deadline one delay (at most 8 s) may be running.
    limit = LOGIN_TO + 8 + SLACK
    code = srv.child_exit(pid, limit - (time.monotonic() - t0), mark)
    dt = time.monotonic() - t0
    r.ok(code is not None, "%s: the session ends by the login deadline" % name,
         "still running after %.1f s (FTPSD_LOGIN_TIMEOUT=%d)" % (dt, LOGIN_TO))
    r.is_eq(code, 0, "%s: exit status 0" % name)
    rst(c.sock)


def trickled_handshake(r, srv, where):
    """A ClientHello sent one byte every 0.5 s: the handshake is bounded by
    the login deadline (control) or FTPSD_DATA_TIMEOUT (data)."""
    name = "ClientHello trickled into the %s handshake" % where
    hello = client_hello()
    mark = srv.mark()
    t0 = time.monotonic()
    if where == "data connection's":
        c = ts.connect_tls(srv)
        pid = session_pid(srv, c.sock, mark)
        d = open_pasv(c)
        r.code(c.cmd("RETR small.bin"), 150, "%s: RETR" % name)
        t0 = time.monotonic()
        answered = False
        for i in range(int((DATA_TO + SLACK) / 0.5)):
            try:
                d.send(hello[i:i + 1])
            except OSError:
                break
            if select.select([c.sock], [], [], 0.5)[0]:
                answered = True
                break
        c.settimeout(SLACK)
        rep = c.reply()
        dt = time.monotonic() - t0
        r.code(rep, (522, 425), "%s: the transfer fails" % name)
        lo, hi = ft.timeout_window(DATA_TO)
        r.ok(answered and lo <= dt <= hi, "%s: after FTPSD_DATA_TIMEOUT (%.1f s, %d s; between %.1f and %.1f)"
             % (name, dt, DATA_TO, lo, hi))
        rst(d)
        r.code(c.cmd("NOOP"), 200, "%s: NOOP afterwards" % name)
        r.code(c.quit(), 221, "%s: QUIT" % name)
        expect_end(r, srv, pid, mark, 0, name, time.monotonic())
        return
    implicit = where == "implicit TLS"
    c, pid, t0 = connect_tracked(srv, greeting=not implicit, timeout=LOGIN_TO + SLACK + 5)
    if not implicit:
        r.code(c.cmd("AUTH TLS"), 234, "%s: AUTH TLS" % name)
    closed = False
    for i in range(int((LOGIN_TO + SLACK) / 0.5)):
        try:
            c.sock.send(hello[i:i + 1])
        except OSError:
            closed = True
            break
        if c.wait_closed(0.5):
            closed = True
            break
    dt = time.monotonic() - t0
    r.ok(closed and LOGIN_TO - 1 <= dt <= LOGIN_TO + SLACK,
         "%s: closed at the login deadline" % name, "closed %s after %.1f s" % (closed, dt))
    expect_end(r, srv, pid, mark, 1, name, time.monotonic())


# ================================================================ full disk

def disk_full(srv):
    small = srv.path("small")
    pw = ft.run_user()
    srv.mkdir("small")
    mount_tmpfs(small, "8m", pw.pw_uid, pw.pw_gid)
    keep = random_bytes(MiB, 11)
    srv.put("small/keep.bin", keep)
    srv.put("small/filler.bin", random_bytes(2 * MiB, 12))
    srv.put("small/app.bin", OLD)
    upload_data = random_bytes(16 * MiB, 13)

    def free():
        st = os.statvfs(small)
        return st.f_bavail * st.f_frsize

    free0 = free()
    t.diag("tmpfs of 8 MiB, %d bytes free before the uploads" % free0)
    mark = srv.mark()

    # Plain STOR of 16 MiB over a file.
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    first, final, err = upload(c, "STOR small/keep.bin", upload_data)
    t.code(first, 150, "full disk: STOR 16 MiB")
    t.diag("client's send ended with: %r" % (err,))
    t.code(final, 452, "full disk: STOR answered")
    t.ok(ft.read_file(srv.path("small/keep.bin")) == keep, "full disk: the previous file is intact")
    t.is_eq(upload_temps(small), [], "full disk: no temporary file left")
    t.ok(free() >= free0 - 64 * 1024, "full disk: the space of the temporary is free again",
         "%d bytes free, %d before" % (free(), free0))
    t.code(c.cmd("NOOP"), 200, "full disk: NOOP afterwards")
    first, final, err = upload(c, "STOR small/after-stor.bin", SMALL)
    t.code(final, 226, "full disk: a small STOR works afterwards")
    t.ok(ft.read_file(srv.path("small/after-stor.bin")) == SMALL, "full disk: and stored its data")

    # APPE of 16 MiB: writes in place until the disk is full.
    size0 = len(OLD)
    first, final, err = upload(c, "APPE small/app.bin", upload_data)
    t.code(first, 150, "full disk: APPE 16 MiB")
    t.code(final, 452, "full disk: APPE answered")
    appended = ft.read_file(srv.path("small/app.bin"))
    t.diag("APPE on a full disk: app.bin grew from %d to %d bytes (tmpfs 8 MiB; the bytes "
           "received before the disk was full stay, as ftpsd(8) says for APPE)"
           % (size0, len(appended)))
    t.ok(size0 < len(appended) <= 8 * MiB, "full disk: APPE grew the file only up to the limit")
    t.ok(appended == OLD + upload_data[:len(appended) - size0],
         "full disk: the file is the old content plus a prefix of the upload")
    t.is_eq(upload_temps(small), [], "full disk: no temporary file after APPE")
    t.code(c.cmd("NOOP"), 200, "full disk: NOOP after APPE")
    # Now the disk really is full.
    first, final, err = upload(c, "STOR small/tiny.bin", SMALL)
    t.code(final, 452, "full disk: a small STOR on the full disk")
    t.ok(not os.path.exists(srv.path("small/tiny.bin")), "full disk: it created nothing")
    t.is_eq(upload_temps(small), [], "full disk: and left no temporary")
    first, final, err = upload(c, "STOU small/stou.bin", SMALL)
    t.code(final, 452, "full disk: STOU on the full disk")
    t.is_eq(sorted(n for n in os.listdir(small) if n.startswith("stou")), [],
            "full disk: the file STOU created is removed again")
    t.code(c.cmd("DELE small/app.bin"), 250, "full disk: DELE frees space")
    first, final, err = upload(c, "STOR small/tiny.bin", SMALL)
    t.code(final, 226, "full disk: a small STOR works after deleting something")
    t.ok(ft.read_file(srv.path("small/tiny.bin")) == SMALL, "full disk: and stored its data")
    t.code(c.quit(), 221, "full disk: QUIT")
    expect_end(t, srv, pid, mark, 0, "full disk, plain", time.monotonic())

    # The same over TLS with PROT P.
    mark = srv.mark()
    c = ts.connect_tls(srv)
    pid = session_pid(srv, c.sock, mark)
    first, final, err = upload(c, "STOR small/keep.bin", upload_data)
    t.code(first, 150, "full disk, TLS: STOR 16 MiB")
    t.diag("TLS client's send ended with: %r" % (err,))
    t.code(final, 452, "full disk, TLS: STOR answered")
    t.ok(ft.read_file(srv.path("small/keep.bin")) == keep,
         "full disk, TLS: the previous file is intact")
    t.is_eq(upload_temps(small), [], "full disk, TLS: no temporary file left")
    t.code(c.cmd("NOOP"), 200, "full disk, TLS: NOOP afterwards")
    first, final, err = upload(c, "STOR small/after-tls.bin", SMALL)
    t.code(final, 226, "full disk, TLS: a small STOR works afterwards")
    t.ok(ft.read_file(srv.path("small/after-tls.bin")) == SMALL,
         "full disk, TLS: and stored its data")
    t.code(c.quit(), 221, "full disk, TLS: QUIT")
    expect_end(t, srv, pid, mark, 0, "full disk, TLS", time.monotonic())


# ================================================================ listings

def slow_listing(c, cmd, pid, samples):
    """Runs a listing, sampling the session's VmHWM while it streams."""
    d = open_pasv(c)
    first = c.cmd(cmd)
    if first[0] != 150:
        d.close()
        return first, None, None
    chunks = []
    n = 0
    next_sample = 0
    while True:
        b = d.recv(256 * 1024)
        if not b:
            break
        chunks.append(b)
        n += len(b)
        if n >= next_sample:
            v = vm_kb(pid, "VmHWM")
            if v is not None:
                samples.append(v)
            next_sample = n + 512 * 1024
    d.close()
    return first, b"".join(chunks), c.reply()


def test_huge_listings(srv):
    names = ["f%06d" % i for i in range(HUGE_COUNT)]
    mark = srv.mark()
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    base = vm_kb(pid, "VmHWM")
    t.diag("session VmHWM after login: %s kB%s" % (base, " (sanitizer build)" if SANITIZED else ""))
    for cmd, check in (("LIST huge", "list"), ("NLST huge", "nlst"), ("MLSD huge", "mlsd"),
                       ("LIST -R huge", "cap")):
        samples = []
        t0 = time.monotonic()
        first, data, final = slow_listing(c, cmd, pid, samples)
        dt = time.monotonic() - t0
        t.code(first, 150, "%s: 150" % cmd)
        t.code(final, 226, "%s: 226" % cmd)
        lines = data.split(b"\r\n") if data else []
        if lines and lines[-1] == b"":
            lines.pop()
        want_lines = MAX_R_ENTRIES if check == "cap" else HUGE_COUNT
        t.is_eq(len(lines), want_lines, "%s: %d lines" % (cmd, want_lines))
        if check == "cap":
            ends = set(l.rsplit(b" ", 1)[-1].decode("utf-8", "replace") for l in lines)
            t.ok(len(ends) == MAX_R_ENTRIES and ends <= set(names),
                 "%s: %d different names of the directory" % (cmd, MAX_R_ENTRIES))
        elif check == "nlst":
            t.ok(sorted(l.decode() for l in lines) == names, "%s: exactly the names" % cmd)
        else:
            ends = sorted(l.rsplit(b" ", 1)[-1].decode("utf-8", "replace") for l in lines)
            t.ok(ends == names, "%s: every name once" % cmd)
        peak = max(samples) if samples else None
        t.diag("%s: %d bytes in %.1f s, VmHWM samples %d..%s kB (%d samples)"
               % (cmd, len(data or b""), dt, min(samples) if samples else -1, peak, len(samples)))
        t.ok(len(samples) >= 3, "%s: VmHWM sampled during the transfer" % cmd)
        if peak is not None and base is not None:
            t.ok(peak - base <= RSS_GROWTH_KB, "%s: peak RSS grows by at most %d kB (streamed)"
                 % (cmd, RSS_GROWTH_KB), "VmHWM %d kB, %d kB after login" % (peak, base))
            if not SANITIZED:
                t.ok(peak <= RSS_LIMIT_KB, "%s: peak RSS under %d kB" % (cmd, RSS_LIMIT_KB),
                     "VmHWM %d kB" % peak)
    # A pattern over 200,000 names.
    pat = "f*1*2*3*4*"
    want = sorted(n for n in names if fnmatch.fnmatchcase(n, pat))
    t0 = time.monotonic()
    first, data, final = c.retr("NLST huge/" + pat)
    dt = time.monotonic() - t0
    t.code(final, 226, "NLST huge/%s" % pat)
    got = sorted(data.decode().split("\r\n")[:-1]) if data else None
    t.ok(got == want, "NLST huge/%s: the %d matching names" % (pat, len(want)),
         "got %s names" % (None if got is None else len(got)))
    # Bounded by the data timeout, not by speed (that is for benchmarks).
    t.ok(dt < LONG_TO, "NLST huge/%s: within the data timeout (%.1f s)" % (pat, dt))
    after = vm_kb(pid, "VmHWM")
    t.code(c.quit(), 221, "listings: QUIT")
    expect_end(t, srv, pid, mark, 0, "huge listings", time.monotonic())
    t.diag("session VmHWM at the end: %s kB" % after)


# ================================================================ glob and options

def glob_names():
    names = ["a" * 200 + "%04d" % i for i in range(2000)]
    names += ["m%02d" % i + "a" * 100 + "b" for i in range(20)]
    names += ["aaaaaaaab", "aaaaaaaaab", "b", "xyz", "notes.txt"]
    return names


GLOB_HIDDEN = [".aaaaaaaaaab", ".profile"]
DEEP = 12
MAX_DEPTH = 8          # ftpsd(8): LIST -R goes at most 8 directories deep
MAX_R_ENTRIES = 100000  # and stops after 100,000 entries


def setup_glob(srv):
    srv.mkdir("glob/sub")
    for n in glob_names() + GLOB_HIDDEN:
        open(srv.path("glob", n), "wb").close()
    open(srv.path("glob/sub/inner-file"), "wb").close()
    os.symlink("/etc", srv.path("glob/etc-link"))
    deep = srv.path("glob/deep")
    for i in range(1, DEEP + 1):
        deep = os.path.join(deep, "d%02d" % i)
        os.makedirs(deep)
        open(os.path.join(deep, "f"), "wb").close()
    os.symlink(".", srv.path("glob/deep/loop"))
    os.symlink("..", srv.path("glob/deep/d01/up"))
    srv.put(".hidden-at-root", b"x")
    ft.own(srv.path("glob"))


def walk_names(base, all_=False, rel="", depth=0):
    """What NLST -R lists below base: names relative to it, subdirectories
    up to MAX_DEPTH deep, symbolic links never followed."""
    here = os.path.join(base, rel)
    out = []
    subdirs = []
    for n in os.listdir(here):
        if n.startswith(".") and not all_:
            continue
        p = os.path.join(rel, n) if rel else n
        out.append(p)
        if os.path.isdir(os.path.join(here, n)) and not os.path.islink(os.path.join(here, n)):
            subdirs.append(p)
    if depth < MAX_DEPTH:
        for p in subdirs:
            out += walk_names(base, all_, p, depth + 1)
    return out


def nlst_names(data):
    if data is None:
        return None
    return sorted(l for l in data.decode("utf-8", "replace").split("\r\n") if l)


LIST_LINE = re.compile(r"^\S+\s+\d+\s+\d+\s+\d+\s+\d+\s+\w{3}\s+\d+\s+[\d:]+\s(.*)$")


def list_names(data):
    """Names in a LIST (or LIST -R: "./dir:" headers make them relative)."""
    if data is None:
        return None
    out = []
    prefix = ""
    for l in data.decode("utf-8", "replace").split("\r\n"):
        if not l:
            continue
        if l.startswith("./") and l.endswith(":"):
            prefix = l[2:-1] + "/"
            continue
        m = LIST_LINE.match(l)
        out.append(prefix + m.group(1).split(" -> ")[0] if m else "?" + l)
    return sorted(out)


def mlsd_names(data):
    if data is None:
        return None
    return sorted(l.split(" ", 1)[1] for l in data.decode("utf-8", "replace").split("\r\n") if l)


def test_glob(srv):
    gdir = srv.path("glob")
    visible = sorted(n for n in os.listdir(gdir) if not n.startswith("."))
    everything = sorted(os.listdir(gdir))
    recursive = sorted(walk_names(gdir))
    pat = "*a*a*a*a*a*a*a*a*a*b"
    match = sorted(n for n in glob_names() if fnmatch.fnmatchcase(n, pat))
    match_all = sorted(n for n in glob_names() + GLOB_HIDDEN if fnmatch.fnmatchcase(n, pat))
    root_entries = sorted(os.listdir(srv.root))
    mark = srv.mark()
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    t.code(c.cmd("CWD glob"), 250, "CWD glob")

    def timed(cmd, parse, want, name=None, code=226):
        name = name or cmd
        t0 = time.monotonic()
        first, data, final = c.retr(cmd)
        dt = time.monotonic() - t0
        if code != 226:
            t.code(first, code, name)
        else:
            t.code(final, 226, name)
            got = parse(data)
            t.ok(got == want, "%s: %d names as expected" % (name, len(want)),
                 "got %s; difference %s" % (None if got is None else len(got),
                                            ft.short(sorted(set(got or []) ^ set(want))[:20])))
        t.ok(dt < LONG_TO, "%s: answered within the data timeout (%.2f s)" % (name, dt))
        return data

    timed("LIST *", list_names, visible)
    timed("NLST " + pat, nlst_names, match)
    timed("LIST " + pat, list_names, match)
    timed("NLST -a " + pat, nlst_names, match_all, "NLST -a with the pattern (dot names too)")
    timed("MLSD " + pat, mlsd_names, match_all, "MLSD with the pattern")
    timed("NLST " + "*a" * 60 + "*b", nlst_names,
          sorted(n for n in glob_names() if fnmatch.fnmatchcase(n, "*a" * 60 + "*b")),
          "NLST with 60 stars")
    timed("NLST " + "?" * 200 + "*", nlst_names,
          sorted(n for n in glob_names() if len(n) >= 200), "NLST with 200 question marks")
    timed("NLST -a", nlst_names, everything, "NLST -a (the directory, dot names too)")
    # -R: 8 levels deep at most, symbolic links (to /etc, to . and ..) not followed.
    timed("NLST -R", nlst_names, recursive, "NLST -R (8 levels, links not followed)")
    timed("LIST -R", list_names, recursive, "LIST -R (8 levels, links not followed)")
    timed("NLST -R deep", nlst_names, sorted(walk_names(srv.path("glob/deep"))),
          "NLST -R of a 12-level tree")
    first, data, final = c.retr("NLST -R deep")
    names = nlst_names(data) or []
    deepest = max((n.count("/") + 1 for n in names), default=0)
    t.is_eq(deepest, MAX_DEPTH + 1, "NLST -R deep: names of the 9th level are the deepest")
    t.ok(not [n for n in names if "d10" in n or n.startswith("loop/") or "/up/" in n],
         "NLST -R deep: nothing below the 8th level, nothing through the links")
    timed("NLST -R " + pat, nlst_names, match, "NLST -R with the pattern (files only match)")
    # The root, and no further; recursively it stops after 100,000 entries.
    timed("NLST -la /../..", nlst_names, root_entries, "NLST -la /../.. (the root, no further)")
    timed("LIST -la ../../../..", list_names, root_entries, "LIST -la ../../../.. (the root)")
    t0 = time.monotonic()
    first, data, final = c.retr("NLST -laR /../..")
    dt = time.monotonic() - t0
    t.code(final, 226, "NLST -laR /../..")
    names = nlst_names(data) or []
    t.is_eq(len(names), MAX_R_ENTRIES, "NLST -laR /../..: stops after %d entries" % MAX_R_ENTRIES)
    outside = [n for n in names if n.split("/")[0] not in root_entries]
    t.ok(data is not None and not outside, "NLST -laR /../..: every name is beneath the root",
         ft.short(outside[:10]))
    t.ok(dt < LONG_TO, "NLST -laR /../..: answered within the data timeout (%.1f s)" % dt)
    t.ok(srv.wait_log(r"^ftpsd\[%d\]: LIST -R of / stopped after %d entries" % (pid, MAX_R_ENTRIES),
                      since=mark),
         "NLST -laR /../..: the cut is logged")
    # Options and patterns refused.
    timed("LIST -Z", None, None, code=501)
    timed("NLST -laZ", None, None, code=501)
    timed("LIST -l -Z sub", None, None, code=501)
    timed("LIST " + "*" * 300, None, None, "LIST with a 300-byte pattern", code=553)
    # Outside the root there is nothing, by any way.
    for cmd in ("LIST ../../etc/passwd", "NLST /../../etc/pass*", "LIST etc-link/",
                "NLST etc-link/*", "MLSD etc-link", "LIST -la etc-link/pass*",
                "NLST -R etc-link/"):
        first, data, final = c.retr(cmd)
        t.code(first, 550, "%s: 550" % cmd)
        t.ok(data is None or b"passwd" not in data, "%s: nothing from outside the root" % cmd)
    r = c.cmd("STAT " + pat)
    got = [l.strip().rsplit(" ", 1)[-1] for l in r[1].split("\n")[1:-1]]
    t.code(r, 213, "STAT with the pattern")
    t.ok(sorted(got) == match, "STAT with the pattern: the matching names", ft.short(got[:5]))
    t.code(c.quit(), 221, "glob: QUIT")
    expect_end(t, srv, pid, mark, 0, "glob", time.monotonic())


# ================================================================ limits, many sessions

def test_fd_leaks(srv, rounds=70):
    """RLIMIT_NOFILE is 64: a descriptor leaked per failed transfer would
    end the session's usefulness after a few dozen. Broken downloads,
    uploads and listings, refused commands, over and over."""
    srv.mkdir("leak")
    mark = srv.mark()
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    c.cmd("TYPE I")
    base = len(os.listdir("/proc/%d/fd" % pid))
    codes = {}

    def note(what, rep):
        codes.setdefault(what, set()).add(rep[0] if rep else None)

    for i in range(rounds):
        d = open_pasv(c)
        note("RETR", c.cmd("RETR big.bin"))
        read_n(d, 64 * 1024)
        rst(d)
        note("RETR end", c.reply())
        d = open_pasv(c)
        note("STOR", c.cmd("STOR leak/x.bin"))
        d.sendall(SMALL[:4096])
        rst(d)
        note("STOR end", c.reply())
        d = open_pasv(c)
        note("LIST", c.cmd("LIST -R /"))
        read_n(d, 4096)
        rst(d)
        note("LIST end", c.reply())
        note("RETR missing", c.cmd("RETR leak/missing"))
        note("MLSD file", c.cmd("MLSD small.bin"))
        note("PASV", c.cmd("PASV"))
        note("STOR dir", c.cmd("STOR leak"))
        note("APPE dir", c.cmd("APPE leak"))
    fds = len(os.listdir("/proc/%d/fd" % pid))
    t.diag("descriptors: %d after login, %d after %d rounds; replies %s"
           % (base, fds, rounds, sorted((k, sorted(v, key=str)) for k, v in codes.items())))
    t.ok(fds <= base + 2, "no descriptor leak after %d rounds of broken transfers" % rounds,
         "%d descriptors, %d after login" % (fds, base))
    t.is_eq(codes.get("RETR end"), {426}, "every broken RETR 426")
    t.is_eq(codes.get("STOR end"), {426}, "every broken STOR 426")
    t.is_eq(codes.get("LIST end"), {426}, "every broken LIST 426")
    t.is_eq(upload_temps(srv.path("leak")), [], "no temporary file left")
    first, data, final = c.retr("RETR small.bin")
    t.code(final, 226, "a RETR still works")
    t.ok(data == SMALL, "and its data is intact")
    t.code(c.quit(), 221, "fd leaks: QUIT")
    expect_end(t, srv, pid, mark, 0, "fd leaks", time.monotonic())



def test_limits(srv):
    mark = srv.mark()
    c = login_plain(srv)
    pid = session_pid(srv, c.sock, mark)
    with open("/proc/%d/limits" % pid) as f:
        limits = f.read()
    # ftpsd(8), TIMEOUTS AND LIMITS: core dumps disabled, 64 descriptors
    # per session (RLIMIT_NOFILE), RLIMIT_FSIZE only with FTPSD_MAX_FILE_SIZE.
    t.like(limits, r"(?m)^Max core file size\s+0\s+0\s+bytes",
           "a live session has RLIMIT_CORE 0 (soft and hard)")
    t.like(limits, r"(?m)^Max open files\s+64\s+64\s+files",
           "a live session has RLIMIT_NOFILE 64 (soft and hard)")
    t.like(limits, r"(?m)^Max file size\s+unlimited\s+unlimited\s+bytes",
           "without FTPSD_MAX_FILE_SIZE the file size is not limited")
    t.code(c.quit(), 221, "limits: QUIT")
    expect_end(t, srv, pid, mark, 0, "limits", time.monotonic())


def test_max_file_size():
    limit = 4 * MiB
    with ts.tls_server(MAX_FILE_SIZE="4M", LOGIN_TIMEOUT=str(LONG_TO), IDLE_TIMEOUT=str(LONG_TO),
                       DATA_TIMEOUT=str(LONG_TO), TLS_REQUIRE="0", TLS_REQUIRE_DATA="0") as srv:
        srv.put("keep.bin", OLD)
        srv.put("app.bin", OLD)
        big = random_bytes(8 * MiB, 21)
        mark = srv.mark()
        c = login_plain(srv)
        pid = session_pid(srv, c.sock, mark)
        with open("/proc/%d/limits" % pid) as f:
            t.like(f.read(), r"(?m)^Max file size\s+%d\s+%d\s+bytes" % (limit, limit),
                   "FTPSD_MAX_FILE_SIZE=4M is the session's RLIMIT_FSIZE")
        c.cmd("TYPE I")
        first, final, err = upload(c, "STOR keep.bin", big)
        t.code(first, 150, "max file size: STOR 8 MiB")
        t.code(final, 552, "max file size: STOR past the limit")
        t.ok(ft.read_file(srv.path("keep.bin")) == OLD,
             "max file size: the previous file is intact")
        t.is_eq(upload_temps(srv.root), [], "max file size: no temporary file left")
        t.code(c.cmd("NOOP"), 200, "max file size: NOOP afterwards (no SIGXFSZ)")
        first, final, err = upload(c, "APPE app.bin", big)
        t.code(final, 552, "max file size: APPE past the limit")
        got = ft.read_file(srv.path("app.bin"))
        t.ok(len(got) <= limit and got == OLD + big[:len(got) - len(OLD)],
             "max file size: APPE wrote the old content plus a prefix, up to the limit",
             "%d bytes" % len(got))
        t.diag("APPE past FTPSD_MAX_FILE_SIZE: app.bin has %d bytes" % len(got))
        first, final, err = upload(c, "STOR exact.bin", big[:limit])
        t.code(final, 226, "max file size: a file of exactly the limit")
        t.ok(ft.read_file(srv.path("exact.bin")) == big[:limit], "max file size: and its data")
        t.code(c.quit(), 221, "max file size: QUIT")
        expect_end(t, srv, pid, mark, 0, "max file size", time.monotonic())
        # The same over TLS.
        mark = srv.mark()
        c = ts.connect_tls(srv)
        pid = session_pid(srv, c.sock, mark)
        first, final, err = upload(c, "STOR keep.bin", big)
        t.code(final, 552, "max file size, TLS: STOR past the limit")
        t.ok(ft.read_file(srv.path("keep.bin")) == OLD,
             "max file size, TLS: the previous file is intact")
        t.is_eq(upload_temps(srv.root), [], "max file size, TLS: no temporary file left")
        t.code(c.cmd("NOOP"), 200, "max file size, TLS: NOOP afterwards")
        t.code(c.quit(), 221, "max file size, TLS: QUIT")
        expect_end(t, srv, pid, mark, 0, "max file size, TLS", time.monotonic())


def test_many_sessions(srv, count=20):
    srv.mkdir("conc")
    results = [None] * count
    mark = srv.mark()

    def one(i):
        res = {"i": i}
        try:
            data = random_bytes(64 * 1024 + i, 1000 + i)
            c = srv.login(ALICE, timeout=30)
            res["pid"] = session_pid(srv, c.sock, mark)
            c.cmd("TYPE I")
            res["stor"] = c.stor("STOR conc/s%02d.bin" % i, data)[1]
            first, back, final = c.retr("RETR conc/s%02d.bin" % i)
            res["retr"] = final
            res["same"] = back == data
            first, listing, final = c.retr("NLST conc")
            res["nlst"] = final
            res["quit"] = c.quit()
        except Exception as e:  # noqa: BLE001
            res["error"] = "%s: %s" % (type(e).__name__, e)
        results[i] = res

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(max(0.0, 60 - (time.monotonic() - t0)))
    dt = time.monotonic() - t0
    bad = [r for r in results if r is None or "error" in r]
    t.ok(not bad, "%d concurrent sessions logged in and ran without error (%.1f s)" % (count, dt),
         ft.short(bad))
    good = [r for r in results if r and "error" not in r]

    def all_code(key, code):
        return [r["i"] for r in good if not r.get(key) or r[key][0] != code]
    t.is_eq(all_code("stor", 226), [], "every STOR 226")
    t.is_eq(all_code("retr", 226), [], "every RETR 226")
    t.is_eq([r["i"] for r in good if not r.get("same")], [], "every download equals its upload")
    t.is_eq(all_code("nlst", 226), [], "every NLST 226")
    t.is_eq(all_code("quit", 221), [], "every QUIT 221")
    t.is_eq(sorted(os.listdir(srv.path("conc"))), ["s%02d.bin" % i for i in range(count)],
            "all files there, no temporaries")
    codes = {}
    for r in good:
        if r.get("pid"):
            codes[r["i"]] = srv.child_exit(r["pid"], END_WITHIN, mark)
    t.ok(len(codes) == count and all(v == 0 for v in codes.values()),
         "all %d session processes exited with 0" % count, ft.short(codes))


# ================================================================ main

def test_exits(servers):
    """Every session process of the script ended with 0 or 1 (never by a
    signal such as SIGPIPE 13, SIGSEGV 11 or SIGABRT 6)."""
    odd = []
    total = 0
    for s in servers:
        for pid, code in re.findall(r"^Child (\d+) died with code (\d+)", s.log(), re.M):
            total += 1
            if int(code) not in (0, 1):
                odd.append((int(pid), int(code)))
    t.ok(total > 0 and not odd, "all %d session processes ended with status 0 or 1" % total,
         ft.short(odd))


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (tmpfs mounts, the run account)")
        return
    ft.run_user()
    client_hello()    # fails early if ssl cannot make one
    # The faults are tried on plaintext and TLS sessions of the same
    # servers: what a certificate requires by default is turned off.
    clear_ok = dict(TLS_REQUIRE="0", TLS_REQUIRE_DATA="0")
    long_env = dict(LOGIN_TIMEOUT=str(LONG_TO), IDLE_TIMEOUT=str(LONG_TO), DATA_TIMEOUT=str(LONG_TO),
                    **clear_ok)
    short_env = dict(LOGIN_TIMEOUT=str(LOGIN_TO), IDLE_TIMEOUT=str(IDLE_TO),
                     DATA_TIMEOUT=str(DATA_TO), MAX_LOGIN_FAILURES="6", **clear_ok)
    maker = None
    servers = []
    try:
        main_srv = ts.tls_server(**long_env).start()
        imp_srv = ts.tls_server(TLS_IMPLICIT="1", **long_env).start()
        to_srv = ts.tls_server(**short_env).start()
        to_imp = ts.tls_server(TLS_IMPLICIT="1", **short_env).start()
        servers = [main_srv, imp_srv, to_srv, to_imp]
        for s in (main_srv, to_srv):
            s.put("big.bin", BIG)
            s.put("small.bin", SMALL)
        to_srv.mkdir("pasv-unused")
        main_srv.mkdir("huge")
        mount_tmpfs(main_srv.path("huge"), "16m")
        maker = start_making_huge(main_srv.path("huge"))

        # Everything that waits for a timeout or for a session to end runs
        # at once: timeouts, stalls, disconnects, SIGPIPE, truncation.
        cases = [
            ("timeout: silent client", to_silent, to_srv),
            ("timeout: AUTH TLS, no handshake", to_auth_nothing, to_srv),
            ("timeout: implicit, no ClientHello", to_implicit_nothing, to_imp),
            ("timeout: slowloris before login", to_slowloris, to_srv, False),
            ("timeout: slowloris after login", to_slowloris, to_srv, True),
            ("timeout: NOOPs before login", to_noop_before_login, to_srv),
            ("timeout: idle", to_idle, to_srv),
            ("timeout: TLS, no login", to_tls_control, to_srv, False),
            ("timeout: TLS, idle", to_tls_control, to_srv, True),
            ("timeout: TLS data handshake never starts", to_data_tls_never, to_srv),
            ("timeout: AUTH TLS handshake trickled", trickled_handshake, to_srv, "AUTH TLS"),
            ("timeout: implicit handshake trickled", trickled_handshake, to_imp, "implicit TLS"),
            ("timeout: data handshake trickled", trickled_handshake, to_srv,
             "data connection's"),
            ("timeout: pipelined failed logins", pipelined_failed_logins, to_srv, 6),
            ("unread replies: FEAT flood", unread_replies, to_srv, "FEAT flood"),
            ("unread replies: STAT flood during RETR", unread_replies, to_srv,
             "STAT flood during a stalled RETR"),
            ("stall: RETR", stall_retr, to_srv, False),
            ("stall: TLS RETR", stall_retr, to_srv, True),
            ("stall: STOR", stall_stor, to_srv, False),
            ("stall: TLS STOR", stall_stor, to_srv, True),
            ("stall: PASV unused, RETR", pasv_unused, to_srv, "RETR"),
            ("stall: PASV unused, LIST", pasv_unused, to_srv, "LIST"),
            ("stall: PASV unused, STOR", pasv_unused, to_srv, "STOR"),
        ]
        for fault in ("close", "reset"):
            for phase in ("before the greeting", "mid-USER line", "after USER", "after PASS"):
                cases.append(("%s %s" % (fault, phase), dc_prelogin, main_srv, phase, fault))
            cases += [
                ("%s in AUTH TLS handshake" % fault, dc_handshake, main_srv, False, fault),
                ("%s in implicit handshake" % fault, dc_handshake, imp_srv, True, fault),
                ("%s mid-RETR" % fault, dc_retr, main_srv, fault),
                ("%s mid-TLS RETR" % fault, dc_retr, main_srv, fault, True),
                ("%s mid-STOR" % fault, dc_stor, main_srv, fault),
                ("%s mid-TLS STOR" % fault, dc_stor, main_srv, fault, True),
                ("%s data TLS handshake" % fault, dc_data_handshake, main_srv, fault),
            ]
        cases += [
            ("reset control only mid-RETR", dc_retr, main_srv, "reset", False, True),
            ("reset control only mid-STOR", dc_stor, main_srv, "reset", False, True),
            ("reset control only mid-TLS STOR", dc_stor, main_srv, "reset", True, True),
            ("pipelined command, then reset mid-RETR", pipelined_then_reset, main_srv, "RETR"),
            ("pipelined command, then reset mid-STOR", pipelined_then_reset, main_srv, "STOR"),
        ]
        for mode in ("TYPE I", "TYPE A", "TLS"):
            cases.append(("SIGPIPE: close during %s RETR" % mode, early_close, main_srv, mode,
                          "close"))
        cases.append(("SIGPIPE: reset during TYPE I RETR", early_close, main_srv, "TYPE I",
                      "reset"))
        cases.append(("SIGPIPE: reset during TLS RETR", early_close, main_srv, "TLS", "reset"))
        for mode in ("TYPE I", "TYPE A", "TLS"):
            cases.append(("truncate during %s RETR" % mode, truncated_retr, main_srv, mode,
                          512 * 1024))
        cases.append(("truncate to 0 during TYPE I RETR", truncated_retr, main_srv, "TYPE I", 0))
        t.diag("%.1f s: %d cases in parallel" % (time.monotonic() - t.started, len(cases)))
        parallel(cases)
        t.diag("%.1f s: sequential cases" % (time.monotonic() - t.started))

        t.case("full disk", disk_full, main_srv)
        t.case("FTPSD_MAX_FILE_SIZE", test_max_file_size)
        t.case("resource limits", test_limits, main_srv)
        t.case("descriptor leaks", test_fd_leaks, main_srv)
        t.case("20 concurrent sessions", test_many_sessions, main_srv)

        t0 = time.monotonic()
        try:
            rc = maker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        t.is_eq(rc, 0, "created %d files for the listing tests" % HUGE_COUNT)
        if time.monotonic() - t0 > 1:
            t.diag("waited %.1f s for the files" % (time.monotonic() - t0))
        # The same directory for the server with short timeouts.
        to_srv.mkdir("huge")
        subprocess.run(["mount", "--bind", main_srv.path("huge"), to_srv.path("huge")],
                       check=True, capture_output=True, timeout=30)
        _mounts.append(to_srv.path("huge"))
        parallel([(fault + " mid-LIST", dc_list, main_srv, fault) for fault in ("close", "reset")]
                 + [("unread replies: STAT of a huge directory", unread_replies, to_srv,
                     "STAT of %d entries" % HUGE_COUNT)])
        t.diag("%.1f s: listings" % (time.monotonic() - t.started))
        t.case("200,000 entries", test_huge_listings, main_srv)
        setup_glob(main_srv)
        t.case("wildcards and options", test_glob, main_srv)
        t.case("session exit statuses", test_exits, servers)
        ft.check_sanitizer_reports(t)
    finally:
        if maker is not None and maker.poll() is None:
            maker.kill()
            maker.wait()
        # Sessions may still sit in a mount: stop them, then unmount.
        for s in servers:
            s._kill_group()
        unmount_all()
    t.done()


if __name__ == "__main__":
    main()
