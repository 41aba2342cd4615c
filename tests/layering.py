#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The shape of src/, checked from its #include lines (TAP).

A module is a base name: foo.c and foo.h together. Module A depends on B
when foo.c or foo.h of A includes "B.h". Two rules:

1. No cycle among modules: layers only call downward (session below
   reply and dispatch, the command loop above them).
2. A pure module (parsers and formatters with table tests) reaches no
   session, connection or TLS header, directly or through other headers,
   and no GnuTLS header: it must build and be tested without them.

Usage: layering.py [SRCDIR]  (default: ../src beside this file, or
$FTPSD_TESTS/../src under make check).
"""

import os
import re
import sys

PURE = ["listing", "path", "hostport", "linebuf", "command", "users", "config", "ascii",
        "list_args", "user_options", "proxy", "netlist", "banner", "ratelimit", "usage", "privsep_proto"]
# Headers of the session, its connections and TLS.
IMPURE_HEADERS = {"session.h", "session_loop.h", "channel.h", "reply.h", "dispatch.h", "data.h",
                  "xfer.h", "tls.h", "tls_transport.h", "tls_closure.h", "tls_files.h",
                  "control.h", "policy.h", "quota.h", "proxy_session.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


def includes(path):
    """(local headers, system headers) a file includes."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    local, system = set(), set()
    for kind, name in INCLUDE.findall(text):
        (local if kind == '"' else system).add(name)
    return local, system


def load(src):
    """{module: {"files": [...], "local": set, "system": set}}."""
    mods = {}
    for name in sorted(os.listdir(src)):
        base, ext = os.path.splitext(name)
        if ext not in (".c", ".h"):
            continue
        m = mods.setdefault(base, {"files": [], "local": set(), "system": set()})
        local, system = includes(os.path.join(src, name))
        m["files"].append(name)
        m["local"] |= local
        m["system"] |= system
    return mods


def module_graph(mods):
    graph = {}
    for name, m in mods.items():
        deps = set()
        for h in m["local"]:
            base = os.path.splitext(h)[0]
            if base != name and base in mods:
                deps.add(base)
        graph[name] = deps
    return graph


def find_cycle(graph):
    """One cycle as a list of modules, or None (depth-first search)."""
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in sorted(graph[n]):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                c = visit(d)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def header_closure(src, start):
    """Every local header reachable from the headers in start, with the
    chain that reaches it: {header: [via, ...]}."""
    seen = {}
    todo = [(h, [h]) for h in sorted(start)]
    while todo:
        h, chain = todo.pop(0)
        if h in seen:
            continue
        seen[h] = chain
        path = os.path.join(src, h)
        if os.path.exists(path):
            local, _ = includes(path)
            todo += [(n, chain + [n]) for n in sorted(local)]
    return seen


def system_of(src, headers):
    out = set()
    for h in headers:
        path = os.path.join(src, h)
        if os.path.exists(path):
            out |= includes(path)[1]
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    tests = os.environ.get("FTPSD_TESTS") or here
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(tests), "src")
    mods = load(src)
    n = 0
    failed = 0

    def ok(cond, name, diag=()):
        nonlocal n, failed
        n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
        if not cond:
            failed += 1
            for line in diag:
                print("# " + line)

    cycle = find_cycle(module_graph(mods))
    ok(cycle is None, "no include cycle among the modules of %s" % src,
       ["cycle: " + " -> ".join(cycle)] if cycle else ())
    for name in PURE:
        if name not in mods:
            ok(False, "pure module %s exists (renamed? update PURE)" % name)
            continue
        m = mods[name]
        reach = header_closure(src, m["local"])
        bad = sorted(h for h in reach if h in IMPURE_HEADERS)
        gnutls = sorted(h for h in m["system"] | system_of(src, reach) if h.startswith("gnutls"))
        diag = ["%s includes %s" % (name, " -> ".join(reach[h])) for h in bad]
        diag += ["%s reaches <%s>" % (name, h) for h in gnutls]
        ok(not bad and not gnutls, "pure module %s (%s) includes no session or TLS header"
           % (name, ", ".join(m["files"])), diag)
    print("1..%d" % n)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
