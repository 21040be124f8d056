package dev.jbuild.cli;

import dev.jbuild.layer.apply.Trees;
import dev.jbuild.layer.image.DockerArchive;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.transfer.LayoutArchive;
import dev.jbuild.oci.transfer.LayoutTransfer;
import dev.jbuild.registry.ImageCopier;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClients;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbuild copy SRC DST}: an image from any location to any other, in skopeo's transport
 * syntax. Registry to registry, blobs stream from one to the other (or are mounted within one
 * registry). Otherwise the image passes through the local store when one end is the store, and
 * through a staging layout under the store's root that is deleted afterwards, so a copy between
 * two outside locations leaves the store as it was.
 */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = {"Copy an image between registries, OCI layouts, archives and the local store.",
                "Locations: docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF],",
                "store:REF."},
        footer = {"", "Examples:", "  jbuild copy docker://alpine:3.20 oci:./alpine:3.20",
                "  jbuild copy oci:./out:1 docker://localhost:5000/app:1",
                "  jbuild copy docker://ghcr.io/org/app:1 docker://registry.example/app:1",
                "  jbuild copy store:app:1 docker-archive:app.tar:app:1"})
final class CopyCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Mixin
    RegistryMixin registry;

    @Parameters(index = "0", paramLabel = "SRC", description = "Where the image is.")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Where to put it.")
    String destination;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "From a registry's multi-platform image, this platform (default: this machine's).")
    String platform;

    @Option(names = "--all-platforms", description = "From a registry, every platform and the index.")
    boolean allPlatforms;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageLocation src = ImageLocation.parse(source);
        ImageLocation dst = ImageLocation.parse(destination);
        if (platform != null && allPlatforms) {
            throw new UserError("--platform and --all-platforms exclude each other");
        }
        LocalStore main = store.open();
        PrintWriter err = spec.commandLine().getErr();
        ProgressPrinter progress = registry.progress(err);
        RegistryClients clients = registry.clients(err);
        if (src.kind() == ImageLocation.Kind.DOCKER && dst.kind() == ImageLocation.Kind.DOCKER) {
            return registryToRegistry(src.reference().orElseThrow(), dst.reference().orElseThrow(), clients, progress);
        }
        boolean viaMain = src.kind() == ImageLocation.Kind.STORE || dst.kind() == ImageLocation.Kind.STORE;
        Path staging = viaMain ? null : Files.createDirectories(main.root().resolve("tmp"))
                .resolve("copy-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            LocalStore hub = viaMain ? main : LocalStore.open(staging);
            ImageReference name = read(src, dst, hub, clients, progress);
            Descriptor target = hub.resolve(name).orElseThrow(() -> new UserError("no such image: " + source));
            Descriptor written = write(dst, hub, name, target, clients, progress);
            if (src.kind() == ImageLocation.Kind.DOCKER || dst.kind() == ImageLocation.Kind.DOCKER) {
                err.println(progress.summary(dst.kind() == ImageLocation.Kind.DOCKER));
                err.flush();
            }
            spec.commandLine().getOut().println(written.digest());
            spec.commandLine().getOut().flush();
            return 0;
        } finally {
            progress.done();
            if (staging != null) {
                Trees.deleteRecursively(staging);
            }
        }
    }

    /** Registry to registry: blobs stream from one to the other (or are mounted); nothing touches the disk. */
    private Integer registryToRegistry(ImageReference from, ImageReference to, RegistryClients clients,
            ProgressPrinter progress) throws IOException {
        Optional<Platform> p = PlatformArg.parse(platform);
        ImageCopier.Result r;
        try {
            r = new ImageCopier(clients, progress).copy(from, to, p, allPlatforms);
        } finally {
            progress.done();
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(to.familiar() + ": " + progress.summary(true) + " (" + Sizes.human(r.bytes()) + ")");
        err.flush();
        spec.commandLine().getOut().println(r.target().digest());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Brings the image into {@code hub} and returns its name there. */
    private ImageReference read(ImageLocation src, ImageLocation dst, LocalStore hub, RegistryClients clients,
            ProgressPrinter progress) throws IOException {
        Optional<ImageReference> as = stagingName(src, dst);
        switch (src.kind()) {
            case STORE -> {
                return src.reference().orElseThrow(() -> new UserError("store: needs an image name, e.g. store:app:1"));
            }
            case DOCKER -> {
                ImageReference ref = src.reference().orElseThrow();
                Optional<Platform> p = PlatformArg.parse(platform);
                boolean namedBefore = hub.resolve(ref.withDefaultTag()).isPresent();
                ImagePuller.Result r = new ImagePuller(hub, clients, progress).pull(ref, p, allPlatforms);
                if (!namedBefore && dst.kind() == ImageLocation.Kind.STORE && dst.reference().isPresent()
                        && !dst.reference().get().withDefaultTag().equals(ref.withDefaultTag())) {
                    // The store gets the destination's name only, as skopeo would.
                    hub.tag(dst.reference().get(), r.target());
                    hub.untag(ref.withDefaultTag());
                    return dst.reference().get();
                }
                if (ref.tag().isEmpty() && ref.digest().isPresent()) {
                    ImageReference named = ref.withTag("latest");
                    hub.tag(named, r.target());
                    return named;
                }
                return ref.withDefaultTag();
            }
            case OCI -> {
                return only(LayoutTransfer.importLayout(hub, src.path().orElseThrow(), src.tag(), as), src);
            }
            case OCI_ARCHIVE -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(existing(src.path().orElseThrow())),
                        1 << 16)) {
                    return only(LayoutArchive.read(hub, in, src.path().get().toString(), src.tag(), as), src);
                }
            }
            case DOCKER_ARCHIVE -> {
                Path file = existing(src.path().orElseThrow());
                return only(DockerArchive.read(hub, file, as.or(src::reference)), src);
            }
            default -> throw new IllegalStateException();
        }
    }

    /** The name to import a layout or archive under when the destination needs one it cannot take from the source. */
    private static Optional<ImageReference> stagingName(ImageLocation src, ImageLocation dst) {
        if (dst.kind() == ImageLocation.Kind.STORE || dst.kind() == ImageLocation.Kind.DOCKER) {
            return dst.reference();
        }
        return Optional.empty();
    }

    private static ImageReference only(List<ImageReference> imported, ImageLocation src) {
        if (imported.size() != 1) {
            throw new UserError("the source holds " + imported.size() + " images; name one (oci:DIR:TAG)");
        }
        return imported.get(0);
    }

    private Descriptor write(ImageLocation dst, LocalStore hub, ImageReference name, Descriptor target,
            RegistryClients clients, ProgressPrinter progress) throws IOException {
        if (dst.kind() != ImageLocation.Kind.STORE && dst.kind() != ImageLocation.Kind.DOCKER) {
            PrintWriter err = spec.commandLine().getErr();
            LazyLayers.fetchMissing(hub, () -> clients, target, name.familiar() + " for the copy", err,
                    registry.progressMode() == ProgressMode.QUIET);
        }
        switch (dst.kind()) {
            case STORE -> {
                ImageReference as = dst.reference().orElse(name);
                hub.tag(as, target);
                return target;
            }
            case DOCKER -> {
                new ImagePusher(hub, clients, progress).push(target, dst.reference().orElseThrow());
                return target;
            }
            case OCI -> {
                return LayoutTransfer.export(hub, name, dst.path().orElseThrow(), layoutName(name, dst.tag()));
            }
            case OCI_ARCHIVE -> {
                ImageReference as = layoutName(name, dst.tag());
                return ArchiveFiles.write(dst.path().orElseThrow(), out -> LayoutArchive.write(hub, name, as, out));
            }
            case DOCKER_ARCHIVE -> {
                ImageReference as = dst.reference().orElse(name);
                return ArchiveFiles.write(dst.path().orElseThrow(), out -> DockerArchive.write(hub, name, as, out));
            }
            default -> throw new IllegalStateException();
        }
    }

    /** A layout destination's tag becomes the tag of the name written there (its ref.name annotation). */
    private static ImageReference layoutName(ImageReference name, Optional<String> tag) {
        return tag.map(name::withTag).orElse(name);
    }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new UserError(p + ": no such file");
        }
        return p;
    }
}
