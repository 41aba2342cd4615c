#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: confinement and hostile input.

Traversal with .., absolute paths and symlinks (to /, to ../.., to files
and directories outside the root) for reading, writing, listing, renaming
and deleting; PORT/EPRT bounce attempts; a passive data connection from
another address; over-long lines, NUL and control bytes, invalid UTF-8,
and other things a hostile client may send.
"""

import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import (ALICE, TAP, Server, User, install_watchdog, read_file,  # noqa: E402
                        upload_temps, write_file)

t = TAP()
install_watchdog()

CAROL = User("carol", "carol-pw", "sha512", home="/carol")
SECRET = b"TOP SECRET: outside the root\n"


def setup(srv):
    """root/ with links out of it; outside/ beside it holds what must stay unreachable."""
    srv.outside = os.path.join(srv.dir, "outside")
    srv.base = os.path.basename(srv.dir)
    write_file(os.path.join(srv.outside, "secret.txt"), SECRET)
    os.makedirs(os.path.join(srv.outside, "dir"))
    srv.put("hello.txt", b"hello\n")
    srv.put("sub/inner.txt", b"inner\n")
    srv.put("carol/carol.txt", b"carol\n")
    os.symlink("/", srv.path("escape_root"))
    os.symlink("../..", srv.path("escape_up"))
    os.symlink("../../..", srv.path("sub/up3"))
    os.symlink("../outside", srv.path("outlink"))
    os.symlink("../outside/secret.txt", srv.path("secretlink"))
    os.symlink(os.path.join(srv.outside, "secret.txt"), srv.path("abslink"))
    os.symlink(srv.outside, srv.path("absdirlink"))
    os.symlink("/etc/passwd", srv.path("passwdlink"))
    os.symlink("/dev/zero", srv.path("zerolink"))
    os.symlink("loop", srv.path("loop"))
    os.symlink("..", srv.path("carol/up"))
    os.mkfifo(srv.path("fifo"))


def outside_state(srv):
    """Everything under outside/ and the directory above the root, by content."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(srv.outside):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            state[os.path.relpath(p, srv.dir)] = read_file(p) if os.path.isfile(p) else "dir"
    state["<dir>"] = sorted(os.listdir(srv.dir))
    return state


def retr_refused(c, path, name):
    first, data, final = c.retr("RETR " + path)
    t.ok(first[0] == 550 and data is None, "%s: RETR %s -> 550" % (name, path), (first, data and data[:80]))


def listing_of(c, cmd):
    first, data, final = c.retr(cmd)
    return first, (data.decode("utf-8", "replace") if data is not None else None), final


# ------------------------------------------------------------ traversal

def test_dotdot(srv):
    with srv.login() as c:
        retr_refused(c, "../../etc/passwd", "..")
        retr_refused(c, "../outside/secret.txt", "..")
        retr_refused(c, "../../../../../../../../etc/passwd", "many ..")
        retr_refused(c, "sub/../../outside/secret.txt", "sub/../..")
        retr_refused(c, "/../outside/secret.txt", "/..")
        t.code(c.cmd("SIZE ../outside/secret.txt"), 550, "SIZE ../outside/secret.txt")
        t.code(c.cmd("MDTM ../../etc/passwd"), 550, "MDTM ../../etc/passwd")
        t.code(c.cmd("MLST ../outside/secret.txt"), 550, "MLST ../outside/secret.txt")
        t.code(c.cmd("CWD ../.."), 250, "CWD ../..")
        t.is_eq(c.cmd("PWD"), (257, '257 "/" is the current directory'), "PWD after CWD ../.. is /")
        first, data, final = listing_of(c, "NLST")
        t.ok(data is not None and "hello.txt" in data and "outside" not in data,
             "after CWD ../.. the listing is the root's", data)
        t.code(c.cmd("CWD sub"), 250, "CWD sub")
        t.code(c.cmd("CWD ../../../.."), 250, "CWD ../../../.. from sub")
        t.is_eq(c.cmd("PWD")[1], '257 "/" is the current directory', "PWD is / again")
        t.code(c.cmd("CWD ../outside"), 550, "CWD ../outside")
        t.code(c.cmd("CDUP"), 250, "CDUP at /")
        t.is_eq(c.cmd("PWD")[1], '257 "/" is the current directory', "CDUP at / stays at /")
        first, data, final = listing_of(c, "NLST ../..")
        names = set(data.split("\r\n")) if data else set()
        t.ok("hello.txt" in names and "outside" not in names and srv.base not in names,
             "NLST ../.. lists the root", data)
        first, data, final = listing_of(c, "LIST ../outside")
        t.ok(data is None and first[0] == 550, "LIST ../outside -> 550", first)
        r = c.cmd("STAT ../outside")
        t.ok(r[0] == 550 and "secret" not in r[1], "STAT ../outside -> 550", r)
        c.quit()


def test_absolute(srv):
    with srv.login() as c:
        retr_refused(c, "/etc/passwd", "absolute")
        retr_refused(c, srv.outside + "/secret.txt", "absolute path of the outside file")
        t.code(c.cmd("CWD /etc"), 550, "CWD /etc")
        t.code(c.cmd("CWD " + srv.outside), 550, "CWD to the real outside path")
        t.code(c.cmd("SIZE /etc/passwd"), 550, "SIZE /etc/passwd")
        t.code(c.retr("LIST /etc")[0], 550, "LIST /etc")
        t.code(c.retr("NLST /usr/bin")[0], 550, "NLST /usr/bin")
        r = c.cmd("STAT /etc")
        t.ok(r[0] == 550 and "passwd" not in r[1], "STAT /etc -> 550", r)
        first, data, final = c.retr("RETR /hello.txt")
        t.is_eq(data, b"hello\n", "an absolute path names a file beneath the root")
        c.quit()


def test_symlink_to_root(srv):
    with srv.login() as c:
        t.code(c.cmd("CWD escape_root"), 250, "CWD through a symlink to /")
        first, data, final = listing_of(c, "NLST")
        names = set(data.split("\r\n")) if data else set()
        t.ok("hello.txt" in names and not names & {"etc", "usr", "proc", "bin"},
             "a symlink to / shows the root, not the real /", data)
        t.code(c.cmd("CWD /"), 250, "CWD /")
        retr_refused(c, "escape_root/etc/passwd", "symlink to /")
        retr_refused(c, "escape_root/etc/hostname", "symlink to /")
        t.code(c.cmd("CWD escape_root/etc"), 550, "CWD escape_root/etc")
        first, data, final = c.retr("RETR escape_root/hello.txt")
        t.is_eq(data, b"hello\n", "escape_root/hello.txt is the root's hello.txt")
        first, data, final = listing_of(c, "NLST escape_up")
        names = set(os.path.basename(n) for n in data.split("\r\n")) if data else set()
        t.ok("hello.txt" in names and "outside" not in names and srv.base not in names,
             "a symlink to ../.. shows the root", data)
        retr_refused(c, "escape_up/%s/outside/secret.txt" % srv.base, "symlink to ../..")
        retr_refused(c, "sub/up3/%s/outside/secret.txt" % srv.base, "symlink to ../../..")
        retr_refused(c, "escape_up/etc/passwd", "symlink to ../..")
        t.code(c.cmd("CWD sub/up3"), 250, "CWD through sub/up3")
        t.like(c.cmd("PWD")[1], r'^257 "/sub/up3"', "PWD shows the virtual path")
        first, data, final = listing_of(c, "NLST")
        t.ok(data is not None and "hello.txt" in data and srv.base not in data,
             "listing through sub/up3 is the root", data)
        c.quit()


def test_symlink_outside_read(srv):
    with srv.login() as c:
        for link in ("secretlink", "abslink", "passwdlink", "outlink/secret.txt",
                     "absdirlink/secret.txt"):
            retr_refused(c, link, "symlink out")
            t.code(c.cmd("SIZE " + link), 550, "SIZE " + link)
        for d in ("outlink", "absdirlink"):
            t.code(c.cmd("CWD " + d), 550, "CWD %s (a symlink to a directory outside)" % d)
            first, data, final = listing_of(c, "LIST " + d)
            t.ok(data is None or "secret" not in data, "LIST %s does not show the outside" % d, data)
            first, data, final = listing_of(c, "MLSD " + d)
            t.ok(data is None or "secret" not in data, "MLSD %s does not show the outside" % d, data)
        first, data, final = c.retr("RETR zerolink")
        t.ok(first[0] == 550 and data is None, "a symlink to /dev/zero is not read", first)
        first, data, final = listing_of(c, "MLSD")
        t.ok(data is not None and "TOP SECRET" not in data, "MLSD of the root works with links in it")
        facts = {}
        for l in (data or "").split("\r\n"):
            if " " in l:
                f, n = l.split(" ", 1)
                facts[n] = f
        for link in ("abslink", "secretlink", "passwdlink", "outlink", "absdirlink"):
            f = facts.get(link, "")
            t.ok(link in facts and "type=file" not in f and "type=dir" not in f and
                 "size=%d;" % len(SECRET) not in f,
                 "MLSD does not describe what %s points to outside the root" % link, f)
        for link in ("abslink", "secretlink", "outlink"):
            r = c.cmd("MLST " + link)
            t.ok(r[0] == 550 or ("type=file" not in r[1] and "type=dir" not in r[1]),
                 "MLST %s does not describe the outside" % link, r)
        first, data, final = listing_of(c, "LIST")
        t.like(data or "", r"secretlink -> \.\./outside/secret\.txt", "LIST shows a link's target text")
        c.quit()


def test_symlink_outside_write(srv):
    before = outside_state(srv)
    with srv.login() as c:
        # A link's own name is a name in the root: STOR replaces the link
        # with a file, APPE then appends to that file; nothing follows it.
        for cmd in ("STOR secretlink", "STOR abslink", "APPE secretlink", "APPE abslink"):
            first, final = c.stor(cmd, b"pwned\n")
            t.ok(first[0] == 150 and final is not None and final[0] == 226,
                 "%s: stored beneath the root (150, 226)" % cmd, (first, final))
        for link in ("secretlink", "abslink"):
            p = srv.path(link)
            t.ok(not os.path.islink(p) and read_file(p) == b"pwned\npwned\n",
                 "%s is now a file in the root holding the two writes" % link)
        # A path through a link out of the root does not resolve at all.
        for cmd in ("STOR outlink/secret.txt", "APPE outlink/secret.txt", "STOR outlink/new.txt",
                    "STOR absdirlink/new.txt", "APPE absdirlink/secret.txt",
                    "STOR escape_up/%s/outside/secret.txt" % srv.base,
                    "APPE escape_up/%s/outside/secret.txt" % srv.base,
                    "STOR ../outside/secret.txt", "APPE ../outside/new2.txt"):
            first, final = c.stor(cmd, b"pwned\n")
            t.ok(first[0] == 550 and final is None, "%s -> 550, no data connection used" % cmd, (first, final))
        t.code(c.cmd("REST 3"), 350, "REST 3")
        c.stor("STOR abslink", b"pwned\n")
        t.code(c.cmd("REST 3"), 350, "REST 3")
        c.stor("STOR secretlink", b"pwned\n")
        c.stor("STOU outlink/secret.txt", b"pwned\n")
        c.quit()
    after = outside_state(srv)
    t.is_eq(after, before, "nothing outside the root was written or created")
    t.is_eq(read_file(os.path.join(srv.outside, "secret.txt")), SECRET, "the outside file is intact")
    t.is_eq(upload_temps(srv.root), [], "no temporary upload files left in the root")


def test_mutations_outside(srv):
    before = outside_state(srv)
    tag = "evil-%d" % os.getpid()
    srv.put("movable.txt", b"movable\n")
    with srv.login() as c:
        t.is_eq(c.cmd("MKD ../../%s" % tag), (257, '257 "/%s" created' % tag), "MKD ../../x creates /x in the root")
        t.ok(os.path.isdir(srv.path(tag)), "the directory is beneath the root")
        t.ok(not os.path.exists(os.path.join(os.path.dirname(srv.dir), tag)), "not above the root")
        c.cmd("RMD " + tag)
        c.cmd("MKD outlink/newdir")
        c.cmd("MKD escape_up/%s/outside/newdir" % srv.base)
        c.cmd("RMD outlink/dir")
        c.cmd("RMD absdirlink/dir")
        c.cmd("RMD escape_up/%s/outside/dir" % srv.base)
        c.cmd("DELE outlink/secret.txt")
        c.cmd("DELE absdirlink/secret.txt")
        c.cmd("DELE escape_up/%s/outside/secret.txt" % srv.base)
        c.cmd("DELE ../outside/secret.txt")
        t.code(c.cmd("RNFR ../outside/secret.txt"), 550, "RNFR ../outside/secret.txt")
        t.code(c.cmd("RNFR outlink/secret.txt"), 550, "RNFR outlink/secret.txt")
        t.code(c.cmd("RNFR movable.txt"), 350, "RNFR movable.txt")
        c.cmd("RNTO outlink/moved.txt")
        t.code(c.cmd("RNFR movable.txt"), 350, "RNFR movable.txt again")
        c.cmd("RNTO absdirlink/moved.txt")
        t.code(c.cmd("RNFR movable.txt"), 350, "RNFR movable.txt once more")
        t.code(c.cmd("RNTO ../../moved-%s.txt" % tag), 250, "RNTO ../../name")
        t.ok(os.path.isfile(srv.path("moved-%s.txt" % tag)), "RNTO ../../name stays in the root")
        t.code(c.cmd("DELE secretlink"), 250, "DELE of a symlink removes the link")
        c.quit()
    t.ok(not os.path.lexists(srv.path("secretlink")), "the link is gone")
    t.is_eq(outside_state(srv), before, "MKD/RMD/DELE/RNTO did not reach outside the root")
    t.ok(not os.path.exists(os.path.join(os.path.dirname(srv.dir), "moved-%s.txt" % tag)),
         "nothing was moved above the root")


def test_home_confinement(srv):
    with srv.login(CAROL) as c:
        retr_refused(c, "../hello.txt", "home user ..")
        retr_refused(c, "/hello.txt", "home user absolute")
        retr_refused(c, "up/hello.txt", "home user symlink to ..")
        first, data, final = listing_of(c, "NLST up")
        t.ok(data is not None and "hello.txt" not in data and "carol.txt" in data,
             "a symlink to .. in a home shows the home", data)
        t.code(c.cmd("CWD ../.."), 250, "home user CWD ../..")
        t.is_eq(c.cmd("PWD")[1], '257 "/" is the current directory', "home user PWD /")
        first, data, final = listing_of(c, "NLST")
        t.is_eq(sorted((data or "").split("\r\n")[:-1]), ["carol.txt", "up"], "home user sees only the home")
        c.stor("STOR ../hello.txt", b"overwritten by carol\n")
        c.quit()
    t.is_eq(read_file(srv.path("hello.txt")), b"hello\n", "home user cannot write above the home")


def test_special_files(srv):
    with srv.login() as c:
        t0 = time.monotonic()
        t.code(c.retr("RETR fifo")[0], 550, "RETR of a FIFO")
        t.code(c.stor("STOR fifo", b"x")[0], 550, "STOR onto a FIFO")
        r = c.stor("APPE fifo", b"x")[0]
        t.ok(r[0] >= 400, "APPE to a FIFO refused (%r)" % (r,))
        t.ok(time.monotonic() - t0 < 5, "FIFOs do not block the session")
        t.code(c.retr("RETR loop")[0], 550, "RETR of a symlink loop")
        t.code(c.cmd("CWD loop"), 550, "CWD into a symlink loop")
        t.code(c.cmd("NOOP"), 200, "session fine")
        c.quit()


def test_hostile_names(srv):
    write_file(srv.path("names/evil\nname"), b"x")
    write_file(srv.path("names/evil\rcr"), b"x")
    write_file(srv.path("names/fine.txt"), b"x")
    os.symlink("target\nwith newline", srv.path("names/badlink"))
    with srv.login() as c:
        for cmd in ("LIST names", "NLST names", "MLSD names"):
            first, data, final = listing_of(c, cmd)
            lines = (data or "").split("\r\n")[:-1]
            t.ok(data is not None and "evil" not in data and any(l.endswith("fine.txt") for l in lines),
                 "%s leaves out names with CR or LF" % cmd, data)
            t.ok("\n" not in "".join(lines) and "\r" not in "".join(lines),
                 "%s: no bare CR/LF inside lines" % cmd)
        first, data, final = listing_of(c, "LIST names")
        t.ok("with newline" not in (data or ""), "a link target with a newline is not printed")
        r = c.cmd("STAT names")
        t.ok(r[0] == 213 and "evil" not in r[1] and "fine.txt" in r[1], "STAT leaves them out too", r)
        c.quit()


def test_wildcard_cost(srv):
    write_file(srv.path("wild/" + "a" * 200), b"")
    for i in range(50):
        write_file(srv.path("wild/%s%d" % ("ab" * 60, i)), b"")
    with srv.login() as c:
        t0 = time.monotonic()
        first, data, final = listing_of(c, "NLST wild/" + "*a" * 40 + "*c")
        dt = time.monotonic() - t0
        t.is_eq(data, "", "pathological pattern matches nothing")
        t.ok(dt < 3, "pathological pattern answered in %.2f s" % dt)
        first, data, final = listing_of(c, "NLST wild/*a*a*")
        t.is_eq(len((data or "").split("\r\n")) - 1, 51, "ordinary pattern still matches")
        c.quit()


# ------------------------------------------------------------ data connections

def test_port_bounce(srv):
    with srv.login() as c:
        for arg, why in (("10,0,0,1,200,1", "another host"), ("127,0,0,2,200,1", "127.0.0.2"),
                         ("192,0,2,1,200,1", "a documentation address"),
                         ("127,0,0,1,0,21", "port 21"), ("127,0,0,1,3,255", "port 1023"),
                         ("127,0,0,1,0,0", "port 0")):
            t.code(c.cmd("PORT " + arg), 504, "PORT to %s refused" % why)
        for arg, why in (("|1|127.0.0.2|51000|", "127.0.0.2"), ("|1|10.1.2.3|51000|", "another host"),
                         ("|1|127.0.0.1|1023|", "port 1023"), ("|1|127.0.0.1|25|", "port 25"),
                         ("|2|::1|51000|", "::1 from an IPv4 session")):
            t.code(c.cmd("EPRT " + arg), 504, "EPRT to %s refused" % why)
        t.code(c.cmd("EPRT |1|127.0.0.1|0|"), 501, "EPRT port 0 malformed")
        t.code(c.cmd("EPRT |1|127.0.0.1|70000|"), 501, "EPRT port 70000 malformed")
        t.code(c.cmd("PORT 127,0,0,1,4,0"), 200, "PORT to ourselves at 1024 accepted")
        # A refused PORT must not leave a target behind.
        lst = socket.socket()
        lst.bind(("127.0.0.2", 0))
        lst.listen(1)
        lst.settimeout(1.5)
        p = lst.getsockname()[1]
        c.cmd("ABOR")
        t.code(c.cmd("PORT 127,0,0,2,%d,%d" % (p >> 8, p & 255)), 504, "PORT to a listener on 127.0.0.2")
        t.code(c.cmd("RETR hello.txt"), 425, "RETR after a refused PORT has no data connection")
        try:
            conn, _ = lst.accept()
            conn.close()
            connected = True
        except socket.timeout:
            connected = False
        lst.close()
        t.ok(not connected, "the server never connected to 127.0.0.2")
        c.quit()


def stranger_test(srv, mode):
    mark = srv.mark()
    with srv.login() as c:
        c.cmd("TYPE I")
        if mode == "pasv":
            host, port = c.pasv()
        else:
            host, port = "127.0.0.1", c.epsv()
        stranger = socket.socket()
        stranger.settimeout(5)
        stranger.bind(("127.0.0.2", 0))
        stranger.connect((host, port))
        t.code(c.cmd("RETR hello.txt"), 150, "%s: RETR with a stranger connected first" % mode)
        try:
            got = stranger.recv(100)
            closed = got == b""
        except ConnectionResetError:
            got, closed = b"", True
        except socket.timeout:
            got, closed = b"", False
        stranger.close()
        t.ok(closed and got == b"", "%s: the connection from 127.0.0.2 is closed without data" % mode, got)
        d = socket.create_connection((host, port), timeout=5)
        data = b""
        while True:
            b = d.recv(65536)
            if not b:
                break
            data += b
        d.close()
        t.is_eq(data, b"hello\n", "%s: the right connection still gets the file" % mode)
        t.code(c.reply(), 226, "%s: transfer complete" % mode)
        c.quit()
    t.ok(srv.wait_log(r"refused data connection from 127\.0\.0\.2", since=mark),
         "%s: the refusal is logged" % mode)


def test_pasv_stranger(srv):
    stranger_test(srv, "pasv")


def test_epsv_stranger(srv):
    stranger_test(srv, "epsv")


# ------------------------------------------------------------ hostile lines

def test_long_lines(srv):
    with srv.login() as c:
        c.cmd("TYPE I")
        for n, want in ((4095, (550, 553)), (4096, (550, 553)), (4097, 500), (5000, 500), (100000, 500)):
            line = b"CWD " + b"a" * (n - 4)
            t.code(c.cmd(line), want, "a %d-byte line ended by CRLF (CRLF not counted)" % n)
            t.code(c.cmd("NOOP"), 200, "session continues after the %d-byte line" % n)
        c.send(b"NOOP " + b"b" * 4091 + b"\n")
        t.code(c.reply(), 200, "a 4096-byte line ended by a bare LF")
        # A megabyte without a line end, sent in pieces, then the end.
        for _ in range(16):
            c.send(b"x" * 65536)
        c.send(b"\r\nNOOP\r\n")
        t.code(c.reply(), 500, "1 MiB without a line end: one 500")
        t.code(c.reply(), 200, "then the next command")
        t.is_eq(c.cmd("PWD")[1], '257 "/" is the current directory', "no stray command ran")
        c.quit()


def test_bad_bytes(srv):
    mark = srv.mark()
    with srv.login() as c:
        cases = [
            (b"CWD a\x00b", 501, "NUL in an argument"),
            (b"NO\x00OP", 501, "NUL in the verb"),
            (b"\x00", 501, "a lone NUL"),
            (b"CWD a\x01b", 501, "control byte 0x01 in an argument"),
            (b"CWD \x1b[31mred", 501, "escape sequence in an argument"),
            (b"CWD a\x7fb", 501, "DEL in an argument"),
            (b"CWD a\rINJECTED 250", 501, "bare CR in an argument"),
            (b"CWD \xff\xfe", 501, "invalid UTF-8"),
            (b"MKD \xc0\xaf", 501, "overlong UTF-8"),
            (b"MKD \xed\xa0\x80", 501, "UTF-8 surrogate"),
            (b"MKD ab\xe2\x82", 501, "truncated UTF-8"),
            (b"MKD \xf4\x90\x80\x80", 501, "UTF-8 beyond U+10FFFF"),
            (b"USER al\x00ice", 501, "NUL in USER"),
            (b"PASS \x00", (501, 503), "NUL in PASS"),
        ]
        for line, want, why in cases:
            t.code(c.cmd(line), want, why)
        t.code(c.cmd("NOOP"), 200, "session usable after bad bytes")
        t.is_eq(c.cmd("PWD")[1], '257 "/" is the current directory', "nothing changed the directory")
        name = "ünïcödé-日本-✓"
        t.is_eq(c.cmd("MKD " + name), (257, '257 "/%s" created' % name), "valid UTF-8 MKD")
        t.ok(os.path.isdir(srv.path(name)), "the UTF-8 name is on disk as sent")
        first, final = c.stor("STOR %s/файл.txt" % name, b"utf8\n")
        t.code(final, 226, "STOR of a UTF-8 name")
        first, data, final = c.retr("NLST " + name)
        t.is_eq(data, "файл.txt\r\n".encode(), "NLST gives the UTF-8 name back")
        c.quit()
    log = srv.log(mark)
    t.ok("\x00" not in log and "\x1b" not in log and "\x01" not in log and "\x7f" not in log,
         "no raw control bytes in the log")
    t.ok(not re.search(r"^INJECTED", log, re.M), "no forged log line")
    t.ok(srv.wait_log(r"\(malformed command\) 501$", since=mark), "malformed commands are logged as such")
    t.ok(not [n for n in os.listdir(srv.root) if n.startswith(("a", "ab", "\ufffd"))
              and n not in ("abslink", "absdirlink")],
         "no file made from a rejected name", os.listdir(srv.root))


def test_flood(srv):
    with srv.login() as c:
        c.send(b"NOOP\r\n" * 2000)
        codes = [c.reply()[0] for _ in range(2000)]
        t.ok(codes == [200] * 2000, "2000 pipelined NOOPs get 2000 replies")
        c.send(b"\xff\xfb\x01\xff\xfd\x03NOOP\r\n")
        t.code(c.reply(), 200, "Telnet option negotiation bytes are ignored")
        c.send(b"\xff\xfa\x18\x00xterm\xff\xf0NOOP\r\n")
        t.code(c.reply(), 200, "a Telnet subnegotiation is skipped")
        c.quit()


def test_path_limits(srv):
    with srv.login() as c:
        t.code(c.cmd("CWD " + "../" * 1300), 250, "CWD with 1300 '..'")
        t.is_eq(c.cmd("PWD")[1], '257 "/" is the current directory', "and PWD is /")
        r = c.cmd("MKD " + "n" * 300)
        t.ok(r[0] in (550, 553), "MKD of a 300-byte name refused (%r)" % (r,))
        r = c.cmd("CWD " + "d/" * 2000)
        t.code(r, 550, "CWD of 2000 nested missing components")
        deep = "/".join(["deep"] * 200)
        srv.mkdir(deep)
        t.code(c.cmd("CWD " + deep), 250, "CWD 200 levels deep")
        r = c.cmd("MKD " + "x" * 250)
        t.code(r, 257, "MKD at depth 200 (path of 1250 bytes)")
        r = c.cmd("PWD")
        t.is_eq(r[1], '257 "/%s" is the current directory' % deep, "PWD at depth 200")
        c.quit()


def test_users_with_colon_lines(srv):
    with srv.connect() as c:
        t.code(c.login("alice:x", "whatever"), 501, "USER with a colon (users file syntax) refused")
        t.code(c.login("carol", "carol-pw:/"), 530, "a password with a colon is just wrong")
        t.code(c.login("alice", ALICE.password), 230, "then a good login")
        c.quit()


def test_sanitizers():
    ft.check_sanitizer_reports(t)


def main():
    with Server(users=[ALICE, CAROL], env={"FTPSD_MAX_LOGIN_FAILURES": "10"}) as srv:
        setup(srv)
        t.case("..", test_dotdot, srv)
        t.case("absolute paths", test_absolute, srv)
        t.case("symlinks to / and ../..", test_symlink_to_root, srv)
        t.case("reading through symlinks out of the root", test_symlink_outside_read, srv)
        t.case("writing through symlinks out of the root", test_symlink_outside_write, srv)
        t.case("MKD RMD DELE RNTO out of the root", test_mutations_outside, srv)
        t.case("home directory confinement", test_home_confinement, srv)
        t.case("FIFOs and loops", test_special_files, srv)
        t.case("names with CR/LF", test_hostile_names, srv)
        t.case("wildcard cost", test_wildcard_cost, srv)
        t.case("PORT/EPRT bounce", test_port_bounce, srv)
        t.case("PASV from another address", test_pasv_stranger, srv)
        t.case("EPSV from another address", test_epsv_stranger, srv)
        t.case("long lines", test_long_lines, srv)
        t.case("NUL, control bytes, invalid UTF-8", test_bad_bytes, srv)
        t.case("flood and Telnet", test_flood, srv)
        t.case("path limits", test_path_limits, srv)
        t.case("colons in USER and PASS", test_users_with_colon_lines, srv)
    t.case("sanitizers", test_sanitizers)
    t.done()


if __name__ == "__main__":
    main()
