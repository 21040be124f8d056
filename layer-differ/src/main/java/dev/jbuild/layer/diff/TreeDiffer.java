package dev.jbuild.layer.diff;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.EntryOrder;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.TreeWalker;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The walking differ, for when overlayfs cannot be used: compares an old tree ({@code lower}, the
 * merged root filesystem before a step) with a new one ({@code upper}, after it) and writes what
 * changed as a layer, like containerd's and BuildKit's "double walk". Both trees are walked at once
 * in {@link EntryOrder} (the old one on a helper thread), so memory holds only the changes.
 *
 * <p><b>What counts as changed</b>, for a path in both trees: a different type, mode, owner, mtime
 * (to the nanosecond), xattrs (those {@link LayerOptions#xattrFilter()} keeps), size of a file,
 * symlink target, device numbers, or hardlink target. Content is never read: a file rewritten with
 * the same size and the same mtime counts as unchanged. containerd reads content only when both
 * mtimes have zero nanoseconds (trees extracted from tars); jbuild's trees come from real writes, and
 * a step that preserves both size and nanosecond mtime while changing bytes is not worth a read of
 * every file.
 *
 * <p><b>What is written</b>: every new or changed path in full (a new directory with everything
 * below it); {@code .wh.name} for every path of {@code lower} missing from {@code upper} (one for a
 * deleted directory, none for what was below it); a path whose type changed just as its new entry (an
 * applier replaces what is there, removing a whole directory when a non-directory replaces it). The
 * parent directories of every written path are written too, with their new metadata, as BuildKit
 * does, and a hardlink whose first path is unchanged brings that path along so the link is kept.
 */
public final class TreeDiffer {
    private final Path upper;
    private final LayerOptions options;
    private final List<LayerEntry> out = new ArrayList<>();
    private final Set<String> emitted = new HashSet<>();
    private String skipPrefix;

    private TreeDiffer(Path upper, LayerOptions options) {
        this.upper = upper;
        this.options = options;
    }

    /** Writes the layer that turns the tree {@code lower} into the tree {@code upper}. */
    public static LayerResult write(Path lower, Path upper, OutputStream out, Compression compression,
            LayerOptions options) throws IOException {
        return LayerWriter.write(entries(lower, upper, options), out, compression, options);
    }

    /** The entries of that layer, in no particular order. */
    public static List<LayerEntry> entries(Path lower, Path upper, LayerOptions options) throws IOException {
        for (Path tree : List.of(lower, upper)) {
            if (!Files.isDirectory(tree)) {
                throw new NotDirectoryException(tree + " (a tree diff compares two directories)");
            }
        }
        TreeDiffer d = new TreeDiffer(upper, options);
        try (Walk old = new Walk(lower, options)) {
            TreeWalker.walk(upper, options, u -> {
                byte[] key = EntryOrder.sortKey(u.path());
                while (old.peek() != null && Arrays.compareUnsigned(old.peekKey(), key) < 0) {
                    d.onlyOld(old.next());
                }
                if (old.peek() != null && old.peek().path().equals(u.path())) {
                    d.both(old.next(), u);
                } else {
                    d.emit(u);
                }
            });
            while (old.peek() != null) {
                d.onlyOld(old.next());
            }
        }
        return d.out;
    }

    private void onlyOld(LayerEntry l) throws IOException {
        if (skipPrefix != null && l.path().startsWith(skipPrefix)) {
            return;
        }
        skipPrefix = l.path() + "/";
        parents(l.path());
        out.add(LayerEntry.whiteout(l.path()));
    }

    private void both(LayerEntry l, LayerEntry u) throws IOException {
        if (l.type() == LayerEntry.Type.DIR && u.type() != LayerEntry.Type.DIR) {
            skipPrefix = l.path() + "/";
        }
        if (changed(l, u)) {
            emit(u);
        }
    }

    private boolean changed(LayerEntry l, LayerEntry u) {
        if (l.type() != u.type() || l.mode() != u.mode() || l.uid() != u.uid() || l.gid() != u.gid()
                || !l.mtime().equals(u.mtime()) || l.size() != u.size() || !l.linkTarget().equals(u.linkTarget())
                || l.devMajor() != u.devMajor() || l.devMinor() != u.devMinor()) {
            return true;
        }
        if (u.type() == LayerEntry.Type.HARDLINK && emitted.contains(u.linkTarget())) {
            return true; // the inode was rewritten at its first path: the link must follow
        }
        if (!l.xattrs().keySet().equals(u.xattrs().keySet())) {
            return true;
        }
        for (Map.Entry<String, byte[]> x : l.xattrs().entrySet()) {
            if (!Arrays.equals(x.getValue(), u.xattrs().get(x.getKey()))) {
                return true;
            }
        }
        return false;
    }

    private void emit(LayerEntry e) throws IOException {
        if (e.type() == LayerEntry.Type.HARDLINK && !emitted.contains(e.linkTarget())) {
            String target = e.linkTarget();
            parents(target);
            out.add(Stat.entry(upper.resolve(target), target, options.xattrFilter()));
            emitted.add(target);
        }
        parents(e.path());
        out.add(e);
        emitted.add(e.path());
    }

    /** Adds the not yet written parent directories of {@code path}, top first. */
    private void parents(String path) throws IOException {
        Deque<String> missing = new ArrayDeque<>();
        for (String p = Stat.parent(path); p != null && !emitted.contains(p); p = Stat.parent(p)) {
            missing.push(p);
        }
        for (String p : missing) {
            out.add(Stat.entry(upper.resolve(p), p, options.xattrFilter()));
            emitted.add(p);
        }
    }

    /** The old tree's walk, on its own thread, read one entry ahead. */
    private static final class Walk implements AutoCloseable {
        private static final Object END = new Object();
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(1024);
        private final Thread thread;
        private LayerEntry head;
        private byte[] headKey;
        private boolean ended;

        Walk(Path root, LayerOptions options) {
            thread = new Thread(() -> {
                Object last = END;
                try {
                    TreeWalker.walk(root, options, e -> {
                        try {
                            queue.put(e);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("tree diff cancelled");
                        }
                    });
                } catch (Throwable t) {
                    last = t;
                }
                try {
                    queue.put(last);
                } catch (InterruptedException ignored) {
                    // the reader is gone
                }
            }, "jbuild-tree-differ");
            thread.setDaemon(true);
            thread.start();
        }

        LayerEntry peek() throws IOException {
            if (head == null && !ended) {
                Object o;
                try {
                    o = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("tree diff interrupted");
                }
                if (o == END) {
                    ended = true;
                } else if (o instanceof IOException e) {
                    ended = true;
                    throw new IOException(e.getMessage(), e);
                } else if (o instanceof Throwable t) {
                    ended = true;
                    throw new IOException("walking the old tree failed: " + t, t);
                } else {
                    head = (LayerEntry) o;
                    headKey = EntryOrder.sortKey(head.path());
                }
            }
            return head;
        }

        byte[] peekKey() {
            return headKey;
        }

        LayerEntry next() throws IOException {
            LayerEntry e = peek();
            head = null;
            headKey = null;
            return e;
        }

        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
