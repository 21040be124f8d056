package dev.jbuild.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS trust for one registry: the JVM's trust store plus the CA certificates ({@code *.crt})
 * in {@code <certDir>/<host[:port]>/}, as docker reads {@code /etc/docker/certs.d}; or no checks
 * at all for a registry the user named insecure. Host names are still verified for trusted
 * registries: the JDK does that inside its own trust manager, which every path here ends in.
 */
final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * A context for the plain-HTTP client, which never speaks TLS: the JDK's client otherwise loads
     * the default context and its trust store (a tenth of a second) just to be built. It trusts
     * nothing, so it could not be misused.
     */
    static SSLContext none() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[0], new TrustManager[] {new Blanket(false)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up the plain-HTTP client: " + e.getMessage(), e);
        }
    }

    static SSLContext forHost(String hostPort, List<Path> certDirs, boolean insecure) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            if (insecure) {
                ctx.init(null, new TrustManager[] {new Blanket(true)}, null);
                return ctx;
            }
            KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
            extra.load(null, null);
            int n = 0;
            for (Path dir : certDirs) {
                Path hostDir = dir.resolve(hostPort.replace("[", "").replace("]", ""));
                if (!Files.isDirectory(hostDir)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(hostDir, "*.crt")) {
                    for (Path f : files) {
                        for (Certificate c : read(f)) {
                            extra.setCertificateEntry("jbuild-" + n++, c);
                        }
                    }
                }
            }
            if (n == 0) {
                return SSLContext.getDefault();
            }
            X509ExtendedTrustManager jvm = trustManager(null);
            X509ExtendedTrustManager own = trustManager(extra);
            ctx.init(null, new TrustManager[] {new EitherTrust(jvm, own)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for " + hostPort + ": " + e.getMessage(), e);
        }
    }

    private static List<? extends Certificate> read(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        } catch (CertificateException e) {
            throw new IOException(f + ": not a PEM or DER certificate: " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager trustManager(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ks);
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509 trust manager");
    }

    /** Trusts a chain when either the JVM's store or the registry's own CA files do. */
    private static final class EitherTrust extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager a;
        private final X509ExtendedTrustManager b;

        EitherTrust(X509ExtendedTrustManager a, X509ExtendedTrustManager b) {
            this.a = a;
            this.b = b;
        }

        private interface Check {
            void run(X509ExtendedTrustManager tm) throws CertificateException;
        }

        private void either(Check check) throws CertificateException {
            try {
                check.run(a);
            } catch (CertificateException first) {
                try {
                    check.run(b);
                } catch (CertificateException second) {
                    second.addSuppressed(first);
                    throw second;
                }
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            either(tm -> tm.checkClientTrusted(chain, authType, socket));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            either(tm -> tm.checkClientTrusted(chain, authType, engine));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            either(tm -> tm.checkClientTrusted(chain, authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] x = a.getAcceptedIssuers();
            X509Certificate[] y = b.getAcceptedIssuers();
            X509Certificate[] all = java.util.Arrays.copyOf(x, x.length + y.length);
            System.arraycopy(y, 0, all, x.length, y.length);
            return all;
        }
    }

    /**
     * The same answer for every certificate: yes, for registries the user named insecure (any
     * certificate, any name, as docker does for them); no, for the client that never speaks TLS.
     */
    private static final class Blanket extends X509ExtendedTrustManager {
        private final boolean accept;

        Blanket(boolean accept) {
            this.accept = accept;
        }

        private void check() throws CertificateException {
            if (!accept) {
                throw new CertificateException("this client does not speak TLS");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check();
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
