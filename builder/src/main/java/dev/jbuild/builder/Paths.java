package dev.jbuild.builder;

/** Container paths: always absolute, {@code /}-separated, cleaned like Go's {@code path.Clean}. */
final class Paths {
    private Paths() {
    }

    /** {@code path} if absolute, else joined to {@code dir}; cleaned. */
    static String join(String dir, String path) {
        return clean(path.startsWith("/") ? path : dir + "/" + path);
    }

    static String clean(String path) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(p);
            }
        }
        return "/" + String.join("/", parts);
    }
}
