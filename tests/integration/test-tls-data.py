#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Protected data transfers (PROT P) with real clients: Python ftplib with
session reuse (explicit and implicit, TLS 1.2 and 1.3), curl and lftp;
session reuse required or not, FTPSD_TLS_REQUIRE_DATA, long sessions, the
TLS 1.3 upload race, truncated uploads and data handshake failures."""

import ftplib
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()
MiB = ft.MiB
ALICE = ts.ALICE
WORK = tempfile.mkdtemp(prefix="ftpsd-tls-data-")


def cleanup_work():
    shutil.rmtree(WORK, ignore_errors=True)


def local(*parts):
    return os.path.join(WORK, *parts)


def no_problems(server, mark, what):
    bad = ts.tls_log_problems(ts.session_log(server, mark))
    t.ok(not bad, "%s: no TLS problem in the server log (no 522, no \"did not resume\")" % what,
         "\n".join(bad[:20]))


def tool_clean(rc, out, err, what):
    t.ok(rc == 0, "%s: exit status 0 (got %s)" % (what, rc), (out + err)[-1500:])
    trouble = ts.client_trouble(err) + ts.client_trouble(out)
    t.ok(not trouble, "%s: no TLS error printed by the client" % what, "\n".join(trouble[:20]))


# ------------------------------------------------------------------ python, explicit

def python_suite(server, ctx, label, implicit, size=3 * MiB, seed=1):
    data = ft.random_bytes(size, seed)
    name = "py-%s.bin" % re.sub(r"\W", "", label)
    mark = server.mark()
    f = ts.ftp_implicit(server, ctx) if implicit else ts.ftp_explicit(server, ctx)
    try:
        want_version = "TLSv1.2" if ctx.maximum_version == ts.TLS12 else "TLSv1.3"
        t.is_eq(f.sock.version(), want_version, "%s: control connection %s" % (label, want_version))
        r = ts.ftp_put(f, name, data)
        t.like(r, r"^226", "%s: STOR %d bytes" % (label, size))
        t.is_eq(ft.sha256_file(server.path(name)), ft.sha256(data),
                "%s: STOR stored the file byte-exact (SHA-256)" % label)
        got = ts.ftp_get(f, name)
        t.ok(len(got) == size and ft.sha256(got) == ft.sha256(data),
             "%s: RETR returns it byte-exact (SHA-256)" % label)
        lines = []
        f.retrlines("LIST", lines.append)
        t.ok(any(l.endswith(" " + name) and (" %d " % size) in l for l in lines),
             "%s: LIST shows the file with its size" % label, "\n".join(lines))
        facts = dict(f.mlsd())
        t.ok(name in facts and facts[name].get("size") == str(size),
             "%s: MLSD shows the file with size=%d" % (label, size), repr(facts.get(name)))
        t.ok(name in f.nlst(), "%s: NLST lists the file" % label)

        # Resumed download: REST then RETR gives the rest of the file.
        off = size // 3 + 17
        got = ts.ftp_get(f, name, rest=off)
        t.ok(got == data[off:], "%s: REST %d + RETR returns the remainder" % (label, off),
             "got %d bytes" % len(got))
        # Resumed upload: the first part, then REST + STOR of the rest.
        part = "part-" + name
        ts.ftp_put(f, part, data[:off])
        r = ts.ftp_put(f, part, data[off:], rest=off)
        t.like(r, r"^226", "%s: REST %d + STOR (resumed upload)" % (label, off))
        t.is_eq(ft.sha256_file(server.path(part)), ft.sha256(data),
                "%s: the resumed upload is the whole file" % label)
        # APPE
        app = "app-" + name
        ts.ftp_put(f, app, data[:1000])
        ts.ftp_put(f, app, data[1000:5000], cmd="APPE")
        t.is_eq(ft.read_file(server.path(app)), data[:5000], "%s: APPE appends" % label)

        # Active mode: the server connects, and is still the TLS server.
        f.set_pasv(False)
        got = ts.ftp_get(f, name)
        t.ok(ft.sha256(got) == ft.sha256(data), "%s: active mode (PORT) RETR byte-exact" % label)
        r = ts.ftp_put(f, "active-" + name, data[:MiB])
        t.is_eq(ft.read_file(server.path("active-" + name)), data[:MiB],
                "%s: active mode (PORT) STOR byte-exact" % label)
        f.set_pasv(True)

        t.ok(f.data_resumed and all(f.data_resumed),
             "%s: all %d data connections resumed the control session" % (label, len(f.data_resumed)),
             repr(f.data_resumed))
        t.ok(set(f.data_versions) == {want_version},
             "%s: data connections use %s" % (label, want_version), repr(set(f.data_versions)))
        t.like(f.quit(), r"^221", "%s: QUIT" % label)
    finally:
        ts.close_quietly(f)
    no_problems(server, mark, label)
    for n in (name, part, app, "active-" + name):
        try:
            os.unlink(server.path(n))
        except OSError:
            pass


def case_python(e, imp):
    for maxv, v in ((ts.TLS12, "1.2"), (ts.TLS13, "1.3")):
        ctx = ts.client_context(max_version=maxv)
        python_suite(e, ctx, "python explicit TLS " + v, False, seed=10 + len(v))
        python_suite(imp, ts.client_context(max_version=maxv), "python implicit TLS " + v, True,
                     size=2 * MiB, seed=20 + len(v))


def case_python_16mib(e):
    data = ft.random_bytes(16 * MiB, 16)
    mark = e.mark()
    f = ts.ftp_explicit(e, ts.client_context(max_version=ts.TLS13))
    try:
        ts.ftp_put(f, "big16.bin", data)
        t.is_eq(ft.sha256_file(e.path("big16.bin")), ft.sha256(data),
                "16 MiB STOR over TLS 1.3, SHA-256 exact")
        got = ts.ftp_get(f, "big16.bin")
        t.ok(len(got) == len(data) and ft.sha256(got) == ft.sha256(data),
             "16 MiB RETR over TLS 1.3, SHA-256 exact", "%d bytes" % len(got))
        t.ok(all(f.data_resumed), "16 MiB: data connections resumed")
        f.quit()
    finally:
        ts.close_quietly(f)
    os.unlink(e.path("big16.bin"))
    no_problems(e, mark, "16 MiB transfers")


def private_dirty_kib(pid):
    """Private_Dirty of a process in KiB (/proc/PID/smaps_rollup): the
    memory it has written and holds alone."""
    with open("/proc/%d/smaps_rollup" % pid) as f:
        m = re.search(r"^Private_Dirty:\s+(\d+) kB", f.read(), re.M)
    return int(m.group(1))


def case_idle_memory(e):
    """The transfer buffers (the plaintext buffer, the TLS read-ahead and
    write-behind, 0.75 MiB in all) go back to the kernel when a transfer
    ends: an idle session holds no more after 16 MiB each way than after
    a short listing. 192 KiB of slack for the heap's ups and downs."""
    if ft.sanitizer_build():
        t.skip("idle memory after transfers", "AddressSanitizer build: its allocator keeps freed memory")
        return
    data = ft.random_bytes(16 * MiB, 17)
    e.put("idle16.bin", data)
    mark = e.mark()
    f = ts.ftp_explicit(e, ts.client_context(max_version=ts.TLS13))
    try:
        f.voidcmd("TYPE I")
        f.retrlines("LIST", lambda line: None)
        pids = e.session_pids(mark)
        t.is_eq(len(pids), 1, "idle memory: one session process")
        before = private_dirty_kib(pids[0])
        got = ts.ftp_get(f, "idle16.bin")
        ts.ftp_put(f, "idle16-up.bin", data)
        after = private_dirty_kib(pids[0])
        t.ok(got == data, "idle memory: 16 MiB RETR byte-exact")
        t.ok(after - before <= 192,
             "idle memory: private memory after RETR and STOR of 16 MiB grew by at most 192 KiB",
             "after LIST %d KiB, after the transfers %d KiB (+%d)" % (before, after, after - before))
        f.quit()
    finally:
        ts.close_quietly(f)
    for name in ("idle16.bin", "idle16-up.bin"):
        os.unlink(e.path(name))
    no_problems(e, mark, "idle memory")


def unsent_bytes(port):
    """What the server's end of a data connection (local port) holds
    unsent in its socket (ss -ti "notsent:"), or None without the socket."""
    out = subprocess.run(["ss", "-tinH", "state", "established", "sport = :%d" % port],
                         capture_output=True, text=True, timeout=30).stdout
    if not out.strip():
        return None
    m = re.search(r"\bnotsent:(\d+)", out)
    return int(m.group(1)) if m else 0


def case_unsent_queue(e):
    """A download its client stops reading leaves little unsent in the
    server's socket (TCP_NOTSENT_LOWAT, 64 KiB): the kernel would
    otherwise take up to tcp_wmem's maximum, 4 MiB here, and that long
    queue costs CPU on every download (bench/README, "Unsent data").
    Once the client's receive buffer is full, the server's unsent bytes
    are sampled for half a second; one more 64 KiB buffer of slack."""
    if not ft.have_tool("ss"):
        t.skip("unsent queue of a stalled download", "ss (iproute2) not installed")
        return
    e.put("stall64.bin", ft.random_bytes(64 * MiB, 64))
    for prot in ("C", "P"):
        c = ts.connect_tls(e, protect=prot == "P")
        d = None
        try:
            c.cmd("TYPE I")
            pend = c.data_conn("pasv")
            t.code(c.cmd("RETR stall64.bin"), 150, "PROT %s: RETR to stall" % prot)
            raw = pend.get()
            port = raw.getpeername()[1]
            d = c.wrap_data(raw) if prot == "P" else raw
            t.ok(len(d.recv(1000)) > 0, "PROT %s: the download starts" % prot)
            full = ft.wait_until(lambda: (unsent_bytes(port) or 0) > 0, 10)
            t.ok(full, "PROT %s: the server's socket fills up with unsent data" % prot)
            samples = []
            for _ in range(10):
                samples.append(unsent_bytes(port))
                time.sleep(0.05)
            t.ok(all(v is not None and v <= 128 * 1024 for v in samples),
                 "PROT %s: a stalled download keeps at most 128 KiB unsent in the server's socket"
                 % prot, "notsent bytes: %r" % samples)
        finally:
            if d is not None:
                d.close()
            ts.close_quietly(c)
    os.unlink(e.path("stall64.bin"))


def case_raw_modes(e):
    """EPSV, EPRT and PORT with PROT P; the server's close_notify on
    downloads is checked (the client treats a bare FIN as an error)."""
    data = ft.random_bytes(700000, 77)
    e.put("modes.bin", data)
    c = ts.connect_tls(e)
    try:
        for mode in ("pasv", "epsv", "port", "eprt"):
            r = c.retr("RETR modes.bin", mode)
            t.ok(r[2] is not None and r[2][0] == 226 and r[1] == data,
                 "PROT P %s RETR: byte-exact, ended by close_notify" % mode.upper(), repr(r[2]))
            r = c.stor("STOR up-%s.bin" % mode, data, mode)
            t.ok(r[1] is not None and r[1][0] == 226, "PROT P %s STOR -> 226" % mode.upper(),
                 repr(r))
            t.is_eq(ft.read_file(e.path("up-%s.bin" % mode)), data,
                    "PROT P %s STOR byte-exact" % mode.upper())
        t.ok(all(c.data_resumed) and len(c.data_resumed) == 8, "raw client: 8 resumed data sessions",
             repr(c.data_resumed))
    finally:
        c.quit()


def case_abort_stat(e):
    """STAT and ABOR arrive over the TLS control connection while a
    protected transfer runs; several commands in one TCP segment too."""
    e.put("abor.bin", ft.random_bytes(64 * MiB, 64))
    c = ts.connect_tls(e)
    try:
        for cmd in (b"NOOP\r\n", b"PWD\r\n", b"SYST\r\n", b"NOOP\r\n"):
            c.sock.sendall(cmd)     # separate TLS records, back to back
        t.is_eq([c.reply()[0] for _ in range(4)], [200, 257, 215, 200],
                "four pipelined commands over TLS, four replies in order")
        pend = c.data_conn("pasv")
        t.code(c.cmd("RETR abor.bin"), 150, "RETR of 64 MiB over PROT P")
        raw = pend.get()
        try:
            d = c.wrap_data(raw)
            got = len(d.recv(65536))
            c.sock.sendall(b"STAT\r\n")
            r = c.reply()
            t.ok(r[0] == 213 and "bytes transferred" in r[1], "STAT during a protected download",
                 repr(r))
            c.sock.sendall(b"ABOR\r\n")
            end = "close_notify"
            try:
                while True:
                    x = d.recv(MiB)
                    if not x:
                        break
                    got += len(x)
            except ssl.SSLEOFError:
                end = "eof"
            except OSError as x:
                end = repr(x)
        finally:
            raw.close()
        t.code(c.reply(), 426, "ABOR during a protected download: 426 for the RETR")
        t.code(c.reply(), 226, "ABOR during a protected download: 226 for the ABOR")
        t.ok(got < 64 * MiB, "the download was cut short (%d bytes)" % got)
        t.ok(end != "close_notify", "the aborted data connection does not end with close_notify "
             "(the partial file cannot pass for complete)", end)
        t.code(c.cmd("NOOP"), 200, "the session goes on after ABOR")

        old = ft.read_file(e.path("abor.bin"))[:1000]
        e.put("abor-up.bin", old)
        pend = c.data_conn("pasv")
        t.code(c.cmd("STOR abor-up.bin"), 150, "STOR over PROT P, then ABOR")
        raw = pend.get()
        try:
            d = c.wrap_data(raw)
            d.sendall(ft.random_bytes(2 * MiB, 65))
            c.sock.sendall(b"ABOR\r\n")
            r1, r2 = c.reply(), c.reply()
        finally:
            raw.close()
        t.ok(r1[0] == 426 and r2[0] == 226, "ABOR during a protected upload: 426 then 226",
             repr((r1, r2)))
        t.is_eq(ft.read_file(e.path("abor-up.bin")), old, "the aborted upload left the file as it was")
        t.is_eq(ft.upload_temps(e.root), [], "no temporary file left after ABOR")
    finally:
        c.quit()
    os.unlink(e.path("abor.bin"))


def case_reply_latency(e):
    """A small protected transfer is not slowed by Nagle: after 150 the
    server writes a TLS ticket and later 226 on the control connection;
    without TCP_NODELAY the second write waits for the client's delayed
    ACK (40 ms on Linux) on every transfer."""
    e.put("lat.bin", b"l" * 2000)
    c = ts.connect_tls(e, ctx=ts.client_context(max_version=ts.TLS13))
    times = {"RETR": [], "STOR": []}
    try:
        for i in range(5):
            for verb in ("RETR", "STOR"):
                pend = c.data_conn("pasv")
                t0 = time.monotonic()
                first = c.cmd("%s lat%s.bin" % (verb, "" if verb == "RETR" else "-up"))
                if first[0] != 150:
                    pend.close()
                    raise AssertionError("%s: %r" % (verb, first))
                raw = pend.get()
                try:
                    d = c.wrap_data(raw)
                    if verb == "RETR":
                        while d.recv(65536):
                            pass
                    else:
                        d.sendall(b"u" * 2000)
                    d.unwrap()
                finally:
                    raw.close()
                r = c.reply()
                if r[0] != 226:
                    raise AssertionError("%s: %r" % (verb, r))
                times[verb].append(1000 * (time.monotonic() - t0))
    finally:
        c.quit()
    for verb, ms in times.items():
        med = sorted(ms)[len(ms) // 2]
        t.ok(med < 30, "small PROT P %s: 150 to 226 in %.1f ms (median; under 30 ms, i.e. "
             "not held by Nagle until the client's delayed ACK)" % (verb, med),
             "times (ms): " + " ".join("%.1f" % x for x in ms))


# ------------------------------------------------------------------ session reuse policy

def case_reuse_required(e):
    e.put("reuse.bin", b"reuse me" * 5000)
    mark = e.mark()
    # Stock ftplib FTP_TLS: a fresh TLS session on every data connection.
    f = ftplib.FTP_TLS(context=ts.client_context(), timeout=ft.CTL_TIMEOUT)
    try:
        f.connect(e.host, e.port)
        f.login(ALICE.name, ALICE.password)
        f.prot_p()
        err = final = None
        try:
            final = f.retrbinary("RETR reuse.bin", lambda b: None)   # went through: its 226
        except (ftplib.Error, OSError, EOFError) as x:
            err = x
        if isinstance(err, ftplib.error_perm):
            final = str(err)
        elif err is not None:
            try:
                final = f.getresp()
            except ftplib.error_perm as x:
                final = str(x)
        t.like(final, r"^522 ", "stock FTP_TLS (no session reuse), reuse required: RETR -> 522")
        try:
            final = f.voidcmd("NOOP")
        except ftplib.Error as x:
            final = str(x)
        t.like(final, r"^200", "the control session goes on after the 522")
    finally:
        ts.close_quietly(f)
    t.ok(e.wait_log(r"data connection from 127\.0\.0\.1 did not resume the control TLS session",
                    5, mark), "the log says the data connection did not resume")

    # The same in one session with the raw client: refused, then accepted.
    c = ts.connect_tls(e)
    try:
        c.reuse = False
        pend = c.data_conn("pasv")
        first = c.cmd("RETR reuse.bin")
        t.code(first, 150, "fresh data session: RETR -> 150")
        raw = pend.get()
        got = b""
        try:
            d = c.wrap_data(raw)
            try:
                while True:
                    b = d.recv(65536)
                    if not b:
                        break
                    got += b
            except (ssl.SSLError, OSError):
                pass
        except (ssl.SSLError, OSError):
            pass
        finally:
            raw.close()
        t.is_eq(got, b"", "no file data over the non-resumed data connection")
        t.code(c.reply(), 522, "fresh data session: final reply")
        c.reuse = True
        r = c.retr("RETR reuse.bin")
        t.ok(r[2] is not None and r[2][0] == 226 and r[1] == b"reuse me" * 5000,
             "the next, resumed data connection of the same session works", repr(r[2]))
        r = c.stor("STOR reuse-up.bin", b"x" * 1000)
        t.code(r[1], 226, "a resumed upload after a refused one")
        c.reuse = False
        pend = c.data_conn("pasv")
        first = c.cmd("STOR reuse-refused.bin")
        t.code(first, 150, "fresh data session: STOR -> 150")
        raw = pend.get()
        try:
            d = c.wrap_data(raw)
            d.sendall(b"y" * 1000)
            d.unwrap()
        except (ssl.SSLError, OSError, ValueError):
            pass
        finally:
            raw.close()
        t.code(c.reply(), 522, "fresh data session: STOR final reply")
        t.ok(not os.path.exists(e.path("reuse-refused.bin")),
             "the refused upload created no file")
        # The 522 may reach us before the session has removed its temporary.
        t.ok(ft.wait_until(lambda: ft.upload_temps(e.root) == [], 5), "no temporary upload file is left",
             repr(ft.upload_temps(e.root)))
    finally:
        c.quit()


def case_session_id_cache(e):
    """TLS 1.2 clients without session tickets resume by session ID."""
    e.put("sid.bin", b"session id" * 3000)
    ctx = ts.client_context(max_version=ts.TLS12)
    ctx.options |= ssl.OP_NO_TICKET
    mark = e.mark()
    f = ts.ftp_explicit(e, ctx)
    try:
        got = [ts.ftp_get(f, "sid.bin") for _ in range(12)]
        t.ok(all(g == b"session id" * 3000 for g in got),
             "TLS 1.2 without tickets: 12 downloads byte-exact")
        t.ok(len(f.data_resumed) == 12 and all(f.data_resumed),
             "TLS 1.2 without tickets: every data connection resumed by session ID",
             repr(f.data_resumed))
        f.quit()
    finally:
        ts.close_quietly(f)
    no_problems(e, mark, "TLS 1.2 without tickets")


def case_foreign_session(e):
    """A data connection must resume its own control connection's session,
    not another one's (another login, another process)."""
    e.put("mine.bin", b"mine" * 1000)
    for maxv, v in ((ts.TLS13, "1.3"), (ts.TLS12, "1.2")):
        ctx = ts.client_context(max_version=maxv)
        a = ts.connect_tls(e, ctx=ctx)
        b = ts.connect_tls(e, ctx=ctx)
        try:
            r = a.retr("RETR mine.bin")
            t.ok(r[2] is not None and r[2][0] == 226, "TLS %s: connection A transfers" % v)
            pend = b.data_conn("pasv")
            t.code(b.cmd("RETR mine.bin"), 150, "TLS %s: RETR on connection B" % v)
            raw = pend.get()
            got = b""
            try:
                d = b.ctx.wrap_socket(raw, server_hostname=b.tls_hostname,
                                      session=a.sock.session, suppress_ragged_eofs=False)
                # Each process has its own ticket key (and session cache):
                # A's session means nothing to B's process. That B's server
                # then refuses the data connection is the 522 below.
                t.ok(not d.session_reused,
                     "TLS %s: B's process cannot resume A's session (a ticket key of its own)" % v)
                try:
                    while True:
                        x = d.recv(65536)
                        if not x:
                            break
                        got += x
                except (ssl.SSLError, OSError):
                    pass
            except (ssl.SSLError, OSError):
                pass
            finally:
                raw.close()
            t.is_eq(got, b"", "TLS %s: no data for a data connection with A's session" % v)
            t.code(b.reply(), 522, "TLS %s: data connection of B with A's session" % v)
        finally:
            a.quit()
            b.quit()


def case_reuse_not_required(n):
    n.put("noreuse.bin", ft.random_bytes(500000, 5))
    want = ft.read_file(n.path("noreuse.bin"))
    mark = n.mark()
    for maxv, v in ((ts.TLS12, "1.2"), (ts.TLS13, "1.3")):
        f = ftplib.FTP_TLS(context=ts.client_context(max_version=maxv), timeout=ft.CTL_TIMEOUT)
        try:
            f.connect(n.host, n.port)
            f.login(ALICE.name, ALICE.password)
            f.prot_p()
            out = []
            r = f.retrbinary("RETR noreuse.bin", out.append)
            t.ok(r.startswith("226") and b"".join(out) == want,
                 "FTPSD_TLS_REQUIRE_REUSE=0: stock FTP_TLS RETR works (TLS %s)" % v, r)
            import io
            r = f.storbinary("STOR noreuse-up.bin", io.BytesIO(want))
            t.ok(r.startswith("226") and ft.read_file(n.path("noreuse-up.bin")) == want,
                 "FTPSD_TLS_REQUIRE_REUSE=0: stock FTP_TLS STOR works (TLS %s)" % v, r)
            lines = []
            f.retrlines("LIST", lines.append)
            t.ok(any("noreuse.bin" in l for l in lines),
                 "FTPSD_TLS_REQUIRE_REUSE=0: stock FTP_TLS LIST works (TLS %s)" % v)
            f.quit()
        finally:
            ts.close_quietly(f)
    f = ts.ftp_explicit(n)
    try:
        t.is_eq(ts.ftp_get(f, "noreuse.bin"), want,
                "FTPSD_TLS_REQUIRE_REUSE=0: a resuming client works too")
        t.ok(all(f.data_resumed), "FTPSD_TLS_REQUIRE_REUSE=0: it still resumes")
        f.quit()
    finally:
        ts.close_quietly(f)
    t.unlike(ts.session_log(n, mark), r"did not resume|\b522$", "FTPSD_TLS_REQUIRE_REUSE=0: nothing refused")


# ------------------------------------------------------------------ FTPSD_TLS_REQUIRE_DATA

def case_require_data(d, e):
    d.put("rd.bin", b"protected data" * 1000)
    want = ft.read_file(d.path("rd.bin"))
    # TLS control, no PBSZ/PROT: data would be clear.
    c = ts.connect_tls(d, protect=False)
    try:
        for cmd in ("RETR rd.bin", "LIST", "NLST", "MLSD"):
            r = c.retr(cmd)
            t.code(r[0], 521, "FTPSD_TLS_REQUIRE_DATA=1, no PROT: %s" % cmd)
        r = c.stor("STOR rd-up.bin", b"z" * 100)
        t.code(r[0], 521, "FTPSD_TLS_REQUIRE_DATA=1, no PROT: STOR")
        t.ok(not os.path.exists(d.path("rd-up.bin")) and not ft.upload_temps(d.root),
             "the refused STOR left no file")
        c.data_conn("pasv").close()
        t.code(c.cmd("RETR rd.bin"), 521, "FTPSD_TLS_REQUIRE_DATA=1: RETR after PASV -> 521")
        t.code(c.cmd("RETR rd.bin"), 425,
               "after 521 the passive listener is gone (425 without a new PASV)")
        t.code(c.cmd("PBSZ 0"), 200, "PBSZ 0")
        t.code(c.cmd("PROT C"), 200, "PROT C")
        r = c.retr("RETR rd.bin")
        t.code(r[0], 521, "FTPSD_TLS_REQUIRE_DATA=1, PROT C: RETR")
        r = c.stor("STOR rd-up.bin", b"z" * 100)
        t.code(r[0], 521, "FTPSD_TLS_REQUIRE_DATA=1, PROT C: STOR")
        r = c.stor("APPE rd.bin", b"z" * 100)
        t.code(r[0], 521, "FTPSD_TLS_REQUIRE_DATA=1, PROT C: APPE")
        t.is_eq(ft.read_file(d.path("rd.bin")), want, "the refused APPE did not touch the file")
        t.code(c.cmd("PROT P"), 200, "PROT P")
        c.prot_p = True
        r = c.retr("RETR rd.bin")
        t.ok(r[2] is not None and r[2][0] == 226 and r[1] == want,
             "FTPSD_TLS_REQUIRE_DATA=1, PROT P: RETR works", repr(r[2]))
        r = c.stor("STOR rd-up.bin", want)
        t.code(r[1], 226, "FTPSD_TLS_REQUIRE_DATA=1, PROT P: STOR works")
        r = c.retr("MLSD")
        t.ok(r[2] is not None and r[2][0] == 226 and b"rd-up.bin" in r[1],
             "FTPSD_TLS_REQUIRE_DATA=1, PROT P: MLSD works")
    finally:
        c.quit()
    # Plaintext control: no way to get data.
    with d.connect() as c:
        t.code(c.login(ALICE.name, ALICE.password), 230,
               "FTPSD_TLS_REQUIRE_DATA=1: plaintext login is allowed")
        r = c.retr("RETR rd.bin")
        t.code(r[0], 521, "FTPSD_TLS_REQUIRE_DATA=1, plaintext control: RETR")
        r = c.retr("LIST")
        t.code(r[0], 521, "FTPSD_TLS_REQUIRE_DATA=1, plaintext control: LIST")

    # FTPSD_TLS_REQUIRE_DATA=0: clear data on a TLS control connection.
    e.put("clear.bin", want)
    c = ts.connect_tls(e, protect=False)
    try:
        r = c.retr("RETR clear.bin")
        t.ok(r[2] is not None and r[2][0] == 226 and r[1] == want,
             "FTPSD_TLS_REQUIRE_DATA=0: RETR in clear without PROT", repr(r[2]))
        t.code(c.cmd("PBSZ 0"), 200, "PBSZ 0")
        t.code(c.cmd("PROT C"), 200, "PROT C")
        r = c.retr("RETR clear.bin")
        t.ok(r[2] is not None and r[2][0] == 226 and r[1] == want,
             "FTPSD_TLS_REQUIRE_DATA=0: RETR in clear under PROT C", repr(r[2]))
        r = c.stor("STOR clear-up.bin", want)
        t.code(r[1], 226, "FTPSD_TLS_REQUIRE_DATA=0: STOR in clear under PROT C")
        t.is_eq(ft.read_file(e.path("clear-up.bin")), want, "clear upload byte-exact")
        t.code(c.cmd("PROT P"), 200, "back to PROT P")
        c.prot_p = True
        r = c.retr("RETR clear.bin")
        t.ok(r[2] is not None and r[2][0] == 226 and r[1] == want,
             "PROT P again in the same session", repr(r[2]))
    finally:
        c.quit()


# ------------------------------------------------------------------ failures

def case_data_handshake_failure(e, quick):
    e.put("hs.bin", b"handshake" * 1000)
    mark = e.mark()
    c = ts.connect_tls(e)
    try:
        pend = c.data_conn("pasv")
        t.code(c.cmd("RETR hs.bin"), 150, "RETR, then garbage on the data connection")
        d = pend.get()
        try:
            d.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            d.settimeout(10)
            try:
                while d.recv(65536):
                    pass
            except OSError:
                pass
        finally:
            d.close()
        t.code(c.reply(), 522, "garbage instead of the data ClientHello")
        t.code(c.cmd("NOOP"), 200, "the session goes on after the failed data handshake")
        r = c.retr("RETR hs.bin")
        t.ok(r[2] is not None and r[2][0] == 226 and r[1] == b"handshake" * 1000,
             "the next protected transfer works", repr(r[2]))
    finally:
        c.quit()
    t.ok(e.wait_log(r"data connection from 127\.0\.0\.1: TLS handshake failed", 5, mark),
         "the log says the data TLS handshake failed, with the peer")

    # A client that never starts TLS on the data connection: FTPSD_DATA_TIMEOUT.
    mark = quick.mark()
    quick.put("hs.bin", b"q" * 100)
    c = ts.connect_tls(quick)
    try:
        pend = c.data_conn("pasv")
        t0 = time.monotonic()
        t.code(c.cmd("RETR hs.bin"), 150, "RETR, then silence on the data connection")
        d = pend.get()
        try:
            r = c.reply()
            dt = time.monotonic() - t0
        finally:
            d.close()
        t.code(r, 522, "no data ClientHello within FTPSD_DATA_TIMEOUT=2")
        lo, hi = ft.timeout_window(2)
        t.ok(lo <= dt <= hi, "the 522 came after the data timeout (%.1f s; between %.1f and %.1f)" % (dt, lo, hi))
        t.code(c.cmd("NOOP"), 200, "the session goes on")
    finally:
        c.quit()
    t.ok(quick.wait_log(r"data connection from 127\.0\.0\.1: TLS handshake timed out", 5, mark),
         "the log says the data TLS handshake timed out")


def truncated_upload(e, maxv, label):
    old = ft.random_bytes(200000, 426)
    new = ft.random_bytes(2 * MiB, 427)
    e.put("victim.bin", old)
    mark = e.mark()
    c = ts.connect_tls(e, ctx=ts.client_context(max_version=maxv))
    try:
        pend = c.data_conn("pasv")
        t.code(c.cmd("STOR victim.bin"), 150, "%s: STOR over an existing file" % label)
        raw = pend.get()
        d = c.wrap_data(raw)
        t.ok(d.session_reused, "%s: the data connection resumed" % label)
        d.sendall(new[:len(new) // 2])
        # End the TCP connection without close_notify.
        socket.socket.shutdown(d, socket.SHUT_RDWR)
        socket.socket.close(d)
        raw.close()
        r = c.reply()
        t.code(r, 426, "%s: upload cut without close_notify" % label)
        t.like(r[1], r"close_notify", "%s: the 426 says why" % label)
        t.is_eq(ft.sha256_file(e.path("victim.bin")), ft.sha256(old),
                "%s: the previous file is unchanged" % label)
        t.is_eq(ft.upload_temps(e.root), [], "%s: no temporary file left" % label)
        t.code(c.cmd("NOOP"), 200, "%s: the session goes on" % label)
        r = c.stor("STOR victim.bin", new)
        t.code(r[1], 226, "%s: a complete upload afterwards" % label)
        t.is_eq(ft.sha256_file(e.path("victim.bin")), ft.sha256(new),
                "%s: the complete upload replaced the file" % label)
    finally:
        c.quit()
    t.ok(e.wait_log(r"\] STOR victim\.bin 426$", 5, mark), "%s: logged as STOR 426" % label)
    t.ok(e.wait_log(r" /victim\.bin b _ i r alice ftp 0 \* i$", 5, mark),
         "%s: the xferlog line marks the transfer incomplete" % label)


def case_truncated_upload(e):
    truncated_upload(e, ts.TLS13, "truncated upload TLS 1.3")
    truncated_upload(e, ts.TLS12, "truncated upload TLS 1.2")


# ------------------------------------------------------------------ long sessions

def case_long_python(e, n=200):
    files = [ft.random_bytes(1000 + 37 * i, 900 + i) for i in range(10)]
    for i, data in enumerate(files):
        e.put("long-%d.bin" % i, data)
    mark = e.mark()
    f = ts.ftp_explicit(e, ts.client_context(max_version=ts.TLS13))
    bad = []
    t0 = time.monotonic()
    try:
        t.is_eq(f.sock.version(), "TLSv1.3", "long session: TLS 1.3")
        for i in range(n):
            k = (i // 2) % 10
            try:
                if i % 2 == 0:
                    got = ts.ftp_get(f, "long-%d.bin" % k)
                    if got != files[k]:
                        bad.append("RETR %d: %d bytes differ" % (i, len(got)))
                else:
                    r = ts.ftp_put(f, "long-up-%d.bin" % k, files[k])
                    if not r.startswith("226") or \
                            ft.read_file(e.path("long-up-%d.bin" % k)) != files[k]:
                        bad.append("STOR %d: %s" % (i, r))
            except (ftplib.Error, OSError, EOFError) as x:
                bad.append("transfer %d: %s: %s" % (i, type(x).__name__, x))
                if len(bad) > 5:
                    break
        f.quit()
    finally:
        ts.close_quietly(f)
    dt = time.monotonic() - t0
    t.ok(not bad, "long session: %d alternating RETR/STOR in one login (%.1f s)" % (n, dt),
         "\n".join(bad[:10]))
    t.ok(len(f.data_resumed) == n and all(f.data_resumed),
         "long session: all %d data connections resumed (%d of %d)" %
         (n, sum(1 for x in f.data_resumed if x), len(f.data_resumed)))
    log = ts.session_log(e, mark)
    t.is_eq(ts.count_replies(log, "RETR", 226) + ts.count_replies(log, "STOR", 226), n,
            "long session: %d transfers answered 226 in the log" % n)
    t.is_eq(len(e.session_pids(mark)), 1, "long session: one control connection")
    no_problems(e, mark, "long python session")


def case_long_lftp(e, n=200):
    src = local("lftp-long")
    os.makedirs(src, exist_ok=True)
    files = [ft.random_bytes(2000 + 101 * i, 700 + i) for i in range(10)]
    for i, data in enumerate(files):
        e.put("ll-%d.bin" % i, data)
        ft.write_file(os.path.join(src, "lu-%d.bin" % i), data)
    cmds = []
    for i in range(n):
        k = (i // 2) % 10
        if i % 2 == 0:
            cmds.append("get ll-%d.bin -o %s/got-%d.bin" % (k, src, k))
        else:
            cmds.append("put %s/lu-%d.bin -o lup-%d.bin" % (src, k, k))
    mark = e.mark()
    t0 = time.monotonic()
    rc, out, err = ts.lftp(e, cmds, timeout=120)
    dt = time.monotonic() - t0
    tool_clean(rc, out, err, "lftp long session (%d transfers, %.1f s)" % (n, dt))
    t.ok(all(ft.read_file(os.path.join(src, "got-%d.bin" % k)) == files[k] for k in range(10)),
         "lftp long session: downloads byte-exact")
    t.ok(all(ft.read_file(e.path("lup-%d.bin" % k)) == files[k] for k in range(10)),
         "lftp long session: uploads byte-exact")
    log = ts.session_log(e, mark)
    t.is_eq(ts.count_replies(log, "RETR", 226) + ts.count_replies(log, "STOR", 226), n,
            "lftp long session: %d transfers answered 226" % n)
    t.is_eq(len(e.session_pids(mark)), 1, "lftp long session: one control connection")
    t.like(log, r"TLS established with 127\.0\.0\.1: TLS1\.3", "lftp long session: TLS 1.3")
    no_problems(e, mark, "lftp long session")


def case_long_curl(e, n=16):
    src = local("curl-long")
    os.makedirs(src, exist_ok=True)
    files = [ft.random_bytes(3000 + 211 * i, 500 + i) for i in range(10)]
    for i, data in enumerate(files):
        e.put("cl-%d.bin" % i, data)
        ft.write_file(os.path.join(src, "cu-%d.bin" % i), data)
    segs = []
    for i in range(n):
        k = i % 10
        seg = ['ssl-reqd', 'cacert = "%s"' % ts.certs().server_ca]
        if i % 2 == 0:
            seg += ['url = "%s"' % ts.curl_url(e, "/cl-%d.bin" % k),
                    'output = "%s/got-%d-%d.bin"' % (src, i, k)]
        else:
            seg += ['upload-file = "%s/cu-%d.bin"' % (src, k),
                    'url = "%s"' % ts.curl_url(e, "/cup-%d-%d.bin" % (i, k))]
        segs.append("\n".join(seg) + "\n")
    cfg = local("curl-long.cfg")
    with open(cfg, "w") as f:
        f.write("next\n".join(segs))
    mark = e.mark()
    t0 = time.monotonic()
    rc, out, err = ft.run_tool(["curl", "-sS", "--max-time", "100", "-K", cfg], timeout=110)
    dt = time.monotonic() - t0
    tool_clean(rc, out, err, "curl, %d URLs in one invocation (%.1f s)" % (n, dt))
    okd = all(ft.read_file(os.path.join(src, "got-%d-%d.bin" % (i, i % 10))) == files[i % 10]
              for i in range(0, n, 2) if os.path.exists(os.path.join(src, "got-%d-%d.bin" % (i, i % 10))))
    t.ok(okd and len([x for x in os.listdir(src) if x.startswith("got-")]) == n // 2,
         "curl many URLs: downloads byte-exact")
    t.ok(all(os.path.exists(e.path("cup-%d-%d.bin" % (i, i % 10))) and
             ft.read_file(e.path("cup-%d-%d.bin" % (i, i % 10))) == files[i % 10]
             for i in range(1, n, 2)), "curl many URLs: uploads byte-exact")
    log = ts.session_log(e, mark)
    t.is_eq(ts.count_replies(log, "RETR", 226) + ts.count_replies(log, "STOR", 226), n,
            "curl many URLs: %d transfers answered 226" % n)
    t.is_eq(len(e.session_pids(mark)), 1, "curl many URLs: one control connection reused")
    t.is_eq(ts.count_replies(log, "PROT P", 200), 1, "curl many URLs: all under one PROT P")
    no_problems(e, mark, "curl many URLs")


# ------------------------------------------------------------------ curl

def case_curl(e, imp):
    data = ft.random_bytes(3 * MiB + 123, 31)
    for server, implicit, label in ((e, False, "curl --ssl-reqd"), (imp, True, "curl ftps://")):
        server.put("curl.bin", data)
        os.makedirs(server.path("cdir"), exist_ok=True)
        server.put("cdir/inner.txt", b"inner\n")
        extra = [] if implicit else ["--ssl-reqd"]
        mark = server.mark()
        out_path = local("curl-%d.bin" % implicit)
        rc, out, err = ts.curl(extra + [ts.curl_url(server, "/curl.bin", implicit=implicit),
                                        "-o", out_path])
        tool_clean(rc, out, err, "%s download" % label)
        t.ok(os.path.exists(out_path) and ft.sha256_file(out_path) == ft.sha256(data),
             "%s download byte-exact" % label)
        # Resume a partial download.
        with open(out_path, "r+b") as f:
            f.truncate(MiB + 7)
        rc, out, err = ts.curl(extra + ["-C", "-", ts.curl_url(server, "/curl.bin",
                                                                implicit=implicit),
                                        "-o", out_path])
        tool_clean(rc, out, err, "%s resumed download (-C -)" % label)
        t.ok(ft.sha256_file(out_path) == ft.sha256(data), "%s resumed download byte-exact" % label)
        # Upload, and resume an upload.
        rc, out, err = ts.curl(extra + ["-T", out_path, ts.curl_url(server, "/curl-up.bin",
                                                                     implicit=implicit)])
        tool_clean(rc, out, err, "%s upload" % label)
        t.ok(ft.sha256_file(server.path("curl-up.bin")) == ft.sha256(data),
             "%s upload byte-exact" % label)
        server.put("curl-res.bin", data[:MiB + 99])
        rc, out, err = ts.curl(extra + ["-C", "-", "-T", out_path,
                                        ts.curl_url(server, "/curl-res.bin", implicit=implicit)])
        tool_clean(rc, out, err, "%s resumed upload (-C -)" % label)
        t.ok(ft.sha256_file(server.path("curl-res.bin")) == ft.sha256(data),
             "%s resumed upload byte-exact" % label)
        # Listings.
        rc, out, err = ts.curl(extra + [ts.curl_url(server, "/", implicit=implicit)])
        t.ok(rc == 0 and re.search(r"(?m) curl\.bin$", out) and re.search(r"(?m) cdir$", out),
             "%s LIST of /" % label, out[-500:] + err[-500:])
        rc, out, err = ts.curl(extra + ["-l", ts.curl_url(server, "/cdir/", implicit=implicit)])
        t.ok(rc == 0 and out.split() == ["inner.txt"], "%s NLST of /cdir/" % label,
             out[-300:] + err[-300:])
        t.ok(not ts.client_trouble(err), "%s listings: no TLS error printed" % label, err)
        no_problems(server, mark, label)
        log = ts.session_log(server, mark)
        t.ok(re.search(r"\] PROT P 200$", log, re.M) and
             (implicit or re.search(r"\] AUTH (TLS|SSL) 234$", log, re.M)),
             "%s: the sessions were TLS with PROT P" % label)
        for n in ("curl.bin", "curl-up.bin", "curl-res.bin"):
            os.unlink(server.path(n))

    # Active mode (curl connects nothing; ftpsd connects to curl's port).
    if ts.curl_version() < (8, 0, 0):
        # curl 7.87-7.88 never start TLS on an accepted (active) data
        # connection: curl issue 10666, fixed in curl 8.0.0.
        ts.skip(t, "curl %s cannot do active FTPS: it never starts TLS on the accepted data "
                "connection (curl issue 10666, fixed in 8.0.0)" % ".".join(map(str, ts.curl_version())))
    else:
        e.put("curl.bin", data)
        mark = e.mark()
        out_path = local("curl-active.bin")
        rc, out, err = ts.curl(["--ssl-reqd", "--ftp-port", "127.0.0.1",
                                ts.curl_url(e, "/curl.bin"), "-o", out_path])
        tool_clean(rc, out, err, "curl --ftp-port (active) PROT P download")
        t.ok(os.path.exists(out_path) and ft.sha256_file(out_path) == ft.sha256(data),
             "curl active download byte-exact")
        rc, out, err = ts.curl(["--ssl-reqd", "--ftp-port", "127.0.0.1", "-T", out_path,
                                ts.curl_url(e, "/curl-active-up.bin")])
        tool_clean(rc, out, err, "curl --ftp-port (active) PROT P upload")
        t.ok(os.path.exists(e.path("curl-active-up.bin")) and
             ft.sha256_file(e.path("curl-active-up.bin")) == ft.sha256(data),
             "curl active upload byte-exact")
        rc, out, err = ts.curl(["--ssl-reqd", "--ftp-port", "127.0.0.1", ts.curl_url(e, "/")])
        t.ok(rc == 0 and "curl.bin" in out, "curl active LIST", err)
        t.ok(re.search(r"\] (PORT|EPRT) .* 200$", e.log(mark), re.M),
             "curl used active mode")
        no_problems(e, mark, "curl active")


def case_curl_upload_race(e, n=20):
    rng = random.Random(1313)
    bad = []
    mark = e.mark()
    t0 = time.monotonic()
    for i in range(n):
        size = rng.randint(MiB, 4 * MiB)
        path = local("race-%d.bin" % i)
        ft.write_file(path, ft.random_bytes(size, 2000 + i))
        rc, out, err = ts.curl(["--ssl-reqd", "-T", path, ts.curl_url(e, "/race-%d.bin" % i)],
                               tls13=True)
        if rc != 0 or ts.client_trouble(err):
            bad.append("upload %d (%d bytes): rc %d %s" % (i, size, rc, err.strip()[-200:]))
        elif ft.sha256_file(e.path("race-%d.bin" % i)) != ft.sha256_file(path):
            bad.append("upload %d (%d bytes): stored %d bytes, hash differs" %
                       (i, size, os.path.getsize(e.path("race-%d.bin" % i))))
        os.unlink(path)
    dt = time.monotonic() - t0
    t.ok(not bad, "curl TLS 1.3: %d uploads of 1-4 MiB, each byte-exact (%.1f s)" % (n, dt),
         "\n".join(bad))
    log = ts.session_log(e, mark)
    t.is_eq(len(re.findall(r"TLS established with 127\.0\.0\.1: TLS1\.3", log)), n,
            "curl upload race: all %d sessions TLS 1.3" % n)
    no_problems(e, mark, "curl upload race")
    for i in range(n):
        try:
            os.unlink(e.path("race-%d.bin" % i))
        except OSError:
            pass


# ------------------------------------------------------------------ lftp

def case_lftp(e, imp):
    data = ft.random_bytes(2 * MiB + 5, 41)
    dl = local("lftp-dl")
    os.makedirs(dl, exist_ok=True)
    for server, implicit, label in ((e, False, "lftp ftp:ssl-force"), (imp, True, "lftp ftps://")):
        server.put("lftp.bin", data)
        src = local("lftp-up-%d.bin" % implicit)
        ft.write_file(src, data)
        mark = server.mark()
        rc, out, err = ts.lftp(server, ["ls", "get lftp.bin -o %s/lftp-%d.bin" % (dl, implicit),
                                        "put %s -o lftp-up.bin" % src], implicit=implicit)
        tool_clean(rc, out, err, "%s ls, get, put" % label)
        t.like(out, r"(?m) lftp\.bin$", "%s ls shows the file" % label)
        t.ok(ft.sha256_file(os.path.join(dl, "lftp-%d.bin" % implicit)) == ft.sha256(data),
             "%s get byte-exact" % label)
        t.ok(os.path.exists(server.path("lftp-up.bin")) and
             ft.sha256_file(server.path("lftp-up.bin")) == ft.sha256(data),
             "%s put byte-exact" % label)
        # Active mode.
        rc, out, err = ts.lftp(server, ["get lftp.bin -o %s/lftp-act-%d.bin" % (dl, implicit),
                                        "put %s -o lftp-act-up.bin" % src],
                               implicit=implicit, settings=["set ftp:passive-mode off"])
        tool_clean(rc, out, err, "%s active mode get, put" % label)
        t.ok(ft.sha256_file(os.path.join(dl, "lftp-act-%d.bin" % implicit)) == ft.sha256(data),
             "%s active get byte-exact" % label)
        t.ok(os.path.exists(server.path("lftp-act-up.bin")) and
             ft.sha256_file(server.path("lftp-act-up.bin")) == ft.sha256(data),
             "%s active put byte-exact" % label)
        log = ts.session_log(server, mark)
        t.ok(re.search(r"\] PROT P 200$", log, re.M) and re.search(r"\] PORT .* 200$", log, re.M),
             "%s: PROT P, and PORT for active mode" % label)
        no_problems(server, mark, label)


def case_lftp_mirror(e):
    tree = local("tree-src")
    files = ts.make_tree(tree, 50)
    for server, implicit, label in ((e, False, "lftp"),):
        mark = server.mark()
        up = "up-tree"
        rc, out, err = ts.lftp(server, ["mirror -R %s %s" % (tree, up)], implicit=implicit)
        tool_clean(rc, out, err, "%s mirror -R of %d files" % (label, len(files)))
        want = ts.tree_digest(tree)
        t.is_eq(ts.tree_digest(server.path(up)), want,
                "%s mirror -R: the server tree is byte-identical" % label)
        down = local("tree-down-%d" % implicit)
        rc, out, err = ts.lftp(server, ["mirror %s %s" % (up, down)], implicit=implicit)
        tool_clean(rc, out, err, "%s mirror (download) of %d files" % (label, len(files)))
        t.is_eq(ts.tree_digest(down), want, "%s mirror: the local copy is byte-identical" % label)
        t.is_eq(ft.upload_temps(server.path(up)), [], "%s mirror: no temporary files" % label)
        no_problems(server, mark, "%s mirror" % label)
        shutil.rmtree(server.path(up), ignore_errors=True)


def case_lftp_upload_race(e, n=20):
    rng = random.Random(2727)
    src = local("lftp-race")
    os.makedirs(src, exist_ok=True)
    sums = {}
    for i in range(n):
        data = ft.random_bytes(rng.randint(MiB, 4 * MiB), 3000 + i)
        ft.write_file(os.path.join(src, "lr-%d.bin" % i), data)
        sums[i] = ft.sha256(data)
    mark = e.mark()
    t0 = time.monotonic()
    rc, out, err = ts.lftp(e, ["put %s/lr-%d.bin -o lr-%d.bin" % (src, i, i) for i in range(n)],
                           timeout=150)
    dt = time.monotonic() - t0
    tool_clean(rc, out, err, "lftp %d uploads of 1-4 MiB (%.1f s)" % (n, dt))
    bad = ["lr-%d.bin" % i for i in range(n)
           if not os.path.exists(e.path("lr-%d.bin" % i)) or
           ft.sha256_file(e.path("lr-%d.bin" % i)) != sums[i]]
    t.ok(not bad, "lftp TLS 1.3: every upload byte-exact", " ".join(bad))
    t.like(e.log(mark), r"TLS established with 127\.0\.0\.1: TLS1\.3", "lftp used TLS 1.3")
    no_problems(e, mark, "lftp upload race")
    for i in range(n):
        try:
            os.unlink(e.path("lr-%d.bin" % i))
        except OSError:
            pass


# ------------------------------------------------------------------ main

def main():
    servers = []
    try:
        # e and d turn off what a certificate requires by default: their
        # cases try clear data and plaintext logins.
        e = ts.tls_server(TLS_REQUIRE="0", TLS_REQUIRE_DATA="0", DATA_TIMEOUT="20")
        imp = ts.tls_server(TLS_IMPLICIT="1", DATA_TIMEOUT="20")
        d = ts.tls_server(TLS_REQUIRE="0", TLS_REQUIRE_DATA="1", DATA_TIMEOUT="20")
        n = ts.tls_server(TLS_REQUIRE_REUSE="0", DATA_TIMEOUT="20")
        quick = ts.tls_server(DATA_TIMEOUT="2")
        for srv in (e, imp, d, n, quick):
            servers.append(srv)
            srv.start()
    except Exception as x:  # noqa: BLE001
        t.ok(False, "servers start: %s" % x)
        t.done()
    have_curl, have_lftp = ft.have_tool("curl"), ft.have_tool("lftp")
    t.case("python explicit and implicit, TLS 1.2 and 1.3", case_python, e, imp)
    t.case("python 16 MiB", case_python_16mib, e)
    t.case("idle memory after transfers", case_idle_memory, e)
    t.case("unsent queue of a stalled download", case_unsent_queue, e)
    t.case("PASV/EPSV/PORT/EPRT with PROT P", case_raw_modes, e)
    t.case("STAT and ABOR during protected transfers", case_abort_stat, e)
    t.case("reply latency of small transfers", case_reply_latency, e)
    t.case("session reuse required", case_reuse_required, e)
    t.case("TLS 1.2 session ID cache", case_session_id_cache, e)
    t.case("another connection's session", case_foreign_session, e)
    t.case("session reuse not required", case_reuse_not_required, n)
    t.case("FTPSD_TLS_REQUIRE_DATA", case_require_data, d, e)
    t.case("data TLS handshake failures", case_data_handshake_failure, e, quick)
    t.case("truncated TLS upload", case_truncated_upload, e)
    t.case("long python session", case_long_python, e)
    if have_curl:
        t.case("curl", case_curl, e, imp)
        t.case("curl upload race", case_curl_upload_race, e)
        t.case("curl many URLs", case_long_curl, e)
    else:
        ts.skip(t, "curl not installed")
    if have_lftp:
        t.case("lftp", case_lftp, e, imp)
        t.case("lftp mirror", case_lftp_mirror, e)
        t.case("lftp upload race", case_lftp_upload_race, e)
        t.case("lftp long session", case_long_lftp, e)
    else:
        ts.skip(t, "lftp not installed")
    for srv in servers:
        srv.stop()
    ft.check_sanitizer_reports(t)
    cleanup_work()
    t.done()


main()
