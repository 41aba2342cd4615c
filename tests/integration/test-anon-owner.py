#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: FTPSD_ANONYMOUS_UPLOAD_OWNER (vsftpd's chown_uploads).

Anonymous uploads into the incoming directory are given to the configured
USER:GROUP by the owner helper, a process with CAP_CHOWN alone; with
virtual users and with system accounts (privilege separation). --check
reports every bad setting. Client: python ftplib. Needs root.
"""

import atexit
import ftplib
import grp
import io
import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
from ftpsd_test import TAP, Server, User, install_watchdog, read_file, sha256  # noqa: E402

t = TAP()
install_watchdog()

OWNER = "ftpsdo%d" % os.getpid()
GROUP = "ftpsdg%d" % os.getpid()
ANON = User("anonymous", "guest@example.org")
PLAIN = User("plain", "plain-pw")
CHOWN_ONLY = "%016x" % 1   # CAP_CHOWN is capability 0
NO_CAPS = "0" * 16


def make_owner():
    subprocess.run(["groupadd", "--system", GROUP], check=True, capture_output=True, timeout=30)
    atexit.register(lambda: subprocess.run(["groupdel", GROUP], capture_output=True, timeout=30))
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OWNER],
                   check=True, capture_output=True, timeout=30)
    # Registered after the group: runs first, so the group is free to go.
    atexit.register(lambda: subprocess.run(["userdel", OWNER], capture_output=True, timeout=30))
    return pwd.getpwnam(OWNER).pw_uid, grp.getgrnam(GROUP).gr_gid


def live_children(pid):
    """The children of pid that are not zombies."""
    alive = []
    for k in ft.child_pids(pid):
        try:
            if not ft.proc_status(k)["State"].startswith("Z"):
                alive.append(k)
        except OSError:
            pass
    return alive


def anonymous_server(extra):
    env = {"FTPSD_ANONYMOUS": "1", "FTPSD_ANONYMOUS_UPLOAD": "/incoming",
           "FTPSD_ANONYMOUS_UPLOAD_OWNER": "%s:%s" % (OWNER, GROUP)}
    env.update(extra)
    srv = Server(env=env, users=[PLAIN])
    anon = os.path.join(srv.dir, "anon")
    os.makedirs(os.path.join(anon, "incoming"))
    ft.write_file(os.path.join(anon, "incoming", "earlier.bin"), b"someone else's upload\n")
    ft.own(anon)
    srv.env["FTPSD_ANONYMOUS_ROOT"] = anon
    return srv, anon


def ftp(srv, user):
    f = ftplib.FTP(timeout=ft.CTL_TIMEOUT)
    f.connect(srv.host, srv.port)
    f.login(user.name, user.password)
    return f


def ftp_error(fn, *args):
    try:
        fn(*args)
    except ftplib.all_errors as e:
        return int(str(e)[:3]) if str(e)[:3].isdigit() else str(e)
    return None


def one_fd(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid)) == 1
    except OSError:
        return False


def wait_helpers(pid, count):
    """pid's live children once there are count of them and one holds a
    single descriptor (a helper just forked closes the rest a moment later)."""
    found = ([], [])

    def ready():
        nonlocal found
        kids = live_children(pid) if pid else []
        found = (kids, [k for k in kids if one_fd(k)])
        return len(kids) == count and len(found[1]) == 1
    ft.wait_until(ready, 5)
    return found


def helper_of(srv, mark, label):
    """The session's pid and its owner helper's (the child that is not the
    pre-login process: the one holding a single descriptor)."""
    m = srv.wait_log(r"^ftpsd\[(\d+)\]: login of anonymous", 5, mark)
    pid = int(m.group(1)) if m else None
    kids, helpers = wait_helpers(pid, 1)
    t.ok(len(helpers) == 1, "%s: one owner helper beside the anonymous session" % label,
         "children %r" % kids)
    return pid, helpers[0] if helpers else None


def check_helper(hpid, run, label):
    st = ft.proc_status(hpid)
    t.is_eq(st["Uid"].split(), [str(run.pw_uid)] * 4, "%s: the helper runs as FTPSD_RUN_USER" % label)
    t.is_eq(st["Gid"].split(), [str(run.pw_gid)] * 4, "%s: with its group" % label)
    t.is_eq(st["Groups"].split(), [], "%s: and no supplementary group" % label)
    t.is_eq((st["CapEff"], st["CapPrm"], st["CapBnd"], st["CapInh"], st.get("CapAmb", NO_CAPS)),
            (CHOWN_ONLY,) * 3 + (NO_CAPS,) * 2,
            "%s: the helper has CAP_CHOWN alone (effective, permitted, bounding)" % label)
    t.is_eq(st.get("NoNewPrivs"), "1", "%s: the helper has no_new_privs" % label)
    fds = os.listdir("/proc/%d/fd" % hpid)
    link = os.readlink("/proc/%d/fd/%s" % (hpid, fds[0])) if fds else ""
    t.ok(len(fds) == 1 and link.startswith("socket:"),
         "%s: the helper holds its socket and nothing else (not the client's connection)" % label,
         "fds %r %r" % (fds, link))


def socket_inode(pid, fd):
    link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
    m = re.match(r"socket:\[(\d+)\]$", link)
    return m.group(1) if m else None


def holders_of_peer(hpid):
    """The processes that hold the other end of the helper's socket."""
    mine = socket_inode(hpid, os.listdir("/proc/%d/fd" % hpid)[0])
    out = subprocess.run(["ss", "-xn"], capture_output=True, timeout=30, text=True).stdout
    peer = None
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 8 and cols[5] == mine:
            peer = cols[7]
    found = set()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % p):
                if socket_inode(int(p), fd) == peer:
                    found.add(int(p))
        except OSError:
            pass
    return peer, sorted(found)


def check_prelogin(srv, label):
    """Before login (system accounts): the helper's socket is the monitor's
    alone, not the pre-login process's."""
    mark = srv.mark()
    c = srv.connect()
    try:
        t.code(c.greeting, 220, "%s: greeting" % label)
        m = srv.wait_log(r"^ftpsd\[(\d+)\]: session start", 5, mark)
        pid = int(m.group(1)) if m else 0
        kids, helpers = wait_helpers(pid, 2)
        t.ok(len(kids) == 2 and len(helpers) == 1,
             "%s: before login, a pre-login process and the owner helper" % label, "children %r" % kids)
        if helpers:
            peer, holders = holders_of_peer(helpers[0])
            t.ok(peer and holders == [pid], "%s: only the monitor holds the helper's socket, "
                 "not the process reading the network" % label, "peer %r holders %r" % (peer, holders))
    finally:
        c.close()


def test_helper_gone(srv, anon):
    """The helper killed: an anonymous upload fails with 451 and leaves nothing."""
    mark = srv.mark()
    with ftp(srv, ANON) as f:
        _, hpid = helper_of(srv, mark, "helper gone")
        if hpid:
            os.kill(hpid, 9)
        code = ftp_error(f.storbinary, "STOR incoming/lost.bin", io.BytesIO(b"lost\n" * 1000))
        t.is_eq(code, 451, "helper gone: the upload gets 451")
    t.ok(not os.path.exists(os.path.join(anon, "incoming", "lost.bin")) and
         not ft.upload_temps(os.path.join(anon, "incoming")),
         "helper gone: nothing of the upload stays", repr(os.listdir(os.path.join(anon, "incoming"))))
    t.ok(srv.wait_log(r"upload /incoming/lost\.bin not kept: the owner helper cannot be reached", 5, mark),
         "helper gone: the log says why")


def upload_and_check(srv, anon, ids, label):
    run = ft.run_user()
    payload = ft.random_bytes(200000, 77)
    mark = srv.mark()
    incoming = os.path.join(anon, "incoming")
    with ftp(srv, ANON) as f:
        _, hpid = helper_of(srv, mark, label)
        if hpid:
            check_helper(hpid, run, label)
        f.storbinary("STOR incoming/report.bin", io.BytesIO(payload))
        path = os.path.join(incoming, "report.bin")
        st = os.stat(path)
        t.is_eq((st.st_uid, st.st_gid), ids, "%s: the upload is owned by the configured user and group" % label)
        t.is_eq(sha256(read_file(path)), sha256(payload), "%s: the upload's bytes" % label)
        t.is_eq(ftp_error(f.retrbinary, "RETR incoming/report.bin", lambda b: None), 550,
                "%s: anonymous cannot read it back" % label)
        t.is_eq(ftp_error(f.retrlines, "LIST incoming", lambda l: None), 550,
                "%s: nor list incoming" % label)
        t.is_eq(ftp_error(f.storbinary, "STOR incoming/report.bin", io.BytesIO(b"over")), 550,
                "%s: nor overwrite it" % label)
        t.is_eq(ftp_error(f.storbinary, "STOU incoming/x", io.BytesIO(b"u")), 550,
                "%s: STOU (its file has a name before the data) gets 550" % label)
    t.is_eq(sha256(read_file(os.path.join(incoming, "report.bin"))), sha256(payload),
            "%s: the upload is as it was" % label)
    t.is_eq(sorted(os.listdir(incoming)), ["earlier.bin", "report.bin"], "%s: nothing else was made" % label)
    earlier = os.stat(os.path.join(incoming, "earlier.bin"))
    t.is_eq(earlier.st_uid, run.pw_uid, "%s: an existing file keeps its owner" % label)


def test_virtual(ids):
    srv, anon = anonymous_server({})
    with srv:
        upload_and_check(srv, anon, ids, "virtual users")
        test_helper_gone(srv, anon)
        mark = srv.mark()
        with ftp(srv, PLAIN) as f:
            m = srv.wait_log(r"^ftpsd\[(\d+)\]: login of plain", 5, mark)
            pid = int(m.group(1)) if m else 0
            t.ok(ft.wait_until(lambda: live_children(pid) == [], 5),
                 "a login that is not anonymous: the owner helper ends", "children %r" % live_children(pid))
            f.voidcmd("NOOP")


def test_system(ids):
    srv, anon = anonymous_server({"FTPSD_SYSTEM_USERS": "1"})
    with srv:
        check_prelogin(srv, "system accounts")
        upload_and_check(srv, anon, ids, "system accounts (privilege separation)")


# Without /proc, ftpsd cannot name an O_TMPFILE file later and writes
# uploads under a hidden name from the start (fs.c): the helper must refuse
# such a file, which has a name (link count 1).
NO_PROC = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
           'mount -t tmpfs none /proc && exec "$@"', "sh"]


def test_named_file_refused():
    if not ft.have_tool("unshare"):
        t.skip("a named temporary is refused", "unshare is not installed")
        return
    if ft.sanitizer_build():
        t.skip("a named temporary is refused",
               "the sanitizers' runtime needs /proc, which this case hides (run by the plain build)")
        return
    srv, anon = anonymous_server({})
    srv.wrapper = NO_PROC
    with srv:
        mark = srv.mark()
        with ftp(srv, ANON) as f:
            code = ftp_error(f.storbinary, "STOR incoming/named.bin", io.BytesIO(b"named\n" * 1000))
            t.is_eq(code, 451, "a temporary with a name (no O_TMPFILE): the upload gets 451")
        incoming = os.path.join(anon, "incoming")
        t.is_eq(sorted(os.listdir(incoming)), ["earlier.bin"],
                "the helper refused it: nothing of the upload stays")
        t.ok(srv.wait_log(r"upload /incoming/named\.bin not kept: the owner helper refused the "
                          r"temporary file: it has a name", 5, mark), "and the log says why")
        st = os.stat(os.path.join(incoming, "earlier.bin"))
        t.is_eq(st.st_uid, ft.run_user().pw_uid, "the existing file keeps its owner")


def check_env(extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FTPSD_ANONYMOUS": "1",
           "FTPSD_ANONYMOUS_ROOT": "/", "FTPSD_ANONYMOUS_UPLOAD": "/incoming",
           "FTPSD_ROOT": "/", "FTPSD_RUN_USER": ft.RUN_USER}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run_check(env, as_user=None, wrapper=()):
    kw = {}
    if as_user is not None:
        kw["preexec_fn"] = lambda: (os.setgroups([]), os.setgid(as_user.pw_gid), os.setuid(as_user.pw_uid))
    p = subprocess.run(list(wrapper) + [ft.FTPSD_BIN, "--check"], env=env, capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL, **kw)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def test_config():
    rc, err = run_check(check_env({"FTPSD_ANONYMOUS_UPLOAD_OWNER": "%s:%s" % (OWNER, GROUP)}))
    t.ok(rc == 0 and "OWNER" not in err, "--check: a good owner passes", err)
    for value, extra, message in (
            ("nosuchuser%d" % os.getpid(), {}, "FTPSD_ANONYMOUS_UPLOAD_OWNER=nosuchuser%d: no such user"
             % os.getpid()),
            ("%s:nosuchgroup" % OWNER, {}, "FTPSD_ANONYMOUS_UPLOAD_OWNER=%s:nosuchgroup: no such group"
             % OWNER),
            ("root", {}, "FTPSD_ANONYMOUS_UPLOAD_OWNER=root: root has uid 0"),
            ("a:b:c", {}, "FTPSD_ANONYMOUS_UPLOAD_OWNER=a:b:c: expected USER or USER:GROUP"),
            ("-x", {}, "FTPSD_ANONYMOUS_UPLOAD_OWNER=-x: expected USER or USER:GROUP"),
            (OWNER, {"FTPSD_ANONYMOUS_UPLOAD": None},
             "FTPSD_ANONYMOUS_UPLOAD_OWNER needs FTPSD_ANONYMOUS_UPLOAD")):
        rc, err = run_check(check_env(dict(extra, FTPSD_ANONYMOUS_UPLOAD_OWNER=value)))
        t.ok(rc == 1 and message in err, "--check: %s" % message, err)
    run = ft.run_user()
    rc, err = run_check(check_env({"FTPSD_ANONYMOUS_UPLOAD_OWNER": OWNER, "FTPSD_RUN_USER": None}), run)
    message = "FTPSD_ANONYMOUS_UPLOAD_OWNER=%s needs ftpsd to start as root" % OWNER
    t.ok(rc == 1 and message in err, "--check, not root: %s" % message, err)
    rc, err = run_check(check_env({"FTPSD_ANONYMOUS_UPLOAD_OWNER": OWNER}),
                        wrapper=["setpriv", "--bounding-set", "-chown", "--"])
    message = "FTPSD_ANONYMOUS_UPLOAD_OWNER=%s needs CAP_CHOWN" % OWNER
    t.ok(rc == 1 and message in err, "--check, root without CAP_CHOWN: %s" % message, err)


# The shipped unit's CapabilityBoundingSet= with CAP_CHOWN added (as the
# manual says): no CAP_SETPCAP, so the helper cannot empty its bounding
# set itself and keeps the one it was given.
UNIT_CAPS = ["setpriv", "--bounding-set", "-all,+chown,+setuid,+setgid,+sys_chroot,+dac_read_search", "--"]


def test_unit_bounding_set(ids):
    srv, anon = anonymous_server({})
    srv.wrapper = UNIT_CAPS
    with srv:
        payload = ft.random_bytes(50000, 78)
        with ftp(srv, ANON) as f:
            f.storbinary("STOR incoming/unit.bin", io.BytesIO(payload))
        path = os.path.join(anon, "incoming", "unit.bin")
        st = os.stat(path)
        t.ok((st.st_uid, st.st_gid) == ids and sha256(read_file(path)) == sha256(payload),
             "the unit's bounding set plus CAP_CHOWN: the upload is the owner's, byte-exact")


def test_session_refuses():
    srv, _ = anonymous_server({"FTPSD_ANONYMOUS_UPLOAD_OWNER": "nosuchuser%d" % os.getpid()})
    with srv:
        c = srv.connect()
        try:
            t.code(c.greeting, 421, "a session with an unknown owner answers 421")
        finally:
            c.close()
        t.ok(srv.wait_log(r"configuration: FTPSD_ANONYMOUS_UPLOAD_OWNER=nosuchuser\d+: no such user", 5),
             "and logs why")


def main():
    if os.geteuid() != 0:
        t.skip("FTPSD_ANONYMOUS_UPLOAD_OWNER", "needs root (giving a file away takes CAP_CHOWN)")
        t.done()
        return
    ft.run_user()
    ids = make_owner()
    t.case("anonymous uploads owned as configured, virtual users", test_virtual, ids)
    t.case("anonymous uploads owned as configured, system accounts", test_system, ids)
    t.case("a temporary file with a name is refused", test_named_file_refused)
    t.case("under the unit's bounding set", test_unit_bounding_set, ids)
    t.case("configuration errors", test_config)
    t.case("a session under a bad owner", test_session_refuses)
    t.case("sanitizers", ft.check_sanitizer_reports, t)
    t.done()


if __name__ == "__main__":
    main()
