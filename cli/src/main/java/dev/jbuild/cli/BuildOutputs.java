package dev.jbuild.cli;

import dev.jbuild.builder.Engine;
import dev.jbuild.builder.RootfsExport;
import dev.jbuild.layer.image.DockerArchive;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.transfer.LayoutArchive;
import dev.jbuild.oci.transfer.LayoutTransfer;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClients;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What happens to a built image after it is in the store: {@code --push} of every {@code -t}
 * name, and each {@code --output}: {@code type=oci} (a layout directory, or an oci-archive when
 * {@code dest} ends in {@code .tar} or {@code tar=true}), {@code type=docker} (a docker archive),
 * {@code type=tar} (the root file system as one tar), {@code type=local} (the root file system in
 * a directory), {@code type=registry} (a push, to {@code name=} or the {@code -t} names).
 */
final class BuildOutputs {
    /** One {@code --output}: its type and its other {@code key=value} options. */
    record Output(String type, Map<String, String> options) {
        String dest() {
            String d = options.get("dest");
            if (d == null || d.isEmpty()) {
                throw new UserError("--output type=" + type + " needs dest=PATH");
            }
            return d;
        }
    }

    private final LocalStore store;
    private final Supplier<RegistryClients> clients;
    private final RegistryMixin registry;
    private final PrintWriter err;
    private final boolean quiet;

    BuildOutputs(LocalStore store, Supplier<RegistryClients> clients, RegistryMixin registry, PrintWriter err,
                 boolean quiet) {
        this.store = store;
        this.clients = clients;
        this.registry = registry;
        this.err = err;
        this.quiet = quiet;
    }

    /** Parses the {@code --output} values; a bare path is {@code type=local,dest=PATH}, as in buildx. */
    static List<Output> parse(List<String> specs) {
        List<Output> out = new ArrayList<>();
        for (String spec : specs) {
            if (!spec.contains("=")) {
                out.add(new Output("local", Map.of("dest", spec)));
                continue;
            }
            Map<String, String> kv = new LinkedHashMap<>();
            for (String field : spec.split(",")) {
                int eq = field.indexOf('=');
                if (eq <= 0) {
                    throw new UserError("--output " + spec + ": expected type=…,dest=…");
                }
                kv.put(field.substring(0, eq).trim(), field.substring(eq + 1).trim());
            }
            String type = kv.remove("type");
            if (type == null) {
                throw new UserError("--output " + spec + ": needs type=oci|docker|tar|local|registry");
            }
            if (!List.of("oci", "docker", "tar", "local", "registry", "image").contains(type)) {
                throw new UserError("--output " + spec + ": unknown type " + type
                        + " (expected oci, docker, tar, local or registry)");
            }
            Output o = new Output(type, kv);
            if (!type.equals("registry") && !type.equals("image")) {
                o.dest(); // checked now, not after the build
            }
            out.add(o);
        }
        return out;
    }

    void write(Engine.Result result, List<ImageReference> names, boolean push, List<Output> outputs)
            throws IOException {
        // A reference the exporters can resolve even when the image has no -t name.
        ImageReference ref = names.isEmpty()
                ? ImageReference.parse("jbuild-build@" + result.manifest().digest()) : names.get(0);
        if (push) {
            for (ImageReference name : names) {
                push(result, name);
            }
        }
        for (Output o : outputs) {
            if (List.of("oci", "docker", "tar", "local").contains(o.type())) {
                // These write every byte: layers the build never needed (a lazily pulled base's) come now.
                LazyLayers.fetchMissing(store, clients::get, result.manifest(), "the image for the " + o.type()
                        + " output", err, quiet);
            }
            switch (o.type()) {
                case "oci" -> {
                    Path dest = Path.of(o.dest());
                    boolean tar = o.options().containsKey("tar") ? Boolean.parseBoolean(o.options().get("tar"))
                            : dest.getFileName().toString().endsWith(".tar");
                    if (tar) {
                        ArchiveFiles.write(dest, out -> LayoutArchive.write(store, ref, out));
                    } else {
                        LayoutTransfer.export(store, ref, dest);
                    }
                }
                case "docker" -> ArchiveFiles.write(Path.of(o.dest()), out -> DockerArchive.write(store, ref, out));
                case "tar" -> ArchiveFiles.write(Path.of(o.dest()), out -> {
                    RootfsExport.toTar(store, result.manifest(), out);
                    return result.manifest();
                });
                case "local" -> RootfsExport.toDirectory(store, result.manifest(), Path.of(o.dest()));
                case "registry", "image" -> {
                    String name = o.options().get("name");
                    List<ImageReference> targets = name == null ? names
                            : List.of(name.split(",")).stream().map(StoreMixin::reference).toList();
                    if (targets.isEmpty()) {
                        throw new UserError("--output type=" + o.type() + " needs name=NAME or a -t NAME");
                    }
                    if (o.type().equals("registry") || Boolean.parseBoolean(o.options().get("push"))) {
                        for (ImageReference t : targets) {
                            push(result, t);
                        }
                    } else {
                        for (ImageReference t : targets) {
                            store.tag(t, result.manifest());
                        }
                    }
                }
                default -> throw new IllegalStateException(o.type());
            }
            if (!quiet && !o.type().equals("registry")) {
                err.println("# wrote " + o.type() + " output" + (o.options().containsKey("dest")
                        ? " to " + o.dest() : ""));
                err.flush();
            }
        }
    }

    private void push(Engine.Result result, ImageReference name) throws IOException {
        ProgressPrinter progress = quiet ? new ProgressPrinter(err, ProgressMode.QUIET) : registry.progress(err);
        ImagePusher.Result r;
        try {
            r = new ImagePusher(store, clients.get(), progress).push(result.manifest(), name);
        } finally {
            progress.done();
        }
        if (!quiet) {
            err.println("# pushed " + name.familiar() + ": " + (r.upToDate() ? "already up to date"
                    : progress.summary(true) + " (" + Sizes.human(r.bytes()) + ")"));
            err.flush();
        }
    }
}
