#!/usr/bin/env python3
"""What an administrator meets around the protocol: unknown FTPSD_*
variables, the TLS requirements a certificate brings by default, what
ftpsd --check finds before a session would fail, and the reasons in the
log when a system call fails."""

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()
ALICE = ts.ALICE


def check_env(**settings):
    """A clean environment for ftpsd --check: PATH, the sanitizer options,
    the run account when root, and settings (full names; None removes)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    if ft.run_user() is not None:
        env["FTPSD_RUN_USER"] = ft.RUN_USER
    for k, v in settings.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run_check(env):
    """(exit status, stdout, stderr) of ftpsd --check."""
    p = subprocess.run([ft.FTPSD_BIN, "--check"], env=env, capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def refused_session(srv, name):
    """A session under a bad configuration: 421, exit status 100."""
    mark = srv.mark()
    with srv.connect() as c:
        t.code(c.greeting, 421, "%s: the session answers 421" % name)
        t.ok(c.wait_closed(), "%s: and closes the connection" % name)
    t.is_eq(ts.exit_code_of_last(srv, mark), 100, "%s: the session exits 100 (bad configuration)" % name)
    return srv.log(mark)


# ------------------------------------------------------------ unknown variables

TYPOS = [
    ("FTPSD_TLS_REQIURE", "1", "FTPSD_TLS_REQIURE: unknown variable (did you mean FTPSD_TLS_REQUIRE?)"),
    ("ftpsd_tls_require", "1", "ftpsd_tls_require: unknown variable (did you mean FTPSD_TLS_REQUIRE?)"),
    ("FTPSD_PASV_PORT", "", "FTPSD_PASV_PORT: unknown variable (did you mean FTPSD_PASV_PORTS?)"),
    ("FTPSD_MAX_CLIENTS", "10", "FTPSD_MAX_CLIENTS: unknown variable"),
]


def test_unknown_variables():
    root = tempfile.mkdtemp(prefix="ftpsd-config-")
    os.chmod(root, 0o755)
    try:
        good = check_env(FTPSD_ROOT=root, FTPSD_ANONYMOUS="1")
        rc, out, err = run_check(good)
        t.ok(rc == 0 and "configuration ok" in out, "--check: the base configuration is ok", out + err)
        for name, value, message in TYPOS:
            rc, out, err = run_check(dict(good, **{name: value}))
            t.is_eq(rc, 1, "--check with %s=%s exits 1" % (name, value))
            t.ok(("ftpsd: " + message) in err.splitlines(), "--check says: %s" % message, err)
            t.unlike(out, "configuration ok", "--check with %s does not say ok" % name)
    finally:
        os.rmdir(root)
    for name, value, message in TYPOS[:2]:
        with ft.Server(env={"FTPSD_ANONYMOUS": "1", name: value}) as srv:
            log = refused_session(srv, name)
            t.like(log, r"configuration: %s" % re.escape(message), "%s: the log says why" % name)


# ------------------------------------------------------------ secure defaults

def plain_ctl(srv):
    return ft.Ctl(srv.host, srv.port)


def test_default_requirements():
    with ts.tls_server(ANONYMOUS="1") as srv:
        srv.put("f.bin", ft.random_bytes(100000, 1))
        want = ft.sha256(ft.read_file(srv.path("f.bin")))
        with plain_ctl(srv) as c:
            t.code(c.cmd("USER " + ALICE.name), 534,
                   "certificate, no setting: USER of an account in clear text is refused (534)")
            t.code(c.cmd("PASS " + ALICE.password), 503, "and a PASS after it finds no login under way")
            t.code(c.cmd("USER anonymous"), 331, "anonymous may log in in clear text")
            t.code(c.cmd("PASS guest@"), 230, "anonymous logged in")
            first, data, final = c.retr("RETR f.bin")
            t.ok(final and final[0] == 226 and ft.sha256(data) == want,
                 "anonymous downloads over a clear data connection", repr((first, final)))
        c = ts.connect_tls(srv, protect=False)
        try:
            first, data, final = c.retr("RETR f.bin")
            t.code(first, 521, "an account over TLS without PROT P: 521 for a transfer")
            t.code(c.protect(), 200, "PBSZ 0, PROT P")
            first, data, final = c.retr("RETR f.bin")
            t.ok(final and final[0] == 226 and ft.sha256(data) == want,
                 "an account over TLS with PROT P downloads byte-exact", repr((first, final)))
        finally:
            c.close()
        c = ts.TLSCtl(srv.host, srv.port)
        try:
            t.code(c.auth(), 234, "AUTH TLS")
            t.code(c.login("anonymous", "guest@"), 230, "anonymous over TLS")
            first, data, final = c.retr("RETR f.bin")
            t.ok(final and final[0] == 226 and ft.sha256(data) == want,
                 "anonymous over TLS may use a clear data connection", repr((first, final)))
        finally:
            c.close()
        t.ok(ALICE.password not in srv.log(), "the password never reached the log")


def test_default_system_users():
    env = {"FTPSD_SYSTEM_USERS": "1"}
    if ft.run_user() is None:
        ts.skip(t, "system accounts need root")
        return
    with ft.Server(env=dict(ts.tls_env(), **env), users=None) as srv:
        with plain_ctl(srv) as c:
            t.code(c.cmd("USER daemon"), 534, "system accounts: USER in clear text is refused (534)")


def test_explicit_off():
    with ts.tls_server(TLS_REQUIRE="0") as srv:
        srv.put("f.bin", b"x" * 5000)
        with plain_ctl(srv) as c:
            t.code(c.login(ALICE.name, ALICE.password), 230,
                   "FTPSD_TLS_REQUIRE=0: an account logs in in clear text")
            first, data, final = c.retr("RETR f.bin")
            t.code(first, 521, "FTPSD_TLS_REQUIRE=0 alone: data still needs PROT P")
    with ts.tls_server(TLS_REQUIRE="0", TLS_REQUIRE_DATA="0") as srv:
        srv.put("f.bin", b"x" * 5000)
        with plain_ctl(srv) as c:
            t.code(c.login(ALICE.name, ALICE.password), 230, "both 0: clear login")
            first, data, final = c.retr("RETR f.bin")
            t.ok(final and final[0] == 226 and data == b"x" * 5000,
                 "both 0: clear data connection", repr((first, final)))
    with ts.tls_server(TLS_REQUIRE="accounts", TLS_REQUIRE_DATA="0") as srv:
        c = ts.connect_tls(srv, protect=False)
        try:
            srv.put("f.bin", b"y" * 5000)
            first, data, final = c.retr("RETR f.bin")
            t.ok(final and final[0] == 226 and data == b"y" * 5000,
                 "FTPSD_TLS_REQUIRE_DATA=0: an account's data in clear", repr((first, final)))
        finally:
            c.close()


def test_explicit_all():
    with ts.tls_server(ANONYMOUS="1", TLS_REQUIRE="1", TLS_REQUIRE_DATA="1") as srv:
        srv.put("f.bin", b"z" * 5000)
        with plain_ctl(srv) as c:
            t.code(c.cmd("USER anonymous"), 534, "FTPSD_TLS_REQUIRE=1: anonymous too needs TLS")
        c = ts.TLSCtl(srv.host, srv.port)
        try:
            c.auth()
            t.code(c.login("anonymous", "guest@"), 230, "FTPSD_TLS_REQUIRE=1: anonymous over TLS")
            first, data, final = c.retr("RETR f.bin")
            t.code(first, 521, "FTPSD_TLS_REQUIRE_DATA=1: anonymous needs PROT P too")
        finally:
            c.close()


def test_check_reports_policy():
    """--check with TLS settings but no certificate names what is missing."""
    root = tempfile.mkdtemp(prefix="ftpsd-config-")
    os.chmod(root, 0o755)
    try:
        env = check_env(FTPSD_ROOT=root, FTPSD_ANONYMOUS="1", FTPSD_TLS_REQUIRE="1")
        rc, out, err = run_check(env)
        t.is_eq(rc, 1, "--check FTPSD_TLS_REQUIRE=1 without a certificate: exit 1")
        t.ok("ftpsd: FTPSD_TLS_REQUIRE=1 needs a certificate: FTPSD_TLS_CERT and FTPSD_TLS_KEY "
             "are not set" in err.splitlines(), "and names the variables that are missing", err)
        t.unlike(err, "FTPSD_TLS_IMPLICIT", "and not a variable that is not involved")
    finally:
        os.rmdir(root)


CASES = [
    ("unknown variables", test_unknown_variables),
    ("TLS by default with a certificate", test_default_requirements),
    ("TLS by default for system accounts", test_default_system_users),
    ("TLS requirements turned off", test_explicit_off),
    ("TLS required for everyone", test_explicit_all),
    ("--check names the missing certificate", test_check_reports_policy),
]

for name, fn in CASES:
    t.case(name, fn)
t.ok(not ft.sanitizer_reports(), "no sanitizer reports in the server logs",
     "\n".join(ft.sanitizer_reports()[:20]))
t.done()
