package dev.jbuild.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy rules every Go tool follows, for the JDK's client, which reads no environment:
 * {@code HTTPS_PROXY} for https, {@code HTTP_PROXY} for http (upper or lower case), and
 * {@code NO_PROXY}, a comma list of host names, domain suffixes ({@code .corp} or {@code corp}
 * both match {@code a.corp}), {@code host:port} and {@code *}. Loopback is never proxied.
 */
final class EnvProxySelector extends ProxySelector {
    private final Optional<InetSocketAddress> https;
    private final Optional<InetSocketAddress> http;
    private final List<String> noProxy;

    EnvProxySelector(Map<String, String> env) {
        this.https = address(first(env, "HTTPS_PROXY", "https_proxy"));
        this.http = address(first(env, "HTTP_PROXY", "http_proxy"));
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

    @Override
    public List<Proxy> select(URI uri) {
        Optional<InetSocketAddress> p = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
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

    private static Optional<InetSocketAddress> address(Optional<String> value) {
        return value.map(v -> {
            URI u = URI.create(v.contains("://") ? v : "http://" + v);
            int port = u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
            return InetSocketAddress.createUnresolved(u.getHost(), port);
        });
    }
}
