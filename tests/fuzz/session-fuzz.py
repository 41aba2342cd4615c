#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Whole-session fuzzer for ftpsd: random and mutated command sequences,
fed to the real binary as production runs it, data connections included.

    tests/fuzz/session-fuzz.py [SESSIONS] [SEED]      (defaults: 200, random)
    tests/fuzz/session-fuzz.py --replay FILE          (one saved session)

The binary ($FTPSD_BIN) runs under systemd-socket-activate --inetd on a
loopback port, one listener per configuration (anonymous or not, writes
or not, TLS explicit, required or implicit), each with a passive port
range (FTPSD_PASV_PORTS), so that PASV/EPSV and PORT/EPRT work: the
client opens the data connections (to the server's passive port, or to a
listener of its own for PORT/EPRT, wrapped in TLS after PROT P), reads
every download and listing and writes every upload.

The sessions come from a built-in corpus of real FTP sessions (logins,
RETR/STOR/APPE/STOU, LIST/NLST/MLSD/MLST with traversal attempts through
".." and symlinks, names with CR/LF and invalid UTF-8, REST/APPE/RNFR/RNTO
combinations, ABOR in the middle of a download or an upload, TYPE A
uploads with CRs at the chunk edges, AUTH TLS with PROT P data, implicit
TLS), mutated: commands inserted, dropped, repeated or swapped; arguments
replaced by traversal strings, huge and long lines; Telnet IAC sequences,
NUL, CR, invalid UTF-8 spliced into the bytes; uploads cut differently;
ABOR added or dropped; some sessions sent as a raw byte stream in odd
chunks, left open (the server's timeout must end them) or cut mid-line.
Session i of seed S is always the same session.

The served tree (FTPSD_ROOT), made anew for each session, holds files,
directories, a FIFO, names with CR/LF and other control bytes, and
symlinks that point out of it (relative, absolute, to "/", to /etc,
dangling, looping) and files with extreme mtimes. A sentinel tree lies
beside it, outside the root: files, a directory and a symlink with known
content and mtimes and access times older than their mtimes (so any read
or listing moves the access time, on a relatime mount), owned by the
account the sessions run as. The tree goes to /dev/shm when it can
(tmpfs keeps any mtime), else to $TMPDIR; --tmpdir chooses.

Properties, each checked on every session; the summary prints one line
per property ("property ok: ..." or "property FAIL: ..."):
  - the process ends within its timeouts (2 s) after the client is done;
  - it exits 0 or 1 (never by a signal);
  - no sanitizer report in its stderr (a sanitizer build only);
  - nothing outside the root was written: the sentinel's content, modes,
    owners, mtimes, ctimes and names, and the root's parent, are as before;
  - nothing outside the root was read or listed: the sentinel's access
    times did not move (read here with O_NOATIME), no reply or data
    connection carries its token or /etc/passwd;
  - every reply line is well-formed ("ddd ", "ddd-" or a continuation
    starting with a space), no reply or listing line is forged by a name
    with CR/LF, every MLSx "modify=" fact has the 14 digits of a time-val;
and, over a whole run of 20 sessions or more, that the data connections
really carried transfers: the replies include 150 and 226.
Each session also prints a TAP line; the summary has the reply-code
histogram. The seed is printed first; a failing session is saved as JSON
in --failures (tests/run-all.sh: tests/fuzz/crashes/), to be replayed with
--replay, which also replays the older control-only saved sessions.

As root, the sessions run as a throwaway FTPSD_RUN_USER account
(useradd --system), removed at exit. Environment: FTPSD_BIN (the binary),
ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS (passed to the sessions).
"""

import argparse
import atexit
import base64
import collections
import hashlib
import json
import os
import pwd
import random
import re
import selectors
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

SANITIZER_RE = re.compile(rb"ERROR: (?:AddressSanitizer|LeakSanitizer|MemorySanitizer|ThreadSanitizer)|"
                          rb"runtime error:|Sanitizer has encountered a fatal error|"
                          rb"SUMMARY: \w*Sanitizer")
REPLY_LINE_RE = re.compile(rb"^(?:[1-5][0-9][0-9][ -]| )")

TIMEOUT = 2                 # FTPSD_LOGIN/IDLE/DATA_TIMEOUT
# After the client is done (QUIT, close, or silence), the process ends
# within its timeouts; the margin is for ASan on a busy 2-core machine.
END_WITHIN = 3 * TIMEOUT + 6
REPLY_WAIT = TIMEOUT + 4    # how long a command waits for its reply
DATA_WAIT = TIMEOUT + 6     # a data connection: accept, and each read or write
SESSION_BUDGET = 60.0       # the client's side of one session, at most
DATA_KEEP = 8 * 1024 * 1024  # bytes of data-connection input kept for the checks
ALICE_PW = "alice-fuzz-pw"
BOB_PW = "bob-fuzz-pw"

P_END = "the process ends within its timeouts"
P_EXIT = "the process exits 0 or 1, not by a signal"
P_SAN = "no sanitizer report"
P_WRITE = "nothing outside the root is written"
P_READ = "nothing outside the root is read or listed"
P_REPLY = "every reply is well-formed, no line forged"
P_DATA = "data connections carry transfers: the replies include 150 and 226"
PROPERTIES = [P_END, P_EXIT, P_SAN, P_WRITE, P_READ, P_REPLY]

# ---------------------------------------------------------------- corpus

# Real sessions, as clients send them ({A}: alice's password; {PORT} and
# {EPRT}: the address of a listener the client opens for that command).
# A tuple is (command, upload payload) or (command, payload, "abort"):
# ABOR on the control connection once the transfer is under way.
CORPUS = [
    # ftp(1)-like login and browsing, through data connections
    ["USER alice", "PASS {A}", "SYST", "FEAT", "PWD", "TYPE I", "PASV", "LIST", "CWD pub",
     "PWD", "EPSV", "NLST", "EPSV", "MLSD", "CDUP", "PASV", "RETR pub/data.bin", "QUIT"],
    # anonymous download
    ["USER anonymous", "PASS guest@example.org", "OPTS UTF8 ON", "CWD /pub", "TYPE I", "SIZE readme.txt",
     "MDTM readme.txt", "PASV", "RETR readme.txt", "EPSV", "LIST -la", "QUIT"],
    # upload, append, unique, restart
    ["USER alice", "PASS {A}", "TYPE I", "PORT {PORT}", ("STOR upload.bin", "binary"), "REST 100",
     "PASV", ("STOR upload.bin", "binary"), "EPSV", ("APPE log.txt", "crlf-edges"), "PASV",
     ("STOU", "small"), "EPRT {EPRT}", ("STOU name", "small"), "ALLO 1000", "PASV", "RETR upload.bin",
     "QUIT"],
    # file management
    ["USER alice", "PASS {A}", "MKD newdir", "CWD newdir", "MKD sub", "RMD sub", "CDUP",
     "RNFR a.txt", "RNTO b.txt", "RNFR b.txt", "RNTO a.txt", "DELE notes.txt", "RMD newdir", "QUIT"],
    # machine listings
    ["USER alice", "PASS {A}", "OPTS MLST type;size;modify;perm;", "MLST", "MLST a.txt",
     "MLST /pub", "PASV", "MLSD", "OPTS MLST", "MLST pub", "OPTS MLST UNIX.mode;unique;", "MLST a.txt",
     "EPSV", "MLSD pub", "PASV", "MLSD /", "QUIT"],
    # STAT over the control connection
    ["USER alice", "PASS {A}", "STAT", "STAT -la", "STAT /pub", "STAT *.txt", "STAT -d pub",
     "STAT pub/*", "STAT -a /", "QUIT"],
    # odd files: extreme times, a FIFO, names with control bytes
    ["USER alice", "PASS {A}", "MDTM future.txt", "MLST far.txt", "STAT -l past.txt", "MDTM far.txt",
     "MLST future.txt", "STAT *.txt", "SIZE fifo", "PASV", "RETR fifo", "PASV", "APPE fifo", "MLST fifo",
     "STAT ctl*", "STAT evil*", "MLST lnk-crlf", "STAT -l lnk-crlf", "PASV", "LIST -la", "EPSV", "MLSD",
     "QUIT"],
    # names with CR/LF and invalid UTF-8 through data connections
    ["USER alice", "PASS {A}", "PASV", "LIST", "EPSV", "NLST", "PASV", "MLSD", "MLST evil*",
     "PASV", "RETR bad-utf8-\udcff\udcfe", "EPSV", ("STOR new-\udcc3(.txt", "small"),
     "PASV", ("STOR crlf\r name.txt", "small"), "PASV", "RETR evil\r\nINJECTED", "EPSV", "NLST evil*",
     "PASV", "LIST ctl*", "MLST new-\udcc3(.txt", "PASV", "LIST lnk-crlf", "QUIT"],
    # rclone-like time sync
    ["USER alice", "PASS {A}", "TYPE I", "MFMT 20240101120000 a.txt", "MDTM a.txt", "MLST a.txt",
     "MFMT 20240229235959.5 pub/readme.txt", "MLST pub/readme.txt", "MFMT 20240101120000 pub",
     "MFMT 20240101120000 escape/writable.txt", "MFMT 20240101120000 abs", "MFMT 99991231235959 notes.txt",
     "MDTM notes.txt", "QUIT"],
    # TLS upgrade (lftp, FileZilla), data under PROT P
    ["AUTH TLS", "<TLS>", "USER alice", "PASS {A}", "PBSZ 0", "PROT P", "PWD", "FEAT", "PASV",
     "MLSD", "EPSV", "RETR pub/data.bin", "PASV", ("STOR tls.bin", "binary"), "STAT", "QUIT"],
    # curl-like
    ["USER alice", "PASS {A}", "PWD", "CWD pub", "EPSV", "TYPE I", "SIZE readme.txt", "RETR readme.txt",
     "QUIT"],
    # parameters and odd commands
    ["USER alice", "PASS {A}", "TYPE A", "TYPE A N", "TYPE L 8", "TYPE E", "TYPE X", "STRU F",
     "STRU R", "MODE S", "MODE B", "HELP", "NOOP", "ACCT x", "HOST example.org", "CCC", "PBSZ 0",
     "PROT C", "QUIT"],
    # abort mid-transfer, and reinitialize
    ["USER alice", "PASS {A}", "TYPE I", "PASV", ("RETR big.bin", None, "abort"), "NOOP", "EPSV",
     ("STOR up.bin", "big", "abort"), "STAT", "PASV", ("LIST -la", None, "abort"), "PORT {PORT}",
     ("RETR big.bin", None, "abort"), "PASV", "ABOR", "REIN", "USER bob", "PASS {B}", "PWD", "CWD /",
     "PASV", "LIST", "ABOR", "QUIT"],
    # TYPE A uploads with CRs at the chunk edges, read back both ways
    ["USER alice", "PASS {A}", "TYPE A", "PASV", ("STOR asc.txt", "crlf-edges"), "PASV", "RETR asc.txt",
     "EPSV", ("APPE asc.txt", "crlf-edges"), "PASV", "RETR notes.txt", "REST 3", "PASV",
     ("STOR asc.txt", "cr-runs"), "TYPE I", "PASV", "RETR asc.txt", "TYPE A", "EPSV",
     ("APPE asc.txt", "binary"), "PASV", "RETR pub/data.bin", "QUIT"],
    # login failures
    ["USER alice", "PASS wrong", "USER nobody-here", "PASS x", "USER alice", "PASS {A}", "QUIT"],
    # traversal attempts, on the control connection
    ["USER alice", "PASS {A}", "CWD ../../..", "PWD", "CWD /../..", "STAT -la ..", "STAT escape",
     "STAT -la escape/", "MLST escape/.", "CWD escape", "PWD", "STAT -la abs/", "SIZE ../canary/x",
     "DELE escape/writable.txt", "MKD escape/new", "RNFR escape", "RNTO moved", "QUIT"],
    # traversal attempts through data connections
    ["USER alice", "PASS {A}", "PASV", "RETR ../canary/writable.txt", "EPSV", "RETR escape/writable.txt",
     "PASV", "RETR abs/writable.txt", "EPSV", "LIST escape", "PASV", "LIST ../..", "EPSV", "NLST abs",
     "PASV", "MLSD escape/", "EPSV", "MLSD /..", "PASV", "LIST -la rootlink", "EPSV", "RETR etc/passwd",
     "PASV", "RETR rootlink/etc/passwd", "PASV", "RETR pub/deep-up/writable.txt", "PASV", "NLST pub/up-one/..",
     "PASV", ("STOR escape/new.txt", "small"), "EPSV", ("STOR abs/writable.txt", "small"),
     "PASV", ("APPE escape/writable.txt", "small"), "PASV", ("STOR ../canary/x", "small"),
     "PASV", ("APPE pub/deep-up/writable.txt", "small"), "PASV", ("STOU escape/", "small"),
     "EPSV", "MLSD dangling", "PASV", "LIST loop", "QUIT"],
    ["USER alice", "PASS {A}", "CWD pub/deep-up", "STAT -la .", "MKD ../x", "CWD rootlink",
     "STAT -la", "CWD etc", "STAT passwd", "SIZE /etc/passwd", "MDTM abs/writable.txt", "PASV", "LIST",
     "QUIT"],
    # REST, APPE, RNFR and RNTO together
    ["USER alice", "PASS {A}", "TYPE I", "REST 100", "PASV", "RETR pub/data.bin", "REST 5", "EPSV",
     ("STOR a.txt", "small"), "PASV", ("APPE a.txt", "small"), "RNFR a.txt", "RNTO ../canary/stolen",
     "RNFR escape/writable.txt", "RNTO mine.txt", "RNFR a.txt", "REST 3", "RNTO b.txt",
     "REST 99999999", "PASV", "RETR b.txt", "RNFR pub", "RNTO pub/sub/inside", "RNFR b.txt",
     "RNTO abs/b.txt", "REST 2", "PASV", ("APPE b.txt", "small"), "RNFR lnk-crlf", "RNTO plain-link",
     "PASV", "RETR plain-link", "QUIT"],
    # active mode
    ["USER alice", "PASS {A}", "TYPE I", "PORT {PORT}", "RETR pub/readme.txt", "EPRT {EPRT}", "LIST",
     "PORT {PORT}", ("STOR act.bin", "binary"), "EPRT {EPRT}", "MLSD pub", "PORT 127,0,0,1,0,21",
     "EPRT |1|10.0.0.1|2000|", "QUIT"],
    # EPRT/EPSV variants
    ["USER alice", "PASS {A}", "EPRT |1|127.0.0.1|6446|", "EPRT |2|::1|6446|", "EPSV 1", "EPSV 2",
     "EPSV ALL", "PASV", "PORT 1,2,3,4,5,6", "EPSV", "LIST", "QUIT"],
    # implicit-ish: commands before login
    ["SYST", "FEAT", "HELP", "STAT", "PWD", "PASV", "LIST", "USER", "PASS", "USER alice", "USER alice",
     "PASS {A}", "USER bob", "QUIT"],
]

VERBS = ["USER", "PASS", "ACCT", "CWD", "XCWD", "CDUP", "XCUP", "PWD", "XPWD", "QUIT", "REIN",
         "TYPE", "STRU", "MODE", "PORT", "PASV", "EPRT", "EPSV", "RETR", "STOR", "STOU", "APPE",
         "REST", "SIZE", "MDTM", "RNFR", "RNTO", "DELE", "RMD", "XRMD", "MKD", "XMKD", "LIST",
         "NLST", "MLSD", "MLST", "STAT", "SYST", "NOOP", "HELP", "FEAT", "OPTS", "HOST", "ALLO",
         "ABOR", "AUTH", "PBSZ", "PROT", "CCC", "MFMT", "SITE", "SMNT", "MFMT", "XYZ", "A", "LONGVERB"]

# Verbs whose 150 opens a data connection the client reads, or writes.
DOWNLOADS = {b"RETR", b"LIST", b"NLST", b"MLSD"}
UPLOADS = {b"STOR", b"APPE", b"STOU"}

ARGS = [
    "", ".", "..", "/", "//", "a.txt", "pub", "pub/readme.txt", "/pub/../a.txt", "new", "x y",
    " leading-space", "trailing-space ", "dir/", "*", "*.txt", "?.txt", "pub/*", "-la", "-a -l",
    "-d", "-R", "-x", "../../../../etc/passwd", "..\\..\\windows", "/..", "../..", "./././.",
    "escape", "escape/", "escape/writable.txt", "escape/..", "abs", "abs/writable.txt", "rootlink",
    "rootlink/etc", "etc/passwd", "dangling", "loop", "loop/loop", "selfdir/selfdir/a.txt",
    "pub/deep-up", "pub/deep-up/writable.txt", "\"quoted\"", "a\"b", "%s%s%n%x", "~", "~root",
    "ünïcödé", "日本語.txt", "I", "A", "A N", "L 8", "E", "0", "1", "2", "ALL", "all", "3",
    "18446744073709551615", "9223372036854775807", "9223372036854775808", "-1", "00000000000000000001",
    "{PORT}", "{EPRT}", "127,0,0,1,0,21", "0,0,0,0,4,1", "256,1,1,1,1,1", "1,2,3,4,5", "|1|127.0.0.1|6446|",
    "|2|::1|2121|", "|1|0.0.0.0|1025|", "|3|x|1|", "||||", "TLS", "SSL", "TLS-C", "tls", "X",
    "UTF8 ON", "MLST type;size;", "MLST ;;;", "MLST " + "type;" * 40, "MLST UNIX.mode;unique;perm;",
    "P", "C", "S", "F", "R", "B", "example.org", "a" * 255, "a" * 256, "fifo", "evil*", "*INJ*",
    "ctl*", "lnk-crlf", "future.txt", "far.txt", "past.txt", "20240101120000 a.txt",
    "20240229000000 pub/readme.txt", "19700101000000 notes.txt", "99991231235959 a.txt",
    "20241231235960 a.txt", "20240115120060 a.txt", "20240101120000.123456 a.txt", "20240230000000 a.txt",
    "20240101120000 escape/writable.txt", "20240101120000 abs", "20240101120000 ../canary/writable.txt",
    "20240101120000 pub", "20240101120000 fifo", "20240101120000", "2024 a.txt", "20240101120000  a.txt",
    "ro/locked.txt", "ro/new", "empty", "x y/space name.txt", "big.bin", "asc.txt", "pub/data.bin",
    "bad-utf8-\udcff\udcfe", "new-\udcc0\udcaf", "evil\r\nINJECTED", "cr\rname", "nul\x00name",
    "../canary", "abs/", "pub/up-one/pub",
]

# What an upload sends, as a list of chunks (sent apart, with pauses),
# made from a seed kept with the session (a replay sends the same bytes).
PAYLOADS = {
    "small": lambda rng: [b"fuzz upload\r\n"],
    "binary": lambda rng: [rng.randbytes(rng.choice([1, 100, 4096, 20000]))],
    # CR and LF split across chunk edges, and a lone CR at the very end:
    # what a TYPE A upload's CRLF conversion must carry from one read to
    # the next.
    "crlf-edges": lambda rng: [b"one\r", b"\ntwo\r", b"\r\n", b"three\r\n\r", b"\n", b"\r\r", b"\n\r"],
    "cr-runs": lambda rng: [b"\r" * rng.choice([1, 2, 4095, 4096, 4097, 65536]), b"\n" * rng.choice([1, 3]),
                            b"x\r" * 3000, b"\r"],
    "big": lambda rng: [rng.randbytes(1024 * 1024)] * 2,
    "empty": lambda rng: [],
}
IAC_BITS = [b"\xff\xf4\xff\xf2", b"\xff\xff", b"\xff\xfb\x01", b"\xff\xfd\x03", b"\xff\xfe\x01",
            b"\xff\xfa\x18\x01xterm\xff\xf0", b"\xff\xfa", b"\xff", b"\xff\xf1", b"\xff\xf0"]
BAD_BYTES = [b"\x00", b"\r", b"\n", b"\r\r\n", b"\x01", b"\x1b[2J", b"\x7f", b"\xc3\x28", b"\xed\xa0\x80",
             b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\xff\xfe", b"\xe2\x80\xae", b"\x80", b"\t"]


def huge(rng):
    n = rng.choice([4090, 4095, 4096, 4097, 5000, 8192, 65536, 200000])
    kind = rng.randrange(4)
    if kind == 0:
        return b"A" * n
    if kind == 1:
        return b"../" * (n // 3)
    if kind == 2:
        return b"a/" * (n // 2)
    return bytes(rng.randrange(32, 127) for _ in range(min(n, 5000))) * max(1, n // 5000)


def mutate_line(rng, line):
    """A byte-level mutation of one command line (without its CRLF)."""
    op = rng.randrange(10)
    if op == 0 and line:
        i = rng.randrange(len(line))
        return line[:i] + bytes([rng.randrange(256)]) + line[i + 1:]
    if op == 1:
        i = rng.randrange(len(line) + 1)
        return line[:i] + rng.choice(IAC_BITS) + line[i:]
    if op == 2:
        i = rng.randrange(len(line) + 1)
        return line[:i] + rng.choice(BAD_BYTES) + line[i:]
    if op == 3:
        return line.lower() if rng.random() < 0.5 else line.swapcase()
    if op == 4:
        return line.replace(b" ", b"  ", 1) if b" " in line else line + b" "
    if op == 5:
        verb = line.split(b" ", 1)[0]
        return verb + b" " + huge(rng)
    if op == 6:
        verb = line.split(b" ", 1)[0]
        return verb + b" " + rng.choice(ARGS).encode("utf-8", "surrogateescape")
    if op == 7:
        return line[:rng.randrange(len(line) + 1)]
    if op == 8:
        return line * rng.randint(2, 4)
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))




def random_line(rng):
    verb = rng.choice(VERBS)
    if rng.random() < 0.3:
        return verb.encode()
    return (verb + " " + rng.choice(ARGS)).encode("utf-8", "surrogateescape")


def render(line):
    return line.replace("{A}", ALICE_PW).replace("{B}", BOB_PW).encode("utf-8", "surrogateescape")


def corpus_item(rng, item):
    """[line, options] of one corpus entry."""
    if isinstance(item, tuple):
        line, payload = item[0], item[1]
        return [render(line), {"up": payload, "useed": rng.randrange(1 << 30), "abort": "abort" in item[2:]}]
    return [b"<TLS>" if item == "<TLS>" else render(item), {"up": None, "useed": 0, "abort": False}]


def mutate_items(rng, items):
    """Commands inserted, dropped, repeated, swapped or mangled; a data
    connection set up before a command; ABOR or the upload changed."""
    for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8])):
        op = rng.randrange(10)
        i = rng.randrange(len(items) + 1)
        j = min(i, len(items) - 1)
        if op == 0:
            items.insert(i, [random_line(rng), {"up": None, "useed": 0, "abort": False}])
        elif op == 1 and items:
            del items[j]
        elif op == 2 and items:
            items.insert(j, [items[j][0], dict(items[j][1])])
        elif op == 3 and len(items) > 1:
            a, b = rng.randrange(len(items)), rng.randrange(len(items))
            items[a], items[b] = items[b], items[a]
        elif op == 4:
            # A data connection first, so that whatever follows can use it.
            items.insert(i, [rng.choice([b"PASV", b"EPSV", b"PORT {PORT}", b"EPRT {EPRT}"]),
                             {"up": None, "useed": 0, "abort": False}])
        elif op == 5 and items:
            items[j][1]["abort"] = not items[j][1]["abort"]
        elif op == 6 and items:
            items[j][1]["up"] = rng.choice(sorted(PAYLOADS))
            items[j][1]["useed"] = rng.randrange(1 << 30)
        elif items and items[j][0] != b"<TLS>":
            items[j][0] = mutate_line(rng, items[j][0])
    return items


def make_session(rng, tls_ok):
    """A session: its configuration and its steps.

    Steps: ["cmd", line, line ending, options] (send one command, wait for
    its reply, and run the data connection it opens), ["data", bytes]
    (bytes as they are, replies not waited for), ["pause", seconds],
    ["tls", "handshake"|"garbage"], and at the end optionally ["linger"]
    (keep the connection open: the server's timeout must end it) or
    ["cut"] (close, maybe mid-line)."""
    cfg = {"anonymous": rng.random() < 0.8, "write": rng.random() < 0.9, "tls": tls_ok and rng.random() < 0.85,
           "tls_require": False, "implicit": False}
    if cfg["tls"]:
        cfg["tls_require"] = rng.random() < 0.1
        cfg["implicit"] = rng.random() < 0.06
    if rng.random() < 0.1:
        items = [[random_line(rng), {"up": None, "useed": 0, "abort": False}] for _ in range(rng.randint(1, 40))]
        if rng.random() < 0.5:
            items[:0] = [corpus_item(rng, "USER alice"), corpus_item(rng, "PASS {A}")]
    else:
        items = mutate_items(rng, [corpus_item(rng, l) for l in rng.choice(CORPUS)])
    if not cfg["tls"]:
        items = [it for it in items if it[0] != b"<TLS>"]

    steps = []
    if cfg["implicit"]:
        steps.append(["tls", "handshake" if rng.random() < 0.9 else "garbage"])
    endings = [b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r\n"]
    raw = rng.random() < 0.12     # the whole session as a byte stream, no data connections
    for line, opts in items:
        if line == b"<TLS>":
            steps.append(["tls", "handshake" if rng.random() < 0.85 else "garbage"])
            continue
        end = rng.choice(endings)
        if raw or rng.random() < 0.05:
            # Pipelined: sent without waiting for the reply.
            if steps and steps[-1][0] == "data" and rng.random() < 0.7:
                steps[-1][1] += line + end
            else:
                steps.append(["data", line + end])
        else:
            steps.append(["cmd", line, end, opts])
        if rng.random() < 0.04:
            steps.append(["pause", rng.choice([0.01, 0.05, 0.2])])
    # Sometimes cut the byte stream in odd places (mid-line, mid-IAC).
    if raw and rng.random() < 0.5 and not any(s[0] == "tls" for s in steps):
        flat = b"".join(s[1] for s in steps if s[0] == "data")
        steps = []
        i = 0
        while i < len(flat):
            n = rng.choice([1, 2, 3, 7, 64, 1000, 5000])
            steps.append(["data", flat[i:i + n]])
            i += n
            if rng.random() < 0.05:
                steps.append(["pause", 0.01])
    r = rng.random()
    if r < 0.03:
        # Left open without QUIT: the login or idle timeout must end it.
        steps = [s for s in steps if not (s[0] == "cmd" and s[1].upper().startswith(b"QUIT"))]
        for st in steps:
            if st[0] == "data":
                st[1] = re.sub(rb"(?im)^QUIT\r?\n", b"", st[1])
        steps.append(["linger"])
    elif r < 0.06:
        steps.append(["data", b"PARTIAL LINE"])
        steps.append(["cut"])
    return cfg, steps


# ---------------------------------------------------------------- world

SENTINEL_MTIME = 1000000000        # 2001-09-09: the sentinel's known mtime
SENTINEL_ATIME = SENTINEL_MTIME - 86400   # older, so that a read moves it (relatime)
BIG = random.Random(4242).randbytes(3 * 1024 * 1024 + 7)


def _noatime_fd(path, directory=False):
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NOATIME", 0)
    if directory:
        flags |= os.O_DIRECTORY
    return os.open(path, flags)


class World:
    """The served tree, the sentinel tree beside it, the users file, TLS
    credentials, the run account, and one listener per configuration."""

    def __init__(self, binary, tmpdir=None):
        self.binary = binary
        self.base = tempfile.mkdtemp(prefix="ftpsd-sfuzz-", dir=tmpdir)
        os.chmod(self.base, 0o755)
        self.root = os.path.join(self.base, "root")
        self.canary = os.path.join(self.base, "canary")
        self.private = tempfile.mkdtemp(prefix="ftpsd-sfuzz-priv-")   # users, TLS, logs
        self.token = "tok%s" % hashlib.sha256(os.urandom(16)).hexdigest()[:16]
        self.inject = b"inj" + hashlib.sha256(os.urandom(16)).hexdigest()[:12].encode()
        self.run_user = None
        self.pw = None
        self.keep = False
        self.listeners = {}
        atexit.register(self.cleanup)
        if os.geteuid() == 0:
            self.run_user = "ftpsdfz%d" % os.getpid()
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                            self.run_user], check=True, capture_output=True, timeout=30)
            self.pw = pwd.getpwnam(self.run_user)
        os.mkdir(self.root)
        self.users = os.path.join(self.private, "users")
        with open(self.users, "w") as f:
            f.write("# session-fuzz users\n")
            f.write("alice:%s\n" % self._hash(ALICE_PW))
            f.write("bob:%s:/pub\n" % self._hash(BOB_PW))
            f.write("carol:!locked\n")
            f.write("dave:%s:/missing-home\n" % self._hash(ALICE_PW))
        os.chmod(self.private, 0o755)
        self.cert = self.key = None
        self._make_tls()
        self.make_sentinel()

    @staticmethod
    def _hash(pw):
        out = subprocess.run(["openssl", "passwd", "-6", "-salt", "sfuzzsalt", pw], capture_output=True,
                             text=True, timeout=30, check=True).stdout.strip()
        assert out.startswith("$6$"), out
        return out

    def _make_tls(self):
        if not shutil.which("openssl"):
            return
        cert = os.path.join(self.private, "cert.pem")
        key = os.path.join(self.private, "key.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=localhost"], capture_output=True, timeout=60)
        if r.returncode == 0:
            os.chmod(key, 0o600)   # ftpsd refuses a key every user may read
            self.cert, self.key = cert, key

    def _own(self, path):
        if self.pw is not None:
            os.lchown(path, self.pw.pw_uid, self.pw.pw_gid)

    def make_sentinel(self):
        """The tree outside the root, (re)made with known content and
        times; the run account may write there: an escape would show."""
        c = self.canary
        if os.path.lexists(c):
            shutil.rmtree(c)
        os.mkdir(c)
        files = {"canary-%s.txt" % self.token: "CANARY %s\n" % self.token,
                 "writable.txt": "must stay as it is %s\n" % self.token,
                 "sub-%s/inner.txt" % self.token: "inner %s\n" % self.token}
        for rel, text in files.items():
            p = os.path.join(c, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
            os.chmod(p, 0o666)
        os.symlink("canary-%s.txt" % self.token, os.path.join(c, "link-%s" % self.token))
        paths = [c]
        for dirpath, dirnames, filenames in os.walk(c):
            paths += [os.path.join(dirpath, n) for n in dirnames + filenames]
        for p in sorted(paths, key=len, reverse=True):   # children first: their parents' times last
            self._own(p)
            os.utime(p, (SENTINEL_ATIME, SENTINEL_MTIME), follow_symlinks=False)
        os.utime(self.base, (SENTINEL_ATIME, SENTINEL_MTIME))
        self.baseline = self.snapshot()

    def reset_root(self):
        """The same tree before each session (the previous one may have
        renamed or deleted things). The root directory itself stays, so
        that its parent does not change."""
        r = self.root
        for n in os.listdir(r):
            p = os.path.join(r, n)
            if os.path.isdir(p) and not os.path.islink(p):
                for dirpath, dirnames, _ in os.walk(p):
                    for d in dirnames:
                        q = os.path.join(dirpath, d)
                        if not os.path.islink(q):    # pub/deep-up leads to the sentinel
                            try:
                                os.chmod(q, 0o755)
                            except OSError:
                                pass
                shutil.rmtree(p)
            else:
                os.unlink(p)
        files = {
            "a.txt": b"alpha\n", "notes.txt": b"notes\r\nline two\n", "log.txt": b"",
            "pub/readme.txt": b"read me\n" * 20, "pub/data.bin": bytes(range(256)) * 400,
            "pub/sub/deep.txt": b"deep\n", "x y/space name.txt": b"spaces\n",
            "\u00fcn\u00efc\u00f6d\u00e9/\u65e5\u672c.txt".encode(): b"unicode\n",
            "quote\"d.txt": b"quote\n", "-dash.txt": b"dash\n", ".hidden": b"hidden\n",
            "ro/locked.txt": b"read-only\n", "big.bin": BIG,
        }
        for rel, data in files.items():
            p = os.path.join(r.encode(), rel if isinstance(rel, bytes) else rel.encode())
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
        os.mkdir(os.path.join(r, "empty"))
        # Names a line-based listing must not show as they are: CR/LF
        # would forge reply lines ("INJECTED" must never start one).
        for name in (b"evil\r\nINJECTED " + self.inject, b"evil-lf\nINJECTED " + self.inject,
                     b"ctl-\x1b[2J-\x07-\x7f", b"bad-utf8-\xff\xfe", b"tab\tname"):
            with open(os.path.join(r.encode(), name), "wb") as f:
                f.write(b"x\n")
        os.symlink(b"a.txt\r\nINJECTED " + self.inject, os.path.join(r.encode(), b"lnk-crlf"))
        os.mkfifo(os.path.join(r, "fifo"))
        # Extreme mtimes (kept as they are on tmpfs, clamped on ext4): a
        # year gmtime_r() cannot represent, year 100000, before 1970.
        for name, t in (("future.txt", 2 ** 62), ("far.txt", 3093527980800), ("past.txt", -1)):
            p = os.path.join(r, name)
            with open(p, "wb") as f:
                f.write(b"time\n")
            try:
                os.utime(p, (t, t))
            except (OverflowError, OSError):
                pass
        links = {
            "escape": "../canary",                       # relative, to the sibling
            "abs": self.canary,                          # absolute, to the sibling
            "pub/deep-up": "../../canary",
            "rootlink": "/",
            "etc": "/etc",
            "dangling": "../canary/missing",
            "loop": "loop",
            "selfdir": ".",
            "pub/up-one": "..",
        }
        for rel, target in links.items():
            os.symlink(target, os.path.join(r, rel))
        for dirpath, dirnames, filenames in os.walk(r.encode()):
            self._own(dirpath)
            for n in dirnames + filenames:
                self._own(os.path.join(dirpath, n))
        os.chmod(os.path.join(r, "ro"), 0o555)

    def snapshot(self):
        """Everything outside the root that a session could touch, read
        without moving an access time (O_NOATIME; no readlink, which would)."""
        snap = {}

        def entry(p, st):
            e = {"mode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size,
                 "mtime": st.st_mtime_ns, "ctime": st.st_ctime_ns, "atime": st.st_atime_ns}
            if stat.S_ISREG(st.st_mode):
                fd = _noatime_fd(p)
                try:
                    h = hashlib.sha256()
                    while True:
                        b = os.read(fd, 65536)
                        if not b:
                            break
                        h.update(b)
                    e["sha256"] = h.hexdigest()
                finally:
                    os.close(fd)
            return e

        def walk(p):
            st = os.lstat(p)
            snap[p] = entry(p, st)
            if stat.S_ISDIR(st.st_mode):
                fd = _noatime_fd(p, directory=True)
                try:
                    names = sorted(os.listdir(fd))
                finally:
                    os.close(fd)
                snap[p]["names"] = names
                if p != self.base:
                    for n in names:
                        walk(os.path.join(p, n))

        walk(self.canary)
        walk(self.base)
        return snap

    def compare(self, res):
        """The sentinel and the root's parent against their baseline: a
        change is a write, a moved access time alone a read."""
        now = self.snapshot()
        written, read = [], []
        for k in sorted(set(self.baseline) | set(now)):
            a, b = self.baseline.get(k), now.get(k)
            if a == b:
                continue
            if a is None or b is None:
                written.append("%s (%s)" % (k, "new" if a is None else "gone"))
                continue
            fields = sorted(x for x in set(a) | set(b) if a.get(x) != b.get(x))
            if fields != ["atime"]:
                written.append("%s (%s)" % (k, ", ".join(f for f in fields if f != "atime")))
            else:
                read.append(k)
        if written:
            res.problem(P_WRITE, "changed outside the root: %s" % ", ".join(written))
        if read:
            res.problem(P_READ, "read or listed outside the root (access time moved): %s" % ", ".join(read))
        if written or read:
            self.make_sentinel()

    def env(self, cfg, pasv):
        env = {
            "FTPSD_ROOT": self.root,
            "FTPSD_USERS": self.users,
            "FTPSD_ANONYMOUS": "1" if cfg.get("anonymous") else "0",
            "FTPSD_WRITE": "1" if cfg.get("write") else "0",
            "FTPSD_LOG": "stderr",
            "FTPSD_LOGIN_TIMEOUT": str(TIMEOUT),
            "FTPSD_IDLE_TIMEOUT": str(TIMEOUT),
            "FTPSD_DATA_TIMEOUT": str(TIMEOUT),
            "FTPSD_PASV_PORTS": "%d-%d" % pasv,
        }
        if self.run_user:
            env["FTPSD_RUN_USER"] = self.run_user
        if cfg.get("tls") and self.cert:
            env["FTPSD_TLS_CERT"] = self.cert
            env["FTPSD_TLS_KEY"] = self.key
            if cfg.get("tls_require"):
                env["FTPSD_TLS_REQUIRE"] = "1"
            else:   # plaintext logins too, as before TLS became the default for accounts
                env["FTPSD_TLS_REQUIRE"] = "0"
                env["FTPSD_TLS_REQUIRE_DATA"] = "0"
            if cfg.get("implicit"):
                env["FTPSD_TLS_IMPLICIT"] = "1"
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "MSAN_OPTIONS", "ASAN_SYMBOLIZER_PATH",
                  "LLVM_SYMBOLIZER_PATH"):
            if k in os.environ:
                env[k] = os.environ[k]
        return env

    def listener(self, cfg):
        key = json.dumps(cfg, sort_keys=True)
        if key not in self.listeners:
            self.listeners[key] = Listener(self, cfg, len(self.listeners))
        return self.listeners[key]

    def cleanup(self):
        for lst in self.listeners.values():
            lst.stop()
        self.listeners = {}
        if self.keep:
            print("# kept %s and %s" % (self.base, self.private), flush=True)
        else:
            for d in (self.base, self.private):
                if os.path.isdir(d):
                    for dirpath, dirnames, _ in os.walk(d):
                        for n in dirnames:
                            q = os.path.join(dirpath, n)
                            if os.path.islink(q):   # never chmod what a link leads to
                                continue
                            try:
                                os.chmod(q, 0o755)
                            except OSError:
                                pass
                    shutil.rmtree(d, ignore_errors=True)
        if self.run_user:
            subprocess.run(["userdel", self.run_user], capture_output=True, timeout=30)
            self.run_user = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_range(n):
    """n consecutive ports, none of them bound right now (best effort: the
    server tries the others of its range when one is taken)."""
    rng = random.Random()
    for _ in range(50):
        lo = rng.randrange(20000, 60000 - n)
        try:
            socks = []
            for p in range(lo, lo + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return lo, lo + n - 1
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    return 50000, 50000 + n - 1


class Listener:
    """systemd-socket-activate --inetd on a loopback port, forking the
    binary per connection, as production does; its stderr (and the
    sessions') goes to a log file."""

    def __init__(self, world, cfg, n):
        self.log_path = os.path.join(world.private, "listener-%d.log" % n)
        last = ""
        for _ in range(8):
            self.port = free_port()
            args = ["systemd-socket-activate", "--inetd", "-a", "-l", "127.0.0.1:%d" % self.port]
            for k, v in sorted(world.env(cfg, free_range(16)).items()):
                args += ["-E", "%s=%s" % (k, v)]
            mark = self.mark()
            with open(self.log_path, "ab") as logf:
                self.proc = subprocess.Popen(args + [world.binary], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=logf, start_new_session=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                if b"Listening on" in self.log(mark):
                    return
                time.sleep(0.02)
            last = self.log(mark)
            self.stop()
        raise RuntimeError("systemd-socket-activate did not start: %r" % last[-300:])

    def mark(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log(self, since):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read()
        except OSError:
            return b""

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=3)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # the sessions share its group
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None


# ---------------------------------------------------------------- one session

class Result:
    def __init__(self):
        self.problems = []      # (property, text)
        self.replies = b""
        self.data = b""         # what the data connections brought, up to DATA_KEEP
        self.status = None
        self.duration = 0.0
        self.stderr = b""
        self.sent = 0
        self.transfers = 0      # data connections opened and used

    def problem(self, prop, text):
        self.problems.append((prop, text))

    def keep_data(self, chunk):
        if len(self.data) < DATA_KEEP:
            self.data += chunk[:DATA_KEEP - len(self.data)]


def _drain(sock, res, until, want=None, since=0, quiet=None):
    """Reads what arrives until the deadline; with want, only until a
    complete reply line starting with it shows up after offset since, or
    nothing more has come for quiet seconds. Returns False at EOF."""
    last = time.monotonic()
    while True:
        if want is not None and re.search(rb"(?:^|\n)" + want + rb"[^\n]*\n", res.replies[since:]):
            return True
        left = until - time.monotonic()
        if left <= 0:
            return True
        if quiet is not None and time.monotonic() - last > quiet:
            return True
        sel = selectors.DefaultSelector()
        sel.register(sock, selectors.EVENT_READ)
        ready = sel.select(min(left, 0.1 if quiet else 0.5))
        sel.close()
        if not ready:
            continue
        last = time.monotonic()
        try:
            chunk = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            return False
        if not chunk:
            return False
        res.replies += chunk


def _send_plain(sock, data, res, deadline):
    """Sends data while reading replies, so that neither side blocks."""
    view = memoryview(data)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    try:
        while view and time.monotonic() < deadline:
            for key, events in sel.select(0.5):
                if events & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        chunk = None
                    except OSError:
                        return False
                    if chunk == b"":
                        return False
                    if chunk:
                        res.replies += chunk
                if events & selectors.EVENT_WRITE and view:
                    try:
                        n = sock.send(view[:65536])
                    except (BlockingIOError, InterruptedError):
                        n = 0
                    except OSError:
                        return False
                    res.sent += n
                    view = view[n:]
    finally:
        sel.close()
    return True


class TlsChannel:
    """The client side of TLS on the control connection, driven without threads."""

    def __init__(self, sock):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.ctx = ctx
        self.sock = sock
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")

    def _flush(self, deadline):
        data = self.outgoing.read()
        view = memoryview(data)
        while view and time.monotonic() < deadline:
            try:
                n = self.sock.send(view)
                view = view[n:]
            except (BlockingIOError, InterruptedError):
                time.sleep(0.005)
            except OSError:
                return

    def _feed(self, timeout):
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        ready = sel.select(timeout)
        sel.close()
        if not ready:
            return True
        try:
            chunk = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            chunk = b""
        if not chunk:
            self.incoming.write_eof()
            return False
        self.incoming.write(chunk)
        return True

    def handshake(self, deadline):
        while time.monotonic() < deadline:
            try:
                self.obj.do_handshake()
                self._flush(deadline)
                return True
            except ssl.SSLWantReadError:
                self._flush(deadline)
                self._feed(0.2)
            except (ssl.SSLError, OSError):
                return False
        return False

    def close_notify(self):
        try:
            self.obj.unwrap()
        except (ssl.SSLError, OSError):
            pass
        self._flush(time.monotonic() + 1)

    def read_available(self, res, timeout):
        alive = self._feed(timeout)
        while True:
            try:
                data = self.obj.read(65536)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLError, OSError):
                return False
            if not data:
                return False
            res.replies += data
        self._flush(time.monotonic() + 1)
        return alive

    def send(self, data, res, deadline):
        for i in range(0, len(data), 16384):
            try:
                self.obj.write(data[i:i + 16384])
            except (ssl.SSLError, OSError):
                return False
            self._flush(deadline)
            res.sent += len(data[i:i + 16384])
            if not self.read_available(res, 0):
                return False
        return True




def _pull_plain(sock, res, timeout):
    """Waits up to timeout for control input and takes what came; False at EOF."""
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    ready = sel.select(max(0, timeout))
    sel.close()
    if not ready:
        return True
    try:
        chunk = sock.recv(65536)
    except (BlockingIOError, InterruptedError):
        return True
    except OSError:
        return False
    if not chunk:
        return False
    res.replies += chunk
    return True


class Client:
    """The client side of one session: the control connection (plain or
    TLS) and the data connections its commands open."""

    def __init__(self, sock, res, deadline):
        self.sock = sock
        self.res = res
        self.deadline = deadline
        self.tls = None
        self.alive = True
        self.greeted = False
        self.pos = 0            # replies parsed up to here (a line boundary)
        self.last_code = None
        self.pasv = None        # a data socket connected after 227/229
        self.active = None      # a listening socket, after PORT/EPRT {PORT}
        self.prot_p = False

    # -- control

    def pull(self, timeout):
        if not self.alive:
            return False
        if self.tls:
            self.alive = self.tls.read_available(self.res, timeout)
        else:
            self.alive = _pull_plain(self.sock, self.res, timeout)
        return self.alive

    def send(self, data):
        if not self.alive:
            return False
        if self.tls:
            self.alive = self.tls.send(data, self.res, self.deadline)
        else:
            self.alive = _send_plain(self.sock, data, self.res, self.deadline)
        return self.alive

    def next_final(self):
        """The next final reply line ("ddd ...") after pos, or None."""
        while True:
            nl = self.res.replies.find(b"\n", self.pos)
            if nl < 0:
                return None
            line = self.res.replies[self.pos:nl + 1]
            self.pos = nl + 1
            if re.match(rb"[1-5][0-9][0-9] ", line):
                self.last_code = int(line[:3])
                return self.last_code, line

    def read_reply(self, wait):
        until = min(self.deadline, time.monotonic() + wait)
        while True:
            r = self.next_final()
            if r is not None:
                return r
            left = until - time.monotonic()
            if left <= 0 or not self.pull(min(0.5, left)):
                return self.next_final()

    def catch_up(self):
        """Replies to bytes sent without waiting are not this command's."""
        while self.pull(0):
            if not self.res.replies.endswith(b"\n"):
                break
            n = len(self.res.replies)
            self.pull(0)
            if len(self.res.replies) == n:
                break
        end = self.res.replies.rfind(b"\n") + 1
        self.pos = max(self.pos, end)

    def greet(self):
        if not self.greeted:
            self.greeted = True
            self.read_reply(REPLY_WAIT)

    # -- data connections

    def close_pasv(self):
        if self.pasv is not None:
            self.pasv.close()
            self.pasv = None

    def close_active(self):
        if self.active is not None:
            self.active.close()
            self.active = None

    def render_addr(self, line):
        """{PORT} and {EPRT}: a listener of ours, opened for this command."""
        if b"{PORT}" not in line and b"{EPRT}" not in line:
            return line
        self.close_active()
        self.active = socket.socket()
        self.active.bind(("127.0.0.1", 0))
        self.active.listen(1)
        p = self.active.getsockname()[1]
        return line.replace(b"{PORT}", b"127,0,0,1,%d,%d" % (p >> 8, p & 255)).replace(
            b"{EPRT}", b"|1|127.0.0.1|%d|" % p)

    def open_pasv(self, port):
        self.close_pasv()
        try:
            self.pasv = socket.create_connection(("127.0.0.1", port), timeout=DATA_WAIT)
        except OSError:
            self.pasv = None

    def data_socket(self):
        if self.pasv is not None:
            d, self.pasv = self.pasv, None
        elif self.active is not None:
            self.active.settimeout(DATA_WAIT)
            try:
                d, _ = self.active.accept()
            except OSError:
                d = None
            self.close_active()
        else:
            return None
        if d is None:
            return None
        d.settimeout(DATA_WAIT)
        if self.prot_p and self.tls:
            try:
                d = self.tls.ctx.wrap_socket(d, server_hostname="localhost", session=self.tls.obj.session)
            except (ssl.SSLError, OSError, ValueError):
                d.close()
                return None
        return d

    def transfer(self, verb, opts):
        """After a 150: the data connection, read to its end or written,
        with ABOR on the control connection once under way if asked."""
        d = self.data_socket()
        aborted = False
        if d is not None:
            self.res.transfers += 1
            try:
                if verb in UPLOADS:
                    kind = opts.get("up") if opts.get("up") in PAYLOADS else "small"
                    chunks = PAYLOADS[kind](random.Random(opts.get("useed", 0)))
                    for i, c in enumerate(chunks):
                        d.sendall(c)
                        self.res.sent += len(c)
                        if opts.get("abort") and not aborted:
                            aborted = self.send(b"ABOR\r\n")
                        if i + 1 < len(chunks):
                            time.sleep(0.02)
                    if isinstance(d, ssl.SSLSocket):
                        d = d.unwrap()
                    d.shutdown(socket.SHUT_WR)
                    while d.recv(65536):
                        pass
                else:
                    while time.monotonic() < self.deadline:
                        b = d.recv(65536)
                        if not b:
                            break
                        self.res.keep_data(b)
                        if opts.get("abort") and not aborted:
                            aborted = self.send(b"ABOR\r\n")
            except (OSError, ssl.SSLError, ValueError):
                pass
            finally:
                d.close()
        self.read_reply(DATA_WAIT + REPLY_WAIT)    # 226, 426, 425, 451, ...
        if aborted:
            self.read_reply(REPLY_WAIT)            # and ABOR's own

    # -- steps

    def command(self, line, end, opts):
        self.greet()
        self.catch_up()
        line = self.render_addr(line)
        verb = line.split(b" ", 1)[0].strip().upper()
        if not self.send(line + end):
            return
        r = self.read_reply(REPLY_WAIT)
        if r is None:
            return
        code, text = r
        if code == 227:
            m = re.search(rb"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", text)
            if m:
                self.open_pasv(int(m.group(5)) * 256 + int(m.group(6)))
        elif code == 229:
            m = re.search(rb"\(\|\|\|(\d+)\|\)", text)
            if m:
                self.open_pasv(int(m.group(1)))
        elif code == 200 and verb == b"PROT":
            self.prot_p = line[4:].strip().upper() == b"P"
        elif code in (125, 150):
            self.transfer(verb, opts)

    def start_tls(self, how, implicit):
        if not implicit:
            # AUTH TLS went out (as a command, or in raw bytes): its 234,
            # or (a refusal, a mutated AUTH) go on in the clear.
            if self.last_code != 234:
                mark = self.pos
                _drain(self.sock, self.res, min(self.deadline, time.monotonic() + 5), want=rb"234 ",
                       since=mark, quiet=1.0)
                if not re.search(rb"(?:^|\n)234 ", self.res.replies[mark:]):
                    return True
        self.pos = len(self.res.replies)
        if how == "garbage":
            _send_plain(self.sock, b"\x16\x03\x01\x00\x05hello" + os.urandom(64), self.res, self.deadline)
            return False
        self.tls = TlsChannel(self.sock)
        if not self.tls.handshake(min(self.deadline, time.monotonic() + 10)):
            self.alive = False
            return False
        self.last_code = None
        return True

    def close(self):
        self.close_pasv()
        self.close_active()
        try:
            self.sock.close()
        except OSError:
            pass


def expand_raw(data):
    """{PORT}/{EPRT} in bytes sent as they are: some address (no listener)."""
    return data.replace(b"{PORT}", b"127,0,0,1,4,1").replace(b"{EPRT}", b"|1|127.0.0.1|1025|")


def wait_log(lst, since, pattern, until):
    while True:
        m = re.search(pattern, lst.log(since))
        if m or time.monotonic() >= until:
            return m
        time.sleep(0.05)


def run_session(world, cfg, steps, sanitized):
    res = Result()
    world.reset_root()
    lst = world.listener(cfg)
    mark = lst.mark()
    t0 = time.monotonic()
    deadline = t0 + SESSION_BUDGET
    try:
        sock = socket.create_connection(("127.0.0.1", lst.port), timeout=10)
    except OSError as e:
        res.problem(P_END, "cannot connect: %s" % e)
        return res
    sock.setblocking(False)
    c = Client(sock, res, deadline)
    ended_by = "client"
    try:
        for step in steps:
            if not c.alive or time.monotonic() > deadline:
                break
            kind = step[0]
            if kind == "cmd":
                c.command(step[1], step[2], step[3])
            elif kind == "data":
                c.send(expand_raw(step[1]))
            elif kind == "pause":
                c.pull(step[1])
            elif kind == "tls":
                if c.tls:
                    continue
                if cfg.get("implicit"):
                    c.greeted = False
                if not c.start_tls(step[1], cfg.get("implicit")):
                    break
            elif kind == "linger":
                # Keep the connection open: the server's own timeout ends it.
                ended_by = "server"
                until = min(deadline, time.monotonic() + END_WITHIN)
                while c.alive and time.monotonic() < until:
                    c.pull(0.5)
            elif kind == "cut":
                break
        # The end of the stream; the server must close its side.
        if not (steps and steps[-1][0] == "cut"):
            if c.tls and c.alive:
                c.tls.close_notify()
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            until = min(deadline, time.monotonic() + END_WITHIN)
            while c.alive and time.monotonic() < until:
                c.pull(0.5)
    finally:
        c.close()
    t_done = time.monotonic()
    m = wait_log(lst, mark, rb"Spawned .* as PID (\d+)\.", t_done + 5)
    pid = int(m.group(1)) if m else None
    status = None
    if pid is not None:
        m = wait_log(lst, mark, rb"Child %d died with code (\d+)" % pid, t_done + END_WITHIN)
        if m:
            status = int(m.group(1))
        else:
            res.problem(P_END, "still running %.0f s after the client was done (%s); killed"
                        % (END_WITHIN, ended_by))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            m = wait_log(lst, mark, rb"Child %d died with code (\d+)" % pid, time.monotonic() + 5)
    else:
        res.problem(P_END, "no session process seen in the listener's log")
    res.duration = time.monotonic() - t0
    res.status = status
    res.stderr = lst.log(mark)

    if status is not None and status not in (0, 1):
        res.problem(P_EXIT, "exit status %d (a signal number, or an undocumented status)" % status)
    if sanitized and SANITIZER_RE.search(res.stderr):
        res.problem(P_SAN, "sanitizer report in stderr")
    world.compare(res)
    for what, blob in (("reply", res.replies), ("data connection", res.data)):
        if world.token.encode() in blob:
            res.problem(P_READ, "a %s shows the sentinel's token (outside the root was read or listed)" % what)
        if b"root:x:0:0:" in blob:
            res.problem(P_READ, "a %s shows /etc/passwd" % what)
    if world.inject in res.replies:
        res.problem(P_REPLY, "a reply shows a name with CR/LF (reply injection)")
    if re.search(rb"(?:^|[\r\n])INJECTED ", res.data):
        res.problem(P_REPLY, "a listing line starts where a name's CR/LF put it (line forged)")
    for m in re.finditer(rb"modify=([^;\r\n]*)", res.replies + b"\n" + res.data):
        if not re.fullmatch(rb"[0-9]{14,}", m.group(1)):
            res.problem(P_REPLY, "malformed MLSx modify fact: %r" % m.group(0)[:60])
            break
    lines = res.replies.split(b"\r\n")
    for line in lines[:-1]:
        if not REPLY_LINE_RE.match(line) or b"\n" in line or b"\r" in line:
            res.problem(P_REPLY, "malformed reply line: %r" % line[:200])
            break
    return res


# ---------------------------------------------------------------- main

def _enc(x):
    if isinstance(x, bytes):
        return {"b64": base64.b64encode(x).decode()}
    if isinstance(x, list):
        return [_enc(y) for y in x]
    if isinstance(x, dict):
        return {k: _enc(v) for k, v in x.items()}
    return x


def _dec(x):
    if isinstance(x, dict):
        if set(x) == {"b64"}:
            return base64.b64decode(x["b64"])
        return {k: _dec(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_dec(y) for y in x]
    return x


def save(outdir, name, seed, index, cfg, steps, res):
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name + ".json")
    with open(path, "w") as f:
        json.dump({"seed": seed, "index": index, "config": cfg,
                   "problems": ["%s: %s" % p for p in res.problems], "steps": _enc(steps)}, f, indent=1)
    with open(os.path.join(outdir, name + ".stderr"), "wb") as f:
        f.write(res.stderr)
    with open(os.path.join(outdir, name + ".replies"), "wb") as f:
        f.write(res.replies)
    return path


def load(path):
    with open(path) as f:
        j = json.load(f)
    steps = []
    for s in j["steps"]:
        if s[0] == "data" and isinstance(s[1], str):    # the older format: base64 as a string
            steps.append(["data", base64.b64decode(s[1])])
        else:
            steps.append(_dec(s))
    return j["config"], steps, j.get("seed"), j.get("index")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sessions", nargs="?", type=int, default=200)
    ap.add_argument("seed", nargs="?", type=int, default=None)
    ap.add_argument("--replay", metavar="FILE", help="run one saved session (JSON)")
    ap.add_argument("--failures", metavar="DIR", help="where failing sessions are saved "
                    "(default: a directory under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary tree")
    ap.add_argument("--tmpdir", metavar="DIR", help="where the tree goes (default: /dev/shm when "
                    "writable, as tmpfs keeps any mtime; else the usual temporary directory)")
    ap.add_argument("--verbose", action="store_true", help="a diagnostic line per session")
    args = ap.parse_args()

    binary = os.environ.get("FTPSD_BIN")
    if not binary:
        for cand in (os.path.join(TOP, "build", "src", "ftpsd"), os.path.join(TOP, "src", "ftpsd")):
            if os.access(cand, os.X_OK):
                binary = cand
                break
    if not binary or not os.access(binary, os.X_OK):
        print("Bail out! no ftpsd binary: set FTPSD_BIN")
        return 2
    if not shutil.which("systemd-socket-activate"):
        print("Bail out! systemd-socket-activate not found (package systemd)")
        return 2
    binary = os.path.abspath(binary)
    with open(binary, "rb") as f:
        sanitized = b"__asan_init" in f.read()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    failures_dir = args.failures or os.path.join(tempfile.gettempdir(), "ftpsd-session-fuzz-%d" % os.getpid())

    def on_signal(signum, frame):
        print("Bail out! signal %d" % signum, flush=True)
        sys.exit(2)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tmpdir = args.tmpdir
    if tmpdir is None and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        tmpdir = "/dev/shm"
    world = World(binary, tmpdir)
    world.keep = args.keep
    if args.replay:
        print("# replay of %s" % args.replay, flush=True)
    else:
        print("# seed %d (rerun: %s %d %d)" % (seed, sys.argv[0], args.sessions, seed), flush=True)
    print("# binary %s%s, %s, tree %s" % (binary, " (sanitizer build)" if sanitized else "",
          "run user %s" % world.run_user if world.run_user else "not root", world.base), flush=True)
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            print("# %s=%s" % (k, os.environ[k]), flush=True)
    if not world.cert:
        print("# no openssl: TLS sessions left out", flush=True)

    plan = None
    if args.replay:
        cfg, steps, _, _ = load(args.replay)
        plan = [(cfg, steps)]
    n = len(plan) if plan else args.sessions
    failing = collections.defaultdict(list)    # property -> session numbers
    codes = collections.Counter()
    logged_in = tls_sessions = transfers = 0
    total_bytes = 0
    started = time.monotonic()
    for i in range(n):
        if plan:
            cfg, steps = plan[i]
        else:
            rng = random.Random("%d/%d" % (seed, i))
            cfg, steps = make_session(rng, world.cert is not None)
        res = run_session(world, cfg, steps, sanitized)
        total_bytes += res.sent
        transfers += res.transfers
        for m in re.finditer(rb"(?:^|\r\n)([1-5][0-9][0-9]) ", res.replies):
            codes[m.group(1).decode()] += 1
        if re.search(rb"(?:^|\r\n)23[02] ", res.replies):
            logged_in += 1
        if any(s[0] == "tls" for s in steps):
            tls_sessions += 1
        desc = "session %d: %d steps, %d bytes, %d transfers, exit %s, %.2f s" % (
            i, len(steps), res.sent, res.transfers, res.status, res.duration)
        if res.problems:
            for prop in sorted({p for p, _ in res.problems}):
                failing[prop].append(i)
            print("not ok %d - %s" % (i + 1, desc), flush=True)
            for prop, text in res.problems:
                print("# %s: %s" % (prop, text), flush=True)
            path = save(failures_dir, "session-%d-%d" % (seed, i), seed, i, cfg, steps, res)
            print("# saved: %s (replay: %s --replay %s)" % (path, sys.argv[0], path), flush=True)
            for line in res.stderr.decode("utf-8", "replace").splitlines():
                if SANITIZER_RE.search(line.encode()) or line.lstrip().startswith("#"):
                    print("#   %s" % line[:300], flush=True)
        else:
            print("ok %d - %s" % (i + 1, desc), flush=True)
            if args.verbose:
                print("# config %s" % json.dumps(cfg), flush=True)
    print("1..%d" % n)
    dt = time.monotonic() - started
    print("# reply codes: %s" % ", ".join("%s:%d" % kv for kv in sorted(codes.items())))
    print("# %d sessions (%s) in %.0f s: %d failed; %d logged in, %d with TLS steps, %d data transfers, "
          "%d bytes sent" % (n, "replay of %s" % args.replay if args.replay else "seed %d" % seed, dt,
                             len({i for v in failing.values() for i in v}), logged_in, tls_sessions,
                             transfers, total_bytes))
    # One verdict per property, over all sessions: what run-all.sh counts.
    bad = 0
    for prop in PROPERTIES:
        if prop == P_SAN and not sanitized:
            print("property SKIP: %s (not a sanitizer build)" % prop)
        elif failing.get(prop):
            bad += 1
            print("property FAIL: %s (sessions %s)" % (prop, " ".join(str(i) for i in failing[prop][:20])))
        else:
            print("property ok: %s (%d sessions)" % (prop, n))
    if plan is None and n >= 20:
        if codes.get("150") and codes.get("226"):
            print("property ok: %s (150: %d, 226: %d)" % (P_DATA, codes["150"], codes["226"]))
        else:
            bad += 1
            print("property FAIL: %s (150: %d, 226: %d)" % (P_DATA, codes.get("150", 0), codes.get("226", 0)))
    sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
