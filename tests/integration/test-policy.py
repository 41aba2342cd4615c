#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: per-user policy from the users file's options.

read-only and write over FTPSD_WRITE, the upload-only drop box, cert-only,
from=, umask=, and a bad option: --check names its line, sessions refuse.
Clients: the raw control connection of the harness, python ftplib and curl.
"""

import ftplib
import io
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import MiB, TAP, Server, User, install_watchdog, read_file, sha256  # noqa: E402

t = TAP()
install_watchdog()


class OptUser(User):
    """A users-file line with a fourth field of options."""

    def __init__(self, name, password, options, home=None):
        super().__init__(name, password, "sha512", home)
        self.options = options

    def line(self):
        return "%s:%s:%s:%s" % (self.name, ft.password_hash(self.password), self.home or "",
                                self.options)


READER = OptUser("reader", "reader-pw", "read-only")
WRITER = OptUser("writer", "writer-pw", "write")
DROP = OptUser("drop", "drop-pw", "upload-only", home="/drop")
DROPW = OptUser("dropw", "dropw-pw", "upload-only,write", home="/dropw")
CERT = OptUser("certy", "certy-pw", "cert-only")
LOCAL = OptUser("local", "local-pw", "from=127.0.0.1")
OTHER = OptUser("other", "other-pw", "from=10.0.0.0/8,from=127.0.0.2")
MASKED = OptUser("masked", "masked-pw", "write,umask=077")
QUOTA = OptUser("quota", "quota-pw", "write,quota-bytes=1M", home="/quota")
QFILES = OptUser("qfiles", "qfiles-pw", "write,quota-files=3", home="/qfiles")
QDEEP = OptUser("qdeep", "qdeep-pw", "write,quota-bytes=1M", home="/qdeep")
PLAIN = User("plain", "plain-pw")
USERS = [READER, WRITER, DROP, DROPW, CERT, LOCAL, OTHER, MASKED, QUOTA, QFILES, QDEEP, PLAIN]


def ftp(srv, user, source=None):
    f = ftplib.FTP(timeout=ft.CTL_TIMEOUT,
                   source_address=(source, 0) if source else None)
    f.connect(srv.host, srv.port)
    f.login(user.name, user.password)
    return f


def ftp_error(fn, *args):
    """The reply code of an ftplib error, or None when fn succeeded."""
    try:
        fn(*args)
    except ftplib.all_errors as e:
        return int(str(e)[:3]) if str(e)[:3].isdigit() else str(e)
    return None


# ------------------------------------------------------------ read-only / write

def test_read_only(srv, lenient):
    old = b"the old content\n" * 100
    srv.put("keep.txt", old)
    mark = srv.mark()
    with ftp(srv, READER) as f:
        code = ftp_error(f.storbinary, "STOR keep.txt", io.BytesIO(b"new content"))
        t.is_eq(code, 550, "read-only under FTPSD_WRITE=1: STOR gets 550")
        t.is_eq(ftp_error(f.storbinary, "STOR fresh.txt", io.BytesIO(b"x")), 550,
                "read-only: STOR of a new name gets 550")
        t.is_eq(ftp_error(f.delete, "keep.txt"), 550, "read-only: DELE gets 550")
        t.is_eq(ftp_error(f.mkd, "newdir"), 550, "read-only: MKD gets 550")
        t.is_eq(ftp_error(f.rename, "keep.txt", "moved.txt"), 550, "read-only: RNFR gets 550")
        data = io.BytesIO()
        f.retrbinary("RETR keep.txt", data.write)
        t.is_eq(sha256(data.getvalue()), sha256(old), "read-only: RETR still works")
    t.is_eq(sha256(read_file(srv.path("keep.txt"))), sha256(old), "read-only: the file is unchanged")
    t.ok(not os.path.exists(srv.path("fresh.txt")) and not os.path.exists(srv.path("newdir")),
         "read-only: nothing was created")
    t.like(srv.log(mark), r"reader \[127\.0\.0\.1\] STOR keep\.txt 550", "log: the refused STOR")
    # The same user on a server with FTPSD_WRITE=1 absent... and a writer
    # where FTPSD_WRITE=0: the option wins both ways.
    payload = ft.random_bytes(300000, 18)
    with ftp(lenient, WRITER) as f:
        f.storbinary("STOR up.bin", io.BytesIO(payload))
    t.is_eq(sha256(read_file(lenient.path("up.bin"))), sha256(payload),
            "write under FTPSD_WRITE=0: STOR stores the bytes")
    with ftp(lenient, PLAIN) as f:
        t.is_eq(ftp_error(f.storbinary, "STOR plain.bin", io.BytesIO(b"x")), 550,
                "no option under FTPSD_WRITE=0: STOR gets 550 (FTPSD_WRITE decides)")


# ------------------------------------------------------------ upload-only

def test_drop_box(srv, lenient):
    srv.mkdir("drop")
    srv.put("drop/earlier.txt", b"another customer's upload\n")
    payload = ft.random_bytes(200000, 7)
    with ftp(srv, DROP) as f:
        f.storbinary("STOR report.bin", io.BytesIO(payload))
        t.is_eq(sha256(read_file(srv.path("drop/report.bin"))), sha256(payload),
                "drop box: STOR of a new file stores the bytes")
        t.is_eq(ftp_error(f.retrbinary, "RETR report.bin", lambda b: None), 550,
                "drop box: RETR of one's own upload gets 550")
        t.is_eq(ftp_error(f.retrbinary, "RETR earlier.txt", lambda b: None), 550,
                "drop box: RETR of another upload gets 550")
        t.is_eq(ftp_error(f.storbinary, "STOR earlier.txt", io.BytesIO(b"overwritten")), 550,
                "drop box: STOR over an existing file gets 550")
        t.is_eq(ftp_error(f.storbinary, "APPE earlier.txt", io.BytesIO(b"more")), 550,
                "drop box: APPE gets 550")
        t.is_eq(ftp_error(f.delete, "earlier.txt"), 550, "drop box: DELE gets 550")
        t.is_eq(ftp_error(f.rename, "earlier.txt", "mine.txt"), 550, "drop box: RNFR gets 550")
        t.is_eq(ftp_error(f.size, "earlier.txt"), 550, "drop box: SIZE gets 550")
        t.is_eq(ftp_error(f.sendcmd, "MDTM earlier.txt"), 550, "drop box: MDTM gets 550")
        t.is_eq(ftp_error(f.sendcmd, "REST 10"), 550, "drop box: REST gets 550")
        lines = []
        f.retrlines("LIST", lines.append)
        t.is_eq(lines, [], "drop box: LIST is empty")
        t.is_eq(f.nlst(), [], "drop box: NLST is empty")
        t.is_eq(list(f.mlsd()), [], "drop box: MLSD is empty")
    t.is_eq(read_file(srv.path("drop/earlier.txt")), b"another customer's upload\n",
            "drop box: the existing file is intact")
    t.is_eq(sorted(os.listdir(srv.path("drop"))), ["earlier.txt", "report.bin"],
            "drop box: no temporaries or other files left")
    # STOU makes a new name, never the existing one.
    with srv.login(DROP) as c:
        first, final = c.stor("STOU earlier.txt", b"unique\n")
        t.code(first, 150, "drop box: STOU is allowed")
        t.code(final, 226, "drop box: STOU completes")
    t.is_eq(read_file(srv.path("drop/earlier.txt")), b"another customer's upload\n",
            "drop box: STOU left the existing file intact")
    # curl, as a customer's script would use it.
    if ft.have_tool("curl"):
        src = os.path.join(srv.dir, "curl-up.bin")
        ft.write_file(src, payload[:5000])
        url = "ftp://%s:%s@%s:%d/" % (DROP.name, DROP.password, srv.host, srv.port)
        up = subprocess.run(["curl", "-sS", "--max-time", "30", "-T", src, url + "curl.bin"],
                            capture_output=True, timeout=60)
        t.is_eq(up.returncode, 0, "drop box: curl -T uploads")
        down = subprocess.run(["curl", "-sS", "--max-time", "30", "-o", os.devnull, url + "curl.bin"],
                              capture_output=True, timeout=60)
        t.ok(down.returncode != 0, "drop box: curl cannot download it back (exit %d)" % down.returncode)
        again = subprocess.run(["curl", "-sS", "--max-time", "30", "-T", os.devnull, url + "curl.bin"],
                               capture_output=True, timeout=60)
        t.ok(again.returncode != 0, "drop box: curl cannot overwrite it")
        t.is_eq(sha256(read_file(srv.path("drop/curl.bin"))), sha256(payload[:5000]),
                "drop box: curl's upload is intact")
    else:
        t.skip("drop box with curl", "curl is not installed")
    # MKD needs write permission: FTPSD_WRITE=0 and no write option.
    lenient.mkdir("drop")
    with ftp(lenient, DROP) as f:
        t.is_eq(ftp_error(f.mkd, "sub"), 550, "drop box under FTPSD_WRITE=0: MKD gets 550")
        f.storbinary("STOR new.txt", io.BytesIO(b"n\n"))
    t.ok(not os.path.exists(lenient.path("drop/sub")), "drop box under FTPSD_WRITE=0: no directory made")
    t.is_eq(read_file(lenient.path("drop/new.txt")), b"n\n",
            "drop box under FTPSD_WRITE=0: STOR of a new file still works")
    # upload-only,write: MKD too, and uploads into it.
    srv.mkdir("dropw")
    with ftp(srv, DROPW) as f:
        t.ok(f.mkd("batch1").endswith("batch1"), "drop box with write: MKD works")
        f.storbinary("STOR batch1/a.txt", io.BytesIO(b"a\n"))
        t.is_eq(ftp_error(f.rmd, "batch1"), 550, "drop box with write: RMD still gets 550")
        t.is_eq(ftp_error(f.storbinary, "STOR batch1/a.txt", io.BytesIO(b"b\n")), 550,
                "drop box with write: still no overwrite")
    t.is_eq(read_file(srv.path("dropw/batch1/a.txt")), b"a\n", "drop box with write: the upload")


# ------------------------------------------------------------ cert-only, from=

def test_cert_only(srv):
    mark = srv.mark()
    with srv.connect() as c:
        t.code(c.cmd("USER " + CERT.name), 331, "cert-only: USER asks for a password")
        t.code(c.cmd("PASS " + CERT.password), 530, "cert-only: the right password gets 530")
    t.like(srv.log(mark), r"login of certy from 127\.0\.0\.1 refused: the user logs in by certificate only",
           "log: why the cert-only login was refused")
    t.like(srv.log(mark), r"failed login from 127\.0\.0\.1 for user certy",
           "log: the failed login, as fail2ban reads it")


def test_from(srv):
    with srv.connect() as c:
        t.code(c.login(LOCAL.name, LOCAL.password), 230, "from=127.0.0.1: login from 127.0.0.1")
    mark = srv.mark()
    with srv.connect(source="127.0.0.2") as c:
        t.code(c.login(LOCAL.name, LOCAL.password), 530,
               "from=127.0.0.1: the right password from 127.0.0.2 gets 530")
    t.like(srv.log(mark), r"login of local from 127\.0\.0\.2 refused: not an address in the user's from= list",
           "log: the address refused")
    with srv.connect(source="127.0.0.2") as c:
        t.code(c.login(OTHER.name, OTHER.password), 230,
               "from=10.0.0.0/8,from=127.0.0.2: login from 127.0.0.2")
    with srv.connect() as c:
        t.code(c.login(OTHER.name, OTHER.password), 530,
               "from=10.0.0.0/8,from=127.0.0.2: refused from 127.0.0.1")


# ------------------------------------------------------------ umask=

def test_umask(srv):
    with ftp(srv, MASKED) as f:
        f.storbinary("STOR masked.txt", io.BytesIO(b"private\n"))
        f.mkd("maskeddir")
    with ftp(srv, WRITER) as f:
        f.storbinary("STOR open.txt", io.BytesIO(b"public\n"))
    t.is_eq(oct(stat.S_IMODE(os.stat(srv.path("masked.txt")).st_mode)), "0o600",
            "umask=077: an upload is 0600")
    t.is_eq(oct(stat.S_IMODE(os.stat(srv.path("maskeddir")).st_mode)), "0o700",
            "umask=077: a directory is 0700")
    t.is_eq(oct(stat.S_IMODE(os.stat(srv.path("open.txt")).st_mode)), "0o644",
            "no umask=: FTPSD_UMASK (022) gives 0644")


# ------------------------------------------------------------ quotas

def stor_code(c, name, data, cmd="STOR"):
    first, final = c.stor("%s %s" % (cmd, name), data)
    return first[0] if final is None else final[0]


def test_quota_bytes(srv):
    KiB = 1024
    old = ft.random_bytes(300 * KiB, 31)
    srv.mkdir("quota/sub")
    srv.put("quota/sub/old.bin", old)
    mark = srv.mark()
    with srv.login(QUOTA) as c:
        # 300 KiB used of 1 MiB: replacing old.bin frees its 300 KiB, so
        # 1 MiB fits exactly and 1 MiB + 1 does not.
        t.is_eq(stor_code(c, "sub/old.bin", ft.random_bytes(MiB + 1, 32)), 552,
                "quota-bytes=1M: a STOR past the quota mid-upload gets 552")
        t.is_eq(sha256(read_file(srv.path("quota/sub/old.bin"))), sha256(old),
                "quota-bytes=1M: the old file is intact")
        t.is_eq(sorted(os.listdir(srv.path("quota/sub"))), ["old.bin"],
                "quota-bytes=1M: the partial upload is gone")
        t.is_eq(stor_code(c, "sub/old.bin", ft.random_bytes(725 * KiB, 33), "APPE"), 552,
                "quota-bytes=1M: an APPE past the quota gets 552")
        t.is_eq(sha256(read_file(srv.path("quota/sub/old.bin"))), sha256(old),
                "quota-bytes=1M: an APPE past it leaves the file as it was")
        # The usage is still 300 KiB: 724 KiB more fits exactly ...
        new = ft.random_bytes(724 * KiB, 34)
        t.is_eq(stor_code(c, "new.bin", new), 226, "quota-bytes=1M: exactly the rest fits (usage correct)")
        t.is_eq(sha256(read_file(srv.path("quota/new.bin"))), sha256(new), "quota-bytes=1M: byte-exact")
        # ... and now not one byte more, not even in another file.
        t.is_eq(stor_code(c, "one.bin", b"x"), 552, "quota-bytes=1M: full, one more byte gets 552")
        t.ok(not os.path.exists(srv.path("quota/one.bin")), "quota-bytes=1M: and leaves nothing")
        t.is_eq(stor_code(c, "empty.bin", b""), 226, "quota-bytes=1M: an empty file still fits")
        # Deleting frees room: the next upload counts again.
        t.code(c.cmd("DELE sub/old.bin"), 250, "quota-bytes=1M: DELE")
        t.is_eq(stor_code(c, "after.bin", ft.random_bytes(300 * KiB, 35)), 226,
                "quota-bytes=1M: after DELE the freed room is there")
        t.is_eq(stor_code(c, "more.bin", b"x"), 552, "quota-bytes=1M: and full again")
        c.quit()
    t.like(srv.log(mark), r"quota \[127\.0\.0\.1\] STOR sub/old\.bin 552", "log: the STOR past the quota")


def test_quota_deep(srv):
    """A tree the count cannot walk whole is full: deeper than the walk
    goes (each level holds a descriptor, and a session has 64), a file at
    the bottom would otherwise go uncounted and the quota be free."""
    deep = "qdeep/" + "/".join(["d"] * 60)
    srv.mkdir(deep)
    srv.put(deep + "/big.bin", b"x" * (2 * 1024 * 1024))
    with srv.login(QDEEP) as c:
        t.is_eq(stor_code(c, "one.bin", b"x"), 552,
                "quota-bytes=1M: a tree too deep to count counts as full (552)")
    t.ok(not os.path.exists(srv.path("qdeep/one.bin")), "quota-bytes=1M: and nothing is stored")


def test_quota_files(srv):
    srv.mkdir("qfiles")
    srv.put("qfiles/a.txt", b"a\n")
    with srv.login(QFILES) as c:
        t.is_eq(stor_code(c, "b.txt", b"b\n"), 226, "quota-files=3: the second file")
        t.is_eq(stor_code(c, "c.txt", b"c\n"), 226, "quota-files=3: the third file")
        t.is_eq(stor_code(c, "d.txt", b"d\n"), 552, "quota-files=3: a fourth gets 552")
        t.is_eq(c.stor("STOU d.txt", b"d\n")[0][0], 552, "quota-files=3: STOU of a fourth gets 552")
        t.is_eq(stor_code(c, "a.txt", b"new a\n"), 226, "quota-files=3: replacing a file still works")
        c.quit()
    t.is_eq(sorted(os.listdir(srv.path("qfiles"))), [".ftpsd-usage", "a.txt", "b.txt", "c.txt"],
            "quota-files=3: three files, no fourth (and the usage file, which does not count)")
    t.is_eq(read_file(srv.path("qfiles/a.txt")), b"new a\n", "quota-files=3: the replaced file")


# ------------------------------------------------------------ anonymous

def anonymous_server():
    srv = Server(env={"FTPSD_WRITE": "1", "FTPSD_ANONYMOUS": "1",
                      "FTPSD_ANONYMOUS_UPLOAD": "/incoming"}, users=[PLAIN])
    anon = os.path.join(srv.dir, "anon")
    os.makedirs(os.path.join(anon, "incoming"))
    os.makedirs(os.path.join(anon, "pub"))
    ft.write_file(os.path.join(anon, "pub", "readme.txt"), b"for everyone\n")
    ft.write_file(os.path.join(anon, "incoming", "earlier.bin"), b"someone else's upload\n")
    ft.own(anon)
    srv.env["FTPSD_ANONYMOUS_ROOT"] = anon
    return srv, anon


def test_anonymous(srv, anon):
    srv.put("private.txt", b"a virtual user's file\n")
    payload = ft.random_bytes(100000, 41)
    with ftp(srv, User("anonymous", "guest@example.org")) as f:
        t.is_eq(sorted(f.nlst()), ["incoming", "pub"], "anonymous: its own root, not FTPSD_ROOT")
        t.is_eq(ftp_error(f.retrbinary, "RETR /private.txt", lambda b: None), 550,
                "anonymous: a virtual user's file is out of reach")
        data = io.BytesIO()
        f.retrbinary("RETR pub/readme.txt", data.write)
        t.is_eq(data.getvalue(), b"for everyone\n", "anonymous: reads its tree")
        t.is_eq(ftp_error(f.storbinary, "STOR pub/new.txt", io.BytesIO(b"x")), 550,
                "anonymous: STOR outside the incoming directory gets 550")
        f.storbinary("STOR incoming/report.bin", io.BytesIO(payload))
        t.is_eq(sha256(read_file(os.path.join(anon, "incoming", "report.bin"))), sha256(payload),
                "anonymous: STOR of a new file in incoming stores the bytes")
        for what, fn in (("RETR", lambda: f.retrbinary("RETR incoming/report.bin", lambda b: None)),
                         ("LIST", lambda: f.retrlines("LIST incoming", lambda l: None)),
                         ("LIST -la", lambda: f.retrlines("LIST -la /incoming", lambda l: None)),
                         ("NLST", lambda: f.nlst("incoming")),
                         ("MLSD", lambda: list(f.mlsd("incoming"))),
                         ("SIZE", lambda: f.size("incoming/report.bin")),
                         ("DELE", lambda: f.delete("incoming/earlier.bin")),
                         ("RNFR", lambda: f.rename("incoming/earlier.bin", "incoming/x")),
                         ("MKD", lambda: f.mkd("incoming/sub")),
                         ("STOR over a file", lambda: f.storbinary("STOR incoming/earlier.bin",
                                                                   io.BytesIO(b"overwritten"))),
                         ("APPE", lambda: f.storbinary("APPE incoming/earlier.bin", io.BytesIO(b"more")))):
            t.is_eq(ftp_error(fn), 550, "anonymous incoming: %s gets 550" % what)
        f.cwd("/incoming")
        t.is_eq(ftp_error(f.nlst), 550, "anonymous in incoming: NLST of the current directory gets 550")
        t.is_eq(ftp_error(f.retrbinary, "RETR report.bin", lambda b: None), 550,
                "anonymous in incoming: RETR by a relative name gets 550")
        f.sendcmd("TYPE I")
        f.storbinary("STOR second.bin", io.BytesIO(b"2"))
    t.is_eq(read_file(os.path.join(anon, "incoming", "earlier.bin")), b"someone else's upload\n",
            "anonymous incoming: the earlier upload is intact")
    t.is_eq(sorted(os.listdir(os.path.join(anon, "incoming"))), ["earlier.bin", "report.bin", "second.bin"],
            "anonymous incoming: nothing else was made")
    t.ok(not os.path.exists(os.path.join(anon, "pub", "new.txt")), "anonymous: pub unchanged")


def test_anonymous_config():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FTPSD_ANONYMOUS": "1",
           "FTPSD_ANONYMOUS_UPLOAD": "/incoming"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    if ft.run_user() is not None:
        env["FTPSD_RUN_USER"] = ft.RUN_USER
    for extra, message in (({}, "FTPSD_ANONYMOUS_UPLOAD needs FTPSD_ANONYMOUS_ROOT"),
                           ({"FTPSD_ANONYMOUS_ROOT": "/", "FTPSD_ANONYMOUS_UPLOAD": "/a/../b"},
                            "FTPSD_ANONYMOUS_UPLOAD=/a/../b: expected a directory beneath")):
        p = subprocess.run([ft.FTPSD_BIN, "--check"], env=dict(env, **extra), capture_output=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        err = p.stderr.decode("utf-8", "replace")
        t.ok(p.returncode == 1 and message in err, "--check: %s" % message, err)


# ------------------------------------------------------------ FTPSD_BANNER_FILE

BANNER_TEXT = b"Welcome to the test server.\r\n\r\n220 this line only looks like an end\ncaf\xc3\xa9\n\n"
BANNER_WANT = ["220-Welcome to the test server.", " ", " 220 this line only looks like an end",
               " caf\u00e9", "220 Final line"]


def raw_greeting(sock):
    """Reads a greeting up to its last line ("220 ")."""
    buf = b""
    while not re_last.search(buf):
        b = sock.recv(4096)
        if not b:
            break
        buf += b
    return buf.decode("utf-8", "replace").split("\r\n")[:-1]


import re  # noqa: E402
re_last = re.compile(rb"(^|\r\n)220 [^\r\n]*\r\n$")


def test_banner_file():
    import socket
    tmp = ft.tempfile.mkdtemp(prefix="ftpsd-banner-")
    path = os.path.join(tmp, "banner")
    ft.write_file(path, BANNER_TEXT)
    os.chmod(tmp, 0o755)
    with Server(env={"FTPSD_BANNER_FILE": path, "FTPSD_BANNER": "Final line"}, users=[PLAIN]) as srv:
        with socket.create_connection((srv.host, srv.port), timeout=ft.CTL_TIMEOUT) as sk:
            t.is_eq(raw_greeting(sk), BANNER_WANT, "FTPSD_BANNER_FILE: a multi-line 220, FTPSD_BANNER last")
        with ftp(srv, PLAIN) as f:
            t.like(f.getwelcome(), r"^220-Welcome.*\n220 Final line$", "ftplib reads the greeting whole",
                   re.S)
    try:
        import tls_support as ts
        with ts.tls_server(users=[PLAIN], TLS_IMPLICIT="1", BANNER_FILE=path, BANNER="Final line") as imp:
            ctx = ts.client_context()
            with socket.create_connection((imp.host, imp.port), timeout=ft.CTL_TIMEOUT) as raw:
                with ctx.wrap_socket(raw, server_hostname=imp.host) as sk:
                    t.is_eq(raw_greeting(sk), BANNER_WANT, "FTPSD_BANNER_FILE with implicit TLS: the same greeting")
    except ImportError as e:
        t.skip("banner with implicit TLS", "tls_support: %s" % e)
    ft.write_file(path, b"fine\nwith\ttab\n")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FTPSD_ANONYMOUS": "1",
           "FTPSD_BANNER_FILE": path}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    if ft.run_user() is not None:
        env["FTPSD_RUN_USER"] = ft.RUN_USER
    p = subprocess.run([ft.FTPSD_BIN, "--check"], env=env, capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    err = p.stderr.decode("utf-8", "replace")
    t.ok(p.returncode == 1 and ("FTPSD_BANNER_FILE=%s: line 2: a control character" % path) in err,
         "--check: a tab in the banner file, with its line", err)
    with Server(env={"FTPSD_BANNER_FILE": path}, users=[PLAIN]) as bad:
        with bad.connect() as c:
            t.code(c.greeting, 421, "a session with a bad banner file answers 421")
    ft.shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------ FTPSD_LIST_OWNER

def test_list_owner():
    import grp
    import pwd
    me = ft.run_user() or pwd.getpwuid(os.geteuid())
    my_group = grp.getgrgid(me.pw_gid).gr_name
    for mode in ("ftp", "name", "numeric"):
        with Server(env={"FTPSD_LIST_OWNER": mode}, users=[PLAIN]) as srv:
            srv.put("mine.txt", b"x")
            ft.write_file(srv.path("roots.txt"), b"y")
            os.chown(srv.path("roots.txt"), 0, 0) if os.geteuid() == 0 else None
            with ftp(srv, PLAIN) as f:
                lines = []
                f.retrlines("LIST", lines.append)
            owners = {l.split()[-1]: tuple(l.split()[2:4]) for l in lines}
            if mode == "ftp":
                t.is_eq(set(owners.values()), {("ftp", "ftp")}, "FTPSD_LIST_OWNER=ftp: every entry ftp ftp")
            elif mode == "name":
                t.is_eq(owners.get("mine.txt"), (me.pw_name, my_group),
                        "FTPSD_LIST_OWNER=name: the session's own files by name")
                if os.geteuid() == 0:
                    t.is_eq(owners.get("roots.txt"), ("0", "0"),
                            "FTPSD_LIST_OWNER=name: other ids stay numbers")
            else:
                t.is_eq(owners.get("mine.txt"), (str(me.pw_uid), str(me.pw_gid)),
                        "FTPSD_LIST_OWNER=numeric: numbers")


# ------------------------------------------------------------ a bad option

def test_bad_option():
    with Server(env={"FTPSD_WRITE": "1"}, users=[PLAIN],
                extra_users_lines=["# comment", "typo:%s::raed-only" % ft.password_hash("x")]) as bad:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FTPSD_ROOT": bad.root,
               "FTPSD_USERS": bad.users_file}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        if ft.run_user() is not None:
            env["FTPSD_RUN_USER"] = ft.RUN_USER
        p = subprocess.run([ft.FTPSD_BIN, "--check"], env=env, capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        err = p.stderr.decode("utf-8", "replace")
        t.is_eq(p.returncode, 1, "--check with a misspelt option exits 1")
        t.like(err, r'FTPSD_USERS=\S+: line 3: option "raed-only": unknown option',
               "--check names the line and the option")
        with bad.connect() as c:
            t.code(c.greeting, 421, "a session under a misspelt option answers 421")


def test_sanitizers():
    ft.check_sanitizer_reports(t)


def main():
    with Server(env={"FTPSD_WRITE": "1"}, users=USERS) as srv, \
            Server(env={"FTPSD_WRITE": "0"}, users=USERS) as lenient:
        t.case("read-only and write", test_read_only, srv, lenient)
        t.case("upload-only drop box", test_drop_box, srv, lenient)
        t.case("cert-only", test_cert_only, srv)
        t.case("from=", test_from, srv)
        t.case("umask=", test_umask, srv)
        t.case("quota-bytes=", test_quota_bytes, srv)
        t.case("quota-files=", test_quota_files, srv)
        t.case("quota of a tree too deep to count", test_quota_deep, srv)
        t.case("a bad option", test_bad_option)
    anon_srv, anon = anonymous_server()
    with anon_srv:
        t.case("anonymous root and incoming", test_anonymous, anon_srv, anon)
    t.case("anonymous configuration", test_anonymous_config)
    t.case("FTPSD_BANNER_FILE", test_banner_file)
    t.case("FTPSD_LIST_OWNER", test_list_owner)
    t.case("sanitizers", test_sanitizers)
    t.done()


if __name__ == "__main__":
    main()
