#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: several hosts behind HAProxy (issue 19).

A small cluster in network namespaces joined by veth pairs:

    client 192.0.2.10 --- 192.0.2.1  balancer (HAProxy, TCP mode)
                          198.51.100.1  --- 198.51.100.2   host 1 (ftpsd :21, :990)
                          198.51.100.17 --- 198.51.100.18  host 2 (ftpsd :21, :990)

HAProxy forwards 21 and 990 round robin with send-proxy-v2 and health
checks (check-send-proxy: LOCAL headers), and each host's passive range
(50000-50049 to host 1, 50050-50099 to host 2) to that host, with
send-proxy-v2 too. Both hosts serve one directory, bind-mounted into each
host's own root path as NFS would be. The client reaches the balancer's
address only (no namespace routes anywhere else): curl, lftp and python
ftplib over explicit and implicit TLS with PROT P and session reuse;
sessions spread over both hosts; a file uploaded through one host comes
back through the other; the hosts' logs name the client, fail2ban's
filter finds it; one host stopped mid-upload leaves no partial file and
new sessions go to the other.

Root only (network namespaces, a bind mount); SKIP with the reason
otherwise. Every namespace, mount and process is removed at the end, also
on failure. Addresses are TEST-NETs, used only inside these namespaces.
"""

import io
import ftplib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402

CLIENT_IP = "192.0.2.10"
FRONT_IP = "192.0.2.1"
HOSTS = {
    "h1": {"ip": "198.51.100.2", "lb": "198.51.100.1", "pasv": (50000, 50049)},
    "h2": {"ip": "198.51.100.18", "lb": "198.51.100.17", "pasv": (50050, 50099)},
}
PREFIX = 28
ALICE = ft.ALICE
CTL_TIMEOUT = 20


# ------------------------------------------------------------ client mode
# The test runs itself inside the client namespace for the ftplib parts:
#   test-cluster.py --client JSON   prints one JSON result line.

class SlowFile(io.RawIOBase):
    """An upload source that says "started" after a first part, then
    trickles until the session is cut (bounded: 60 s)."""

    def __init__(self, first):
        self.first = first
        self.sent = 0
        self.deadline = None

    def readable(self):
        return True

    def read(self, n=-1):
        if self.sent < self.first:
            chunk = b"x" * min(65536, self.first - self.sent)
        else:
            if self.deadline is None:
                print("started", flush=True)
                self.deadline = time.monotonic() + 60
            if time.monotonic() > self.deadline:
                return b""
            time.sleep(0.05)
            chunk = b"y" * 1024
        self.sent += len(chunk)
        return chunk


def client_main(spec):
    import tls_support as ts
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(spec["ca"])
    cls = ts.ImplicitFTP_TLS if spec["implicit"] else ts.ReusingFTP_TLS
    f = cls(ctx, timeout=CTL_TIMEOUT)
    out = {"ok": False}
    try:
        f.connect(FRONT_IP, 990 if spec["implicit"] else 21)
        if spec.get("fail"):
            for _ in range(spec["fail"]):
                try:
                    f.login(spec["user"], "wrong-password")
                except ftplib.error_perm as e:
                    out.setdefault("codes", []).append(str(e)[:3])
            out["ok"] = True
            return out
        f.login(spec["user"], spec["password"])
        if not spec["implicit"]:
            f.prot_p()
        if spec.get("slow"):
            f.storbinary("STOR " + spec["slow"], SlowFile(2 << 20))
            return out
        if spec.get("put"):
            with open(spec["put"][0], "rb") as src:
                f.storbinary("STOR " + spec["put"][1], src)
        if spec.get("get"):
            buf = []
            f.retrbinary("RETR " + spec["get"], buf.append)
            out["get_sha"] = ft.sha256(b"".join(buf))
        out["list"] = f.nlst()
        out["resumed"] = f.data_resumed
        f.quit()
        out["ok"] = True
    except Exception as e:  # noqa: BLE001 - reported to the parent
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        try:
            f.close()
        except Exception:  # noqa: BLE001
            pass
    return out


if len(sys.argv) == 3 and sys.argv[1] == "--client":
    print(json.dumps(client_main(json.loads(sys.argv[2]))), flush=True)
    sys.exit(0)


# ------------------------------------------------------------ the cluster

t = ft.TAP()
ft.install_watchdog(330)   # a backstop; main() sets its own alarm
SRCDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def sh(*args, check=True, timeout=30):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), p.stderr.strip()[-500:]))
    return p


class Cluster:
    def __init__(self):
        tag = os.getpid()
        self.ns = {"client": "ftpsd-cl-%d" % tag, "lb": "ftpsd-lb-%d" % tag,
                   "h1": "ftpsd-h1-%d" % tag, "h2": "ftpsd-h2-%d" % tag}
        self.dir = tempfile.mkdtemp(prefix="ftpsd-cluster-")
        os.chmod(self.dir, 0o755)
        self.shared = os.path.join(self.dir, "shared")
        self.roots = {h: os.path.join(self.dir, h + "-root") for h in HOSTS}
        self.mounted = []
        self.made_ns = []
        self.procs = {}      # name -> Popen (own process group)
        self.logs = {h: os.path.join(self.dir, h + ".log") for h in HOSTS}

    # -- set-up

    def netns(self):
        for name in self.ns.values():
            sh("ip", "netns", "add", name)
            self.made_ns.append(name)
            sh("ip", "-n", name, "link", "set", "lo", "up")
        cl, lb = self.ns["client"], self.ns["lb"]
        sh("ip", "-n", cl, "link", "add", "eth0", "type", "veth", "peer", "name", "front",
           "netns", lb)
        sh("ip", "-n", cl, "addr", "add", "%s/24" % CLIENT_IP, "dev", "eth0")
        sh("ip", "-n", lb, "addr", "add", "%s/24" % FRONT_IP, "dev", "front")
        sh("ip", "-n", cl, "link", "set", "eth0", "up")
        sh("ip", "-n", lb, "link", "set", "front", "up")
        for h, conf in HOSTS.items():
            ns = self.ns[h]
            sh("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", h,
               "netns", lb)
            sh("ip", "-n", ns, "addr", "add", "%s/%d" % (conf["ip"], PREFIX), "dev", "eth0")
            sh("ip", "-n", lb, "addr", "add", "%s/%d" % (conf["lb"], PREFIX), "dev", h)
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", lb, "link", "set", h, "up")

    def storage(self):
        os.mkdir(self.shared)
        ft.own(self.shared)
        for h, root in self.roots.items():
            os.mkdir(root)
            sh("mount", "--bind", self.shared, root)
            self.mounted.append(root)

    def certificate(self):
        import tls_support as ts
        c = ts.certs()
        self.ca = c.server_ca
        self.cert, self.key = c._leaf("cluster", FRONT_IP, "server-ca", [
            "subjectAltName=IP:%s" % FRONT_IP, "extendedKeyUsage=serverAuth",
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment"])
        users = os.path.join(self.dir, "users")
        with open(users, "w") as f:
            f.write(ALICE.line() + "\n")
        self.users = users

    def spawn(self, name, ns, args, log):
        logf = open(log, "ab")
        try:
            self.procs[name] = subprocess.Popen(["ip", "netns", "exec", ns] + args,
                                                stdin=subprocess.DEVNULL, stdout=logf,
                                                stderr=logf, start_new_session=True)
        finally:
            logf.close()

    def host_env(self, h, implicit):
        lo, hi = HOSTS[h]["pasv"]
        env = {"FTPSD_ROOT": self.roots[h], "FTPSD_USERS": self.users, "FTPSD_LOG": "stderr",
               "FTPSD_TLS_CERT": self.cert, "FTPSD_TLS_KEY": self.key,
               "FTPSD_PROXY_PROTOCOL": "1",
               "FTPSD_PROXY_FROM": ",".join(c["lb"] for c in HOSTS.values()),
               "FTPSD_PASV_ADDRESS": FRONT_IP, "FTPSD_PASV_PORTS": "%d-%d" % (lo, hi),
               "FTPSD_MAX_LOGIN_FAILURES": "3", "FTPSD_LOGIN_TIMEOUT": "20"}
        if ft.run_user() is not None:
            env["FTPSD_RUN_USER"] = ft.RUN_USER
        if implicit:
            env["FTPSD_TLS_IMPLICIT"] = "1"
        return env

    def start_host(self, h):
        for port, implicit in ((21, False), (990, True)):
            args = ["systemd-socket-activate", "--inetd", "-a", "-l",
                    "%s:%d" % (HOSTS[h]["ip"], port)]
            for k, v in sorted(self.host_env(h, implicit).items()):
                args += ["-E", "%s=%s" % (k, v)]
            self.spawn("%s-%d" % (h, port), self.ns[h], args + [ft.FTPSD_BIN], self.logs[h])
        if not ft.wait_until(lambda: open(self.logs[h]).read().count("Listening on") >= 2, 15):
            raise RuntimeError("%s did not start: %s" % (h, open(self.logs[h]).read()[-800:]))

    def haproxy_config(self):
        """The configuration shown in README and ftpsd(8), "Running several hosts"."""
        lines = [
            "global",
            "    maxconn 400",
            "    stats socket %s mode 600" % self.stats_sock,
            "defaults",
            "    mode tcp",
            "    timeout connect 5s",
            "    timeout client 10m",
            "    timeout server 10m",
            "frontend ftp",
            "    bind %s:21" % FRONT_IP,
            "    default_backend ftp",
            "frontend ftps",
            "    bind %s:990" % FRONT_IP,
            "    default_backend ftps",
        ]
        # Port 21 is health-checked; 990 follows its verdict (track), so
        # that checks start one process per host and interval, not two.
        lines += ["backend ftp", "    balance roundrobin"]
        for h, c in HOSTS.items():
            lines.append("    server %s %s:21 send-proxy-v2 check check-send-proxy "
                         "inter 2s fall 2 rise 1 maxconn 100" % (h, c["ip"]))
        lines += ["backend ftps", "    balance roundrobin"]
        for h, c in HOSTS.items():
            lines.append("    server %s %s:990 send-proxy-v2 track ftp/%s maxconn 100"
                         % (h, c["ip"], h))
        for h, c in HOSTS.items():
            lo, hi = c["pasv"]
            lines += ["frontend pasv-%s" % h, "    bind %s:%d-%d" % (FRONT_IP, lo, hi),
                      "    default_backend pasv-%s" % h, "backend pasv-%s" % h,
                      "    server %s %s send-proxy-v2" % (h, c["ip"])]
        return "\n".join(lines) + "\n"

    def start_balancer(self):
        self.stats_sock = os.path.join(self.dir, "haproxy.sock")
        cfg = os.path.join(self.dir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(self.haproxy_config())
        sh("haproxy", "-c", "-f", cfg)
        self.spawn("haproxy", self.ns["lb"], ["haproxy", "-db", "-f", cfg],
                   os.path.join(self.dir, "haproxy.log"))
        if not ft.wait_until(lambda: self.servers_up() == {"h1", "h2"}, 20):
            raise RuntimeError("HAProxy does not see both hosts up: %r %s" % (
                self.servers_up(), open(os.path.join(self.dir, "haproxy.log")).read()[-800:]))

    def servers_up(self, backend="ftp"):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(self.stats_sock)
            s.sendall(b"show stat\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
        except OSError:
            return set()
        up = set()
        for line in data.decode().splitlines():
            f = line.split(",")
            if len(f) > 17 and f[0] == backend and f[1] in HOSTS and f[17].startswith("UP"):
                up.add(f[1])
        return up

    def start(self):
        self.netns()
        self.storage()
        self.certificate()
        for h in HOSTS:
            self.start_host(h)
        self.start_balancer()

    # -- use

    def log(self, h):
        try:
            with open(self.logs[h], errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def marks(self):
        return {h: len(self.log(h)) for h in HOSTS}

    def since(self, marks):
        return {h: self.log(h)[marks[h]:] for h in HOSTS}

    def in_client(self, args, timeout=90, env=None):
        return ft.run_tool(["ip", "netns", "exec", self.ns["client"]] + list(args),
                           timeout=timeout, env=env)

    def ftplib(self, timeout=90, **spec):
        spec.setdefault("implicit", False)
        spec.setdefault("user", ALICE.name)
        spec.setdefault("password", ALICE.password)
        spec["ca"] = self.ca
        rc, out, err = self.in_client([sys.executable, os.path.abspath(__file__), "--client",
                                       json.dumps(spec)], timeout=timeout)
        try:
            return json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"ok": False, "error": "rc %d: %s %s" % (rc, out[-300:], err[-500:])}

    def stop_host(self, h):
        for port in (21, 990):
            p = self.procs.pop("%s-%d" % (h, port), None)
            if p:
                kill_group(p)

    # -- tear-down

    def close(self):
        for name in list(self.procs):
            kill_group(self.procs.pop(name))
        for root in self.mounted:
            sh("umount", root, check=False)
        for name in self.made_ns:
            sh("ip", "netns", "del", name, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def kill_group(p):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            return
        try:
            p.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


def sessions(text):
    return len(re.findall(r"^ftpsd\[\d+\]: session start from ", text, re.M))


# ------------------------------------------------------------ the tests

def test_clients(cl, work):
    data = ft.random_bytes(1500000, 190)
    src = os.path.join(work, "src.bin")
    ft.write_file(src, data)
    sha = ft.sha256(data)
    marks = cl.marks()

    # python ftplib, explicit and implicit, a few sessions each.
    for i in range(4):
        implicit = i % 2 == 1
        name = "ftplib-%d.bin" % i
        r = cl.ftplib(implicit=implicit, put=[src, name], get=name)
        label = "ftplib %s session %d" % ("implicit" if implicit else "explicit", i)
        t.ok(r.get("ok"), "%s: login, STOR, RETR, NLST through the balancer" % label, r.get("error"))
        t.is_eq(r.get("get_sha"), sha, "%s: download byte-exact" % label)
        t.ok(r.get("resumed") and all(r["resumed"]), "%s: every PROT P data connection resumed "
             "the control session" % label, r.get("resumed"))
        t.ok(name in (r.get("list") or []), "%s: the upload is listed" % label)
        t.ok(os.path.exists(os.path.join(cl.shared, name)) and
             ft.sha256_file(os.path.join(cl.shared, name)) == sha,
             "%s: the upload is byte-exact in the shared directory" % label)

    # curl, explicit (--ssl-reqd) and implicit (ftps://).
    base = ["curl", "-sS", "--cacert", cl.ca, "--connect-timeout", "10", "--max-time", "60",
            "--user", "%s:%s" % (ALICE.name, ALICE.password)]
    for scheme, extra in (("ftp", ["--ssl-reqd"]), ("ftps", [])):
        url = "%s://%s/" % (scheme, FRONT_IP)
        rc, out, err = cl.in_client(base + extra + ["-T", src, url + "curl-%s.bin" % scheme])
        t.is_eq(rc, 0, "curl %s upload: exit 0" % scheme, )
        dl = os.path.join(work, "curl-%s.bin" % scheme)
        rc, out, err = cl.in_client(base + extra + ["-o", dl, url + "curl-%s.bin" % scheme])
        t.ok(rc == 0 and ft.sha256_file(dl) == sha, "curl %s: upload and download byte-exact"
             % scheme, err)
        rc, out, err = cl.in_client(base + extra + ["--list-only", url])
        t.ok(rc == 0 and "curl-%s.bin" % scheme in out.split(), "curl %s: list" % scheme, err)

    # lftp, explicit and implicit.
    for scheme in ("ftp", "ftps"):
        dl = os.path.join(work, "lftp-%s.bin" % scheme)
        script = os.path.join(work, "lftp-%s.cmd" % scheme)
        with open(script, "w") as f:
            f.write("\n".join([
                "set ftp:ssl-force true", "set ftp:ssl-protect-data true",
                "set ssl:ca-file %s" % cl.ca, "set ssl:verify-certificate yes",
                "set net:max-retries 1", "set net:timeout 15", "set cmd:fail-exit yes",
                "set xfer:clobber on",
                "open -u %s,%s %s://%s" % (ALICE.name, ALICE.password, scheme, FRONT_IP),
                "put %s -o lftp-%s.bin" % (src, scheme),
                "get lftp-%s.bin -o %s" % (scheme, dl), "ls", "bye"]) + "\n")
        home = os.path.join(work, "lftp-home")
        os.makedirs(home, exist_ok=True)
        rc, out, err = cl.in_client(["lftp", "-f", script], env={"HOME": home, "LFTP_HOME": home})
        t.ok(rc == 0 and os.path.exists(dl) and ft.sha256_file(dl) == sha,
             "lftp %s: put, get byte-exact" % scheme, err[-500:])
        t.ok(re.search(r" lftp-%s\.bin$" % scheme, out, re.M), "lftp %s: ls" % scheme, out[-500:])

    logs = cl.since(marks)
    counts = {h: sessions(logs[h]) for h in HOSTS}
    t.ok(all(counts[h] >= 3 for h in HOSTS), "sessions spread over both hosts", counts)
    for h in HOSTS:
        starts = re.findall(r"^ftpsd\[\d+\]: session start from (\S+)$", logs[h], re.M)
        t.ok(starts and set(starts) == {CLIENT_IP}, "%s: every session is from the client's "
             "real address %s" % (h, CLIENT_IP), sorted(set(starts)))
        t.ok(re.search(r"^ftpsd\[\d+\]: alice \[192\.0\.2\.10\] STOR \S+ 226$", logs[h], re.M),
             "%s: transfer records name the client" % h)
        t.ok(not re.search(r"refused data connection|did not resume|PROXY protocol: balancer",
                           logs[h]), "%s: no refused data connection, no refused header" % h)
    return src, sha


def host_of(cl, marks, pattern):
    logs = cl.since(marks)
    return [h for h in HOSTS if re.search(pattern, logs[h], re.M)]


def test_cross_host(cl, src, sha):
    marks = cl.marks()
    r = cl.ftplib(put=[src, "cross.bin"])
    up = host_of(cl, marks, r"STOR cross\.bin 226$")
    t.ok(r.get("ok") and len(up) == 1, "cross.bin uploaded through one host", (r.get("error"), up))
    other = None
    for _ in range(4):    # round robin: the next session or the one after
        marks = cl.marks()
        r = cl.ftplib(implicit=True, get="cross.bin")
        down = host_of(cl, marks, r"RETR cross\.bin 226$")
        if down and up and down[0] != up[0]:
            other = down[0]
            break
    t.ok(other is not None and r.get("get_sha") == sha,
         "a file uploaded through one host is downloaded, byte-exact, through the other",
         (up, other, r.get("error")))


def test_fail2ban(cl, work):
    marks = cl.marks()
    for i in range(4):
        r = cl.ftplib(fail=3, implicit=i % 2 == 1)
        t.ok(r.get("ok") and r.get("codes") == ["530"] * 3, "failed-login burst %d: 530s" % i, r)
    lines = []
    for h, text in cl.since(marks).items():
        lines += re.findall(r"^ftpsd\[\d+\]: failed login .*$", text, re.M)
    t.is_eq(len(lines), 12, "12 failed-login lines across the hosts")
    if not shutil.which("fail2ban-regex"):
        t.skip("fail2ban-regex finds the client", "fail2ban-regex not installed (package fail2ban)")
        return
    f2b = os.path.join(work, "f2b")
    os.mkdir(f2b)
    shutil.copy("/etc/fail2ban/filter.d/common.conf", f2b)
    shutil.copy(os.path.join(SRCDIR, "units", "ftpsd.fail2ban"), os.path.join(f2b, "ftpsd.conf"))
    log = os.path.join(f2b, "syslog")
    with open(log, "w") as f:
        for line in lines:
            f.write("Dec  2 14:00:00 ftphost %s\n" % line)
    p = subprocess.run(["fail2ban-regex", "-o", "ip", log, os.path.join(f2b, "ftpsd.conf")],
                       capture_output=True, text=True, timeout=60)
    t.is_eq(p.stdout.split(), [CLIENT_IP] * 12,
            "fail2ban-regex with units/ftpsd.fail2ban finds the client's address, never the balancer's")


def test_failover(cl, src, sha):
    # A slow upload; the host serving it is stopped in the middle.
    marks = cl.marks()
    spec = {"implicit": False, "user": ALICE.name, "password": ALICE.password, "ca": cl.ca,
            "slow": "partial.bin"}
    p = subprocess.Popen(["ip", "netns", "exec", cl.ns["client"], sys.executable,
                          os.path.abspath(__file__), "--client", json.dumps(spec)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        started = False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line or line.strip() == "started":
                started = bool(line)
                break
        t.ok(started, "a slow upload is under way", p.stderr.read()[-500:] if not started else "")
        victim = host_of(cl, marks, r"login of alice from 192\.0\.2\.10")
        t.is_eq(len(victim), 1, "the upload's host is known from its log")
        victim = victim[0] if victim else "h2"
        survivor = [h for h in HOSTS if h != victim][0]
        cl.stop_host(victim)
        try:
            p.wait(timeout=70)
        except subprocess.TimeoutExpired:
            pass
    finally:
        kill_group(p)
    t.ok(not os.path.exists(os.path.join(cl.shared, "partial.bin")),
         "the upload cut by the host's end left no partial file")
    t.is_eq(ft.upload_temps(cl.shared), [], "and no temporary file")
    t.ok(ft.wait_until(lambda: cl.servers_up() == {survivor}, 30),
         "HAProxy's health checks take %s out" % victim, cl.servers_up())
    marks = cl.marks()
    ok = 0
    for i in range(4):
        r = cl.ftplib(implicit=i % 2 == 1, put=[src, "after-%d.bin" % i], get="after-%d.bin" % i)
        ok += bool(r.get("ok") and r.get("get_sha") == sha)
    t.is_eq(ok, 4, "every new session succeeds after the host is gone")
    t.is_eq(sessions(cl.since(marks)[survivor]), 4, "all of them on %s" % survivor)


CLUSTER_BUDGET = 270   # seconds for the whole cluster part, tear-down excluded


class Overtime(BaseException):
    """Not an Exception: TAP.case() must not swallow it and go on."""


def on_overtime(signum, frame):
    raise Overtime("the cluster test exceeded %d s" % CLUSTER_BUDGET)


def skip_all(reason):
    t.skip("the cluster test", reason)
    t.done()


def main():
    if os.geteuid() != 0:
        return skip_all("needs root (network namespaces, a bind mount)")
    for tool in ("ip", "haproxy", "curl", "lftp", "systemd-socket-activate"):
        if not shutil.which(tool):
            return skip_all("%s is not installed" % tool)
    probe = "ftpsd-probe-%d" % os.getpid()
    p = sh("ip", "netns", "add", probe, check=False)
    if p.returncode != 0:
        return skip_all("cannot create a network namespace: %s" % p.stderr.strip())
    sh("ip", "netns", "del", probe, check=False)

    cl = Cluster()
    work = tempfile.mkdtemp(prefix="ftpsd-cluster-work-")
    # The harness's watchdog would exit without tearing down; this one
    # raises, so that the finally below removes namespaces and mounts.
    signal.signal(signal.SIGALRM, on_overtime)
    signal.alarm(CLUSTER_BUDGET)
    try:
        cl.start()
        t.ok(True, "cluster up: 4 namespaces, HAProxy sees both hosts")
        src, sha = test_clients(cl, work)
        t.case("cross host", test_cross_host, cl, src, sha)
        t.case("fail2ban", test_fail2ban, cl, work)
        t.case("failover", test_failover, cl, src, sha)
        ft.register_log(cl.log("h1") + cl.log("h2"))
    except (Exception, Overtime) as e:  # noqa: BLE001
        t.ok(False, "cluster: %s: %s" % (type(e).__name__, e))
    finally:
        signal.alarm(0)
        cl.close()
        shutil.rmtree(work, ignore_errors=True)
    t.ok(not [n for n in sh("ip", "netns", "list").stdout.split() if n.endswith("-%d" % os.getpid())],
         "every namespace is gone")
    ft.check_sanitizer_reports(t)
    t.done()


if __name__ == "__main__":
    main()
