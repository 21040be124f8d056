package dev.jbuild.builder.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.image.RootfsImage;
import dev.jbuild.oci.ContainerConfig;
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
import java.util.Map;

/**
 * The base images of the cases, made offline into the test store, never by the engine under test:
 * <ul>
 *   <li>{@code busybox:local}: {@code testdata/base/make-busybox-rootfs.sh} as one layer, no Env, no Cmd;</li>
 *   <li>{@code busybox-cmd:local}: the same layer, with {@code Cmd ["sh","-c","echo base"]},
 *       {@code Env ["BASEENV=1"]} (no PATH) and labels {@code base.label=inherited},
 *       {@code over=base}, as BuildKit probe base {@code busybox-cmd:1}.</li>
 * </ul>
 */
final class TestBaseImages {
    static final ImageReference BUSYBOX = ImageReference.parse("busybox:local");
    static final ImageReference BUSYBOX_CMD = ImageReference.parse("busybox-cmd:local");
    /** Every time of the bases: 2023-11-14T22:13:20Z. */
    static final Instant TIME = Instant.ofEpochSecond(1700000000);

    private TestBaseImages() {
    }

    static void create(LocalStore store, Path testdata, Path scratch) throws Exception {
        Path rootfs = scratch.resolve("busybox-rootfs");
        Process p = new ProcessBuilder("bash", testdata.resolve("base/make-busybox-rootfs.sh").toString(),
                rootfs.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "make-busybox-rootfs.sh: " + out);
        Descriptor busybox = RootfsImage.create(store, rootfs, BUSYBOX, Platform.host(), TIME,
                LayerOptions.defaults().withSourceDateEpoch(TIME));

        Manifest m = Json.read(store.blobs().read(busybox.digest()), Manifest.class, "busybox:local");
        ImageConfig config = Json.read(store.blobs().read(m.config().digest()), ImageConfig.class, "busybox:local");
        ContainerConfig c = ContainerConfig.EMPTY.withCmd(List.of("sh", "-c", "echo base"))
                .withEnv(List.of("BASEENV=1")).withLabels(Map.of("base.label", "inherited", "over", "base"));
        byte[] configJson = Json.write(config.withConfig(c));
        Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(configJson), configJson.length);
        byte[] manifest = Json.write(Manifest.oci(configDesc, m.layers()));
        store.tag(BUSYBOX_CMD, Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length));
    }
}
