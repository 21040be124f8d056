package dev.jbuild.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --build-arg} values as docker reads them: {@code K=V} sets K; a bare {@code K} takes K
 * from jbuild's own environment, and is left unset when the environment has no K.
 */
final class BuildArgs {
    private BuildArgs() {
    }

    static Map<String, String> parse(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq == 0) {
                throw new UserError("--build-arg " + a + ": the name is missing (use --build-arg NAME=value)");
            }
            if (eq > 0) {
                out.put(a.substring(0, eq), a.substring(eq + 1));
            } else if (System.getenv(a) != null) {
                out.put(a, System.getenv(a));
            }
        }
        return out;
    }
}
