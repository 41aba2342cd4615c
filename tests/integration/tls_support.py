# SPDX-License-Identifier: ISC
"""TLS helpers for the ftpsd integration tests (on top of ftpsd_test).

- Certs: a throw-away PKI made with openssl (and certtool for the dates
  openssl 3.0 cannot set): server certificates (ECDSA P-256 and RSA, for
  localhost / 127.0.0.1), an expired one, a key that matches nothing, a
  client CA with client certificates, and a second CA nobody trusts.
- client_context(): a Python ssl client context that verifies the server.
- ReusingFTP_TLS: ftplib.FTP_TLS whose data connections resume the control
  connection's TLS session (stock FTP_TLS does not).
- ImplicitFTP_TLS: the same for implicit FTPS (TLS before the greeting).
- TLSCtl: ftpsd_test.Ctl with AUTH TLS / implicit TLS, and protected data
  connections that close with close_notify (or, on request, without).
- curl / lftp wrappers and the checks of their output.
"""

import atexit
import ftplib
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import ftpsd_test as ft

CTL_TIMEOUT = ft.CTL_TIMEOUT

# Users of the TLS tests. All sha512crypt: hashing is quick, and the TLS
# tests do not depend on mkpasswd.
ALICE = ft.ALICE
BOB = ft.User("bob", "bob-tls-pw")
CAROL_MAIL = ft.User("carol@example.org", "carol-mail-pw")
CAROL_DNS = ft.User("carol.example.org", "carol-dns-pw")
TLS_USERS = [ALICE, BOB]


# ---------------------------------------------------------------- PKI

def _run(args, cwd, timeout=60):
    p = subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), p.returncode,
                                                   p.stderr.decode("utf-8", "replace")[-800:]))
    return p.stdout.decode("utf-8", "replace")


class Certs:
    """Every certificate and key the TLS tests use, in one temporary
    directory. Attribute names are file paths."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ftpsd-tls-pki-")
        os.chmod(self.dir, 0o755)
        d = self.dir
        p = lambda name: os.path.join(d, name)  # noqa: E731

        # Server side.
        self.server_ca, self.server_ca_key = self._ca("server-ca", "ftpsd test server CA")
        server_ext = ["subjectAltName=DNS:localhost,IP:127.0.0.1",
                      "extendedKeyUsage=serverAuth", "basicConstraints=critical,CA:FALSE",
                      "keyUsage=critical,digitalSignature,keyEncipherment"]
        self.server_ec, self.server_ec_key = self._leaf("server-ec", "localhost", "server-ca",
                                                        server_ext, "ec")
        self.server_rsa, self.server_rsa_key = self._leaf("server-rsa", "localhost",
                                                          "server-ca", server_ext, "rsa")
        # The ECDSA certificate with the RSA key: they do not match.
        self.mismatch_cert, self.mismatch_key = self.server_ec, self.server_rsa_key
        # Expired (2019-2020), same name, with its own key.
        self.expired, self.expired_key = self._dated("server-expired", "server-ca", [
            'cn = "localhost"', 'dns_name = "localhost"', 'ip_address = "127.0.0.1"',
            "tls_www_server", "signing_key", "encryption_key"],
            "2019-01-01 00:00:00", "2020-01-01 00:00:00")
        self.not_yet, self.not_yet_key = self._dated("server-not-yet", "server-ca", [
            'cn = "localhost"', 'dns_name = "localhost"', "tls_www_server", "signing_key"],
            "2090-01-01 00:00:00", "2091-01-01 00:00:00")
        self.empty = p("empty.pem")
        with open(self.empty, "w") as f:
            f.write("not a certificate\n")

        # Client side.
        self.client_ca, self.client_ca_key = self._ca("client-ca", "ftpsd test client CA")
        client_ext = ["extendedKeyUsage=clientAuth", "basicConstraints=critical,CA:FALSE",
                      "keyUsage=critical,digitalSignature"]
        self.alice = self._leaf("alice", "alice", "client-ca", client_ext)
        self.carol = self._leaf("carol", "carol", "client-ca", client_ext + [
            "subjectAltName=email:carol@example.org,DNS:carol.example.org"])
        self.anonymous = self._leaf("anonymous", "anonymous", "client-ca", client_ext)
        # Names a user who is not in the users file.
        self.dave = self._leaf("dave", "dave", "client-ca", client_ext)
        # Right name, right CA, but not for TLS clients.
        self.alice_server_eku = self._leaf("alice-server-eku", "alice", "client-ca", [
            "extendedKeyUsage=serverAuth", "basicConstraints=critical,CA:FALSE"])
        self.alice_expired = self._dated("alice-expired", "client-ca", [
            'cn = "alice"', "tls_www_client", "signing_key"],
            "2019-01-01 00:00:00", "2020-01-01 00:00:00")
        # A CA the server does not trust, and its "alice".
        self.other_ca, self.other_ca_key = self._ca("other-ca", "ftpsd test untrusted CA")
        self.alice_other = self._leaf("alice-other", "alice", "other-ca", client_ext)

    _serial = 1000

    def _next_serial(self):
        self._serial += 1
        return self._serial

    def _ca(self, name, cn):
        _run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
              "-out", name + ".pem", "-days", "3650", "-subj", "/CN=" + cn,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"], self.dir)
        return os.path.join(self.dir, name + ".pem"), os.path.join(self.dir, name + ".key")

    def _leaf(self, name, cn, ca, exts, key_type="ec"):
        if key_type == "ec":
            newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        else:
            newkey = ["-newkey", "rsa:2048"]
        _run(["openssl", "req", "-new"] + newkey + ["-nodes", "-keyout", name + ".key",
             "-out", name + ".csr", "-subj", "/CN=" + cn], self.dir)
        with open(os.path.join(self.dir, name + ".ext"), "w") as f:
            f.write("\n".join(exts) + "\n")
        _run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
              "-CAkey", ca + ".key", "-set_serial", str(self._next_serial()),
              "-days", "3650", "-extfile", name + ".ext", "-out", name + ".pem"], self.dir)
        return os.path.join(self.dir, name + ".pem"), os.path.join(self.dir, name + ".key")

    def _dated(self, name, ca, template, activation, expiration):
        """A certificate with chosen dates (certtool; openssl 3.0 cannot)."""
        _run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
              "ec_paramgen_curve:P-256", "-out", name + ".key"], self.dir)
        with open(os.path.join(self.dir, name + ".tmpl"), "w") as f:
            f.write("\n".join(template + ['activation_date = "%s"' % activation,
                                          'expiration_date = "%s"' % expiration,
                                          "serial = %d" % self._next_serial()])
                    + "\n")
        _run(["certtool", "--generate-certificate", "--load-privkey", name + ".key",
              "--load-ca-certificate", ca + ".pem", "--load-ca-privkey", ca + ".key",
              "--template", name + ".tmpl", "--outfile", name + ".pem"], self.dir)
        return os.path.join(self.dir, name + ".pem"), os.path.join(self.dir, name + ".key")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


_certs = None


def certs():
    """The PKI of this script, made on first use."""
    global _certs
    if _certs is None:
        _certs = Certs()
        atexit.register(_certs.cleanup)
    return _certs


def tls_env(kind="ec", **extra):
    """FTPSD_TLS_CERT/KEY for a server certificate, plus extra FTPSD_* settings
    given as keyword arguments without the FTPSD_ prefix."""
    c = certs()
    cert, key = {"ec": (c.server_ec, c.server_ec_key),
                 "rsa": (c.server_rsa, c.server_rsa_key)}[kind]
    env = {"FTPSD_TLS_CERT": cert, "FTPSD_TLS_KEY": key}
    for k, v in extra.items():
        env["FTPSD_" + k] = v
    return env


def tls_server(users=None, kind="ec", **extra):
    """A started ft.Server with TLS (use it as a context manager)."""
    return ft.Server(env=tls_env(kind, **extra), users=TLS_USERS if users is None else users)


# ---------------------------------------------------------------- Python clients

TLS12 = ssl.TLSVersion.TLSv1_2
TLS13 = ssl.TLSVersion.TLSv1_3


def client_context(max_version=None, min_version=None, cert=None, alpn=None, verify=True):
    """A client context that verifies ftpsd's certificate (by 127.0.0.1 or
    localhost). cert: (certfile, keyfile) to present."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_verify_locations(certs().server_ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if min_version is not None:
        ctx.minimum_version = min_version
    if max_version is not None:
        ctx.maximum_version = max_version
    if cert is not None:
        ctx.load_cert_chain(cert[0], cert[1])
    if alpn is not None:
        ctx.set_alpn_protocols(alpn)
    return ctx


def nodelay(sock):
    """TCP_NODELAY on a client's data socket, as curl does: without it the
    client's close_notify waits behind Nagle for the server's delayed ACK
    (40 ms per upload, the client's doing)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


class ReusingFTP_TLS(ftplib.FTP_TLS):
    """FTP_TLS whose protected data connections resume the control
    connection's session, as RFC 4217 clients should. data_resumed has one
    entry per data connection; tls_hostname is the name sent as SNI and
    checked in the certificate (default: the host connected to)."""

    tls_hostname = None

    def __init__(self, context, timeout=CTL_TIMEOUT, **kw):
        super().__init__(context=context, timeout=timeout, **kw)
        self.data_resumed = []
        self.data_versions = []

    def auth(self):
        if isinstance(self.sock, ssl.SSLSocket):
            raise ValueError("Already using TLS")
        resp = self.voidcmd("AUTH TLS")
        self.sock = self.context.wrap_socket(self.sock,
                                             server_hostname=self.tls_hostname or self.host)
        self.file = self.sock.makefile(mode="r", encoding=self.encoding)
        return resp

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        nodelay(conn)
        if self._prot_p:
            try:
                conn = self.context.wrap_socket(conn,
                                                server_hostname=self.tls_hostname or self.host,
                                                session=self.sock.session,
                                                suppress_ragged_eofs=False)
            except BaseException:
                conn.close()
                raise
            self.data_resumed.append(conn.session_reused)
            self.data_versions.append(conn.version())
        return conn, size


class ImplicitFTP_TLS(ReusingFTP_TLS):
    """Implicit FTPS: TLS from the first byte; data protected by default."""

    def connect(self, host="", port=0, timeout=-999, source_address=None):
        if host:
            self.host = host
        if port:
            self.port = port
        if timeout != -999:
            self.timeout = timeout
        self.sock = socket.create_connection((self.host, self.port), self.timeout,
                                             source_address=source_address)
        self.af = self.sock.family
        self.sock = self.context.wrap_socket(self.sock,
                                             server_hostname=self.tls_hostname or self.host)
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        self._prot_p = True
        return self.welcome


def ftp_explicit(server, ctx=None, login=True, user=ALICE):
    f = ReusingFTP_TLS(ctx or client_context())
    f.connect(server.host, server.port)
    if login:
        f.login(user.name, user.password)
        f.prot_p()
    return f


def ftp_implicit(server, ctx=None, login=True, user=ALICE):
    f = ImplicitFTP_TLS(ctx or client_context())
    f.connect(server.host, server.port)
    if login:
        f.login(user.name, user.password)
    return f


def ftp_get(f, name, rest=None):
    out = []
    f.retrbinary("RETR " + name, out.append, rest=rest)
    return b"".join(out)


def ftp_put(f, name, data, rest=None, cmd="STOR"):
    import io
    return f.storbinary("%s %s" % (cmd, name), io.BytesIO(data), rest=rest)


def close_quietly(obj):
    for m in ("close",):
        try:
            getattr(obj, m)()
        except Exception:  # noqa: BLE001
            pass


class TLSCtl(ft.Ctl):
    """Raw control connection that can turn TLS: auth() sends AUTH and does
    the handshake after 234; implicit=True does it before the greeting.
    With prot_p set, retr()/stor() run their data connection over TLS and
    resume the control session (reuse=False: a fresh session)."""

    def __init__(self, host, port, ctx=None, implicit=False, server_hostname=None,
                 timeout=CTL_TIMEOUT, greeting=True):
        self.ctx = ctx or client_context()
        self.tls_hostname = server_hostname or host
        self.prot_p = implicit
        self.reuse = True
        self.data_resumed = []
        super().__init__(host, port, timeout=timeout, greeting=False)
        if implicit:
            self.wrap()
        if greeting:
            self.greeting = self.reply()

    @property
    def tls(self):
        return isinstance(self.sock, ssl.SSLSocket)

    def wrap(self):
        self.sock = self.ctx.wrap_socket(self.sock, server_hostname=self.tls_hostname,
                                         suppress_ragged_eofs=False)

    def auth(self, mech="TLS"):
        r = self.cmd("AUTH " + mech)
        if r[0] == 234:
            if self.rbuf:
                raise ft.ProtocolError("bytes after 234 before TLS: %r" % self.rbuf)
            self.wrap()
        return r

    def protect(self):
        """PBSZ 0 and PROT P: returns the PROT reply."""
        r = self.cmd("PBSZ 0")
        if r[0] != 200:
            return r
        r = self.cmd("PROT P")
        if r[0] == 200:
            self.prot_p = True
        return r

    def wrap_data(self, sock, reuse=None):
        reuse = self.reuse if reuse is None else reuse
        nodelay(sock)
        d = self.ctx.wrap_socket(sock, server_hostname=self.tls_hostname,
                                 session=self.sock.session if reuse else None,
                                 suppress_ragged_eofs=False)
        self.data_resumed.append(d.session_reused)
        return d

    def data_conn(self, mode="pasv"):
        """A pending data connection (ft.PendingData)."""
        return ft.Ctl.data(self, mode)

    def retr(self, command, mode="pasv"):
        if not self.prot_p:
            return ft.Ctl.retr(self, command, mode)
        pend = self.data_conn(mode)
        first = self.cmd(command)
        if not 100 <= first[0] < 200:
            pend.close()
            return first, None, None
        raw = pend.get()
        chunks = []
        try:
            d = self.wrap_data(raw)
            while True:
                b = d.recv(ft.MiB)   # SSLEOFError if the server omits close_notify
                if not b:
                    break
                chunks.append(b)
            try:
                d.unwrap()
            except (OSError, ValueError):
                pass
        finally:
            raw.close()
        return first, b"".join(chunks), self.reply()

    def stor(self, command, data, mode="pasv", pieces=None):
        if not self.prot_p:
            return ft.Ctl.stor(self, command, data, mode, pieces)
        pend = self.data_conn(mode)
        first = self.cmd(command)
        if not 100 <= first[0] < 200:
            pend.close()
            return first, None
        raw = pend.get()
        try:
            d = self.wrap_data(raw)
            d.sendall(data)
            d.unwrap()       # close_notify, then the server's
        finally:
            raw.close()
        return first, self.reply()

    def wait_tls_end(self, timeout=5.0):
        """How the server ends the TLS control connection: 'close_notify',
        'eof' (TCP FIN without close_notify), 'reset' or 'timeout'. Data that
        arrives meanwhile goes to rbuf."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            self.sock.settimeout(left)
            try:
                b = self.sock.recv(65536)
            except socket.timeout:
                return "timeout"
            except ssl.SSLEOFError:
                return "eof"
            except ConnectionResetError:
                return "reset"
            except ssl.SSLError as e:
                return "ssl error: %s" % e
            if not b:
                return "close_notify"
            self.rbuf += b

    def drop(self):
        """Closes the TCP connection without close_notify."""
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass
        self.close()


def connect_tls(server, ctx=None, implicit=False, login=True, protect=True, user=ALICE,
                server_hostname=None):
    """A TLSCtl after AUTH TLS (or implicit), logged in, PROT P."""
    c = TLSCtl(server.host, server.port, ctx=ctx, implicit=implicit,
               server_hostname=server_hostname)
    try:
        if c.greeting[0] != 220:
            raise AssertionError("greeting: %r" % (c.greeting,))
        if not implicit:
            r = c.auth()
            if r[0] != 234:
                raise AssertionError("AUTH TLS: %r" % (r,))
        if login:
            r = c.login(user.name, user.password)
            if r[0] != 230:
                raise AssertionError("login: %r" % (r,))
        if protect:
            r = c.protect()
            if r[0] != 200:
                raise AssertionError("PBSZ/PROT: %r" % (r,))
    except BaseException:
        c.close()
        raise
    return c


def tls_handshake_fails(host, port, ctx, implicit, server_hostname=None, timeout=CTL_TIMEOUT):
    """Tries a TLS control connection; returns (failed, detail)."""
    c = None
    try:
        c = TLSCtl(host, port, ctx=ctx, implicit=implicit, server_hostname=server_hostname,
                   timeout=timeout, greeting=not implicit)
        if not implicit:
            r = c.auth()
            if r[0] != 234:
                return False, "AUTH: %r" % (r,)
        # TLS 1.3 client certificates are checked after the client's
        # Finished: the refusal shows on the first read.
        r = c.cmd("NOOP") if not implicit else c.reply()
        return False, "worked: %r" % (r,)
    except (ssl.SSLError, OSError, EOFError, ft.ProtocolError) as e:
        return True, "%s: %s" % (type(e).__name__, e)
    finally:
        if c is not None:
            c.close()


def skip(tap, reason):
    """A TAP skip (ft.TAP.ok would mangle the directive)."""
    tap.n += 1
    print("ok %d # SKIP %s" % (tap.n, reason.replace("\n", " ").replace("#", "no.")), flush=True)


# ---------------------------------------------------------------- server logs

def spawned_pids(server, since=0):
    """PIDs of the ftpsd processes systemd-socket-activate started."""
    return [int(p) for p in re.findall(r"^Spawned .* as PID (\d+)", server.log(since), re.M)]


def session_log(server, since=0, pid=None):
    """The log lines of the sessions that started after since (or of one
    pid): lines a session still writes after since belong to it, not to
    the sessions that follow."""
    text = server.log(since)
    pids = {pid} if pid is not None else set(server.session_pids(since))
    out = []
    for line in text.splitlines():
        m = re.match(r"^ftpsd\[(\d+)\]: ", line)
        if m and int(m.group(1)) in pids:
            out.append(line)
    return "\n".join(out)


def exit_code_of_last(server, since, timeout=10.0):
    """Exit code of the last session started after since (None if none)."""
    if not ft.wait_until(lambda: spawned_pids(server, since), timeout):
        return None
    return server.child_exit(spawned_pids(server, since)[-1], timeout, since)


RESUME_PROBLEMS = re.compile(r"did not resume|TLS handshake failed|handshake timed out|"
                             r" 52[12]$|without TLS close_notify|close_notify; upload",
                             re.M)


def tls_log_problems(text):
    return [l for l in text.splitlines() if RESUME_PROBLEMS.search(l)]


def count_replies(text, verb, code):
    return len(re.findall(r"^ftpsd\[\d+\]: \S+ \[[^]]*\] %s\b.* %d$" % (verb, code), text, re.M))


# ---------------------------------------------------------------- curl and lftp

# Anything of these in a client's messages is a failure (the list).
CLIENT_TROUBLE = re.compile(r"Fatal error|GnuTLS|-110\b|SSL|error", re.I)


def client_trouble(text):
    return [l for l in text.splitlines() if CLIENT_TROUBLE.search(l)]


def curl_version():
    try:
        out = subprocess.run(["curl", "--version"], capture_output=True, timeout=10).stdout
        m = re.match(rb"curl (\d+)\.(\d+)\.(\d+)", out)
        return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)
    except (OSError, subprocess.SubprocessError):
        return (0, 0, 0)


def curl(args, timeout=60, tls13=False):
    """curl with the test CA, bounded in time: (rc, stdout, stderr)."""
    base = ["curl", "-sS", "--cacert", certs().server_ca, "--connect-timeout", "10",
            "--max-time", str(timeout - 5)]
    if tls13:
        base.append("--tlsv1.3")
    return ft.run_tool(base + args, timeout=timeout)


def curl_url(server, path="/", user=ALICE, implicit=False):
    return "%s://%s:%s@%s:%d%s" % ("ftps" if implicit else "ftp", user.name, user.password,
                                  server.host, server.port, path)


LFTP_SETTINGS = [
    "set ftp:ssl-force true",
    "set ftp:ssl-protect-data true",
    "set ssl:verify-certificate no",
    "set net:max-retries 1",
    "set net:reconnect-interval-base 1",
    "set net:timeout 15",
    "set cmd:fail-exit yes",
    "set xfer:clobber on",
    "set cmd:interactive false",
]


def lftp(server, commands, implicit=False, user=ALICE, settings=(), timeout=90, cwd=None):
    """Runs lftp on a script (list of commands) against server:
    (rc, stdout, stderr)."""
    url = "%s://%s:%d" % ("ftps" if implicit else "ftp", server.host, server.port)
    script = LFTP_SETTINGS + list(settings) + [
        "open -u %s,%s %s" % (user.name, user.password, url)] + list(commands) + ["bye"]
    fd, path = tempfile.mkstemp(prefix="ftpsd-lftp-", suffix=".lftp")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(script) + "\n")
    try:
        home = tempfile.mkdtemp(prefix="ftpsd-lftp-home-")
        try:
            return ft.run_tool(["lftp", "-f", path], timeout=timeout, cwd=cwd,
                               env={"HOME": home, "LFTP_HOME": home})
        finally:
            shutil.rmtree(home, ignore_errors=True)
    finally:
        os.unlink(path)


def make_tree(base, count=50, seed=7):
    """~count small files in nested directories: {relative path: bytes}."""
    files = {}
    for i in range(count):
        sub = ["", "a", "a/b", "c", "c/d/e"][i % 5]
        rel = os.path.join(sub, "file-%02d.bin" % i) if sub else "file-%02d.bin" % i
        data = ft.random_bytes(100 + (i * 977) % 20000, seed * 1000 + i)
        ft.write_file(os.path.join(base, rel), data)
        files[rel] = data
    return files


def tree_digest(base):
    """{relative path: sha256} of every file under base."""
    out = {}
    for dirpath, _, names in os.walk(base):
        for n in names:
            full = os.path.join(dirpath, n)
            out[os.path.relpath(full, base)] = ft.sha256_file(full)
    return out
