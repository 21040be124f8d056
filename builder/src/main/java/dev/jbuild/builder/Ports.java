package dev.jbuild.builder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code EXPOSE} port specs: {@code 80}, {@code 80/udp}, {@code 8000-8002/tcp}; a range expands to
 * one entry per port, as docker's nat.ParsePortSpecs does, and the protocol defaults to tcp.
 */
final class Ports {
    private Ports() {
    }

    static List<String> expand(String spec) throws BuildException {
        String s = spec.trim();
        String proto = "tcp";
        int slash = s.indexOf('/');
        if (slash >= 0) {
            proto = s.substring(slash + 1).toLowerCase(Locale.ROOT);
            s = s.substring(0, slash);
        }
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            throw new BuildException("EXPOSE " + spec + ": invalid proto: " + proto);
        }
        if (s.contains(":")) {
            throw new BuildException("EXPOSE " + spec + ": port publishing (host:container) is not possible in a "
                    + "Dockerfile; use 'docker run -p'");
        }
        int dash = s.indexOf('-');
        int first = port(dash < 0 ? s : s.substring(0, dash), spec);
        int last = dash < 0 ? first : port(s.substring(dash + 1), spec);
        if (last < first) {
            throw new BuildException("EXPOSE " + spec + ": invalid range of ports");
        }
        List<String> out = new ArrayList<>();
        for (int p = first; p <= last; p++) {
            out.add(p + "/" + proto);
        }
        return out;
    }

    private static int port(String text, String spec) throws BuildException {
        try {
            int p = Integer.parseInt(text);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BuildException("EXPOSE " + spec + ": invalid port \"" + text + "\"");
    }
}
