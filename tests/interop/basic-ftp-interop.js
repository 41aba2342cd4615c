// SPDX-License-Identifier: ISC
// The interoperability scenario with the npm package basic-ftp (Node's
// OpenSSL), for tests/integration/test-interop.py.
//
//   NODE_PATH=DIR/node_modules node basic-ftp-interop.js --host H --port P
//        --user U --pass W --mode plain|explicit|implicit --ca CA.pem
//        --local DIR
//
// The same steps as FtpsInterop.java: list /seed (MLSD, then LIST), upload
// DIR/src/big.bin and DIR/src/tree to /up, download both to DIR/down,
// complete DIR/partial.bin from its length on (REST + RETR), rename
// /up/big.bin to /up/big-renamed.bin, delete /seed/delete-me.bin, QUIT.
// basic-ftp has no active mode; its data connections resume the control
// connection's TLS session (tls.connect with session:
// controlSocket.getSession()), which under TLS 1.3 is the newest ticket.
"use strict";

const fs = require("fs");
const path = require("path");
const ftp = require("basic-ftp");

function parseArgs(argv) {
    const o = {};
    for (let i = 0; i < argv.length; i++) {
        if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
            throw new Error("bad argument " + argv[i]);
        }
        o[argv[i].slice(2)] = argv[++i];
    }
    return o;
}

function step(name) {
    process.stdout.write("step " + name + " ok\n");
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    const dir = o.local;
    const client = new ftp.Client(30000);
    const secure = { plain: false, explicit: true, implicit: "implicit" }[o.mode];
    if (secure === undefined) {
        throw new Error("unknown mode " + o.mode);
    }
    await client.access({
        host: o.host,
        port: Number(o.port),
        user: o.user,
        password: o.pass,
        secure,
        secureOptions: secure ? { ca: [fs.readFileSync(o.ca)] } : undefined,
    });
    if (secure) {
        process.stdout.write("tls " + client.ftp.socket.getProtocol() + "\n");
    }
    step("login");

    // MLSD (basic-ftp's choice when FEAT lists MLST), then LIST.
    for (const name of (await client.list("/seed")).map((f) => f.name)) {
        process.stdout.write("list MLSD " + name + "\n");
    }
    const saved = client.availableListCommands;
    client.availableListCommands = ["LIST"];
    for (const name of (await client.list("/seed")).map((f) => f.name)) {
        process.stdout.write("list LIST " + name + "\n");
    }
    client.availableListCommands = saved;
    step("list");

    await client.ensureDir("/up");
    await client.uploadFrom(path.join(dir, "src", "big.bin"), "/up/big.bin");
    await client.uploadFromDir(path.join(dir, "src", "tree"), "/up/tree");
    step("upload");

    fs.mkdirSync(path.join(dir, "down"), { recursive: true });
    await client.downloadTo(path.join(dir, "down", "big.bin"), "/up/big.bin");
    await client.downloadToDir(path.join(dir, "down", "tree"), "/up/tree");
    step("download");

    const partial = path.join(dir, "partial.bin");
    await client.downloadTo(partial, "/up/big.bin", fs.statSync(partial).size);
    step("resume");

    await client.rename("/up/big.bin", "/up/big-renamed.bin");
    step("rename");
    await client.remove("/seed/delete-me.bin");
    step("delete");

    const r = await client.send("QUIT");
    if (r.code !== 221) {
        throw new Error("QUIT: " + r.message);
    }
    client.close();
    step("quit");
}

main().catch((e) => {
    process.stderr.write("FAILED: " + (e && e.stack ? e.stack : e) + "\n");
    process.exit(1);
});
