package dev.jbuild.dockerfile.ignore;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Walks a build context the way BuildKit's context sender (fsutil) does, yielding what COPY and ADD
 * can see. Entries come depth first, each directory before its contents, siblings sorted by name
 * (by code point, which is the UTF-8 byte order Go sorts by). The root itself is not yielded.
 * Symbolic links are yielded as links and never followed.
 *
 * <p>An excluded directory is not read at all unless an exception pattern may re-include something
 * inside it ({@link IgnorePatterns#mayReincludeUnder}). When it is read and something inside is
 * re-included, the directory is yielded just before that entry, so every yielded path has its
 * parents; when nothing inside is, it is not yielded. An unreadable directory that is excluded
 * anyway is passed over silently, as in BuildKit; one that is included is an error. Entries that
 * vanish during the walk are skipped.
 *
 * <p>The Dockerfile and the ignore file get no special treatment: if the patterns exclude them,
 * they are not yielded. That is what BuildKit does for the context COPY reads; the frontend reads
 * both through separate channels that ignore the patterns, which is why Docker's documentation says
 * they are "still sent" yet cannot be copied.
 */
public final class ContextWalker {

    /** Receives each included path. */
    public interface Visitor {
        /**
         * @param relativePath the path relative to the context, {@code /}-separated
         * @param path the same path on disk
         * @param attrs its attributes, read without following a symbolic link
         */
        void visit(String relativePath, Path path, BasicFileAttributes attrs) throws IOException;
    }

    /**
     * Names in Go's string order (by code point, as fsutil walks a context); Java's
     * {@code String.compareTo} orders by UTF-16 unit, which differs above U+FFFF.
     */
    public static final Comparator<String> BY_CODE_POINT = ContextWalker::compareCodePoints;

    private ContextWalker() {
    }

    /**
     * Walks {@code contextDir} (which is itself followed if it is a symbolic link).
     *
     * @throws IOException if the context is not a directory, an included directory cannot be read,
     *     or the visitor fails
     */
    public static void walk(Path contextDir, IgnorePatterns patterns, Visitor visitor) throws IOException {
        walk(contextDir, patterns, visitor, dir -> { });
    }

    /** As {@link #walk(Path, IgnorePatterns, Visitor)}, telling {@code onRead} each directory it lists. */
    static void walk(Path contextDir, IgnorePatterns patterns, Visitor visitor, Consumer<String> onRead)
            throws IOException {
        if (!Files.isDirectory(contextDir)) {
            throw new NotDirectoryException(contextDir + " (the build context must be a directory)");
        }
        new Walk(patterns, visitor, onRead).directory(contextDir, "", null, null);
    }

    /** A directory that is excluded but being searched; yielded only if something inside is. */
    private static final class Pending {
        final Pending parent;
        final String relativePath;
        final Path path;
        final BasicFileAttributes attrs;
        boolean yielded;

        Pending(Pending parent, String relativePath, Path path, BasicFileAttributes attrs) {
            this.parent = parent;
            this.relativePath = relativePath;
            this.path = path;
            this.attrs = attrs;
        }
    }

    private static final class Walk {
        private final IgnorePatterns patterns;
        private final Visitor visitor;
        private final Consumer<String> onRead;

        Walk(IgnorePatterns patterns, Visitor visitor, Consumer<String> onRead) {
            this.patterns = patterns;
            this.visitor = visitor;
            this.onRead = onRead;
        }

        /**
         * Lists one directory. {@code state} says which patterns matched it (null at the root), and
         * {@code pending} is set when the directory itself is excluded.
         */
        void directory(Path dir, String relDir, long[] state, Pending pending) throws IOException {
            List<String> names;
            try {
                names = list(dir, relDir);
            } catch (NoSuchFileException | NotDirectoryException e) {
                // Gone or replaced since it was seen; BuildKit skips it the same way.
                return;
            } catch (AccessDeniedException e) {
                if (pending != null) {
                    return;
                }
                throw e;
            }
            boolean filtering = !patterns.isEmpty();
            for (String name : names) {
                String rel = relDir.isEmpty() ? name : relDir + "/" + name;
                Path path = dir.resolve(name);
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                boolean isDir = attrs.isDirectory();
                long[] childState = filtering && isDir ? new long[patterns.stateWords()] : null;
                boolean excluded = filtering && patterns.evaluate(rel, rel.length(), state, childState);
                if (!excluded) {
                    yieldPending(pending);
                    visitor.visit(rel, path, attrs);
                    if (isDir) {
                        directory(path, rel, childState, null);
                    }
                } else if (isDir && patterns.mayReincludeUnder(rel)) {
                    directory(path, rel, childState, new Pending(pending, rel, path, attrs));
                }
            }
        }

        private List<String> list(Path dir, String relDir) throws IOException {
            onRead.accept(relDir);
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    names.add(entry.getFileName().toString());
                }
            } catch (DirectoryIteratorException e) {
                throw e.getCause();
            }
            names.sort(BY_CODE_POINT);
            return names;
        }

        private void yieldPending(Pending p) throws IOException {
            if (p == null || p.yielded) {
                return;
            }
            yieldPending(p.parent);
            p.yielded = true;
            visitor.visit(p.relativePath, p.path, p.attrs);
        }
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
