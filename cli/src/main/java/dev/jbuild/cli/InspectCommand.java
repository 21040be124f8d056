package dev.jbuild.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.RemoteLayers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code jbuild inspect IMAGE...}: the manifest and config of images in the store, as one JSON
 * array (one object per image), documents shown exactly as stored; {@code NotInStore} lists the
 * blobs the store never downloaded and the repository each was left in.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show the manifest and config of images in the local store, as JSON.",
        footer = {"", "Example:", "  jbuild inspect app:1"})
final class InspectCommand implements Callable<Integer> {
    private static final ObjectMapper PRETTY = new ObjectMapper();

    @Mixin
    StoreMixin store;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Names (app:1) or name@digest.")
    List<String> images;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LocalStore s = store.open();
        ArrayNode out = PRETTY.createArrayNode();
        for (String name : images) {
            ImageReference ref = StoreMixin.reference(name);
            Descriptor target = s.resolve(ref).orElseThrow(() -> new UserError("no such image: " + name
                    + " (see 'jbuild images')"));
            ObjectNode o = out.addObject();
            o.put("Name", ref.withDefaultTag().toString());
            o.put("Digest", target.digest().toString());
            describe(s, target, o);
        }
        spec.commandLine().getOut().println(PRETTY.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static void describe(LocalStore s, Descriptor target, ObjectNode o) throws IOException {
        byte[] doc = s.blobs().read(target.digest());
        if (MediaTypes.isIndex(target.mediaType())) {
            o.set("Index", tree(doc));
            Index index = Json.read(doc, Index.class, target.digest().toString());
            List<Descriptor> present = new ArrayList<>();
            index.manifestFor(Platform.host()).filter(d -> s.blobs().has(d.digest())).ifPresent(present::add);
            if (!present.isEmpty()) {
                o.put("Platform", Platform.host().toString());
                describe(s, present.get(0), o);
            }
            return;
        }
        o.set("Manifest", tree(doc));
        Manifest m = Json.read(doc, Manifest.class, target.digest().toString());
        if (s.blobs().has(m.config().digest())) {
            o.set("Config", tree(s.blobs().read(m.config().digest())));
        }
        // Layers a build or pull never needed stay in their registry; export and push fetch or mount them.
        List<RemoteLayers.Missing> missing = RemoteLayers.missing(s, target);
        if (!missing.isEmpty()) {
            ArrayNode remote = o.putArray("NotInStore");
            for (RemoteLayers.Missing b : missing) {
                ObjectNode entry = remote.addObject();
                entry.put("Digest", b.blob().digest().toString());
                entry.put("Source", b.source().map(Object::toString).orElse(""));
            }
        }
    }

    private static JsonNode tree(byte[] json) throws IOException {
        return PRETTY.readTree(json);
    }
}
