#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""FTPS control channel (RFC 4217): AUTH, PBSZ, PROT, CCC, FEAT, the
TLS-required policy, implicit TLS, STARTTLS injection, handshake failures,
protocol versions and the end of a TLS session."""

import os
import re
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()
ALICE = ts.ALICE


def log_lines(server, pid, since=0):
    return [l for l in server.log(since).splitlines() if l.startswith("ftpsd[%d]:" % pid)]


def last_pid(server, since):
    pids = ft.wait_until(lambda: server.session_pids(since), 5)
    return pids[-1] if pids else None


def next_client_works(server, implicit, what):
    """The listener still serves: a fresh TLS client gets in."""
    try:
        c = ts.connect_tls(server, implicit=implicit, protect=False)
        r = c.cmd("NOOP")
        c.quit()
        t.code(r, 200, "%s: the next client is served" % what)
    except Exception as e:  # noqa: BLE001
        t.ok(False, "%s: the next client is served" % what, "%s: %s" % (type(e).__name__, e))


# ------------------------------------------------------------------ FEAT

def case_feat(s, plain):
    with plain.connect() as c:
        r = c.cmd("FEAT")
        t.code(r, 211, "FEAT without TLS configured")
        t.unlike(r[1], r"(?m)^ AUTH\b", "no TLS configured: FEAT does not list AUTH")
        t.unlike(r[1], r"(?m)^ (PBSZ|PROT)\b", "no TLS configured: FEAT lists no PBSZ or PROT")
        t.like(r[1], r"(?m)^ EPSV$", "FEAT without TLS still lists the rest (EPSV)")
    with s.connect() as c:
        r = c.cmd("FEAT")
        t.code(r, 211, "FEAT with TLS configured")
        t.like(r[1], r"(?m)^ AUTH TLS$", "FEAT lists AUTH TLS")
        t.like(r[1], r"(?m)^ PBSZ$", "FEAT lists PBSZ")
        t.like(r[1], r"(?m)^ PROT$", "FEAT lists PROT")
    c = ts.TLSCtl(s.host, s.port)
    try:
        t.code(c.auth(), 234, "AUTH TLS before FEAT over TLS")
        r = c.cmd("FEAT")
        t.code(r, 211, "FEAT over TLS")
        t.like(r[1], r"(?m)^ PBSZ$", "FEAT over TLS lists PBSZ")
        t.like(r[1], r"(?m)^ PROT$", "FEAT over TLS lists PROT")
    finally:
        c.quit()


# ------------------------------------------------------------------ AUTH

def case_auth_mechanisms(s):
    for mech in ("TLS", "SSL", "TLS-C", "tls"):
        mark = s.mark()
        c = ts.TLSCtl(s.host, s.port)
        try:
            r = c.auth(mech)
            t.code(r, 234, "AUTH %s" % mech)
            t.ok(c.tls and c.sock.version() in ("TLSv1.2", "TLSv1.3"),
                 "AUTH %s: the TLS handshake completes (%s)" % (mech, c.tls and c.sock.version()))
            t.code(c.cmd("NOOP"), 200, "AUTH %s: NOOP over TLS" % mech)
            t.code(c.login(ALICE.name, ALICE.password), 230, "AUTH %s: login over TLS" % mech)
        finally:
            c.quit()
        t.ok(s.wait_log(r"TLS established with 127\.0\.0\.1: TLS1\.[23], ", 5, mark),
             "AUTH %s: the log says TLS established, with version and peer" % mech)
    with s.connect() as c:
        for arg, code in (("GSSAPI", 504), ("KERBEROS_V4", 504), ("TLS-P", 504), ("SSLv3", 504)):
            t.code(c.cmd("AUTH " + arg), code, "AUTH %s (unknown mechanism)" % arg)
        t.code(c.cmd("AUTH"), 501, "AUTH without argument")
        t.code(c.cmd("NOOP"), 200, "after refused AUTH the plain session goes on")
        t.code(c.login(ALICE.name, ALICE.password), 230,
               "after refused AUTH a plaintext login works (TLS not required)")


def case_auth_without_tls(plain):
    with plain.connect() as c:
        t.code(c.cmd("AUTH TLS"), 431, "AUTH TLS without TLS configured")
        t.code(c.cmd("AUTH SSL"), 431, "AUTH SSL without TLS configured")
        t.code(c.cmd("AUTH GSSAPI"), 504, "AUTH GSSAPI without TLS configured")
        t.code(c.cmd("PBSZ 0"), 503, "PBSZ without TLS configured")
        t.code(c.cmd("PROT P"), 503, "PROT without TLS configured")
        t.code(c.cmd("NOOP"), 200, "the session goes on in plaintext")
        t.code(c.login(ALICE.name, ALICE.password), 230, "plaintext login on a server without TLS")


def case_auth_twice(s):
    c = ts.connect_tls(s, login=False, protect=False)
    try:
        t.code(c.cmd("AUTH TLS"), 503, "AUTH TLS on a TLS connection")
        t.code(c.cmd("AUTH SSL"), 503, "AUTH SSL on a TLS connection")
        t.code(c.cmd("NOOP"), 200, "the TLS session goes on after a refused second AUTH")
        c.login(ALICE.name, ALICE.password)
        t.code(c.cmd("AUTH TLS"), 503, "AUTH TLS on a TLS connection after login")
    finally:
        c.quit()


def case_auth_after_login(s):
    with s.connect() as c:
        t.code(c.login(ALICE.name, ALICE.password), 230, "plaintext login")
        r = c.cmd("AUTH TLS")
        t.code(r, 534, "AUTH TLS after a plaintext login")
        t.code(c.cmd("PWD"), 257, "the plaintext session goes on after AUTH was refused")
        t.code(c.cmd("PBSZ 0"), 503, "PBSZ on that plaintext session")


def case_auth_restarts_login(s):
    c = ts.TLSCtl(s.host, s.port)
    try:
        t.code(c.cmd("USER " + ALICE.name), 331, "USER in plaintext")
        t.code(c.auth(), 234, "AUTH TLS between USER and PASS")
        t.code(c.cmd("PASS " + ALICE.password), 503,
               "PASS after AUTH: the plaintext USER was forgotten (RFC 4217 section 4)")
        t.code(c.login(ALICE.name, ALICE.password), 230, "USER and PASS again over TLS")
    finally:
        c.quit()


# ------------------------------------------------------------------ PBSZ / PROT / CCC

def case_pbsz_prot(s):
    with s.connect() as c:
        t.code(c.cmd("PBSZ 0"), 503, "PBSZ before AUTH")
        t.code(c.cmd("PROT P"), 503, "PROT P before AUTH")
        t.code(c.cmd("PROT C"), 503, "PROT C before AUTH")
        t.code(c.cmd("CCC"), 534, "CCC before AUTH")
    c = ts.connect_tls(s, login=False, protect=False)
    try:
        t.code(c.cmd("PROT P"), 503, "PROT P after AUTH but before PBSZ")
        t.code(c.cmd("PROT C"), 503, "PROT C after AUTH but before PBSZ")
        t.code(c.cmd("PBSZ"), 501, "PBSZ without argument")
        t.code(c.cmd("PBSZ abc"), 501, "PBSZ abc")
        t.code(c.cmd("PBSZ -1"), 501, "PBSZ -1")
        r = c.cmd("PBSZ 0")
        t.like(r[1], r"^200 PBSZ=0$", "PBSZ 0 -> 200 PBSZ=0")
        r = c.cmd("PBSZ 16384")
        t.like(r[1], r"^200 PBSZ=0$", "PBSZ 16384 -> 200 PBSZ=0 (TLS has no buffer size)")
        t.code(c.cmd("PROT S"), 536, "PROT S")
        t.code(c.cmd("PROT E"), 536, "PROT E")
        t.code(c.cmd("PROT X"), 504, "PROT X")
        t.code(c.cmd("PROT"), 501, "PROT without argument")
        t.code(c.cmd("PROT C"), 200, "PROT C")
        t.code(c.cmd("PROT P"), 200, "PROT P")
        t.code(c.cmd("prot p"), 200, "prot p (lower case)")
        c.prot_p = True
        t.code(c.cmd("CCC"), 534, "CCC over TLS (refused by policy)")
        t.code(c.cmd("NOOP"), 200, "the control connection is still TLS after CCC was refused")
        t.code(c.login(ALICE.name, ALICE.password), 230, "login after PBSZ/PROT before login")
        t.code(c.cmd("CCC"), 534, "CCC after login")
        r = c.retr("LIST")
        t.ok(r[2] is not None and r[2][0] == 226 and c.data_resumed[-1:] == [True],
             "PROT P given before login still protects the data connection", repr(r[2]))
    finally:
        c.quit()


# ------------------------------------------------------------------ injection

def case_pipelined_after_auth(s):
    # The client pipelines USER after AUTH TLS in the same write: those
    # bytes are plaintext an attacker could have injected; never run them.
    mark = s.mark()
    c = ts.TLSCtl(s.host, s.port)
    try:
        c.send(b"AUTH TLS\r\nUSER alice\r\n")
        r = c.reply()
        t.code(r, 234, "AUTH TLS with USER pipelined behind it")
        handshake = None
        try:
            if c.rbuf:
                raise ft.ProtocolError("a reply after 234 in plaintext: %r" % c.rbuf)
            c.wrap()
            handshake = True
        except (ssl.SSLError, OSError, ft.ProtocolError) as e:
            handshake = e
        t.ok(handshake is True, "the handshake after the discarded pipelined bytes succeeds",
             repr(handshake))
        if handshake is True:
            r = c.cmd("PASS " + ALICE.password)
            t.code(r, 503, "PASS over TLS: the pipelined USER was not executed")
            t.code(c.cmd("PWD"), 530, "not logged in after the injection")
    finally:
        c.close()
    pid = last_pid(s, mark)
    ft.wait_until(lambda: s.child_exit(pid, 0.1, mark) is not None, 5)
    lines = log_lines(s, pid, mark)
    t.ok(not any(re.search(r"\] USER alice", l) for l in lines),
         "the log shows no USER run from the pipelined plaintext", "\n".join(lines))

    # Even a whole login pipelined after AUTH is dropped.
    mark = s.mark()
    c = ts.TLSCtl(s.host, s.port)
    try:
        c.send(b"AUTH TLS\r\nUSER alice\r\nPASS " + ALICE.password.encode() + b"\r\nDELE x\r\n")
        t.code(c.reply(), 234, "AUTH TLS with USER, PASS and DELE pipelined")
        c.wrap()
        t.code(c.cmd("PWD"), 530, "the pipelined login did not happen")
        t.code(c.cmd("NOOP"), 200, "the TLS session is usable")
    finally:
        c.quit()
    pid = last_pid(s, mark)
    ft.wait_until(lambda: s.child_exit(pid, 0.1, mark) is not None, 5)
    lines = log_lines(s, pid, mark)
    t.ok(not any(re.search(r"\] (USER|PASS|DELE)\b", l) for l in lines),
         "none of the pipelined commands appears in the log", "\n".join(lines))

    # Plaintext sent after 234 but before the ClientHello: the handshake
    # fails, and the command is not executed either.
    mark = s.mark()
    c = ts.TLSCtl(s.host, s.port)
    try:
        t.code(c.cmd("AUTH TLS"), 234, "AUTH TLS, then a plaintext command instead of TLS")
        c.send(b"USER alice\r\n")
        time.sleep(0.2)
        failed, detail = False, ""
        try:
            c.wrap()
            c.cmd("NOOP")
            detail = "handshake and NOOP worked"
        except (ssl.SSLError, OSError, EOFError, ft.ProtocolError) as e:
            failed, detail = True, repr(e)
        t.ok(failed, "the handshake fails when plaintext precedes the ClientHello", detail)
    finally:
        c.close()
    t.ok(s.wait_log(r"TLS handshake failed: .*\(peer 127\.0\.0\.1\)", 5, mark),
         "the log says TLS handshake failed, with the peer address")
    pid = last_pid(s, mark)
    code = s.child_exit(pid, 5, mark) if pid else None
    t.is_eq(code, 1, "the session exits with status 1 after the failed handshake")
    lines = log_lines(s, pid, mark) if pid else []
    t.ok(not any(re.search(r"\] USER alice", l) for l in lines),
         "the plaintext USER after 234 was not executed", "\n".join(lines))


# ------------------------------------------------------------------ garbage

def case_garbage_after_234(s):
    for what, junk in (("random bytes", ft.random_bytes(517, 4217)),
                       ("an HTTP request", b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                       ("a TLS record header with a huge length", b"\x16\x03\x01\xff\xff" + b"\x00" * 64)):
        mark = s.mark()
        with s.connect() as c:
            t.code(c.cmd("AUTH TLS"), 234, "AUTH TLS, then %s" % what)
            c.send(junk)
            closed = c.wait_closed(10)
            t.ok(closed, "%s instead of a ClientHello: the server closes the connection" % what)
            t.unlike(c.rbuf.decode("latin-1"), r"\d\d\d ",
                     "%s: no plaintext FTP reply after 234" % what)
        t.ok(s.wait_log(r"TLS handshake failed: .*\(peer 127\.0\.0\.1\)", 5, mark),
             "%s: logged as TLS handshake failed with the peer" % what)
        pid = last_pid(s, mark)
        t.is_eq(s.child_exit(pid, 5, mark) if pid else None, 1,
                "%s: the process exits with status 1 (no crash)" % what)
    next_client_works(s, False, "after garbage ClientHellos")


def case_handshake_timeout(slow):
    mark = slow.mark()
    t0 = time.monotonic()
    with slow.connect() as c:
        t.code(c.cmd("AUTH TLS"), 234, "AUTH TLS, then silence")
        closed = c.wait_closed(12)
        dt = time.monotonic() - t0
        t.ok(closed and dt < 10, "a client that never sends a ClientHello is dropped "
             "after FTPSD_LOGIN_TIMEOUT=2 (%.1f s)" % dt)
    t.ok(slow.wait_log(r"TLS handshake timed out \(peer 127\.0\.0\.1\)", 5, mark),
         "the log says TLS handshake timed out")
    pid = last_pid(slow, mark)
    t.is_eq(slow.child_exit(pid, 5, mark) if pid else None, 1,
            "the timed-out session exits with status 1")


# ------------------------------------------------------------------ FTPSD_TLS_REQUIRE

def case_tls_require(req, s):
    with req.connect() as c:
        t.code(c.greeting, 220, "FTPSD_TLS_REQUIRE=1: greeting in plaintext")
        for cmd in ("USER alice", "PASS " + ALICE.password, "PWD", "CWD /", "LIST", "PASV",
                    "EPSV", "TYPE I", "SIZE x", "RETR x", "STOR x", "MKD d", "PBSZ 0",
                    "PROT P", "OPTS UTF8 ON", "REIN", "ACCT x", "STAT", "CCC", "SITE x"):
            r = c.cmd(cmd)
            shown = "PASS ****" if cmd.startswith("PASS") else cmd
            if cmd == "SITE x":
                t.code(r, (500, 534), "FTPSD_TLS_REQUIRE=1: %s before TLS" % shown)
            else:
                t.code(r, 534, "FTPSD_TLS_REQUIRE=1: %s before TLS" % shown)
        for cmd, code in (("FEAT", 211), ("HELP", 214), ("NOOP", 200), ("SYST", 215),
                          ("HOST localhost", 220)):
            t.code(c.cmd(cmd), code, "FTPSD_TLS_REQUIRE=1: %s allowed before TLS" % cmd)
        t.code(c.cmd("QUIT"), 221, "FTPSD_TLS_REQUIRE=1: QUIT allowed before TLS")
    t.unlike(req.log(), r"\] USER alice 331", "no USER was accepted in plaintext")
    t.unlike(req.log(), re.escape(ALICE.password), "the refused PASS is not in the log")

    # A plaintext client cannot log in.
    import ftplib
    f = ftplib.FTP(timeout=ft.CTL_TIMEOUT)
    try:
        f.connect(req.host, req.port)
        err = None
        try:
            f.login(ALICE.name, ALICE.password)
        except ftplib.error_perm as e:
            err = str(e)
        t.like(err or "", r"^534", "FTPSD_TLS_REQUIRE=1: ftplib.FTP (plaintext) login -> 534")
    finally:
        ts.close_quietly(f)

    # With TLS the same server is complete.
    c = ts.TLSCtl(req.host, req.port)
    try:
        t.code(c.auth(), 234, "FTPSD_TLS_REQUIRE=1: AUTH TLS")
        t.code(c.login(ALICE.name, ALICE.password), 230, "FTPSD_TLS_REQUIRE=1: login over TLS")
        t.code(c.protect(), 200, "FTPSD_TLS_REQUIRE=1: PBSZ and PROT over TLS")
        t.code(c.cmd("PWD"), 257, "FTPSD_TLS_REQUIRE=1: PWD over TLS")
        req.put("req.bin", b"required" * 100)
        r = c.retr("RETR req.bin")
        t.ok(r[1] == b"required" * 100 and r[2][0] == 226,
             "FTPSD_TLS_REQUIRE=1: RETR over TLS", repr(r[0]) + repr(r[2]))
    finally:
        c.quit()
    f = ts.ftp_explicit(req)
    try:
        t.is_eq(ts.ftp_get(f, "req.bin"), b"required" * 100,
                "FTPSD_TLS_REQUIRE=1: ftplib FTP_TLS (session reuse) RETR")
    finally:
        f.quit()

    # FTPSD_TLS_REQUIRE=0: plaintext login on a TLS server.
    with s.connect() as c:
        t.code(c.login(ALICE.name, ALICE.password), 230,
               "FTPSD_TLS_REQUIRE=0: plaintext login allowed")
        t.code(c.cmd("PWD"), 257, "FTPSD_TLS_REQUIRE=0: plaintext commands allowed")


# ------------------------------------------------------------------ implicit

def case_implicit(imp):
    imp.put("imp.bin", ft.random_bytes(300000, 990))
    mark = imp.mark()
    c = ts.TLSCtl(imp.host, imp.port, implicit=True)
    try:
        t.ok(c.tls, "implicit: TLS before the greeting")
        t.code(c.greeting, 220, "implicit: 220 greeting over TLS")
        t.code(c.cmd("AUTH TLS"), 503, "implicit: AUTH TLS on the TLS connection")
        t.code(c.login(ALICE.name, ALICE.password), 230, "implicit: login")
        r = c.retr("RETR imp.bin")
        t.ok(r[2] is not None and r[2][0] == 226 and r[1] == ft.read_file(imp.path("imp.bin")),
             "implicit: RETR without PBSZ/PROT is protected (data defaults to PROT P)",
             repr(r[2]))
        t.is_eq(c.data_resumed, [True], "implicit: the data connection resumed the session")
        t.code(c.cmd("PBSZ 0"), 200, "implicit: PBSZ 0 still accepted")
        t.code(c.cmd("PROT P"), 200, "implicit: PROT P still accepted")
        r = c.retr("LIST")
        t.ok(r[2] is not None and r[2][0] == 226 and b"imp.bin" in (r[1] or b""),
             "implicit: LIST after PBSZ/PROT", repr(r[2]))
    finally:
        c.quit()
    t.ok(imp.wait_log(r"TLS established with 127\.0\.0\.1", 5, mark), "implicit: logged TLS")

    f = ts.ftp_implicit(imp)
    try:
        t.is_eq(ts.ftp_get(f, "imp.bin"), ft.read_file(imp.path("imp.bin")),
                "implicit: ftplib (implicit subclass) RETR without PBSZ/PROT")
        f.prot_p()
        t.is_eq(ts.ftp_get(f, "imp.bin"), ft.read_file(imp.path("imp.bin")),
                "implicit: ftplib RETR after PBSZ 0 / PROT P")
        t.ok(f.data_resumed == [True, True], "implicit: both data connections resumed",
             repr(f.data_resumed))
    finally:
        f.quit()

    # A plaintext client sees no greeting, and is dropped at the login timeout.
    mark = imp.mark()
    s = socket.create_connection((imp.host, imp.port), timeout=1.0)
    try:
        got = b""
        try:
            got = s.recv(100)
        except socket.timeout:
            pass
        t.is_eq(got, b"", "implicit: no plaintext greeting for a plaintext client")
    finally:
        s.close()

    # HTTP (or anything) instead of a ClientHello.
    mark = imp.mark()
    s = socket.create_connection((imp.host, imp.port), timeout=10)
    got = b""
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except (socket.timeout, ConnectionResetError):
            pass
    finally:
        s.close()
    t.ok(b"220" not in got and b"HTTP" not in got,
         "implicit: an HTTP request gets no FTP or HTTP answer", repr(got[:80]))
    t.ok(imp.wait_log(r"TLS handshake failed: .*\(peer 127\.0\.0\.1\)", 5, mark),
         "implicit: HTTP request logged as TLS handshake failed with the peer")
    pid = last_pid(imp, mark)
    t.is_eq(imp.child_exit(pid, 5, mark) if pid else None, 1,
            "implicit: that session exits with status 1")
    next_client_works(imp, True, "implicit after an HTTP request")


def case_implicit_silent(imp):
    mark = imp.mark()
    t0 = time.monotonic()
    s = socket.create_connection((imp.host, imp.port), timeout=12)
    try:
        got = b""
        try:
            while True:
                b = s.recv(100)
                if not b:
                    break
                got += b
        except (socket.timeout, ConnectionResetError):
            pass
        dt = time.monotonic() - t0
    finally:
        s.close()
    t.ok(dt < 10 and b"220" not in got,
         "implicit: a silent client is dropped at FTPSD_LOGIN_TIMEOUT (%.1f s)" % dt)
    t.ok(imp.wait_log(r"TLS handshake timed out \(peer 127\.0\.0\.1\)", 5, mark),
         "implicit: silent client logged as TLS handshake timed out")


# ------------------------------------------------------------------ end of session

def case_session_end(s):
    mark = s.mark()
    c = ts.connect_tls(s, protect=False)
    try:
        t.code(c.cmd("QUIT"), 221, "QUIT over TLS")
        how = c.wait_tls_end(5)
        t.is_eq(how, "close_notify", "after QUIT the server ends TLS with close_notify")
    finally:
        c.close()
    pid = last_pid(s, mark)
    t.is_eq(s.child_exit(pid, 5, mark) if pid else None, 0, "a TLS session that QUITs exits 0")
    t.ok(s.wait_log(r"^ftpsd\[%d\]: session end \(TLS1\.3" % pid, 5, mark),
         "session end is logged with the TLS version")
    t.unlike(ts.session_log(s, mark), r"without TLS close_notify",
             "no missing-close_notify line for a clean QUIT")
    t.unlike(s.log(), re.escape(ALICE.password), "the password is not in the log")

    mark = s.mark()
    c = ts.connect_tls(s, protect=False)
    c.drop()
    t.ok(s.wait_log(r"control connection closed without TLS close_notify", 5, mark),
         "a client that drops the TCP connection: logged without TLS close_notify")
    pid = last_pid(s, mark)
    t.ok(pid is not None and s.child_exit(pid, 5, mark) is not None,
         "that session ends by itself")

    # The client sends close_notify itself (no QUIT): no complaint.
    mark = s.mark()
    c = ts.connect_tls(s, protect=False)
    try:
        c.sock.unwrap()
    except (OSError, ValueError):
        pass
    c.close()
    pid = last_pid(s, mark)
    code = s.child_exit(pid, 5, mark) if pid else None
    t.ok(code is not None, "a client's close_notify ends the session")
    t.unlike(ts.session_log(s, mark), r"without TLS close_notify",
             "a client's close_notify is not logged as missing")

    # Idle timeout over TLS: 421, then close_notify.
    # (covered by the plaintext tests for the reply; here only TLS's end)


# ------------------------------------------------------------------ versions

def s_client(port, extra, stdin=b"QUIT\n"):
    try:
        p = subprocess.run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                            "127.0.0.1:%d" % port, "-crlf", "-ign_eof",
                            "-CAfile", ts.certs().server_ca] + extra,
                           input=stdin, capture_output=True, timeout=20)
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "timeout"


def case_versions(s):
    if not ft.have_tool("openssl"):
        ts.skip(t, "openssl not installed")
        return
    mark = s.mark()
    rc, out = s_client(s.port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
    t.ok(rc not in (0, None) and "221 Goodbye" not in out, "openssl s_client -tls1_1 fails",
         out[-600:])
    t.like(out, r"alert protocol version", "TLS 1.1: the server answers with a protocol version alert")
    t.ok(s.wait_log(r"TLS handshake failed: .*\(peer 127\.0\.0\.1\)", 5, mark),
         "TLS 1.1 attempt logged as a failed handshake")

    rc, out = s_client(s.port, ["-verify_return_error"])
    t.ok(rc == 0 and re.search(r"New, TLSv1\.3, Cipher is TLS_", out) and "221 Goodbye" in out,
         "openssl s_client -starttls ftp: TLS 1.3 negotiated, QUIT answered", out[-800:])
    t.like(out, r"Verify return code: 0 \(ok\)", "s_client verifies the server certificate")

    rc, out = s_client(s.port, ["-tls1_2"])
    m = re.search(r"New, TLSv1\.2, Cipher is (\S+)", out)
    t.ok(rc == 0 and m and "221 Goodbye" in out, "openssl s_client -tls1_2 works", out[-600:])
    t.ok(m and re.match(r"ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$", m.group(1)),
         "TLS 1.2 cipher is ECDHE with an AEAD (%s)" % (m.group(1) if m else None))

    for cipher in ("ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA", "AES128-GCM-SHA256"):
        rc, out = s_client(s.port, ["-tls1_2", "-cipher", cipher])
        t.ok(rc != 0 and "221 Goodbye" not in out,
             "TLS 1.2 with only %s offered is refused" % cipher, out[-400:])

    # The same from Python's side.
    for maxv, want in ((ts.TLS12, "TLSv1.2"), (ts.TLS13, "TLSv1.3")):
        c = ts.connect_tls(s, ctx=ts.client_context(max_version=maxv), protect=False)
        try:
            cipher = c.sock.cipher()
            t.is_eq(c.sock.version(), want, "python client with maximum %s" % want)
            t.ok(want == "TLSv1.3" or ("ECDHE" in cipher[0] and
                                       re.search(r"GCM|CHACHA20", cipher[0])),
                 "%s cipher %s is ECDHE + AEAD" % (want, cipher[0]))
        finally:
            c.quit()

    if ft.have_tool("gnutls-cli"):
        try:
            p = subprocess.run(["gnutls-cli", "--x509cafile", ts.certs().server_ca,
                                "--starttls-proto=ftp", "-p", str(s.port), "127.0.0.1"],
                               input=b"QUIT\r\n", capture_output=True, timeout=20)
            out = (p.stdout + p.stderr).decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            out = "timeout"
        t.like(out, r"221 Goodbye", "gnutls-cli --starttls-proto=ftp: QUIT over TLS")
        try:
            p = subprocess.run(["gnutls-cli", "--x509cafile", ts.certs().server_ca,
                                "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.1",
                                "--starttls-proto=ftp", "-p", str(s.port), "127.0.0.1"],
                               input=b"QUIT\r\n", capture_output=True, timeout=20)
            out = (p.stdout + p.stderr).decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            out = "timeout"
        t.ok(p.returncode != 0 and "221 Goodbye" not in out, "gnutls-cli with TLS 1.1 only is refused",
             out[-400:])
    else:
        for name in ("gnutls-cli --starttls-proto=ftp: QUIT over TLS", "gnutls-cli with TLS 1.1 only is refused"):
            t.skip(name, "gnutls-cli not installed (package gnutls-bin)")


# ------------------------------------------------------------------ main

def main():
    servers = []
    try:
        # Plaintext logins on s are tested too: its requirement is off.
        s = ts.tls_server(TLS_REQUIRE="0")
        plain = ft.Server(users=ts.TLS_USERS)
        req = ts.tls_server(TLS_REQUIRE="1")
        imp = ts.tls_server(TLS_IMPLICIT="1", LOGIN_TIMEOUT="3")
        slow = ts.tls_server(LOGIN_TIMEOUT="2")
        for srv in (s, plain, req, imp, slow):
            servers.append(srv)
            srv.start()
    except Exception as e:  # noqa: BLE001
        t.ok(False, "servers start: %s" % e)
        t.done()
    t.case("FEAT", case_feat, s, plain)
    t.case("AUTH mechanisms", case_auth_mechanisms, s)
    t.case("AUTH without TLS configured", case_auth_without_tls, plain)
    t.case("AUTH twice", case_auth_twice, s)
    t.case("AUTH after login", case_auth_after_login, s)
    t.case("AUTH restarts the login", case_auth_restarts_login, s)
    t.case("PBSZ, PROT, CCC", case_pbsz_prot, s)
    t.case("pipelined plaintext after AUTH", case_pipelined_after_auth, s)
    t.case("garbage instead of a ClientHello", case_garbage_after_234, s)
    t.case("handshake timeout", case_handshake_timeout, slow)
    t.case("FTPSD_TLS_REQUIRE", case_tls_require, req, s)
    t.case("implicit TLS", case_implicit, imp)
    t.case("implicit TLS, silent client", case_implicit_silent, imp)
    t.case("end of a TLS session", case_session_end, s)
    t.case("protocol versions", case_versions, s)
    for srv in servers:
        srv.stop()
    ft.check_sanitizer_reports(t)
    t.done()


main()
