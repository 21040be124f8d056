package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.cache.ContextListing;
import dev.jbuild.builder.cache.ListedTree;
import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.layer.EntryOrder;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.TreeWalker;
import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy that only records its files ({@link LayerLeaves}) must give exactly the layer entries the
 * same copy written to disk gives when the upper dir is walked: types, modes, owners, times, link
 * targets, hard links, devices, capabilities and contents, for every kind of source entry.
 */
class LayerLeavesTest {
    private static final Instant OLD = Instant.ofEpochSecond(1_500_000_000);
    private static final Instant OLDER = Instant.ofEpochSecond(1_400_000_000);
    /** A version 2 file capability granting cap_net_raw (bit 13), effective. */
    private static final byte[] CAP_NET_RAW = {0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    @TempDir
    Path tmp;
    private Path stage;
    private Path context;

    @BeforeEach
    void setUp() throws Exception {
        Required.root("owners, devices and security.capability need root");
        stage = Files.createDirectories(tmp.resolve("stage"));
        Path src = Files.createDirectories(stage.resolve("src/sub dir/ünï"));
        write(src.resolve("plain.txt"), "plain\n", 0644, 0, 0);
        write(src.resolve("setuid"), "#!/bin/sh\n", 04755, 1000, 1001);
        write(src.resolve("secret"), "s", 0600, 33, 33);
        write(src.resolve("sub dir/ünï/deep.txt"), "deep\n", 0640, 0, 0);
        Path linked = write(src.resolve("a-link"), "shared content\n", 0644, 7, 7);
        Files.createLink(src.resolve("b-link"), linked);
        Files.createLink(src.resolve("sub dir/c-link"), linked);
        Files.createSymbolicLink(src.resolve("rel-symlink"), Path.of("plain.txt"));
        Files.createSymbolicLink(src.resolve("abs-symlink"), Path.of("/etc/passwd"));
        Syscalls.mknod(src.resolve("fifo"), Syscalls.S_IFIFO, 0620, 0);
        Syscalls.mknod(src.resolve("null-device"), Syscalls.S_IFCHR, 0666, Syscalls.makedev(1, 3));
        Path ping = write(src.resolve("ping"), "ELF", 0755, 0, 0);
        Syscalls.setXattr(ping, "security.capability", CAP_NET_RAW);
        Syscalls.setXattr(src.resolve("plain.txt"), "user.note", "dropped by the layer".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(src.resolve("empty"));
        for (Path p : List.of(src.resolve("rel-symlink"), src.resolve("abs-symlink"), src.resolve("fifo"))) {
            Syscalls.setTimesNoFollow(p, OLD);
        }
        Syscalls.setTimesNoFollow(src.resolve("sub dir/ünï"), OLDER);
        Syscalls.setTimesNoFollow(src.resolve("sub dir"), OLDER);
        Syscalls.setTimesNoFollow(src.resolve("empty"), OLDER);
        Syscalls.setTimesNoFollow(src, OLDER);

        context = Files.createDirectories(tmp.resolve("context"));
        write(context.resolve("app/main.py"), "print('hi')\n", 0644, 0, 0);
        write(context.resolve("app/ignored.log"), "noise\n", 0644, 0, 0);
        write(context.resolve("app/data/table.csv"), "a,b\n", 0600, 0, 0);
        write(context.resolve("other/main.py"), "print('replaced')\n", 0755, 0, 0);
        Syscalls.setTimesNoFollow(context.resolve("app/data"), OLDER);
    }

    @Test
    void aStageTreeKeepsItsOwnersLinksDevicesAndCapabilities() throws Exception {
        assertSameLayer(CopySource.stage(stage), request(List.of("src"), "/dst/", Optional.empty(), Optional.empty()));
    }

    @Test
    void chownAndChmodApplyToRecordedEntriesToo() throws Exception {
        assertSameLayer(CopySource.stage(stage), request(List.of("src"), "/dst/", Optional.of(Ids.of(1234, 99)),
                Optional.of(ChmodSpec.parse("u=rwx,g=rx,o="))));
    }

    @Test
    void laterSourcesReplaceWhatEarlierOnesRecordedAndIgnoredFilesStayOut() throws Exception {
        CopySource ctx = CopySource.context(context, IgnorePatterns.of(List.of("**/*.log")));
        assertSameLayer(ctx, request(List.of("app", "other", "app/data/table.csv"), "/srv/app/", Optional.empty(),
                Optional.empty()));
    }

    @Test
    void aListedTreeGivesTheLayerStatingItGives() throws Exception {
        // The stage has a device too, whose number the listing lacks: stat'd all the same.
        assertSameLayer(CopySource.stage(stage), new CopySource(stage, false, IgnorePatterns.none(), listed(stage)),
                request(List.of("src"), "/dst/", Optional.empty(), Optional.empty()));
        IgnorePatterns ignore = IgnorePatterns.of(List.of("**/*.log"));
        Files.walk(tmp.resolve("recorded")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Files.walk(tmp.resolve("disk")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        assertSameLayer(CopySource.context(context, ignore), CopySource.context(context, ignore, listed(context)),
                request(List.of("app", "other"), "/srv/app/", Optional.empty(), Optional.empty()));
    }

    private static Optional<ListedTree> listed(Path dir) throws IOException {
        Optional<ListedTree> tree = ContextListing.take(dir, Clock.systemUTC()).orElseThrow().tree();
        assertTrue(tree.isPresent());
        return tree;
    }

    @Test
    void aFileOntoAFileName() throws Exception {
        assertSameLayer(CopySource.context(context, IgnorePatterns.none()),
                request(List.of("app/main.py"), "/srv/renamed.py", Optional.empty(), Optional.empty()));
    }

    @Test
    void aDirectoryWhereARecordedFileIsFailsAsOnDisk() throws Exception {
        Files.createDirectories(stage.resolve("one"));
        write(stage.resolve("one/x"), "file\n", 0644, 0, 0);
        Files.createDirectories(stage.resolve("two/x"));
        CopyRequest r = request(List.of("one", "two"), "/dst/", Optional.empty(), Optional.empty());
        BuildException onDisk = assertThrows(BuildException.class,
                () -> Copier.copy(CopySource.stage(stage), r, Files.createDirectory(tmp.resolve("disk"))));
        Path upper = Files.createDirectory(tmp.resolve("recorded"));
        BuildException recorded = assertThrows(BuildException.class,
                () -> Copier.copy(CopySource.stage(stage), r, upper, new LayerLeaves(upper)));
        assertEquals(onDisk.getMessage(), recorded.getMessage());
    }

    @Test
    void onlyDirectoriesReachTheDisk() throws Exception {
        Path upper = Files.createDirectory(tmp.resolve("recorded"));
        LayerLeaves leaves = new LayerLeaves(upper);
        Copier.copy(CopySource.stage(stage), request(List.of("src"), "/dst/", Optional.empty(), Optional.empty()),
                upper, leaves);
        assertFalse(leaves.isEmpty());
        try (var walk = Files.walk(upper)) {
            assertTrue(walk.allMatch(Files::isDirectory), "only directories on disk");
        }
    }

    private void assertSameLayer(CopySource source, CopyRequest request) throws Exception {
        assertSameLayer(source, source, request);
    }

    /** The layer of {@code onDisk} copied to disk equals the one of {@code recorded} copied into leaves. */
    private void assertSameLayer(CopySource onDisk, CopySource recorded, CopyRequest request) throws Exception {
        LayerOptions options = LayerOptions.defaults();
        Path disk = Files.createDirectory(tmp.resolve("disk"));
        Files.createDirectory(disk.resolve("srv"));
        Copier.copy(onDisk, request, disk);
        List<LayerEntry> expected = walk(disk, options);

        Path upper = Files.createDirectory(tmp.resolve("recorded"));
        Files.createDirectory(upper.resolve("srv"));
        LayerLeaves leaves = new LayerLeaves(upper);
        Copier.copy(recorded, request, upper, leaves);
        List<LayerEntry> actual = walk(upper, options);
        actual.addAll(leaves.entries(options));
        actual.sort(EntryOrder.ENTRIES);

        assertEquals(expected.stream().map(LayerEntry::path).toList(), actual.stream().map(LayerEntry::path).toList());
        for (int i = 0; i < expected.size(); i++) {
            LayerEntry e = expected.get(i);
            LayerEntry a = actual.get(i);
            String what = e.path();
            assertEquals(e.type(), a.type(), what);
            assertEquals(e.mode(), a.mode(), what + " mode");
            assertEquals(e.uid(), a.uid(), what + " uid");
            assertEquals(e.gid(), a.gid(), what + " gid");
            assertEquals(e.size(), a.size(), what + " size");
            assertEquals(e.linkTarget(), a.linkTarget(), what + " link target");
            assertEquals(e.devMajor(), a.devMajor(), what + " major");
            assertEquals(e.devMinor(), a.devMinor(), what + " minor");
            assertEquals(e.xattrs().keySet(), a.xattrs().keySet(), what + " xattrs");
            for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                assertArrayEquals(x.getValue(), a.xattrs().get(x.getKey()), what + " " + x.getKey());
            }
            long de = e.mtime().getEpochSecond();
            long da = a.mtime().getEpochSecond();
            // A directory the copy creates files in without setting its time takes the time of
            // that creation, a moment apart between the two copies.
            boolean touched = e.type() == LayerEntry.Type.DIR && de > OLD.getEpochSecond();
            assertTrue(touched ? Math.abs(de - da) <= 5 : de == da, what + " mtime " + de + " vs " + da);
            try (InputStream ei = e.content().open(); InputStream ai = a.content().open()) {
                assertArrayEquals(ei.readAllBytes(), ai.readAllBytes(), what + " content");
            }
        }
    }

    private static List<LayerEntry> walk(Path root, LayerOptions options) throws IOException {
        List<LayerEntry> entries = new ArrayList<>();
        TreeWalker.walk(root, options, entries::add);
        return entries;
    }

    private static CopyRequest request(List<String> sources, String destination, Optional<Ids> chown,
                                       Optional<ChmodSpec> chmod) {
        return new CopyRequest(sources, destination, "/", chown, chmod, false, false, List.of());
    }

    private static Path write(Path file, String content, int mode, int uid, int gid) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setAttribute(file, "unix:uid", uid);
        Files.setAttribute(file, "unix:gid", gid);
        Files.setAttribute(file, "unix:mode", mode);
        Syscalls.setTimesNoFollow(file, OLD);
        return file;
    }
}
