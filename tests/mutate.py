#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Mutation runs: break ftpsd on purpose, one named way at a time, in a
scratch copy of the tree, and see that the test suite notices.

    tests/mutate.py [--keep] [--cc CC] [NAME...]     (default: every mutation)
    tests/mutate.py --list

Copies the tree (not a git checkout: the files as they are, without build
directories) to a scratch directory, configures it once (clang with ASan
and UBSan, so that an overflow is seen even where the output stays
right), and then for each mutation: replaces one exact piece of text in
one file of src/, rebuilds src/ftpsd, runs the tests that should notice
(integration scripts, or unit tests named "unit/test-x", rebuilt too),
and puts the text back. A mutation is "caught" when one of
its scripts fails at a check the mutation names (a pattern on the
"not ok" line: a failure elsewhere, such as a timing check on a busy
machine, is not a catch, and that script runs once more); the line names
the check. Scripts run with FTPSD_TEST_FAIL_FAST=1 (the harness stops at
the first failure), so a caught mutation costs little. The unmutated tree must pass these scripts
(tests/run-all.sh runs them first, in both builds).

Prints one line per mutation:
    caught  NAME  (script: not ok N - the check that failed)
    MISSED  NAME  (scripts that passed)
    ERROR   NAME  (why: the text is not in the file exactly once, or the
                   build failed)
and then "N caught, N missed" (and "N errors" when there are any). Exits 0
only when every mutation was caught.

Each mutation is a file, an exact text found there once, and its
replacement: when src/ changes, update the text here; a text that no
longer matches is an ERROR, never a silent pass.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

SANITIZER_CFLAGS = "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
SCRIPT_TIMEOUT = 420


class Mutation:
    def __init__(self, name, path, old, new, scripts, expect, why):
        self.name, self.path, self.old, self.new, self.scripts, self.why = name, path, old, new, scripts, why
        self.expect = re.compile(expect)   # the failing check that means "caught"


MUTATIONS = [
    Mutation("unsent-queue-unbounded", "src/data.c",
             "(void)setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &notsent, sizeof(notsent));",
             "(void)notsent;",
             ["test-tls-data.py"], r"keeps at most 128 KiB unsent",
             "a download the client cannot keep up with queues megabytes in the kernel"),
    Mutation("resumption-check-off", "src/data.c",
             "if (s->cfg->tls_require_reuse && !gnutls_session_is_resumed(tls)) {",
             "if (s->cfg->tls_require_reuse && 0) {",
             ["test-tls-data.py"],
             r"reuse required|did not resume|A's session",
             "a PROT P data connection need not resume the control session"),
    Mutation("failed-upload-committed", "src/cmd_xfer.c",
             "\t\tif (!complete || r < 0) {\n\t\t\tfs_temp_discard(&u->temp);",
             "\t\tif (r < 0) {\n\t\t\tfs_temp_discard(&u->temp);",
             ["test-transfer.py"],
             r"old file|temporary",
             "an upload that failed replaces the old file"),
    Mutation("drop-box-open", "src/policy.c",
             "\t\treturn upload_only_allows(s, c->verb, writes);",
             "\t\treturn !writes || s->may_write;",
             ["test-policy.py"],
             r"drop box",
             "an upload-only user may read back, delete and rename"),
    Mutation("anonymous-incoming-open", "src/policy.c",
             "\t\treturn anonymous_allows(s, c, writes);",
             "\t\treturn true;",
             ["test-policy.py"],
             r"anonymous",
             "anonymous may read, list and delete in its incoming directory, and write elsewhere"),
    Mutation("from-list-off", "src/policy.c",
             "if (o->n_from > 0 && (",
             "if (0 && (",
             ["test-policy.py"],
             r"from=",
             "a user's from= list is not checked"),
    Mutation("listing-crlf-filter-off", "src/cmd_list.c",
             "\treturn listing_name_ok(name);\n}",
             "\treturn true;\n}",
             ["test-security.py"],
             r"CR or LF|CR/LF",
             "names with CR/LF go into LIST/NLST/MLSD lines"),
    Mutation("fresh-tickets-off", "src/data.c",
             "\ttls_refresh_ticket(channel_tls_session(&s->ctrl.ch), deadline);\n",
             "\n",
             ["test-tls-data.py"],
             r"curl many URLs|resum|ticket",
             "a TLS 1.3 client gets no new ticket after a data connection used one"),
    Mutation("bounce-check-off", "src/cmd_params.c",
             "if (!s->have_peer || !sockaddr_same_host(target, &s->peer)) {",
             "if (!s->have_peer) {",
             ["test-security.py"],
             r"PORT|EPRT",
             "PORT/EPRT may name another host (FTP bounce)"),
    Mutation("proxy-trust-off", "src/proxy_session.c",
             "if (!s->have_peer || !netlist_contains(&cfg->proxy_from, &s->peer)) {",
             "if (!s->have_peer) {",
             ["test-proxy.py"],
             r"untrusted",
             "a PROXY header is believed from any address, not only FTPSD_PROXY_FROM"),
    Mutation("proxy-data-client-unchecked", "src/proxy_session.c",
             "\t*from = h.src;\n\treturn sockaddr_same_host(from, &s->peer);",
             "\treturn true;",
             ["test-proxy.py"],
             r"stranger|127\.0\.0\.6|control client",
             "a balancer's passive data connection is taken whatever client its header names"),
    Mutation("openat2-confinement-off", "src/fs.c",
             "\t\tfd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));\n\twhile",
             "\t\tfd = openat(root_fd, rel, flags | O_CLOEXEC, how.mode);\n\twhile",
             ["test-security.py"],
             r"symlink|outside|link|root",
             "paths resolve with plain openat: symlinks lead out of the root"),
    Mutation("prot-p-requirement-ignored", "src/xfer.c",
             "if (config_tls_required(s->cfg->tls_require_data, s->anonymous) && !s->prot_private) {",
             "if (0 && config_tls_required(s->cfg->tls_require_data, s->anonymous) && !s->prot_private) {",
             ["test-tls-data.py"],
             r"FTPSD_TLS_REQUIRE_DATA",
             "FTPSD_TLS_REQUIRE_DATA=1 lets clear data connections through"),
    Mutation("pass-masking-off", "src/session_loop.c",
             "if (c->verb == VERB_PASS)\n\t\tsnprintf(out, size, \"PASS ****\");",
             "if (0)\n\t\tsnprintf(out, size, \"PASS ****\");",
             ["test-session.py"],
             r"PASS \*\*\*\*|password",
             "passwords go into the log"),
    Mutation("starttls-injection", "src/cmd_tls.c",
             "\tcontrol_drop_input(&s->ctrl);\n",
             "\n",
             ["test-tls.py"],
             r"pipelined|discarded",
             "commands pipelined behind AUTH TLS in the clear run after the handshake"),
    Mutation("abor-waits-for-transfer", "src/dispatch.c",
             "[VERB_ABOR] = { cmd_abor, IN_TRANSFER },",
             "[VERB_ABOR] = { cmd_abor, 0 },",
             ["test-transfer.py"],
             r"ABOR",
             "ABOR during a transfer waits for its end instead of aborting it"),
    Mutation("login-deadline-ignored", "src/session.c",
             "\tif (s->login != LOGIN_DONE)\n\t\treturn s->login_deadline;",
             "\tif (0)\n\t\treturn s->login_deadline;",
             ["test-session.py"],
             r"login|LOGIN",
             "each command before login gets a fresh timeout: a client never logging in stays"),
    Mutation("prelogin-not-jailed", "src/privsep.c",
             "\tint r = enter_jail();\n",
             "\tint r = 0;\n",
             ["test-privsep.py"],
             r"removed directory|descriptor of a directory",
             "the pre-login process reads the network with the whole filesystem in view"),
    Mutation("owner-helper-keeps-fds", "src/owner.c",
             "\tclose_all_from(1);\n",
             "",
             ["test-anon-owner.py"],
             r"one owner helper|holds its socket and nothing else",
             "the owner helper keeps the client's connection and the session's descriptors"),
    Mutation("monitor-failure-limit-off", "src/monitor.c",
             "return login_failure_count(s) ? PS_FAILED_LAST : PS_FAILED;",
             "return login_failure_count(s) ? PS_FAILED : PS_FAILED;",
             ["test-privsep.py"],
             r"too many failures|closed|session closes",
             "the monitor lets the pre-login process try passwords without end"),
    # The overflow issue 12 found: a held CR written when the output is
    # already full (the sanitizer build reports it, the session dies).
    Mutation("type-a-capacity-off-by-one", "src/ascii.c",
             "\t\t\t\tif (k == cap)\n\t\t\t\t\tbreak;\n\t\t\t\tout[k++] = '\\r';",
             "\t\t\t\tif (k > cap)\n\t\t\t\t\tbreak;\n\t\t\t\tout[k++] = '\\r';",
             ["unit/test-ascii", "test-upload-safety.py"],
             r"past the capacity|within its limits|TYPE A|rAA",
             "a TYPE A upload writes a held CR one byte past the conversion buffer"),
    Mutation("usage-name-reachable", "src/policy.c",
             "\tif (names_usage_file(s, c))\n\t\treturn false;\n",
             "",
             ["test-quota.py"],
             r"refused with 550",
             "a user may read, overwrite, rename or delete the quota's usage file"),
    Mutation("usage-stale-believed", "src/quota.c",
             "\tif (!why && !usage_fresh(u, now))",
             "\tif (0)",
             ["test-quota.py"],
             r"stale",
             "a usage file counted long ago is believed, never walked again"),
    Mutation("usage-lock-off", "src/quota.c",
             "\t\tif (flock(fd, LOCK_EX | LOCK_NB) == 0)",
             "\t\tif (1)",
             ["test-quota.py"],
             r"locked|none lost",
             "sessions update the usage file without the lock on the root"),
    Mutation("usage-dele-not-recorded", "src/policy.c",
             "\tif (q->removing && s->ctrl.last_code == 250) {",
             "\tif (0) {",
             ["test-quota.py"],
             r"DELE",
             "a DELE leaves its file's bytes in the usage file"),
]


def copy_tree(dst):
    """The source tree without build output or version control."""
    def ignore(directory, names):
        if os.path.abspath(directory) == TOP:
            return [n for n in names if (n.startswith("build") and n != "build-aux")
                    or n in (".git", "autom4te.cache")]
        return [n for n in names if n.endswith((".o", ".a")) or n == "__pycache__"]
    shutil.copytree(TOP, dst, symlinks=True, ignore=ignore)


def run(cmd, cwd, log, env=None, timeout=1800):
    with open(log, "ab") as f:
        f.write(("\n$ %s\n" % " ".join(cmd)).encode())
        f.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, env=env,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return 124


def first_failure(path):
    try:
        with open(path, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                if line.startswith("not ok") or line.startswith("Bail out!"):
                    return line[:160]
    except OSError:
        pass
    return "exit status non-zero, no failing check printed"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="mutations to run (default: all)")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--cc", default=os.environ.get("MUTATE_CC", "clang"))
    args = ap.parse_args()

    if args.list:
        for m in MUTATIONS:
            print("%-28s %-18s %s" % (m.name, m.path, m.why))
        return 0
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTATIONS}
    if unknown:
        print("mutate: no mutation named %s" % ", ".join(sorted(unknown)), file=sys.stderr)
        return 2

    scratch = tempfile.mkdtemp(prefix="ftpsd-mutate-")
    tree = os.path.join(scratch, "tree")
    build = os.path.join(tree, "build")
    log = os.path.join(scratch, "build.log")
    started = time.monotonic()
    caught = missed = errors = 0
    try:
        copy_tree(tree)
        if not os.path.exists(os.path.join(tree, "configure")) and \
                run(["autoreconf", "-fi"], tree, log) != 0:
            print("mutate: autoreconf failed (%s)" % log)
            return 2
        os.mkdir(build)
        if run(["../configure", "-q", "CC=" + args.cc, "CFLAGS=" + SANITIZER_CFLAGS], build, log) != 0 \
                or run(["make", "-j2", "src/ftpsd"], build, log) != 0:
            print("mutate: the unmutated scratch tree does not build (%s)" % log)
            return 2
        env = dict(os.environ)
        env.update({
            "FTPSD_BIN": os.path.join(build, "src", "ftpsd"),
            "FTPSD_TESTS": os.path.join(tree, "tests"),
            "FTPSD_BUILDDIR": build,
            "FTPSD_TEST_FAIL_FAST": "1",
            "ASAN_OPTIONS": "abort_on_error=1:detect_leaks=1",
            "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_stacktrace=1",
        })
        for m in chosen:
            verdict, detail = mutate_one(m, tree, build, scratch, env)
            if verdict == "caught":
                caught += 1
            elif verdict == "MISSED":
                missed += 1
            else:
                errors += 1
            print("%-7s %-28s (%s)" % (verdict, m.name, detail), flush=True)
    finally:
        if args.keep:
            print("# kept %s" % scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print("%d caught, %d missed" % (caught, missed))
    if errors:
        print("%d errors (a text that no longer matches, or a build that failed)" % errors)
    print("# %.0f s" % (time.monotonic() - started))
    return 0 if missed == 0 and errors == 0 else 1


def test_command(script, build, tree):
    """A unit test ("unit/test-x", a TAP program of the build) or an
    integration script ("test-x.py")."""
    if script.startswith("unit/"):
        return [os.path.join(build, "tests", script)]
    return [sys.executable, os.path.join(tree, "tests", "integration", script)]


def mutate_one(m, tree, build, scratch, env):
    path = os.path.join(tree, m.path)
    try:
        with open(path) as f:
            original = f.read()
    except OSError as e:
        return "ERROR", "%s: %s" % (m.path, e.strerror)
    count = original.count(m.old)
    if count != 1:
        return "ERROR", "the text to replace is in %s %d times, not once: update tests/mutate.py" % (m.path, count)
    log = os.path.join(scratch, m.name + ".log")
    try:
        with open(path, "w") as f:
            f.write(original.replace(m.old, m.new))
        targets = ["src/ftpsd"] + ["tests/" + x for x in m.scripts if x.startswith("unit/")]
        if run(["make", "-j2"] + targets, build, log) != 0:
            return "ERROR", "the mutated tree does not build (%s)" % log
        unrelated = []
        for script in m.scripts:
            # A failure at a check the mutation does not concern (a busy
            # machine's timing) is no catch: that script runs once more.
            for attempt in (1, 2):
                out = os.path.join(scratch, "%s.%s.%d.out" % (m.name, script.replace("/", "-"), attempt))
                rc = run(test_command(script, build, tree), tree, out, env=env,
                         timeout=SCRIPT_TIMEOUT + 60)
                if rc == 0:
                    break
                failure = first_failure(out)
                if m.expect.search(failure):
                    return "caught", "%s: %s" % (script, failure)
                unrelated.append("%s: %s" % (script, failure))
        if unrelated:
            return "MISSED", "failed only at checks it does not concern: %s" % "; ".join(unrelated)
        return "MISSED", "%s passed" % ", ".join(m.scripts)
    finally:
        with open(path, "w") as f:
            f.write(original)


if __name__ == "__main__":
    sys.exit(main())
