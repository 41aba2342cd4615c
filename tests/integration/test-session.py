#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: the control connection.

Logins (sha512crypt, yescrypt, anonymous, failures and their limit),
every command's reply codes, logging, timeouts, bad configuration and the
command-line options.
"""

import calendar
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import (ALICE, BOB, FTPSD_BIN, TAP, Server, User, install_watchdog,  # noqa: E402
                        read_file, write_file)

t = TAP()
install_watchdog()

CAROL = User("carol", "carol-pw", "sha512", home="/carol")
DAVE = User("dave", "dave-pw", "sha512", home="/no/such/dir")
MAIN_ENV = {"FTPSD_ANONYMOUS": "1", "FTPSD_MAX_LOGIN_FAILURES": "6",
            "FTPSD_BANNER": "Test banner, ok"}


def populate(srv):
    srv.put("hello.txt", b"hello world\n")
    srv.put("pub/readme.txt", b"read me\n")
    srv.put("carol/carol.txt", b"carol's file\n")
    srv.put(".hidden", b"dot file\n")


# ------------------------------------------------------------ logins

def test_greeting(srv):
    with srv.connect() as c:
        t.is_eq(c.greeting, (220, "220 Test banner, ok"), "greeting is 220 with FTPSD_BANNER")


def test_login_sha512(srv):
    with srv.connect() as c:
        r = c.cmd("USER alice")
        t.code(r, 331, "USER alice")
        r = c.cmd("PASS " + ALICE.password)
        t.code(r, 230, "PASS with the right sha512crypt password")
        t.code(c.cmd("PWD"), 257, "PWD after login")
        c.quit()
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] PASS \*\*\*\* 230$"),
         "log: 'alice [127.0.0.1] PASS **** 230'")
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: - \[127\.0\.0\.1\] USER alice 331$"),
         "log: '- [127.0.0.1] USER alice 331' before login")
    t.ok(ALICE.password not in srv.log(), "the password is not in the log")


def test_login_yescrypt(srv):
    with srv.connect() as c:
        t.code(c.cmd("USER bob"), 331, "USER bob")
        t.code(c.cmd("PASS " + BOB.password), 230, "PASS with the right yescrypt password")
        c.quit()
    with srv.connect() as c:
        c.cmd("USER bob")
        t.code(c.cmd("PASS " + ALICE.password), 530, "yescrypt user, wrong password")


def test_bad_password(srv):
    mark = srv.mark()
    with srv.connect() as c:
        t.code(c.cmd("USER alice"), 331, "USER alice")
        t0 = time.monotonic()
        r = c.cmd("pass wrong-password-123")
        dt = time.monotonic() - t0
        t.code(r, 530, "PASS with a wrong password (sent as lower-case 'pass')")
        t.ok(dt >= 0.45, "the failure is delayed (%.2f s >= 0.5 s)" % dt)
        t.code(c.cmd("PWD"), 530, "not logged in after a failure")
        t.code(c.cmd("PASS " + ALICE.password), 503, "PASS again without USER")
        t.code(c.login("alice", ALICE.password), 230, "the session goes on: good login after a bad one")
        c.quit()
    t.ok("wrong-password-123" not in srv.log(mark), "a wrong password is not logged either")
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: (-|alice) \[127\.0\.0\.1\] PASS \*\*\*\* 530$", since=mark),
         "log: '- [127.0.0.1] PASS **** 530'", srv.log(mark)[-1500:])


def test_unknown_user(srv):
    with srv.connect() as c:
        t.code(c.cmd("USER nosuchuser"), 331, "USER of an unknown user (no enumeration)")
        t.code(c.cmd("PASS whatever"), 530, "PASS for an unknown user")
        t.code(c.cmd("USER " + "x" * 300), 501, "USER with an over-long name")
        t.code(c.cmd("USER a:b"), 501, "USER with a colon")
        t.code(c.cmd("USER"), 501, "USER without argument")


def test_pass_without_user(srv):
    with srv.connect() as c:
        t.code(c.cmd("PASS " + ALICE.password), 503, "PASS before USER")
        t.code(c.cmd("PWD"), 530, "still not logged in")


def test_failure_limit(limited):
    """FTPSD_MAX_LOGIN_FAILURES=2: the second failure ends the session."""
    mark = limited.mark()
    with limited.connect() as c:
        c.cmd("USER alice")
        t0 = time.monotonic()
        r1 = c.cmd("PASS bad1")
        d1 = time.monotonic() - t0
        t.code(r1, 530, "first failure")
        t.ok(d1 >= 0.45, "first delay %.2f s >= 0.5 s" % d1)
        t.code(c.cmd("USER alice"), 331, "USER after the first failure")
        t0 = time.monotonic()
        r2 = c.cmd("PASS bad2")
        d2 = time.monotonic() - t0
        t.code(r2, 530, "second failure")
        t.ok(d2 >= 0.95, "second delay doubles: %.2f s >= 1 s" % d2)
        t.ok(c.wait_closed(5), "the server closes the connection after FTPSD_MAX_LOGIN_FAILURES")
    pids = limited.session_pids(mark)
    t.ok(len(pids) == 1 and limited.child_exit(pids[0], 5, mark) is not None,
         "the session process has exited")


def test_anonymous(srv):
    before = sorted(os.listdir(srv.root))
    for name in ("anonymous", "ftp"):
        with srv.connect() as c:
            t.code(c.cmd("USER " + name), 331, "USER %s" % name)
            t.code(c.cmd("PASS someone@example.org"), 230, "anonymous %s: any password" % name)
            t.is_eq(c.cmd("PWD"), (257, '257 "/" is the current directory'), "anonymous PWD is /")
            first, data, final = c.retr("RETR hello.txt")
            t.is_eq((first[0], data, final and final[0]), (150, b"hello world\n", 226),
                    "anonymous may RETR")
            if name == "anonymous":
                r = c.stor("STOR new.txt", b"x")[0]
                t.code(r, 550, "anonymous STOR refused")
                t.code(c.stor("APPE hello.txt", b"x")[0], 550, "anonymous APPE refused")
                t.code(c.stor("STOU", b"x")[0], 550, "anonymous STOU refused")
                t.code(c.cmd("DELE hello.txt"), 550, "anonymous DELE refused")
                t.code(c.cmd("MKD newdir"), 550, "anonymous MKD refused")
                t.code(c.cmd("RMD pub"), 550, "anonymous RMD refused")
                t.code(c.cmd("RNFR hello.txt"), 550, "anonymous RNFR refused")
                t.code(c.cmd("RNTO x.txt"), (503, 550), "anonymous RNTO refused")
                r = c.cmd("MLST hello.txt")
                t.like(r[1], r"perm=r;", "anonymous MLST perm fact is read-only (perm=r)")
            c.quit()
    t.is_eq(sorted(os.listdir(srv.root)), before, "anonymous changed nothing on disk")
    t.is_eq(read_file(srv.path("hello.txt")), b"hello world\n", "hello.txt intact")


def test_anonymous_disabled(limited):
    with limited.connect() as c:
        c.cmd("USER anonymous")
        t.code(c.cmd("PASS me@example.org"), 530, "anonymous refused without FTPSD_ANONYMOUS=1")


def test_write_disabled():
    with Server(env={"FTPSD_WRITE": "0"}) as ro:
        ro.put("f.txt", b"data\n")
        ro.mkdir("d")
        with ro.login() as c:
            t.code(c.stor("STOR new.txt", b"x")[0], 550, "FTPSD_WRITE=0: STOR refused")
            t.code(c.stor("APPE f.txt", b"x")[0], 550, "FTPSD_WRITE=0: APPE refused")
            t.code(c.stor("STOU", b"x")[0], 550, "FTPSD_WRITE=0: STOU refused")
            t.code(c.cmd("DELE f.txt"), 550, "FTPSD_WRITE=0: DELE refused")
            t.code(c.cmd("MKD e"), 550, "FTPSD_WRITE=0: MKD refused")
            t.code(c.cmd("RMD d"), 550, "FTPSD_WRITE=0: RMD refused")
            t.code(c.cmd("RNFR f.txt"), 550, "FTPSD_WRITE=0: RNFR refused")
            first, data, final = c.retr("RETR f.txt")
            t.is_eq((first[0], data, final and final[0]), (150, b"data\n", 226),
                    "FTPSD_WRITE=0: RETR works")
            c.quit()
        t.is_eq(sorted(os.listdir(ro.root)), ["d", "f.txt"], "FTPSD_WRITE=0: nothing changed")


def test_missing_home(srv):
    with srv.connect() as c:
        t.code(c.login("dave", "dave-pw"), 530, "a user whose home directory is missing cannot log in")
        t.code(c.cmd("PWD"), 530, "and is not logged in")


def test_user_home(srv):
    with srv.login(CAROL) as c:
        t.is_eq(c.cmd("PWD"), (257, '257 "/" is the current directory'), "home user: PWD is /")
        first, data, final = c.retr("NLST")
        t.is_eq(data, b"carol.txt\r\n", "home user sees only her directory")
        t.code(c.retr("RETR /hello.txt")[0], 550, "home user: a file above her root is not there")
        t.code(c.cmd("CWD .."), 250, "CWD .. at the root")
        t.is_eq(c.cmd("PWD"), (257, '257 "/" is the current directory'), "still / after CWD ..")
        first, data, final = c.retr("RETR carol.txt")
        t.is_eq(data, b"carol's file\n", "home user reads her file")
        c.quit()


# ------------------------------------------------------------ commands

def test_prelogin(srv):
    with srv.connect() as c:
        r = c.cmd("FEAT")
        t.code(r, 211, "FEAT before login")
        t.code(c.cmd("HELP"), 214, "HELP before login")
        t.code(c.cmd("NOOP"), 200, "NOOP before login")
        t.is_eq(c.cmd("SYST"), (215, "215 UNIX Type: L8"), "SYST before login")
        t.code(c.cmd("HOST ftp.example.org"), 220, "HOST before login")
        for cmd in ("PWD", "CWD /", "LIST", "NLST", "RETR hello.txt", "STOR x", "MKD x",
                    "TYPE I", "PASV", "EPSV", "SIZE hello.txt", "MLST", "CDUP", "DELE x"):
            t.code(c.cmd(cmd), 530, "%s before login" % cmd)
        t.code(c.cmd("QUIT"), 221, "QUIT before login")
        t.ok(c.wait_closed(5), "connection closed after QUIT")


def test_unknown_and_syntax(srv):
    with srv.connect() as c:
        t.code(c.cmd("XYZZ"), 500, "unknown verb before login")
        with srv.login() as c:
            t.code(c.cmd("XYZZ"), 500, "unknown verb")
            t.code(c.cmd("FOOBAR"), 500, "six-letter verb")
            t.code(c.cmd("AB"), 500, "two-letter verb")
            t.code(c.cmd("N00P"), 500, "verb with digits")
            t.code(c.cmd(""), 500, "empty line")
            t.code(c.cmd("noop"), 200, "verbs are case-insensitive (noop)")
            t.code(c.cmd("NoOp"), 200, "verbs are case-insensitive (NoOp)")
            for cmd in ("CWD", "RETR", "STOR", "MKD", "RMD", "DELE", "RNFR", "RNTO", "SIZE",
                        "MDTM", "TYPE", "STRU", "MODE", "REST", "PORT", "EPRT", "APPE", "OPTS"):
                t.code(c.cmd(cmd), 501, "%s without argument" % cmd)
            t.code(c.cmd("NOOP"), 200, "session usable after syntax errors")
            c.quit()


def test_simple_replies(srv):
    with srv.login() as c:
        t.code(c.cmd("ACCT something"), 202, "ACCT")
        t.code(c.cmd("ALLO 1000"), 202, "ALLO")
        t.code(c.cmd("NOOP"), 200, "NOOP")
        t.is_eq(c.cmd("SYST"), (215, "215 UNIX Type: L8"), "SYST")
        t.code(c.cmd("ABOR"), 225, "ABOR with no transfer")
        r = c.cmd("HELP")
        t.code(r, 214, "HELP")
        t.ok(r[1].startswith("214-") and r[1].splitlines()[-1].startswith("214 "),
             "HELP is a multi-line 214")
        for verb in ("RETR", "STOR", "EPSV", "EPRT", "MLSD", "MLST", "FEAT", "HOST", "STOU"):
            t.like(r[1], r"\b%s\b" % verb, "HELP lists %s" % verb)
        t.code(c.cmd("HOST ftp.example.org"), 503, "HOST after login")
        r = c.cmd("AUTH TLS")
        t.ok(r[0] in (431, 502, 504, 534), "AUTH TLS without TLS configured is refused (%r)" % (r,))
        t.code(c.cmd("NOOP"), 200, "session usable after AUTH refused")
        c.quit()
    with srv.connect() as c:
        t.code(c.cmd("USER alice"), 331, "USER")
        t.code(c.cmd("HOST ftp.example.org"), 503, "HOST after USER")


def test_quit(srv):
    mark = srv.mark()
    with srv.login() as c:
        t.is_eq(c.cmd("QUIT")[0], 221, "QUIT -> 221")
        t.ok(c.wait_closed(5), "connection closed after QUIT")
    pids = srv.session_pids(mark)
    t.is_eq(len(pids), 1, "one session started")
    t.is_eq(srv.child_exit(pids[0], 5, mark) if pids else "no session", 0, "session exits 0 after QUIT")


def test_rein(srv):
    with srv.login() as c:
        c.cmd("CWD pub")
        c.cmd("TYPE A")
        t.code(c.cmd("REIN"), 220, "REIN")
        t.code(c.cmd("PWD"), 530, "logged out after REIN")
        t.code(c.login("bob", BOB.password), 230, "a new login after REIN")
        t.is_eq(c.cmd("PWD"), (257, '257 "/" is the current directory'), "new login starts at /")
        t.like(c.cmd("STAT")[1], r"TYPE: BINARY", "REIN reset TYPE to I")
        c.quit()


def test_navigation(srv):
    with srv.login() as c:
        t.is_eq(c.cmd("PWD"), (257, '257 "/" is the current directory'), "PWD at start")
        t.is_eq(c.cmd("MKD nav"), (257, '257 "/nav" created'), "MKD nav")
        t.ok(os.path.isdir(srv.path("nav")), "MKD created the directory")
        t.is_eq(c.cmd("XMKD nav/inner"), (257, '257 "/nav/inner" created'), "XMKD nav/inner")
        t.code(c.cmd("CWD nav"), 250, "CWD nav")
        t.is_eq(c.cmd("PWD"), (257, '257 "/nav" is the current directory'), "PWD /nav")
        t.code(c.cmd("XCWD inner"), 250, "XCWD inner")
        t.is_eq(c.cmd("XPWD"), (257, '257 "/nav/inner" is the current directory'), "XPWD /nav/inner")
        t.code(c.cmd("CDUP"), 250, "CDUP")
        t.is_eq(c.cmd("PWD")[1], '257 "/nav" is the current directory', "PWD after CDUP")
        t.code(c.cmd("XCUP"), 250, "XCUP")
        t.is_eq(c.cmd("PWD")[1], '257 "/" is the current directory', "PWD after XCUP")
        t.code(c.cmd("CWD /nav/inner/"), 250, "CWD absolute with trailing slash")
        t.is_eq(c.cmd("PWD")[1], '257 "/nav/inner" is the current directory', "normalized PWD")
        t.code(c.cmd("CWD ./../inner/.//."), 250, "CWD with . and ..")
        t.is_eq(c.cmd("PWD")[1], '257 "/nav/inner" is the current directory', "PWD after . and ..")
        t.code(c.cmd("CWD /nosuchdir"), 550, "CWD to a missing directory")
        t.code(c.cmd("CWD /hello.txt"), 550, "CWD to a file")
        t.is_eq(c.cmd("PWD")[1], '257 "/nav/inner" is the current directory', "failed CWD keeps the directory")
        t.code(c.cmd("CWD /"), 250, "CWD /")
        t.code(c.cmd("MKD nav"), 550, "MKD of an existing directory")
        t.is_eq(c.cmd('MKD q"uote'), (257, '257 "/q""uote" created'), "MKD quotes '\"' by doubling it")
        t.ok(os.path.isdir(srv.path('q"uote')), 'directory q"uote exists')
        t.code(c.cmd('CWD q"uote'), 250, 'CWD q"uote')
        t.is_eq(c.cmd("PWD")[1], '257 "/q""uote" is the current directory', "PWD doubles the quote")
        t.code(c.cmd("CWD /"), 250, "CWD /")
        t.code(c.cmd("RMD nav"), 550, "RMD of a non-empty directory")
        t.ok(os.path.isdir(srv.path("nav/inner")), "non-empty directory still there")
        t.code(c.cmd("XRMD nav/inner"), 250, "XRMD nav/inner")
        t.code(c.cmd("RMD nav"), 250, "RMD nav")
        t.ok(not os.path.exists(srv.path("nav")), "RMD removed the directory")
        t.code(c.cmd("RMD nav"), 550, "RMD of a missing directory")
        t.code(c.cmd("RMD hello.txt"), 550, "RMD of a file")
        t.ok(os.path.isfile(srv.path("hello.txt")), "RMD of a file left it alone")
        c.quit()


def test_dele(srv):
    srv.put("del/a.txt", b"a")
    srv.mkdir("del/sub")
    with srv.login() as c:
        t.code(c.cmd("DELE del/a.txt"), 250, "DELE a file")
        t.ok(not os.path.exists(srv.path("del/a.txt")), "the file is gone")
        t.code(c.cmd("DELE del/a.txt"), 550, "DELE a missing file")
        t.code(c.cmd("DELE del/sub"), 550, "DELE a directory")
        t.ok(os.path.isdir(srv.path("del/sub")), "the directory is still there")
        t.code(c.cmd("DELE /"), 550, "DELE /")
        c.quit()


def test_rename(srv):
    srv.put("ren/a.txt", b"rename me")
    srv.mkdir("ren/dir")
    with srv.login() as c:
        t.code(c.cmd("RNFR ren/a.txt"), 350, "RNFR")
        t.code(c.cmd("RNTO ren/b.txt"), 250, "RNTO")
        t.ok(not os.path.exists(srv.path("ren/a.txt")), "old name gone")
        t.is_eq(read_file(srv.path("ren/b.txt")), b"rename me", "new name has the content")
        t.code(c.cmd("RNTO ren/c.txt"), 503, "RNTO without RNFR")
        t.code(c.cmd("RNFR ren/b.txt"), 350, "RNFR again")
        t.code(c.cmd("NOOP"), 200, "another command between RNFR and RNTO")
        t.code(c.cmd("RNTO ren/c.txt"), 503, "RNTO not right after RNFR")
        t.ok(os.path.exists(srv.path("ren/b.txt")), "nothing renamed")
        t.code(c.cmd("RNFR ren/missing"), 550, "RNFR of a missing file")
        t.code(c.cmd("RNTO ren/c.txt"), 503, "RNTO after a failed RNFR")
        t.code(c.cmd("RNFR /"), 550, "RNFR /")
        t.code(c.cmd("CWD ren"), 250, "CWD ren")
        t.code(c.cmd("RNFR b.txt"), 350, "RNFR relative")
        t.code(c.cmd("RNTO dir/moved.txt"), 250, "RNTO into a subdirectory")
        t.is_eq(read_file(srv.path("ren/dir/moved.txt")), b"rename me", "moved into the subdirectory")
        t.code(c.cmd("RNFR dir"), 350, "RNFR a directory")
        t.code(c.cmd("RNTO /renamed-dir"), 250, "RNTO a directory elsewhere")
        t.ok(os.path.isfile(srv.path("renamed-dir/moved.txt")), "directory renamed with its content")
        c.quit()


def test_size_mdtm(srv):
    data = bytes(range(256)) * 41 + b"tail"
    when = calendar.timegm((2021, 3, 4, 5, 6, 7))
    srv.put("size/file.bin", data, mtime=when)
    with srv.login() as c:
        t.code(c.cmd("TYPE I"), 200, "TYPE I")
        t.is_eq(c.cmd("SIZE size/file.bin"), (213, "213 %d" % len(data)), "SIZE in TYPE I")
        t.code(c.cmd("SIZE size"), 550, "SIZE of a directory")
        t.code(c.cmd("SIZE size/missing"), 550, "SIZE of a missing file")
        t.is_eq(c.cmd("MDTM size/file.bin"), (213, "213 20210304050607"), "MDTM is the UTC mtime")
        t.code(c.cmd("MDTM size/missing"), 550, "MDTM of a missing file")
        t.code(c.cmd("TYPE A"), 200, "TYPE A")
        t.code(c.cmd("SIZE size/file.bin"), 550, "SIZE in TYPE A")
        t.code(c.cmd("TYPE I"), 200, "TYPE I again")
        t.code(c.cmd("SIZE size/file.bin"), 213, "SIZE in TYPE I again")
        c.quit()


def test_parameters(srv):
    with srv.login() as c:
        for arg, want in (("A", 200), ("I", 200), ("a", 200), ("i", 200), ("A N", 200),
                          ("L 8", 200), ("E", 504), ("A T", 504), ("A C", 504), ("L 7", 504),
                          ("X", 501), ("IMAGE", 501)):
            t.code(c.cmd("TYPE " + arg), want, "TYPE %s" % arg)
        for arg, want in (("F", 200), ("R", 504), ("P", 504)):
            t.code(c.cmd("STRU " + arg), want, "STRU %s" % arg)
        for arg, want in (("S", 200), ("B", 504), ("C", 504)):
            t.code(c.cmd("MODE " + arg), want, "MODE %s" % arg)
        t.is_eq(c.cmd("REST 100")[0], 350, "REST 100")
        t.like(c.cmd("REST 0")[1], r"^350 .*\b0\b", "REST 0 -> 350 naming the offset")
        t.code(c.cmd("REST abc"), 501, "REST abc")
        t.code(c.cmd("REST -5"), 501, "REST -5")
        t.code(c.cmd("REST 99999999999999999999"), 501, "REST beyond 64 bits")
        c.quit()


FEATURES = {"EPRT", "EPSV", "HOST", "MDTM", "MFMT", "PASV", "REST STREAM", "SIZE", "TVFS", "UTF8"}


def feat_lines(text):
    lines = text.splitlines()
    return [l.strip() for l in lines[1:-1]]


def test_feat_opts(srv):
    srv.put("mlst.txt", b"12345")
    with srv.login() as c:
        r = c.cmd("FEAT")
        t.code(r, 211, "FEAT")
        lines = r[1].splitlines()
        t.ok(lines[0].startswith("211-") and lines[-1].startswith("211 "), "FEAT is multi-line 211")
        t.ok(all(l.startswith(" ") for l in lines[1:-1]), "feature lines start with a space")
        feats = feat_lines(r[1])
        t.is_eq({f for f in feats if not f.startswith("MLST")}, FEATURES, "FEAT lists the features")
        t.is_eq([f for f in feats if f.startswith("MLST")],
                ["MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;"], "FEAT MLST facts")
        t.ok(not any(f.startswith(("AUTH", "PBSZ", "PROT")) for f in feats),
             "no AUTH TLS/PBSZ/PROT without TLS configured")
        t.code(c.cmd("OPTS UTF8 ON"), 200, "OPTS UTF8 ON")
        r = c.cmd("MLST mlst.txt")
        t.code(r, 250, "MLST a file")
        m = re.search(r"^ (\S+) /mlst\.txt$", r[1], re.M)
        t.ok(m is not None, "MLST fact line is ' facts /mlst.txt'", r[1])
        facts = dict(f.split("=", 1) for f in m.group(1).split(";") if f) if m else {}
        t.is_eq(sorted(facts), sorted(["type", "size", "modify", "perm", "unique", "UNIX.mode"]),
                "MLST gives every fact by default")
        t.is_eq(facts.get("type"), "file", "MLST type=file")
        t.is_eq(facts.get("size"), "5", "MLST size=5")
        t.like(facts.get("modify", ""), r"^\d{14}$", "MLST modify=YYYYMMDDHHMMSS")
        t.is_eq(facts.get("UNIX.mode"), "0%o" % (os.stat(srv.path("mlst.txt")).st_mode & 0o7777),
                "MLST UNIX.mode")
        t.like(facts.get("perm", ""), r"^[radfw]+$", "MLST perm for a writer")
        t.ok("w" in facts.get("perm", ""), "MLST perm has w for a writer")
        t.code(c.cmd("OPTS MLST type;size;"), 200, "OPTS MLST type;size;")
        r = c.cmd("MLST mlst.txt")
        t.like(r[1], r"^ type=file;size=5; /mlst\.txt$", "MLST after OPTS: only type and size", re.M)
        t.is_eq([f for f in feat_lines(c.cmd("FEAT")[1]) if f.startswith("MLST")],
                ["MLST type*;size*;modify;perm;unique;UNIX.mode;"], "FEAT marks the chosen facts")
        r = c.cmd("MLST /")
        t.like(r[1], r"^ type=dir; /$", "MLST / after OPTS (no size for a directory)", re.M)
        t.code(c.cmd("OPTS MLST"), 200, "OPTS MLST with no facts")
        t.code(c.cmd("OPTS MLST type;perm;modify;size;unique;UNIX.mode;"), 200, "OPTS MLST all facts")
        t.code(c.cmd("OPTS FROBNICATE ON"), 501, "OPTS of an unknown option")
        t.code(c.cmd("MLST missing.txt"), 550, "MLST of a missing file")
        c.quit()


def test_stat(srv):
    srv.put("st/one.txt", b"1")
    srv.put("st/two.txt", b"22")
    srv.put("st/.dot", b"3")
    with srv.login() as c:
        r = c.cmd("STAT")
        t.code(r, 211, "STAT")
        lines = r[1].splitlines()
        t.ok(len(lines) >= 3 and lines[0].startswith("211-") and lines[-1].startswith("211 "),
             "STAT is a multi-line 211")
        t.like(r[1], r"Logged in as alice", "STAT names the user")
        t.like(r[1], r"TYPE: BINARY", "STAT shows the type")
        r = c.cmd("STAT st")
        t.code(r, 213, "STAT a directory")
        lines = r[1].splitlines()
        t.ok(lines[0].startswith("213-") and lines[-1].startswith("213 "), "STAT path is a multi-line 213")
        body = lines[1:-1]
        t.is_eq(len(body), 2, "STAT dir: one line per visible file")
        t.ok(all(re.match(r"^ ?-rw\S+\s+\d+\s+\d+\s+\d+\s+\d+ \w{3} [ \d]\d [\d:]{4,5} (one|two)\.txt$", l)
                 for l in body), "STAT dir: LIST-format lines", body)
        t.like(r[1], r" 2 \w{3} .* two\.txt$", "STAT dir: size of two.txt", re.M)
        r = c.cmd("STAT -a st")
        t.like(r[1], r"\.dot$", "STAT -a shows dot files", re.M)
        r = c.cmd("STAT st/one.txt")
        t.code(r, 213, "STAT a file")
        t.is_eq(len(r[1].splitlines()), 3, "STAT file: one line")
        t.code(c.cmd("STAT st/missing"), 550, "STAT of a missing path")
        c.quit()


def test_pipelining(srv):
    with srv.login() as c:
        c.send(b"NOOP\r\nSYST\r\nPWD\r\nTYPE I\r\n")
        got = [c.reply()[0] for _ in range(4)]
        t.is_eq(got, [200, 215, 257, 200], "pipelined commands answered in order")
        c.send(b"NOOP\n")
        t.code(c.reply(), 200, "a bare LF ends a line")
        c.send(b"NO")
        time.sleep(0.2)
        c.send(b"OP\r\n")
        t.code(c.reply(), 200, "a command split over two packets")
        c.send(b"NOOP " + b"x" * 5000 + b"\r\nNOOP\r\n")
        t.code(c.reply(), 500, "a line over 4096 bytes")
        t.code(c.reply(), 200, "the next line is read normally")
        c.quit()


def test_command_log(srv):
    mark = srv.mark()
    srv.put("logdir/x", b"")
    with srv.login() as c:
        c.cmd("CWD logdir")
        c.cmd("XYZZ")
        c.cmd("CWD /nonexistent")
        c.quit()
    for pat, name in ((r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] CWD logdir 250$", "CWD logged with 250"),
                      (r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] XYZZ 500$", "unknown verb logged with 500"),
                      (r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] CWD /nonexistent 550$", "failed CWD logged with 550"),
                      (r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] QUIT 221$", "QUIT logged")):
        t.ok(srv.wait_log(pat, since=mark), "log: " + name, srv.log(mark)[-2000:])


# ------------------------------------------------------------ timeouts

def test_login_timeout(short):
    with short.connect() as c:
        t0 = time.monotonic()
        try:
            r = c.reply()
        except Exception as e:  # noqa: BLE001
            r = ("exception", str(e))
        dt = time.monotonic() - t0
        t.code(r if isinstance(r[0], int) else None, 421, "FTPSD_LOGIN_TIMEOUT=2 without a command")
        t.ok(1.5 <= dt <= 8, "login timeout after %.1f s (2 s)" % dt)
        t.ok(c.wait_closed(3), "connection closed after the login timeout")


def test_login_timeout_total(short):
    """The login timeout limits the whole login, not each command: a client
    that keeps sending NOOP without logging in is still cut off."""
    with short.connect() as c:
        t0 = time.monotonic()
        lo, hi = ft.timeout_window(2)
        got = None
        while time.monotonic() - t0 < hi:
            try:
                r = c.cmd("NOOP")
            except Exception:  # noqa: BLE001
                break
            if r[0] != 200:
                got = r
                break
            time.sleep(0.4)
        dt = time.monotonic() - t0
        t.code(got, 421, "pre-login session kept busy with NOOP still times out")
        t.ok(lo <= dt <= hi, "at the login timeout (2 s): %.1f s (between %.1f and %.1f)" % (dt, lo, hi))


def test_login_deadline_after_command(login_only):
    """The login deadline runs from the connection: a command before login
    does not start a new wait, not even the (long) idle timeout's."""
    with login_only.connect() as c:
        t0 = time.monotonic()
        t.code(c.cmd("NOOP"), 200, "NOOP before login")
        time.sleep(1)
        t.code(c.cmd("NOOP"), 200, "another NOOP a second later")
        lo, hi = ft.timeout_window(2)
        try:
            r = c.reply()
        except Exception as e:  # noqa: BLE001
            r = ("no reply", str(e))
        dt = time.monotonic() - t0
        t.code(r if isinstance(r[0], int) else None, 421,
               "then silence: 421 at FTPSD_LOGIN_TIMEOUT=2, not FTPSD_IDLE_TIMEOUT=60")
        t.ok(lo <= dt <= hi, "2 s after connecting: %.1f s (between %.1f and %.1f)" % (dt, lo, hi))


def test_idle_timeout(short):
    with short.login() as c:
        t.code(c.cmd("NOOP"), 200, "NOOP after login")
        t0 = time.monotonic()
        try:
            r = c.reply()
        except Exception as e:  # noqa: BLE001
            r = None
            t.diag("no reply: %s" % e)
        dt = time.monotonic() - t0
        t.code(r, 421, "FTPSD_IDLE_TIMEOUT=2")
        t.ok(1.5 <= dt <= 8, "idle timeout after %.1f s (2 s)" % dt)
        t.ok(c.wait_closed(3), "connection closed after the idle timeout")


# ------------------------------------------------------------ configuration

def bad_config(env, what, logword, extra_users_lines=()):
    with Server(env=env, extra_users_lines=extra_users_lines) as bad:
        mark = bad.mark()
        with bad.connect(greeting=False) as c:
            try:
                r = c.reply()
            except Exception as e:  # noqa: BLE001
                r = None
                t.diag("no greeting: %s" % e)
            t.code(r, 421, "%s: the greeting is 421" % what)
            t.ok(c.wait_closed(5), "%s: connection closed" % what)
        pids = bad.session_pids(mark)
        child = re.search(r"Spawned \S+ \(\S+\) as PID (\d+)", bad.log(mark))
        pid = int(child.group(1)) if child else (pids[0] if pids else -1)
        t.is_eq(bad.child_exit(pid, 5, mark), 100, "%s: ftpsd exits 100" % what)
        t.like(bad.log(mark), logword, "%s: the log names the problem" % what)


def test_bad_config():
    bad_config({"FTPSD_ROOT": "/nonexistent/ftpsd-root"}, "FTPSD_ROOT missing", r"FTPSD_ROOT=/nonexistent")
    bad_config({"FTPSD_UMASK": "999"}, "FTPSD_UMASK=999", r"FTPSD_UMASK=999")
    bad_config({"FTPSD_IDLE_TIMEOUT": "soon"}, "FTPSD_IDLE_TIMEOUT=soon", r"FTPSD_IDLE_TIMEOUT")
    bad_config({}, "a malformed users line", r"line 3\b", extra_users_lines=["no-colon-here"])


def run_bin(args, env):
    p = subprocess.run([FTPSD_BIN] + args, capture_output=True, timeout=30, env=env,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")


def test_command_line(srv):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if srv.env.get("FTPSD_RUN_USER"):   # as root, --check also checks the run account
        base["FTPSD_RUN_USER"] = srv.env["FTPSD_RUN_USER"]
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            base[k] = os.environ[k]
    rc, out = run_bin(["--help"], base)
    t.is_eq(rc, 0, "--help exits 0")
    t.like(out, r"Usage: ftpsd", "--help prints usage")
    rc, out = run_bin(["--version"], base)
    t.is_eq(rc, 0, "--version exits 0")
    t.like(out, r"^ftpsd \S+", "--version prints the version")
    # The server's users file has dave, whose home is missing on purpose:
    # --check reports that, so the good configuration leaves him out.
    good_users = os.path.join(srv.dir, "users-good")
    write_file(good_users, "".join(l + "\n" for l in read_file(srv.users_file).decode().splitlines()
                                   if not l.startswith(DAVE.name + ":")).encode())
    os.chmod(good_users, 0o600)
    good = dict(base, FTPSD_ROOT=srv.root, FTPSD_USERS=good_users)
    rc, out = run_bin(["--check"], good)
    t.is_eq(rc, 0, "--check of a good configuration exits 0")
    if rc:
        t.diag(out)
    users = os.path.join(srv.dir, "users-bad")
    lines = read_file(srv.users_file).decode().splitlines()
    write_file(users, ("\n".join(lines[:2] + ["this line is broken", "# comment", "",
                                              "dave:notahash"]) + "\n").encode())
    rc, out = run_bin(["--check"], dict(base, FTPSD_ROOT=srv.root, FTPSD_USERS=users))
    t.is_eq(rc, 1, "--check with bad users lines exits 1")
    t.like(out, r"line 3\b", "--check names line 3 of the users file")
    t.like(out, r"line 6\b", "--check names line 6 of the users file")
    rc, out = run_bin(["--check"], dict(base, FTPSD_ROOT="/nonexistent/root", FTPSD_USERS=srv.users_file,
                                        FTPSD_UMASK="999"))
    t.is_eq(rc, 1, "--check with a missing root and a bad umask exits 1")
    t.like(out, r"FTPSD_ROOT", "--check reports the root")
    t.like(out, r"FTPSD_UMASK", "--check reports the umask too (every problem)")
    rc, out = run_bin(["--bogus"], base)
    t.ok(rc not in (0, None), "an unknown option fails (exit %s)" % rc)


def test_sanitizers():
    ft.check_sanitizer_reports(t)


def main():
    with Server(env=MAIN_ENV, users=[ALICE, BOB, CAROL, DAVE]) as srv, \
            Server(env={"FTPSD_MAX_LOGIN_FAILURES": "2"}) as limited, \
            Server(env={"FTPSD_LOGIN_TIMEOUT": "2", "FTPSD_IDLE_TIMEOUT": "2"}) as short, \
            Server(env={"FTPSD_LOGIN_TIMEOUT": "2", "FTPSD_IDLE_TIMEOUT": "60"}) as login_only:
        populate(srv)
        t.case("greeting", test_greeting, srv)
        t.case("login sha512crypt", test_login_sha512, srv)
        t.case("login yescrypt", test_login_yescrypt, srv)
        t.case("bad password", test_bad_password, srv)
        t.case("unknown user", test_unknown_user, srv)
        t.case("PASS without USER", test_pass_without_user, srv)
        t.case("login failure limit", test_failure_limit, limited)
        t.case("anonymous", test_anonymous, srv)
        t.case("anonymous disabled", test_anonymous_disabled, limited)
        t.case("FTPSD_WRITE=0", test_write_disabled)
        t.case("user home directory", test_user_home, srv)
        t.case("missing home directory", test_missing_home, srv)
        t.case("commands before login", test_prelogin, srv)
        t.case("unknown verbs and missing arguments", test_unknown_and_syntax, srv)
        t.case("simple replies", test_simple_replies, srv)
        t.case("QUIT", test_quit, srv)
        t.case("REIN", test_rein, srv)
        t.case("CWD PWD CDUP MKD RMD", test_navigation, srv)
        t.case("DELE", test_dele, srv)
        t.case("RNFR RNTO", test_rename, srv)
        t.case("SIZE MDTM", test_size_mdtm, srv)
        t.case("TYPE STRU MODE REST", test_parameters, srv)
        t.case("FEAT OPTS MLST", test_feat_opts, srv)
        t.case("STAT", test_stat, srv)
        t.case("pipelining and line ends", test_pipelining, srv)
        t.case("command log", test_command_log, srv)
        t.case("login timeout", test_login_timeout, short)
        t.case("login timeout is total", test_login_timeout_total, short)
        t.case("login deadline runs from the connection", test_login_deadline_after_command, login_only)
        t.case("idle timeout", test_idle_timeout, short)
        t.case("bad configuration", test_bad_config)
        t.case("command line", test_command_line, srv)
    t.case("sanitizers", test_sanitizers)
    t.done()


if __name__ == "__main__":
    main()
