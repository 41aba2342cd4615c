#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Load: 100 concurrent FTPS sessions, half explicit and half implicit TLS,
each logging in, listing and making 10 mixed protected transfers (small
files and 1 MiB, downloads and uploads) through one 100-port passive range
that both servers share, as the services of one machine do. Not one
transfer may fail, every byte is checked by hash, every session ends and
every transfer is in the log.

Bounded by configured timeouts, never by speed: a busy 2-core machine
under ASan only takes longer."""

import os
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()
MiB = ft.MiB

SESSIONS = 100
TRANSFERS = 10
PORTS = 100
# Every client wait; generous, since 100 sessions share two cores.
CLIENT_TIMEOUT = 90.0
# All sessions together. The script's watchdog (SCRIPT_TIMEOUT) is later.
LOAD_DEADLINE = 300.0
SERVER_ENV = {"FTPSD_LOGIN_TIMEOUT": "120", "FTPSD_DATA_TIMEOUT": "90", "FTPSD_IDLE_TIMEOUT": "120"}

BIG = {"big-%d.bin" % k: ft.random_bytes(MiB, 500 + k) for k in range(2)}
SMALL = {"small-%d.bin" % k: ft.random_bytes(1 + (k * 7919) % 65536, 600 + k) for k in range(8)}


_plans = {}


def plan(i):
    if i not in _plans:
        _plans[i] = make_plan(i)
    return _plans[i]


def make_plan(i):
    """Session i's transfers: (verb, server path, bytes). One download
    and one upload of 1 MiB, the rest small; downloads of the shared
    files, uploads to names of its own."""
    out = []
    for j in range(TRANSFERS):
        big = j in (0, 5)
        if (i + j) % 2 == 0:
            name = "big-%d.bin" % (i % 2) if big else "small-%d.bin" % ((i + j) % 8)
            out.append(("RETR", name, (BIG if big else SMALL)[name]))
        else:
            size = MiB if big else 1 + (i * 7919 + j * 104729) % 65536
            out.append(("STOR", "up/s%03d-%02d.bin" % (i, j),
                        ft.random_bytes(size, 10000 + i * 100 + j)))
    return out


def run_session(srv, i, implicit, ctx, result):
    """One client session; result gets its failures and login time."""
    cls = ts.ImplicitFTP_TLS if implicit else ts.ReusingFTP_TLS
    f = cls(ctx, timeout=CLIENT_TIMEOUT)
    try:
        t0 = time.monotonic()
        f.connect(srv.host, srv.port)
        f.login(ts.ALICE.name, ts.ALICE.password)
        if not implicit:
            f.prot_p()
        result["login_s"] = time.monotonic() - t0
        lines = []
        f.retrlines("LIST", lines.append)
        if not any(l.endswith(" big-0.bin") for l in lines):
            result["failures"].append("LIST without big-0.bin: %r" % lines[:5])
        for verb, name, data in plan(i):
            if verb == "RETR":
                got = ts.ftp_get(f, name)
                if ft.sha256(got) != ft.sha256(data):
                    result["failures"].append("RETR %s: %d bytes, wrong hash" % (name, len(got)))
            else:
                r = ts.ftp_put(f, name, data)
                if not r.startswith("226"):
                    result["failures"].append("STOR %s: %s" % (name, r))
        f.quit()
    except Exception as e:  # noqa: BLE001 - every failure is counted
        result["failures"].append("%s: %s" % (type(e).__name__, e))
    finally:
        ts.close_quietly(f)
    result["done"] = True


def children(pid):
    """PIDs whose parent is pid (the sessions systemd-socket-activate forked)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: fields follow the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(d))
    return out


def xferlog_records(text):
    """(direction, path, bytes, completion) of every xferlog line."""
    return re.findall(r"^ftpsd\[\d+\]: \w{3} \w{3} [ \d]\d [\d:]{8} \d{4} \d+ \S+ (\d+) (\S+) "
                      r"b _ ([io]) r alice ftp 0 \* ([ci])$", text, re.M)


def test_load():
    rng = ft.PortRange("127.0.0.1", PORTS)
    env = dict(ts.tls_env(), FTPSD_PASV_PORTS=rng.setting(), **SERVER_ENV)
    explicit = ft.Server(env=env, users=ts.TLS_USERS, pasv_ports=None)
    implicit = ft.Server(env=dict(env, FTPSD_TLS_IMPLICIT="1"), users=ts.TLS_USERS,
                         pasv_ports=None)
    try:
        for srv in (explicit, implicit):
            srv.start()
            for name, data in list(BIG.items()) + list(SMALL.items()):
                srv.put(name, data)
            srv.mkdir("up")
        for i in range(SESSIONS):
            plan(i)
        ctx = ts.client_context()
        results = [{"failures": [], "done": False} for _ in range(SESSIONS)]
        threads = []
        t0 = time.monotonic()
        for i in range(SESSIONS):
            srv, imp = (implicit, True) if i % 2 else (explicit, False)
            th = threading.Thread(target=run_session, args=(srv, i, imp, ctx, results[i]),
                                  daemon=True)
            th.start()
            threads.append(th)
        for th in threads:
            th.join(max(0.0, LOAD_DEADLINE - (time.monotonic() - t0)))
        elapsed = time.monotonic() - t0
        unfinished = [i for i, r in enumerate(results) if not r["done"]]
        t.is_eq(unfinished, [], "all %d sessions ended within %d s" % (SESSIONS, LOAD_DEADLINE))
        failures = ["session %d: %s" % (i, f) for i, r in enumerate(results) for f in r["failures"]]
        t.is_eq(failures[:20], [], "%d sessions x (LIST + %d transfers): no failure (%d in all)"
                % (SESSIONS, TRANSFERS, len(failures)))
        moved = sum(len(d) for i in range(SESSIONS) for _, _, d in plan(i))
        logins = sorted(r["login_s"] for r in results if "login_s" in r)
        t.diag("%.1f s for %d sessions, %.1f MiB moved; login p50 %.2f s, max %.2f s"
               % (elapsed, SESSIONS, moved / MiB, logins[len(logins) // 2] if logins else 0,
                  logins[-1] if logins else 0))

        # Every upload complete on disk, byte for byte.
        wrong = []
        for i in range(SESSIONS):
            srv = implicit if i % 2 else explicit
            for verb, name, data in plan(i):
                if verb == "STOR":
                    try:
                        same = ft.sha256_file(srv.path(name)) == ft.sha256(data)
                    except OSError:
                        same = False
                    if not same:
                        wrong.append(name)
        t.is_eq(wrong, [], "every upload on disk, byte-exact")

        # Every session ended, with status 0, and no process is left.
        for srv, label in ((explicit, "explicit"), (implicit, "implicit")):
            n = SESSIONS // 2
            ended = ft.wait_until(
                lambda: len(re.findall(r"^Child \d+ died", srv.log(), re.M)) >= n, 30)
            codes = re.findall(r"^Child \d+ died with code (\d+)", srv.log(), re.M)
            t.ok(ended and codes == ["0"] * n,
                 "%s: %d sessions ended with status 0" % (label, n), ft.short(codes))
            ft.wait_until(lambda: not children(srv.proc.pid), 10)
            t.is_eq(children(srv.proc.pid), [], "%s: no session process left" % label)

        # The log has every transfer, complete, with its size and path.
        for srv, label, parity in ((explicit, "explicit", 0), (implicit, "implicit", 1)):
            want = sorted(("o" if v == "RETR" else "i", "/" + name, str(len(d)))
                          for i in range(parity, SESSIONS, 2) for v, name, d in plan(i))
            got = sorted((d, p, b) for b, p, d, c in xferlog_records(srv.log()) if c == "c")
            t.ok(got == want, "%s: the log records all %d transfers, complete, path and size"
                 % (label, len(want)), "missing %s\nextra %s" % (
                     ft.short(sorted(set(want) - set(got))[:10]),
                     ft.short(sorted(set(got) - set(want))[:10])))
            lists = len(re.findall(r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] LIST 226$", srv.log(),
                                   re.M))
            t.is_eq(lists, SESSIONS // 2, "%s: every LIST logged" % label)
            t.unlike(srv.log(), r" 425$|exhausted", "%s: no passive port was refused" % label, re.M)
    finally:
        explicit.stop()
        implicit.stop()
        rng.release()


# ------------------------------------------------------------ memory pressure

OLD = ft.random_bytes(MiB, 700)
NEW = ft.random_bytes(MiB, 701)
OOM_RECORD = re.compile(r"^ftpsd\[\d+\]: .*"
                        r"(out of memory|memory allocation|Cannot allocate memory)", re.M | re.I)


def sanitized(binary):
    """A sanitizer build reserves terabytes of address space: RLIMIT_AS
    cannot cap it."""
    with open(binary, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__tsan_init" in data


def vm_size(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def last(replies):
    """The final reply of a transfer, or its first when that was all."""
    return [r for r in replies if isinstance(r, tuple)][-1]


class Capped:
    """A TLS server whose sessions run under RLIMIT_AS = the number in
    cap_file, read when each session starts (prlimit(1) in front of
    ftpsd), so that one server serves every cap."""

    def __init__(self):
        self.cap_file = os.path.join(tempfile.mkdtemp(prefix="ftpsd-cap-"), "cap")
        self.set(0)
        wrapper = ["sh", "-c", 'exec prlimit --as="$(cat %s)" -- "$@"' % self.cap_file, "sh"]
        self.srv = ft.Server(env=dict(ts.tls_env(), **SERVER_ENV), users=ts.TLS_USERS,
                             wrapper=wrapper)

    def set(self, cap):
        with open(self.cap_file, "w") as f:
            f.write("%d" % cap if cap else "unlimited")

    def probe(self, cap, name="keep.bin"):
        """One session under cap: AUTH TLS, login, PROT P, STOR over a
        complete file, RETR it, QUIT. Its outcome: 'ok', 'refused' (a
        4xx/5xx reply, the session then ended or went on), 'not started'
        (ftpsd never ran: the loader could not map it; nothing in the log)
        or 'unclean: ...'; and the state of the file."""
        srv = self.srv
        srv.put(name, OLD)
        self.set(cap)
        mark = srv.mark()
        outcome, replied = None, []
        c = None
        try:
            c = ts.TLSCtl(srv.host, srv.port, greeting=True)
            replied.append(c.greeting)
            steps = [lambda: c.auth(), lambda: c.login(ts.ALICE.name, ts.ALICE.password),
                     lambda: c.protect(), lambda: c.cmd("TYPE I"),
                     lambda: last(c.stor("STOR " + name, NEW)),
                     lambda: last(c.retr("RETR " + name)), lambda: c.cmd("QUIT")]
            if c.greeting[0] != 220:
                outcome = "refused"
            for step in steps if outcome is None else ():
                r = step()
                replied.append(r)
                if r[0] >= 400:
                    outcome = "refused"
                    break
            else:
                outcome = outcome or "ok"
        except (OSError, EOFError, ft.ProtocolError) as e:
            outcome = "unclean: %s: %s after %s" % (type(e).__name__, e, ft.short(replied))
        finally:
            if c is not None:
                c.close()
        ft.wait_until(lambda: re.search(r"^Child \d+ died", srv.log(mark), re.M), 10)
        log = srv.log(mark)
        if outcome.startswith("unclean") and not replied and "ftpsd[" not in log:
            outcome = "not started"
        data = ft.read_file(srv.path(name))
        state = "old" if data == OLD else "new" if data == NEW else "partial (%d bytes)" % len(data)
        return {"cap": cap, "outcome": outcome, "file": state, "log": log,
                "temps": ft.upload_temps(srv.root), "replies": replied}


def steady_size(capped):
    """VmSize of an idle TLS session, logged in, after a protected upload."""
    srv = capped.srv
    mark = srv.mark()
    c = ts.connect_tls(srv)
    try:
        c.cmd("TYPE I")
        c.stor("STOR steady.bin", NEW)
        pid = srv.session_pids(mark)[-1]
        return vm_size(pid)
    finally:
        c.quit()


def bisect(probe, lo, hi, good):
    """The smallest cap in (lo, hi] where good(probe(cap)), to a page,
    given that lo is not and hi is; every probe is kept."""
    while hi - lo > 4096:
        mid = (lo + hi) // 2 // 4096 * 4096
        if mid <= lo:
            break
        if good(probe(mid)):
            hi = mid
        else:
            lo = mid
    return hi


def test_memory_pressure():
    """Sessions capped (RLIMIT_AS) a few MiB above a session's steady
    size work, 10 at once; with less, down to where the loader cannot map
    ftpsd at all, each one that runs fails cleanly: a reply (421 at
    start), a record in the log, the file it was overwriting complete as
    it was; never a partial file, a leftover temporary or a silent end."""
    if not ft.have_tool("prlimit"):
        ts.skip(t, "prlimit (util-linux) is not installed")
        return
    if sanitized(ft.FTPSD_BIN):
        ts.skip(t, "a sanitizer build reserves terabytes of address space: RLIMIT_AS cannot "
                "cap it")
        return
    capped = Capped()
    probes = []

    def probe(cap):
        p = capped.probe(cap)
        probes.append(p)
        return p

    with capped.srv:
        steady = steady_size(capped)
        roomy = steady + 4 * MiB
        t.diag("steady VmSize of a TLS session: %.1f MiB; cap a few MiB above: %.1f MiB"
               % (steady / MiB, roomy / MiB))
        first = probe(roomy)
        t.ok(first["outcome"] == "ok" and first["file"] == "new",
             "under a cap 4 MiB above the steady size a session logs in and overwrites a file",
             ft.short(first))
        # Ten at once under that cap.
        capped.set(roomy)
        done = []

        def one(i):
            try:
                c = ts.connect_tls(capped.srv)
                c.cmd("TYPE I")
                up = ft.random_bytes(256 * 1024, 800 + i)
                r = c.stor("STOR many-%d.bin" % i, up)[-1]
                back = c.retr("RETR many-%d.bin" % i)
                c.quit()
                done.append(r[0] == 226 and back[2][0] == 226 and back[1] == up)
            except Exception:  # noqa: BLE001
                done.append(False)
        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(10)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(CLIENT_TIMEOUT)
        t.is_eq(done, [True] * 10, "10 sessions at once under that cap, uploads byte-exact")

        low = 4 * MiB
        t.ok(probe(low)["outcome"] == "not started",
             "under a 4 MiB cap ftpsd cannot even be loaded (where the search starts)",
             ft.short(probes[-1]))
        works = bisect(probe, low, roomy, lambda p: p["outcome"] == "ok")
        runs = bisect(probe, low, works, lambda p: p["outcome"] != "not started")
        t.diag("ftpsd runs from a cap of %.2f MiB, serves fully from %.2f MiB"
               % (runs / MiB, works / MiB))
        span = works - runs
        for k in range(6):
            probe(runs + span * k // 6 // 4096 * 4096)
        probe(works - 4096)
        probe(works)

    refused = [p for p in probes if p["outcome"] == "refused"]
    t.ok(refused, "some caps made sessions fail (%d of %d probes)" % (len(refused), len(probes)))
    unclean = [(p["cap"], p["outcome"]) for p in probes
               if p["outcome"] not in ("ok", "refused", "not started")]
    t.is_eq(unclean, [], "every session that ran either worked or failed with a reply")
    silent = [p["cap"] for p in refused if not OOM_RECORD.search(p["log"])]
    t.is_eq(silent, [], "every failure has a log record naming the lack of memory")
    codes = sorted({p["replies"][-1][0] for p in refused})
    t.diag("failure replies: %s" % codes)
    partial = [(p["cap"], p["file"]) for p in probes if p["file"] not in ("old", "new")]
    t.is_eq(partial, [], "the file being overwritten is never left partial")
    t.is_eq([p["cap"] for p in probes if p["temps"]], [], "no upload temporary left behind")


t.case("%d concurrent TLS sessions" % SESSIONS, test_load)
t.case("memory pressure", test_memory_pressure)
ft.check_sanitizer_reports(t)
t.done()
