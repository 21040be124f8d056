package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Loopback detection and the insecure-registry list as docker reads it: names, ports, schemes, ranges. */
class HostsTest {
    @Test
    void loopbackIsNamesAndLiteralAddressesOnly() {
        assertTrue(Hosts.isLoopback("localhost:5000"));
        assertTrue(Hosts.isLoopback("127.1.2.3:5000"));
        assertTrue(Hosts.isLoopback("[::1]:5000"));
        assertFalse(Hosts.isLoopback("10.0.0.1:5000"));
        assertFalse(Hosts.isLoopback("registry.example"));
    }

    @Test
    void insecureEntriesMatchHostsPortsSchemesAndRanges() {
        Set<String> entries = Set.of("reg.corp:5000", "plain.corp", "http://schemed.corp:8080/", "10.0.0.0/8",
                "fd00::/8");
        assertTrue(Hosts.namedInsecure(entries, "reg.corp:5000"));
        assertFalse(Hosts.namedInsecure(entries, "reg.corp:5001"), "a port names that port only");
        assertTrue(Hosts.namedInsecure(entries, "plain.corp:443"), "a bare host covers its ports");
        assertTrue(Hosts.namedInsecure(entries, "schemed.corp:8080"));
        assertTrue(Hosts.namedInsecure(entries, "10.20.30.40:5000"));
        assertFalse(Hosts.namedInsecure(entries, "11.0.0.1:5000"));
        assertTrue(Hosts.namedInsecure(entries, "[fd12::1]:5000"));
        assertFalse(Hosts.namedInsecure(entries, "[fe80::1]:5000"));
        assertFalse(Hosts.namedInsecure(entries, "ten.corp"), "ranges match literal addresses, never names");
    }
}
