#!/usr/bin/env python3
"""Whole-session fuzzer for ftpsd: random and mutated command sequences,
fed to the real binary over its control connection.

    tests/fuzz/session-fuzz.py [SESSIONS] [SEED]      (defaults: 200, random)
    tests/fuzz/session-fuzz.py --replay FILE          (one saved session)

Each session starts $FTPSD_BIN with its fd 0 and 1 one end of a
socket.socketpair() (the inetd convention; getpeername() there is
AF_UNIX, so PASV/PORT get 425 and the data commands stop there: this
fuzzes the control channel). The sessions come from a built-in corpus of
real FTP sessions (logins, CWD/LIST/RETR/STOR with PASV/PORT, REST,
RNFR/RNTO, MKD/RMD, MFMT, TYPE, OPTS, MLST, STAT, ABOR, AUTH TLS with a
real handshake or garbage, implicit TLS, ...), mutated: commands
inserted, dropped, repeated or swapped; arguments replaced by path
traversal strings, huge and long lines; Telnet IAC sequences, NUL, CR,
invalid UTF-8 spliced into the bytes; the stream cut into chunks sent
with pauses; the connection left open or cut mid-line. A few are random
from scratch. Session i of seed S is always the same session.

The served tree (FTPSD_ROOT), made anew for each session, holds files,
directories, a FIFO, names with CR/LF and other control bytes, and
symlinks that point out of it (relative, absolute, to "/", to /etc,
dangling, looping) and files with extreme mtimes; a canary directory
lies beside it (outside the root), writable by the account the sessions
run as. The tree goes to /dev/shm when it can (tmpfs keeps any mtime,
ext4 clamps them), else to $TMPDIR; --tmpdir chooses. For every session
it checks:
  - the process was not killed by a signal, exited 0 or 1, and its stderr
    has no sanitizer report (ASAN_OPTIONS/UBSAN_OPTIONS are passed through);
  - it ended within a bounded time (its timeouts are 2 s); else SIGKILL
    and a failure;
  - nothing outside the root changed: every canary file's content, mode,
    owner, mtime and ctime, and the listings of the canary directory and
    of the root's parent, are as before;
  - no reply carries the canary's secret token (nothing outside the root
    was listed or read), nor the marker in the names with CR/LF;
  - every reply line is well-formed ("ddd ", "ddd-" or a continuation
    starting with a space): no CR/LF injection; every MLSx "modify=" fact
    has (at least) the 14 digits of an RFC 3659 time-val.
Output is TAP, one test per session, with a summary; a failing session is
saved as JSON (replay it with --replay).

As root, the sessions run as a throwaway FTPSD_RUN_USER account
(useradd --system), removed at exit. Environment: FTPSD_BIN (the binary),
ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS (passed to the sessions).
"""

import argparse
import atexit
import base64
import collections
import hashlib
import json
import os
import pwd
import random
import re
import selectors
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

SANITIZER_RE = re.compile(rb"ERROR: (?:AddressSanitizer|LeakSanitizer|MemorySanitizer|ThreadSanitizer)|"
                          rb"runtime error:|Sanitizer has encountered a fatal error|"
                          rb"SUMMARY: \w*Sanitizer")
REPLY_LINE_RE = re.compile(rb"^(?:[1-5][0-9][0-9][ -]| )")

TIMEOUT = 2                 # FTPSD_LOGIN/IDLE/DATA_TIMEOUT
SESSION_BUDGET = 25.0       # seconds a session may take in all before it is a hang
ALICE_PW = "alice-fuzz-pw"
BOB_PW = "bob-fuzz-pw"

# ---------------------------------------------------------------- corpus

# Real sessions, as clients send them ({A}: alice's password).
CORPUS = [
    # ftp(1)-like login and browsing
    ["USER alice", "PASS {A}", "SYST", "FEAT", "PWD", "TYPE I", "PASV", "LIST", "CWD pub",
     "PWD", "EPSV", "NLST", "CDUP", "QUIT"],
    # anonymous download
    ["USER anonymous", "PASS guest@example.org", "OPTS UTF8 ON", "CWD /pub", "TYPE I", "SIZE readme.txt",
     "MDTM readme.txt", "PASV", "RETR readme.txt", "QUIT"],
    # upload, append, unique, restart
    ["USER alice", "PASS {A}", "TYPE I", "PORT 127,0,0,1,4,1", "STOR upload.bin", "REST 100",
     "STOR upload.bin", "APPE log.txt", "STOU", "STOU name", "ALLO 1000", "QUIT"],
    # file management
    ["USER alice", "PASS {A}", "MKD newdir", "CWD newdir", "MKD sub", "RMD sub", "CDUP",
     "RNFR a.txt", "RNTO b.txt", "RNFR b.txt", "RNTO a.txt", "DELE notes.txt", "RMD newdir", "QUIT"],
    # machine listings
    ["USER alice", "PASS {A}", "OPTS MLST type;size;modify;perm;", "MLST", "MLST a.txt",
     "MLST /pub", "MLSD", "OPTS MLST", "MLST pub", "OPTS MLST UNIX.mode;unique;", "MLST a.txt",
     "QUIT"],
    # STAT over the control connection
    ["USER alice", "PASS {A}", "STAT", "STAT -la", "STAT /pub", "STAT *.txt", "STAT -d pub",
     "STAT pub/*", "STAT -a /", "QUIT"],
    # odd files: extreme times, a FIFO, names with control bytes
    ["USER alice", "PASS {A}", "MDTM future.txt", "MLST far.txt", "STAT -l past.txt", "MDTM far.txt",
     "MLST future.txt", "STAT *.txt", "SIZE fifo", "RETR fifo", "APPE fifo", "MLST fifo", "STAT ctl*",
     "STAT evil*", "MLST lnk-crlf", "STAT -l lnk-crlf", "QUIT"],
    # rclone-like time sync
    ["USER alice", "PASS {A}", "TYPE I", "MFMT 20240101120000 a.txt", "MDTM a.txt", "MLST a.txt",
     "MFMT 20240229235959.5 pub/readme.txt", "MLST pub/readme.txt", "MFMT 20240101120000 pub",
     "MFMT 20240101120000 escape/writable.txt", "MFMT 20240101120000 abs", "MFMT 99991231235959 notes.txt",
     "MDTM notes.txt", "QUIT"],
    # TLS upgrade (lftp, FileZilla)
    ["AUTH TLS", "<TLS>", "USER alice", "PASS {A}", "PBSZ 0", "PROT P", "PWD", "FEAT", "PASV",
     "MLSD", "STAT", "QUIT"],
    # curl-like
    ["USER alice", "PASS {A}", "PWD", "CWD pub", "EPSV", "TYPE I", "SIZE readme.txt", "RETR readme.txt",
     "QUIT"],
    # parameters and odd commands
    ["USER alice", "PASS {A}", "TYPE A", "TYPE A N", "TYPE L 8", "TYPE E", "TYPE X", "STRU F",
     "STRU R", "MODE S", "MODE B", "HELP", "NOOP", "ACCT x", "HOST example.org", "CCC", "PBSZ 0",
     "PROT C", "QUIT"],
    # abort and reinitialize
    ["USER alice", "PASS {A}", "PASV", "ABOR", "REIN", "USER bob", "PASS {B}", "PWD", "CWD /",
     "LIST", "ABOR", "QUIT"],
    # login failures
    ["USER alice", "PASS wrong", "USER nobody-here", "PASS x", "USER alice", "PASS {A}", "QUIT"],
    # traversal attempts
    ["USER alice", "PASS {A}", "CWD ../../..", "PWD", "CWD /../..", "STAT -la ..", "STAT escape",
     "STAT -la escape/", "MLST escape/.", "CWD escape", "PWD", "STAT -la abs/", "RETR ../canary/x",
     "DELE escape/writable.txt", "MKD escape/new", "RNFR escape", "RNTO moved", "QUIT"],
    ["USER alice", "PASS {A}", "CWD pub/deep-up", "STAT -la .", "MKD ../x", "CWD rootlink",
     "STAT -la", "CWD etc", "STAT passwd", "SIZE /etc/passwd", "MDTM abs/writable.txt", "QUIT"],
    # EPRT/EPSV variants
    ["USER alice", "PASS {A}", "EPRT |1|127.0.0.1|6446|", "EPRT |2|::1|6446|", "EPSV 1", "EPSV 2",
     "EPSV ALL", "PASV", "PORT 1,2,3,4,5,6", "EPSV", "QUIT"],
    # implicit-ish: commands before login
    ["SYST", "FEAT", "HELP", "STAT", "PWD", "LIST", "USER", "PASS", "USER alice", "USER alice",
     "PASS {A}", "USER bob", "QUIT"],
]

VERBS = ["USER", "PASS", "ACCT", "CWD", "XCWD", "CDUP", "XCUP", "PWD", "XPWD", "QUIT", "REIN",
         "TYPE", "STRU", "MODE", "PORT", "PASV", "EPRT", "EPSV", "RETR", "STOR", "STOU", "APPE",
         "REST", "SIZE", "MDTM", "RNFR", "RNTO", "DELE", "RMD", "XRMD", "MKD", "XMKD", "LIST",
         "NLST", "MLSD", "MLST", "STAT", "SYST", "NOOP", "HELP", "FEAT", "OPTS", "HOST", "ALLO",
         "ABOR", "AUTH", "PBSZ", "PROT", "CCC", "MFMT", "SITE", "SMNT", "MFMT", "XYZ", "A", "LONGVERB"]

ARGS = [
    "", ".", "..", "/", "//", "a.txt", "pub", "pub/readme.txt", "/pub/../a.txt", "new", "x y",
    " leading-space", "trailing-space ", "dir/", "*", "*.txt", "?.txt", "pub/*", "-la", "-a -l",
    "-d", "-R", "-x", "../../../../etc/passwd", "..\\..\\windows", "/..", "../..", "./././.",
    "escape", "escape/", "escape/writable.txt", "escape/..", "abs", "abs/writable.txt", "rootlink",
    "rootlink/etc", "etc/passwd", "dangling", "loop", "loop/loop", "selfdir/selfdir/a.txt",
    "pub/deep-up", "pub/deep-up/writable.txt", "\"quoted\"", "a\"b", "%s%s%n%x", "~", "~root",
    "ünïcödé", "日本語.txt", "I", "A", "A N", "L 8", "E", "0", "1", "2", "ALL", "all", "3",
    "18446744073709551615", "9223372036854775807", "9223372036854775808", "-1", "00000000000000000001",
    "127,0,0,1,4,1", "127,0,0,1,0,21", "0,0,0,0,4,1", "256,1,1,1,1,1", "1,2,3,4,5", "|1|127.0.0.1|6446|",
    "|2|::1|2121|", "|1|0.0.0.0|1025|", "|3|x|1|", "||||", "TLS", "SSL", "TLS-C", "tls", "X",
    "UTF8 ON", "MLST type;size;", "MLST ;;;", "MLST " + "type;" * 40, "MLST UNIX.mode;unique;perm;",
    "P", "C", "S", "F", "R", "B", "example.org", "a" * 255, "a" * 256, "fifo", "evil*", "*INJ*",
    "ctl*", "lnk-crlf", "future.txt", "far.txt", "past.txt", "20240101120000 a.txt",
    "20240229000000 pub/readme.txt", "19700101000000 notes.txt", "99991231235959 a.txt",
    "20241231235960 a.txt", "20240115120060 a.txt", "20240101120000.123456 a.txt", "20240230000000 a.txt",
    "20240101120000 escape/writable.txt", "20240101120000 abs", "20240101120000 ../canary/writable.txt",
    "20240101120000 pub", "20240101120000 fifo", "20240101120000", "2024 a.txt", "20240101120000  a.txt", "ro/locked.txt", "ro/new", "empty", "x y/space name.txt",
]

IAC_BITS = [b"\xff\xf4\xff\xf2", b"\xff\xff", b"\xff\xfb\x01", b"\xff\xfd\x03", b"\xff\xfe\x01",
            b"\xff\xfa\x18\x01xterm\xff\xf0", b"\xff\xfa", b"\xff", b"\xff\xf1", b"\xff\xf0"]
BAD_BYTES = [b"\x00", b"\r", b"\n", b"\r\r\n", b"\x01", b"\x1b[2J", b"\x7f", b"\xc3\x28", b"\xed\xa0\x80",
             b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\xff\xfe", b"\xe2\x80\xae", b"\x80", b"\t"]


def huge(rng):
    n = rng.choice([4090, 4095, 4096, 4097, 5000, 8192, 65536, 200000])
    kind = rng.randrange(4)
    if kind == 0:
        return b"A" * n
    if kind == 1:
        return b"../" * (n // 3)
    if kind == 2:
        return b"a/" * (n // 2)
    return bytes(rng.randrange(32, 127) for _ in range(min(n, 5000))) * max(1, n // 5000)


def mutate_line(rng, line):
    """A byte-level mutation of one command line (without its CRLF)."""
    op = rng.randrange(10)
    if op == 0 and line:
        i = rng.randrange(len(line))
        return line[:i] + bytes([rng.randrange(256)]) + line[i + 1:]
    if op == 1:
        i = rng.randrange(len(line) + 1)
        return line[:i] + rng.choice(IAC_BITS) + line[i:]
    if op == 2:
        i = rng.randrange(len(line) + 1)
        return line[:i] + rng.choice(BAD_BYTES) + line[i:]
    if op == 3:
        return line.lower() if rng.random() < 0.5 else line.swapcase()
    if op == 4:
        return line.replace(b" ", b"  ", 1) if b" " in line else line + b" "
    if op == 5:
        verb = line.split(b" ", 1)[0]
        return verb + b" " + huge(rng)
    if op == 6:
        verb = line.split(b" ", 1)[0]
        return verb + b" " + rng.choice(ARGS).encode()
    if op == 7:
        return line[:rng.randrange(len(line) + 1)]
    if op == 8:
        return line * rng.randint(2, 4)
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))


def random_line(rng):
    verb = rng.choice(VERBS)
    if rng.random() < 0.3:
        return verb.encode()
    return (verb + " " + rng.choice(ARGS)).encode()


def render(line):
    return line.replace("{A}", ALICE_PW).replace("{B}", BOB_PW).encode()


def make_session(rng, tls_ok):
    """A session: its configuration and its steps.

    Steps: ["data", bytes], ["pause", seconds], ["tls", "handshake"|"garbage"],
    and at the end optionally ["linger"] (keep the connection open: the
    server's timeout must end it) or ["cut"] (close without EOF handling)."""
    cfg = {"anonymous": rng.random() < 0.8, "write": rng.random() < 0.9, "tls": tls_ok and rng.random() < 0.85,
           "tls_require": False, "implicit": False}
    if cfg["tls"]:
        cfg["tls_require"] = rng.random() < 0.1
        cfg["implicit"] = rng.random() < 0.06
    if rng.random() < 0.12:
        lines = [random_line(rng) for _ in range(rng.randint(1, 40))]
        if rng.random() < 0.5:
            lines.insert(0, render("PASS {A}"))
            lines.insert(0, b"USER alice")
    else:
        lines = [b"<TLS>" if l == "<TLS>" else render(l) for l in rng.choice(CORPUS)]
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8])):
            op = rng.randrange(7)
            i = rng.randrange(len(lines) + 1)
            if op == 0:
                lines.insert(i, random_line(rng))
            elif op == 1 and lines:
                del lines[min(i, len(lines) - 1)]
            elif op == 2 and lines:
                j = min(i, len(lines) - 1)
                lines.insert(j, lines[j])
            elif op == 3 and len(lines) > 1:
                a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[a], lines[b] = lines[b], lines[a]
            elif lines:
                j = min(i, len(lines) - 1)
                if lines[j] != b"<TLS>":
                    lines[j] = mutate_line(rng, lines[j])
    if not cfg["tls"]:
        lines = [l for l in lines if l != b"<TLS>"]

    steps = []
    if cfg["implicit"]:
        steps.append(["tls", "handshake" if rng.random() < 0.9 else "garbage"])
    ending = [b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r\n"]
    buf = b""
    for l in lines:
        if l == b"<TLS>":
            if buf:
                steps.append(["data", buf])
                buf = b""
            steps.append(["tls", "handshake" if rng.random() < 0.85 else "garbage"])
            continue
        buf += l + rng.choice(ending)
        # Sometimes split here, with or without a pause.
        if rng.random() < 0.15:
            steps.append(["data", buf])
            buf = b""
            if rng.random() < 0.3:
                steps.append(["pause", rng.choice([0.01, 0.05, 0.2])])
    if buf:
        steps.append(["data", buf])
    # Sometimes cut the stream in odd places (mid-line, mid-IAC).
    if rng.random() < 0.2:
        flat = b"".join(s[1] for s in steps if s[0] == "data")
        if not any(s[0] == "tls" for s in steps) and flat:
            steps = []
            i = 0
            while i < len(flat):
                n = rng.choice([1, 2, 3, 7, 64, 1000, 5000])
                steps.append(["data", flat[i:i + n]])
                i += n
                if rng.random() < 0.05:
                    steps.append(["pause", 0.01])
    r = rng.random()
    if r < 0.03:
        # Left open without QUIT: the login or idle timeout must end it.
        for st in steps:
            if st[0] == "data":
                st[1] = re.sub(rb"(?im)^QUIT\r?\n", b"", st[1])
        steps.append(["linger"])
    elif r < 0.06:
        steps.append(["cut"])
        if steps[-2:-1] and steps[-2][0] == "data" and steps[-2][1].endswith(b"\n"):
            steps[-2][1] = steps[-2][1][:-1] + b"PARTIAL LINE"
    return cfg, steps


# ---------------------------------------------------------------- world

class World:
    """The temporary tree, the canary beside it, the users file, TLS
    credentials and the run account."""

    def __init__(self, tmpdir=None):
        self.base = tempfile.mkdtemp(prefix="ftpsd-sfuzz-", dir=tmpdir)
        os.chmod(self.base, 0o755)
        self.root = os.path.join(self.base, "root")
        self.canary = os.path.join(self.base, "canary")
        self.private = tempfile.mkdtemp(prefix="ftpsd-sfuzz-priv-")   # users, TLS, logs
        self.token = "tok%s" % hashlib.sha256(os.urandom(16)).hexdigest()[:16]
        self.inject = b"inj" + hashlib.sha256(os.urandom(16)).hexdigest()[:12].encode()
        self.run_user = None
        self.pw = None
        self.keep = False
        atexit.register(self.cleanup)
        if os.geteuid() == 0:
            self.run_user = "ftpsdfz%d" % os.getpid()
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                            self.run_user], check=True, capture_output=True, timeout=30)
            self.pw = pwd.getpwnam(self.run_user)
        os.mkdir(self.root)
        os.mkdir(self.canary)
        self._make_canary()
        self.users = os.path.join(self.private, "users")
        with open(self.users, "w") as f:
            f.write("# session-fuzz users\n")
            f.write("alice:%s\n" % self._hash(ALICE_PW))
            f.write("bob:%s:/pub\n" % self._hash(BOB_PW))
            f.write("carol:!locked\n")
            f.write("dave:%s:/missing-home\n" % self._hash(ALICE_PW))
        os.chmod(self.private, 0o755)
        self.cert = self.key = None
        self._make_tls()

    @staticmethod
    def _hash(pw):
        out = subprocess.run(["openssl", "passwd", "-6", "-salt", "sfuzzsalt", pw], capture_output=True,
                             text=True, timeout=30, check=True).stdout.strip()
        assert out.startswith("$6$"), out
        return out

    def _make_tls(self):
        if not shutil.which("openssl"):
            return
        cert = os.path.join(self.private, "cert.pem")
        key = os.path.join(self.private, "key.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=localhost"], capture_output=True, timeout=60)
        if r.returncode == 0:
            os.chmod(key, 0o600)   # ftpsd refuses a key every user may read
            self.cert, self.key = cert, key

    def _own(self, path):
        if self.pw is not None:
            os.lchown(path, self.pw.pw_uid, self.pw.pw_gid)

    def _make_canary(self):
        c = self.canary
        with open(os.path.join(c, "canary-%s.txt" % self.token), "w") as f:
            f.write("CANARY %s\n" % self.token)
        with open(os.path.join(c, "writable.txt"), "w") as f:
            f.write("must stay as it is %s\n" % self.token)
        os.chmod(os.path.join(c, "writable.txt"), 0o666)
        os.mkdir(os.path.join(c, "sub-%s" % self.token))
        with open(os.path.join(c, "sub-%s" % self.token, "inner.txt"), "w") as f:
            f.write("inner %s\n" % self.token)
        os.symlink("canary-%s.txt" % self.token, os.path.join(c, "link-%s" % self.token))
        # The run account may write here: an escape would show.
        for dirpath, dirnames, filenames in os.walk(c):
            self._own(dirpath)
            for n in dirnames + filenames:
                self._own(os.path.join(dirpath, n))

    def reset_root(self):
        """The same tree before each session (the previous one may have
        renamed or deleted things). The root directory itself stays, so
        that its parent does not change."""
        r = self.root
        for n in os.listdir(r):
            p = os.path.join(r, n)
            if os.path.isdir(p) and not os.path.islink(p):
                for dirpath, dirnames, _ in os.walk(p):
                    for d in dirnames:
                        try:
                            os.chmod(os.path.join(dirpath, d), 0o755)
                        except OSError:
                            pass
                shutil.rmtree(p)
            else:
                os.unlink(p)
        files = {
            "a.txt": b"alpha\n", "notes.txt": b"notes\r\nline two\n", "log.txt": b"",
            "pub/readme.txt": b"read me\n" * 20, "pub/data.bin": bytes(range(256)) * 4,
            "pub/sub/deep.txt": b"deep\n", "x y/space name.txt": b"spaces\n",
            "\u00fcn\u00efc\u00f6d\u00e9/\u65e5\u672c.txt".encode(): b"unicode\n",
            "quote\"d.txt": b"quote\n", "-dash.txt": b"dash\n", ".hidden": b"hidden\n",
            "ro/locked.txt": b"read-only\n",
        }
        for rel, data in files.items():
            p = os.path.join(r.encode(), rel if isinstance(rel, bytes) else rel.encode())
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
        os.mkdir(os.path.join(r, "empty"))
        # Names a line-based listing must not show as they are: CR/LF
        # would forge reply lines ("INJECTED" must never start one).
        for name in (b"evil\r\nINJECTED " + self.inject, b"evil-lf\nINJECTED " + self.inject,
                     b"ctl-\x1b[2J-\x07-\x7f", b"bad-utf8-\xff\xfe", b"tab\tname"):
            with open(os.path.join(r.encode(), name), "wb") as f:
                f.write(b"x\n")
        os.symlink(b"a.txt\r\nINJECTED " + self.inject, os.path.join(r.encode(), b"lnk-crlf"))
        os.mkfifo(os.path.join(r, "fifo"))
        # Extreme mtimes (kept as they are on tmpfs, clamped on ext4): a
        # year gmtime_r() cannot represent, year 100000, before 1970.
        for name, t in (("future.txt", 2 ** 62), ("far.txt", 3093527980800), ("past.txt", -1)):
            p = os.path.join(r, name)
            with open(p, "wb") as f:
                f.write(b"time\n")
            try:
                os.utime(p, (t, t))
            except (OverflowError, OSError):
                pass
        links = {
            "escape": "../canary",                       # relative, to the sibling
            "abs": self.canary,                          # absolute, to the sibling
            "pub/deep-up": "../../canary",
            "rootlink": "/",
            "etc": "/etc",
            "dangling": "../canary/missing",
            "loop": "loop",
            "selfdir": ".",
            "pub/up-one": "..",
        }
        for rel, target in links.items():
            os.symlink(target, os.path.join(r, rel))
        for dirpath, dirnames, filenames in os.walk(r.encode()):
            self._own(dirpath)
            for n in dirnames + filenames:
                self._own(os.path.join(dirpath, n))
        os.chmod(os.path.join(r, "ro"), 0o555)

    def snapshot(self):
        """Everything outside the root that a session could touch."""
        snap = {}

        def entry(p):
            st = os.lstat(p)
            e = (stat.S_IFMT(st.st_mode), st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns,
                 st.st_ctime_ns)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    e += (hashlib.sha256(f.read()).hexdigest(),)
            elif stat.S_ISLNK(st.st_mode):
                e += (os.readlink(p),)
            return e

        for dirpath, dirnames, filenames in os.walk(self.canary):
            snap[dirpath] = entry(dirpath) + (tuple(sorted(dirnames + filenames)),)
            for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                snap[os.path.join(dirpath, n)] = entry(os.path.join(dirpath, n))
        st = os.lstat(self.base)
        snap[self.base] = (st.st_mode, st.st_uid, st.st_mtime_ns, tuple(sorted(os.listdir(self.base))))
        return snap

    def env(self, cfg):
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "FTPSD_ROOT": self.root,
            "FTPSD_USERS": self.users,
            "FTPSD_ANONYMOUS": "1" if cfg.get("anonymous") else "0",
            "FTPSD_WRITE": "1" if cfg.get("write") else "0",
            "FTPSD_LOG": "stderr",
            "FTPSD_LOGIN_TIMEOUT": str(TIMEOUT),
            "FTPSD_IDLE_TIMEOUT": str(TIMEOUT),
            "FTPSD_DATA_TIMEOUT": str(TIMEOUT),
        }
        if self.run_user:
            env["FTPSD_RUN_USER"] = self.run_user
        if cfg.get("tls") and self.cert:
            env["FTPSD_TLS_CERT"] = self.cert
            env["FTPSD_TLS_KEY"] = self.key
            if cfg.get("tls_require"):
                env["FTPSD_TLS_REQUIRE"] = "1"
            else:   # plaintext logins too, as before TLS became the default for accounts
                env["FTPSD_TLS_REQUIRE"] = "0"
                env["FTPSD_TLS_REQUIRE_DATA"] = "0"
            if cfg.get("implicit"):
                env["FTPSD_TLS_IMPLICIT"] = "1"
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "MSAN_OPTIONS", "ASAN_SYMBOLIZER_PATH",
                  "LLVM_SYMBOLIZER_PATH"):
            if k in os.environ:
                env[k] = os.environ[k]
        return env

    def cleanup(self):
        if self.keep:
            print("# kept %s and %s" % (self.base, self.private), flush=True)
        else:
            for d in (self.base, self.private):
                if os.path.isdir(d):
                    for dirpath, dirnames, _ in os.walk(d):
                        for n in dirnames:
                            try:
                                os.chmod(os.path.join(dirpath, n), 0o755)
                            except OSError:
                                pass
                    shutil.rmtree(d, ignore_errors=True)
        if self.run_user:
            subprocess.run(["userdel", self.run_user], capture_output=True, timeout=30)
            self.run_user = None


# ---------------------------------------------------------------- one session

class Result:
    def __init__(self):
        self.problems = []
        self.replies = b""
        self.status = None
        self.duration = 0.0
        self.stderr = b""
        self.sent = 0


def _drain(sock, res, until, want=None, since=0, quiet=None):
    """Reads what arrives until the deadline; with want, only until a
    complete reply line starting with it shows up after offset since, or
    nothing more has come for quiet seconds. Returns False at EOF."""
    last = time.monotonic()
    while True:
        if want is not None and re.search(rb"(?:^|\n)" + want + rb"[^\n]*\n", res.replies[since:]):
            return True
        left = until - time.monotonic()
        if left <= 0:
            return True
        if quiet is not None and time.monotonic() - last > quiet:
            return True
        sel = selectors.DefaultSelector()
        sel.register(sock, selectors.EVENT_READ)
        ready = sel.select(min(left, 0.1 if quiet else 0.5))
        sel.close()
        if not ready:
            continue
        last = time.monotonic()
        try:
            chunk = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            return False
        if not chunk:
            return False
        res.replies += chunk


def _send_plain(sock, data, res, deadline):
    """Sends data while reading replies, so that neither side blocks."""
    view = memoryview(data)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    try:
        while view and time.monotonic() < deadline:
            for key, events in sel.select(0.5):
                if events & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        chunk = None
                    except OSError:
                        return False
                    if chunk == b"":
                        return False
                    if chunk:
                        res.replies += chunk
                if events & selectors.EVENT_WRITE and view:
                    try:
                        n = sock.send(view[:65536])
                    except (BlockingIOError, InterruptedError):
                        n = 0
                    except OSError:
                        return False
                    res.sent += n
                    view = view[n:]
    finally:
        sel.close()
    return True


class TlsChannel:
    """The client side of TLS over the socketpair, driven without threads."""

    def __init__(self, sock):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = sock
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")

    def _flush(self, deadline):
        data = self.outgoing.read()
        view = memoryview(data)
        while view and time.monotonic() < deadline:
            try:
                n = self.sock.send(view)
                view = view[n:]
            except (BlockingIOError, InterruptedError):
                time.sleep(0.005)
            except OSError:
                return

    def _feed(self, timeout):
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        ready = sel.select(timeout)
        sel.close()
        if not ready:
            return True
        try:
            chunk = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            chunk = b""
        if not chunk:
            self.incoming.write_eof()
            return False
        self.incoming.write(chunk)
        return True

    def handshake(self, deadline):
        while time.monotonic() < deadline:
            try:
                self.obj.do_handshake()
                self._flush(deadline)
                return True
            except ssl.SSLWantReadError:
                self._flush(deadline)
                self._feed(0.2)
            except (ssl.SSLError, OSError):
                return False
        return False

    def close_notify(self):
        try:
            self.obj.unwrap()
        except (ssl.SSLError, OSError):
            pass
        self._flush(time.monotonic() + 1)

    def read_available(self, res, timeout):
        alive = self._feed(timeout)
        while True:
            try:
                data = self.obj.read(65536)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLError, OSError):
                return False
            if not data:
                return False
            res.replies += data
        self._flush(time.monotonic() + 1)
        return alive

    def send(self, data, res, deadline):
        for i in range(0, len(data), 16384):
            try:
                self.obj.write(data[i:i + 16384])
            except (ssl.SSLError, OSError):
                return False
            self._flush(deadline)
            res.sent += len(data[i:i + 16384])
            if not self.read_available(res, 0):
                return False
        return True


def run_session(world, binary, cfg, steps):
    res = Result()
    world.reset_root()
    before = world.snapshot()
    parent, child = socket.socketpair()
    errf = tempfile.TemporaryFile(dir=world.private)
    t0 = time.monotonic()
    deadline = t0 + SESSION_BUDGET
    proc = subprocess.Popen([binary], stdin=child, stdout=child, stderr=errf, env=world.env(cfg),
                            close_fds=True, start_new_session=True)
    child.close()
    parent.setblocking(False)
    tls = None
    alive = True
    mark = 0   # where the replies to the latest data step begin
    try:
        for step in steps:
            if not alive or time.monotonic() > deadline:
                break
            kind = step[0]
            if kind == "data":
                mark = len(res.replies)
                if tls:
                    alive = tls.send(step[1], res, deadline)
                else:
                    alive = _send_plain(parent, step[1], res, deadline)
            elif kind == "pause":
                if tls:
                    alive = tls.read_available(res, step[1])
                else:
                    alive = _drain(parent, res, time.monotonic() + step[1])
            elif kind == "tls":
                if tls:
                    continue
                if not cfg.get("implicit"):
                    # AUTH TLS was sent: wait for its 234. A refusal (or a
                    # mutated AUTH) shows as silence: then go on in the clear.
                    _drain(parent, res, min(deadline, time.monotonic() + 5), want=rb"234 ", since=mark,
                           quiet=1.0)
                    if not re.search(rb"(?:^|\n)234 ", res.replies[mark:]):
                        continue
                if step[1] == "garbage":
                    alive = _send_plain(parent, b"\x16\x03\x01\x00\x05hello" + os.urandom(64), res, deadline)
                    break
                tls = TlsChannel(parent)
                if not tls.handshake(min(deadline, time.monotonic() + 10)):
                    alive = False
                    break
            elif kind == "linger":
                # Keep the connection open: the server's own timeout ends it.
                while alive and time.monotonic() < deadline:
                    alive = tls.read_available(res, 0.5) if tls else _drain(parent, res, time.monotonic() + 0.5)
            elif kind == "cut":
                break
        # The end of the stream; the server must close its side.
        if steps and steps[-1][0] == "cut":
            parent.close()
        else:
            if tls and alive:
                tls.close_notify()
            try:
                parent.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            while alive and time.monotonic() < deadline:
                alive = tls.read_available(res, 0.5) if tls else _drain(parent, res, time.monotonic() + 0.5)
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            res.problems.append("hang: still running after %.0f s; killed" % SESSION_BUDGET)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    finally:
        try:
            parent.close()
        except OSError:
            pass
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    res.duration = time.monotonic() - t0
    res.status = proc.returncode
    errf.seek(0)
    res.stderr = errf.read()
    errf.close()

    if res.status < 0 and not res.problems:   # not by us, after a hang
        res.problems.append("killed by signal %d" % -res.status)
    elif res.status not in (0, 1):
        res.problems.append("exit status %d" % res.status)
    if SANITIZER_RE.search(res.stderr):
        res.problems.append("sanitizer report in stderr")
    after = world.snapshot()
    if after != before:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        res.problems.append("outside the root changed: %s" % ", ".join(changed))
    if world.token.encode() in res.replies:
        res.problems.append("a reply shows the canary token (outside the root was read or listed)")
    if world.inject in res.replies:
        res.problems.append("a reply shows a name with CR/LF (reply injection)")
    for m in re.finditer(rb"modify=([^;\r\n]*)", res.replies):
        if not re.fullmatch(rb"[0-9]{14,}", m.group(1)):
            res.problems.append("malformed MLSx modify fact: %r" % m.group(0)[:60])
            break
    lines = res.replies.split(b"\r\n")
    for line in lines[:-1]:
        if not REPLY_LINE_RE.match(line) or b"\n" in line or b"\r" in line:
            res.problems.append("malformed reply line: %r" % line[:200])
            break
    return res


# ---------------------------------------------------------------- main

def save(world, outdir, name, seed, index, cfg, steps, res):
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name + ".json")
    with open(path, "w") as f:
        json.dump({"seed": seed, "index": index, "config": cfg, "problems": res.problems,
                   "steps": [[s[0], base64.b64encode(s[1]).decode()] if s[0] == "data" else s for s in steps]},
                  f, indent=1)
    with open(os.path.join(outdir, name + ".stderr"), "wb") as f:
        f.write(res.stderr)
    with open(os.path.join(outdir, name + ".replies"), "wb") as f:
        f.write(res.replies)
    return path


def load(path):
    with open(path) as f:
        j = json.load(f)
    steps = [[s[0], base64.b64decode(s[1])] if s[0] == "data" else s for s in j["steps"]]
    return j["config"], steps, j.get("seed"), j.get("index")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sessions", nargs="?", type=int, default=200)
    ap.add_argument("seed", nargs="?", type=int, default=None)
    ap.add_argument("--replay", metavar="FILE", help="run one saved session (JSON)")
    ap.add_argument("--failures", metavar="DIR", help="where failing sessions are saved "
                    "(default: a directory under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary tree")
    ap.add_argument("--tmpdir", metavar="DIR", help="where the tree goes (default: /dev/shm when "
                    "writable, as tmpfs keeps any mtime; else the usual temporary directory)")
    ap.add_argument("--verbose", action="store_true", help="a diagnostic line per session")
    args = ap.parse_args()

    binary = os.environ.get("FTPSD_BIN")
    if not binary:
        for cand in (os.path.join(TOP, "build", "src", "ftpsd"), os.path.join(TOP, "src", "ftpsd")):
            if os.access(cand, os.X_OK):
                binary = cand
                break
    if not binary or not os.access(binary, os.X_OK):
        print("Bail out! no ftpsd binary: set FTPSD_BIN")
        return 2
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    failures_dir = args.failures or os.path.join(tempfile.gettempdir(), "ftpsd-session-fuzz-%d" % os.getpid())

    def on_signal(signum, frame):
        print("Bail out! signal %d" % signum, flush=True)
        sys.exit(2)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tmpdir = args.tmpdir
    if tmpdir is None and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        tmpdir = "/dev/shm"
    world = World(tmpdir)
    world.keep = args.keep
    print("# binary %s, seed %d, %s, tree %s" % (binary, seed,
          "run user %s" % world.run_user if world.run_user else "not root", world.base), flush=True)
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            print("# %s=%s" % (k, os.environ[k]), flush=True)
    if not world.cert:
        print("# no openssl: TLS sessions left out", flush=True)

    if args.replay:
        cfg, steps, _, _ = load(args.replay)
        plan = [(0, cfg, steps)]
    else:
        plan = None

    n = len(plan) if plan else args.sessions
    failed = 0
    kinds = collections.Counter()
    codes = collections.Counter()
    logged_in = tls_sessions = 0
    total_bytes = 0
    started = time.monotonic()
    for i in range(n):
        if plan:
            _, cfg, steps = plan[i]
        else:
            rng = random.Random("%d/%d" % (seed, i))
            cfg, steps = make_session(rng, world.cert is not None)
        res = run_session(world, binary, cfg, steps)
        total_bytes += res.sent
        for m in re.finditer(rb"(?:^|\r\n)([1-5][0-9][0-9]) ", res.replies):
            codes[m.group(1).decode()] += 1
        if re.search(rb"(?:^|\r\n)23[02] ", res.replies):
            logged_in += 1
        if any(s[0] == "tls" for s in steps):
            tls_sessions += 1
        desc = "session %d: %d steps, %d bytes, exit %s, %.2f s" % (i, len(steps), res.sent, res.status,
                                                                   res.duration)
        if res.problems:
            failed += 1
            for p in res.problems:
                kinds[p.split(":")[0]] += 1
            print("not ok %d - %s" % (i + 1, desc), flush=True)
            for p in res.problems:
                print("# %s" % p, flush=True)
            path = save(world, failures_dir, "session-%d-%d" % (seed, i), seed, i, cfg, steps, res)
            print("# saved: %s (replay: %s --replay %s)" % (path, sys.argv[0], path), flush=True)
            for line in res.stderr.decode("utf-8", "replace").splitlines():
                if SANITIZER_RE.search(line.encode()) or line.lstrip().startswith("#"):
                    print("#   %s" % line[:300], flush=True)
        else:
            print("ok %d - %s" % (i + 1, desc), flush=True)
            if args.verbose:
                print("# config %s" % json.dumps(cfg), flush=True)
    print("1..%d" % n)
    dt = time.monotonic() - started
    top = ", ".join("%s:%d" % kv for kv in sorted(codes.items()))
    print("# reply codes: %s" % top)
    print("# %d sessions (%s) in %.0f s: %d failed%s; %d logged in, %d with TLS steps, %d bytes sent"
          % (n, "replay of %s" % args.replay if args.replay else "seed %d" % seed, dt, failed, (" (" + ", ".join("%s %d" % kv for kv in kinds.items()) + ")") if kinds else "",
             logged_in, tls_sessions, total_bytes))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
