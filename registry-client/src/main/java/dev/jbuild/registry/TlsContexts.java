package dev.jbuild.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS set-up for one registry, as docker reads {@code /etc/docker/certs.d/<host[:port]>/}: the
 * JVM's trust store plus the CA certificates there ({@code *.crt}), or no checks at all for a
 * registry the user named insecure; and client certificates ({@code NAME.cert} with
 * {@code NAME.key}) for registries that ask for one. Host names are still verified for trusted
 * registries: the JDK does that inside its own trust manager, which every path here ends in.
 */
final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * A context for the plain-HTTP client, which never speaks TLS. The JDK's client insists on one
     * and would otherwise take the default: the security providers, the trust store and the cipher
     * suites, a tenth of a second at start-up that a loopback registry never needs. This one comes
     * from no provider and refuses to make anything; give the client {@link javax.net.ssl.SSLParameters} too, or
     * it asks the context for its defaults.
     */
    static SSLContext none() {
        return new NoTls();
    }

    private static final class NoTls extends SSLContext {
        NoTls() {
            super(new NoTlsSpi(), null, "none");
        }
    }

    private static final class NoTlsSpi extends SSLContextSpi {
        private static UnsupportedOperationException plainOnly() {
            return new UnsupportedOperationException("this client speaks plain HTTP only");
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw plainOnly();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw plainOnly();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw plainOnly();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw plainOnly();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw plainOnly();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw plainOnly();
        }
    }

    static SSLContext forHost(String hostPort, List<Path> certDirs, boolean insecure) throws IOException {
        try {
            List<Path> hostDirs = new ArrayList<>();
            for (Path dir : certDirs) {
                Path hostDir = dir.resolve(hostPort.replace("[", "").replace("]", ""));
                if (Files.isDirectory(hostDir)) {
                    hostDirs.add(hostDir);
                }
            }
            KeyManager[] clientKeys = clientKeys(hostDirs);
            TrustManager trust;
            if (insecure) {
                trust = new TrustAll();
            } else {
                KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
                cas.load(null, null);
                int n = 0;
                for (Path hostDir : hostDirs) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(hostDir, "*.crt")) {
                        for (Path f : files) {
                            for (Certificate c : read(f)) {
                                cas.setCertificateEntry("jbuild-" + n++, c);
                            }
                        }
                    }
                }
                if (n == 0 && clientKeys == null) {
                    return SSLContext.getDefault();
                }
                trust = n == 0 ? trustManager(null) : new EitherTrust(trustManager(null), trustManager(cas));
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(clientKeys, new TrustManager[] {trust}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for " + hostPort + ": " + e.getMessage(), e);
        }
    }

    /**
     * The client certificates of a host, as docker finds them: each {@code NAME.cert} with its key
     * in {@code NAME.key} beside it (a certificate without its key is an error, as in docker).
     */
    private static KeyManager[] clientKeys(List<Path> hostDirs) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] none = new char[0];
        int n = 0;
        for (Path hostDir : hostDirs) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(hostDir, "*.cert")) {
                for (Path cert : files) {
                    String name = cert.getFileName().toString();
                    Path key = cert.resolveSibling(name.substring(0, name.length() - ".cert".length()) + ".key");
                    if (!Files.isRegularFile(key)) {
                        throw new IOException(cert + ": client certificate without its key (" + key.getFileName() + ")");
                    }
                    List<? extends Certificate> chain = read(cert);
                    keys.setKeyEntry("client-" + n++, PemKeys.read(key), none, chain.toArray(Certificate[]::new));
                }
            }
        }
        if (n == 0) {
            return null;
        }
        KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        f.init(keys, none);
        return f.getKeyManagers();
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

    /** For registries the user named insecure: any certificate, any name, as docker does for them. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
