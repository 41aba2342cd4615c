#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: real clients, curl and lftp.

Listing, download, upload, resume in both directions, active mode, quoted
commands (curl); ls, get, put, mirror both ways, mv, rm and active mode
(lftp). Every transfer is checked byte for byte.
"""

import filecmp
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import (ALICE, MiB, TAP, Server, have_tool, install_watchdog,  # noqa: E402
                        random_bytes, read_file, run_tool, sha256,
                        sha256_file, upload_temps, write_file)

t = TAP()
install_watchdog()

DATA = random_bytes(16 * MiB + 4321, 99)
DATA_SHA = sha256(DATA)
SMALL = b"small file\nwith two lines\n"


def need(tool):
    if have_tool(tool):
        return True
    t.ok(False, "%s is installed (needed for these tests)" % tool)
    return False


def same_tree(a, b):
    """True when directories a and b hold the same names and file contents."""
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    for f in cmp.common_files:
        if read_file(os.path.join(a, f)) != read_file(os.path.join(b, f)):
            return False
    return all(same_tree(os.path.join(a, d), os.path.join(b, d)) for d in cmp.common_dirs)


def make_tree(base):
    write_file(os.path.join(base, "top.txt"), b"top\n")
    write_file(os.path.join(base, "bin.dat"), random_bytes(300000, 5))
    write_file(os.path.join(base, "a/one.txt"), b"one\n")
    write_file(os.path.join(base, "a/b/two.txt"), b"two\n" * 1000)
    write_file(os.path.join(base, "a/b/c/three.bin"), random_bytes(70000, 6))
    write_file(os.path.join(base, "empty.txt"), b"")
    os.makedirs(os.path.join(base, "emptydir"), exist_ok=True)


# ------------------------------------------------------------ curl

def curl(srv, *args, timeout=60):
    return run_tool(["curl", "-sS", "--max-time", "40", "--connect-timeout", "10"] + list(args),
                    timeout=timeout)


def test_curl(srv, work):
    if not need("curl"):
        return
    srv.put("data.bin", DATA)
    srv.put("dir/small.txt", SMALL)
    srv.put("dir/other.txt", b"other")
    url = srv.url(ALICE)

    rc, out, err = curl(srv, url + "dir/")
    t.is_eq(rc, 0, "curl list: exit 0")
    t.ok(re.search(r"^-\S+ .* small\.txt\r?$", out, re.M) and re.search(r" other\.txt\r?$", out, re.M),
         "curl list shows the files", out + err)
    rc, out, err = curl(srv, "--list-only", url + "dir/")
    t.is_eq(sorted(out.split()), ["other.txt", "small.txt"], "curl --list-only (NLST)")

    dl = os.path.join(work, "curl-dl.bin")
    rc, out, err = curl(srv, "-o", dl, url + "data.bin")
    t.is_eq(rc, 0, "curl download: exit 0")
    t.ok(os.path.exists(dl) and sha256_file(dl) == DATA_SHA, "curl download: SHA-256 equal", err)

    src = os.path.join(work, "curl-src.bin")
    write_file(src, DATA)
    rc, out, err = curl(srv, "-T", src, url + "curl-up.bin")
    t.is_eq(rc, 0, "curl upload: exit 0")
    t.ok(os.path.exists(srv.path("curl-up.bin")) and sha256_file(srv.path("curl-up.bin")) == DATA_SHA,
         "curl upload: SHA-256 equal", err)

    # Resume a download: the local file has the first part.
    part = os.path.join(work, "curl-resume.bin")
    cut = 5 * MiB + 17
    write_file(part, DATA[:cut])
    mark = srv.mark()
    rc, out, err = curl(srv, "-C", "-", "-o", part, url + "data.bin")
    t.is_eq(rc, 0, "curl -C - download: exit 0")
    t.ok(sha256_file(part) == DATA_SHA, "curl -C - download: SHA-256 equal", err)
    t.ok(srv.wait_log(r"alice \[127\.0\.0\.1\] REST %d 350$" % cut, since=mark),
         "curl -C - download sent REST %d" % cut, srv.log(mark)[-1500:])

    # Resume an upload: the server has the first part.
    cut = 7 * MiB + 3
    srv.put("curl-resume-up.bin", DATA[:cut])
    mark = srv.mark()
    rc, out, err = curl(srv, "-C", "-", "-T", src, url + "curl-resume-up.bin")
    t.is_eq(rc, 0, "curl -C - upload: exit 0")
    t.ok(sha256_file(srv.path("curl-resume-up.bin")) == DATA_SHA, "curl -C - upload: SHA-256 equal", err)
    t.ok(srv.wait_log(r"alice \[127\.0\.0\.1\] (APPE|STOR) curl-resume-up\.bin 226$", since=mark),
         "curl -C - upload logged", srv.log(mark)[-1500:])

    # A byte range: REST, then the client closes early.
    rng = os.path.join(work, "curl-range.bin")
    rc, out, err = curl(srv, "-r", "1000000-1999999", "-o", rng, url + "data.bin")
    t.is_eq(rc, 0, "curl -r range: exit 0")
    t.ok(read_file(rng) == DATA[1000000:2000000], "curl -r range: the right bytes", err)
    rc, out, err = curl(srv, url + "dir/small.txt")
    t.is_eq(out.encode(), SMALL, "the session after a range request is fine")

    # Active mode: EPRT, and PORT with --disable-eprt.
    for extra, verb in (([], "EPRT"), (["--disable-eprt"], "PORT")):
        mark = srv.mark()
        act = os.path.join(work, "curl-active-%s.bin" % verb)
        rc, out, err = curl(srv, "--ftp-port", "127.0.0.1", *extra, "-o", act, url + "data.bin")
        t.is_eq(rc, 0, "curl --ftp-port (%s): exit 0" % verb)
        t.ok(os.path.exists(act) and sha256_file(act) == DATA_SHA,
             "curl active download (%s): SHA-256 equal" % verb, err)
        t.ok(srv.wait_log(r"alice \[127\.0\.0\.1\] %s \S+ 200$" % verb, since=mark),
             "curl active mode used %s" % verb, srv.log(mark)[-1500:])
        rc, out, err = curl(srv, "--ftp-port", "127.0.0.1", *extra, "-T", src,
                            url + "curl-active-%s.bin" % verb)
        t.ok(rc == 0 and sha256_file(srv.path("curl-active-%s.bin" % verb)) == DATA_SHA,
             "curl active upload (%s): SHA-256 equal" % verb, err)
        rc, out, err = curl(srv, "--ftp-port", "127.0.0.1", *extra, "--list-only", url + "dir/")
        t.is_eq(sorted(out.split()), ["other.txt", "small.txt"], "curl active listing (%s)" % verb)

    mark = srv.mark()
    rc, out, err = curl(srv, "--disable-epsv", url + "dir/small.txt")
    t.ok(rc == 0 and out.encode() == SMALL, "curl --disable-epsv download", err)
    t.ok(srv.wait_log(r"alice \[127\.0\.0\.1\] PASV 227$", since=mark), "curl --disable-epsv used PASV")

    # Quoted commands.
    srv.put("q/a.txt", b"rename me")
    srv.put("q/c.txt", b"delete me")
    srv.put("q/d.txt", b"delete me after")
    rc, out, err = curl(srv, "-o", os.devnull, "-Q", "RNFR /q/a.txt", "-Q", "RNTO /q/b.txt", url + "q/")
    t.is_eq(rc, 0, "curl -Q RNFR/RNTO: exit 0")
    t.ok(not os.path.exists(srv.path("q/a.txt")) and read_file(srv.path("q/b.txt")) == b"rename me",
         "curl -Q RNFR/RNTO renamed the file", err)
    rc, out, err = curl(srv, "-o", os.devnull, "-Q", "DELE /q/c.txt", "-Q", "-DELE /q/d.txt", url + "q/")
    t.is_eq(rc, 0, "curl -Q DELE: exit 0")
    t.ok(not os.path.exists(srv.path("q/c.txt")) and not os.path.exists(srv.path("q/d.txt")),
         "curl -Q DELE (before and after the transfer) deleted the files", err)
    rc, out, err = curl(srv, "-o", os.devnull, "-Q", "MKD /q/made", url + "q/")
    t.ok(rc == 0 and os.path.isdir(srv.path("q/made")), "curl -Q MKD", err)
    rc, out, err = curl(srv, "-o", os.devnull, "-Q", "DELE /q/nonexistent.txt", url + "q/")
    t.is_eq(rc, 21, "curl -Q of a failing command: exit 21 (quote error)")

    rc, out, err = curl(srv, "--ftp-create-dirs", "-T", src, url + "new/deeper/file.bin")
    t.ok(rc == 0 and sha256_file(srv.path("new/deeper/file.bin")) == DATA_SHA,
         "curl --ftp-create-dirs upload", err)

    bad = "ftp://alice:wrong@127.0.0.1:%d/" % srv.port
    rc, out, err = curl(srv, bad)
    t.is_eq(rc, 67, "curl with a wrong password: exit 67 (login denied)")
    rc, out, err = curl(srv, url + "nonexistent.bin")
    t.is_eq(rc, 78, "curl download of a missing file: exit 78 (remote file not found)")
    t.is_eq(upload_temps(srv.root), [], "no temporary files left by curl")


# ------------------------------------------------------------ lftp

LFTP_SETTINGS = ("set net:max-retries 1; set net:timeout 10; set net:reconnect-interval-base 1; "
                 "set ftp:ssl-allow no; set cmd:fail-exit yes; set xfer:clobber on; "
                 "set cache:enable no; ")


def lftp(srv, commands, passive=True, timeout=90):
    script = LFTP_SETTINGS + "set ftp:passive-mode %s; %s; bye" % ("on" if passive else "off", commands)
    return run_tool(["lftp", "-u", "%s,%s" % (ALICE.name, ALICE.password), "-e", script,
                     "ftp://127.0.0.1:%d" % srv.port], timeout=timeout)


def test_lftp(srv, work):
    if not need("lftp"):
        return
    srv.put("l/data.bin", DATA)
    srv.put("l/small.txt", SMALL)
    make_tree(srv.path("l/tree"))

    rc, out, err = lftp(srv, "cd l; ls")
    t.is_eq(rc, 0, "lftp ls: exit 0")
    t.ok(re.search(r" data\.bin$", out, re.M) and re.search(r" small\.txt$", out, re.M) and
         re.search(r"^d.* tree$", out, re.M), "lftp ls shows the files", out + err)

    dl = os.path.join(work, "lftp-dl.bin")
    rc, out, err = lftp(srv, "get l/data.bin -o %s" % dl)
    t.is_eq(rc, 0, "lftp get: exit 0")
    t.ok(os.path.exists(dl) and sha256_file(dl) == DATA_SHA, "lftp get: SHA-256 equal", err)

    rc, out, err = lftp(srv, "cat l/small.txt")
    t.is_eq(out.encode(), SMALL, "lftp cat")

    src = os.path.join(work, "lftp-src.bin")
    write_file(src, DATA)
    rc, out, err = lftp(srv, "put %s -o l/up.bin" % src)
    t.is_eq(rc, 0, "lftp put: exit 0")
    t.ok(os.path.exists(srv.path("l/up.bin")) and sha256_file(srv.path("l/up.bin")) == DATA_SHA,
         "lftp put: SHA-256 equal", err)

    part = os.path.join(work, "lftp-resume.bin")
    write_file(part, DATA[:3 * MiB + 1])
    mark = srv.mark()
    rc, out, err = lftp(srv, "get -c l/data.bin -o %s" % part)
    t.ok(rc == 0 and sha256_file(part) == DATA_SHA, "lftp get -c resumes byte-exact", err)
    t.ok(srv.wait_log(r"alice \[127\.0\.0\.1\] REST %d 350$" % (3 * MiB + 1), since=mark),
         "lftp get -c sent REST")

    pg = os.path.join(work, "lftp-pget.bin")
    rc, out, err = lftp(srv, "pget -n 4 l/data.bin -o %s" % pg)
    t.ok(rc == 0 and os.path.exists(pg) and sha256_file(pg) == DATA_SHA,
         "lftp pget -n 4 (parallel ranges) byte-exact", err)

    down = os.path.join(work, "mirror-down")
    rc, out, err = lftp(srv, "mirror l/tree %s" % down)
    t.is_eq(rc, 0, "lftp mirror: exit 0")
    t.ok(os.path.isdir(down) and same_tree(srv.path("l/tree"), down), "lftp mirror downloads the tree", err)

    local = os.path.join(work, "mirror-src")
    make_tree(local)
    write_file(os.path.join(local, "a/b/extra.bin"), random_bytes(123457, 8))
    rc, out, err = lftp(srv, "mirror -R %s l/uptree" % local)
    t.is_eq(rc, 0, "lftp mirror -R: exit 0")
    t.ok(os.path.isdir(srv.path("l/uptree")) and same_tree(local, srv.path("l/uptree")),
         "lftp mirror -R uploads the tree", err)

    srv.put("l/mvme.txt", b"move me")
    srv.put("l/rmme.txt", b"remove me")
    rc, out, err = lftp(srv, "cd l; mv mvme.txt moved.txt; rm rmme.txt; mkdir newdir; rm -r uptree")
    t.is_eq(rc, 0, "lftp mv/rm/mkdir/rm -r: exit 0")
    t.ok(not os.path.exists(srv.path("l/mvme.txt")) and read_file(srv.path("l/moved.txt")) == b"move me",
         "lftp mv renamed the file", err)
    t.ok(not os.path.exists(srv.path("l/rmme.txt")), "lftp rm removed the file")
    t.ok(os.path.isdir(srv.path("l/newdir")), "lftp mkdir made the directory")
    t.ok(not os.path.exists(srv.path("l/uptree")), "lftp rm -r removed the tree")
    rc, out, err = lftp(srv, "rm l/nonexistent.txt")
    t.ok(rc != 0, "lftp rm of a missing file fails (exit %d)" % rc)

    # Active mode.
    mark = srv.mark()
    act = os.path.join(work, "lftp-active.bin")
    rc, out, err = lftp(srv, "cd l; ls; get data.bin -o %s; put %s -o active-up.bin" % (act, src),
                        passive=False)
    t.is_eq(rc, 0, "lftp passive-mode off: exit 0")
    t.ok(re.search(r" small\.txt$", out, re.M), "lftp active ls", out + err)
    t.ok(os.path.exists(act) and sha256_file(act) == DATA_SHA, "lftp active get: SHA-256 equal", err)
    t.ok(os.path.exists(srv.path("l/active-up.bin")) and
         sha256_file(srv.path("l/active-up.bin")) == DATA_SHA, "lftp active put: SHA-256 equal")
    log = srv.log(mark)
    t.ok(re.search(r"alice \[127\.0\.0\.1\] (PORT|EPRT) \S+ 200$", log, re.M), "lftp active mode used PORT/EPRT")
    t.ok(not re.search(r"alice \[127\.0\.0\.1\] (PASV|EPSV)\b", log, re.M), "and no PASV/EPSV")

    down = os.path.join(work, "mirror-active")
    rc, out, err = lftp(srv, "mirror l/tree %s" % down, passive=False)
    t.ok(rc == 0 and same_tree(srv.path("l/tree"), down), "lftp active mirror", err)
    t.is_eq(upload_temps(srv.path("l")), [], "no temporary files left by lftp")


def test_sanitizers():
    ft.check_sanitizer_reports(t)


def main():
    with Server() as srv:
        work = os.path.join(srv.dir, "client")
        os.mkdir(work)
        t.case("curl", test_curl, srv, work)
        t.case("lftp", test_lftp, srv, work)
    t.case("sanitizers", test_sanitizers)
    t.done()


if __name__ == "__main__":
    main()
