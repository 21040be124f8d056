package dev.jbuild.layer.apply;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns tar entry names into safe relative paths. A name is split on {@code /}; empty and {@code .}
 * components are dropped (so {@code ./a//b/} is {@code a/b}); an absolute name or any {@code ..}
 * component is refused rather than cleaned. Cleaning ({@code a/../b} to {@code b}, {@code /etc/x} to
 * {@code etc/x}) would also be safe, but no honest producer writes such names, and a layer that does is
 * more likely an attack or a bug that should be seen than something to repair silently.
 */
final class EntryPaths {
    private EntryPaths() {
    }

    /**
     * The components of a name, outermost first; an empty list means the root itself ({@code .} or
     * {@code ./}).
     *
     * @param entry the entry the name belongs to, for the message
     * @param what "name" or "link target", for the message
     */
    static List<String> components(String entry, String name, String what) throws LayerApplyException {
        if (name.isEmpty()) {
            throw new LayerApplyException(entry, "refused: empty " + what);
        }
        if (name.charAt(0) == '/') {
            throw new LayerApplyException(entry, "refused: absolute " + what + " \"" + LayerApplyException.printable(name)
                    + "\" (layer paths are relative to the root)");
        }
        if (name.indexOf('\0') >= 0) {
            throw new LayerApplyException(entry, "refused: NUL character in " + what);
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        int n = name.length();
        while (start <= n) {
            int slash = name.indexOf('/', start);
            int end = slash < 0 ? n : slash;
            String part = name.substring(start, end);
            if (part.equals("..")) {
                throw new LayerApplyException(entry, "refused: " + what + " \"" + LayerApplyException.printable(name)
                        + "\" has a \"..\" component");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
            start = end + 1;
        }
        return parts;
    }

    static String join(List<String> parts, int count) {
        if (count == 0) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                b.append('/');
            }
            b.append(parts.get(i));
        }
        return b.toString();
    }

    static String parent(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** The exclusive upper bound of the keys below {@code rel} in a sorted map of relative paths: {@code '0'} follows {@code '/'}. */
    static String descendantsEnd(String rel) {
        return rel + "0";
    }
}
