package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvProxySelectorTest {
    private static final Map<String, String> ENV = Map.of("HTTPS_PROXY", "http://proxy.corp:3128",
            "NO_PROXY", "internal.corp, .svc,registry.local:5000,10.1.2.3");

    private static String via(EnvProxySelector s, String uri) {
        List<Proxy> l = s.select(URI.create(uri));
        assertEquals(1, l.size());
        if (l.get(0).type() == Proxy.Type.DIRECT) {
            return "direct";
        }
        InetSocketAddress a = (InetSocketAddress) l.get(0).address();
        return a.getHostString() + ":" + a.getPort();
    }

    @Test
    void httpsGoesThroughHttpsProxyAndPlainHttpDoesNotWithoutHttpProxy() {
        EnvProxySelector s = new EnvProxySelector(ENV);
        assertTrue(s.configured());
        assertEquals("proxy.corp:3128", via(s, "https://registry.example/v2/"));
        assertEquals("direct", via(s, "http://registry.example/v2/"));
    }

    @Test
    void lowerCaseVariablesAndAProxyWithoutScheme() {
        EnvProxySelector s = new EnvProxySelector(Map.of("https_proxy", "proxy:8080", "http_proxy", "http://p2"));
        assertEquals("proxy:8080", via(s, "https://r.example/"));
        assertEquals("p2:80", via(s, "http://r.example/"));
    }

    @Test
    void noProxyNamesHostsSuffixesAndHostPorts() {
        EnvProxySelector s = new EnvProxySelector(ENV);
        assertEquals("direct", via(s, "https://internal.corp/v2/"));
        assertEquals("direct", via(s, "https://a.internal.corp/v2/"), "a bare name covers its subdomains");
        assertEquals("direct", via(s, "https://REGISTRY.Internal.Corp/v2/"), "case does not matter");
        assertEquals("proxy.corp:3128", via(s, "https://notinternal.corp/v2/"), "a suffix matches whole labels");
        assertEquals("direct", via(s, "https://reg.ns.svc/v2/"));
        assertEquals("direct", via(s, "https://registry.local:5000/v2/"));
        assertEquals("proxy.corp:3128", via(s, "https://registry.local:5001/v2/"), "another port is proxied");
        assertEquals("proxy.corp:3128", via(s, "https://registry.local/v2/"), "443 is not 5000");
        assertEquals("direct", via(s, "https://10.1.2.3:8443/v2/"));
    }

    @Test
    void aStarExcludesEverything() {
        EnvProxySelector s = new EnvProxySelector(Map.of("HTTPS_PROXY", "http://p:1", "NO_PROXY", "*"));
        assertEquals("direct", via(s, "https://anything.example/"));
    }

    @Test
    void loopbackIsNeverProxied() {
        EnvProxySelector s = new EnvProxySelector(Map.of("HTTPS_PROXY", "http://p:1", "HTTP_PROXY", "http://p:1"));
        for (String u : List.of("http://localhost:5000/v2/", "https://localhost/v2/", "http://127.0.0.1:5000/",
                "http://127.3.4.5/", "https://[::1]:5000/v2/", "http://registry.localhost/")) {
            assertEquals("direct", via(s, u), u);
        }
        assertEquals("p:1", via(s, "http://registry.example/"));
    }

    @Test
    void nothingConfigured() {
        EnvProxySelector s = new EnvProxySelector(Map.of("NO_PROXY", "x"));
        assertFalse(s.configured());
        assertEquals("direct", via(s, "https://registry.example/"));
    }
}
