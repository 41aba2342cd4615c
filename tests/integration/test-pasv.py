#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Passive port ranges (FTPSD_PASV_PORTS) under sustained use: a range of
N ports serves any number of transfers one after another (the ports of
finished data connections sit in TIME_WAIT, and ports of data connections
still open in other sessions stay bound), up to N listeners at once; when
every port has a live listener, 425 and a warning that names the setting.
Plain and PROT P, Python clients and an lftp mirror each way."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
ft.install_watchdog()
MiB = ft.MiB
ROUNDS = 50
WORK = tempfile.mkdtemp(prefix="ftpsd-pasv-")

EXHAUSTED = r"passive port range exhausted: .*FTPSD_PASV_PORTS=%d-%d"


def track_ports(c):
    """Records the port of every 227/229 reply c receives, in c.ports."""
    c.ports = []
    plain_cmd = c.cmd

    def cmd(line):
        r = plain_cmd(line)
        m = re.search(r"\(\|\|\|(\d+)\|\)|\(\d+,\d+,\d+,\d+,(\d+),(\d+)\)", r[1])
        if r[0] in (227, 229) and m:
            c.ports.append(int(m.group(1)) if m.group(1) else
                           int(m.group(2)) * 256 + int(m.group(3)))
        return r
    c.cmd = cmd
    return c


def time_wait_ports(rng):
    """Ports of rng with a connection in TIME_WAIT (ss from iproute2), or
    None without ss: only for the diagnostics, which show that the test
    met the case it is about."""
    if not ft.have_tool("ss"):
        return None
    out = subprocess.run(["ss", "-Htan", "state", "time-wait"], capture_output=True,
                         text=True, timeout=10).stdout
    ports = set()
    for line in out.splitlines():
        m = re.search(r"127\.0\.0\.1:(\d+)\s", line)
        if m and int(m.group(1)) in rng:
            ports.add(int(m.group(1)))
    return ports


# ------------------------------------------------------------ one after another

def one_transfer(srv, c, kind, mode, i, label, listing_name, down):
    """One transfer of kind: (good, first reply, final reply)."""
    if kind == "LIST":
        first, data, final = c.retr("LIST", mode)
        return final and final[0] == 226 and listing_name.encode() in data, first, final
    if kind == "RETR":
        first, data, final = c.retr("RETR down.bin", mode)
        return final and final[0] == 226 and ft.sha256(data) == ft.sha256(down), first, final
    up = ft.random_bytes(16 * 1024 + i, 1000 + i)
    name = "up/%s-%02d.bin" % (label.replace(" ", ""), i)
    first, final = c.stor("STOR " + name, up, mode)
    return (final and final[0] == 226 and ft.sha256_file(srv.path(name)) == ft.sha256(up),
            first, final)


def sequential(srv, label, connect):
    """ROUNDS transfers of each kind, alternating PASV and EPSV, in one
    session per kind: every one 226 and byte-exact."""
    rng = srv.pasv_range
    listing_name = "listed-%s.txt" % label.replace(" ", "")
    srv.put(listing_name, b"x")
    down = ft.random_bytes(64 * 1024, 15)
    srv.put("down.bin", down)
    srv.mkdir("up")
    for kind in ("LIST", "RETR", "STOR"):
        c = track_ports(connect())
        bad = []
        try:
            c.cmd("TYPE I")
            for i in range(ROUNDS):
                mode = "epsv" if i % 2 == 0 else "pasv"
                try:
                    good, first, final = one_transfer(srv, c, kind, mode, i, label,
                                                      listing_name, down)
                except (AssertionError, OSError) as e:   # PASV or EPSV refused, no file
                    good, first, final = False, str(e), None
                if not good:
                    bad.append((i, first, final))
            c.quit()
        finally:
            c.close()
        t.is_eq(bad, [], "%s: %d %s one after another through a %d-port range, each 226 and "
                "byte-exact" % (label, ROUNDS, kind, rng.hi - rng.lo + 1))
        outside = [p for p in c.ports if p not in rng]
        t.ok(len(c.ports) == ROUNDS and not outside,
             "%s %s: all %d passive ports within FTPSD_PASV_PORTS=%s" % (
                 label, kind, ROUNDS, rng.setting()), ft.short(c.ports))
    tw = time_wait_ports(rng)
    if tw is not None:
        t.diag("%s: ports of the range in TIME_WAIT now: %s" % (label, sorted(tw)))


def test_sequential():
    # Plain transfers beside protected ones: the certificate's defaults
    # (TLS before an account's password, PROT P) are turned off here.
    with ft.Server(env=ts.tls_env(TLS_REQUIRE="0", TLS_REQUIRE_DATA="0"), users=ts.TLS_USERS,
                   pasv_ports=3) as srv:
        mark = srv.mark()
        sequential(srv, "plain", lambda: srv.login(ts.ALICE))
        sequential(srv, "PROT P", lambda: ts.connect_tls(srv))
        log = srv.log(mark)
        t.unlike(log, r"exhausted| 425$", "no port of the range was refused", re.M)
        t.is_eq(len(re.findall(r"^ftpsd\[\d+\]: alice \[127\.0\.0\.1\] STOR \S+ 226$", log,
                               re.M)), 2 * ROUNDS, "the log has every STOR")


# ------------------------------------------------------------ all ports taken

def test_exhausted():
    """Three sessions with a download in flight (their data connections
    bound to ports of the range, their listeners gone), then three
    sessions with a listener each: the three listeners fit, and a fourth
    gets 425 and the warning, until one of them goes."""
    big = ft.random_bytes(48 * MiB, 16)
    with ft.Server(pasv_ports=3) as srv:
        rng = srv.pasv_range
        srv.put("big.bin", big)
        busy, waiting = [], []
        try:
            for i in range(3):
                c = track_ports(srv.login())
                busy.append(c)
                c.cmd("TYPE I")
                pend = c.data("epsv")
                t.code(c.cmd("RETR big.bin"), 150, "download %d started" % (i + 1))
                d = pend.get()
                c.data_sock = d
                # The first bytes: the server has accepted, its listener is closed.
                c.head = d.recv(65536)
            t.diag("downloads in flight on ports %s" % [c.ports[0] for c in busy])
            for i in range(3):
                c = track_ports(srv.login())
                waiting.append(c)
                r = c.cmd("EPSV")
                t.code(r, 229, "listener %d of 3 while every port has a data connection" % (i + 1))
            held = sorted(p for c in waiting for p in c.ports)
            t.is_eq(held, list(range(rng.lo, rng.hi + 1)),
                    "the three listeners hold the three ports")
            extra = srv.login()
            waiting.append(extra)
            m2 = srv.mark()
            r = extra.cmd("EPSV")
            t.code(r, 425, "EPSV with every port held by a listener")
            r2 = extra.cmd("PASV")
            t.code(r2, 425, "PASV with every port held by a listener")
            t.ok(srv.wait_log(EXHAUSTED % (rng.lo, rng.hi), since=m2),
                 "the log says FTPSD_PASV_PORTS=%s is exhausted" % rng.setting(), srv.log(m2))
            t.like(srv.log(m2), r"widen the range", "the warning says what to do")
            t.is_eq(len(re.findall(EXHAUSTED % (rng.lo, rng.hi), srv.log(m2))), 2,
                    "one warning per refused command")
            # One listener goes (its session ends): its port serves again.
            waiting[0].quit()
            ok = ft.wait_until(lambda: extra.cmd("EPSV")[0] == 229, 10, 0.2)
            t.ok(ok, "EPSV works again once a listener is gone")
            for c in busy:
                rest = [c.head]
                while True:
                    b = c.data_sock.recv(MiB)
                    if not b:
                        break
                    rest.append(b)
                c.data_sock.close()
                t.code(c.reply(), 226, "download in flight completes")
                t.ok(ft.sha256(b"".join(rest)) == ft.sha256(big), "and is byte-exact")
        finally:
            for c in busy + waiting:
                c.close()


# ------------------------------------------------------------ lftp mirror

def test_lftp_mirror():
    if not ft.have_tool("lftp"):
        ts.skip(t, "lftp is not installed")
        return
    count = 200
    with ft.Server(env=ts.tls_env(), users=ts.TLS_USERS, pasv_ports=5) as srv:
        mark = srv.mark()
        src = os.path.join(WORK, "src")
        files = ts.make_tree(src, count, seed=21)
        srv.mkdir("up")
        rc, out, err = ts.lftp(srv, ["mirror -R %s /up/tree" % src], timeout=400)
        t.ok(rc == 0, "lftp mirror -R of %d files over TLS through a 5-port range: exit 0" % count,
             (out + err)[-1500:])
        t.is_eq(ts.tree_digest(srv.path("up", "tree")), ts.tree_digest(src),
                "uploaded tree byte-exact")
        down = os.path.join(WORK, "down")
        rc, out, err = ts.lftp(srv, ["mirror /up/tree %s" % down], timeout=400)
        t.ok(rc == 0, "lftp mirror of %d files over TLS through a 5-port range: exit 0" % count,
             (out + err)[-1500:])
        t.is_eq(ts.tree_digest(down), {k: ft.sha256(v) for k, v in files.items()},
                "downloaded tree byte-exact")
        log = srv.log(mark)
        t.is_eq(len(re.findall(r" STOR \S+ 226$", log, re.M)), count, "the log has every upload")
        t.is_eq(len(re.findall(r" RETR \S+ 226$", log, re.M)), count, "the log has every download")
        t.unlike(log, r"exhausted| 425$", "no 425 in the log", re.M)


try:
    t.case("sequential transfers through 3 ports", test_sequential)
    t.case("range exhausted by live listeners", test_exhausted)
    t.case("lftp mirror through 5 ports", test_lftp_mirror)
    ft.check_sanitizer_reports(t)
finally:
    shutil.rmtree(WORK, ignore_errors=True)
t.done()
