#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Golden transcripts: recorded sessions replayed against the real binary.

Each file in tests/transcripts/ is one control session: the client's
lines (C:), the server's exact reply lines (S:, one per line of a reply),
and what crossed a data connection (D:). A refactoring that changes any
reply text, code or line fails here, naming the file and the line.

Directives (lines starting with @):
  @env NAME=VALUE   a setting for this file's server (before the greeting)
  @tls              the server gets a certificate (tls_support.tls_env)
  @recv             after a 1xx reply: take the data connection (the one
                    made after the last PASV/EPSV reply, or the one the
                    server makes to the last PORT), read it to its end;
                    the D: lines that follow are its content
  @send TEXT        after a 1xx reply: send TEXT (backslash escapes, as
                    Python's unicode_escape) on the data connection, close it
The literal {PORT} in a C: line is replaced by h1,h2,h3,h4,p1,p2 of a
listener the test opens, for PORT.

Normalisation, the only one: the address and port of a PASV reply
(h1,...,p2) and the port of an EPSV reply (|||port|) become *; in
listings the owner and group columns become OWNER GROUP and MLSx unique=
facts become *, since they depend on the machine (account ids, device
and inode numbers); the lines of a LIST/NLST/MLSD transfer are compared
sorted (the server lists in directory order, which the filesystem
decides). Files in the fixture have fixed times, so listings are exact
otherwise.

Run with --record FILE... to (re)write files from today's binary: the S:
and D: lines are replaced by what the server sends.
"""

import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(os.environ.get("FTPSD_TESTS") or os.path.dirname(HERE), "transcripts")
FIXED_TIME = 1577934245   # 2020-01-02 03:04:05 UTC


def fixture(server):
    """The tree every transcript starts from."""
    server.put("hello.txt", b"hello, world\r\nsecond line\r\n", FIXED_TIME)
    server.put("unix.txt", b"one\ntwo\n", FIXED_TIME)
    server.put("digits.bin", b"0123456789", FIXED_TIME)
    server.mkdir("sub")
    server.put("sub/inner.txt", b"inner\n", FIXED_TIME)
    os.utime(server.path("sub"), (FIXED_TIME, FIXED_TIME))
    os.utime(server.root, (FIXED_TIME, FIXED_TIME))


LS_LINE = re.compile(r"^( ?[-dl][-rwxsStT]{9} +\d+) +\S+ +\S+ +(\d+)", re.M)
LISTINGS = ("LIST", "NLST", "MLSD")


def normalise(text):
    text = re.sub(r"\(\d+,\d+,\d+,\d+,\d+,\d+\)", "(*)", text)
    text = re.sub(r"\(\|\|\|\d+\|\)", "(|||*|)", text)
    # Owner, group and unique= depend on the machine (the run account's
    # ids, device and inode numbers), not on the server's code.
    text = LS_LINE.sub(lambda m: "%s OWNER GROUP %10s" % (m.group(1), m.group(2)), text)
    return re.sub(r"unique=[0-9a-z]+;", "unique=*;", text)


def escape(data):
    return data.decode("utf-8", "backslashreplace").encode("unicode_escape").decode("ascii")


def parse(path):
    """[(lineno, kind, text)], with kind one of C S D @."""
    steps = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("@"):
                steps.append((n, "@", line[1:]))
            elif line[:3] in ("C: ", "S: ", "D: ") or line in ("C:", "S:", "D:"):
                steps.append((n, line[0], line[3:]))
            else:
                raise ValueError("%s:%d: not a transcript line: %r" % (path, n, line))
    return steps


class Session:
    """Runs one transcript's client side; collects what the server sent."""

    def __init__(self, server):
        self.server = server
        self.ctl = None
        self.passive = None    # (host, port) announced by the last PASV/EPSV
        self.listener = None   # for PORT
        self.data = None
        self.last_code = 0
        self.last_verb = ""

    def connect(self):
        self.ctl = ft.Ctl(self.server.host, self.server.port, greeting=False)

    def read_reply(self):
        code, raw = self.ctl.reply()
        self.last_code = code
        if code == 227:
            n = [int(x) for x in re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", raw).groups()]
            self.open_passive("%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5])
        elif code == 229:
            self.open_passive(self.server.host, int(re.search(r"\(\|\|\|(\d+)\|\)", raw).group(1)))
        return normalise(raw).split("\n")

    def open_passive(self, host, port):
        self.close_data()
        self.data = self.ctl._connect_data(host, port)

    def send(self, text):
        if "{PORT}" in text:
            self.close_data()
            self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.listener.settimeout(ft.CTL_TIMEOUT)
            self.listener.bind((self.ctl.local_host, 0))
            self.listener.listen(1)
            p = self.listener.getsockname()[1]
            text = text.replace("{PORT}", "%s,%d,%d" % (self.ctl.local_host.replace(".", ","),
                                                         p >> 8, p & 255))
        self.last_verb = text.split(" ")[0].upper()
        self.ctl.send(text.encode("utf-8") + b"\r\n")

    def take_data(self):
        if not 100 <= self.last_code < 200:
            raise AssertionError("a data transfer after a %d reply" % self.last_code)
        if self.listener is not None:
            self.data, _ = self.listener.accept()
            self.data.settimeout(ft.CTL_TIMEOUT)
            self.listener.close()
            self.listener = None
        d, self.data = self.data, None
        if d is None:
            raise AssertionError("no data connection to use")
        return d

    def recv(self, listing):
        """The lines received; a listing's in sorted order (the server
        lists in directory order, which depends on the filesystem)."""
        d = self.take_data()
        chunks = []
        try:
            while True:
                b = d.recv(65536)
                if not b:
                    break
                chunks.append(b)
        finally:
            d.close()
        data = normalise(b"".join(chunks).decode("utf-8", "backslashreplace")).encode("utf-8")
        lines = [escape(x) for x in data.splitlines(keepends=True)]
        return sorted(lines) if listing else lines

    def send_data(self, text):
        d = self.take_data()
        try:
            d.sendall(text.encode("ascii").decode("unicode_escape").encode("latin-1"))
            d.shutdown(socket.SHUT_WR)
            try:
                while d.recv(65536):
                    pass
            except OSError:
                pass
        finally:
            d.close()

    def close_data(self):
        for s in (self.data, self.listener):
            if s is not None:
                s.close()
        self.data = self.listener = None

    def close(self):
        self.close_data()
        if self.ctl is not None:
            self.ctl.close()


def server_for(steps):
    env = {}
    tls = False
    for _, kind, text in steps:
        if kind == "@" and text.startswith("env "):
            k, _, v = text[4:].partition("=")
            env[k] = v
        elif kind == "@" and text == "tls":
            tls = True
    if tls:
        import tls_support as ts
        env = dict(ts.tls_env(), **env)
    return ft.Server(env=env)


def run(path, steps):
    """Replays steps; returns [(lineno or None, kind, text)] as seen: the
    client's lines as given, the server's as received."""
    seen = []
    with server_for(steps) as server:
        fixture(server)
        sess = Session(server)
        try:
            sess.connect()
            expect_reply = True   # the greeting
            i = 0
            while i < len(steps):
                n, kind, text = steps[i]
                i += 1
                if kind == "S":
                    if expect_reply:
                        for line in sess.read_reply():
                            seen.append(("S", line))
                        expect_reply = False
                    continue
                if kind == "D":
                    continue
                if kind == "@" and (text.startswith("env ") or text == "tls"):
                    seen.append(("@", text))   # server settings, used above
                    continue
                if expect_reply:
                    for line in sess.read_reply():
                        seen.append(("S", line))
                    expect_reply = False
                if kind == "C":
                    seen.append(("C", text))
                    sess.send(text)
                    expect_reply = True
                elif kind == "@" and text == "recv":
                    seen.append(("@", text))
                    for line in sess.recv(sess.last_verb in LISTINGS):
                        seen.append(("D", line))
                    expect_reply = True
                elif kind == "@" and text.startswith("send "):
                    seen.append(("@", text))
                    sess.send_data(text[5:])
                    expect_reply = True
                elif kind == "@":
                    seen.append(("@", text))
            if expect_reply:
                for line in sess.read_reply():
                    seen.append(("S", line))
        finally:
            sess.close()
    return seen


def expected(steps):
    return [(kind, text) for _, kind, text in steps]


def transcript_files(args):
    if args:
        return args
    return sorted(os.path.join(DIR, f) for f in os.listdir(DIR) if f.endswith(".txt"))


def record(paths):
    for path in paths:
        steps = parse(path)
        seen = run(path, steps)
        with open(path, encoding="utf-8") as f:
            head = [line for line in f if line.startswith("#")]
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(head)
            for kind, text in seen:
                if kind == "@":
                    f.write("@%s\n" % text)
                else:
                    f.write("%s:%s\n" % (kind, " " + text if text else ""))
        print("recorded %s (%d lines)" % (path, len(seen)))


def check(t, path):
    steps = parse(path)
    name = os.path.basename(path)
    want = expected(steps)
    got = run(path, steps)
    if got == want:
        t.ok(True, "%s: %d lines as recorded" % (name, len(want)))
        return
    for i, (w, g) in enumerate(zip(want + [None] * len(got), got + [None] * len(want))):
        if w != g:
            line = steps[i][0] if i < len(steps) else "end"
            t.ok(False, "%s: differs at line %s" % (name, line))
            t.diag("expected: %r" % (w,))
            t.diag("     got: %r" % (g,))
            return


def main():
    ft.install_watchdog()
    args = sys.argv[1:]
    if args and args[0] == "--record":
        record(transcript_files(args[1:]))
        ft.stop_all()
        return
    t = ft.TAP()
    files = transcript_files(args)
    t.ok(len(files) >= 8, "tests/transcripts/ holds the recorded sessions (%d)" % len(files))
    for path in files:
        t.case(os.path.basename(path), check, t, path)
    t.done()


if __name__ == "__main__":
    main()
