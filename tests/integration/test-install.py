#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""make install as the documentation says: every file where the configure
options put it, with the configured paths written into the units, the
example environment file and the man pages; the sysusers.d and tmpfiles.d
entries accepted by systemd-sysusers and systemd-tmpfiles in a scratch
root; and a binary built with the usual hardening (checked with readelf
and objdump), which configure --disable-hardening turns off."""

import os
import platform
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
BUILDDIR = os.environ.get("FTPSD_BUILDDIR")


def install_paths():
    p = subprocess.run(["make", "-s", "--no-print-directory", "-C", BUILDDIR, "print-install-paths"],
                       capture_output=True, text=True, timeout=120)
    return dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)


class Installed:
    """make install DESTDIR=a scratch directory, removed by close()."""

    def __init__(self):
        self.dest = tempfile.mkdtemp(prefix="ftpsd-destdir-")
        self.proc = subprocess.run(["make", "-C", BUILDDIR, "install", "DESTDIR=" + self.dest],
                                   capture_output=True, text=True, timeout=300)

    def path(self, absolute):
        return os.path.join(self.dest, absolute.lstrip("/"))

    def text(self, absolute):
        with open(self.path(absolute), encoding="utf-8", errors="replace") as f:
            return f.read()

    def close(self):
        shutil.rmtree(self.dest, ignore_errors=True)


def test_layout(inst, paths):
    t.is_eq(inst.proc.returncode, 0, "make install DESTDIR=... succeeds")
    if inst.proc.returncode != 0:
        t.diag(inst.proc.stdout[-1500:] + inst.proc.stderr[-1500:])
        return
    sbin = paths["sbindir"] + "/ftpsd"
    envfile = paths["sysconfdir"] + "/default/ftpsd"
    t.ok(os.access(inst.path(sbin), os.X_OK), "the binary is %s" % sbin)
    units = paths["systemdsystemunitdir"]
    for name in ("ftpsd.socket", "ftpsd-implicit.socket", "ftpsd@.service", "ftpsd-implicit@.service"):
        t.ok(os.path.isfile(inst.path(units + "/" + name)), "%s is in %s" % (name, units))
    for name in ("ftpsd@.service", "ftpsd-implicit@.service"):
        text = inst.text(units + "/" + name)
        t.like(text, r"(?m)^ExecStart=(/usr/bin/env FTPSD_TLS_IMPLICIT=1 )?%s$" % re.escape(sbin),
               "%s: ExecStart names the installed binary %s" % (name, sbin))
        t.like(text, r"(?m)^EnvironmentFile=-%s$" % re.escape(envfile),
               "%s: EnvironmentFile is %s" % (name, envfile))
        t.unlike(text, r"@[A-Z]+@", "%s: no placeholder left" % name)
    examples = paths["examplesdir"]
    for name in ("ftpsd.env", "ftpsd.fail2ban", "ftpsd.xinetd", "ftpsd.inetd"):
        t.ok(os.path.isfile(inst.path(examples + "/" + name)), "%s is in %s" % (name, examples))
    env = inst.text(examples + "/ftpsd.env")
    t.ok("exec %s --check" % sbin in env and envfile in env,
         "the example environment file names %s and %s" % (sbin, envfile))
    if sbin != "/usr/sbin/ftpsd":
        t.ok("/usr/sbin/ftpsd" not in env, "and not /usr/sbin/ftpsd, where nothing was installed")
    t.like(inst.text(examples + "/ftpsd.xinetd"), r"server\s*=\s*%s\b" % re.escape(sbin),
           "the xinetd example runs %s" % sbin)
    man8 = inst.text(paths["mandir"] + "/man8/ftpsd.8")
    t.ok(sbin.replace("-", "\\-") in man8 or sbin in man8, "ftpsd(8) names %s" % sbin)
    if sbin != "/usr/sbin/ftpsd":
        t.ok("/usr/sbin/ftpsd" not in man8, "ftpsd(8) does not name /usr/sbin/ftpsd")
    for page in ("man5/ftpsd.env.5", "man5/ftpsd-users.5"):
        t.ok(os.path.isfile(inst.path(paths["mandir"] + "/" + page)), "%s installed" % page)


def test_sysusers_tmpfiles(inst, paths):
    sysusers = inst.path(paths["sysusersdir"] + "/ftpsd.conf")
    tmpfiles = inst.path(paths["tmpfilesdir"] + "/ftpsd.conf")
    t.ok(os.path.isfile(sysusers), "sysusers.d/ftpsd.conf installed in %s" % paths["sysusersdir"])
    t.ok(os.path.isfile(tmpfiles), "tmpfiles.d/ftpsd.conf installed in %s" % paths["tmpfilesdir"])
    searched = ("/usr/lib/", "/usr/local/lib/", "/lib/", "/etc/")
    if not all(d.startswith(searched) for d in (paths["sysusersdir"], paths["tmpfilesdir"])):
        ts.skip(t, "sysusers.d/tmpfiles.d outside systemd's search path (%s, %s)"
                % (paths["sysusersdir"], paths["tmpfilesdir"]))
        return
    if os.geteuid() != 0:
        ts.skip(t, "systemd-tmpfiles --create gives /srv/ftp to the ftpsd account: needs root")
        return
    for tool in ("systemd-sysusers", "systemd-tmpfiles"):
        if not shutil.which(tool):
            ts.skip(t, "%s is not installed" % tool)
            return
    os.makedirs(inst.path("/etc"), exist_ok=True)
    p = subprocess.run(["systemd-sysusers", "--root=" + inst.dest], capture_output=True, text=True,
                       timeout=60)
    t.is_eq(p.returncode, 0, "systemd-sysusers --root=DESTDIR accepts the entry")
    passwd = inst.text("/etc/passwd") if os.path.exists(inst.path("/etc/passwd")) else ""
    m = re.search(r"(?m)^ftpsd:x:(\d+):(\d+):[^:]*:[^:]*:(\S+)$", passwd)
    t.ok(m, "it creates the ftpsd account in DESTDIR/etc/passwd", passwd + p.stderr)
    if m:
        t.ok(m.group(3).endswith("nologin"), "with no login shell")
    p = subprocess.run(["systemd-tmpfiles", "--root=" + inst.dest, "--create"], capture_output=True,
                       text=True, timeout=60)
    t.is_eq(p.returncode, 0, "systemd-tmpfiles --root=DESTDIR --create accepts the entry")
    srv = inst.path("/srv/ftp")
    t.ok(os.path.isdir(srv), "it creates the default served directory /srv/ftp", p.stderr)
    if m and os.path.isdir(srv):
        st = os.stat(srv)
        t.is_eq((st.st_uid, st.st_gid, oct(st.st_mode & 0o7777)),
                (int(m.group(1)), int(m.group(2)), "0o755"), "/srv/ftp: the ftpsd account's, mode 0755")


def readelf(args, binary):
    return subprocess.run(["readelf", "-W"] + args + [binary], capture_output=True, text=True,
                          timeout=60).stdout


def test_hardening(inst, paths):
    if not shutil.which("readelf") or not shutil.which("objdump"):
        ts.skip(t, "readelf and objdump (binutils) are needed")
        return
    binary = inst.path(paths["sbindir"] + "/ftpsd")
    if not os.path.isfile(binary):
        t.ok(False, "hardening: the installed binary is missing")
        return
    t.like(readelf(["-h"], binary), r"Type:\s+DYN", "the binary is position-independent (PIE)")
    dyn = readelf(["-d"], binary)
    t.like(dyn, r"\(FLAGS\)\s+BIND_NOW|FLAGS_1\).*\bNOW\b", "full RELRO: bound at load time (-z now)")
    t.like(readelf(["-l"], binary), r"GNU_RELRO", "a GNU_RELRO segment (-z relro)")
    syms = readelf(["--dyn-syms"], binary)
    t.like(syms, r"__stack_chk_fail", "stack protector: __stack_chk_fail is used")
    t.like(syms, r"__\w+_chk@", "_FORTIFY_SOURCE: checked variants of libc functions are used")
    if platform.machine() in ("x86_64", "i686"):
        asm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", binary], capture_output=True,
                             text=True, timeout=120).stdout
        t.ok(asm.count("endbr64") + asm.count("endbr32") > 50,
             "CET (-fcf-protection): functions begin with endbr (%d)"
             % (asm.count("endbr64") + asm.count("endbr32")))
        t.ok(re.search(r"or[ql]?\s+\$0x0,\(%[re]sp\)", asm),
             "-fstack-clash-protection: large stack frames are probed page by page")
    else:
        ts.skip(t, "CET and the stack-clash probe check are for x86 only")


def test_disable_hardening(paths):
    """configure --disable-hardening leaves every hardening flag out."""
    t.like(paths.get("HARDEN_CFLAGS", ""), r"-fstack-protector-strong",
           "by default the build adds -fstack-protector-strong")
    tmp = tempfile.mkdtemp(prefix="ftpsd-nohard-")
    try:
        p = subprocess.run([os.path.join(paths["srcdir"], "configure"), "-q", "--disable-hardening",
                            "CC=" + paths.get("CC", "cc")], cwd=tmp, capture_output=True,
                           text=True, timeout=300)
        t.is_eq(p.returncode, 0, "configure --disable-hardening succeeds")
        with open(os.path.join(tmp, "Makefile")) as f:
            mk = f.read()
        for var in ("HARDEN_CFLAGS", "HARDEN_CPPFLAGS", "HARDEN_LDFLAGS"):
            m = re.search(r"(?m)^%s =(.*)$" % var, mk)
            t.ok(m and not m.group(1).strip(), "--disable-hardening: %s is empty" % var,
                 m and m.group(0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_release_files(paths):
    """make dist carries the licence, NEWS and every new unit file."""
    tmp = tempfile.mkdtemp(prefix="ftpsd-distdir-")
    distdir = os.path.join(tmp, "ftpsd")
    try:
        p = subprocess.run(["make", "-s", "-C", BUILDDIR, "distdir", "distdir=" + distdir],
                           capture_output=True, text=True, timeout=300)
        t.is_eq(p.returncode, 0, "make distdir succeeds")
        for name in ("COPYING", "NEWS", "README", "units/ftpsd.sysusers", "units/ftpsd.tmpfiles",
                     "units/ftpsd.env", "man/ftpsd.8"):
            t.ok(os.path.isfile(os.path.join(distdir, name)), "the tarball has %s" % name)
        copying = ft.read_file(os.path.join(distdir, "COPYING")).decode()
        t.ok("Copyright (c)" in copying and "the ftpsd authors" in copying and
             "Permission to use, copy, modify, and/or distribute" in copying,
             "COPYING is the ISC licence of the ftpsd authors")
        t.like(ft.read_file(os.path.join(distdir, "NEWS")).decode(), r"(?m)^0\.1\.0\b",
               "NEWS has the 0.1.0 entry")
        # Every source file of the tarball says its licence in its first lines.
        lacking = []
        for dirpath, _, names in os.walk(distdir):
            for n in names:
                rel = os.path.relpath(os.path.join(dirpath, n), distdir)
                if rel.endswith((".c", ".h", ".py", ".sh", ".am", ".ac", ".in", ".java", ".js")) \
                        or rel.startswith(("man/", "units/")):
                    if rel in ("configure", "Makefile.in") or rel.startswith("build-aux/"):
                        continue
                    with open(os.path.join(dirpath, n), "rb") as f:
                        if b"SPDX-License-Identifier: ISC" not in f.read(400):
                            lacking.append(rel)
        t.is_eq(sorted(lacking), [], "every source file of the tarball has an SPDX identifier")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_documentation(paths):
    """README points only at files of the repository; the demo installs
    only what building and running need; ftpsd(8) has the Let's Encrypt
    and firewall sections, and one passive range in every example."""
    src = paths["srcdir"]
    readme = ft.read_file(os.path.join(src, "README")).decode()
    missing = []
    for ref in sorted(set(re.findall(r"(?<![\w/.])((?:src|tests|units|man|bench|\.ci)/[\w./-]*\w)",
                                     readme))):
        if not os.path.exists(os.path.join(src, ref)):
            missing.append(ref)
    for name in sorted(set(re.findall(r"\b([\w-]+\.(?:md|txt|rst))\b", readme))):
        if not os.path.exists(os.path.join(src, name)):
            missing.append(name)
    for name in sorted(set(re.findall(r"\b([\w-]+\.[ch])\b", readme))):
        if name != "buf.c" and not os.path.exists(os.path.join(src, "src", name)):
            missing.append(name)
    t.ok(not missing, "README names no file that is not in the repository", repr(missing))
    t.ok(os.path.isfile(os.path.join(src, "COPYING")) and "COPYING" in readme,
         "README points at COPYING, which exists")
    demo = ft.read_file(os.path.join(src, "tests", "demo.sh")).decode()
    t.like(demo, r"(?m)^sh tests/deps\.sh build$", "the demo installs the build set only")
    p = subprocess.run(["sh", "-c", '. "$1"; echo "$build"', "sh", "/dev/stdin"], capture_output=True,
                       text=True, timeout=30, input=ft.read_file(os.path.join(src, "tests", "deps.sh"))
                       .decode().split("\ncase ")[0])
    build = p.stdout.split()
    t.ok(build and not set(build) & {"clang", "sslscan", "testssl.sh", "fail2ban", "curl", "lftp",
                                     "gnutls-bin", "binutils", "python3"},
         "tests/deps.sh build has no test-only package", repr(build))
    man8 = ft.read_file(os.path.join(src, "man", "ftpsd.8")).decode()
    t.like(man8, r"(?m)^\.SS Let's Encrypt certificates$", "ftpsd(8) has a Let's Encrypt section")
    t.like(man8, r"fullchain\.pem", "which names fullchain.pem")
    t.like(man8, r"(?m)^\.SS A firewall$", "ftpsd(8) has a firewall section")
    t.like(man8, r"tcp dport \{ 21, 990 \}", "with an nftables rule for ports 21 and 990")
    ranges = set()
    for rel in ("man/ftpsd.8", "man/ftpsd.env.5", "units/ftpsd.env", "README"):
        text = ft.read_file(os.path.join(src, rel)).decode()
        for pattern in (r"PASV_PORTS=(\d+)\\?-(\d+)", r"Example: (\d{4,5})-(\d{4,5})",
                        r"dport (\d+)\\?-(\d+)"):
            ranges |= set(re.findall(pattern, text))
    # The cluster examples split that one range between two hosts.
    t.ok(("50000", "50099") in ranges and
         all(50000 <= int(lo) <= int(hi) <= 50099 for lo, hi in ranges),
         "one passive range in every example (man pages, env file, README, nftables)",
         sorted(ranges))


def main():
    if not BUILDDIR:
        t.ok(False, "FTPSD_BUILDDIR is needed (run from make check)")
        t.done()
    paths = install_paths()
    if "sbindir" not in paths:
        t.ok(False, "make print-install-paths", repr(paths))
        t.done()
    inst = Installed()
    try:
        t.case("layout", test_layout, inst, paths)
        t.case("sysusers.d and tmpfiles.d", test_sysusers_tmpfiles, inst, paths)
        t.case("hardening", test_hardening, inst, paths)
    finally:
        inst.close()
    t.case("--disable-hardening", test_disable_hardening, paths)
    t.case("release files", test_release_files, paths)
    t.case("documentation", test_documentation, paths)
    t.done()


main()
