package dev.jbuild.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.store.LocalStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jbuild images}: the named images in the local store. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "List the images in the local store.",
        footer = {"", "Examples:", "  jbuild images", "  jbuild images --format json"})
final class ImagesCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = {"-q", "--quiet"}, description = "Print only image IDs.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LocalStore s = store.open();
        List<ImageSummary> images = ImageSummary.all(s);
        PrintWriter out = spec.commandLine().getOut();
        if (quiet) {
            images.stream().map(i -> i.id().shortHex()).distinct().forEach(out::println);
        } else if (format.equals("json")) {
            ArrayNode arr = JsonNodeFactory.instance.arrayNode();
            for (ImageSummary i : images) {
                ObjectNode o = arr.addObject();
                o.put("name", i.reference().toString());
                o.put("repository", i.repository());
                o.put("tag", i.tag());
                o.put("id", i.id().toString());
                o.put("digest", i.target().digest().toString());
                o.put("mediaType", i.target().mediaType());
                i.created().ifPresent(c -> o.put("created", c));
                o.put("size", i.size());
                i.platform().ifPresent(p -> o.put("platform", p));
            }
            out.println(new String(Json.write(arr), java.nio.charset.StandardCharsets.UTF_8));
        } else if (format.equals("table")) {
            Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
            for (ImageSummary i : images) {
                t.row(i.repository(), i.tag(), i.id().shortHex(), i.created().map(Ages::since).orElse("N/A"),
                        Sizes.human(i.size()));
            }
            t.print(out);
        } else {
            throw new UserError("--format must be table or json (got " + format + ")");
        }
        out.flush();
        return 0;
    }
}
