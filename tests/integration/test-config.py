#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
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


# ------------------------------------------------------------ --check: access

def owned_tree(run_uid):
    """A scratch FTPSD_ROOT the run account owns, with a users file."""
    d = tempfile.mkdtemp(prefix="ftpsd-config-")
    os.chmod(d, 0o755)
    root = os.path.join(d, "root")
    os.mkdir(root)
    os.chown(root, run_uid, -1)
    return d, root


def test_check_access():
    if ft.run_user() is None:
        ts.skip(t, "checking access as the run account needs root")
        return
    import pwd
    run = ft.RUN_USER
    uid = pwd.getpwnam(run).pw_uid
    d, root = owned_tree(uid)
    try:
        os.mkdir(os.path.join(root, "home-b"))
        os.chown(os.path.join(root, "home-b"), uid, -1)
        users = os.path.join(d, "users")
        h = ft.password_hash("pw")
        with open(users, "w") as f:
            f.write("a:%s\nb:%s:/home-b\nc:%s:/no-such-home\n" % (h, h, h))
        os.chmod(users, 0o600)
        env = check_env(FTPSD_ROOT=root, FTPSD_USERS=users)
        rc, out, err = run_check(env)
        t.is_eq(rc, 1, "--check with a users-file home that does not exist: exit 1")
        t.like(err, r"FTPSD_USERS=%s, line 3: home /no-such-home of user c: the account %s cannot "
               r"open it: No such file or directory" % (re.escape(users), run),
               "it names the line, the user, the home and the OS's reason")
        t.unlike(err, r"home-b", "a home that exists is not reported")
        with open(users, "w") as f:
            f.write("a:%s\nb:%s:/home-b\n" % (h, h))
        rc, out, err = run_check(env)
        t.ok(rc == 0 and "configuration ok" in out, "with every home present: ok", err)

        os.chown(root, 0, 0)
        os.chmod(root, 0o700)
        rc, out, err = run_check(dict(env, FTPSD_WRITE="0"))
        t.is_eq(rc, 1, "--check with FTPSD_ROOT mode 0700, root's: exit 1")
        t.like(err, r"FTPSD_ROOT=%s: the account %s cannot open it: Permission denied"
               % (re.escape(root), run), "it says the run account cannot open FTPSD_ROOT, and why")
        os.chmod(root, 0o755)
        rc, out, err = run_check(dict(env, FTPSD_WRITE="0"))
        t.ok(rc == 0, "FTPSD_ROOT root's but 0755, FTPSD_WRITE=0: ok", err)
        rc, out, err = run_check(env)
        t.is_eq(rc, 1, "the same with FTPSD_WRITE=1 (default): exit 1")
        t.like(err, r"FTPSD_ROOT=%s: the account %s cannot write to it .*Permission denied"
               % (re.escape(root), run), "it says the run account cannot write there")

        # A session in that tree: the 550 names its OS reason in the log.
        with ft.Server(env={"FTPSD_WRITE": "0"}, users=[ALICE]) as srv:
            # After the start, which gives the tree to the run account.
            os.mkdir(srv.path("locked"), 0o700)
            ft.write_file(srv.path("locked", "f"), b"x")
            mark = srv.mark()
            with srv.login() as c:
                t.code(c.cmd("SIZE /locked/f"), 550, "SIZE in a directory the run account cannot enter")
                c.quit()
            t.ok(srv.wait_log(r"SIZE /locked/f 550 \(EACCES: Permission denied\)$", since=mark),
                 "the command record names the OS error (EACCES)", srv.log(mark)[-600:])
    finally:
        ft.subprocess.run(["rm", "-rf", d])


def test_check_users_file():
    root = tempfile.mkdtemp(prefix="ftpsd-config-")
    os.chmod(root, 0o755)
    users = os.path.join(root, "users")
    h = ft.password_hash("pw")
    try:
        with open(users, "w") as f:
            f.write("a:%s\nb:%s\n# comment\na:%s\n" % (h, h, h))
        os.chmod(users, 0o644)
        env = check_env(FTPSD_ROOT=root, FTPSD_USERS=users, FTPSD_WRITE="0")
        if ft.run_user() is not None:
            os.chown(root, __import__("pwd").getpwnam(ft.RUN_USER).pw_uid, -1)
        rc, out, err = run_check(env)
        t.is_eq(rc, 0, "--check: duplicates and mode 0644 are warnings, exit 0")
        t.like(err, r"warning: FTPSD_USERS=%s: user a is on line 1 and again on line 4; only line 1 "
               r"counts" % re.escape(users), "a duplicate user name is named with both lines")
        t.like(err, r"warning: FTPSD_USERS=%s is readable by every user \(mode 0644\)" % re.escape(users),
               "a users file readable by everyone is pointed out")
        os.chmod(users, 0o600)
        with open(users, "w") as f:
            f.write("a:%s\nb:%s\n" % (h, h))
        rc, out, err = run_check(env)
        t.ok(rc == 0 and "warning" not in err, "a clean users file, mode 0600: no warning", err)
    finally:
        ft.subprocess.run(["rm", "-rf", root])


# ------------------------------------------------------------ TLS files

def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("openssl %s: %s" % (args[0], p.stderr.decode()[-300:]))


def make_chain(d):
    """root CA -> intermediate CA -> server certificate, in d."""
    ext_ca = os.path.join(d, "ca.ext")
    with open(ext_ca, "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-days", "3", "-subj", "/CN=test root", "-keyout", "root.key",
            "-out", "root.pem", "-addext", "basicConstraints=critical,CA:TRUE", cwd=d)
    openssl("req", *ec, "-subj", "/CN=test intermediate", "-keyout", "int.key", "-out", "int.csr", cwd=d)
    openssl("x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key",
            "-CAcreateserial", "-days", "3", "-extfile", ext_ca, "-out", "int.pem", cwd=d)
    openssl("req", *ec, "-subj", "/CN=localhost", "-keyout", "leaf.key", "-out", "leaf.csr", cwd=d)
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "int.pem", "-CAkey", "int.key",
            "-CAcreateserial", "-days", "2", "-out", "leaf.pem", cwd=d)
    openssl("pkey", "-in", "leaf.key", "-aes256", "-passout", "pass:secret", "-out", "leaf-pass.key",
            cwd=d)
    cat = lambda out, *names: ft.write_file(os.path.join(d, out), b"".join(  # noqa: E731
        ft.read_file(os.path.join(d, n)) for n in names))
    cat("full.pem", "leaf.pem", "int.pem")
    cat("wrong-order.pem", "int.pem", "leaf.pem")
    cat("bad-chain.pem", "leaf.pem", "root.pem")
    for name in os.listdir(d):
        os.chmod(os.path.join(d, name), 0o600)
    return lambda name: os.path.join(d, name)


TLS_FILE_CASES = [
    # (what, cert, key, key mode, exit, expected message)
    ("full chain", "full.pem", "leaf.key", 0o600, 0, None),
    ("missing certificate", "gone.pem", "leaf.key", 0o600, 1,
     r"FTPSD_TLS_CERT={cert}: cannot read it: No such file or directory"),
    ("missing key", "full.pem", "gone.key", 0o600, 1,
     r"FTPSD_TLS_KEY={key}: cannot read it: No such file or directory"),
    ("certificate and key swapped", "leaf.key", "full.pem", 0o600, 1,
     r"FTPSD_TLS_CERT={cert} holds a private key, not a certificate \(are FTPSD_TLS_CERT and "
     r"FTPSD_TLS_KEY swapped\?\)"),
    ("key with a passphrase", "full.pem", "leaf-pass.key", 0o600, 1,
     r"FTPSD_TLS_KEY={key} is protected by a passphrase"),
    ("intermediate before the server certificate", "wrong-order.pem", "leaf.key", 0o600, 1,
     r"FTPSD_TLS_CERT={cert}: the certificate of FTPSD_TLS_KEY is number 2 in the file; the "
     r"server's certificate must come first"),
    ("a chain that does not follow", "bad-chain.pem", "leaf.key", 0o600, 1,
     r"FTPSD_TLS_CERT={cert}: certificate 2 of the file did not issue certificate 1"),
    ("the key of another certificate", "full.pem", "root.key", 0o600, 1,
     r"FTPSD_TLS_CERT={cert} and FTPSD_TLS_KEY={key} do not match"),
    ("key readable by every user", "full.pem", "leaf.key", 0o644, 1,
     r"FTPSD_TLS_KEY={key}: the private key is open to every user \(mode 0644\); ftpsd refuses it"),
    ("certificate without its chain", "leaf.pem", "leaf.key", 0o600, 0,
     r"warning: FTPSD_TLS_CERT={cert} holds the server's certificate without its chain "
     r"\(issuer: CN=test intermediate\).*fullchain\.pem"),
]


def test_tls_files():
    d = tempfile.mkdtemp(prefix="ftpsd-tlsfiles-")
    os.chmod(d, 0o755)
    try:
        path = make_chain(d)
        base = check_env(FTPSD_ROOT=d, FTPSD_ANONYMOUS="1")
        for what, cert, key, mode, want_rc, message in TLS_FILE_CASES:
            if os.path.exists(path(key)):
                os.chmod(path(key), mode)
            rc, out, err = run_check(dict(base, FTPSD_TLS_CERT=path(cert), FTPSD_TLS_KEY=path(key)))
            t.is_eq(rc, want_rc, "--check, %s: exit %d" % (what, want_rc))
            if message:
                t.like(err, message.format(cert=re.escape(path(cert)), key=re.escape(path(key))),
                       "--check, %s: names the file and the reason" % what)
            else:
                t.unlike(err, r"warning|FTPSD_TLS", "--check, %s: nothing to say" % what)
            t.unlike(err, r"Error while reading file|requested data were not available|"
                     r"Decryption has failed|given key do not match",
                     "--check, %s: no bare GnuTLS message" % what)
            if os.path.exists(path(key)):
                os.chmod(path(key), 0o600)
        # A session with swapped files: 421, and the log says why.
        env = {"FTPSD_ANONYMOUS": "1", "FTPSD_TLS_CERT": path("leaf.key"), "FTPSD_TLS_KEY": path("full.pem")}
        with ft.Server(env=env) as srv:
            log = refused_session(srv, "swapped certificate and key")
            t.like(log, r"configuration: FTPSD_TLS_CERT=\S+ holds a private key", "the session log says why")
        os.chmod(path("leaf.key"), 0o644)
        env = {"FTPSD_ANONYMOUS": "1", "FTPSD_TLS_CERT": path("full.pem"), "FTPSD_TLS_KEY": path("leaf.key")}
        with ft.Server(env=env) as srv:
            log = refused_session(srv, "key readable by every user")
            t.like(log, r"configuration: FTPSD_TLS_KEY=\S+: the private key is open to every user",
                   "the session refuses the key, as sshd does")
    finally:
        ft.subprocess.run(["rm", "-rf", d])


# ------------------------------------------------------------ /etc/ftpusers

FTPUSERS = "/etc/ftpusers"


def test_ftpusers():
    if ft.run_user() is None:
        ts.skip(t, "system accounts need root")
        return
    name = "ftpsdfu%d" % os.getpid()
    password = "fu-system-pw"
    saved = ft.read_file(FTPUSERS) if os.path.exists(FTPUSERS) else None
    subprocess.run(["userdel", "-r", name], capture_output=True)
    subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True, capture_output=True)
    try:
        subprocess.run(["chpasswd", "-e"], input=("%s:%s\n" % (name, ft.password_hash(password))).encode(),
                       check=True, capture_output=True)
        env = {"FTPSD_SYSTEM_USERS": "1"}
        if "ASAN_OPTIONS" in os.environ:   # LeakSanitizer cannot scan after the chroot
            env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"] + ":detect_leaks=0"
        with ft.Server(env=env, users=None) as srv:
            with srv.connect() as c:
                t.code(c.login(name, password), 230, "a system account not in /etc/ftpusers logs in")
                c.quit()
            with open(FTPUSERS, "ab") as f:
                f.write(b"\n# added by test-config.py\n  %s  \n" % name.encode())
            mark = srv.mark()
            with srv.connect() as c:
                t.code(c.login(name, password), 530, "listed in /etc/ftpusers: refused")
                c.quit()
            t.ok(srv.wait_log(r"system account %s refused: listed in /etc/ftpusers" % name, since=mark),
                 "the log says the account is listed in /etc/ftpusers", srv.log(mark)[-500:])
            with srv.connect() as c:
                t.code(c.login(name, "wrong"), 530, "and a wrong password is still just wrong")
                c.quit()
    finally:
        if saved is None:
            os.unlink(FTPUSERS)
        else:
            ft.write_file(FTPUSERS, saved)
        subprocess.run(["userdel", "-r", name], capture_output=True)


# ------------------------------------------------------------ FTPSD_PASV_ADDRESS

def test_pasv_host_name():
    # Served on 127.0.0.2, so that without the setting 227 would say 127,0,0,2.
    with ft.Server(env={"FTPSD_PASV_ADDRESS": "localhost"}, host="127.0.0.2") as srv:
        with srv.login() as c:
            r = c.cmd("PASV")
            t.code(r, 227, "FTPSD_PASV_ADDRESS=localhost: PASV")
            t.like(r[1], r"\(127,0,0,1,\d+,\d+\)", "227 announces localhost's address, 127.0.0.1")
            c.quit()
    with ft.Server(env={"FTPSD_PASV_ADDRESS": "no-such-host.invalid"}) as srv:
        log = refused_session(srv, "a name that does not resolve")
        t.like(log, r"configuration: FTPSD_PASV_ADDRESS=no-such-host\.invalid: the name does not "
               r"resolve to an IPv4 address", "the log names the variable and the name")
    root = tempfile.mkdtemp(prefix="ftpsd-config-")
    os.chmod(root, 0o755)
    try:
        rc, out, err = run_check(check_env(FTPSD_ROOT=root, FTPSD_ANONYMOUS="1",
                                           FTPSD_PASV_ADDRESS="no-such-host.invalid"))
        t.is_eq(rc, 1, "--check with a name that does not resolve: exit 1")
        t.like(err, r"FTPSD_PASV_ADDRESS=no-such-host\.invalid: the name does not resolve",
               "--check says so")
        rc, out, err = run_check(check_env(FTPSD_ROOT=root, FTPSD_ANONYMOUS="1",
                                           FTPSD_PASV_ADDRESS="localhost"))
        t.ok(rc == 0 and "configuration ok" in out, "--check with FTPSD_PASV_ADDRESS=localhost: ok", err)
    finally:
        os.rmdir(root)


CASES = [
    ("unknown variables", test_unknown_variables),
    ("TLS by default with a certificate", test_default_requirements),
    ("TLS by default for system accounts", test_default_system_users),
    ("TLS requirements turned off", test_explicit_off),
    ("TLS required for everyone", test_explicit_all),
    ("--check names the missing certificate", test_check_reports_policy),
    ("--check as the run account", test_check_access),
    ("--check of the users file", test_check_users_file),
    ("--check and sessions explain TLS file errors", test_tls_files),
    ("/etc/ftpusers", test_ftpusers),
    ("FTPSD_PASV_ADDRESS as a host name", test_pasv_host_name),
]

for name, fn in CASES:
    t.case(name, fn)
t.ok(not ft.sanitizer_reports(), "no sanitizer reports in the server logs",
     "\n".join(ft.sanitizer_reports()[:20]))
t.done()
