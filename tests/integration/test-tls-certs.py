#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Certificates: ftpsd --check of the TLS files, a session with unusable
TLS files, ECDSA and RSA server certificates, ALPN, SNI and HOST, client
certificates (none/request/require) and login by certificate (RFC 4217
section 6)."""

import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()
ALICE, BOB = ts.ALICE, ts.BOB
CERT_USERS = [ALICE, BOB, ts.CAROL_MAIL, ts.CAROL_DNS]


def last_pid(server, since):
    pids = ft.wait_until(lambda: server.session_pids(since), 5)
    return pids[-1] if pids else None


# ------------------------------------------------------------------ --check

CHECK_DIR = tempfile.mkdtemp(prefix="ftpsd-tls-check-")
os.chmod(CHECK_DIR, 0o755)   # --check opens FTPSD_ROOT as the run account


def check(**settings):
    """ftpsd --check with FTPSD_ROOT/FTPSD_ANONYMOUS valid plus settings
    (names without FTPSD_): (rc, stdout, stderr)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FTPSD_ROOT": CHECK_DIR,
           "FTPSD_ANONYMOUS": "1"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    if ft.run_user() is not None:   # as root, --check also checks the run account
        env["FTPSD_RUN_USER"] = ft.RUN_USER
    env.update({"FTPSD_" + k: v for k, v in settings.items()})
    p = subprocess.run([ft.FTPSD_BIN, "--check"], env=env, capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def case_check():
    c = ts.certs()
    for kind, cert, key in (("ECDSA", c.server_ec, c.server_ec_key),
                            ("RSA", c.server_rsa, c.server_rsa_key)):
        rc, out, err = check(TLS_CERT=cert, TLS_KEY=key)
        # The test PKI's leaf comes without its CA: a warning, nothing else.
        err = "\n".join(l for l in err.splitlines() if "without its chain" not in l)
        t.ok(rc == 0 and "configuration ok" in out and not err,
             "--check with a good %s certificate and key: exit 0" % kind, out + err)
    users = os.path.join(tempfile.mkdtemp(prefix="ftpsd-tls-users-"), "users")
    with open(users, "w") as f:
        f.write("alice:" + ft.password_hash("pw") + "\n")
    rc, out, err = check(TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_CA=c.client_ca,
                         TLS_CLIENT_CERT="require", TLS_CERT_LOGIN="1", USERS=users,
                         WRITE="0")   # CHECK_DIR is root's: no uploads there
    shutil.rmtree(os.path.dirname(users), ignore_errors=True)
    t.ok(rc == 0 and "configuration ok" in out, "--check with client CA, require, cert login: exit 0",
         out + err)

    def bad(what, want, **settings):
        rc, out, err = check(**settings)
        t.is_eq(rc, 1, "--check, %s: exit 1" % what)
        wants = want if isinstance(want, list) else [want]
        for w in wants:
            t.like(err, w, "--check, %s: names the problem (%s)" % (what, w))
        t.unlike(out, r"configuration ok", "--check, %s: does not say ok" % what)

    bad("expired certificate", re.escape("FTPSD_TLS_CERT=%s" % c.expired) + r".*expired",
        TLS_CERT=c.expired, TLS_KEY=c.expired_key)
    bad("certificate not valid yet", re.escape("FTPSD_TLS_CERT=%s" % c.not_yet) + r".*not valid yet",
        TLS_CERT=c.not_yet, TLS_KEY=c.not_yet_key)
    bad("key that does not match the certificate",
        re.escape("FTPSD_TLS_KEY=%s" % c.mismatch_key) + r".*(do not match|mismatch)",
        TLS_CERT=c.mismatch_cert, TLS_KEY=c.mismatch_key)
    bad("missing certificate file", re.escape("FTPSD_TLS_CERT=/nonexistent/cert.pem"),
        TLS_CERT="/nonexistent/cert.pem", TLS_KEY=c.server_ec_key)
    bad("missing key file", re.escape("FTPSD_TLS_KEY=/nonexistent/key.pem"),
        TLS_CERT=c.server_ec, TLS_KEY="/nonexistent/key.pem")
    bad("certificate file without a certificate", re.escape("FTPSD_TLS_CERT=%s" % c.empty),
        TLS_CERT=c.empty, TLS_KEY=c.server_ec_key)
    bad("a certificate given as the key", re.escape("FTPSD_TLS_KEY=%s" % c.alice[0]),
        TLS_CERT=c.server_ec, TLS_KEY=c.alice[0])
    bad("relative certificate path", r"FTPSD_TLS_CERT=server\.pem.*absolute",
        TLS_CERT="server.pem", TLS_KEY=c.server_ec_key)
    bad("certificate without key", r"FTPSD_TLS_CERT and FTPSD_TLS_KEY", TLS_CERT=c.server_ec)
    bad("key without certificate", r"FTPSD_TLS_CERT and FTPSD_TLS_KEY", TLS_KEY=c.server_ec_key)
    bad("FTPSD_TLS_REQUIRE without a certificate", r"FTPSD_TLS_REQUIRE", TLS_REQUIRE="1")
    bad("FTPSD_TLS_IMPLICIT without a certificate", r"FTPSD_TLS_IMPLICIT", TLS_IMPLICIT="1")
    bad("client certificates without a CA", r"FTPSD_TLS_CLIENT_CERT=require needs FTPSD_TLS_CA",
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_CLIENT_CERT="require")
    bad("cert login without client certificates", r"FTPSD_TLS_CERT_LOGIN",
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_CERT_LOGIN="1")
    bad("FTPSD_TLS_CLIENT_CERT=maybe", r"FTPSD_TLS_CLIENT_CERT=maybe",
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_CLIENT_CERT="maybe")
    bad("CA file without certificates", re.escape("FTPSD_TLS_CA=%s" % c.empty),
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_CA=c.empty, TLS_CLIENT_CERT="request")
    bad("missing CA file", re.escape("FTPSD_TLS_CA=/nonexistent/ca.pem"),
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_CA="/nonexistent/ca.pem",
        TLS_CLIENT_CERT="request")
    bad("invalid priority string", r"FTPSD_TLS_PRIORITY.*BOGUS",
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_PRIORITY="NORMAL:+BOGUS")
    bad("FTPSD_TLS_REQUIRE_REUSE=maybe", r"FTPSD_TLS_REQUIRE_REUSE=maybe",
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_REQUIRE_REUSE="maybe")

    # Every problem at once, not just the first.
    bad("expired certificate and client certificates without a CA",
        [r"FTPSD_TLS_CLIENT_CERT=require needs FTPSD_TLS_CA", r"expired"],
        TLS_CERT=c.expired, TLS_KEY=c.expired_key, TLS_CLIENT_CERT="require")
    bad("expired certificate with a key that does not match it",
        [r"expired", r"(do not match|mismatch)"],
        TLS_CERT=c.expired, TLS_KEY=c.server_rsa_key)
    bad("missing CA file and invalid priority string",
        [re.escape("FTPSD_TLS_CA=/nonexistent/ca.pem"), r"FTPSD_TLS_PRIORITY"],
        TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key, TLS_CA="/nonexistent/ca.pem",
        TLS_CLIENT_CERT="request", TLS_PRIORITY="NORMAL:+BOGUS")

    # An OCSP response that cannot be used costs the staple, not the service.
    rc, out, err = check(TLS_CERT=c.server_ec, TLS_KEY=c.server_ec_key,
                         TLS_OCSP="/nonexistent/ocsp.der")
    t.like(err, r"warning: FTPSD_TLS_OCSP=/nonexistent/ocsp\.der",
           "--check warns about an unreadable FTPSD_TLS_OCSP, naming it")


# ------------------------------------------------------------------ sessions with bad files

def case_bad_files_session():
    c = ts.certs()
    for what, env, want in (
            ("a key that does not match", {"FTPSD_TLS_CERT": c.mismatch_cert,
                                           "FTPSD_TLS_KEY": c.mismatch_key},
             r"configuration: FTPSD_TLS_CERT=.*(do not match|mismatch)"),
            ("a missing certificate file", {"FTPSD_TLS_CERT": "/nonexistent/cert.pem",
                                            "FTPSD_TLS_KEY": c.server_ec_key},
             r"configuration: FTPSD_TLS_CERT=/nonexistent/cert\.pem"),
            ("a missing CA file", {"FTPSD_TLS_CERT": c.server_ec, "FTPSD_TLS_KEY": c.server_ec_key,
                                   "FTPSD_TLS_CA": "/nonexistent/ca.pem",
                                   "FTPSD_TLS_CLIENT_CERT": "require"},
             r"configuration: FTPSD_TLS_CA=/nonexistent/ca\.pem"),
            ("an invalid priority string", {"FTPSD_TLS_CERT": c.server_ec,
                                            "FTPSD_TLS_KEY": c.server_ec_key,
                                            "FTPSD_TLS_PRIORITY": "NORMAL:+BOGUS"},
             r"configuration: FTPSD_TLS_PRIORITY")):
        with ft.Server(env=env, users=ts.TLS_USERS) as s:
            mark = s.mark()
            with s.connect(greeting=False) as ctl:
                r = ctl.reply()
                t.code(r, 421, "session with %s" % what)
                t.ok(ctl.wait_closed(5), "session with %s: connection closed" % what)
            pids = ft.wait_until(lambda: ts.spawned_pids(s, mark), 5)
            code = s.child_exit(pids[-1], 5, mark) if pids else None
            t.is_eq(code, 100, "session with %s: exit status 100" % what)
            t.ok(s.wait_log(want, 5, mark), "session with %s: the log names the problem" % what,
                 s.log(mark)[-800:])
            t.unlike(r[1], re.escape(c.dir), "session with %s: the reply does not show paths" % what)


# ------------------------------------------------------------------ server certificates

def case_rsa(rsa):
    rsa.put("rsa.bin", ft.random_bytes(300000, 2048))
    want = ft.read_file(rsa.path("rsa.bin"))
    for maxv, v in ((ts.TLS12, "1.2"), (ts.TLS13, "1.3")):
        f = ts.ftp_explicit(rsa, ts.client_context(max_version=maxv))
        try:
            cipher = f.sock.cipher()[0]
            t.is_eq(f.sock.version(), "TLSv1." + v[-1], "RSA certificate: TLS %s" % v)
            if v == "1.2":
                t.like(cipher, r"^ECDHE-RSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$",
                       "RSA certificate, TLS 1.2: ECDHE-RSA with an AEAD")
            t.is_eq(ts.ftp_get(f, "rsa.bin"), want, "RSA certificate, TLS %s: RETR" % v)
            t.ok(all(f.data_resumed), "RSA certificate, TLS %s: resumed" % v)
            f.quit()
        finally:
            ts.close_quietly(f)


# ------------------------------------------------------------------ ALPN

def case_alpn(s, imp, n):
    for server, implicit, label in ((s, False, "explicit"), (imp, True, "implicit")):
        mark = server.mark()
        failed, detail = ts.tls_handshake_fails(server.host, server.port,
                                                ts.client_context(alpn=["http/1.1"]), implicit)
        t.ok(failed, "%s: a client offering ALPN http/1.1 only is refused" % label, detail)
        t.ok(server.wait_log(r"TLS handshake failed: .*(application protocol|ALPN).*"
                             r"\(peer 127\.0\.0\.1\)", 5, mark),
             "%s: logged as a failed handshake (no common application protocol)" % label,
             server.log(mark)[-600:])
        failed, detail = ts.tls_handshake_fails(server.host, server.port,
                                                ts.client_context(alpn=["h2", "http/1.1"]),
                                                implicit)
        t.ok(failed, "%s: ALPN h2 and http/1.1 is refused" % label, detail)
        for alpn, want in ((["ftp"], "ftp"), (["http/1.1", "ftp"], "ftp"), (None, None)):
            ctx = ts.client_context(alpn=alpn)
            c = ts.connect_tls(server, ctx=ctx, implicit=implicit)
            try:
                t.is_eq(c.sock.selected_alpn_protocol(), want,
                        "%s: ALPN %s -> selected %s" % (label, alpn, want))
                r = c.retr("LIST")
                t.ok(r[2] is not None and r[2][0] == 226 and c.data_resumed == [True],
                     "%s: ALPN %s: protected LIST (data connection offers it too)" % (label, alpn),
                     repr(r[2]))
            finally:
                c.quit()
    # A data connection that offers ALPN http/1.1 is refused too.
    c = ts.connect_tls(n)
    try:
        c.ctx = ts.client_context(alpn=["http/1.1"])
        c.reuse = False
        pend = c.data_conn("pasv")
        t.code(c.cmd("LIST"), 150, "LIST, then a data connection offering ALPN http/1.1")
        raw = pend.get()
        try:
            c.wrap_data(raw)
        except (ssl.SSLError, OSError):
            pass
        finally:
            raw.close()
        t.code(c.reply(), 522, "data connection with ALPN http/1.1 only")
    finally:
        c.quit()
    if ft.have_tool("gnutls-cli"):
        for alpn, ok in (("http/1.1", False), ("ftp", True)):
            try:
                p = subprocess.run(["gnutls-cli", "--x509cafile", ts.certs().server_ca,
                                    "--alpn=" + alpn, "--starttls-proto=ftp", "-p", str(s.port),
                                    "127.0.0.1"], input=b"QUIT\r\n", capture_output=True,
                                   timeout=20)
                out, rc = (p.stdout + p.stderr).decode("utf-8", "replace"), p.returncode
            except subprocess.TimeoutExpired:
                out, rc = "timeout", None
            if ok:
                t.ok(rc == 0 and "221 Goodbye" in out and
                     re.search(r"Application protocol: ftp", out),
                     "gnutls-cli --alpn=ftp works", out[-500:])
            else:
                t.ok(rc != 0 and "221 Goodbye" not in out, "gnutls-cli --alpn=http/1.1 is refused",
                     out[-500:])
    else:
        for alpn in ("ftp", "http/1.1"):
            t.skip("gnutls-cli --alpn=%s" % alpn, "gnutls-cli not installed (package gnutls-bin)")


# ------------------------------------------------------------------ SNI and HOST

def case_sni_host(s, imp):
    c = ts.connect_tls(s, login=False, protect=False, server_hostname="localhost")
    try:
        t.code(c.cmd("HOST other.example.org"), 504, "SNI localhost, HOST other.example.org")
        t.code(c.cmd("HOST localhost"), 220, "SNI localhost, HOST localhost")
        t.code(c.cmd("HOST LOCALHOST"), 220, "SNI localhost, HOST LOCALHOST (names are case-blind)")
        t.code(c.login(ALICE.name, ALICE.password), 230, "login after HOST")
        t.code(c.cmd("HOST localhost"), 503, "HOST after login")
    finally:
        c.quit()
    c = ts.connect_tls(s, login=False, protect=False)    # 127.0.0.1: no SNI
    try:
        t.code(c.cmd("HOST ftp.example.org"), 220, "no SNI sent: any HOST is accepted")
    finally:
        c.quit()
    c = ts.connect_tls(imp, implicit=True, login=False, protect=False, server_hostname="localhost")
    try:
        t.code(c.cmd("HOST other.example.org"), 504, "implicit, SNI localhost, HOST other")
        t.code(c.cmd("HOST localhost"), 220, "implicit, SNI localhost, HOST localhost")
    finally:
        c.quit()
    # HOST before AUTH: the handshake's server name must agree with it.
    c = ts.TLSCtl(s.host, s.port, server_hostname="localhost")
    try:
        t.code(c.cmd("HOST localhost"), 220, "HOST localhost before AUTH")
        t.code(c.auth(), 234, "AUTH TLS after HOST")
        t.code(c.login(ALICE.name, ALICE.password), 230,
               "SNI localhost agrees with the earlier HOST: login works")
    finally:
        c.quit()
    mark = s.mark()
    c = ts.TLSCtl(s.host, s.port, server_hostname="localhost")
    try:
        t.code(c.cmd("HOST ftp.example.org"), 220, "HOST ftp.example.org before AUTH")
        t.code(c.auth(), 234, "AUTH TLS with SNI localhost after that HOST")
        try:
            r = c.reply()
        except (OSError, EOFError, ft.ProtocolError) as e:
            r = (0, repr(e))
        t.code(r, 421, "HOST and SNI disagree: 421 over TLS")
        t.ok(c.wait_tls_end(5) in ("close_notify", "eof", "reset"), "and the connection ends")
    finally:
        c.close()
    t.ok(s.wait_log(r"HOST ftp\.example\.org does not match TLS server name localhost", 5, mark),
         "the log names both names")


# ------------------------------------------------------------------ client certificates

def case_client_certs(req, reqd, imp_req):
    c = ts.certs()
    cases = [
        ("no certificate", None, False),
        ("a certificate from another CA", c.alice_other, False),
        ("an expired certificate", c.alice_expired, False),
        ("a certificate without the TLS client purpose", c.alice_server_eku, False),
        ("a valid certificate", c.alice, True),
    ]
    for server, mode, implicit in ((req, "require", False), (reqd, "request", False),
                                   (imp_req, "require, implicit", True)):
        for maxv, v in ((ts.TLS13, "1.3"), (ts.TLS12, "1.2")):
            if implicit and v == "1.2":
                continue
            for what, cert, ok in cases:
                if mode.startswith("request") and cert is None:
                    ok = True
                label = "FTPSD_TLS_CLIENT_CERT=%s, TLS %s, %s" % (mode, v, what)
                ctx = ts.client_context(max_version=maxv, cert=cert)
                mark = server.mark()
                if not ok:
                    failed, detail = ts.tls_handshake_fails(server.host, server.port, ctx, implicit)
                    t.ok(failed, "%s: refused" % label, detail)
                    t.ok(server.wait_log(r"TLS handshake failed: .*\(peer 127\.0\.0\.1\)", 5, mark),
                         "%s: logged as a failed handshake" % label)
                    pid = last_pid(server, mark)
                    t.is_eq(server.child_exit(pid, 5, mark) if pid else None, 1,
                            "%s: the session exits 1" % label)
                    continue
                try:
                    cl = ts.connect_tls(server, ctx=ctx, implicit=implicit)
                except Exception as e:  # noqa: BLE001
                    t.ok(False, "%s: accepted" % label, "%s: %s" % (type(e).__name__, e))
                    continue
                try:
                    t.code(cl.cmd("PWD"), 257, "%s: accepted, logged in with a password" % label)
                    r = cl.retr("LIST")
                    t.ok(r[2] is not None and r[2][0] == 226 and cl.data_resumed == [True],
                         "%s: protected LIST (resumed data session)" % label, repr(r[2]))
                    r = cl.stor("STOR cc.bin", b"client cert" * 100)
                    t.ok(r[1] is not None and r[1][0] == 226, "%s: protected STOR" % label,
                         repr(r))
                finally:
                    cl.quit()
                if cert is not None:
                    t.ok(server.wait_log(r"TLS established with 127\.0\.0\.1: TLS1\.%s, .*"
                                         r"client certificate CN=alice" % v[-1], 5, mark),
                         "%s: the log names the verified certificate" % label)
                else:
                    t.unlike(ts.session_log(server, mark), r"client certificate CN=",
                             "%s: no certificate in the log" % label)


def case_cert_login(cl, nocl):
    c = ts.certs()

    def session(cert, server=cl, maxv=None):
        return ts.connect_tls(server, ctx=ts.client_context(cert=cert, max_version=maxv),
                              login=False, protect=False)

    for maxv, v in ((ts.TLS13, "1.3"), (ts.TLS12, "1.2")):
        mark = cl.mark()
        s = session(c.alice, maxv=maxv)
        try:
            r = s.cmd("USER alice")
            t.code(r, 232, "TLS %s, alice's certificate, USER alice: logged in without PASS" % v)
            t.like(r[1], r"certificate", "the 232 says the certificate authorized it")
            t.code(s.cmd("PWD"), 257, "cert login: PWD")
            t.code(s.protect(), 200, "cert login: PBSZ/PROT")
            r = s.stor("STOR by-cert.bin", b"c" * 5000)
            t.ok(r[1] is not None and r[1][0] == 226 and
                 ft.read_file(cl.path("by-cert.bin")) == b"c" * 5000,
                 "cert login: protected upload as alice", repr(r))
            t.code(s.cmd("PASS whatever"), 503, "cert login: a PASS afterwards -> 503")
        finally:
            s.quit()
        t.ok(cl.wait_log(r"login of alice from 127\.0\.0\.1 by client certificate", 5, mark),
             "TLS %s: the log says login by client certificate" % v)

    mark = cl.mark()
    s = session(c.alice)
    try:
        t.code(s.cmd("USER bob"), 331, "alice's certificate, USER bob: password needed")
        t.code(s.cmd("PASS wrong-password"), 530, "alice's certificate, bob, wrong password")
        t.code(s.login(BOB.name, BOB.password), 230, "alice's certificate, bob with his password")
    finally:
        s.quit()
    t.unlike(ts.session_log(cl, mark), r"login of bob .*by client certificate", "bob was not logged in by certificate")

    for user, why in (("ALICE", "case differs"), ("alic", "a prefix"), ("alice2", "longer"),
                      ("carol", "not a user"), ("dave", "not a user")):
        s = session(c.alice)
        try:
            t.code(s.cmd("USER " + user), 331, "alice's certificate, USER %s (%s): no cert login" %
                   (user, why))
        finally:
            s.quit()

    for user in (ts.CAROL_MAIL, ts.CAROL_DNS):
        s = session(c.carol)
        try:
            t.code(s.cmd("USER " + user.name), 232,
                   "carol's certificate, USER %s (subjectAltName): logged in" % user.name)
        finally:
            s.quit()
    s = session(c.carol)
    try:
        t.code(s.cmd("USER alice"), 331, "carol's certificate, USER alice: password needed")
    finally:
        s.quit()
    s = session(c.dave)
    try:
        t.code(s.cmd("USER dave"), 331, "a certificate naming a user who does not exist: 331")
        t.code(s.cmd("PASS anything"), 530, "and no password logs him in")
    finally:
        s.quit()
    s = session(c.anonymous)
    try:
        r = s.cmd("USER anonymous")
        t.code(r, 331, "a certificate naming anonymous: no cert login for anonymous")
        r = s.cmd("PASS guest@example.org")
        t.code(r, 230, "anonymous logs in the anonymous way")
        t.like(r[1], r"read-only", "anonymous stays read-only")
    finally:
        s.quit()
    s = session(None)
    try:
        t.code(s.cmd("USER alice"), 331, "no client certificate: USER alice needs a password")
    finally:
        s.quit()
    with cl.connect() as p:
        t.code(p.cmd("USER alice"), 331, "plaintext USER alice on a cert-login server: 331")
    # FTPSD_TLS_CERT_LOGIN=0: a verified certificate alone is not enough.
    s = session(c.alice, server=nocl)
    try:
        t.code(s.cmd("USER alice"), 331, "FTPSD_TLS_CERT_LOGIN=0: alice's certificate, USER alice -> 331")
        t.code(s.cmd("PASS " + ALICE.password), 230, "FTPSD_TLS_CERT_LOGIN=0: password login")
    finally:
        s.quit()
    t.unlike(cl.log(), r"PASS (?!\*\*\*\*)", "no password text in the log")


# ------------------------------------------------------------------ main

def main():
    c = ts.certs()
    servers = []
    users_file_users = CERT_USERS
    cert_env = dict(TLS_CA=c.client_ca)
    try:
        s = ts.tls_server(users=users_file_users)
        imp = ts.tls_server(users=users_file_users, TLS_IMPLICIT="1")
        n = ts.tls_server(users=users_file_users, TLS_REQUIRE_REUSE="0")
        rsa = ts.tls_server(users=users_file_users, kind="rsa")
        req = ts.tls_server(users=users_file_users, TLS_CLIENT_CERT="require", **cert_env)
        reqd = ts.tls_server(users=users_file_users, TLS_CLIENT_CERT="request", **cert_env)
        imp_req = ts.tls_server(users=users_file_users, TLS_CLIENT_CERT="require", TLS_IMPLICIT="1",
                                **cert_env)
        # TLS_REQUIRE=0: one case checks a plaintext USER is not a cert login.
        cl = ts.tls_server(users=users_file_users, TLS_CLIENT_CERT="request", TLS_CERT_LOGIN="1",
                           ANONYMOUS="1", TLS_REQUIRE="0", **cert_env)
        nocl = ts.tls_server(users=users_file_users, TLS_CLIENT_CERT="require", **cert_env)
        for srv in (s, imp, n, rsa, req, reqd, imp_req, cl, nocl):
            servers.append(srv)
            srv.start()
    except Exception as e:  # noqa: BLE001
        t.ok(False, "servers start: %s" % e)
        t.done()
    t.case("--check", case_check)
    t.case("sessions with unusable TLS files", case_bad_files_session)
    t.case("RSA server certificate", case_rsa, rsa)
    t.case("ALPN", case_alpn, s, imp, n)
    t.case("SNI and HOST", case_sni_host, s, imp)
    t.case("client certificates", case_client_certs, req, reqd, imp_req)
    t.case("login by certificate", case_cert_login, cl, nocl)
    for srv in servers:
        srv.stop()
    ft.check_sanitizer_reports(t)
    shutil.rmtree(CHECK_DIR, ignore_errors=True)
    t.done()


main()
