package dev.jbuild.registry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

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
}
