package dev.jbuild.cli;

import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.image.DockerArchive;
import dev.jbuild.layer.image.RootfsImage;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.transfer.LayoutArchive;
import dev.jbuild.oci.transfer.LayoutTransfer;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbuild import SOURCE [NAME]}: images from an OCI layout, an oci-archive or a docker archive. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Read images from an OCI image layout directory, an oci-archive or a docker archive",
                "('docker save') into the local store.",
                "Every image of the layout is imported under its own name (io.containerd.image.name, or a full",
                "reference in org.opencontainers.image.ref.name); NAME names a single image instead."},
        footer = {"", "Examples:", "  jbuild import ./out", "  jbuild import app.tar app:imported",
                "  jbuild import --ref latest ./skopeo-layout myapp:1"})
final class ImportCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "A layout directory or an oci-archive file.")
    Path source;

    @Parameters(index = "1", paramLabel = "NAME", arity = "0..1", description = "The name to give the image.")
    String name;

    @Option(names = "--ref", paramLabel = "REF",
            description = "Import only the image whose ref.name annotation or name is REF.")
    String ref;

    @Option(names = "--rootfs", description = "SOURCE is a root file system (directory or tar) to make a"
            + " one-layer image of.")
    boolean rootfs;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "With --rootfs: the image's platform (default: this machine's).")
    String platform;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Integer importRootfs(LocalStore s) throws Exception {
        if (name == null) {
            throw new UserError("--rootfs needs a NAME: jbuild import --rootfs " + source + " NAME");
        }
        if (!Files.exists(source)) {
            throw new UserError(source + ": no such file or directory");
        }
        Platform p = PlatformArg.parse(platform).orElseGet(Platform::host);
        Optional<Instant> epoch = LayerOptions.parseSourceDateEpoch(System.getenv("SOURCE_DATE_EPOCH"));
        LayerOptions options = LayerOptions.defaults().withSourceDateEpoch(epoch);
        ImageReference ref = StoreMixin.reference(name);
        RootfsImage.create(s, source, ref, p, epoch.orElse(Instant.now()), options);
        spec.commandLine().getOut().println("Imported " + ref.withDefaultTag().familiar());
        spec.commandLine().getOut().flush();
        return 0;
    }

    @Override
    public Integer call() throws Exception {
        LocalStore s = store.open();
        if (rootfs) {
            return importRootfs(s);
        }
        Optional<ImageReference> as = Optional.ofNullable(name).map(StoreMixin::reference);
        List<ImageReference> imported;
        if (Files.isDirectory(source)) {
            imported = LayoutTransfer.importLayout(s, source, Optional.ofNullable(ref), as);
        } else if (Files.isRegularFile(source) && DockerArchive.isDockerArchive(source)) {
            if (ref != null) {
                throw new UserError("--ref applies to OCI layouts; a docker archive's images are named by RepoTags");
            }
            imported = DockerArchive.read(s, source, as);
        } else if (Files.isRegularFile(source)) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(source), 1 << 16)) {
                imported = LayoutArchive.read(s, in, source.toString(), Optional.ofNullable(ref), as);
            }
        } else {
            throw new UserError(source + ": no such file or directory");
        }
        imported.forEach(r -> spec.commandLine().getOut().println("Imported " + r.familiar()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
