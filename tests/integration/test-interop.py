#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The client-interoperability matrix (issue: "every common client stack, in
every mode, byte-exact").

Clients and their TLS stacks: curl (OpenSSL), python3 ftplib (OpenSSL, with
tls_support.ReusingFTP_TLS), lftp (GnuTLS), wget (GnuTLS, downloads only),
rclone's FTP backend (Go crypto/tls), Apache Commons Net FTPSClient (Java
JSSE; tests/interop/FtpsInterop.java, compiled here) and Node's basic-ftp
(npm; tests/interop/basic-ftp-interop.js, installed here into
$FTPSD_INTEROP_CACHE or /var/tmp/ftpsd-interop-npm). tests/interop/deps.sh
installs them.

Each cell is one client x one mode (plaintext, on a server that offers
AUTH TLS without requiring it; explicit AUTH TLS + PROT P; implicit TLS) x one data direction (passive: PASV/EPSV; active: PORT/EPRT),
against its own server started as in production, FTPSD_TLS_REQUIRE_REUSE=1
unless the cell says "reuse off". Scenario: login; list /seed (LIST, and
MLSD where the client uses it); upload a 16 MiB random file and a tree of
100 small files; download both back; compare SHA-256; resume an
interrupted download; rename; delete; quit; the client prints no error or
warning. After TAP lines for every check, each cell gets one summary line:
    # cell <client> <mode> <data>: PASS|FAIL|N/A (notes or reason)
A client that is not installed fails its cells with "missing <tool>".

Regression checks from other servers' bug trackers that are not already
elsewhere in the suite: TLS 1.3 tickets used once each over a 200-transfer
session (every data connection must find a fresh ticket on the control
connection), and EPSV ALL under PROT P. The others are covered where
noted at the end of the output.

FTPSD_INTEROP_CELLS=REGEX runs only the cells whose "client mode data"
matches; FTPSD_INTEROP_JOBS=N runs N cells at a time (default 2).
"""

import ftplib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()

MiB = ft.MiB
ALICE = ts.ALICE
HOST = "127.0.0.1"
TESTS = os.environ.get("FTPSD_TESTS") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTEROP = os.path.join(TESTS, "interop")
NPM_CACHE = os.environ.get("FTPSD_INTEROP_CACHE") or "/var/tmp/ftpsd-interop-npm"
COMMONS_NET_JAR = "/usr/share/java/commons-net.jar"
JOBS = max(1, int(os.environ.get("FTPSD_INTEROP_JOBS", "2")))
ONLY = re.compile(os.environ.get("FTPSD_INTEROP_CELLS", ""))

WORK = tempfile.mkdtemp(prefix="ftpsd-interop-")
os.chmod(WORK, 0o755)
BIG_SIZE = 16 * MiB
PARTIAL = 5 * MiB + 12345        # the interrupted download's length
TREE_FILES = 100
CLIENT_TIMEOUT = 120             # seconds, any one client invocation

MODES = ("plain", "explicit", "implicit")
DATAS = ("passive", "active")


def cleanup_work():
    shutil.rmtree(WORK, ignore_errors=True)


# ------------------------------------------------------------------ test data

SRC = os.path.join(WORK, "src")
BIG = os.path.join(SRC, "big.bin")
TREE = os.path.join(SRC, "tree")
BIG_DATA = ft.random_bytes(BIG_SIZE, 4217)
BIG_SHA = ft.sha256(BIG_DATA)
ft.write_file(BIG, BIG_DATA)
ts.make_tree(TREE, TREE_FILES, seed=42)
TREE_SHA = ts.tree_digest(TREE)
TREE_DIRS = sorted({os.path.dirname(p)[:i] for p in TREE_SHA
                    for i in range(1, len(os.path.dirname(p)) + 1)
                    if os.path.dirname(p)[i:i + 1] in ("", "/")})
SEED_NAMES = ("seed.txt", "delete-me.bin")


# ------------------------------------------------------------------ results

class Result:
    """What one client run left: exit status, its messages, its listings."""

    def __init__(self):
        self.rc = 0
        self.out = ""          # stdout, for listings
        self.err = ""          # every message the client printed
        self.lists = {}        # "LIST"/"MLSD" -> text containing the names
        self.failed = None     # why the run stopped, if it did

    def add(self, rc, out, err, what):
        self.out += out
        self.err += err
        if rc != 0 and self.rc == 0:
            self.rc = rc
            self.failed = "%s: exit status %s: %s" % (what, rc, (err or out).strip()[-600:])
        return rc == 0


class Cell:
    def __init__(self, client, mode, data, variant=None):
        self.client, self.mode, self.data = client, mode, data
        self.variant = variant or {}
        self.label = "%s %s %s" % (client, mode, data)
        self.checks = []       # (ok, name, diag)
        self.notes = []
        self.na = None
        self.missing = None
        self.reuse = self.variant.get("reuse", "1")
        self.seconds = 0.0

    @property
    def tls(self):
        return self.mode != "plain"

    def ok(self, cond, name, diag=None):
        self.checks.append((bool(cond), name, diag))
        return bool(cond)

    def summary(self):
        if self.na:
            return "N/A (%s)" % self.na
        if self.missing:
            return "FAIL (missing %s)" % self.missing
        bad = [n for ok, n, _ in self.checks if not ok]
        notes = list(self.notes)
        if bad:
            return "FAIL (%s; %s)" % ("; ".join(bad[:4]) + (" ..." if len(bad) > 4 else ""),
                                      ", ".join(notes))
        return "PASS (%s)" % ", ".join(notes)


# ------------------------------------------------------------------ client helpers

def _start(args, env=None, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    # A process group of its own: a timeout ends the client and its children.
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=e, cwd=cwd, start_new_session=True)


def _finish(p, timeout, binary_stdout=False):
    try:
        o, e = p.communicate(timeout=max(1, timeout))
        rc = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        o, e = p.communicate()
        rc = 124
        e = b"timed out after %d s; " % timeout + e
    return rc, o if binary_stdout else o.decode("utf-8", "replace"), e.decode("utf-8", "replace")


def run(args, timeout=CLIENT_TIMEOUT, env=None, cwd=None, binary_stdout=False):
    """A client invocation, bounded in time: (rc, stdout, stderr)."""
    try:
        p = _start(args, env, cwd)
    except OSError as x:
        return 127, b"" if binary_stdout else "", "cannot run %s: %s" % (args[0], x)
    return _finish(p, timeout, binary_stdout)


def url(srv, path, scheme="ftp", user=ALICE):
    return "%s://%s:%s@%s:%d%s" % (scheme, user.name, user.password, HOST, srv.port, path)


def tree_files():
    return sorted(TREE_SHA)


# Messages every client may print that are neither errors nor warnings.
BENIGN = {
    "wget": re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d URL:.*|Resuming SSL session in data "
                       r"connection\.|FINISHED --.*|Total wall clock time: .*|Downloaded: \d+ "
                       r"files?, .*|)$"),
}


def trouble_lines(client, text):
    """Lines the client printed that are errors or warnings. Clients are run
    so that they print nothing else (curl -sS, rclone at NOTICE, lftp's
    stderr, our programs' stderr), except wget's progress lines."""
    benign = BENIGN.get(client)
    out = []
    for line in text.splitlines():
        s = line.strip()
        if not s or (benign and benign.match(s)):
            continue
        out.append(s)
    return out


# ------------------------------------------------------------------ curl

def curl_base(cell, srv):
    args = ["-sS", "--connect-timeout", "10", "--max-time", str(CLIENT_TIMEOUT - 10)]
    if cell.tls:
        args += ["--cacert", ts.certs().server_ca]
    if cell.mode == "explicit":
        args.append("--ssl-reqd")
    if cell.data == "active":
        args += ["--ftp-port", HOST]
    return args


def curl_config(cell, srv, items, path):
    """A curl -K file with one operation per item (each a list of
    'option = value' lines), all over one control connection."""
    base = ['silent', 'show-error', 'connect-timeout = 10']
    if cell.tls:
        base.append('cacert = "%s"' % ts.certs().server_ca)
    if cell.mode == "explicit":
        base.append('ssl-reqd')
    if cell.data == "active":
        base.append('ftp-port = "%s"' % HOST)
    with open(path, "w") as f:
        f.write("next\n".join("\n".join(base + item) + "\n" for item in items))
    return path


def run_many(argvs, timeout=CLIENT_TIMEOUT):
    """Runs client invocations side by side: [(rc, stdout, stderr)]."""
    procs = [_start(args) for args in argvs]
    deadline = time.monotonic() + timeout
    return [_finish(p, deadline - time.monotonic()) for p in procs]


# curl 7.88 pauses 0.2-1 s before most FTPS transfers of a multi-URL
# invocation (its own timers: the server is idle meanwhile), so the 100
# files go through CURL_PROCS invocations side by side, each with its one
# control connection. (curl -Z would make parallel control connections in
# one process, which share curl's TLS session cache: data connections then
# offer another connection's session and are refused with 522.)
CURL_PROCS = 10


def run_curl(cell, srv, d):
    res = Result()
    scheme = "ftps" if cell.mode == "implicit" else "ftp"
    base = ["curl"] + curl_base(cell, srv)
    rc, out, err = run(base + [url(srv, "/seed/", scheme)])
    res.lists["LIST"] = out
    if not res.add(rc, out, err, "curl LIST"):
        return res
    rc, out, err = run(base + ["--ftp-create-dirs", "-T", BIG, url(srv, "/up/big.bin", scheme)])
    if not res.add(rc, out, err, "curl upload"):
        return res
    files = tree_files()
    for what, item in (
            ("up", lambda rel: ['upload-file = "%s"' % os.path.join(TREE, rel), 'ftp-create-dirs',
                                'url = "%s"' % url(srv, "/up/tree/" + rel, scheme)]),
            ("down", lambda rel: ['url = "%s"' % url(srv, "/up/tree/" + rel, scheme), 'create-dirs',
                                  'output = "%s"' % os.path.join(d, "down", "tree", rel)])):
        argvs = []
        for k in range(CURL_PROCS):
            cfg = curl_config(cell, srv, [item(rel) for rel in files[k::CURL_PROCS]],
                              os.path.join(d, "%s-%d.cfg" % (what, k)))
            argvs.append(["curl", "--max-time", str(CLIENT_TIMEOUT - 10), "-K", cfg])
        for rc, out, err in run_many(argvs):
            if not res.add(rc, out, err, "curl tree %sload" % what):
                return res
    rc, out, err = run(base + ["--create-dirs", "-o", os.path.join(d, "down", "big.bin"),
                               url(srv, "/up/big.bin", scheme)])
    if not res.add(rc, out, err, "curl download"):
        return res
    rc, out, err = run(base + ["-C", "-", "-o", os.path.join(d, "partial.bin"),
                               url(srv, "/up/big.bin", scheme)])
    if not res.add(rc, out, err, "curl -C - (resume)"):
        return res
    rc, out, err = run(base + ["-o", os.devnull, "-Q", "RNFR up/big.bin", "-Q", "RNTO up/big-renamed.bin",
                               "-Q", "DELE seed/delete-me.bin", url(srv, "/", scheme)])
    res.add(rc, out, err, "curl -Q RNFR/RNTO/DELE")
    return res


# ------------------------------------------------------------------ python ftplib

def run_ftplib(cell, srv, d):
    res = Result()
    ctx = ts.client_context()
    if cell.mode == "plain":
        f = ftplib.FTP(timeout=ft.CTL_TIMEOUT)
    elif cell.mode == "explicit":
        f = ts.ReusingFTP_TLS(ctx)
    else:
        f = ts.ImplicitFTP_TLS(ctx)   # sends no PBSZ/PROT: implicit means PROT P
    step = "connect"
    try:
        f.connect(HOST, srv.port)
        step = "login"
        f.login(ALICE.name, ALICE.password)
        if cell.mode == "explicit":
            f.prot_p()
        f.set_pasv(cell.data == "passive")
        step = "LIST"
        lines = []
        f.retrlines("LIST /seed", lines.append)
        res.lists["LIST"] = "\n".join(lines)
        step = "MLSD"
        res.lists["MLSD"] = "\n".join(name for name, _ in f.mlsd("/seed"))
        step = "upload"
        f.mkd("/up")
        with open(BIG, "rb") as src:
            f.storbinary("STOR /up/big.bin", src)
        f.mkd("/up/tree")
        for sub in TREE_DIRS:
            f.mkd("/up/tree/" + sub)
        for rel in tree_files():
            with open(os.path.join(TREE, rel), "rb") as src:
                f.storbinary("STOR /up/tree/" + rel, src)
        step = "download"
        os.makedirs(os.path.join(d, "down"), exist_ok=True)
        with open(os.path.join(d, "down", "big.bin"), "wb") as out:
            f.retrbinary("RETR /up/big.bin", out.write)

        def get_tree(remote, local):
            os.makedirs(local, exist_ok=True)
            for name, facts in f.mlsd(remote):
                if facts.get("type") == "dir":
                    get_tree(remote + "/" + name, os.path.join(local, name))
                elif facts.get("type") == "file":
                    with open(os.path.join(local, name), "wb") as out:
                        f.retrbinary("RETR %s/%s" % (remote, name), out.write)
        get_tree("/up/tree", os.path.join(d, "down", "tree"))
        step = "resume"
        part = os.path.join(d, "partial.bin")
        with open(part, "ab") as out:
            f.retrbinary("RETR /up/big.bin", out.write, rest=os.path.getsize(part))
        step = "rename"
        f.rename("/up/big.bin", "/up/big-renamed.bin")
        step = "delete"
        f.delete("/seed/delete-me.bin")
        step = "quit"
        f.quit()
        if cell.tls:
            res.out += "data connections resumed: %r\n" % (f.data_resumed.count(True),)
            if not all(f.data_resumed):
                res.add(1, "", "a data connection did not resume: %r" % f.data_resumed, "ftplib")
    except Exception as e:  # noqa: BLE001 - the client's failure is the result
        res.add(1, "", "%s: %s: %s\n%s" % (step, type(e).__name__, e, traceback.format_exc()[-800:]),
                "ftplib " + step)
    finally:
        ts.close_quietly(f)
    return res


# ------------------------------------------------------------------ lftp

def run_lftp(cell, srv, d):
    res = Result()
    settings = ["set cmd:fail-exit yes", "set cmd:interactive false", "set net:max-retries 1",
                "set net:reconnect-interval-base 1", "set net:timeout 15", "set xfer:clobber on"]
    if cell.tls:
        settings += ["set ftp:ssl-force true", "set ftp:ssl-protect-data true",
                     "set ssl:ca-file %s" % ts.certs().server_ca, "set ssl:verify-certificate yes"]
    else:
        settings.append("set ftp:ssl-allow no")
    settings.append("set ftp:passive-mode %s" % ("on" if cell.data == "passive" else "off"))
    scheme = "ftps" if cell.mode == "implicit" else "ftp"
    down = os.path.join(d, "down")
    os.makedirs(down, exist_ok=True)
    script = settings + [
        "open -u %s,%s %s://%s:%d" % (ALICE.name, ALICE.password, scheme, HOST, srv.port),
        "echo --MLSD--", "cls -1 seed/",     # cls lists with MLSD
        "echo --LIST--", "ls seed/",         # ls shows the server's LIST
        "echo --END--",
        "mkdir -p up",
        "put %s -o up/big.bin" % BIG,
        "mirror -R --no-perms %s up/tree" % TREE,
        "get up/big.bin -o %s/big.bin" % down,
        "mirror --no-perms up/tree %s/tree" % down,
        "get -c up/big.bin -o %s/partial.bin" % d,
        "mv up/big.bin up/big-renamed.bin",
        "rm seed/delete-me.bin",
        "bye",
    ]
    path = os.path.join(d, "script.lftp")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    home = os.path.join(d, "home")
    os.makedirs(home, exist_ok=True)
    rc, out, err = run(["lftp", "-f", path], env={"HOME": home, "LFTP_HOME": home}, cwd=d)
    m = re.search(r"--MLSD--\n(.*)--LIST--\n(.*)--END--", out, re.S)
    if m:
        res.lists["MLSD"], res.lists["LIST"] = m.group(1), m.group(2)
    res.add(rc, out, err, "lftp")
    return res


# ------------------------------------------------------------------ wget

def run_wget(cell, srv, d):
    res = Result()
    base = ["wget", "-nv", "--tries=1", "--timeout=15"]
    if cell.tls:
        base.append("--ca-certificate=%s" % ts.certs().server_ca)
    if cell.mode == "implicit":
        base.append("--ftps-implicit")
    if cell.data == "active":
        base.append("--no-passive-ftp")
    scheme = "ftps" if cell.tls else "ftp"
    listing = os.path.join(d, "listing.html")
    rc, out, err = run(base + ["-O", listing, url(srv, "/seed/", scheme)], cwd=d)
    if os.path.exists(listing):
        res.lists["LIST"] = ft.read_file(listing).decode("utf-8", "replace")
    if not res.add(rc, out, err, "wget listing"):
        return res
    rc, out, err = run(base + ["-r", "-np", "-nH", "--cut-dirs=1", "-P", os.path.join(d, "down"),
                               url(srv, "/up/", scheme)], cwd=d)
    if not res.add(rc, out, err, "wget -r"):
        return res
    rdir = os.path.join(d, "resume")
    os.makedirs(rdir)
    os.rename(os.path.join(d, "partial.bin"), os.path.join(rdir, "big.bin"))
    rc, out, err = run(base + ["-c", "-P", rdir, url(srv, "/up/big.bin", scheme)], cwd=d)
    os.rename(os.path.join(rdir, "big.bin"), os.path.join(d, "partial.bin"))
    res.add(rc, out, err, "wget -c")
    return res


# ------------------------------------------------------------------ rclone

_obscured = {}


def rclone_obscure(password):
    if password not in _obscured:
        rc, out, err = run(["rclone", "obscure", password], timeout=30)
        if rc != 0:
            raise RuntimeError("rclone obscure: %s" % err)
        _obscured[password] = out.strip()
    return _obscured[password]


def run_rclone(cell, srv, d):
    res = Result()
    conf = os.path.join(d, "rclone.conf")
    open(conf, "w").close()
    env = {"RCLONE_CONFIG_IX_TYPE": "ftp", "RCLONE_CONFIG_IX_HOST": HOST,
           "RCLONE_CONFIG_IX_PORT": str(srv.port), "RCLONE_CONFIG_IX_USER": ALICE.name,
           "RCLONE_CONFIG_IX_PASS": rclone_obscure(ALICE.password),
           "HOME": d, "XDG_CACHE_HOME": os.path.join(d, "cache")}
    if cell.mode == "explicit":
        env["RCLONE_CONFIG_IX_EXPLICIT_TLS"] = "true"
    elif cell.mode == "implicit":
        env["RCLONE_CONFIG_IX_TLS"] = "true"
    if cell.tls:
        # No CA option for FTP in rclone 1.60: its tls.Config has only
        # ServerName and InsecureSkipVerify.
        env["RCLONE_CONFIG_IX_NO_CHECK_CERTIFICATE"] = "true"
        if cell.variant.get("concurrency", "1") != "0":
            # One control connection at a time: rclone < 1.64 shares one TLS
            # session cache (keyed by host name) among all its control
            # connections (rclone issue 7234), so with several of them a data
            # connection can offer another connection's session.
            env["RCLONE_CONFIG_IX_CONCURRENCY"] = cell.variant.get("concurrency", "1")
    base = ["rclone", "--config", conf, "--retries", "1", "--low-level-retries", "1",
            "--contimeout", "10s", "--timeout", "30s"]

    def rcl(args, what, binary=False):
        return run(base + args, env=env, cwd=d, binary_stdout=binary)

    rc, out, err = rcl(["lsf", "ix:seed"], "rclone lsf")
    res.lists["MLSD"] = out
    if not res.add(rc, out, err, "rclone lsf (MLSD)"):
        return res
    rc, out, err = rcl(["--ftp-disable-mlsd", "lsf", "ix:seed"], "rclone lsf (LIST)")
    res.lists["LIST"] = out
    if not res.add(rc, out, err, "rclone lsf --ftp-disable-mlsd (LIST)"):
        return res
    for args, what in ((["copyto", BIG, "ix:up/big.bin"], "rclone copyto (upload)"),
                       (["copy", TREE, "ix:up/tree"], "rclone copy (tree upload)"),
                       (["copyto", "ix:up/big.bin", os.path.join(d, "down", "big.bin")],
                        "rclone copyto (download)"),
                       (["copy", "ix:up/tree", os.path.join(d, "down", "tree")],
                        "rclone copy (tree download)")):
        rc, out, err = rcl(args, what)
        if not res.add(rc, out, err, what):
            return res
    # rclone has no resume of a local partial file: it reads from an offset
    # (REST + RETR) for cat --offset, and the partial file is completed so.
    part = os.path.join(d, "partial.bin")
    rc, data, err = rcl(["cat", "--offset", str(os.path.getsize(part)), "ix:up/big.bin"],
                        "rclone cat --offset", binary=True)
    with open(part, "ab") as f:
        f.write(data)
    if not res.add(rc, "", err, "rclone cat --offset"):
        return res
    for args, what in ((["moveto", "ix:up/big.bin", "ix:up/big-renamed.bin"], "rclone moveto"),
                       (["deletefile", "ix:seed/delete-me.bin"], "rclone deletefile")):
        rc, out, err = rcl(args, what)
        if not res.add(rc, out, err, what):
            return res
    return res


# ------------------------------------------------------------------ Java Commons Net

_java = {"classes": None, "error": None}
_java_lock = threading.Lock()


def java_classes():
    """Compiles FtpsInterop.java once: (directory, error)."""
    with _java_lock:
        if _java["classes"] is None and _java["error"] is None:
            out = os.path.join(WORK, "java")
            os.makedirs(out, exist_ok=True)
            rc, o, e = run(["javac", "-d", out, "-cp", COMMONS_NET_JAR,
                            os.path.join(INTEROP, "FtpsInterop.java")], timeout=180)
            if rc == 0:
                _java["classes"] = out
            else:
                _java["error"] = "javac failed: %s" % (o + e)[-800:]
        return _java["classes"], _java["error"]


def run_java(cell, srv, d):
    res = Result()
    classes, error = java_classes()
    if error:
        res.add(1, "", error, "javac")
        return res
    args = ["java",
            "--add-opens", "java.base/sun.security.ssl=ALL-UNNAMED",
            "--add-opens", "java.base/sun.security.util=ALL-UNNAMED",
            "-cp", "%s:%s" % (COMMONS_NET_JAR, classes), "FtpsInterop",
            "--host", HOST, "--port", str(srv.port), "--user", ALICE.name,
            "--pass", ALICE.password, "--mode", cell.mode, "--data", cell.data,
            "--ca", ts.certs().server_ca, "--local", d, "--nodelay"]
    if cell.variant.get("tls"):
        args += ["--tls", cell.variant["tls"]]
    if cell.variant.get("stock"):
        args.append("--no-reuse")
    rc, out, err = run(args)
    res.lists["LIST"] = "\n".join(l for l in out.splitlines() if l.startswith("list LIST "))
    res.lists["MLSD"] = "\n".join(l for l in out.splitlines() if l.startswith("list MLSD "))
    res.add(rc, out, err, "FtpsInterop")
    return res


# ------------------------------------------------------------------ Node basic-ftp

_npm = {"done": False, "error": None}
_npm_lock = threading.Lock()


def basic_ftp_cached():
    pkg = os.path.join(NPM_CACHE, "node_modules", "basic-ftp", "package.json")
    return os.path.exists(pkg) and re.search(r'"version":\s*"5\.',
                                             ft.read_file(pkg).decode("utf-8", "replace"))


def basic_ftp_ready():
    """Installs basic-ftp@5 into NPM_CACHE once (outside the source tree)."""
    with _npm_lock:
        if not _npm["done"]:
            _npm["done"] = True
            pkg = os.path.join(NPM_CACHE, "node_modules", "basic-ftp", "package.json")
            if not basic_ftp_cached():
                os.makedirs(NPM_CACHE, exist_ok=True)
                rc, o, e = run(["npm", "install", "--no-save", "--no-audit", "--no-fund",
                                "--prefix", NPM_CACHE, "basic-ftp@5"], timeout=240)
                if rc != 0 or not os.path.exists(pkg):
                    _npm["error"] = "npm install basic-ftp@5 failed: %s" % (o + e)[-800:]
        return _npm["error"]


def run_node(cell, srv, d):
    res = Result()
    error = basic_ftp_ready()
    if error:
        res.add(1, "", error, "npm install")
        return res
    rc, out, err = run(["node", os.path.join(INTEROP, "basic-ftp-interop.js"),
                        "--host", HOST, "--port", str(srv.port), "--user", ALICE.name,
                        "--pass", ALICE.password, "--mode", cell.mode,
                        "--ca", ts.certs().server_ca, "--local", d],
                       env={"NODE_PATH": os.path.join(NPM_CACHE, "node_modules")})
    res.lists["LIST"] = "\n".join(l for l in out.splitlines() if l.startswith("list LIST "))
    res.lists["MLSD"] = "\n".join(l for l in out.splitlines() if l.startswith("list MLSD "))
    res.add(rc, out, err, "basic-ftp-interop.js")
    return res


# ------------------------------------------------------------------ the clients

def curl_active_tls():
    v = ts.curl_version()
    if v < (8, 0, 0):
        return ("curl %s never starts TLS on an accepted (active) data connection "
                "(curl issue 10666, fixed in 8.0.0)" % ".".join(map(str, v)))
    return None


def missing_tools(*tools):
    for tool in tools:
        if not ft.have_tool(tool):
            return tool
    return None


class Client:
    def __init__(self, name, stack, run_fn, tools, lists, uploads=True, quits=True,
                 active=True, na=None, extra_missing=None):
        self.name, self.stack, self.run = name, stack, run_fn
        self.tools, self.lists, self.uploads, self.quits = tools, lists, uploads, quits
        self.active = active          # None, or why there is no active mode
        self.na_fn = na
        self.extra_missing = extra_missing

    def missing(self):
        m = missing_tools(*self.tools)
        if m is None and self.extra_missing:
            m = self.extra_missing()
        return m

    def na(self, mode, data):
        if data == "active" and self.active is not True:
            return self.active
        return self.na_fn(mode, data) if self.na_fn else None


CLIENTS = [
    Client("curl", "OpenSSL", run_curl, ["curl"], ["LIST"],
           na=lambda mode, data: curl_active_tls() if mode != "plain" and data == "active" else None),
    Client("ftplib", "OpenSSL", run_ftplib, [], ["LIST", "MLSD"]),
    Client("lftp", "GnuTLS", run_lftp, ["lftp"], ["LIST", "MLSD"]),
    Client("wget", "GnuTLS", run_wget, ["wget"], ["LIST"], uploads=False, quits=False),
    Client("rclone", "Go crypto/tls", run_rclone, ["rclone"], ["LIST", "MLSD"],
           active="rclone's FTP backend (jlaffaye/ftp) has no active mode"),
    Client("commons-net", "Java JSSE", run_java, ["java", "javac"], ["LIST", "MLSD"],
           extra_missing=lambda: None if os.path.exists(COMMONS_NET_JAR)
           else "libcommons-net-java (%s)" % COMMONS_NET_JAR),
    Client("basic-ftp", "Node OpenSSL", run_node, ["node"], ["LIST", "MLSD"],
           active="basic-ftp has no active mode",
           extra_missing=lambda: None if basic_ftp_cached() or ft.have_tool("npm") else "npm"),
]
BY_NAME = {c.name: c for c in CLIENTS}

# Variants beside the matrix, for the man page: the stock configurations
# that cannot resume, run with reuse off, and Commons Net under TLS 1.2.
VARIANTS = [
    ("commons-net", "explicit", "passive",
     {"name": "commons-net-tls1.2", "tls": "1.2",
      "note": "Commons Net with the session-cache workaround, TLS 1.2 forced"}),
    ("commons-net", "explicit", "passive",
     {"name": "commons-net-stock", "stock": True, "reuse": "0",
      "note": "reuse off: stock FTPSClient: JSSE looks sessions up by the peer's host:port, "
              "and a data connection's port is never the control connection's"}),
    ("rclone", "explicit", "passive",
     {"name": "rclone-shared-cache", "concurrency": "0", "reuse": "0",
      "note": "reuse off: rclone 1.60 default (unlimited) concurrency: one TLS session cache "
              "for all control connections (rclone issue 7234)"}),
]


def first_match(args, pattern, timeout=30, group=1):
    rc, out, err = run(args, timeout=timeout)
    m = re.search(pattern, out + err, re.M)
    return m.group(group) if m else "?"


def versions():
    """The clients and their TLS libraries, as the man page quotes them."""
    import ssl
    import zipfile
    v = {"ftplib": "Python %s ftplib, %s" % (sys.version.split()[0], ssl.OPENSSL_VERSION)}
    if ft.have_tool("curl"):
        v["curl"] = first_match(["curl", "--version"], r"^(curl \S+ .*?\S+/\S+ \S+/\S+)", group=1)
    if ft.have_tool("lftp"):
        v["lftp"] = "lftp %s, %s" % (first_match(["lftp", "--version"], r"Version (\S+)"),
                                     first_match(["lftp", "--version"], r"(GnuTLS [\d.]+)"))
    if ft.have_tool("wget"):
        v["wget"] = "wget %s (%s)" % (first_match(["wget", "--version"], r"GNU Wget (\S+)"),
                                      first_match(["wget", "--version"], r"\+ssl/(\S+)"))
    if ft.have_tool("rclone"):
        v["rclone"] = "rclone %s, %s" % (first_match(["rclone", "version"], r"^rclone (\S+)"),
                                         first_match(["rclone", "version"], r"go/version: (\S+)"))
    if ft.have_tool("java") and os.path.exists(COMMONS_NET_JAR):
        try:
            mf = zipfile.ZipFile(COMMONS_NET_JAR).read("META-INF/MANIFEST.MF").decode()
            cn = re.search(r"^Implementation-Version: (\S+)", mf, re.M).group(1)
        except Exception:  # noqa: BLE001
            cn = "?"
        v["commons-net"] = "Commons Net %s, OpenJDK %s (JSSE)" % (
            cn, first_match(["java", "-version"], r'version "([^"]+)"'))
    if ft.have_tool("node"):
        pkg = os.path.join(NPM_CACHE, "node_modules", "basic-ftp", "package.json")
        bv = "?"
        if os.path.exists(pkg):
            m = re.search(r'"version":\s*"([^"]+)"', ft.read_file(pkg).decode("utf-8", "replace"))
            bv = m.group(1) if m else "?"
        v["basic-ftp"] = "basic-ftp %s, Node %s (OpenSSL %s)" % (
            bv, first_match(["node", "--version"], r"v(\S+)"),
            first_match(["node", "-p", "process.versions.openssl"], r"(\S+)"))
    return v


# ------------------------------------------------------------------ one cell

DATA_CMD = re.compile(r"^ftpsd\[\d+\]: \S+ \[[^]]*\] (PASV|EPSV|PORT|EPRT)\b.* (\d{3})$", re.M)
# Problems with data connections (the end of the control connection is
# the client's affair: wget closes it without QUIT or close_notify).
DATA_PROBLEMS = re.compile(r"did not resume|TLS handshake failed|handshake timed out|"
                           r"\] \S+.* 52[12]$|close_notify; upload|\] (STOR|RETR|APPE|LIST|MLSD|NLST)"
                           r"\b.* (42[56]|451)$", re.M)


def seed_server(srv, client):
    srv.mkdir("seed")
    srv.put("seed/seed.txt", b"the seed\n")
    srv.put("seed/delete-me.bin", b"delete me\n")
    if not client.uploads:
        # wget cannot upload: the files it downloads are put there.
        srv.put("up/big.bin", BIG_DATA)
        for rel in tree_files():
            srv.put("up/tree/" + rel, ft.read_file(os.path.join(TREE, rel)))


def server_env(cell):
    env = ts.tls_env(DATA_TIMEOUT="20", TLS_REQUIRE_REUSE=cell.reuse)
    if cell.mode == "plain":   # the certificate would require TLS of accounts
        env.update(FTPSD_TLS_REQUIRE="0", FTPSD_TLS_REQUIRE_DATA="0")
    if cell.mode == "implicit":
        env["FTPSD_TLS_IMPLICIT"] = "1"
    return env


def cell_dir(name):
    """A client's local directory: src (the files to upload, for the
    programs in tests/interop), partial.bin (the interrupted download)."""
    d = os.path.join(WORK, re.sub(r"\W+", "-", name))
    os.makedirs(d)
    os.symlink(SRC, os.path.join(d, "src"))
    with open(os.path.join(d, "partial.bin"), "wb") as f:
        f.write(BIG_DATA[:PARTIAL])
    return d


def run_cell(cell):
    client = BY_NAME[cell.client]
    d = cell_dir("cell " + cell.label + " " + cell.variant.get("name", ""))
    srv = ft.Server(env=server_env(cell), users=[ALICE])
    try:
        srv.start()
        seed_server(srv, client)
        mark = srv.mark()
        t0 = time.monotonic()
        res = client.run(cell, srv, d)
        cell.seconds = time.monotonic() - t0
        # Let the session finish its log (QUIT, session end).
        ft.wait_until(lambda: len(re.findall(r"^Child \d+ died", srv.log(mark), re.M)) >=
                      len(srv.session_pids(mark)), 5)
        verify(cell, client, srv, d, res, mark)
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)
    return cell


def verify(cell, client, srv, d, res, mark):
    c = cell.ok
    log = srv.log(mark)
    c(res.rc == 0, "client ran to the end (exit status 0)", res.failed)
    trouble = trouble_lines(cell.client, res.err)
    c(not trouble, "no error or warning printed by the client", "\n".join(trouble[:15]))
    for kind in client.lists:
        text = res.lists.get(kind, "")
        c(all(n in text for n in SEED_NAMES), "%s lists seed.txt and delete-me.bin" % kind,
          text[-600:])
    if client.uploads:
        up = srv.path("up", "big-renamed.bin")
        if not os.path.exists(up):
            up = srv.path("up", "big.bin")
        c(os.path.exists(up) and ft.sha256_file(up) == BIG_SHA,
          "16 MiB upload stored byte-exact (SHA-256)",
          "%s: %s bytes" % (up, os.path.getsize(up) if os.path.exists(up) else "no file"))
        got = ts.tree_digest(srv.path("up", "tree")) if os.path.isdir(srv.path("up", "tree")) else {}
        c(got == TREE_SHA, "%d-file tree upload byte-exact" % TREE_FILES,
          "differ: %s" % sorted(k for k in set(got) | set(TREE_SHA) if got.get(k) != TREE_SHA.get(k))[:10])
    big = os.path.join(d, "down", "big.bin")
    c(os.path.exists(big) and ft.sha256_file(big) == BIG_SHA, "16 MiB download byte-exact (SHA-256)",
      "%s bytes" % (os.path.getsize(big) if os.path.exists(big) else "no file"))
    down = os.path.join(d, "down", "tree")
    got = ts.tree_digest(down) if os.path.isdir(down) else {}
    c(got == TREE_SHA, "%d-file tree download byte-exact" % TREE_FILES,
      "differ: %s" % sorted(k for k in set(got) | set(TREE_SHA) if got.get(k) != TREE_SHA.get(k))[:10])
    part = os.path.join(d, "partial.bin")
    c(ft.sha256_file(part) == BIG_SHA and re.search(r"\] REST %d 350$" % PARTIAL, log, re.M),
      "interrupted download resumed with REST %d, byte-exact" % PARTIAL,
      "%d bytes; REST in log: %s" % (os.path.getsize(part), re.findall(r"\] REST \d+ \d+", log)))
    if client.uploads:
        c(os.path.exists(srv.path("up", "big-renamed.bin")) and not os.path.exists(srv.path("up", "big.bin"))
          and re.search(r"\] RNTO \S*big-renamed\.bin 250$", log, re.M), "rename (RNFR/RNTO 250)")
        c(not os.path.exists(srv.path("seed", "delete-me.bin")) and
          re.search(r"\] DELE \S*delete-me\.bin 250$", log, re.M), "delete (DELE 250)")
    if client.quits:
        c(re.search(r"\] QUIT 221$", log, re.M), "QUIT answered 221")
    else:
        cell.notes.append("no QUIT sent")
    if not client.uploads:
        cell.notes.append("downloads only: no upload, rename or delete")
    cmds = sorted({m.group(1) for m in DATA_CMD.finditer(log)})
    want = {"PASV", "EPSV"} if cell.data == "passive" else {"PORT", "EPRT"}
    c(cmds and set(cmds) <= want, "data connections by %s only" % "/".join(sorted(want)),
      "used: %s" % cmds)
    problems = [l for l in log.splitlines() if DATA_PROBLEMS.search(l)]
    c(not problems, "no data connection problem in the server log (522, did not resume, "
      "426, truncated upload)", "\n".join(problems[:15]))
    temps = [os.path.join(dp, n) for dp, _, names in os.walk(srv.root) for n in names
             if n.startswith(".ftpsd-upload-")]
    c(not temps, "no temporary upload file left", "\n".join(temps))
    sessions = len(srv.session_pids(mark))
    notes = []
    if cell.tls:
        versions = sorted(set(re.findall(r"TLS established with [^:]+: (TLS[\d.]+)", log)))
        prot = re.search(r"\] PROT P 200$", log, re.M)
        c(versions, "TLS on the control connection", log[-400:])
        if cell.mode == "explicit":
            c(prot, "PROT P 200 (explicit mode)")
        notes.append("/".join(versions) or "no TLS")
        if cell.mode == "implicit":
            notes.append("PBSZ/PROT sent" if prot else "no PBSZ/PROT (implicit default)")
        notes.append("reuse on" if cell.reuse == "1" else "reuse off")
    notes.append("+".join(cmds) or "no data connection")
    notes.append("%d session%s" % (sessions, "" if sessions == 1 else "s"))
    notes.append("%.1f s" % cell.seconds)
    if cell.variant.get("note"):
        notes.append(cell.variant["note"])
    elif cell.client == "commons-net" and cell.tls:
        notes.append("JSSE session-cache workaround")
    elif cell.client == "rclone" and cell.tls:
        notes.append("--ftp-concurrency 1, resume by cat --offset")
    elif cell.client == "rclone":
        notes.append("resume by cat --offset")
    if cell.client == "curl":
        notes.append("tree by %d curl processes" % CURL_PROCS)
    cell.notes = notes + cell.notes


# ------------------------------------------------------------------ the matrix

def emit(cell):
    title = cell.label if not cell.variant.get("name") else "%s %s %s" % (
        cell.variant["name"], cell.mode, cell.data)
    if cell.na:
        ts.skip(t, "%s: N/A: %s" % (title, cell.na))
    elif cell.missing:
        t.ok(False, "%s: missing %s" % (title, cell.missing))
    else:
        for ok, name, diag in cell.checks:
            t.ok(ok, "%s: %s" % (title, name), diag)
    t.diag("cell %s: %s" % (title, cell.summary()))


def matrix():
    cells = []
    for client in CLIENTS:
        for mode in MODES:
            for data in DATAS:
                cell = Cell(client.name, mode, data)
                if not ONLY.search(cell.label):
                    continue
                cell.na = client.na(mode, data)
                if not cell.na:
                    cell.missing = client.missing()
                cells.append(cell)
    for name, mode, data, variant in VARIANTS:
        cell = Cell(name, mode, data, variant)
        if not ONLY.search("%s %s %s" % (variant["name"], mode, data)):
            continue
        cell.missing = BY_NAME[name].missing()
        cells.append(cell)

    runnable = [c for c in cells if not c.na and not c.missing]
    if any(c.client == "basic-ftp" for c in runnable):
        basic_ftp_ready()           # before the version line names it
    for name, text in versions().items():
        t.diag("client %s: %s" % (name, text))
    errors = {}

    def one(cell):
        try:
            return run_cell(cell)
        except Exception as e:  # noqa: BLE001
            errors[id(cell)] = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
            return cell

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        list(pool.map(one, runnable))
    dt = time.monotonic() - t0
    for cell in cells:
        if id(cell) in errors:
            cell.ok(False, "cell ran", errors[id(cell)])
        emit(cell)
    t.diag("matrix: %d cells (%d run) in %.1f s with %d at a time" % (len(cells), len(runnable), dt, JOBS))
    return cells


# ------------------------------------------------------------------ findings

def findings():
    """The stock configurations under FTPSD_TLS_REQUIRE_REUSE=1: what they
    get, for the record (diagnostics; a fixed client does not fail this)."""
    probes = []
    if BY_NAME["commons-net"].missing() is None:
        probes.append(Cell("commons-net", "explicit", "passive", {"stock": True}))
    if BY_NAME["rclone"].missing() is None:
        probes.append(Cell("rclone", "explicit", "passive", {"concurrency": "0"}))
    if BY_NAME["curl"].missing() is None:
        probes.append(Cell("curl", "explicit", "passive", {"parallel": True}))
    for cell in probes:
        client = BY_NAME[cell.client]
        d = cell_dir("probe " + cell.client)
        srv = ft.Server(env=server_env(cell), users=[ALICE])
        try:
            srv.start()
            seed_server(srv, client)
            mark = srv.mark()
            if cell.variant.get("parallel"):
                # curl -Z: parallel control connections in one process,
                # one TLS session cache.
                for rel in tree_files()[:40]:
                    srv.put("up/tree/" + rel, ft.read_file(os.path.join(TREE, rel)))
                items = [['url = "%s"' % url(srv, "/up/tree/" + rel), 'create-dirs',
                          'output = "%s"' % os.path.join(d, "down", rel)]
                         for rel in tree_files()[:40]]
                res = Result()
                res.add(*run(["curl", "-Z", "--parallel-max", "4", "-K",
                              curl_config(cell, srv, items, os.path.join(d, "z.cfg"))]), "curl -Z")
            else:
                res = client.run(cell, srv, d)
            time.sleep(0.3)
            log = srv.log(mark)
            said = next((l.strip() for l in res.err.splitlines()
                         if re.search(r"522|error|FAILED", l)), "")[:200]
            n522 = len(re.findall(r" 522$", log, re.M))
            t.diag("finding: %s (%s) under FTPSD_TLS_REQUIRE_REUSE=1: exit %d, %d transfers "
                   "answered 522 (\"did not resume\" %d times)%s" % (
                       cell.client, {"commons-net": "stock FTPSClient", "rclone": "default concurrency",
                                     "curl": "-Z --parallel-max 4, 40 downloads"}[cell.client],
                       res.rc, n522, len(re.findall(r"did not resume", log)),
                       "; the client said: " + said if said else ""))
        except Exception as e:  # noqa: BLE001
            t.diag("finding: %s probe failed: %s" % (cell.client, e))
        finally:
            srv.stop()
            shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------ regressions

def case_single_use_tickets(n=200):
    """A client that uses each TLS 1.3 ticket once (as GnuTLS, JSSE and
    others do): after every protected data connection the control
    connection must carry a fresh ticket, and the next data connection
    resumes with it. 200 transfers: the session outlives many tickets."""
    small = [ft.random_bytes(700 + 53 * i, 7000 + i) for i in range(10)]
    with ts.tls_server(DATA_TIMEOUT="20") as srv:
        for i, data in enumerate(small):
            srv.put("t%d.bin" % i, data)
        mark = srv.mark()
        c = ts.connect_tls(srv, ctx=ts.client_context(min_version=ts.TLS13))
        used, bad = set(), []
        modes = ("pasv", "epsv", "port", "eprt")
        t0 = time.monotonic()
        try:
            t.is_eq(c.sock.version(), "TLSv1.3", "single-use tickets: control connection TLS 1.3")
            for i in range(n):
                sess = c.sock.session
                if sess is None or sess.id in used:
                    bad.append("transfer %d: no fresh ticket on the control connection" % i)
                    break
                used.add(sess.id)

                def wrap(sock, reuse=None, sess=sess):
                    ts.nodelay(sock)
                    w = c.ctx.wrap_socket(sock, server_hostname=c.tls_hostname, session=sess,
                                          suppress_ragged_eofs=False)
                    c.data_resumed.append(w.session_reused)
                    return w
                c.wrap_data = wrap
                k = (i // 2) % 10
                mode = modes[(i // 2) % 4]
                if i % 2 == 0:
                    r = c.retr("RETR t%d.bin" % k, mode)
                    if r[2] is None or r[2][0] != 226 or r[1] != small[k]:
                        bad.append("RETR %d (%s): %r" % (i, mode, r[2] or r[0]))
                else:
                    r = c.stor("STOR u%d.bin" % k, small[k], mode)
                    if r[1] is None or r[1][0] != 226:
                        bad.append("STOR %d (%s): %r" % (i, mode, r[1] or r[0]))
                if not c.data_resumed[-1]:
                    bad.append("transfer %d (%s) did not resume its fresh ticket" % (i, mode))
                if len(bad) > 5:
                    break
        finally:
            c.quit()
        dt = time.monotonic() - t0
        t.ok(not bad, "single-use tickets: %d transfers (RETR/STOR over PASV/EPSV/PORT/EPRT), each "
             "resuming a ticket never used before (%.1f s)" % (n, dt), "\n".join(bad))
        t.is_eq(len(used), n, "single-use tickets: %d distinct tickets used" % n)
        t.ok(all(os.path.exists(srv.path("u%d.bin" % k)) and
                 ft.read_file(srv.path("u%d.bin" % k)) == small[k] for k in range(10)),
             "single-use tickets: uploads byte-exact")
        problems = ts.tls_log_problems(ts.session_log(srv, mark))
        t.ok(not problems, "single-use tickets: no TLS problem in the server log", "\n".join(problems))


def case_epsv_all_tls():
    """EPSV ALL (RFC 2428) on a TLS session: afterwards only EPSV, and its
    protected data connections still resume the control session."""
    with ts.tls_server(DATA_TIMEOUT="20") as srv:
        data = ft.random_bytes(300000, 2428)
        srv.put("e.bin", data)
        c = ts.connect_tls(srv)
        try:
            t.code(c.cmd("EPSV ALL"), 200, "TLS: EPSV ALL")
            t.code(c.cmd("PASV"), 503, "TLS: PASV after EPSV ALL")
            t.code(c.cmd("PORT 127,0,0,1,200,1"), 503, "TLS: PORT after EPSV ALL")
            t.code(c.cmd("EPRT |1|127.0.0.1|51201|"), 503, "TLS: EPRT after EPSV ALL")
            r = c.retr("RETR e.bin", "epsv")
            t.ok(r[2] is not None and r[2][0] == 226 and r[1] == data,
                 "TLS: EPSV RETR after EPSV ALL byte-exact", repr(r[2]))
            r = c.stor("STOR e-up.bin", data, "epsv")
            t.ok(r[1] is not None and r[1][0] == 226 and ft.read_file(srv.path("e-up.bin")) == data,
                 "TLS: EPSV STOR after EPSV ALL byte-exact", repr(r[1]))
            t.ok(c.data_resumed == [True, True], "TLS: both data connections resumed",
                 repr(c.data_resumed))
        finally:
            c.quit()


COVERED = [
    ("a long session (200 transfers) outliving its tickets",
     "test-tls-data.py: long python session, lftp long session (TLS 1.3, 200 each); here: "
     "200 single-use tickets"),
    ("the last bytes of a TLS 1.3 upload lost when the client closes",
     "test-tls-data.py: curl upload race, lftp upload race, truncated TLS upload; here: every "
     "upload of the matrix, Commons Net's TLS 1.3 close (user_canceled, then close_notify) "
     "included"),
    ("PBSZ/PROT in implicit mode, and none", "test-tls.py: case_implicit; here: the implicit cells "
     "say which (ftplib sends none)"),
    ("AUTH TLS then USER before reading 234", "test-tls.py: case_pipelined_after_auth"),
    ("EPSV ALL", "test-transfer.py: test_epsv_all (plain); here: under TLS with PROT P"),
    ("FTPSD_PASV_ADDRESS honoured in 227, ignored in 229", "test-transfer.py: test_options"),
]


# ------------------------------------------------------------------ main

def main():
    t0 = time.monotonic()
    try:
        ts.certs()
        ft.run_user()      # once, before the cells run side by side
    except Exception as e:  # noqa: BLE001
        t.ok(False, "test PKI: %s" % e)
        t.done()
    cells = matrix()
    if not os.environ.get("FTPSD_INTEROP_CELLS"):
        findings()
        t.case("single-use TLS 1.3 tickets", case_single_use_tickets)
        t.case("EPSV ALL under TLS", case_epsv_all_tls)
        for what, where in COVERED:
            t.diag("regression \"%s\": covered by %s" % (what, where))
    ft.check_sanitizer_reports(t)
    t.diag("matrix summary:")
    for cell in cells:
        title = cell.label if not cell.variant.get("name") else "%s %s %s" % (
            cell.variant["name"], cell.mode, cell.data)
        t.diag("  %-40s %s" % (title, cell.summary().split(" (")[0]))
    t.diag("test-interop.py ran %.1f s" % (time.monotonic() - t0))
    cleanup_work()
    t.done()


main()
