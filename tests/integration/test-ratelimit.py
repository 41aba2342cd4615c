#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: bandwidth limits (rate-down=, rate-up=,
FTPSD_RATE_DOWN, FTPSD_RATE_UP).

Times come from curl's own timing (-w: time_total minus time_pretransfer,
the data phase only). A limit is an upper bound on speed, so the lower
bound on time is what holds on any machine, and it is tight: at least
0.95 x the time the rate implies. The upper bound is generous (1.5 x),
because a busy 2-core machine running sanitizer builds can be slower than
the limit for reasons of its own; the unit test (tests/unit/test-ratelimit)
checks the arithmetic exactly, including no 100 ms window above 2x the rate.
That the limit sleeps rather than spins is checked by the CPU time the
session spends during a limited transfer.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402
from ftpsd_test import MiB, TAP, User, install_watchdog, read_file, sha256  # noqa: E402

t = TAP()
install_watchdog()

UPPER = 1.5   # see the docstring: generous, for a loaded machine
LOWER = 0.95


class OptUser(User):
    def __init__(self, name, password, options):
        super().__init__(name, password, "sha512")
        self.options = options

    def line(self):
        return "%s:%s::%s" % (self.name, ft.password_hash(self.password), self.options)


SLOW = OptUser("slow", "slow-pw", "rate-down=1M,rate-up=1M")
FAST = OptUser("fast", "fast-pw", "rate-down=1M")       # under FTPSD_RATE_DOWN=256K
PLAIN = User("plain", "plain-pw")


def curl_time(args, timeout=60):
    """(exit code, seconds of the data phase, stderr) of a curl run."""
    rc, out, err = ts.curl(["-w", "%{time_pretransfer} %{time_total}"] + args, timeout=timeout)
    try:
        pre, total = (float(x) for x in out.split()[-2:])
    except ValueError:
        return rc, None, err + out
    return rc, total - pre, err


def within(seconds, want, name):
    if seconds is None:
        t.ok(False, name + ": no timing from curl")
        return
    t.ok(LOWER * want <= seconds <= UPPER * want,
         "%s: %.2f s for %.1f s of data (bounds %.2f..%.2f s)" % (name, seconds, want, LOWER * want,
                                                                UPPER * want))


def test_download(srv):
    payload = ft.random_bytes(8 * MiB, 18)
    srv.put("eight.bin", payload)
    for label, extra in (("plain", []), ("PROT P", ["--ssl-reqd"])):
        out = os.path.join(srv.dir, "got-%s.bin" % label.replace(" ", ""))
        rc, sec, err = curl_time(extra + ["-o", out, ts.curl_url(srv, "/eight.bin", SLOW)], timeout=60)
        t.is_eq(rc, 0, "rate-down=1M, %s: curl downloads 8 MiB" % label)
        t.is_eq(sha256(read_file(out)) if rc == 0 else None, sha256(payload),
                "rate-down=1M, %s: byte-exact" % label)
        within(sec, 8.0, "rate-down=1M, %s" % label)


def test_upload(srv):
    src = os.path.join(srv.dir, "four.bin")
    payload = ft.random_bytes(4 * MiB, 19)
    ft.write_file(src, payload)
    for label, extra in (("plain", []), ("PROT P", ["--ssl-reqd"])):
        name = "/up-%s.bin" % label.replace(" ", "")
        rc, sec, err = curl_time(extra + ["-T", src, ts.curl_url(srv, name, SLOW)], timeout=60)
        t.is_eq(rc, 0, "rate-up=1M, %s: curl uploads 4 MiB" % label)
        t.is_eq(sha256(read_file(srv.path(name[1:]))) if rc == 0 else None, sha256(payload),
                "rate-up=1M, %s: byte-exact" % label)
        within(sec, 4.0, "rate-up=1M, %s" % label)


def test_global_and_user(glob):
    payload = ft.random_bytes(2 * MiB, 20)
    glob.put("two.bin", payload)
    out = os.path.join(glob.dir, "two-plain.bin")
    rc, sec, err = curl_time(["-o", out, ts.curl_url(glob, "/two.bin", PLAIN)], timeout=60)
    t.is_eq(rc, 0, "FTPSD_RATE_DOWN=256K: curl downloads 2 MiB")
    within(sec, 8.0, "FTPSD_RATE_DOWN=256K, a user without rate-down=")
    out = os.path.join(glob.dir, "two-fast.bin")
    rc, sec, err = curl_time(["-o", out, ts.curl_url(glob, "/two.bin", FAST)], timeout=60)
    t.is_eq(rc, 0, "rate-down=1M under FTPSD_RATE_DOWN=256K: curl downloads 2 MiB")
    within(sec, 2.0, "rate-down=1M under FTPSD_RATE_DOWN=256K: the user's value wins")
    t.is_eq(sha256(read_file(out)) if rc == 0 else None, sha256(payload),
            "rate-down=1M under FTPSD_RATE_DOWN=256K: byte-exact")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_sleeps_and_aborts(srv):
    """A limited transfer costs little CPU (it sleeps), and ABOR ends it."""
    srv.put("three.bin", ft.random_bytes(3 * MiB, 21))
    mark = srv.mark()
    with srv.login(SLOW) as c:
        pids = srv.session_pids(mark)
        first, data, final = c.retr("RETR three.bin")
        t.code(final, 226, "rate-down=1M: RETR of 3 MiB completes")
        t.is_eq(len(data or b""), 3 * MiB, "rate-down=1M: every byte arrived")
        if pids:
            cpu = cpu_seconds(pids[-1])
            t.ok(cpu < 1.0, "a 3 s limited transfer costs the session %.2f s of CPU (sleeping, "
                 "not spinning)" % cpu)
        else:
            t.ok(False, "the session's pid is in the log")
        # ABOR in the middle of a limited download is answered at once.
        pend = c.data("pasv")
        t.code(c.cmd("RETR three.bin"), 150, "rate-down=1M: a second RETR starts")
        d = pend.get()
        d.recv(65536)
        start = time.monotonic()
        c.send(b"ABOR\r\n")
        r1 = c.reply()
        r2 = c.reply() if r1[0] == 426 else r1
        took = time.monotonic() - start
        d.close()
        t.ok(r1[0] == 426 and r2[0] == 226, "ABOR during a limited download: 426 then 226 (%r %r)" % (r1, r2))
        t.ok(took < 2.0, "ABOR is answered within the limit's sleep (%.2f s, the rest would take 3 s)" % took)
        c.quit()


def test_sanitizers():
    ft.check_sanitizer_reports(t)


def main():
    if not ft.have_tool("curl"):
        t.skip("bandwidth limits with curl", "curl is not installed")
        t.done()
        return
    with ts.tls_server(users=[SLOW, PLAIN], WRITE="1", TLS_REQUIRE="0", TLS_REQUIRE_DATA="0") as srv, \
            ts.tls_server(users=[FAST, PLAIN], RATE_DOWN="256K", TLS_REQUIRE="0", TLS_REQUIRE_DATA="0") as glob:
        t.case("rate-down= with curl, plain and PROT P", test_download, srv)
        t.case("rate-up= with curl, plain and PROT P", test_upload, srv)
        t.case("FTPSD_RATE_DOWN and a user's rate-down=", test_global_and_user, glob)
        t.case("sleeping, and ABOR", test_sleeps_and_aborts, srv)
    t.case("sanitizers", test_sanitizers)
    t.done()


if __name__ == "__main__":
    main()
