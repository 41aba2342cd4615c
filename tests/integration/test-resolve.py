#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: paths without openat2, and modes without
set-user-ID, set-group-ID or sticky bits.

openat2() fails with ENOSYS under systemd's RestrictSUIDSGID=yes and under
seccomp policies older than the call, with EPERM under a
SystemCallFilter=~openat2. tests/helpers/without-openat2 makes it fail the
same way (a seccomp filter) for the real binary under
systemd-socket-activate. Then --check says so, each session logs it at
notice, and the same commands on the same tree of files and symbolic links
give the same replies and the same bytes as a server with openat2; links
that point out of the root stay in it.

Whatever FTPSD_UMASK says (000 here), what ftpsd creates is 0666 or 0777
at most (less the umask), never with bits 07000, with openat2 or without.
"""

import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import ALICE, TAP, Server, install_watchdog, random_bytes, sha256  # noqa: E402

t = TAP()
install_watchdog()
BUILDDIR = os.environ.get("FTPSD_BUILDDIR") or os.path.dirname(os.path.dirname(ft.FTPSD_BIN))
HELPER = os.path.join(BUILDDIR, "tests", "helpers", "without-openat2")
FALLBACK_RE = r"openat2\(\) is unavailable \(%s\): paths are resolved one component at a time"
REASON = {"ENOSYS": "Function not implemented", "EPERM": "Operation not permitted"}


def make_tree(srv):
    """Files, directories and links, relative and absolute, some of them
    pointing above the root, and a file beside the root they must not reach."""
    srv.put("f.txt", random_bytes(70000, 1))
    srv.put("pub/g.bin", random_bytes(123457, 2))
    srv.mkdir("pub/deep/er")
    srv.put("pub/deep/er/h.txt", b"deep\n")
    ft.write_file(os.path.join(srv.dir, "secret.txt"), b"outside the root\n")
    links = {
        "pub/up": "..",
        "pub/abs": "/pub/g.bin",
        "ldir": "pub",
        "ldir_abs": "/pub/deep/",
        "lfile": "f.txt",
        "escape": "../secret.txt",
        "escape_abs": "/../../secret.txt",
        "escape_dir": "../../../..",
        "dangling": "nowhere",
        "loop": "loop",
    }
    pw = ft.run_user()
    for name, target in links.items():
        os.symlink(target, srv.path(name))
        if pw is not None:
            os.lchown(srv.path(name), pw.pw_uid, pw.pw_gid)


# Commands and what each gives: (command, reply) for simple ones,
# RETR/LIST with the bytes they return.
SIMPLE = [
    "CWD /ldir", "CWD /ldir/deep/er", "CWD /ldir_abs", "CWD /escape_dir", "CWD /dangling",
    "CWD /loop", "CWD /lfile", "SIZE /lfile", "SIZE /pub/abs", "SIZE /escape", "SIZE /escape_abs",
    "SIZE /pub/up/f.txt", "SIZE /ldir/up/ldir/g.bin", "SIZE /escape_dir/f.txt", "MDTM /loop",
    "SIZE /ldir_abs/er/h.txt", "MLST /ldir", "MKD /ldir/made", "RMD /ldir/made",
    "MKD /escape_dir/made2", "RMD /made2", "DELE /nothing",
]
DOWNLOADS = ["RETR /f.txt", "RETR /lfile", "RETR /pub/abs", "RETR /ldir/up/ldir/g.bin",
             "RETR /escape", "RETR /escape_abs", "RETR /escape_dir/pub/g.bin", "RETR /loop",
             "NLST /ldir", "NLST /escape_dir"]


def session_results(srv):
    """What one session gets for every command of the lists above, plus
    an upload through a link, read back byte-exact."""
    out = []
    c = srv.login()
    try:
        for cmd in SIMPLE:
            r = c.cmd(cmd)
            # MLST and MDTM show times and facts; the code and the path matter.
            out.append((cmd, r[0]))
        for cmd in DOWNLOADS:
            first, data, final = c.retr(cmd)
            out.append((cmd, first[0], final and final[0],
                        sha256(data) if data is not None and cmd.startswith("RETR") else
                        sorted((data or b"").split()) if data is not None else None))
        body = random_bytes(200001, 3)
        first, final = c.stor("STOR /ldir/up/ldir/uploaded.bin", body)
        out.append(("STOR through links", first[0], final and final[0]))
        first, data, final = c.retr("RETR /pub/uploaded.bin")
        out.append(("uploaded bytes", data is not None and sha256(data) == sha256(body)))
        first, final = c.stor("STOR /escape_dir/escaped.bin", b"x" * 10)
        out.append(("STOR through a link above the root", first[0], final and final[0]))
        out.append(("lands in the root", os.path.exists(srv.path("escaped.bin")),
                    os.path.exists(os.path.join(srv.dir, "escaped.bin"))))
    finally:
        c.quit()
    return out


def run_check(wrapper):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FTPSD_ROOT": "/",
           "FTPSD_ANONYMOUS": "1"}
    if ft.run_user() is not None:
        env["FTPSD_RUN_USER"] = ft.RUN_USER
    p = subprocess.run(wrapper + [ft.FTPSD_BIN, "--check"], env=env, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def test_check():
    rc, out = run_check([])
    t.is_eq(rc, 0, "--check with openat2: exit 0")
    t.like(out, r"paths are resolved with openat2\(RESOLVE_IN_ROOT\)", "--check says openat2 is used")
    for err in ("ENOSYS", "EPERM"):
        rc, out = run_check([HELPER, err])
        t.is_eq(rc, 0, "--check with openat2 failing with %s: exit 0 (the walk is as safe)" % err)
        t.like(out, FALLBACK_RE % REASON[err], "--check names the cause (%s) and the walk" % err)
        t.like(out, r"configuration ok", "--check without openat2 (%s): configuration ok" % err)


def test_same_results():
    with Server() as model:
        make_tree(model)
        want = session_results(model)
        t.unlike(model.log(), r"openat2\(\) is unavailable", "with openat2 nothing is said about it")
    for err in ("ENOSYS", "EPERM"):
        with Server(wrapper=[HELPER, err]) as srv:
            make_tree(srv)
            got = session_results(srv)
            t.like(srv.log(), r"ftpsd\[\d+\]: " + FALLBACK_RE % REASON[err],
                   "without openat2 (%s) the session logs the cause and the walk" % err)
            t.ok(len(got) == len(want), "without openat2 (%s): as many results" % err)
            for g, w in zip(got, want):
                t.is_eq(g, w, "without openat2 (%s): %s as with openat2" % (err, g[0]))
            t.ok(any(w == ("uploaded bytes", True) for w in got), "upload through links byte-exact (%s)" % err)
            t.ok(("SIZE /escape", 550) in got, "a link out of the root stays inside: 550 (%s)" % err)


def special_bits(path):
    return stat.S_IMODE(os.lstat(path).st_mode) & 0o7000


def test_no_special_bits():
    wrappers = [([], "openat2")]
    if subprocess.run([HELPER, "ENOSYS", "true"], capture_output=True, timeout=30).returncode == 0:
        wrappers.append(([HELPER, "ENOSYS"], "walk"))
    for wrapper, what in wrappers:
        with Server(env={"FTPSD_UMASK": "000"}, wrapper=wrapper) as srv:
            srv.mkdir("up")
            # A set-group-ID directory: what is made in it must not gain
            # set-user-ID or set-group-ID files (directories inherit the
            # parent's set-group-ID bit from the kernel, as for any program).
            os.chmod(srv.path("up"), 0o2777)
            c = srv.login()
            try:
                t.code(c.stor("STOR /up/a.bin", b"a" * 1000)[1], 226, "%s: STOR" % what)
                t.code(c.stor("APPE /up/b.bin", b"b" * 10)[1], 226, "%s: APPE of a new file" % what)
                first, final = c.stor("STOU /up/c.bin", b"c")
                t.code(final, 226, "%s: STOU" % what)
                t.code(c.cmd("MKD /d"), 257, "%s: MKD" % what)
                t.code(c.stor("STOR /a.bin", b"a" * 10)[1], 226, "%s: STOR at the root" % what)
                t.code(c.stor("STOR /a.bin", b"again")[1], 226, "%s: STOR over a file" % what)
            finally:
                c.quit()
            for rel, want in (("up/a.bin", 0o666), ("up/b.bin", 0o666), ("d", 0o777),
                              ("a.bin", 0o666)):
                mode = stat.S_IMODE(os.lstat(srv.path(rel)).st_mode)
                t.is_eq(oct(mode), oct(want), "%s, FTPSD_UMASK=000: %s is %s" % (what, rel, oct(want)))
            for name in os.listdir(srv.path("up")):
                t.is_eq(oct(os.lstat(srv.path("up", name)).st_mode & 0o5000), "0o0",
                        "%s: %s in a set-group-ID directory: no set-user-ID or sticky bit" % (what, name))
                if not os.path.isdir(srv.path("up", name)):
                    t.is_eq(special_bits(srv.path("up", name)), 0,
                            "%s: file %s in a set-group-ID directory: no special bits" % (what, name))


def main():
    if not os.access(HELPER, os.X_OK):
        t.ok(False, "the helper %s is built by make check" % HELPER)
        t.done()
    rc = subprocess.run([HELPER, "ENOSYS", "true"], capture_output=True, timeout=30).returncode
    cases = [("no special bits", test_no_special_bits)]
    if rc == 3:
        import tls_support as ts
        ts.skip(t, "without-openat2 does not know this architecture: the walk is tested by "
                "tests/unit/test-resolve only")
    else:
        t.is_eq(rc, 0, "the helper runs a command with openat2 blocked")
        cases = [("--check", test_check), ("same results without openat2", test_same_results)] + cases
    for name, fn in cases:
        t.case(name, fn)
    ft.check_sanitizer_reports(t)
    t.done()


main()
