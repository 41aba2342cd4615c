#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: how quota usage is kept (the usage file).

A user with quota-bytes= or quota-files= has the usage of their tree kept
in .ftpsd-usage at its top (ftpsd-users(5)): read before each upload,
updated after each upload, DELE or RNTO over a file, walked again when it
is missing, unparsable, untrustworthy or stale; never listed, never
reachable by a command. Each check reads the file on disk and tries the
room left with real uploads (the raw control connection of the harness,
python ftplib for listings), in one session and in several at once.
"""

import fcntl
import ftplib
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import MiB, TAP, Server, User, install_watchdog, read_file, sha256  # noqa: E402

t = TAP()
install_watchdog()

KiB = 1024
USAGE = ".ftpsd-usage"
RESCAN_SECONDS = 15 * 60   # USAGE_RESCAN_SECONDS in src/usage.h


class OptUser(User):
    """A users-file line with a fourth field of options."""

    def __init__(self, name, password, options, home=None):
        super().__init__(name, password, "sha512", home)
        self.options = options

    def line(self):
        return "%s:%s:%s:%s" % (self.name, ft.password_hash(self.password), self.home or "",
                                self.options)


MID = OptUser("qmid", "qmid-pw", "write,quota-bytes=1M", home="/qmid")
MISSING = OptUser("qmiss", "qmiss-pw", "write,quota-bytes=4000", home="/qmiss")
GARBAGE = OptUser("qgarb", "qgarb-pw", "write,quota-bytes=4000,quota-files=5", home="/qgarb")
TRUSTED = OptUser("qtrust", "qtrust-pw", "write,quota-bytes=4000", home="/qtrust")
HIDDEN = OptUser("qhide", "qhide-pw", "write,quota-bytes=1M", home="/qhide")
FREED = OptUser("qfree", "qfree-pw", "write,quota-bytes=1M,quota-files=2", home="/qfree")
TWO = OptUser("qtwo", "qtwo-pw", "write,quota-bytes=1M", home="/qtwo")
MANY = OptUser("qmany", "qmany-pw", "write,quota-bytes=1M", home="/qmany")
LOCKED = OptUser("qlock", "qlock-pw", "write,quota-bytes=4000", home="/qlock")
BUSY = OptUser("qbusy", "qbusy-pw", "write,quota-bytes=4000", home="/qbusy")
USERS = [MID, MISSING, GARBAGE, TRUSTED, HIDDEN, FREED, TWO, MANY, LOCKED, BUSY]
LOCK_WAIT = 10   # QUOTA_LOCK_WAIT_MS in src/quota.h, in seconds


def stor_code(c, name, data, cmd="STOR"):
    """The final reply code of an upload (the first when it is refused).
    Past the quota the server stops reading and closes the data
    connection: a send or shutdown that fails then is expected."""
    pend = c.data("pasv")
    first = c.cmd("%s %s" % (cmd, name))
    if not 100 <= first[0] < 200:
        pend.close()
        return first[0]
    d = pend.get()
    try:
        d.sendall(data)
        d.shutdown(socket.SHUT_WR)
        while d.recv(65536):
            pass
    except OSError:
        pass
    finally:
        d.close()
    return c.reply()[0]


def usage_text(bytes_, files, counted):
    return ("ftpsd-usage 1\nbytes %d\nfiles %d\ncounted %d\n" % (bytes_, files, counted)).encode()


def usage_of(srv, home):
    """(bytes, files) the usage file under home says, or what is wrong with it."""
    try:
        text = read_file(srv.path(home, USAGE)).decode("ascii", "replace")
    except OSError as e:
        return "no usage file (%s)" % e.strerror
    m = re.fullmatch(r"ftpsd-usage 1\nbytes (\d+)\nfiles (\d+)\ncounted (\d+)\n", text)
    return (int(m.group(1)), int(m.group(2))) if m else "unparsable: %r" % text


def settled(c):
    """A NOOP answered: the command before it is done, including the
    usage update that follows its reply."""
    c.cmd("NOOP")
    return c


def plant(srv, home, data, mode=0o600):
    """Writes a usage file as the session's account would have."""
    srv.put(home + "/" + USAGE, data)
    os.chmod(srv.path(home, USAGE), mode)


# ------------------------------------------------------------ mid-upload

def test_mid_upload(srv):
    old = ft.random_bytes(300 * KiB, 41)
    srv.mkdir("qmid/sub")
    srv.put("qmid/sub/old.bin", old)
    with srv.login(MID) as c:
        t.is_eq(stor_code(c, "sub/old.bin", ft.random_bytes(MiB + 1, 42)), 552,
                "a STOR past the quota mid-upload gets 552")
        t.is_eq(sha256(read_file(srv.path("qmid/sub/old.bin"))), sha256(old), "the old file is intact")
        t.is_eq(sorted(os.listdir(srv.path("qmid/sub"))), ["old.bin"], "the partial upload is gone")
        t.is_eq(usage_of(srv, "qmid"), (300 * KiB, 1),
                "the usage file counts the old file alone after the refused upload")
        new = ft.random_bytes(700 * KiB, 43)
        t.is_eq(stor_code(c, "new.bin", new), 226, "an upload that fits")
        t.is_eq(usage_of(srv, "qmid"), (1000 * KiB, 2), "the usage file counts it at once")
        c.quit()
    # A second session starts from the file: exactly the 24 KiB left fit.
    with srv.login(MID) as c:
        t.is_eq(stor_code(c, "more.bin", ft.random_bytes(24 * KiB + 1, 44)), 552,
                "second session: one byte past the room gets 552")
        t.is_eq(stor_code(c, "more.bin", ft.random_bytes(24 * KiB, 45)), 226,
                "second session: exactly the room fits")
        c.quit()
    t.is_eq(usage_of(srv, "qmid"), (MiB, 3), "the usage file: the quota exactly")
    mode = os.stat(srv.path("qmid", USAGE)).st_mode & 0o777
    t.is_eq(oct(mode), "0o600", "the usage file is the account's alone")


# ------------------------------------------------------------ missing, garbage, stale

def test_missing(srv):
    srv.mkdir("qmiss/sub")
    srv.put("qmiss/sub/a.bin", b"a" * 1000)
    srv.put("qmiss/b.bin", b"b" * 2000)
    with srv.login(MISSING) as c:
        t.is_eq(stor_code(c, "c.bin", b"c" * 10), 226, "a first upload")
        c.quit()
    t.is_eq(usage_of(srv, "qmiss"), (3010, 3), "the first upload walked the tree and wrote the count")
    # Gone, and the tree changed behind ftpsd's back: the next upload walks.
    os.unlink(srv.path("qmiss", USAGE))
    srv.put("qmiss/sub/d.bin", b"d" * 500)
    mark = srv.mark()
    with srv.login(MISSING) as c:
        t.is_eq(stor_code(c, "e.bin", b"e" * 491), 552, "missing usage file: the walk finds 3510 used of 4000")
        t.is_eq(stor_code(c, "e.bin", b"e" * 490), 226, "missing usage file: exactly the room fits")
        c.quit()
    t.like(srv.log(mark), r"quota of qmiss: usage file missing, tree counted: 3510 bytes in 4 files",
           "log: why the tree was walked, and the count")
    t.is_eq(usage_of(srv, "qmiss"), (4000, 5), "missing usage file: written again, with the upload")


GARBAGE_FILES = [
    ("unparsable", b"no usage here\n", 0o600),
    ("unparsable", usage_text(0, 0, 1)[:-1], 0o600),                        # no final newline
    ("unparsable", b"ftpsd-usage 1\nbytes -5000\nfiles 0\ncounted 1\n", 0o600),
    ("unparsable", b"ftpsd-usage 1\nbytes 18446744073709551615\nfiles 0\ncounted 1\n", 0o600),
    ("unparsable", usage_text(0, 0, int(time.time())) + b"x" * 200, 0o600),  # past 128 bytes
    ("unparsable", b"\0" * 4096, 0o600),
    ("stale", usage_text(0, 0, int(time.time()) - RESCAN_SECONDS - 60), 0o600),
    ("stale", usage_text(0, 0, int(time.time()) + 3600), 0o600),            # dated ahead
    ("writable by others", usage_text(0, 0, int(time.time())), 0o666),
]


def test_garbage(srv):
    """A usage file that cannot be trusted is walked over, never believed:
    every one of these claims an empty tree, and each upload past the real
    room is still refused."""
    srv.mkdir("qgarb")
    srv.put("qgarb/a.bin", b"a" * 3000)
    srv.put("qgarb/b.bin", b"b" * 500)
    for i, (why, data, mode) in enumerate(GARBAGE_FILES):
        plant(srv, "qgarb", data, mode)
        mark = srv.mark()
        with srv.login(GARBAGE) as c:
            code = stor_code(c, "x.bin", b"x" * 501)
            c.quit()
        t.is_eq(code, 552, "garbage %d (%s): 3500 used of 4000, 501 more gets 552" % (i, why))
        t.like(srv.log(mark), r"quota of qgarb: usage file %s, tree counted: 3500 bytes in 2 files" % why,
               "garbage %d: the log says %s and the tree was walked" % (i, why))
        t.is_eq(usage_of(srv, "qgarb"), (3500, 2), "garbage %d: replaced by the walk's count" % i)
    # Not a regular file, or not only ours: walked, then replaced. Each
    # claims an empty tree; the upload one byte past the real room fails.
    os.unlink(srv.path("qgarb", USAGE))
    srv.put("qgarb/elsewhere", usage_text(0, 0, int(time.time())))
    os.chmod(srv.path("qgarb/elsewhere"), 0o600)
    os.symlink("elsewhere", srv.path("qgarb", USAGE))
    check_walked(srv, "a symbolic link")
    t.ok(not os.path.islink(srv.path("qgarb", USAGE)), "the symbolic link is replaced by a file")
    os.unlink(srv.path("qgarb/elsewhere"))
    os.unlink(srv.path("qgarb", USAGE))
    srv.put("qgarb/other", usage_text(0, 0, int(time.time())))
    os.chmod(srv.path("qgarb/other"), 0o600)
    os.link(srv.path("qgarb/other"), srv.path("qgarb", USAGE))
    check_walked(srv, "linked elsewhere")
    os.unlink(srv.path("qgarb", USAGE))
    os.mkdir(srv.path("qgarb", USAGE))
    ft.own(srv.path("qgarb", USAGE))
    check_walked(srv, "not a regular file", stored=False)


def disk_usage(srv, home):
    """(bytes, files) of the regular files beneath home, as the walk counts."""
    total, files = 0, 0
    for dirpath, dirnames, filenames in os.walk(srv.path(home)):
        for n in filenames + dirnames:
            p = os.path.join(dirpath, n)
            if dirpath == srv.path(home) and n == USAGE:
                continue
            st = os.lstat(p)
            if (st.st_mode & 0o170000) == 0o100000:
                total += st.st_size
                files += 1
    return total, files


def check_walked(srv, why, stored=True):
    used, files = disk_usage(srv, "qgarb")
    mark = srv.mark()
    with srv.login(GARBAGE) as c:
        code = stor_code(c, "x.bin", b"x" * (4000 - used + 1))
        c.quit()
    t.is_eq(code, 552, "usage file %s: %d used of 4000, one byte past the room gets 552" % (why, used))
    t.like(srv.log(mark), r"quota of qgarb: usage file %s, tree counted: %d bytes in %d files" % (why, used, files),
           "usage file %s: the tree was walked" % why)
    if stored:
        t.is_eq(usage_of(srv, "qgarb"), (used, files), "usage file %s: replaced by the walk's count" % why)
    else:
        t.like(srv.log(mark), r"cannot write the usage file .* the session counts by itself",
               "usage file %s: cannot be replaced, the session counts by itself" % why)


def test_trusted(srv):
    """A fresh, well-formed file of ours is believed: no walk. (This is
    the cost the file saves, and why a shell on the account is outside
    the quota: see ftpsd-users(5).)"""
    srv.mkdir("qtrust")
    srv.put("qtrust/a.bin", b"a" * 1000)
    plant(srv, "qtrust", usage_text(3900, 1, int(time.time())))
    mark = srv.mark()
    with srv.login(TRUSTED) as c:
        t.is_eq(stor_code(c, "x.bin", b"x" * 101), 552, "a fresh usage file is used as it is (3900 of 4000)")
        t.is_eq(stor_code(c, "x.bin", b"x" * 100), 226, "and its room is what it says")
        c.quit()
    t.unlike(srv.log(mark), r"tree counted", "log: no walk")
    t.is_eq(usage_of(srv, "qtrust"), (4000, 2), "the upload is added to what the file said")


# ------------------------------------------------------------ the name is ftpsd's

def test_hidden(srv):
    srv.mkdir("qhide/sub")
    srv.put("qhide/sub/a.txt", b"a\n")
    srv.put("qhide/visible.txt", b"v\n")
    plant(srv, "qhide", usage_text(4, 2, int(time.time())))
    with srv.login(HIDDEN) as c:
        t.is_eq(stor_code(c, "up.txt", b"up\n"), 226, "an upload")
        c.quit()
    before = read_file(srv.path("qhide", USAGE))
    t.is_eq(usage_of(srv, "qhide"), (7, 3), "the usage file counts it")
    # A file of that name in a subdirectory (put there by other means) is
    # hidden and unreachable too: the name is reserved everywhere.
    srv.put("qhide/sub/" + USAGE, b"not ftpsd's\n")
    f = ftplib.FTP(timeout=ft.CTL_TIMEOUT)
    f.connect(srv.host, srv.port)
    f.login(HIDDEN.name, HIDDEN.password)
    try:
        for cmd in ("LIST", "LIST -a", "LIST -aR", "NLST", "NLST -a", "MLSD", "LIST -a sub", "MLSD sub",
                    "STAT -a"):
            lines = []
            try:
                if cmd.startswith("STAT"):
                    lines = f.sendcmd(cmd).splitlines()
                elif cmd.startswith("MLSD"):
                    lines = [n for n, _ in f.mlsd(cmd[5:] or "")]
                else:
                    f.retrlines(cmd, lines.append)
            except ftplib.all_errors as e:
                lines = ["error: %s" % e]
            t.ok(not any(USAGE in l for l in lines) and any("up.txt" in l or "a.txt" in l for l in lines),
                 "%s: lists the files, never %s" % (cmd, USAGE), "\n".join(lines))
        for cmd in ("RETR", "SIZE", "MDTM", "MLST", "DELE", "RNFR", "CWD", "RMD", "MKD", "STAT",
                    "MFMT 20200101000000"):
            for path in (USAGE, "/" + USAGE, "sub/" + USAGE, "sub/../" + USAGE, USAGE + "/x"):
                try:
                    r = f.sendcmd("%s %s" % (cmd, path))
                except ftplib.all_errors as e:
                    r = str(e)
                t.ok(r.startswith("550"), "%s %s is refused with 550" % (cmd, path), r)
    finally:
        f.close()
    with srv.login(HIDDEN) as c:
        for cmd in ("STOR", "APPE", "STOU"):
            for path in (USAGE, "sub/" + USAGE):
                t.is_eq(stor_code(c, path, b"ftpsd-usage 1\nbytes 0\nfiles 0\ncounted 1\n", cmd), 550,
                        "%s %s is refused with 550" % (cmd, path))
        t.is_eq(c.cmd("RNFR visible.txt")[0], 350, "RNFR of an ordinary file")
        t.is_eq(c.cmd("RNTO " + USAGE)[0], 550, "RNTO onto the usage file is refused")
        c.quit()
    t.is_eq(read_file(srv.path("qhide", USAGE)), before, "the usage file is unchanged")
    t.is_eq(read_file(srv.path("qhide/sub", USAGE)), b"not ftpsd's\n", "the one in sub/ too")
    t.ok(os.path.exists(srv.path("qhide/visible.txt")), "the renamed file stayed")


# ------------------------------------------------------------ DELE, RNTO

def test_freed(srv):
    srv.mkdir("qfree")
    with srv.login(FREED) as c:
        t.is_eq(stor_code(c, "a.bin", ft.random_bytes(600 * KiB, 51)), 226, "600 KiB stored")
        t.is_eq(stor_code(c, "b.bin", ft.random_bytes(500 * KiB, 52)), 552, "500 KiB more is past 1 MiB")
        t.code(c.cmd("DELE a.bin"), 250, "DELE")
        t.is_eq(settled(c) and usage_of(srv, "qfree"), (0, 0), "DELE: the usage file frees its bytes and file")
        c.quit()
    with srv.login(FREED) as c:
        t.is_eq(stor_code(c, "b.bin", ft.random_bytes(MiB, 53)), 226,
                "a later session: the whole quota is free again")
        t.is_eq(usage_of(srv, "qfree"), (MiB, 1), "the usage file: 1 MiB in one file")
        t.code(c.cmd("DELE b.bin"), 250, "DELE of it")
        t.code(c.cmd("DELE b.bin"), 550, "DELE of a file no longer there")
        t.is_eq(settled(c) and usage_of(srv, "qfree"), (0, 0), "a failed DELE frees nothing more")
        t.is_eq(stor_code(c, "x.bin", b"x" * 1000), 226, "x: 1000 bytes")
        t.is_eq(stor_code(c, "y.bin", b"y" * 3000), 226, "y: 3000 bytes")
        t.is_eq(stor_code(c, "z.bin", b"z"), 552, "quota-files=2: a third file gets 552")
        t.code(c.cmd("RNFR x.bin"), 350, "RNFR x.bin")
        t.code(c.cmd("RNTO y.bin"), 250, "RNTO over y.bin")
        t.is_eq(settled(c) and usage_of(srv, "qfree"), (1000, 1), "RNTO over a file frees the replaced file")
        t.code(c.cmd("RNFR y.bin"), 350, "RNFR y.bin")
        t.code(c.cmd("RNTO y.bin"), 250, "RNTO onto itself")
        t.is_eq(settled(c) and usage_of(srv, "qfree"), (1000, 1), "RNTO onto itself frees nothing")
        t.code(c.cmd("MKD d"), 257, "MKD d")
        t.code(c.cmd("RNFR y.bin"), 350, "RNFR y.bin")
        t.code(c.cmd("RNTO d/y.bin"), 250, "RNTO into a subdirectory")
        t.is_eq(settled(c) and usage_of(srv, "qfree"), (1000, 1), "a rename within the tree changes nothing")
        t.is_eq(stor_code(c, "z.bin", b"z"), 226, "a second file fits again")
        c.quit()
    t.is_eq(usage_of(srv, "qfree"), (1001, 2), "the usage file: both files")


# ------------------------------------------------------------ several sessions

def test_two_sessions(srv):
    srv.mkdir("qtwo")
    with srv.login(TWO) as a, srv.login(TWO) as b:
        t.is_eq(stor_code(b, "first.bin", b"f" * KiB), 226, "session B: a first upload (1 KiB)")
        t.is_eq(stor_code(a, "a.bin", ft.random_bytes(600 * KiB, 61)), 226, "session A: 600 KiB")
        t.is_eq(stor_code(b, "b.bin", ft.random_bytes(500 * KiB, 62)), 552,
                "session B sees A's upload: 500 KiB more is past the quota")
        t.is_eq(stor_code(b, "b.bin", ft.random_bytes(423 * KiB, 63)), 226,
                "session B: exactly the room left by both")
        t.is_eq(stor_code(a, "c.bin", b"c"), 552, "session A sees B's uploads: full")
        t.code(b.cmd("DELE a.bin"), 250, "session B deletes A's file")
        settled(b)
        t.is_eq(stor_code(a, "c.bin", ft.random_bytes(600 * KiB, 64)), 226,
                "session A sees the room B's DELE freed")
        a.quit()
        b.quit()
    t.is_eq(usage_of(srv, "qtwo"), (MiB, 3), "the usage file: every session's changes")


def test_concurrent(srv):
    """Sessions uploading at the same moment: each update is made under
    the lock on the root, so none is lost."""
    srv.mkdir("qmany")
    errors = []

    def uploader(n):
        try:
            with srv.login(MANY) as c:
                for i in range(12):
                    code = stor_code(c, "s%d-%d.bin" % (n, i), bytes([65 + n]) * (1000 + n))
                    if code != 226:
                        errors.append("session %d, file %d: %s" % (n, i, code))
                c.quit()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append("session %d: %r" % (n, e))

    threads = [threading.Thread(target=uploader, args=(n,)) for n in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=240)
    t.is_eq(errors, [], "three sessions, twelve uploads each, all 226")
    t.is_eq(usage_of(srv, "qmany"), (12 * (1000 + 1001 + 1002), 36),
            "the usage file counts all 36 uploads, none lost")


def test_lock_held(srv):
    """The lock on the root, held by another process past the wait: the
    upload is refused (451) rather than granted on a count it cannot read,
    and goes through once the lock is released."""
    srv.mkdir("qbusy")
    srv.put("qbusy/a.bin", b"a" * 100)
    fd = os.open(srv.path("qbusy"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        mark = srv.mark()
        with srv.login(BUSY) as c:
            c.settimeout(LOCK_WAIT * 6)   # the server answers after LOCK_WAIT
            t.is_eq(stor_code(c, "x.bin", b"x"), 451, "the usage file locked past %d s: 451" % LOCK_WAIT)
            fcntl.flock(fd, fcntl.LOCK_UN)
            t.is_eq(stor_code(c, "x.bin", b"x"), 226, "released: the upload goes through")
            c.quit()
    finally:
        os.close(fd)
    t.ok(not os.path.exists(srv.path("qbusy/x.bin")) or read_file(srv.path("qbusy/x.bin")) == b"x",
         "the file is the second upload's")
    t.like(srv.log(mark), r"quota of qbusy: the usage file stayed locked for %d ms" % (LOCK_WAIT * 1000),
           "log: the lock held too long")
    t.is_eq(usage_of(srv, "qbusy"), (101, 2), "the usage file after the lock was released")


# ------------------------------------------------------------ a root the session cannot write

def test_root_not_writable(srv):
    """The common chroot layout: the user's root belongs to root, uploads
    go to a writable subdirectory. No usage file can be written there:
    the session counts by itself, and the quota still holds."""
    if os.geteuid() != 0:
        t.skip("a root the session cannot write", "needs root to give the root to another account")
        return
    srv.mkdir("qlock/in")
    srv.put("qlock/in/old.bin", b"o" * 3000)
    os.chown(srv.path("qlock"), 0, 0)
    os.chmod(srv.path("qlock"), 0o755)
    mark = srv.mark()
    with srv.login(LOCKED) as c:
        t.is_eq(stor_code(c, "in/a.bin", b"a" * 1001), 552, "3000 used of 4000: 1001 more gets 552")
        t.is_eq(stor_code(c, "in/a.bin", b"a" * 1000), 226, "exactly the room fits")
        t.is_eq(stor_code(c, "in/b.bin", b"b"), 552, "and then full")
        c.quit()
    t.ok(not os.path.exists(srv.path("qlock", USAGE)), "no usage file in a root the session cannot write")
    t.like(srv.log(mark), r"quota of qlock: cannot write the usage file \.ftpsd-usage \(Permission denied\): "
           r"the session counts by itself", "log: the fallback, with the reason")


def test_sanitizers():
    ft.check_sanitizer_reports(t)


def main():
    with Server(env={"FTPSD_WRITE": "1"}, users=USERS) as srv:
        t.case("quota exceeded mid-upload", test_mid_upload, srv)
        t.case("usage file missing", test_missing, srv)
        t.case("usage file garbage, stale or untrustworthy", test_garbage, srv)
        t.case("usage file fresh and well formed", test_trusted, srv)
        t.case("usage file hidden and unreachable", test_hidden, srv)
        t.case("DELE and RNTO free quota", test_freed, srv)
        t.case("two sessions of one user", test_two_sessions, srv)
        t.case("concurrent uploads", test_concurrent, srv)
        t.case("the usage file locked by another process", test_lock_held, srv)
        t.case("a root the session cannot write", test_root_not_writable, srv)
    t.case("sanitizers", test_sanitizers)
    t.done()


if __name__ == "__main__":
    main()
