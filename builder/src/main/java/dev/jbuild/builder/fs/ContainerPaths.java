package dev.jbuild.builder.fs;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths inside an image as text, cleaned as BuildKit cleans them (Go's {@code path.Clean} of
 * {@code "/" + p}): {@code .} components and repeated or trailing slashes go, and {@code ..}
 * cannot climb above the root. No file system is looked at; see {@link RootPath} for that.
 */
public final class ContainerPaths {
    private ContainerPaths() {
    }

    /** {@code path} cleaned and relative to the root: {@code /a/./b/../c/} is {@code a/c}, {@code /} is empty. */
    public static String clean(String path) {
        Deque<String> names = new ArrayDeque<>();
        for (String name : path.split("/")) {
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                names.pollLast();
            } else {
                names.addLast(name);
            }
        }
        return String.join("/", names);
    }

    /** {@code path} if absolute, else joined to the absolute {@code dir}; cleaned and absolute. */
    public static String join(String dir, String path) {
        return "/" + clean(path.startsWith("/") ? path : dir + "/" + path);
    }
}
