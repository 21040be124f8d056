package dev.jbuild.cli;

import dev.jbuild.layer.image.DockerArchive;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.transfer.LayoutArchive;
import dev.jbuild.oci.transfer.LayoutTransfer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbuild export IMAGE DEST}: an image of the store as an OCI layout directory or archive. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write an image of the local store to an OCI image layout directory (created, or added to",
                "without disturbing the images already there), to an oci-archive tar file, or to a docker",
                "archive that 'docker load' accepts. Layers the store never downloaded (a build that did not",
                "need its base image's files leaves them in their registry) are fetched first."},
        footer = {"", "Examples:", "  jbuild export app:1 ./out", "  jbuild export --format oci-archive app:1 app.tar",
                "  jbuild export --format docker app:1 app-docker.tar && docker load -i app-docker.tar"})
final class ExportCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Mixin
    RegistryMixin registry;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "An image in the store.")
    String image;

    @Parameters(index = "1", paramLabel = "DEST", description = "The layout directory, or the archive file.")
    Path destination;

    @Option(names = "--format", paramLabel = "oci|oci-archive|docker", defaultValue = "oci",
            description = "oci (a directory, the default), oci-archive (a tar of it) or docker (docker load).")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LocalStore s = store.open();
        ImageReference ref = StoreMixin.reference(image);
        Descriptor target = s.resolve(ref).orElseThrow(
                () -> new UserError("no such image: " + image + " (see 'jbuild images')"));
        PrintWriter err = spec.commandLine().getErr();
        LazyLayers.fetchMissing(s, () -> registry.clients(err), target, image + " for the export", err,
                registry.progressMode() == ProgressMode.QUIET);
        Descriptor written = switch (format) {
            case "oci" -> LayoutTransfer.export(s, ref, destination);
            case "oci-archive" -> ArchiveFiles.write(destination, out -> LayoutArchive.write(s, ref, out));
            case "docker" -> ArchiveFiles.write(destination, out -> DockerArchive.write(s, ref, out));
            default -> throw new UserError("--format must be oci, oci-archive or docker (got " + format + ")");
        };
        spec.commandLine().getOut().println(written.digest());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
