package dev.jbuild.registry;

import java.io.IOException;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy rules every Go tool follows, for the JDK's client, which reads no environment:
 * {@code HTTPS_PROXY} for https, {@code HTTP_PROXY} for http (upper or lower case), and
 * {@code NO_PROXY}, a comma list of host names, domain suffixes ({@code .corp} or {@code corp}
 * both match {@code a.corp}), {@code host:port} and {@code *}. Loopback is never proxied. A proxy
 * URL may carry a user and password ({@code http://user:pass@proxy:3128}) for proxies that ask.
 */
final class EnvProxySelector extends ProxySelector {
    /** A proxy and the user and password its URL carries, if any. */
    private record Endpoint(InetSocketAddress address, Optional<PasswordAuthentication> login) {
    }

    private final Optional<Endpoint> https;
    private final Optional<Endpoint> http;
    private final List<String> noProxy;

    EnvProxySelector(Map<String, String> env) {
        this.https = endpoint(first(env, "HTTPS_PROXY", "https_proxy"));
        this.http = endpoint(first(env, "HTTP_PROXY", "http_proxy"));
        List<String> rules = new ArrayList<>();
        for (String r : first(env, "NO_PROXY", "no_proxy").orElse("").split(",")) {
            if (!r.isBlank()) {
                rules.add(r.trim().toLowerCase(Locale.ROOT));
            }
        }
        this.noProxy = List.copyOf(rules);
    }

    /** Whether any proxy is configured at all (if not, the client is built without a selector). */
    boolean configured() {
        return https.isPresent() || http.isPresent();
    }

    /** Gives a client builder these proxies and their logins; leaves it alone when there are none. */
    HttpClient.Builder configure(HttpClient.Builder builder) {
        if (configured()) {
            builder.proxy(this);
            authenticator().ifPresent(a -> {
                // The JDK refuses Basic for CONNECT tunnels unless told otherwise; read when its
                // client first authenticates, so set before any request.
                if (System.getProperty("jdk.http.auth.tunneling.disabledSchemes") == null) {
                    System.setProperty("jdk.http.auth.tunneling.disabledSchemes", "");
                }
                builder.authenticator(a);
            });
        }
        return builder;
    }

    /**
     * Answers a proxy's authentication challenge with the user and password of its URL
     * ({@code http://user:pass@proxy:3128}); never answers a server. Empty when no proxy URL has them.
     */
    Optional<Authenticator> authenticator() {
        if (https.flatMap(Endpoint::login).isEmpty() && http.flatMap(Endpoint::login).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                if (getRequestorType() != RequestorType.PROXY) {
                    return null;
                }
                for (Optional<Endpoint> e : List.of(https, http)) {
                    if (e.isPresent() && e.get().login().isPresent()
                            && e.get().address().getHostString().equalsIgnoreCase(getRequestingHost())
                            && e.get().address().getPort() == getRequestingPort()) {
                        return e.get().login().get();
                    }
                }
                return null;
            }
        });
    }

    @Override
    public List<Proxy> select(URI uri) {
        Optional<InetSocketAddress> p = ("https".equalsIgnoreCase(uri.getScheme()) ? https : http)
                .map(Endpoint::address);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        if (p.isEmpty() || Hosts.isLoopback(host) || excluded(host, port)) {
            return List.of(Proxy.NO_PROXY);
        }
        return List.of(new Proxy(Proxy.Type.HTTP, p.get()));
    }

    private boolean excluded(String host, int port) {
        for (String rule : noProxy) {
            if (rule.equals("*")) {
                return true;
            }
            String r = rule;
            int colon = r.lastIndexOf(':');
            if (colon > 0 && !r.startsWith("[") && r.indexOf(':') == colon) {
                if (!r.substring(colon + 1).equals(Integer.toString(port))) {
                    continue;
                }
                r = r.substring(0, colon);
            }
            String suffix = r.startsWith(".") ? r : "." + r;
            if (host.equals(r.startsWith(".") ? r.substring(1) : r) || host.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        // nothing to fall back to: the request fails and is retried as any other
    }

    private static Optional<String> first(Map<String, String> env, String a, String b) {
        String v = env.get(a);
        if (v == null || v.isBlank()) {
            v = env.get(b);
        }
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static Optional<Endpoint> endpoint(Optional<String> value) {
        return value.map(v -> {
            URI u = URI.create(v.contains("://") ? v : "http://" + v);
            int port = u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
            Optional<PasswordAuthentication> login = Optional.ofNullable(u.getRawUserInfo()).map(info -> {
                int colon = info.indexOf(':');
                String user = URLDecoder.decode(colon < 0 ? info : info.substring(0, colon), StandardCharsets.UTF_8);
                String pass = colon < 0 ? "" : URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8);
                return new PasswordAuthentication(user, pass.toCharArray());
            });
            return new Endpoint(InetSocketAddress.createUnresolved(u.getHost(), port), login);
        });
    }
}
