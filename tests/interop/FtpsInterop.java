// SPDX-License-Identifier: ISC
// The interoperability scenario with Apache Commons Net (FTPClient and
// FTPSClient over Java's JSSE), for tests/integration/test-interop.py.
//
//   java -cp commons-net.jar:DIR FtpsInterop --host H --port P --user U
//        --pass W --mode plain|explicit|implicit --data passive|active
//        --ca CA.pem --local DIR [--tls 1.2|1.3] [--no-reuse]
//
// DIR/src holds big.bin and tree/; the scenario lists /seed (LIST and
// MLSD), uploads big.bin to /up/big.bin and tree/ to /up/tree, downloads
// both to DIR/down, completes DIR/partial.bin with REST + RETR, renames
// /up/big.bin to /up/big-renamed.bin, deletes /seed/delete-me.bin and
// logs out. Progress goes to stdout ("step NAME ok", "list ..."), any
// failure to stderr with exit status 1.
//
// Session reuse: JSSE resumes a session only for a connection to the same
// host and port, so the data connections of a stock FTPSClient never
// resume the control connection's session. Unless --no-reuse is given,
// _prepareDataSocket_ below puts the control connection's session into
// the JSSE client session cache under the data connection's host:port
// first (reflection into sun.security.ssl; needs
// --add-opens java.base/sun.security.ssl=ALL-UNNAMED). Under TLS 1.3 the
// session to use is not the control socket's handshake session (it has
// no ticket) but the newest one the control connection's NewSessionTicket
// messages put in the cache under the control connection's host:port; JSSE
// uses each such ticket once.

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPFile;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

public class FtpsInterop {

    /** FTPSClient whose data connections resume the control session. */
    static class ReusingFTPSClient extends FTPSClient {
        final boolean reuse;
        int prepared;

        ReusingFTPSClient(boolean implicit, SSLContext ctx, boolean reuse) {
            super(implicit, ctx);
            this.reuse = reuse;
        }

        String controlProtocol() {
            return _socket_ instanceof SSLSocket ? ((SSLSocket) _socket_).getSession().getProtocol() : "none";
        }

        private static String key(String host, int port) {
            return (host + ":" + port).toLowerCase(Locale.ROOT);
        }

        @Override
        protected void _prepareDataSocket_(Socket socket) throws IOException {
            if (opts.containsKey("nodelay")) {
                socket.setTcpNoDelay(true);
            }
            if (!reuse || !(socket instanceof SSLSocket) || !(_socket_ instanceof SSLSocket)) {
                return;
            }
            SSLSocket control = (SSLSocket) _socket_;
            SSLSession session = control.getSession();
            if (!session.isValid()) {
                return;
            }
            SSLSessionContext context = session.getSessionContext();
            try {
                Field f = context.getClass().getDeclaredField("sessionHostPortCache");
                f.setAccessible(true);
                Object cache = f.get(context);
                Method get = cache.getClass().getDeclaredMethod("get", Object.class);
                Method put = cache.getClass().getDeclaredMethod("put", Object.class, Object.class);
                get.setAccessible(true);
                put.setAccessible(true);
                // TLS 1.3: the newest ticket the control connection received.
                Object newest = get.invoke(cache, key(control.getInetAddress().getHostAddress(),
                                                      control.getPort()));
                Object use = newest != null ? newest : session;
                put.invoke(cache, key(socket.getInetAddress().getHostName(), socket.getPort()), use);
                put.invoke(cache, key(socket.getInetAddress().getHostAddress(), socket.getPort()), use);
                prepared++;
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IOException("cannot put the control session into the JSSE cache: " + e, e);
            }
        }
    }

    /** Plain FTPClient, with TCP_NODELAY on data connections if asked. */
    static class PlainFTPClient extends FTPClient {
        @Override
        protected Socket _openDataConnection_(String command, String arg) throws IOException {
            Socket socket = super._openDataConnection_(command, arg);
            if (socket != null && opts.containsKey("nodelay")) {
                socket.setTcpNoDelay(true);
            }
            return socket;
        }
    }

    static Map<String, String> opts = new HashMap<>();
    static FTPClient ftp;

    static void fail(String what) {
        String reply = ftp != null ? ftp.getReplyString() : "";
        System.err.println("FAILED: " + what + (reply != null && !reply.isEmpty()
                ? " (last reply: " + reply.trim() + ")" : ""));
        System.exit(1);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            fail(what);
        }
    }

    static void step(String name) {
        System.out.println("step " + name + " ok");
        System.out.flush();
    }

    static SSLContext sslContext(String caFile) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = new FileInputStream(caFile)) {
            int i = 0;
            for (Certificate c : cf.generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    static void mkdirs(String path) throws IOException {
        String cur = "";
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            cur += "/" + part;
            if (!ftp.makeDirectory(cur) && ftp.getReplyCode() != 550) {
                fail("MKD " + cur);
            }
        }
    }

    static void upload(File local, String remote) throws IOException {
        try (InputStream in = new BufferedInputStream(new FileInputStream(local))) {
            check(ftp.storeFile(remote, in), "STOR " + remote);
        }
    }

    static void uploadTree(File dir, String remote) throws IOException {
        mkdirs(remote);
        File[] entries = dir.listFiles();
        check(entries != null, "read " + dir);
        for (File e : entries) {
            if (e.isDirectory()) {
                uploadTree(e, remote + "/" + e.getName());
            } else {
                upload(e, remote + "/" + e.getName());
            }
        }
    }

    static void download(String remote, File local, long offset) throws IOException {
        local.getParentFile().mkdirs();
        try (OutputStream out = new BufferedOutputStream(new FileOutputStream(local, offset > 0))) {
            ftp.setRestartOffset(offset);
            check(ftp.retrieveFile(remote, out), "RETR " + remote + (offset > 0 ? " from " + offset : ""));
        }
    }

    /** Downloads a remote tree, walking it with MLSD. */
    static void downloadTree(String remote, File local) throws IOException {
        FTPFile[] entries = ftp.mlistDir(remote);
        check(entries != null && FTPReply.isPositiveCompletion(ftp.getReplyCode()), "MLSD " + remote);
        for (FTPFile e : entries) {
            if (e.getName().equals(".") || e.getName().equals("..")) {
                continue;
            }
            if (e.isDirectory()) {
                downloadTree(remote + "/" + e.getName(), new File(local, e.getName()));
            } else {
                download(remote + "/" + e.getName(), new File(local, e.getName()), 0);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--no-reuse") || args[i].equals("--nodelay")) {
                opts.put(args[i].substring(2), "1");
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                opts.put(args[i].substring(2), args[++i]);
            } else {
                System.err.println("usage: bad argument " + args[i]);
                System.exit(2);
            }
        }
        String mode = opts.getOrDefault("mode", "plain");
        String host = opts.get("host");
        int port = Integer.parseInt(opts.get("port"));
        File dir = new File(opts.get("local"));
        int timeoutMs = 30000;

        ReusingFTPSClient ftps = null;
        if (mode.equals("plain")) {
            ftp = new PlainFTPClient();
        } else {
            ftps = new ReusingFTPSClient(mode.equals("implicit"), sslContext(opts.get("ca")),
                                         !opts.containsKey("no-reuse"));
            ftps.setEndpointCheckingEnabled(true);
            String v = opts.get("tls");
            if (v != null) {
                ftps.setEnabledProtocols(new String[] { "TLSv" + v });
            }
            ftp = ftps;
        }
        ftp.setConnectTimeout(timeoutMs);
        ftp.setDefaultTimeout(timeoutMs);
        ftp.setDataTimeout(java.time.Duration.ofMillis(timeoutMs));
        ftp.connect(host, port);
        ftp.setSoTimeout(timeoutMs);
        check(FTPReply.isPositiveCompletion(ftp.getReplyCode()), "greeting");
        check(ftp.login(opts.get("user"), opts.get("pass")), "login");
        if (ftps != null) {
            ftps.execPBSZ(0);
            ftps.execPROT("P");
            System.out.println("tls " + ftps.controlProtocol());
        }
        check(ftp.setFileType(FTP.BINARY_FILE_TYPE), "TYPE I");
        if (opts.getOrDefault("data", "passive").equals("active")) {
            ftp.enterLocalActiveMode();
        } else {
            ftp.enterLocalPassiveMode();
        }
        step("login");

        FTPFile[] list = ftp.listFiles("/seed");
        check(list != null && FTPReply.isPositiveCompletion(ftp.getReplyCode()), "LIST /seed");
        for (FTPFile f : list) {
            System.out.println("list LIST " + f.getName());
        }
        FTPFile[] mlsd = ftp.mlistDir("/seed");
        check(mlsd != null && FTPReply.isPositiveCompletion(ftp.getReplyCode()), "MLSD /seed");
        for (FTPFile f : mlsd) {
            System.out.println("list MLSD " + f.getName());
        }
        step("list");

        mkdirs("/up");
        upload(new File(dir, "src/big.bin"), "/up/big.bin");
        uploadTree(new File(dir, "src/tree"), "/up/tree");
        step("upload");

        download("/up/big.bin", new File(dir, "down/big.bin"), 0);
        downloadTree("/up/tree", new File(dir, "down/tree"));
        step("download");

        File partial = new File(dir, "partial.bin");
        download("/up/big.bin", partial, partial.length());
        step("resume");

        check(ftp.rename("/up/big.bin", "/up/big-renamed.bin"), "RNFR/RNTO");
        step("rename");
        check(ftp.deleteFile("/seed/delete-me.bin"), "DELE");
        step("delete");

        check(ftp.logout(), "QUIT");
        ftp.disconnect();
        step("quit");
        if (ftps != null) {
            System.out.println("reuse-prepared " + ftps.prepared);
        }
    }
}
