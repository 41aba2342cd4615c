#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: the everyday scenario with python's ftplib,
and with curl and lftp over IPv6.

For each client, address family (127.0.0.1, ::1) and data mode (passive,
active): log in, list, download, upload, resume, rename, delete, quit;
every transfer checked by SHA-256.
"""

import ftplib
import io
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import (ALICE, MiB, TAP, Server, have_tool, install_watchdog,  # noqa: E402
                        random_bytes, run_tool, sha256, sha256_file, write_file)

t = TAP()
install_watchdog()

DATA = random_bytes(4 * MiB + 99, 7)
DATA_SHA = sha256(DATA)


def ftplib_scenario(srv, passive):
    where = "ftplib %s %s" % (srv.host, "passive" if passive else "active")
    f = ftplib.FTP(timeout=20)
    f.connect(srv.host, srv.port)
    t.ok(f.getwelcome().startswith("220"), "%s: greeting" % where)
    t.ok(f.login(ALICE.name, ALICE.password).startswith("230"), "%s: login" % where)
    f.set_pasv(passive)
    lines = []
    f.retrlines("LIST", lines.append)
    t.ok(any(re.search(r" data\.bin$", l) for l in lines), "%s: LIST shows data.bin" % where, repr(lines))
    facts = dict(f.mlsd())
    t.ok(facts.get("data.bin", {}).get("size") == str(len(DATA)), "%s: MLSD size fact" % where, repr(facts))
    t.ok("data.bin" in f.nlst(), "%s: NLST" % where)

    buf = io.BytesIO()
    t.ok(f.retrbinary("RETR data.bin", buf.write).startswith("226"), "%s: RETR 226" % where)
    t.is_eq(sha256(buf.getvalue()), DATA_SHA, "%s: RETR SHA-256" % where)

    name = "up-%s-%s.bin" % ("v6" if ":" in srv.host else "v4", "p" if passive else "a")
    t.ok(f.storbinary("STOR " + name, io.BytesIO(DATA)).startswith("226"), "%s: STOR 226" % where)
    t.is_eq(sha256_file(srv.path(name)), DATA_SHA, "%s: STOR SHA-256" % where)

    cut = 1 * MiB + 5
    buf = io.BytesIO(DATA[:cut])
    buf.seek(cut)
    t.ok(f.retrbinary("RETR data.bin", buf.write, rest=cut).startswith("226"), "%s: resumed RETR" % where)
    t.is_eq(sha256(buf.getvalue()), DATA_SHA, "%s: resumed RETR SHA-256" % where)

    srv.put("part-" + name, DATA[:cut])
    f.voidcmd("TYPE I")
    conn = f.transfercmd("STOR part-" + name, rest=cut)
    conn.sendall(DATA[cut:])
    conn.close()
    t.ok(f.voidresp().startswith("226"), "%s: resumed STOR (REST+STOR)" % where)
    t.is_eq(sha256_file(srv.path("part-" + name)), DATA_SHA, "%s: resumed STOR SHA-256" % where)

    r = f.sendcmd("MFMT 20200229123456 " + name)
    t.is_eq(r, "213 Modify=20200229123456; " + name, "%s: MFMT sets the time" % where)
    t.is_eq(f.sendcmd("MDTM " + name), "213 20200229123456", "%s: and MDTM reads it back" % where)
    t.is_eq(int(os.stat(srv.path(name)).st_mtime), 1582979696, "%s: the file's mtime on disk" % where)
    for bad in ("MFMT 20210229000000 " + name, "MFMT 2020022912345 " + name, "MFMT 20200229123456",
                "MFMT 00050101000000 " + name):
        try:
            f.sendcmd(bad)
            t.ok(False, "%s: %s refused" % (where, bad))
        except ftplib.error_perm as e:
            t.ok(str(e).startswith("501"), "%s: %s -> 501" % (where, bad), str(e))
    t.ok(f.rename(name, "renamed-" + name).startswith("250"), "%s: rename" % where)
    t.ok(os.path.exists(srv.path("renamed-" + name)) and not os.path.exists(srv.path(name)),
         "%s: renamed on disk" % where)
    t.ok(f.delete("renamed-" + name).startswith("250"), "%s: delete" % where)
    t.ok(not os.path.exists(srv.path("renamed-" + name)), "%s: deleted on disk" % where)
    t.ok(f.quit().startswith("221"), "%s: quit" % where)


def curl_scenario(srv, work, active):
    where = "curl [::1] %s" % ("active" if active else "passive")
    base = ["curl", "-sS", "--max-time", "40", "-g"] + (["--ftp-port", "::1"] if active else [])
    url = "ftp://%s:%s@[::1]:%d/" % (ALICE.name, ALICE.password, srv.port)
    rc, out, err = run_tool(base + [url])
    t.ok(rc == 0 and re.search(r" data\.bin\r?$", out, re.M), "%s: list" % where, out + err)
    dl = os.path.join(work, "curl6.bin")
    rc, out, err = run_tool(base + ["-o", dl, url + "data.bin"])
    t.ok(rc == 0 and sha256_file(dl) == DATA_SHA, "%s: download SHA-256" % where, err)
    write_file(dl, DATA[:MiB])
    rc, out, err = run_tool(base + ["-C", "-", "-o", dl, url + "data.bin"])
    t.ok(rc == 0 and sha256_file(dl) == DATA_SHA, "%s: resumed download SHA-256" % where, err)
    src = os.path.join(work, "curl6-src.bin")
    write_file(src, DATA)
    name = "curl6-%s.bin" % ("a" if active else "p")
    rc, out, err = run_tool(base + ["-T", src, url + name])
    t.ok(rc == 0 and sha256_file(srv.path(name)) == DATA_SHA, "%s: upload SHA-256" % where, err)
    rc, out, err = run_tool(base + ["-Q", "RNFR " + name, "-Q", "RNTO r-" + name, "-Q", "DELE r-" + name,
                                    url, "-o", "/dev/null"])
    t.ok(rc == 0 and not os.path.exists(srv.path(name)) and not os.path.exists(srv.path("r-" + name)),
         "%s: rename and delete" % where, err)


def lftp_scenario(srv, work, passive):
    where = "lftp [::1] %s" % ("passive" if passive else "active")
    name = "lftp6-%s.bin" % ("p" if passive else "a")
    src = os.path.join(work, "lftp6-src.bin")
    dl = os.path.join(work, "lftp6-dl.bin")
    write_file(src, DATA)
    write_file(dl, DATA[:MiB])
    settings = ("set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 10; "
                "set ftp:passive-mode %s; set ftp:prefer-epsv yes; " % ("on" if passive else "off"))
    url = "ftp://[::1]:%d" % srv.port
    login = "%s,%s" % (ALICE.name, ALICE.password)
    script = settings + "ls; get -c data.bin -o %s; put %s -o %s; mv %s r-%s; bye" % (dl, src, name, name, name)
    rc, out, err = run_tool(["lftp", "-u", login, "-e", script, url], timeout=90)
    t.ok(rc == 0 and re.search(r" data\.bin$", out, re.M), "%s: ls" % where, out + err)
    t.ok(sha256_file(dl) == DATA_SHA, "%s: resumed get SHA-256" % where, err)
    t.ok(not os.path.exists(srv.path(name)) and os.path.exists(srv.path("r-" + name))
         and sha256_file(srv.path("r-" + name)) == DATA_SHA, "%s: put and mv (SHA-256 under the new name)" % where,
         err)
    rc2, out2, err2 = run_tool(["lftp", "-u", login, "-e", settings + "rm r-%s; bye" % name, url], timeout=90)
    t.ok(rc2 == 0 and not os.path.exists(srv.path("r-" + name)), "%s: rm" % where, err2)
    err += err2
    t.ok("rror" not in err, "%s: no error printed" % where, err)


def main():
    for host in ("127.0.0.1", "::1"):
        with Server(host=host) as srv:
            srv.put("data.bin", DATA)
            for passive in (True, False):
                t.case("ftplib %s %s" % (host, passive), ftplib_scenario, srv, passive)
            if host == "::1":
                work = os.path.join(srv.dir, "client")
                os.mkdir(work)
                if have_tool("curl"):
                    for active in (False, True):
                        t.case("curl v6", curl_scenario, srv, work, active)
                else:
                    t.skip("curl over IPv6", "curl not installed")
                if have_tool("lftp"):
                    for passive in (True, False):
                        t.case("lftp v6", lftp_scenario, srv, work, passive)
                else:
                    t.skip("lftp over IPv6", "lftp not installed")
    ft.check_sanitizer_reports(t)
    t.done()


if __name__ == "__main__":
    main()
