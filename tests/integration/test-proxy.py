#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: the PROXY protocol (FTPSD_PROXY_PROTOCOL).

Raw sockets speak PROXY headers, versions 1 and 2, to the real binary
under systemd-socket-activate, as HAProxy's send-proxy and send-proxy-v2
do. On loopback, 127.0.0.1 is the trusted balancer (FTPSD_PROXY_FROM) and
other 127.x addresses are the clients it names or untrusted senders.
The client named becomes the session's address for the log, fail2ban,
PORT/EPRT and the passive peer check; every refusal ends the session
with a log record and nothing read; LOCAL health checks end cleanly.
"""

import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402
from ftpsd_test import ALICE, TAP, Server, install_watchdog  # noqa: E402

t = TAP()
install_watchdog()

BALANCER = "127.0.0.1"
CLIENT = "127.0.0.5"      # the address the balancer's header names
OTHER = "127.0.0.6"       # someone else
STRANGER = "127.0.0.2"    # an address not in FTPSD_PROXY_FROM
LOGIN_TIMEOUT = 3
ENV = {"FTPSD_PROXY_PROTOCOL": "1", "FTPSD_PROXY_FROM": "127.0.0.1, 2001:db8::/32",
       "FTPSD_LOGIN_TIMEOUT": str(LOGIN_TIMEOUT), "FTPSD_MAX_LOGIN_FAILURES": "5"}
SIG = b"\r\n\r\n\0\r\nQUIT\n"


def v1(src, sport=40000, dst=BALANCER, dport=21):
    fam = "TCP6" if ":" in src else "TCP4"
    return ("PROXY %s %s %s %d %d\r\n" % (fam, src, dst, sport, dport)).encode()


def v2(src, sport=40000, dst=BALANCER, dport=21, tlvs=b"", command=0x21):
    if ":" in src:
        addrs = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
        fam = 0x21
    else:
        addrs = socket.inet_aton(src) + socket.inet_aton(dst)
        fam = 0x11
    body = addrs + struct.pack("!HH", sport, dport) + tlvs
    return SIG + bytes([command, fam]) + struct.pack("!H", len(body)) + body


V2_LOCAL = SIG + b"\x20\x00\x00\x00"


def proxied(srv, header, source=BALANCER, greeting=True):
    """A control connection from source that starts with header."""
    c = ft.Ctl(srv.host, srv.port, source=source, greeting=False)
    c.send(header)
    if greeting:
        c.greeting = c.reply()
    return c


def refused(srv, header, source, pattern, name, wait=5.0, code=1):
    """The connection ends with no byte for the client, a log record
    matching pattern, and the session's exit code."""
    mark = srv.mark()
    c = proxied(srv, header, source=source, greeting=False)
    try:
        closed = c.wait_closed(wait)
        t.ok(closed and c.rbuf == b"", "%s: closed without a reply" % name, repr(c.rbuf[:200]))
    finally:
        c.close()
    t.ok(srv.wait_log(pattern, 5.0, mark), "%s: logged" % name, srv.log(mark)[-800:])
    t.is_eq(ts.exit_code_of_last(srv, mark), code, "%s: exit code %d" % (name, code))
    t.ok(not re.search(r"session start", srv.log(mark)), "%s: no session started" % name)


# ------------------------------------------------------------ the client's address

def test_v1_client_address(srv):
    mark = srv.mark()
    with proxied(srv, v1(CLIENT)) as c:
        t.code(c.greeting, 220, "v1 TCP4 header: greeting")
        t.code(c.login(ALICE.name, ALICE.password), 230, "v1: login")
        c.quit()
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: session start from 127\.0\.0\.5$", 5, mark),
         "v1: 'session start from' names the client, not the balancer")
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: PROXY protocol: client 127\.0\.0\.5 via balancer 127\.0\.0\.1$",
                      5, mark), "v1: the balancer is logged beside the client")
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: alice \[127\.0\.0\.5\] PASS \*\*\*\* 230$", 5, mark),
         "v1: command records carry the client's address")


def test_v2_ipv6_client_and_fail2ban(srv):
    mark = srv.mark()
    with proxied(srv, v2("2001:db8::77", dst="2001:db8::1", tlvs=b"\x04\x00\x00" + b"\x01\x00\x03ftp")) as c:
        t.code(c.greeting, 220, "v2 TCP6 header with TLVs: greeting")
        for _ in range(2):
            t.code(c.login(ALICE.name, "wrong"), 530, "v2: wrong password is 530")
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: failed login from 2001:db8::77 for user alice \(1 of 5\)$",
                      5, mark), "v2: the failed-login line (fail2ban) names the client")


def test_pipelined_after_header(srv):
    # Header and the first command in one segment: the header's reader
    # must stop at its last byte, leaving USER for the session.
    mark = srv.mark()
    with proxied(srv, v2(CLIENT) + b"USER alice\r\n") as c:
        t.code(c.greeting, 220, "header and USER in one segment: greeting")
        t.code(c.reply(), 331, "the USER behind the header is read as a command")
        t.code(c.cmd("PASS " + ALICE.password), 230, "and the login completes")
    t.ok(srv.wait_log(r"\[127\.0\.0\.5\] USER alice 331", 5, mark), "USER logged for the client")


def test_second_header_is_a_command(srv):
    # A client behind the balancer cannot claim another address by
    # sending a header of its own: only the first one counts.
    mark = srv.mark()
    with proxied(srv, v1(CLIENT)) as c:
        r = c.cmd(v1(OTHER).decode().rstrip("\r\n"))
        t.ok(r[0] >= 500, "a second PROXY line is an unknown command", r)
        t.code(c.login(ALICE.name, ALICE.password), 230, "the session goes on")
    t.ok(srv.wait_log(r"^ftpsd\[\d+\]: alice \[127\.0\.0\.5\] PASS", 5, mark),
         "the address stays the first header's")
    t.ok("127.0.0.6" not in srv.log(mark), "the second header's address appears nowhere")


def test_port_bounce_uses_client(srv):
    with proxied(srv, v1(CLIENT)) as c:
        t.code(c.login(ALICE.name, ALICE.password), 230, "login")
        r = c.cmd("PORT 127,0,0,1,200,10")
        t.ok(r[0] >= 500, "PORT to the balancer's address is refused (not the client)", r)
        t.code(c.cmd("PORT 127,0,0,5,200,10"), 200, "PORT to the client's address is accepted")
        r = c.cmd("EPRT |1|127.0.0.6|51210|")
        t.ok(r[0] >= 500, "EPRT to a third address is refused", r)


# ------------------------------------------------------------ passive data connections

def data_from(host, port, source, header=b""):
    d = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    d.settimeout(ft.CTL_TIMEOUT)
    d.bind((source, 0))
    d.connect((host, port))
    if header:
        d.sendall(header)
    return d


def recv_all(d):
    out = b""
    while True:
        chunk = d.recv(65536)
        if not chunk:
            return out
        out += chunk


def retr(c, source, header, name):
    host, port = c.pasv()
    d = data_from(host, port, source, header)
    c.send(b"RETR data.bin\r\n")
    try:
        r = c.reply()
        if r[0] != 150:
            return r, None
        body = recv_all(d)
    finally:
        d.close()
    return c.reply(), body


def test_passive(srv):
    data = ft.random_bytes(300000, 19)
    srv.put("data.bin", data)
    mark = srv.mark()
    with proxied(srv, v2(CLIENT)) as c:
        t.code(c.login(ALICE.name, ALICE.password), 230, "login")
        r, body = retr(c, CLIENT, b"", "direct")
        t.code(r, 226, "passive data straight from the client (its own address): 226")
        t.is_eq(ft.sha256(body or b""), ft.sha256(data), "direct: byte-exact")
        r, body = retr(c, BALANCER, v2(CLIENT, 40001, dport=0), "via balancer")
        t.code(r, 226, "passive data through the balancer with a header naming the client: 226")
        t.is_eq(ft.sha256(body or b""), ft.sha256(data), "via balancer: byte-exact")
        r, body = retr(c, BALANCER, v1(CLIENT, 40002), "via balancer v1")
        t.code(r, 226, "the same with a version 1 header: 226")

        # Refused: the balancer says someone else, or says nothing; the
        # listener gives up after a few strangers.
        host, port = c.pasv()
        c.send(b"RETR data.bin\r\n")
        strangers = []
        try:
            for source, header in ((BALANCER, v2(OTHER)), (BALANCER, b"\x16\x03\x01\x00\x05hello"),
                                   (OTHER, b"")):
                d = data_from(host, port, source, header)
                strangers.append(d)
                t.ok(d.recv(1) == b"", "a stranger's data connection is closed at once")
            d = data_from(host, port, BALANCER, v2(CLIENT))
            strangers.append(d)
            t.code(c.reply(), 150, "then the client's own, through the balancer, is taken")
            t.is_eq(ft.sha256(recv_all(d)), ft.sha256(data), "and carries the file")
            t.code(c.reply(), 226, "226")
        finally:
            for d in strangers:
                d.close()
    t.ok(srv.wait_log(r"refused data connection from 127\.0\.0\.6 \(control peer is 127\.0\.0\.5\)",
                      5, mark), "the header's client is checked against the control client")
    t.ok(srv.wait_log(r"PROXY protocol: data connection from balancer 127\.0\.0\.1: no valid "
                      r"PROXY header", 5, mark), "a balancer's data connection without a header is refused")


# ------------------------------------------------------------ refusals

def test_untrusted_source(srv):
    refused(srv, v2(CLIENT), STRANGER,
            r"PROXY protocol: connection from 127\.0\.0\.2, which is not in FTPSD_PROXY_FROM: closed",
            "a valid header from an untrusted address")
    refused(srv, b"", STRANGER, r"which is not in FTPSD_PROXY_FROM", "no header from an untrusted address")


def test_missing_header(srv):
    refused(srv, b"USER alice\r\n", BALANCER,
            r"PROXY protocol: balancer 127\.0\.0\.1: no valid PROXY header", "an FTP command first")
    # A client that bypassed the balancer waits for the greeting: the
    # login deadline ends the wait.
    refused(srv, b"", BALANCER, r"PROXY protocol: balancer 127\.0\.0\.1: no PROXY header before "
            r"the deadline", "nothing sent", wait=ft.timeout_window(LOGIN_TIMEOUT)[1])
    refused(srv, b"PROXY TCP4 127.0.0.5", BALANCER,
            r"no PROXY header before the deadline", "a header cut short",
            wait=ft.timeout_window(LOGIN_TIMEOUT)[1])


def test_malformed_header(srv):
    cases = [
        (b"PROXY TCP4 127.0.0.300 127.0.0.1 40000 21\r\n", "no valid PROXY header", "v1 bad address"),
        (b"PROXY TCP4 127.0.0.5 127.0.0.1 40000 21\n", "no valid PROXY header", "v1 LF only"),
        (b"PROXY " + b"x" * 120, "PROXY header longer than allowed", "v1 without CRLF"),
        (SIG + b"\x21\x11\xff\xff", "PROXY header longer than allowed", "v2 oversized"),
        (SIG + b"\x21\x11\x00\x08" + b"\x7f\0\0\x05\x7f\0\0\x01", "no valid PROXY header",
         "v2 addresses cut"),
        (SIG + b"\x21\x12\x00\x0c" + b"\x7f\0\0\x05\x7f\0\0\x01\x9c\x40\0\x15",
         "PROXY header for a transport other than TCP", "v2 UDP"),
        (SIG + b"\x21\x31\x00\xd8" + b"/run/c.sock".ljust(216, b"\0"),
         "sent a header without an IP client address", "v2 UNIX addresses"),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", "no valid PROXY header",
         "a TLS ClientHello (client bypassing the balancer)"),
    ]
    for header, why, name in cases:
        refused(srv, header, BALANCER, r"PROXY protocol: balancer 127\.0\.0\.1: .*" + re.escape(why)
                if "IP client" not in why else re.escape(why), name)


def test_local_health_check(srv):
    refused(srv, V2_LOCAL, BALANCER, r"PROXY protocol: health check \(LOCAL\) from 127\.0\.0\.1",
            "v2 LOCAL", code=0)
    refused(srv, b"PROXY UNKNOWN\r\n", BALANCER,
            r"PROXY protocol: health check \(UNKNOWN\) from 127\.0\.0\.1", "v1 UNKNOWN", code=0)


# ------------------------------------------------------------ implicit TLS

def test_implicit_tls():
    with ts.tls_server(**{"TLS_IMPLICIT": "1", "PROXY_PROTOCOL": "1", "PROXY_FROM": BALANCER}) as srv:
        mark = srv.mark()
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.settimeout(ft.CTL_TIMEOUT)
        raw.bind((BALANCER, 0))
        raw.connect((srv.host, srv.port))
        raw.sendall(v2(CLIENT, dport=990))
        ctx = ts.client_context()
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        try:
            greeting = s.recv(4096)
            t.ok(greeting.startswith(b"220 "), "implicit TLS: the header comes before the handshake",
                 greeting)
            s.sendall(b"QUIT\r\n")
            t.ok(s.recv(4096).startswith(b"221"), "implicit TLS: QUIT")
        except (ssl.SSLError, OSError) as e:
            t.ok(False, "implicit TLS after a header", repr(e))
        finally:
            s.close()
        t.ok(srv.wait_log(r"TLS established with 127\.0\.0\.5", 5, mark),
             "implicit TLS: the TLS record names the client")
        refused(srv, b"", STRANGER, r"not in FTPSD_PROXY_FROM", "implicit TLS, untrusted address")


# ------------------------------------------------------------ journal fields

def test_journal(srv):
    """FTP_REMOTE_ADDR is the client from the PROXY record on. ftpsd runs
    in a private mount namespace whose journal socket is a test listener
    (as in test-system.py)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        t.skip("journal: FTP_REMOTE_ADDR is the client", "needs root and unshare (a private /run)")
        return
    work = tempfile.mkdtemp(prefix="ftpsd-proxy-journal-")
    os.chmod(work, 0o755)
    records = os.path.join(work, "records.jsonl")
    port = ft.free_port("127.0.0.1")
    env = {k: v for k, v in srv.env.items() if v is not None}
    env.update({"FTPSD_ROOT": srv.root, "FTPSD_USERS": srv.users_file, "FTPSD_LOG": "journal"})
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    listener = os.path.join(os.path.dirname(os.path.abspath(__file__)), "journal_listener.py")
    script = ("set -e; mount -t tmpfs tmpfs /run; mkdir -p /run/systemd/journal; "
              "python3 %s /run/systemd/journal/socket %s & "
              "while [ ! -e %s.ready ]; do sleep 0.05; done; "
              "exec systemd-socket-activate --inetd -a -l 127.0.0.1:%d %s %s"
              % (listener, records, records, port,
                 " ".join("-E '%s=%s'" % kv for kv in sorted(env.items())), ft.FTPSD_BIN))
    stderr = os.path.join(work, "stderr")
    with open(stderr, "wb") as logf:
        proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                                stdout=subprocess.DEVNULL, stderr=logf, start_new_session=True)

    def read():
        try:
            with open(records) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []
    try:
        t.ok(ft.wait_until(lambda: "Listening on" in ft.read_file(stderr).decode(), 10),
             "journal: the server starts")
        c = ft.Ctl("127.0.0.1", port, source=BALANCER, greeting=False)
        with c:
            c.send(v2(CLIENT))
            t.code(c.reply(), 220, "journal: greeting after the header")
            t.code(c.login(ALICE.name, "wrong"), 530, "journal: a failed login")
            c.quit()
        recs = ft.wait_until(lambda: [r for r in read() if r.get("FTP_COMMAND") == "QUIT"] and read(), 5) or []
        proxy = [r for r in recs if r.get("MESSAGE", "").startswith("PROXY protocol: client")]
        t.ok(proxy and proxy[0].get("FTP_REMOTE_ADDR") == CLIENT and
             proxy[0]["MESSAGE"] == "PROXY protocol: client 127.0.0.5 via balancer 127.0.0.1",
             "journal: the PROXY record has FTP_REMOTE_ADDR=client and names the balancer", repr(proxy))
        later = recs[recs.index(proxy[0]):] if proxy else []
        t.ok(later and all(r.get("FTP_REMOTE_ADDR") == CLIENT for r in later),
             "journal: every record from then on has FTP_REMOTE_ADDR=127.0.0.5",
             repr([r.get("FTP_REMOTE_ADDR") for r in later]))
        t.ok(any(r.get("MESSAGE", "").startswith("failed login from 127.0.0.5 ") for r in later),
             "journal: the failed-login MESSAGE names the client")
    finally:
        try:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
        ft.register_log(ft.read_file(stderr).decode("utf-8", "replace"))
        shutil.rmtree(work, ignore_errors=True)


def main():
    with Server(env=ENV) as srv:
        for fn in (test_v1_client_address, test_v2_ipv6_client_and_fail2ban,
                   test_pipelined_after_header, test_second_header_is_a_command,
                   test_port_bounce_uses_client, test_passive, test_untrusted_source,
                   test_missing_header, test_malformed_header, test_local_health_check,
                   test_journal):
            t.case(fn.__name__, fn, srv)
    t.case("test_implicit_tls", test_implicit_tls)
    ft.check_sanitizer_reports(t)
    t.done()


if __name__ == "__main__":
    main()
