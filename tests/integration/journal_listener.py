#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A stand-in for systemd-journald's native socket, for the tests: binds a
datagram socket at argv[1] and appends each record it receives, decoded
from the journal's native format, as one JSON object per line to argv[2]."""

import json
import os
import socket
import struct
import sys


def parse(data):
    fields = {}
    i = 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack_from("<Q", data, nl + 1)
            start = nl + 1 + 8
            v = data[start:start + n]
            if data[start + n:start + n + 1] != b"\n":
                raise ValueError("binary field %r not followed by newline" % k)
            i = start + n + 1
        fields[k.decode()] = v.decode("utf-8", "replace")
    return fields


def main():
    path, out = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(out + ".ready", "w"):
        pass
    while True:
        data = s.recv(1 << 20)
        try:
            rec = parse(data)
        except (ValueError, struct.error) as e:
            rec = {"_PARSE_ERROR": str(e), "_RAW": data.decode("latin-1")}
        with open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
