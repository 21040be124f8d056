package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** images, inspect, tag, rmi and prune against a store the test fills through the store API. */
class StoreCommandsTest {
    @TempDir
    Path root;

    private Descriptor image(LocalStore store, String seed) throws Exception {
        byte[] layer = ("layer " + seed).getBytes(StandardCharsets.UTF_8);
        byte[] config = Json.write(ImageConfig.of(Platform.of("linux", "amd64"))
                .withCreated(Instant.parse("2026-01-02T03:04:05Z")).withAuthor(java.util.Optional.of(seed)));
        Descriptor l = Descriptor.of(MediaTypes.OCI_LAYER, store.blobs().write(layer), layer.length);
        Descriptor c = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(config), config.length);
        byte[] manifest = Json.write(Manifest.oci(c, List.of(l)));
        return Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
    }

    private CliTest.Result run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--root";
        all[args.length + 1] = root.toString();
        return CliTest.run(all);
    }

    @Test
    void listInspectTagRemoveAndPrune() throws Exception {
        LocalStore store = LocalStore.open(root);
        Descriptor one = image(store, "one");
        store.tag(ImageReference.parse("app:1"), one);
        image(store, "orphan");

        CliTest.Result table = run("images");
        assertEquals(0, table.status(), table.err());
        String[] lines = table.out().split("\n");
        assertTrue(lines[0].matches("REPOSITORY +TAG +IMAGE ID +CREATED +SIZE"), lines[0]);
        assertTrue(lines[1].startsWith("app          1     "), lines[1]);

        assertEquals(0, run("tag", "app:1", "localhost:5000/team/app").status());
        JsonNode json = new ObjectMapper().readTree(run("images", "--format", "json").out());
        assertEquals(2, json.size());
        assertEquals("localhost:5000/team/app:latest", json.get(1).get("name").asText());
        assertEquals(json.get(0).get("id"), json.get(1).get("id"), "one image, two names");

        JsonNode inspect = new ObjectMapper().readTree(run("inspect", "localhost:5000/team/app").out());
        assertEquals(one.digest().toString(), inspect.get(0).get("Digest").asText());
        assertEquals("amd64", inspect.get(0).get("Config").get("architecture").asText());
        assertEquals(1, inspect.get(0).get("Manifest").get("layers").size());

        CliTest.Result missing = run("inspect", "nope");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no such image: nope"), missing.err());

        CliTest.Result rmi = run("rmi", "app:1", "ghost");
        assertEquals(1, rmi.status(), "one name did not exist");
        assertEquals("Untagged: app:1\n", rmi.out());
        assertTrue(rmi.err().contains("no such image: ghost"));

        CliTest.Result df = run("system", "df");
        assertEquals(0, df.status(), df.err());
        assertTrue(df.out().startsWith("TYPE           TOTAL   SIZE"), df.out());
        assertTrue(df.out().contains("\nUnused blobs   3       " + Sizes.human(sizeOfOrphan(store))), df.out());

        CliTest.Result prune = run("prune");
        assertEquals("Deleted 3 blobs, 0 build cache results and 0 layer snapshots, reclaimed "
                + Sizes.human(sizeOfOrphan(store)) + " of blobs\n", prune.out());
        assertEquals(0, run("inspect", "localhost:5000/team/app").status(), "the named image survives prune");
        assertTrue(run("system", "df").out().contains("\nUnused blobs   0       0B"));
    }

    @Test
    void pruneRefusesFiltersItDoesNotKnow() {
        CliTest.Result since = run("prune", "--filter", "since=1h");
        assertEquals(1, since.status());
        assertTrue(since.err().contains("--filter since=1h: only until=DURATION is supported"), since.err());
        CliTest.Result badDuration = run("prune", "--filter", "until=1 day");
        assertTrue(badDuration.err().contains("invalid duration \"1 day\""), badDuration.err());
        CliTest.Result badSize = run("prune", "--keep-storage", "lots");
        assertTrue(badSize.err().contains("invalid size \"lots\""), badSize.err());
    }

    private long sizeOfOrphan(LocalStore store) throws Exception {
        LocalStore scratch = LocalStore.open(root.resolve("scratch"));
        Descriptor d = image(scratch, "orphan");
        Manifest m = Json.read(scratch.blobs().read(d.digest()), Manifest.class);
        return d.size() + m.config().size() + m.layers().get(0).size();
    }

    @Test
    void exportAndImportThroughTheCommands() throws Exception {
        java.nio.file.Files.createDirectories(root.resolve("rootfs/etc"));
        java.nio.file.Files.writeString(root.resolve("rootfs/etc/motd"), "hi\n");
        assertEquals("Imported app:1\n", run("import", "--rootfs", root.resolve("rootfs").toString(), "app:1").out());
        LocalStore store = LocalStore.open(root);
        Descriptor one = store.resolve(ImageReference.parse("app:1")).orElseThrow();
        Path layout = root.resolve("layout");
        Path archive = root.resolve("app.tar");
        assertEquals(one.digest() + "\n", run("export", "app:1", layout.toString()).out());
        assertEquals(0, run("export", "--format", "oci-archive", "app:1", archive.toString()).status());
        Path docker = root.resolve("app-docker.tar");
        assertEquals(0, run("export", "--format", "docker", "app:1", docker.toString()).status());

        Path other = root.resolve("other");
        assertEquals("Imported app:1\n", CliTest.run("import", layout.toString(), "--root", other.toString()).out());
        assertEquals("Imported copy:2\n",
                CliTest.run("import", archive.toString(), "copy:2", "--root", other.toString()).out());
        LocalStore imported = LocalStore.open(other);
        assertEquals(one.digest(), imported.resolve(ImageReference.parse("copy:2")).orElseThrow().digest());
        assertEquals("Imported app:1\n", CliTest.run("import", docker.toString(), "--root", other.toString()).out());
        CliTest.Result missing = CliTest.run("import", root.resolve("nope").toString(), "--root", other.toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no such file or directory"), missing.err());
    }

    @Test
    void badReferencesAreOneLineErrors() {
        CliTest.Result r = run("tag", "App", "x");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("jbuild: invalid image reference \"App\": repository name must be lowercase"),
                r.err());
    }
}
