package dev.jbuild.layer.diff;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.TreeWalker;
import dev.jbuild.layer.apply.ApplyOptions.OverlayXattrs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns an overlayfs upper dir into a layer with OCI whiteouts, as containers/storage and BuildKit
 * do (see {@code ../shared/reference/builders.md} §4.2, beside the repository). The upper dir is walked by {@link TreeWalker}; then:
 * <ul>
 *   <li>a character device 0/0 {@code x} (the kernel's whiteout, also when it is one of many hard
 *       links to the shared whiteout inode that kernels since 5.8 create) becomes {@code .wh.x}, but
 *       only when {@code x} exists in the lower view; a whiteout of a path absent below (a file
 *       created and deleted in the same step) gives nothing;</li>
 *   <li>a directory with {@code <prefix>opaque=y} becomes its entry plus {@code .wh..wh..opq} (or
 *       explicit whiteouts, see {@link OpaqueDirs}), but only when a directory is at that path in
 *       the lower view: since Linux 4.10 the kernel also
 *       marks directories created fresh in the merged view opaque, and those hide nothing;</li>
 *   <li>{@code <prefix>*} xattrs (overlay bookkeeping such as {@code origin} and {@code impure}) are
 *       never written to the layer; other xattrs follow {@link LayerOptions#xattrFilter()};</li>
 *   <li>{@code <prefix>redirect} or {@code <prefix>metacopy} anywhere is an
 *       {@link OverlayDiffException}: with them the upper dir no longer holds the whole of a renamed
 *       directory or a copied-up file, so its diff would be wrong. BuildKit refuses them too. Mount
 *       with {@code redirect_dir=off,metacopy=off}, or use {@link TreeDiffer}.</li>
 * </ul>
 * The lower view is what the merged mount showed below the upper dir: lower dirs are searched top
 * first, and the first one with an entry or a whiteout at a path decides; a lower directory that is
 * opaque, or a non-directory, hides the layers under it; a path inside an opaque upper directory is
 * never in the lower view. Lower dirs hold overlay-format whiteouts (as
 * {@link dev.jbuild.layer.apply.ApplyMode#OVERLAY} extracts them), in the same xattr namespace.
 *
 * <p>Entries are written in {@link dev.jbuild.layer.EntryOrder}, so every whiteout comes before its
 * siblings; the metadata of all entries is held for that sort, contents are streamed.
 */
public final class OverlayDiffer {
    private final Path upper;
    private final List<Path> lowers;
    private final String prefix;
    private final List<LayerEntry> entries = new ArrayList<>();
    /** First paths (as {@link TreeWalker} names hardlink targets) of whiteout inodes. */
    private final Set<String> whiteoutInodes = new HashSet<>();
    private final Set<String> opaqueUpperDirs = new HashSet<>();
    private final OpaqueDirs opaqueDirs;

    /**
     * How a directory that replaced one of the lower view (deleted and created again) is written:
     * its entry plus {@code .wh..wh..opq} ({@link #MARKER}, as containers/storage writes it), or
     * its entry plus one explicit whiteout for each child of the lower view it no longer has, down
     * through the directories both have ({@link #EXPLICIT}, as BuildKit's differ writes it, and as
     * the image-spec recommends). Both apply to the same tree.
     */
    public enum OpaqueDirs {
        MARKER, EXPLICIT
    }

    private OverlayDiffer(Path upper, List<Path> lowers, OverlayXattrs xattrs, OpaqueDirs opaqueDirs) {
        this.upper = upper;
        this.lowers = List.copyOf(lowers);
        this.prefix = xattrs.prefix();
        this.opaqueDirs = opaqueDirs;
    }

    /** Same as {@link #write(Path, List, OutputStream, Compression, LayerOptions, OverlayXattrs)} for {@code trusted.overlay.*}. */
    public static LayerResult write(Path upperDir, List<Path> lowerDirs, OutputStream out, Compression compression,
            LayerOptions options) throws IOException {
        return write(upperDir, lowerDirs, out, compression, options, OverlayXattrs.TRUSTED);
    }

    /**
     * Writes the layer for {@code upperDir}.
     *
     * @param upperDir the upper dir of an overlay mount that is no longer mounted (or is idle)
     * @param lowerDirs the mount's lower dirs, top first (the {@code lowerdir=} order)
     * @param xattrs {@link OverlayXattrs#USER} for mounts with the {@code userxattr} option
     * @throws OverlayDiffException when the upper dir uses redirect_dir or metacopy
     */
    public static LayerResult write(Path upperDir, List<Path> lowerDirs, OutputStream out, Compression compression,
            LayerOptions options, OverlayXattrs xattrs) throws IOException {
        return LayerWriter.write(entries(upperDir, lowerDirs, options, xattrs), out, compression, options);
    }

    /** The entries of the layer for {@code upperDir}, in walk order (not yet sorted), with opaque markers. */
    public static List<LayerEntry> entries(Path upperDir, List<Path> lowerDirs, LayerOptions options,
            OverlayXattrs xattrs) throws IOException {
        return entries(upperDir, lowerDirs, options, xattrs, OpaqueDirs.MARKER);
    }

    /** The entries of the layer for {@code upperDir}, in walk order (not yet sorted). */
    public static List<LayerEntry> entries(Path upperDir, List<Path> lowerDirs, LayerOptions options,
            OverlayXattrs xattrs, OpaqueDirs opaqueDirs) throws IOException {
        Objects.requireNonNull(xattrs, "xattrs");
        OverlayDiffer d = new OverlayDiffer(upperDir, lowerDirs, xattrs, opaqueDirs);
        LayerOptions walk = options.withXattrFilter(
                name -> options.xattrFilter().test(name) || name.startsWith(d.prefix));
        TreeWalker.walk(upperDir, walk, d::visit);
        return d.entries;
    }

    private void visit(LayerEntry e) throws IOException {
        boolean opaque = false;
        if (!e.xattrs().isEmpty() && e.xattrs().keySet().stream().anyMatch(n -> n.startsWith(prefix))) {
            Map<String, byte[]> kept = new TreeMap<>();
            for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                String name = x.getKey();
                if (!name.startsWith(prefix)) {
                    kept.put(name, x.getValue());
                    continue;
                }
                String key = name.substring(prefix.length());
                if (key.equals("redirect") || key.equals("metacopy")) {
                    throw new OverlayDiffException(upper.resolve(e.path()) + " has the xattr " + name
                            + ": the overlay was mounted with " + (key.equals("redirect") ? "redirect_dir" : "metacopy")
                            + " enabled, and such an upper dir cannot be diffed on its own (a renamed directory or a "
                            + "metadata-only copy-up keeps its content in a lower dir). Mount with "
                            + "redirect_dir=off,metacopy=off, or diff the trees with TreeDiffer.");
                }
                if (key.equals("opaque") && e.type() == LayerEntry.Type.DIR) {
                    byte[] v = x.getValue();
                    opaque = v.length == 1 && v[0] == 'y';
                }
            }
            e = e.withXattrs(kept);
        }
        if (e.type() == LayerEntry.Type.CHAR && e.devMajor() == 0 && e.devMinor() == 0) {
            whiteoutInodes.add(e.path());
            whiteout(e.path());
            return;
        }
        if (e.type() == LayerEntry.Type.HARDLINK && whiteoutInodes.contains(e.linkTarget())) {
            whiteout(e.path());
            return;
        }
        entries.add(e);
        if (opaque) {
            if (lowerFormat(e.path()) == Stat.S_IFDIR) {
                if (opaqueDirs == OpaqueDirs.MARKER) {
                    entries.add(LayerEntry.opaqueWhiteout(e.path()));
                } else {
                    explicitWhiteouts(e.path());
                }
            }
            opaqueUpperDirs.add(e.path());
        }
    }

    private void whiteout(String path) throws IOException {
        if (lowerFormat(path) >= 0) {
            entries.add(LayerEntry.whiteout(path));
        }
    }

    /**
     * Whiteouts for the children of the lower view's directory {@code dir} that the upper dir's
     * {@code dir} does not have (or has as a whiteout); where both have a directory, the same
     * one level down, since the upper one replaced it whole.
     */
    private void explicitWhiteouts(String dir) throws IOException {
        for (Map.Entry<String, Boolean> below : lowerChildren(dir).entrySet()) {
            String child = dir + "/" + below.getKey();
            var st = Stat.formatAndRdev(upper.resolve(child));
            if (st.isEmpty() || Stat.isOverlayWhiteout(st.get()[0], st.get()[1])) {
                entries.add(LayerEntry.whiteout(child));
            } else if (below.getValue() && st.get()[0] == Stat.S_IFDIR) {
                explicitWhiteouts(child);
            }
        }
    }

    /** The names in the lower view's directory {@code dir}, each with whether it is a directory. */
    private Map<String, Boolean> lowerChildren(String dir) throws IOException {
        Map<String, Boolean> out = new TreeMap<>();
        Set<String> hidden = new HashSet<>();
        for (Path layer : lowerDirsShowing(dir)) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(layer.resolve(dir))) {
                List<String> whiteouts = new ArrayList<>();
                for (Path c : children) {
                    String name = c.getFileName().toString();
                    var st = Stat.formatAndRdev(c);
                    if (st.isEmpty() || hidden.contains(name) || out.containsKey(name)) {
                        continue;
                    }
                    if (Stat.isOverlayWhiteout(st.get()[0], st.get()[1])) {
                        whiteouts.add(name); // hides the name in the layers below this one
                    } else {
                        out.put(name, st.get()[0] == Stat.S_IFDIR);
                    }
                }
                hidden.addAll(whiteouts);
            }
        }
        return out;
    }

    /** The lower dirs (top first) in which {@code dir} is part of the lower view as a directory. */
    private List<Path> lowerDirsShowing(String dir) throws IOException {
        String[] names = dir.split("/");
        List<Path> layers = lowers;
        StringBuilder prefixPath = new StringBuilder();
        for (String name : names) {
            prefixPath.append(prefixPath.length() == 0 ? "" : "/").append(name);
            List<Path> next = new ArrayList<>();
            for (Path layer : layers) {
                Path p = layer.resolve(prefixPath.toString());
                var st = Stat.formatAndRdev(p);
                if (st.isEmpty()) {
                    continue;
                }
                if (Stat.isOverlayWhiteout(st.get()[0], st.get()[1]) || st.get()[0] != Stat.S_IFDIR) {
                    break;
                }
                next.add(layer);
                if (Stat.isOpaque(p, prefix)) {
                    break;
                }
            }
            layers = next;
        }
        return layers;
    }

    /** The file format bits of {@code path} in the lower view, or -1 when it is not there. */
    private long lowerFormat(String path) throws IOException {
        for (String p = Stat.parent(path); p != null; p = Stat.parent(p)) {
            if (opaqueUpperDirs.contains(p)) {
                return -1;
            }
        }
        String parent = Stat.parent(path);
        for (Path layer : parent == null ? lowers : lowerDirsShowing(parent)) {
            var st = Stat.formatAndRdev(layer.resolve(path));
            if (st.isEmpty()) {
                continue;
            }
            return Stat.isOverlayWhiteout(st.get()[0], st.get()[1]) ? -1 : st.get()[0];
        }
        return -1;
    }
}
