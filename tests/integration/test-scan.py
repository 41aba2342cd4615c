#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""ftpsd integration tests: the default TLS configuration as scanners see it.

sslscan and testssl.sh, against explicit (AUTH TLS) and implicit FTPS with
the default FTPSD_TLS_PRIORITY: no SSLv2/3, TLS 1.0 or 1.1; no NULL,
export, RC4, 3DES or CBC suites; forward secrecy everywhere; no TLS
compression; no insecure renegotiation. The test certificate is
self-signed and short-lived, so findings about the certificate itself
are not the server's and are left out.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ftpsd_test as ft  # noqa: E402
import tls_support as ts  # noqa: E402

t = ft.TAP()
# A testssl.sh run took 250 s on a loaded 2-core machine (it is slow, not
# the server): each scan gets a generous bound, and the script the sum.
SSLSCAN_TIMEOUT = 300
TESTSSL_TIMEOUT = 900
ft.install_watchdog(max(ft.SCRIPT_TIMEOUT, 2 * (SSLSCAN_TIMEOUT + TESTSSL_TIMEOUT) + 120))

# testssl.sh findings about the certificate or DNS, not the TLS setup; and
# session resumption, which it tests across connections: a ticket of one
# ftpsd process is, by design, good for that process's data connections
# only, so every new connection starts afresh.
NOT_OURS = re.compile(r"^(cert_|DNS_CAArecord|intermediate_cert|sessionresumption_)")
# Findings about the scanner itself, not the server: testssl.sh reports
# what its own OpenSSL lacks (engine_problem: "No engine or GOST support
# via engine with your /usr/bin/openssl", WARN on Debian 12's OpenSSL 3),
# how old it is, and how long the scan took. Any finding whose text
# speaks of "your" openssl is about the scanner too.
SCANNER = re.compile(r"^(engine_problem|old_fart|too_old_openssl|scanTime|pre_128cipher)$")
SCANNER_TEXT = re.compile(r"\byour\b.*\bopenssl\b", re.I)


def server_problems(findings):
    """The findings of MEDIUM severity and above, or WARN, that are about
    the server's TLS setup: not the certificate, not the scanner."""
    return ["%s: %s (%s)" % (f.get("id"), f.get("finding"), f.get("severity")) for f in findings
            if f.get("severity") in ("MEDIUM", "HIGH", "CRITICAL", "WARN")
            and not NOT_OURS.match(f.get("id", "")) and not SCANNER.match(f.get("id", ""))
            and not SCANNER_TEXT.search(f.get("finding", ""))]


def judge_self_test():
    """server_problems on findings of both kinds, whatever is installed."""
    findings = [
        {"id": "engine_problem", "severity": "WARN",
         "finding": "No engine or GOST support via engine with your /usr/bin/openssl"},
        {"id": "old_fart", "severity": "WARN", "finding": "Your OpenSSL is way too old"},
        {"id": "cert_chain_of_trust", "severity": "CRITICAL", "finding": "failed (self signed)."},
        {"id": "TLS1", "severity": "INFO", "finding": "not offered"},
        {"id": "SWEET32", "severity": "LOW", "finding": "not vulnerable, uses 64 bit block ciphers"},
        {"id": "TLS1_1", "severity": "MEDIUM", "finding": "offered (deprecated)"},
        {"id": "secure_client_renego", "severity": "WARN", "finding": "probably vulnerable"},
    ]
    got = server_problems(findings)
    t.is_eq([g.split(":")[0] for g in got], ["TLS1_1", "secure_client_renego"],
            "the judge counts findings about the server only (not engine_problem, old_fart, cert_)")


def sslscan(srv, implicit):
    mode = "implicit" if implicit else "explicit"
    if not shutil.which("sslscan"):
        t.ok(False, "sslscan is installed")
        return
    args = ["sslscan", "--no-colour"] + ([] if implicit else ["--starttls-ftp"])
    p = subprocess.run(args + ["127.0.0.1:%d" % srv.port], capture_output=True, text=True,
                       timeout=SSLSCAN_TIMEOUT)
    out = p.stdout
    for proto in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"):
        t.like(out, r"^%s\s+disabled" % re.escape(proto), "sslscan %s: %s disabled" % (mode, proto), re.M)
    for proto in ("TLSv1.2", "TLSv1.3"):
        t.like(out, r"^%s\s+enabled" % re.escape(proto), "sslscan %s: %s enabled" % (mode, proto), re.M)
    ciphers = re.findall(r"^(?:Preferred|Accepted)\s+(TLSv1\.[23])\s+\d+ bits\s+(\S+)", out, re.M)
    t.ok(len(ciphers) >= 4, "sslscan %s: cipher suites listed" % mode, out[-2000:])
    weak = [c for v, c in ciphers if not re.search(r"GCM|CHACHA20|CCM", c)]
    t.ok(not weak, "sslscan %s: AEAD suites only (no NULL, export, RC4, 3DES or CBC)" % mode, repr(weak))
    no_fs = [c for v, c in ciphers if v == "TLSv1.2" and not c.startswith(("ECDHE-", "DHE-"))]
    t.ok(not no_fs, "sslscan %s: forward secrecy for every TLS 1.2 suite" % mode, repr(no_fs))
    t.ok(re.search(r"Session renegotiation not supported|Secure session renegotiation supported", out),
         "sslscan %s: no insecure renegotiation" % mode, out[-1500:])
    t.ok(not re.search(r"Compression enabled", out), "sslscan %s: no TLS compression" % mode)


def testssl(srv, implicit):
    mode = "implicit" if implicit else "explicit"
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    if not exe:
        t.ok(False, "testssl.sh is installed")
        return
    work = tempfile.mkdtemp(prefix="ftpsd-testssl-")
    try:
        js = os.path.join(work, "out.json")
        args = [exe, "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", js,
                "-p", "-s", "-f", "-U", "-S"]
        if not implicit:
            args += ["--starttls", "ftp"]
        subprocess.run(args + ["127.0.0.1:%d" % srv.port], capture_output=True, text=True,
                       timeout=TESTSSL_TIMEOUT, cwd=work)
        try:
            with open(js) as f:
                findings = json.load(f)
        except (OSError, ValueError) as e:
            t.ok(False, "testssl %s: JSON results (%s)" % (mode, e))
            return
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by_id = {f["id"]: f for f in findings}
    for pid in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
        t.ok(pid in by_id and by_id[pid]["finding"].startswith("not offered"),
             "testssl %s: %s not offered" % (mode, pid), repr(by_id.get(pid)))
    for pid in ("TLS1_2", "TLS1_3"):
        t.ok(pid in by_id and by_id[pid]["finding"].startswith("offered"),
             "testssl %s: %s offered" % (mode, pid), repr(by_id.get(pid)))
    # AVERAGE is testssl 3.0's name for the CBC suites (OBSOLETED in 3.2).
    for cid in ("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
                "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"):
        t.ok(cid in by_id and by_id[cid]["finding"].startswith("not offered"),
             "testssl %s: %s not offered" % (mode, cid), repr(by_id.get(cid)))
    t.ok("cipherlist_STRONG" in by_id and by_id["cipherlist_STRONG"]["finding"].startswith("offered"),
         "testssl %s: strong AEAD ciphers offered" % mode, repr(by_id.get("cipherlist_STRONG")))
    fs = by_id.get("FS") or by_id.get("PFS")
    t.ok(fs and fs["finding"].startswith("offered"), "testssl %s: forward secrecy offered" % mode, repr(fs))
    crime = by_id.get("CRIME_TLS")
    t.ok(crime and crime["severity"] == "OK", "testssl %s: no TLS compression (CRIME)" % mode, repr(crime))
    reneg = by_id.get("secure_renego") or by_id.get("secure_client_renego")
    t.ok(reneg and reneg["severity"] in ("OK", "INFO", "LOW"), "testssl %s: renegotiation safe or off" % mode,
         repr(reneg))
    scanner = [f["id"] for f in findings if SCANNER.match(f.get("id", ""))]
    if scanner:
        t.diag("testssl %s: left out, about the scanner: %s" % (mode, ", ".join(scanner)))
    bad = server_problems(findings)
    t.ok(not bad, "testssl %s: no medium, high or critical finding about the TLS setup" % mode, "\n".join(bad))


def main():
    t.case("judging findings", judge_self_test)
    for implicit in (False, True):
        env = {"TLS_IMPLICIT": "1"} if implicit else {}
        with ts.tls_server(**env) as srv:
            t.case("sslscan", sslscan, srv, implicit)
            t.case("testssl", testssl, srv, implicit)
    ft.check_sanitizer_reports(t)
    t.done()


if __name__ == "__main__":
    main()
