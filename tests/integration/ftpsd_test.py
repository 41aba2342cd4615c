# SPDX-License-Identifier: ISC
"""Shared harness for the ftpsd integration tests (plain FTP, no TLS).

Each server is started exactly as in production: systemd-socket-activate
in inetd mode forks one ftpsd per connection, with the configuration given
as -E NAME=VALUE. ftpsd logs to stderr (FTPSD_LOG=stderr), which goes to
a file the tests read. Everything listens on loopback only, every wait is
bounded, and every process started here is stopped again, also on failure.

Scripts print TAP: "ok N - text" / "not ok N - text", "# diagnostics" and
the plan "1..N" at the end.
"""

import atexit
import fcntl
import hashlib
import os
import pwd
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import traceback

FTPSD_BIN = os.environ.get("FTPSD_BIN") or "/tmp/build-it/src/ftpsd"
MiB = 1024 * 1024

# Timeouts (seconds). Generous enough for an ASan/UBSan build on a busy
# machine; a hang still ends within them.
CTL_TIMEOUT = 15.0
START_TIMEOUT = 10.0
STOP_TIMEOUT = 3.0
SCRIPT_TIMEOUT = int(os.environ.get("FTPSD_TEST_SCRIPT_TIMEOUT", "420"))

SANITIZER_RE = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                          r"runtime error:|MemorySanitizer|ThreadSanitizer")


# ---------------------------------------------------------------- TAP

class TAP:
    """Numbered TAP results; the plan is printed last."""

    def __init__(self):
        self.n = 0
        self.failed = []
        self.started = time.monotonic()

    def ok(self, cond, name, diag=None):
        self.n += 1
        name = name.replace("\n", " ").replace("#", "no.")
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        if not cond:
            self.failed.append(name)
            if diag:
                self.diag(diag)
            if os.environ.get("FTPSD_TEST_FAIL_FAST"):   # tests/mutate.py: one failure is the answer
                print("Bail out! first failure, FTPSD_TEST_FAIL_FAST is set", flush=True)
                stop_all()
                sys.exit(1)
        return bool(cond)

    def is_eq(self, got, want, name):
        good = got == want
        self.ok(good, name)
        if not good:
            self.diag("     got: %s" % short(got))
            self.diag("expected: %s" % short(want))
        return good

    def like(self, got, pattern, name, flags=0):
        good = isinstance(got, str) and re.search(pattern, got, flags) is not None
        self.ok(good, name)
        if not good:
            self.diag("     got: %s" % short(got))
            self.diag("expected to match: %s" % pattern)
        return good

    def unlike(self, got, pattern, name, flags=0):
        good = isinstance(got, str) and re.search(pattern, got, flags) is None
        self.ok(good, name)
        if not good:
            self.diag("     got: %s" % short(got))
            self.diag("expected not to match: %s" % pattern)
        return good

    def code(self, reply, want, name):
        """reply is (code, text); want an int or a tuple of acceptable ints."""
        wants = want if isinstance(want, tuple) else (want,)
        good = reply is not None and reply[0] in wants
        self.ok(good, "%s -> %s" % (name, "/".join(str(w) for w in wants)))
        if not good:
            self.diag("     got: %s" % short(reply))
        return good

    def skip(self, name, reason):
        """A check that cannot run here (a tool is missing, not a sanitizer
        build): TAP's SKIP, which the test driver counts apart from PASS."""
        self.n += 1
        name = name.replace("\n", " ").replace("#", "no.")
        print("ok %d - %s # SKIP %s" % (self.n, name, reason.replace("\n", " ")), flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines() or [""]:
            print("# " + line, flush=True)

    def case(self, name, fn, *args, **kwargs):
        """Runs one test case; an exception is a failure, not the end."""
        self.diag("--- " + name)
        t0 = time.monotonic()
        try:
            fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.ok(False, "%s: exception %s: %s" % (name, type(e).__name__, e))
            self.diag(traceback.format_exc())
        dt = time.monotonic() - t0
        if dt > 3:
            self.diag("(%s took %.1f s)" % (name, dt))

    def done(self):
        print("1..%d" % self.n, flush=True)
        self.diag("%d of %d failed; %.1f s" % (len(self.failed), self.n,
                                                time.monotonic() - self.started))
        for name in self.failed:
            self.diag("FAILED: " + name)
        stop_all()
        sys.exit(1 if self.failed else 0)


def short(v, limit=1500):
    s = repr(v)
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


# ---------------------------------------------------------------- helpers

def sha256(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def write_file(path, data, mtime=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def random_bytes(n, seed):
    """Reproducible pseudo-random bytes (incompressible, every byte value)."""
    return random.Random(seed).randbytes(n)


def upload_temps(directory):
    return sorted(n for n in os.listdir(directory) if n.startswith(".ftpsd-upload-"))


def proc_status(pid):
    """The fields of /proc/PID/status (Uid, CapEff, NoNewPrivs, ...)."""
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def child_pids(pid):
    """The children of pid (zombies included); [] when pid is gone."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def timeout_window(configured):
    """(earliest, latest) seconds after which a timeout configured as
    `configured` seconds may show at the client. Never much early: the
    server counts milliseconds from when it read the command, after the
    client's clock started. Late by up to twice and then some: a busy
    2-core machine under ASan. A check "after the timeout" takes both
    bounds, so an immediate refusal fails it."""
    return configured * 0.75, configured * 3 + 5


def free_port(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def have_tool(name):
    return shutil.which(name) is not None


_hash_cache = {}


def password_hash(password, scheme="sha512"):
    """crypt(3) hash: sha512crypt via openssl, yescrypt via mkpasswd (whois)."""
    key = (password, scheme)
    if key in _hash_cache:
        return _hash_cache[key]
    if scheme == "sha512":
        salt = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(12))
        out = subprocess.run(["openssl", "passwd", "-6", "-salt", salt, password],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    elif scheme == "yescrypt":
        if not have_tool("mkpasswd"):
            raise RuntimeError("mkpasswd (Debian package whois) is needed for yescrypt")
        out = subprocess.run(["mkpasswd", "-m", "yescrypt", password],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    else:
        raise ValueError(scheme)
    h = out.strip()
    # The scheme a test names is the scheme it gets, or no hash at all.
    if not h.startswith({"sha512": "$6$", "yescrypt": "$y$"}[scheme]):
        raise RuntimeError("unexpected hash for %s: %r" % (scheme, h))
    _hash_cache[key] = h
    return h


class User:
    def __init__(self, name, password, scheme="sha512", home=None):
        self.name, self.password, self.scheme, self.home = name, password, scheme, home

    def line(self):
        try:
            h = password_hash(self.password, self.scheme)
        except Exception as e:  # noqa: BLE001
            # The user cannot log in; the tests that need it fail, the rest run.
            print("# cannot hash a %s password: %s" % (self.scheme, e), flush=True)
            h = "!"
        return "%s:%s%s" % (self.name, h, ":" + self.home if self.home else "")


ALICE = User("alice", "alice-secret-pw")
BOB = User("bob", "bob-yes-pw", "yescrypt")
DEFAULT_USERS = [ALICE, BOB]


# ---------------------------------------------------------------- accounts

# Started as root, ftpsd serves virtual and anonymous users as
# FTPSD_RUN_USER. Each script makes its own throwaway account (scripts run
# in parallel) and removes it when it ends; the served tree belongs to it.
RUN_USER = "ftpsdt%d" % os.getpid()
_run_user_made = False


def run_user():
    """The passwd entry of this script's FTPSD_RUN_USER, or None when not root."""
    global _run_user_made
    if os.geteuid() != 0:
        return None
    if not _run_user_made:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        RUN_USER], check=True, capture_output=True, timeout=30)
        _run_user_made = True
        atexit.register(lambda: subprocess.run(["userdel", RUN_USER], capture_output=True, timeout=30))
    return pwd.getpwnam(RUN_USER)


def own(path):
    """Gives path (recursively) to the run user, so sessions can write there."""
    pw = run_user()
    if pw is None or not os.path.lexists(path):
        return
    os.lchown(path, pw.pw_uid, pw.pw_gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            os.lchown(os.path.join(dirpath, n), pw.pw_uid, pw.pw_gid)


def _own_one(path):
    pw = run_user()
    if pw is not None and os.path.lexists(path):
        os.lchown(path, pw.pw_uid, pw.pw_gid)


# ---------------------------------------------------------------- passive ports

# Servers run with FTPSD_PASV_PORTS, as production does: a range of this
# many ports unless a test asks otherwise. It is above the concurrency of
# any script, and small enough that ports serve again and again (their
# earlier data connections in TIME_WAIT), which a kernel-chosen port
# never shows.
PASV_PORTS_DEFAULT = 32
PORT_LOCK_DIR = os.path.join(tempfile.gettempdir(), "ftpsd-test-ports")


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _port_free(host, port):
    """True when a passive listener could take port now: bound with
    SO_REUSEADDR as ftpsd binds it, only a listener or a socket bound
    without the option is in the way."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            s.listen(1)
            return True
        except OSError:
            return False


class PortRange:
    """count consecutive ports for one server's FTPSD_PASV_PORTS, held
    against every other server of every test script while the range lives.

    The ports lie below the kernel's ephemeral range, so that no client
    socket (bound without SO_REUSEADDR) ever sits on one. Scripts run in
    parallel (make -j2 check) and each may run several servers: a port is
    taken by an exclusive flock on its own file in PORT_LOCK_DIR, which
    the kernel drops when the holder exits, however it exits."""

    def __init__(self, host, count):
        self.locks = []
        top = _ephemeral_low()
        bottom = 10000 if top - 10000 >= 4 * count else 1024
        if top - bottom < count:
            raise ServerError("no room for %d passive ports below %d" % (count, top))
        os.makedirs(PORT_LOCK_DIR, exist_ok=True)
        try:
            os.chmod(PORT_LOCK_DIR, 0o1777)
        except OSError:
            pass
        for _ in range(200):
            self.lo = random.randrange(bottom, top - count + 1)
            self.hi = self.lo + count - 1
            if all(self._take(host, p) for p in range(self.lo, self.hi + 1)):
                return
            self.release()
        raise ServerError("found no %d free passive ports below %d" % (count, top))

    def _take(self, host, port):
        try:
            f = open(os.path.join(PORT_LOCK_DIR, str(port)), "a")
        except OSError:    # another user's lock file: not ours to take
            return False
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            return False
        self.locks.append(f)
        return _port_free(host, port)

    def setting(self):
        return "%d-%d" % (self.lo, self.hi)

    def __contains__(self, port):
        return self.lo <= port <= self.hi

    def release(self):
        for f in self.locks:
            f.close()
        self.locks = []


# ---------------------------------------------------------------- server

_servers = []
_finished_logs = []


class ServerError(Exception):
    pass


class Server:
    """One systemd-socket-activate --inetd listener running ftpsd.

    env: extra FTPSD_* settings (a value of None removes a default).
    users: list of User, or None for no users file.
    pasv_ports: the size of the FTPSD_PASV_PORTS range the server gets
    (self.pasv_range once started), or None for the kernel's ports; an
    FTPSD_PASV_PORTS in env wins.
    """

    def __init__(self, env=None, users=DEFAULT_USERS, host="127.0.0.1", extra_users_lines=(),
                 wrapper=(), pasv_ports=PASV_PORTS_DEFAULT):
        self.env = dict(env or {})
        if run_user() is not None:
            self.env.setdefault("FTPSD_RUN_USER", RUN_USER)
            # FTPSD_TEST_SYSTEM_USERS=1 runs a script's servers with system
            # accounts on (privilege separation: monitor and pre-login
            # process), to show its logins, TLS and journal records unchanged.
            if os.environ.get("FTPSD_TEST_SYSTEM_USERS") == "1":
                self.env.setdefault("FTPSD_SYSTEM_USERS", "1")
        self.users = users
        self.extra_users_lines = list(extra_users_lines)
        self.host = host
        self.wrapper = list(wrapper)   # a command ftpsd runs under (setpriv, ...)
        self.pasv_ports = pasv_ports
        self.pasv_range = None
        self.proc = None
        self.port = None
        self.dir = tempfile.mkdtemp(prefix="ftpsd-it-")
        self.root = os.path.join(self.dir, "root")
        os.mkdir(self.root)
        os.chmod(self.dir, 0o755)
        self.users_file = os.path.join(self.dir, "users")
        self.log_path = os.path.join(self.dir, "server.log")
        self._log_text = None

    # -- life cycle

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if self.users is not None:
            with open(self.users_file, "w") as f:
                for u in self.users:
                    f.write(u.line() + "\n")
                for line in self.extra_users_lines:
                    f.write(line + "\n")
        own(self.root)
        env = {"FTPSD_ROOT": self.root, "FTPSD_LOG": "stderr"}
        if self.users is not None:
            env["FTPSD_USERS"] = self.users_file
        if self.pasv_ports and "FTPSD_PASV_PORTS" not in self.env:
            if self.pasv_range is None or not self.pasv_range.locks:
                self.pasv_range = PortRange(self.host, self.pasv_ports)
            env["FTPSD_PASV_PORTS"] = self.pasv_range.setting()
        env.update(self.env)
        # A sanitizer build must see its options in the sessions too:
        # systemd-socket-activate passes on nothing that is not given with -E.
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "MSAN_OPTIONS"):
            if k in os.environ and k not in env:
                env[k] = os.environ[k]
        # With system accounts every process of a session ends chrooted (the
        # pre-login process in its empty directory), where LeakSanitizer's
        # exit-time scan cannot read /proc.
        if env.get("FTPSD_SYSTEM_USERS") == "1" and "ASAN_OPTIONS" in env and \
                "detect_leaks=0" not in env["ASAN_OPTIONS"]:
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        last = ""
        for attempt in range(8):
            port = free_port(self.host)
            spec = "[%s]:%d" % (self.host, port) if ":" in self.host else "%s:%d" % (self.host, port)
            args = ["systemd-socket-activate", "--inetd", "-a", "-l", spec]
            for k, v in sorted(env.items()):
                if v is not None:
                    args += ["-E", "%s=%s" % (k, v)]
            args += self.wrapper + [FTPSD_BIN]
            mark = self.log_size()
            logf = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=logf,
                                             start_new_session=True)
            finally:
                logf.close()
            if self not in _servers:
                _servers.append(self)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                text = self.log(mark)
                if "Listening on" in text:
                    self.port = port
                    return self
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
            last = self.log(mark)
            self._kill_group()
        raise ServerError("systemd-socket-activate did not start: %s" % last[-500:])

    def _kill_group(self):
        p = self.proc
        if p is None:
            return
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=wait)
                # The sessions share the group: give them the same signal.
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    pass
                break
            except subprocess.TimeoutExpired:
                continue
        # Any session still alive gets SIGKILL.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None

    def stop(self):
        self._kill_group()
        if self.pasv_range is not None:
            self.pasv_range.release()
        if self in _servers:
            _servers.remove(self)
        if self._log_text is None:
            self._log_text = self.log()
            _finished_logs.append(self._log_text)
        if os.environ.get("FTPSD_TEST_KEEP"):
            print("# kept %s" % self.dir, flush=True)
            return
        if os.path.isdir(self.dir):
            for dirpath, dirnames, _ in os.walk(self.dir):
                for d in dirnames:
                    q = os.path.join(dirpath, d)
                    if os.path.islink(q):   # a test's link may lead out: never chmod its target
                        continue
                    try:
                        os.chmod(q, 0o755)
                    except OSError:
                        pass
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- log

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log(self, since=0):
        if self._log_text is not None:
            return self._log_text[since:]
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def mark(self):
        return self.log_size()

    def wait_log(self, pattern, timeout=5.0, since=0):
        """The first match of pattern in the log after since, waiting up to timeout."""
        rx = re.compile(pattern, re.M)
        return wait_until(lambda: rx.search(self.log(since)), timeout)

    def session_pids(self, since=0):
        return [int(p) for p in re.findall(r"^ftpsd\[(\d+)\]: session start", self.log(since), re.M)]

    def child_exit(self, pid, timeout=5.0, since=0):
        """The exit code systemd-socket-activate reports for a session, or None."""
        m = self.wait_log(r"^Child %d died with code (\d+)" % pid, timeout, since)
        return int(m.group(1)) if m else None

    # -- files

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def put(self, rel, data, mtime=None):
        write_file(self.path(rel), data, mtime)
        self.give(rel)

    def mkdir(self, rel):
        """Makes directories beneath the root, as the run user's."""
        os.makedirs(self.path(rel), exist_ok=True)
        self.give(rel)

    def give(self, rel):
        """Gives rel and the directories leading to it to the run user."""
        part = self.root
        for name in rel.split("/"):
            part = os.path.join(part, name)
            _own_one(part)

    # -- clients

    def connect(self, **kw):
        return Ctl(self.host, self.port, **kw)

    def login(self, user=ALICE, password=None, **kw):
        c = self.connect(**kw)
        r = c.login(user.name if isinstance(user, User) else user,
                    password if password is not None else user.password)
        if r[0] != 230:
            c.close()
            raise AssertionError("login as %s failed: %r" % (user, r))
        return c

    def url(self, user=ALICE, path="/"):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "ftp://%s:%s@%s:%d%s" % (user.name, user.password, host, self.port, path)


def stop_all():
    for s in list(_servers):
        try:
            s.stop()
        except Exception:  # noqa: BLE001
            pass


atexit.register(stop_all)


def sanitizer_reports():
    """Lines of sanitizer reports in the logs of every server of this script."""
    out = []
    texts = list(_finished_logs) + [s.log() for s in _servers]
    for t in texts:
        out += [l for l in t.splitlines() if SANITIZER_RE.search(l)]
    return out


def register_log(text):
    """Adds the stderr of sessions started outside Server (journal tests)
    to what sanitizer_reports() reads."""
    _finished_logs.append(text)


def sanitizer_build(binary=None):
    """Whether the binary was built with AddressSanitizer (only then can a
    report appear in the logs)."""
    try:
        with open(binary or FTPSD_BIN, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def check_sanitizer_reports(t):
    """The script's closing check: no sanitizer report in any server log.
    A SKIP in a build without sanitizers, where it could not fail."""
    name = "no sanitizer reports in the server logs"
    if not sanitizer_build():
        t.skip(name, "not a sanitizer build")
        return
    reports = sanitizer_reports()
    t.ok(not reports, name, "\n".join(reports[:20]))


def _watchdog(signum, frame):
    print("Bail out! script exceeded %d s" % SCRIPT_TIMEOUT, flush=True)
    stop_all()
    os._exit(2)


def install_watchdog(seconds=SCRIPT_TIMEOUT):
    signal.signal(signal.SIGALRM, _watchdog)
    signal.alarm(seconds)


# ---------------------------------------------------------------- client

class ProtocolError(Exception):
    pass


class Ctl:
    """A raw FTP control connection: bytes out, (code, text) replies in."""

    def __init__(self, host, port, timeout=CTL_TIMEOUT, source=None, greeting=True):
        self.host = host
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.local_host = self.sock.getsockname()[0]
        self.rbuf = b""
        self.greeting = self.reply() if greeting else None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def _readline(self):
        while b"\n" not in self.rbuf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("control connection closed (pending %r)" % self.rbuf[:200])
            self.rbuf += chunk
        line, self.rbuf = self.rbuf.split(b"\n", 1)
        if not line.endswith(b"\r"):
            raise ProtocolError("reply line without CRLF: %r" % line)
        return line[:-1].decode("utf-8", "replace")

    def reply(self):
        """One complete reply, multi-line ones included: (code, text)."""
        first = self._readline()
        m = re.match(r"^(\d{3})([ -])", first)
        if not m:
            raise ProtocolError("not a reply: %r" % first)
        lines = [first]
        if m.group(2) == "-":
            end = m.group(1) + " "
            while True:
                line = self._readline()
                lines.append(line)
                if line.startswith(end):
                    break
        return int(m.group(1)), "\n".join(lines)

    def cmd(self, line):
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.send(line + b"\r\n")
        return self.reply()

    def login(self, user, password):
        r = self.cmd("USER " + user)
        if r[0] != 331:
            return r
        return self.cmd("PASS " + password)

    def wait_closed(self, timeout=5.0):
        """True when the server closes the connection within timeout (data
        that arrives meanwhile is kept in self.rbuf)."""
        old = self.sock.gettimeout()
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.sock.settimeout(left)
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    return False
                except ConnectionResetError:
                    return True
                if not chunk:
                    return True
                self.rbuf += chunk
        finally:
            try:
                self.sock.settimeout(old)
            except OSError:
                pass

    # -- data connections

    def _connect_data(self, host, port):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        d = socket.socket(fam, socket.SOCK_STREAM)
        d.settimeout(CTL_TIMEOUT)
        d.connect((host, port))
        return d

    def pasv(self):
        """PASV: (host, port) from the 227 reply."""
        r = self.cmd("PASV")
        if r[0] != 227:
            raise AssertionError("PASV: %r" % (r,))
        m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", r[1])
        if not m:
            raise AssertionError("PASV reply without h1,..,p2: %r" % (r,))
        n = [int(x) for x in m.groups()]
        return "%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]

    def epsv(self, arg=None):
        r = self.cmd("EPSV" + (" " + arg if arg else ""))
        if r[0] != 229:
            raise AssertionError("EPSV: %r" % (r,))
        m = re.search(r"\(\|\|\|(\d+)\|\)", r[1])
        if not m:
            raise AssertionError("EPSV reply without (|||port|): %r" % (r,))
        return int(m.group(1))

    def active_listener(self, extended=False):
        """Listens on our own address and sends PORT or EPRT."""
        fam = socket.AF_INET6 if ":" in self.local_host else socket.AF_INET
        lst = socket.socket(fam, socket.SOCK_STREAM)
        lst.settimeout(CTL_TIMEOUT)
        lst.bind((self.local_host, 0))
        lst.listen(1)
        port = lst.getsockname()[1]
        if extended:
            r = self.cmd("EPRT |%d|%s|%d|" % (2 if fam == socket.AF_INET6 else 1,
                                              self.local_host, port))
        else:
            h = self.local_host.replace(".", ",")
            r = self.cmd("PORT %s,%d,%d" % (h, port >> 8, port & 255))
        if r[0] != 200:
            lst.close()
            raise AssertionError("%s: %r" % ("EPRT" if extended else "PORT", r))
        return lst

    def data(self, mode):
        """Prepares a data connection (PASV, EPSV, PORT or EPRT). Returns a
        PendingData whose get() gives the connected socket after 150."""
        if mode == "pasv":
            host, port = self.pasv()
            return PendingData(sock=self._connect_data(host, port))
        if mode == "epsv":
            return PendingData(sock=self._connect_data(self.host, self.epsv()))
        if mode in ("port", "eprt"):
            return PendingData(listener=self.active_listener(extended=(mode == "eprt")))
        raise ValueError(mode)

    def retr(self, command, mode="pasv"):
        """Runs a download (RETR, LIST, ...): (first reply, data, final reply).
        data is None and final None when the first reply is not 1xx."""
        pend = self.data(mode)
        first = self.cmd(command)
        if not 100 <= first[0] < 200:
            pend.close()
            return first, None, None
        d = pend.get()
        chunks = []
        try:
            while True:
                b = d.recv(MiB)
                if not b:
                    break
                chunks.append(b)
        finally:
            d.close()
        return first, b"".join(chunks), self.reply()

    def stor(self, command, data, mode="pasv", pieces=None):
        """Runs an upload (STOR, APPE, STOU): (first reply, final reply).
        pieces: send data as these separate writes, with a short pause
        between them (to test state kept across reads)."""
        pend = self.data(mode)
        first = self.cmd(command)
        if not 100 <= first[0] < 200:
            pend.close()
            return first, None
        d = pend.get()
        try:
            if pieces:
                for p in pieces:
                    d.sendall(p)
                    time.sleep(0.15)
            else:
                d.sendall(data)
            d.shutdown(socket.SHUT_WR)
            # Wait for the server's side to close too, as clients do.
            try:
                while d.recv(65536):
                    pass
            except OSError:
                pass
        finally:
            d.close()
        return first, self.reply()

    def quit(self):
        try:
            r = self.cmd("QUIT")
        except (OSError, EOFError, ProtocolError):
            r = None
        self.close()
        return r


class PendingData:
    """A passive connection already made, or an active listener waiting."""

    def __init__(self, sock=None, listener=None):
        self.sock, self.listener = sock, listener

    def get(self):
        if self.sock is None:
            try:
                self.sock, _ = self.listener.accept()
                self.sock.settimeout(CTL_TIMEOUT)
            finally:
                self.listener.close()
                self.listener = None
        return self.sock

    def close(self):
        for s in (self.sock, self.listener):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


def run_tool(args, timeout=60, env=None, cwd=None, input=None):
    """Runs a client program: (exit code, stdout, stderr), decoded."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(args, capture_output=True, timeout=timeout, env=e, cwd=cwd, input=input,
                       stdin=None if input is not None else subprocess.DEVNULL)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))
