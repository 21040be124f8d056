package dev.jbuild.registry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/** Facts about registry host names ({@code host}, {@code host:port}, {@code [v6]:port}). */
final class Hosts {
    private Hosts() {
    }

    /** The host without its port or IPv6 brackets, lower case. */
    static String hostOnly(String hostPort) {
        String h = hostPort;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return (end > 0 ? h.substring(1, end) : h).toLowerCase(Locale.ROOT);
        }
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(':') == colon) {
            h = h.substring(0, colon);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /**
     * {@code localhost} and loopback addresses ({@code 127.0.0.0/8}, {@code ::1}): docker reaches
     * these over plain HTTP without being told, and proxies never see them. Only literal addresses
     * count, so no name lookup happens here.
     */
    static boolean isLoopback(String hostPort) {
        String h = hostOnly(hostPort);
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-f:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Whether {@code hostPort} is among the registries the user named insecure, written as docker
     * accepts them: {@code host}, {@code host:port}, with or without {@code http://} or
     * {@code https://}, or an address range ({@code 10.0.0.0/8}, {@code fd00::/8}) that a literal
     * address falls in.
     */
    static boolean namedInsecure(Set<String> entries, String hostPort) {
        String host = hostOnly(hostPort);
        for (String entry : entries) {
            String e = entry.trim().toLowerCase(Locale.ROOT).replaceFirst("^https?://", "").replaceFirst("/+$", "");
            if (e.equals(hostPort.toLowerCase(Locale.ROOT)) || e.equals(host)) {
                return true;
            }
            int slash = e.indexOf('/');
            if (slash > 0 && inRange(host, e.substring(0, slash), e.substring(slash + 1))) {
                return true;
            }
        }
        return false;
    }

    private static boolean inRange(String host, String network, String prefixText) {
        if (!host.matches("[0-9.]+|[0-9a-f:]+") || !network.matches("[0-9.]+|[0-9a-f:]+")) {
            return false; // only literal addresses: no name lookups here
        }
        try {
            byte[] a = InetAddress.getByName(host).getAddress();
            byte[] n = InetAddress.getByName(network).getAddress();
            int prefix = Integer.parseInt(prefixText);
            if (a.length != n.length || prefix < 0 || prefix > a.length * 8) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((a[bit / 8] & mask) != (n[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException | NumberFormatException e) {
            return false;
        }
    }
}
