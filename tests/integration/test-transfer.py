#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: data transfers.

Byte-exact RETR, STOR, APPE and REST of a 64 MiB random file (SHA-256),
TYPE A both ways, ABOR and STAT during transfers, PASV/EPSV/PORT/EPRT (and
EPSV/EPRT over IPv6), listings, STOU, data timeouts, and clients killed in
the middle of RETR and STOR.
"""

import os
import re
import select
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import (ALICE, MiB, TAP, Server, install_watchdog, random_bytes,  # noqa: E402
                        read_file, sha256, sha256_file, upload_temps,
                        timeout_window, wait_until)

t = TAP()
install_watchdog()

BIG_SIZE = 64 * MiB
BIG = random_bytes(BIG_SIZE, 20251126)
BIG_SHA = sha256(BIG)
MEDIUM = random_bytes(3 * MiB + 12345, 7)
HERE = os.path.dirname(os.path.abspath(__file__))


def xferlog_re(nbytes, path, direction, complete="c", typ="b"):
    return (r"^ftpsd\[\d+\]: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ 127\.0\.0\.1 %d %s %s _ %s r alice ftp 0 \* %s$"
            % (nbytes, re.escape(path), typ, direction, complete))


def check_retr(c, cmd, want, name, mode="pasv"):
    first, data, final = c.retr(cmd, mode)
    t.code(first, 150, "%s: %s" % (name, cmd))
    t.code(final, 226, "%s: transfer complete" % name)
    good = data is not None and len(data) == len(want) and sha256(data) == sha256(want)
    t.ok(good, "%s: %d bytes, SHA-256 equal" % (name, len(want)),
         "got %s bytes" % (None if data is None else len(data)))
    return data


# ------------------------------------------------------------ byte-exact

def test_retr_big(srv):
    mark = srv.mark()
    with srv.login() as c:
        t.code(c.cmd("TYPE I"), 200, "TYPE I")
        t.is_eq(c.cmd("SIZE big.bin"), (213, "213 %d" % BIG_SIZE), "SIZE big.bin")
        first, data, final = c.retr("RETR big.bin", "pasv")
        t.like(first[1], r"^150 .*\(%d bytes\)" % BIG_SIZE, "150 names the size")
        t.code(final, 226, "RETR 64 MiB via PASV complete")
        t.ok(data is not None and len(data) == BIG_SIZE and sha256(data) == BIG_SHA,
             "RETR 64 MiB via PASV: SHA-256 equal", "got %s bytes" % (data and len(data)))
        del data
        check_retr(c, "RETR big.bin", BIG, "RETR 64 MiB via EPRT", "eprt")
        c.quit()
    t.ok(srv.wait_log(xferlog_re(BIG_SIZE, "/big.bin", "o"), since=mark),
         "xferlog line for the download", srv.log(mark)[-1500:])
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] RETR big\.bin 226$", since=mark),
         "command log: RETR big.bin 226")


def test_data_modes(srv):
    srv.put("medium.bin", MEDIUM)
    with srv.login() as c:
        c.cmd("TYPE I")
        for mode in ("pasv", "epsv", "port", "eprt"):
            check_retr(c, "RETR medium.bin", MEDIUM, "RETR via %s" % mode.upper(), mode)
            first, final = c.stor("STOR up-%s.bin" % mode, MEDIUM, mode)
            t.code(first, 150, "STOR via %s" % mode.upper())
            t.code(final, 226, "STOR via %s complete" % mode.upper())
            t.is_eq(sha256_file(srv.path("up-%s.bin" % mode)), sha256(MEDIUM),
                    "STOR via %s: SHA-256 equal" % mode.upper())
        host, port = c.pasv()
        t.is_eq(host, "127.0.0.1", "227 carries the control connection's address")
        t.ok(1024 <= port <= 65535, "227 port %d" % port)
        r = c.cmd("PASV")
        t.like(r[1], r"^227 .*\(127,0,0,1,\d+,\d+\)", "227 format (h1,h2,h3,h4,p1,p2)")
        r = c.cmd("EPSV")
        t.like(r[1], r"^229 .*\(\|\|\|\d+\|\)$", "229 format (|||port|)")
        t.code(c.cmd("EPSV 1"), 229, "EPSV 1 on IPv4")
        t.code(c.cmd("EPSV 2"), 522, "EPSV 2 on an IPv4 connection")
        t.code(c.cmd("EPSV 3"), 522, "EPSV 3: unknown family")
        t.code(c.cmd("EPSV x"), 501, "EPSV x: malformed")
        t.code(c.cmd("EPRT |3|127.0.0.1|5000|"), 522, "EPRT family 3")
        t.code(c.cmd("EPRT |1|127.0.0.1|"), 501, "EPRT malformed")
        t.code(c.cmd("EPRT |1|not-an-ip|5000|"), 501, "EPRT bad address")
        t.code(c.cmd("PORT 1,2,3"), 501, "PORT malformed")
        t.code(c.cmd("PORT 127,0,0,1,300,1"), 501, "PORT with a byte over 255")
        c.quit()


def test_no_data_connection(srv):
    srv.put("keep.txt", b"keep me")
    with srv.login() as c:
        t.code(c.cmd("RETR keep.txt"), 425, "RETR without PASV/PORT")
        t.code(c.cmd("LIST"), 425, "LIST without PASV/PORT")
        t.code(c.cmd("NLST"), 425, "NLST without PASV/PORT")
        t.code(c.cmd("MLSD"), 425, "MLSD without PASV/PORT")
        t.code(c.cmd("STOR keep.txt"), 425, "STOR without PASV/PORT")
        t.code(c.cmd("APPE keep.txt"), 425, "APPE without PASV/PORT")
        t.code(c.cmd("STOU"), 425, "STOU without PASV/PORT")
        t.code(c.cmd("APPE appe-425.txt"), 425, "APPE of a new file without PASV/PORT")
        check_retr(c, "RETR keep.txt", b"keep me", "RETR after 425 with PASV")
        t.code(c.cmd("RETR keep.txt"), 425, "a data connection is used once")
        c.pasv()
        t.code(c.cmd("ABOR"), 225, "ABOR with a passive listener but no transfer")
        t.code(c.cmd("RETR keep.txt"), 425, "ABOR closed the passive listener")
        # PORT to our own address, where nothing listens.
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
        probe.close()
        t.code(c.cmd("PORT 127,0,0,1,%d,%d" % (dead >> 8, dead & 255)), 200, "PORT to a closed port")
        r = c.cmd("RETR keep.txt")
        if r[0] == 150:
            r = c.reply()
        t.code(r, 425, "RETR with nobody listening at the PORT address")
        t.code(c.cmd("NOOP"), 200, "session fine after the failed active connection")
        t.code(c.cmd("REST 2"), 350, "REST 2")
        t.code(c.cmd("STOR keep.txt"), 425, "REST + STOR without PASV/PORT")
        c.quit()
    t.is_eq(read_file(srv.path("keep.txt")), b"keep me", "refused STOR/APPE/REST+STOR left the file alone")
    t.is_eq(upload_temps(srv.root), [], "no temporary files left")
    t.is_eq([n for n in os.listdir(srv.root) if n.startswith("upload")], [], "refused STOU created no file")
    t.ok(not os.path.exists(srv.path("appe-425.txt")), "refused APPE created no file")


def test_stor_big(srv):
    mark = srv.mark()
    srv.put("stor-big.bin", b"old content")
    os.link(srv.path("stor-big.bin"), os.path.join(srv.dir, "old-link"))
    with srv.login() as c:
        c.cmd("TYPE I")
        first, final = c.stor("STOR stor-big.bin", BIG)
        t.code(first, 150, "STOR 64 MiB")
        t.code(final, 226, "STOR 64 MiB complete")
        c.quit()
    t.ok(os.path.getsize(srv.path("stor-big.bin")) == BIG_SIZE and
         sha256_file(srv.path("stor-big.bin")) == BIG_SHA, "STOR 64 MiB: SHA-256 equal")
    t.is_eq(read_file(os.path.join(srv.dir, "old-link")), b"old content",
            "STOR replaced the file instead of writing into it (a hard link keeps the old data)")
    t.is_eq(upload_temps(srv.root), [], "no temporary file left after STOR")
    t.ok(srv.wait_log(xferlog_re(BIG_SIZE, "/stor-big.bin", "i"), since=mark),
         "xferlog line for the upload", srv.log(mark)[-1500:])


def unnamed_files_in(pid, directory):
    """The session's open files that are O_TMPFILE files in directory
    (/proc shows them as DIR/#INODE (deleted))."""
    out = []
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith(directory.rstrip("/") + "/#") and target.endswith("(deleted)"):
            out.append(target)
    return out


def test_stor_in_progress(srv):
    """While an upload runs, the data goes to an unnamed (O_TMPFILE) file
    in the target's directory; the target keeps its old content until the
    end, and no temporary name ever shows."""
    srv.put("atomic.bin", b"old old old")
    mark = srv.mark()
    with srv.login() as c:
        c.cmd("TYPE I")
        pend = c.data("pasv")
        t.code(c.cmd("STOR atomic.bin"), 150, "STOR atomic.bin")
        d = pend.get()
        d.sendall(MEDIUM[:MiB])
        pids = srv.session_pids(mark)
        unnamed = wait_until(lambda: unnamed_files_in(pids[0], srv.root), 5) if pids else []
        t.is_eq(len(unnamed or []), 1, "the upload goes to one unnamed file in the target's directory")
        t.is_eq(upload_temps(srv.root), [], "no .ftpsd-upload-* name during the upload")
        t.is_eq(read_file(srv.path("atomic.bin")), b"old old old", "the target is untouched meanwhile")
        d.sendall(MEDIUM[MiB:])
        d.close()
        t.code(c.reply(), 226, "upload complete")
        c.quit()
    t.is_eq(sha256_file(srv.path("atomic.bin")), sha256(MEDIUM), "the new content is in place")
    t.is_eq(upload_temps(srv.root), [], "the temporary is gone")


def test_stor_while_reading(srv):
    """A reader of a file being replaced gets the old file whole."""
    srv.put("swap.bin", BIG)   # the session's user may replace only its own
    new = MEDIUM[::-1]
    with srv.login() as reader, srv.login() as writer:
        reader.cmd("TYPE I")
        writer.cmd("TYPE I")
        pend = reader.data("pasv")
        t.code(reader.cmd("RETR swap.bin"), 150, "reader: RETR swap.bin")
        d = pend.get()
        chunks = [d.recv(MiB)]
        first, final = writer.stor("STOR swap.bin", new)
        t.code(final, 226, "writer: STOR swap.bin while it is being read")
        while True:
            b = d.recv(MiB)
            if not b:
                break
            chunks.append(b)
        d.close()
        t.code(reader.reply(), 226, "reader: RETR complete")
        t.ok(sha256(b"".join(chunks)) == BIG_SHA, "reader got the old 64 MiB file whole")
        check_retr(reader, "RETR swap.bin", new, "a new RETR gets the new file")
        reader.quit()
        writer.quit()


def test_appe(srv):
    half = 40 * MiB + 7
    with srv.login() as c:
        c.cmd("TYPE I")
        first, final = c.stor("STOR appe.bin", BIG[:half])
        t.code(final, 226, "STOR the first part")
        first, final = c.stor("APPE appe.bin", BIG[half:])
        t.code(first, 150, "APPE the rest")
        t.code(final, 226, "APPE complete")
        t.is_eq(c.cmd("SIZE appe.bin"), (213, "213 %d" % BIG_SIZE), "SIZE after APPE")
        first, final = c.stor("APPE appe-new.bin", b"fresh")
        t.code(final, 226, "APPE to a new file")
        c.quit()
    t.ok(sha256_file(srv.path("appe.bin")) == BIG_SHA, "STOR + APPE of 64 MiB: SHA-256 equal")
    t.is_eq(read_file(srv.path("appe-new.bin")), b"fresh", "APPE created the new file")


def test_rest_retr(srv):
    off = 12345679
    with srv.login() as c:
        c.cmd("TYPE I")
        t.code(c.cmd("REST %d" % off), 350, "REST %d" % off)
        check_retr(c, "RETR big.bin", BIG[off:], "RETR resumed at %d" % off)
        check_retr(c, "RETR medium.bin", MEDIUM, "REST applies to one transfer only")
        t.code(c.cmd("REST %d" % len(MEDIUM)), 350, "REST at the end of the file")
        check_retr(c, "RETR medium.bin", b"", "RETR from the end: nothing")
        t.code(c.cmd("REST %d" % (len(MEDIUM) + 1)), 350, "REST beyond the end")
        t.code(c.retr("RETR medium.bin")[0], 554, "RETR after REST beyond the end")
        check_retr(c, "RETR medium.bin", MEDIUM, "RETR after 554 starts at 0")
        c.quit()


def test_rest_stor(srv):
    off = 23456789
    srv.put("resume.bin", BIG[:off])
    with srv.login() as c:
        c.cmd("TYPE I")
        t.is_eq(c.cmd("SIZE resume.bin"), (213, "213 %d" % off), "SIZE of the partial upload")
        t.code(c.cmd("REST %d" % off), 350, "REST %d" % off)
        first, final = c.stor("STOR resume.bin", BIG[off:])
        t.code(first, 150, "STOR resumed")
        t.code(final, 226, "resumed STOR complete")
        c.quit()
    t.ok(os.path.getsize(srv.path("resume.bin")) == BIG_SIZE and
         sha256_file(srv.path("resume.bin")) == BIG_SHA, "REST + STOR of 64 MiB: SHA-256 equal")
    t.is_eq(upload_temps(srv.root), [], "no temporary file after resumed STOR")


def test_empty_and_names(srv):
    srv.put("empty.txt", b"")
    srv.put("with space.txt", b"spaced")
    mark = srv.mark()
    with srv.login() as c:
        check_retr(c, "RETR empty.txt", b"", "RETR of an empty file")
        first, final = c.stor("STOR empty-up.txt", b"")
        t.code(final, 226, "STOR of nothing")
        check_retr(c, "RETR with space.txt", b"spaced", "RETR of a name with a space")
        first, final = c.stor("STOR  leading space.txt", b"lead")
        t.code(final, 226, "STOR of a name that starts with a space")
        t.code(c.retr("RETR missing.txt")[0], 550, "RETR of a missing file")
        t.code(c.retr("RETR pub")[0], 550, "RETR of a directory")
        t.code(c.stor("STOR pub", b"x")[0], 550, "STOR onto a directory")
        t.code(c.stor("STOR /", b"x")[0], 550, "STOR onto /")
        t.code(c.stor("STOR nodir/x.txt", b"x")[0], 550, "STOR into a missing directory")
        c.quit()
    t.is_eq(read_file(srv.path("empty-up.txt")), b"", "empty upload makes an empty file")
    t.is_eq(read_file(srv.path(" leading space.txt")), b"lead", "the leading space is part of the name")
    t.ok(os.path.isdir(srv.path("pub")), "STOR onto a directory left it")
    t.ok(srv.wait_log(xferlog_re(6, "/with_space.txt", "o"), since=mark),
         "xferlog writes a space in a name as '_'", srv.log(mark)[-1500:])


# ------------------------------------------------------------ TYPE A

def test_ascii(srv):
    srv.put("text.txt", b"one\ntwo\r\nthree\n\nend")
    lines = b"".join(b"line %d %s\n" % (i, b"x" * (i % 97)) for i in range(20000))
    srv.put("lines.txt", lines)
    with srv.login() as c:
        t.code(c.cmd("TYPE A"), 200, "TYPE A")
        first, data, final = c.retr("RETR text.txt")
        t.like(first[1], r"ASCII", "150 says ASCII")
        t.is_eq(data, b"one\r\ntwo\r\nthree\r\n\r\nend", "TYPE A RETR: LF -> CRLF, CRLF kept")
        first, data, final = c.retr("RETR lines.txt")
        t.code(final, 226, "TYPE A RETR of %d bytes" % len(lines))
        t.ok(data == lines.replace(b"\n", b"\r\n"), "TYPE A RETR of a large file converts every LF",
             "got %s bytes, want %d" % (data and len(data), len(lines) + 20000))
        first, final = c.stor("STOR ascii-up.txt", b"a\r\nb\r\nc")
        t.code(final, 226, "TYPE A STOR")
        t.is_eq(read_file(srv.path("ascii-up.txt")), b"a\nb\nc", "TYPE A STOR: CRLF -> LF")
        first, final = c.stor("STOR ascii-cr.txt", b"x\ry\r\n\r")
        t.is_eq(read_file(srv.path("ascii-cr.txt")), b"x\ry\n\r", "TYPE A STOR: a lone CR stays")
        first, final = c.stor("STOR ascii-split.txt", None,
                              pieces=[b"abc\r", b"\ndef\r", b"\r\n", b"gh\r"])
        t.code(final, 226, "TYPE A STOR in pieces")
        t.is_eq(read_file(srv.path("ascii-split.txt")), b"abc\ndef\r\ngh\r",
                "TYPE A STOR: CRLF split across reads")
        # Nothing but LF: every chunk of the file doubles in the conversion,
        # the most its output buffer must hold (a chunk one byte too big
        # overflows it, which a sanitizer build reports).
        only_lf = b"\n" * (3 * 256 * 1024 + 5)
        srv.put("only-lf.txt", only_lf)
        first, data, final = c.retr("RETR only-lf.txt")
        t.code(final, 226, "TYPE A RETR of %d LFs" % len(only_lf))
        t.ok(data == b"\r\n" * len(only_lf), "TYPE A RETR of only LFs: every one becomes CRLF",
             "got %s bytes, want %d" % (data and len(data), 2 * len(only_lf)))
        big_crlf = lines.replace(b"\n", b"\r\n")
        first, final = c.stor("STOR ascii-big.txt", big_crlf)
        t.ok(read_file(srv.path("ascii-big.txt")) == lines, "TYPE A STOR of a large file")
        t.code(c.cmd("TYPE I"), 200, "TYPE I")
        check_retr(c, "RETR text.txt", b"one\ntwo\r\nthree\n\nend", "TYPE I RETR is unconverted")
        c.quit()


# ------------------------------------------------------------ ABOR, STAT

def read_some(d, n):
    got = 0
    while got < n:
        b = d.recv(min(65536, n - got))
        if not b:
            break
        got += len(b)
    return got


def abort_retr(srv, telnet):
    what = "ABOR with Telnet IP/Synch" if telnet else "ABOR"
    mark = srv.mark()
    with srv.login() as c:
        c.cmd("TYPE I")
        pend = c.data("pasv")
        t.code(c.cmd("RETR big.bin"), 150, "%s: RETR big.bin" % what)
        d = pend.get()
        got = read_some(d, MiB)
        t.is_eq(got, MiB, "%s: read the first MiB" % what)
        if telnet:
            c.sock.send(b"\xff\xf4\xff", socket.MSG_OOB)
            c.send(b"\xf2ABOR\r\n")
        else:
            c.send(b"ABOR\r\n")
        r1 = c.reply()
        r2 = c.reply() if r1[0] == 426 else None
        t.code(r1, 426, "%s: the transfer gets 426" % what)
        t.code(r2, 226, "%s: then 226 for ABOR" % what)
        # The data connection is gone: reading ends (EOF or reset) well
        # before 64 MiB.
        total = got
        try:
            d.settimeout(10)
            while True:
                b = d.recv(MiB)
                if not b:
                    break
                total += len(b)
        except OSError:
            pass
        d.close()
        t.ok(total < BIG_SIZE, "%s: the transfer stopped (%d of %d bytes)" % (what, total, BIG_SIZE))
        t.code(c.cmd("NOOP"), 200, "%s: session usable after" % what)
        check_retr(c, "RETR medium.bin", MEDIUM, "%s: a new transfer after" % what)
        c.quit()
    t.ok(srv.wait_log(r"alice \[127\.0\.0\.1\] RETR big\.bin 426$", since=mark),
         "%s: log RETR 426" % what)
    t.ok(srv.wait_log(r"alice \[127\.0\.0\.1\] ABOR 226$", since=mark), "%s: log ABOR 226" % what)
    t.ok(srv.wait_log(r" /big\.bin b _ o r alice ftp 0 \* i$", since=mark),
         "%s: xferlog marks the download incomplete" % what)


def test_abor_retr(srv):
    abort_retr(srv, telnet=False)


def test_abor_retr_telnet(srv):
    abort_retr(srv, telnet=True)


def test_abor_stor(srv):
    srv.put("abor-stor.bin", b"precious old data")
    with srv.login() as c:
        c.cmd("TYPE I")
        pend = c.data("pasv")
        t.code(c.cmd("STOR abor-stor.bin"), 150, "STOR to abort")
        d = pend.get()
        d.sendall(BIG[:2 * MiB])
        time.sleep(0.2)
        c.send(b"ABOR\r\n")
        r1 = c.reply()
        r2 = c.reply() if r1[0] == 426 else None
        t.code(r1, 426, "ABOR during STOR: 426")
        t.code(r2, 226, "ABOR during STOR: 226")
        d.close()
        t.code(c.cmd("NOOP"), 200, "session usable after aborted STOR")
        c.quit()
    t.is_eq(read_file(srv.path("abor-stor.bin")), b"precious old data", "aborted STOR kept the old file")
    t.is_eq(upload_temps(srv.root), [], "aborted STOR left no temporary")


def test_stat_during_retr(srv):
    with srv.login() as c:
        c.cmd("TYPE I")
        pend = c.data("pasv")
        t.code(c.cmd("RETR big.bin"), 150, "RETR for STAT")
        d = pend.get()
        chunks = []
        got = 0
        while got < 2 * MiB:
            b = d.recv(MiB)
            if not b:
                break
            chunks.append(b)
            got += len(b)
        c.send(b"STAT\r\n")
        r = c.reply()
        t.code(r, 213, "STAT during a transfer")
        t.ok(len(r[1].splitlines()) >= 3 and r[1].splitlines()[-1].startswith("213 "),
             "STAT during a transfer is multi-line", r[1])
        t.like(r[1], r"\d+ bytes transferred", "STAT tells the progress")
        while True:
            b = d.recv(MiB)
            if not b:
                break
            chunks.append(b)
        d.close()
        data = b"".join(chunks)
        t.code(c.reply(), 226, "the transfer completes after STAT")
        t.ok(sha256(data) == BIG_SHA, "the data are intact around STAT")
        del data, chunks
        c.quit()


def test_command_during_retr(srv):
    with srv.login() as c:
        c.cmd("TYPE I")
        pend = c.data("pasv")
        c.cmd("RETR big.bin")
        d = pend.get()
        read_some(d, MiB)
        c.send(b"NOOP\r\n")
        rest = 0
        while True:
            b = d.recv(MiB)
            if not b:
                break
            rest += len(b)
        d.close()
        t.is_eq(MiB + rest, BIG_SIZE, "all data arrived with a command pending")
        t.code(c.reply(), 226, "226 first")
        t.code(c.reply(), 200, "then the NOOP sent during the transfer")
        c.quit()


def test_long_line_during_retr(srv):
    # A line over the limit gets the same 500 during a transfer as between
    # commands: one reader of the control connection, one answer.
    with srv.login() as c:
        between = c.cmd("X" * 5000)
        t.code(between, 500, "a too long line between commands")
        c.cmd("TYPE I")
        pend = c.data("pasv")
        t.code(c.cmd("RETR big.bin"), 150, "RETR for a too long line")
        d = pend.get()
        read_some(d, MiB)
        c.send(b"Y" * 5000 + b"\r\n")
        during = c.reply()
        t.code(during, 500, "a too long line during a transfer is answered at once")
        t.is_eq(during[1], between[1], "with the same words as between commands")
        rest = 0
        while True:
            b = d.recv(MiB)
            if not b:
                break
            rest += len(b)
        d.close()
        t.is_eq(MiB + rest, BIG_SIZE, "the transfer goes on after the too long line")
        t.code(c.reply(), 226, "and completes")
        c.quit()


def test_epsv_all(srv):
    with srv.login() as c:
        t.code(c.cmd("EPSV ALL"), 200, "EPSV ALL")
        t.code(c.cmd("PASV"), 503, "PASV after EPSV ALL")
        t.code(c.cmd("PORT 127,0,0,1,200,1"), 503, "PORT after EPSV ALL")
        t.code(c.cmd("EPRT |1|127.0.0.1|51201|"), 503, "EPRT after EPSV ALL")
        check_retr(c, "RETR medium.bin", MEDIUM, "EPSV still works after EPSV ALL", "epsv")
        c.quit()


# ------------------------------------------------------------ listings

def list_names(data):
    return sorted(l.split(None, 8)[8] for l in data.decode().split("\r\n") if l)


def test_listings(srv):
    srv.put("ls/a.txt", b"aaa")
    srv.put("ls/b.txt", b"bbbbbb")
    srv.put("ls/c.log", b"c")
    srv.put("ls/.hidden", b"h")
    srv.mkdir("ls/sub")
    with srv.login() as c:
        first, data, final = c.retr("LIST ls")
        t.code(final, 226, "LIST")
        t.ok(data is not None and data.endswith(b"\r\n"), "LIST lines end in CRLF")
        t.is_eq(list_names(data), ["a.txt", "b.txt", "c.log", "sub"], "LIST hides dot files")
        lines = {l.split(None, 8)[8]: l for l in data.decode().split("\r\n") if l}
        t.like(lines.get("b.txt", ""), r"^-rw-r--r-- +\d+ +\d+ +\d+ +6 \w{3} [ \d]\d [\d:]{4,5} b\.txt$",
               "LIST line format for a file")
        t.like(lines.get("sub", ""), r"^d", "LIST marks a directory with d")
        for opt in ("-a", "-la", "-al", "-A", "-aL"):
            first, data, final = c.retr("LIST %s ls" % opt)
            t.ok(data is not None and "hidden" in " ".join(list_names(data)) and final[0] == 226,
                 "LIST %s shows dot files" % opt)
        first, data, final = c.retr("LIST -l ls")
        t.ok(data is not None and ".hidden" not in list_names(data), "LIST -l hides dot files")
        for opt in ("-l", "-R", "-1", "-F", "-h", "-L", "-T", "-d", "-lRa1FhLTdA"):
            first, data, final = c.retr("LIST %s ls" % opt)
            t.code(final, 226, "LIST %s accepted" % opt)
        t.code(c.retr("LIST -Z ls")[0], 501, "LIST -Z: unknown option")
        t.code(c.retr("LIST -lz ls")[0], 501, "LIST -lz: unknown option among known ones")
        first, data, final = c.retr("LIST ls/*.txt")
        t.is_eq(data and list_names(data), ["a.txt", "b.txt"], "LIST ls/*.txt")
        c.cmd("CWD ls")
        first, data, final = c.retr("LIST *.txt")
        t.is_eq(data and list_names(data), ["a.txt", "b.txt"], "LIST *.txt in the cwd")
        first, data, final = c.retr("NLST ?.log")
        t.is_eq(data, b"c.log\r\n", "NLST ?.log")
        first, data, final = c.retr("LIST b.txt")
        t.is_eq(data and list_names(data), ["b.txt"], "LIST of a file: one line")
        first, data, final = c.retr("LIST -d sub")
        t.ok(data is not None and data.startswith(b"d") and data.count(b"\r\n") == 1,
             "LIST -d: the directory itself", data)
        t.code(c.retr("LIST nosuch")[0], 550, "LIST of a missing path")
        first, data, final = c.retr("NLST")
        t.is_eq(sorted(data.decode().split("\r\n")[:-1]), ["a.txt", "b.txt", "c.log", "sub"], "NLST")
        first, data, final = c.retr("MLSD")
        t.code(final, 226, "MLSD")
        entries = {}
        for l in data.decode().split("\r\n"):
            if l:
                facts, name = l.split(" ", 1)
                entries[name] = dict(f.split("=", 1) for f in facts.split(";") if f)
        t.is_eq(entries.get("b.txt", {}).get("size"), "6", "MLSD size fact")
        t.is_eq(entries.get("b.txt", {}).get("type"), "file", "MLSD type=file")
        t.is_eq(entries.get("sub", {}).get("type"), "dir", "MLSD type=dir")
        t.ok(all({"type", "modify", "perm", "unique", "UNIX.mode"} <= set(e) for e in entries.values()),
             "MLSD gives type, modify, perm, unique, UNIX.mode", entries)
        t.ok(len({e.get("unique") for e in entries.values()}) == len(entries), "MLSD unique facts differ")
        t.code(c.retr("MLSD b.txt")[0], (501, 550), "MLSD of a file")
        c.quit()


def test_many_files(srv):
    names = ["file-%04d.dat" % i for i in range(400)]
    for i, n in enumerate(names):
        srv.put("many/" + n, b"x" * i)
    with srv.login() as c:
        first, data, final = c.retr("NLST many")
        t.code(final, 226, "NLST of 400 files")
        got = sorted(os.path.basename(l) for l in data.decode().split("\r\n") if l)
        t.is_eq(got, names, "NLST gives every one of 400 names")
        first, data, final = c.retr("LIST many", "eprt")
        lines = [l for l in data.decode().split("\r\n") if l]
        t.is_eq(len(lines), 400, "LIST gives 400 lines")
        sizes = {l.split(None, 8)[8]: int(l.split()[4]) for l in lines}
        t.ok(all(sizes.get(n) == i for i, n in enumerate(names)), "LIST sizes are right")
        first, data, final = c.retr("MLSD many")
        lines = [l for l in data.decode().split("\r\n") if l]
        t.is_eq(len(lines), 400, "MLSD gives 400 entries")
        # Each entry's name and size fact against what was put there.
        got = {}
        for l in lines:
            facts, _, name = l.partition(" ")
            m = re.search(r"(?:^|;)size=(\d+);", facts)
            got[name] = int(m.group(1)) if m else None
        t.is_eq(got, {n: i for i, n in enumerate(names)}, "MLSD names and sizes are right")
        c.quit()


def test_stou(srv):
    with srv.login() as c:
        first, final = c.stor("STOU unique.txt", b"first")
        t.like(first[1], r"^150 FILE: unique\.txt$", "STOU names the file in 150")
        t.code(final, 226, "STOU complete")
        first, final = c.stor("STOU unique.txt", b"second")
        m = re.match(r"^150 FILE: (\S+)$", first[1])
        t.ok(m and m.group(1) != "unique.txt", "second STOU picks another name", first)
        t.code(final, 226, "second STOU complete")
        t.is_eq(read_file(srv.path("unique.txt")), b"first", "first STOU file intact")
        if m:
            t.is_eq(read_file(srv.path(m.group(1))), b"second", "second STOU file content")
        first, final = c.stor("STOU", b"noname")
        m = re.match(r"^150 FILE: (\S+)$", first[1])
        t.ok(m is not None, "STOU without a name", first)
        if m:
            t.is_eq(read_file(srv.path(m.group(1))), b"noname", "STOU without a name: content")
        c.quit()


def test_concurrent(srv):
    results = [None] * 3

    def worker(i):
        try:
            with srv.login() as c:
                c.cmd("TYPE I")
                first, data, final = c.retr("RETR big.bin")
                results[i] = (final and final[0], data is not None and sha256(data) == BIG_SHA)
                c.quit()
        except Exception as e:  # noqa: BLE001
            results[i] = repr(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    t.is_eq(results, [(226, True)] * 3, "three concurrent 64 MiB downloads are byte-exact")


# ------------------------------------------------------------ IPv6

def test_ipv6():
    with Server(host="::1") as srv6:
        srv6.put("six.bin", MEDIUM)
        mark = srv6.mark()
        with srv6.login() as c:
            c.cmd("TYPE I")
            check_retr(c, "RETR six.bin", MEDIUM, "IPv6 RETR via EPSV", "epsv")
            check_retr(c, "RETR six.bin", MEDIUM, "IPv6 RETR via EPRT |2|::1|", "eprt")
            first, final = c.stor("STOR six-up.bin", MEDIUM, "eprt")
            t.code(final, 226, "IPv6 STOR via EPRT")
            t.is_eq(sha256_file(srv6.path("six-up.bin")), sha256(MEDIUM), "IPv6 STOR: SHA-256 equal")
            first, data, final = c.retr("NLST", "epsv")
            t.is_eq(sorted(data.decode().split("\r\n")[:-1]), ["six-up.bin", "six.bin"], "IPv6 NLST")
            t.code(c.cmd("EPSV 2"), 229, "EPSV 2 on IPv6")
            t.code(c.cmd("EPSV 1"), 522, "EPSV 1 on an IPv6 connection")
            r = c.cmd("PASV")
            t.ok(r[0] >= 400, "PASV on IPv6 is refused (%r)" % (r,))
            t.code(c.cmd("EPRT |1|127.0.0.1|50000|"), 504, "EPRT to 127.0.0.1 from ::1")
            t.code(c.cmd("PORT 127,0,0,1,195,80"), 504, "PORT from ::1")
            t.code(c.cmd("EPRT |2|::1|1000|"), 504, "EPRT to ::1 port 1000")
            c.quit()
        t.ok(srv6.wait_log(r"^ftpsd\[\d+\]: alice \[::1\] RETR six\.bin 226$", since=mark),
             "IPv6 log names [::1]")


# ------------------------------------------------------------ options

def test_options():
    lo = 20000 + (os.getpid() * 37) % 40000
    env = {"FTPSD_DATA_TIMEOUT": "2", "FTPSD_PASV_ADDRESS": "192.0.2.7",
           "FTPSD_PASV_PORTS": "%d-%d" % (lo, lo + 49), "FTPSD_ACTIVE": "0"}
    with Server(env=env) as srv:
        srv.put("f.bin", MEDIUM)
        srv.put("big.bin", BIG)
        srv.put("old.txt", b"the old content")
        with srv.login() as c:
            c.cmd("TYPE I")
            r = c.cmd("PASV")
            m = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", r[1])
            t.ok(m and m.group(1, 2, 3, 4) == ("192", "0", "2", "7"), "FTPSD_PASV_ADDRESS in 227", r)
            port = int(m.group(5)) * 256 + int(m.group(6)) if m else 0
            t.ok(lo <= port <= lo + 49, "227 port %d within FTPSD_PASV_PORTS" % port)
            # The listener is on the real address; only the reply says otherwise.
            d = socket.create_connection(("127.0.0.1", port), timeout=10)
            t.code(c.cmd("RETR f.bin"), 150, "RETR via the real address")
            data = b""
            while True:
                b = d.recv(MiB)
                if not b:
                    break
                data += b
            d.close()
            t.code(c.reply(), 226, "RETR complete")
            t.ok(data == MEDIUM, "RETR data intact")
            p = c.epsv()
            t.ok(lo <= p <= lo + 49, "229 port %d within FTPSD_PASV_PORTS" % p)
            r = c.cmd("EPSV")
            t.unlike(r[1], r"192", "229 carries no address")
            t.code(c.cmd("PORT 127,0,0,1,200,1"), 502, "FTPSD_ACTIVE=0: PORT")
            t.code(c.cmd("EPRT |1|127.0.0.1|51201|"), 502, "FTPSD_ACTIVE=0: EPRT")
            c.quit()
        data_timeouts(srv)


def data_timeouts(srv):
    with srv.login() as c:
        c.cmd("TYPE I")
        # A passive listener nobody connects to.
        c.cmd("PASV")
        t0 = time.monotonic()
        r = c.cmd("RETR f.bin")
        if r[0] == 150:
            r = c.reply()
        dt = time.monotonic() - t0
        t.code(r, 425, "no data connection within FTPSD_DATA_TIMEOUT")
        lo, hi = timeout_window(2)
        t.ok(lo <= dt <= hi, "after %.1f s (2 s; between %.1f and %.1f)" % (dt, lo, hi))
        # A download the client stops reading.
        host, port = c.pasv()
        d = socket.create_connection(("127.0.0.1", port), timeout=10)
        t.code(c.cmd("RETR big.bin"), 150, "RETR to stall")
        read_some(d, 64 * 1024)
        t0 = time.monotonic()
        r = c.reply()
        dt = time.monotonic() - t0
        d.close()
        t.code(r, 426, "stalled download ends with 426")
        t.ok(lo <= dt <= hi, "stalled download ended after %.1f s (2 s; between %.1f and %.1f)" % (dt, lo, hi))
        t.code(c.cmd("NOOP"), 200, "session lives on after the data timeout")
        # An upload the client stops sending.
        host, port = c.pasv()
        d = socket.create_connection(("127.0.0.1", port), timeout=10)
        t.code(c.cmd("STOR old.txt"), 150, "STOR to stall")
        d.sendall(b"partial new content")
        t0 = time.monotonic()
        r = c.reply()
        dt = time.monotonic() - t0
        d.close()
        t.code(r, 426, "stalled upload ends with 426")
        t.ok(lo <= dt <= hi, "stalled upload ended after %.1f s (2 s; between %.1f and %.1f)" % (dt, lo, hi))
        t.code(c.cmd("NOOP"), 200, "session lives on after the upload timeout")
        c.quit()
    t.is_eq(read_file(srv.path("old.txt")), b"the old content", "stalled STOR kept the old file")
    t.is_eq(upload_temps(srv.root), [], "stalled STOR left no temporary")


# ------------------------------------------------------------ killed clients

KILL_CLIENT = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from ftpsd_test import Ctl, MiB
host, port, user, pw, verb, path = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
c = Ctl(host, port)
assert c.login(user, pw)[0] == 230
c.cmd("TYPE I")
pend = c.data("pasv")
r = c.cmd(verb + " " + path)
assert r[0] == 150, r
d = pend.get()
if verb == "RETR":
    got = 0
    while got < 2 * MiB:
        got += len(d.recv(65536))
else:
    d.sendall(b"N" * (2 * MiB))
print("STARTED", flush=True)
time.sleep(120)
"""


def killed_client(srv, verb, path, rounds=1):
    outcomes = []
    for i in range(rounds):
        if verb == "STOR":
            srv.put(path, b"the old file that must survive")
        mark = srv.mark()
        p = subprocess.Popen([sys.executable, "-c", KILL_CLIENT, HERE, srv.host, str(srv.port),
                              ALICE.name, ALICE.password, verb, path],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            ready, _, _ = select.select([p.stdout], [], [], 20)
            line = p.stdout.readline() if ready else b""
            if line.strip() != b"STARTED":
                p.kill()
                t.ok(False, "%s client started the transfer" % verb, p.stderr.read(4000))
                return
            if verb == "STOR":
                # The upload goes to an unnamed O_TMPFILE file: nothing
                # a killed process could leave behind has a name.
                outcomes.append(("no named temporary during upload", upload_temps(srv.root) == []))
            p.kill()
            p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(10)
            p.stdout.close()
            p.stderr.close()
        t0 = time.monotonic()
        pids = srv.session_pids(mark)
        code = srv.child_exit(pids[0], 8, mark) if len(pids) == 1 else None
        dt = time.monotonic() - t0
        outcomes.append(("exit", code is not None and dt < 8))
        if code is None:
            t.diag("round %d: session %s did not exit; log:\n%s" % (i, pids, srv.log(mark)[-1500:]))
        if verb == "STOR":
            content = read_file(srv.path(path))
            outcomes.append(("old file intact", content == b"the old file that must survive"))
            if content != b"the old file that must survive":
                t.diag("round %d: %s now has %d bytes: %r" % (i, path, len(content), content[:40]))
            outcomes.append(("no temporary", upload_temps(srv.root) == []))
    for what in dict.fromkeys(o[0] for o in outcomes):
        vals = [o[1] for o in outcomes if o[0] == what]
        t.ok(all(vals), "client killed during %s: %s (%d of %d rounds)" % (verb, what, sum(vals), len(vals)))


def test_kill_retr(srv):
    killed_client(srv, "RETR", "big.bin")


def test_kill_stor(srv):
    killed_client(srv, "STOR", "victim.bin", rounds=15)


def test_sanitizers():
    ft.check_sanitizer_reports(t)


def main():
    with Server() as srv:
        srv.put("big.bin", BIG)
        srv.put("medium.bin", MEDIUM)
        srv.mkdir("pub")
        t.case("RETR 64 MiB", test_retr_big, srv)
        t.case("PASV EPSV PORT EPRT", test_data_modes, srv)
        t.case("no data connection", test_no_data_connection, srv)
        t.case("STOR 64 MiB", test_stor_big, srv)
        t.case("STOR uses a temporary", test_stor_in_progress, srv)
        t.case("STOR while the file is read", test_stor_while_reading, srv)
        t.case("APPE", test_appe, srv)
        t.case("REST + RETR", test_rest_retr, srv)
        t.case("REST + STOR", test_rest_stor, srv)
        t.case("empty files and odd names", test_empty_and_names, srv)
        t.case("TYPE A", test_ascii, srv)
        t.case("ABOR during RETR", test_abor_retr, srv)
        t.case("ABOR during RETR, Telnet style", test_abor_retr_telnet, srv)
        t.case("ABOR during STOR", test_abor_stor, srv)
        t.case("STAT during RETR", test_stat_during_retr, srv)
        t.case("command during RETR", test_command_during_retr, srv)
        t.case("too long line during RETR", test_long_line_during_retr, srv)
        t.case("EPSV ALL", test_epsv_all, srv)
        t.case("listings", test_listings, srv)
        t.case("400 files", test_many_files, srv)
        t.case("STOU", test_stou, srv)
        t.case("concurrent sessions", test_concurrent, srv)
        t.case("client killed during RETR", test_kill_retr, srv)
        t.case("client killed during STOR", test_kill_stor, srv)
    t.case("IPv6", test_ipv6)
    t.case("PASV address, ports, FTPSD_ACTIVE=0, data timeouts", test_options)
    t.case("sanitizers", test_sanitizers)
    t.done()


if __name__ == "__main__":
    main()
