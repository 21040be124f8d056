package dev.jbuild.dockerfile.plan;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.dockerfile.shell.ExpansionException;
import dev.jbuild.dockerfile.shell.ShellWordExpander;
import dev.jbuild.dockerfile.shell.VariableLookup;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ARG values in force before the first FROM: the automatic platform arguments, then each
 * global ARG in order, a build argument overriding its default, a default expanded with the
 * arguments declared before it. An ARG with neither stays unset.
 */
public final class GlobalArgs {
    /** Arguments usable in RUN without an ARG instruction, and left out of the image's history. */
    public static final List<String> PROXY_ARGS = List.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
            "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

    private GlobalArgs() {
    }

    /** The platform arguments for a build. */
    public static Map<String, String> platformArgs(Platform build, Platform target) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("BUILDPLATFORM", build.toString());
        m.put("BUILDOS", build.os());
        m.put("BUILDARCH", build.architecture());
        m.put("BUILDVARIANT", build.variant().orElse(""));
        m.put("TARGETPLATFORM", target.toString());
        m.put("TARGETOS", target.os());
        m.put("TARGETARCH", target.architecture());
        m.put("TARGETVARIANT", target.variant().orElse(""));
        return m;
    }

    public static Map<String, String> resolve(Dockerfile df, PlanOptions options) throws DockerfileException {
        Map<String, String> values = platformArgs(options.buildPlatform(), options.targetPlatform());
        ShellWordExpander expander = new ShellWordExpander(df.escapeToken());
        for (Instruction.Arg arg : df.globalArgs()) {
            for (Instruction.ArgDefinition def : arg.args()) {
                Optional<String> given = Optional.ofNullable(options.buildArgs().get(def.name()));
                if (given.isPresent()) {
                    values.put(def.name(), given.get());
                } else if (def.defaultValue().isPresent()) {
                    try {
                        values.put(def.name(), expander.expand(def.defaultValue().get(), VariableLookup.of(values)));
                    } catch (ExpansionException e) {
                        throw new DockerfileException(df.fileName(), arg.line(), e.getMessage());
                    }
                }
            }
        }
        return values;
    }
}
