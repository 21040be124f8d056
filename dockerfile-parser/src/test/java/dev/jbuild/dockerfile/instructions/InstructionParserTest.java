package dev.jbuild.dockerfile.instructions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.plan.StageScope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The typed instructions: values, defaults and the errors BuildKit gives. */
class InstructionParserTest {

    private static Instruction last(String body) throws DockerfileException {
        Dockerfile df = Dockerfile.parse("Dockerfile", ("FROM x\n" + body).getBytes(StandardCharsets.UTF_8));
        List<Instruction> ins = df.stages().get(df.stages().size() - 1).instructions();
        return ins.get(ins.size() - 1);
    }

    private static String error(String body) {
        return assertThrows(DockerfileException.class, () -> last(body)).getMessage();
    }

    private static List<RunMount> mounts(String body, Map<String, String> env) throws DockerfileException {
        Instruction.Run run = (Instruction.Run) last(body);
        return new StageScope("Dockerfile", '\\', env, Map.of(), Map.of()).mounts(run);
    }

    @Test
    void mountDefaultsPerType() throws Exception {
        List<RunMount> m = mounts("RUN --mount=target=/src --mount=type=cache,target=/root/.cache"
                + " --mount=type=secret,id=npmrc --mount=type=ssh --mount=type=tmpfs,dst=/t,size=64m true\n", Map.of());
        assertEquals("bind", m.get(0).type());
        assertTrue(m.get(0).readOnly(), "bind mounts are read-only by default");
        assertEquals(Optional.of("/root/.cache"), m.get(1).id(), "a cache id defaults to its target");
        assertEquals("shared", m.get(1).sharing());
        assertFalse(m.get(1).readOnly());
        assertEquals(Optional.of("/run/secrets/npmrc"), m.get(2).target());
        assertEquals(Optional.of("default"), m.get(3).id());
        assertEquals(Optional.of(64L << 20), m.get(4).sizeBytes());
    }

    @Test
    void mountOptionsExpandAtBuildTimeButFromNever() throws Exception {
        List<RunMount> m = mounts("RUN --mount=type=cache,id=go-$ARCH,target=$DIR,mode=0755,uid=1000 true\n",
                Map.of("ARCH", "arm64", "DIR", "/go/pkg"));
        assertEquals(Optional.of("go-arm64"), m.get(0).id());
        assertEquals(Optional.of("/go/pkg"), m.get(0).target());
        assertEquals(Optional.of(0755), m.get(0).mode());
        assertTrue(error("RUN --mount=from=$X,target=/a true\n").contains("doesn't support variable expansion"));
    }

    @Test
    void mountErrorsNameTheLineAndTheMount() {
        String e = error("RUN --mount=type=volume,target=/a true\n");
        assertTrue(e.startsWith("Dockerfile:2: --mount=type=volume,target=/a: unsupported mount type"), e);
        assertTrue(error("RUN --mount=type=cache true\n").contains("requires a target"));
        assertTrue(error("RUN --mount=type=bind,target=/a,mode=0600 true\n").contains("not allowed"));
        assertTrue(error("RUN --mount=type=cache,target=/a,sharing=everyone true\n").contains("sharing"));
        assertTrue(error("RUN --mount=type=cache,target=/a,colour=red true\n").contains("unexpected key 'colour'"));
        assertTrue(error("RUN --mount=type=secret true\n").contains("requires an id"));
        assertTrue(error("RUN --network=bridge true\n").contains("unsupported network mode"));
        assertTrue(error("RUN --security=privileged true\n").contains("unsupported security mode"));
    }

    @Test
    void healthcheckOptions() throws Exception {
        Instruction.Healthcheck h = (Instruction.Healthcheck) last(
                "HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --retries=3 CMD curl -f x\n");
        assertEquals(List.of("CMD-SHELL", "curl -f x"), h.test());
        assertEquals(Optional.of(Duration.ofSeconds(90)), h.interval());
        assertEquals(Optional.of(Duration.ofMillis(500)), h.timeout());
        assertEquals(Optional.of(3), h.retries());
        assertEquals(List.of("CMD", "true"), ((Instruction.Healthcheck) last("HEALTHCHECK CMD [\"true\"]\n")).test());
        assertEquals(List.of("NONE"), ((Instruction.Healthcheck) last("HEALTHCHECK NONE\n")).test());
        assertTrue(error("HEALTHCHECK --interval=1x CMD true\n").contains("unknown unit"));
        assertTrue(error("HEALTHCHECK --interval=10us CMD true\n").contains("cannot be less than 1ms"));
        assertTrue(error("HEALTHCHECK NONE true\n").contains("takes no arguments"));
        assertTrue(error("HEALTHCHECK CHECK true\n").contains("Unknown type"));
        assertTrue(error("HEALTHCHECK CMD\n").contains("Missing command"));
    }

    @Test
    void copyAndAddFlags() throws Exception {
        Instruction.Copy c = (Instruction.Copy) last(
                "COPY --from=build --chown=app:app --chmod=u=rwX,go=rX --link --parents --exclude=*.tmp"
                        + " --exclude=.git a b /dst/\n");
        assertEquals(Optional.of("build"), c.from());
        assertEquals(Optional.of("u=rwX,go=rX"), c.chmod());
        assertTrue(c.link() && c.parents());
        assertEquals(List.of("*.tmp", ".git"), c.excludes());
        assertEquals(List.of("a", "b"), c.sources());
        Instruction.Copy a = (Instruction.Copy) last(
                "ADD --checksum=sha256:abc --keep-git-dir --unpack=false https://x/y.tar.gz /opt/\n");
        assertTrue(a.add() && a.keepGitDir());
        assertEquals(Optional.of(false), a.unpack());
        assertEquals(Optional.of("sha256:abc"), a.checksum());
        assertTrue(error("ADD --from=x a b\n").contains("unknown flag: from"));
        assertTrue(error("COPY --chown a b\n").contains("missing a value on flag: chown"));
        assertTrue(error("COPY --link=maybe a b\n").contains("expecting boolean value"));
        assertTrue(error("COPY --chmod=644 --chmod=600 a b\n").contains("duplicate flag"));
        assertTrue(error("COPY --lnk a b\n").contains("did you mean --link?"));
        assertTrue(error("COPY a\n").contains("requires at least two arguments"));
        assertTrue(error("COPY a <<EOF\nx\nEOF\n").contains("heredoc as a destination"));
    }

    @Test
    void heredocsBecomeInlineFiles() throws Exception {
        Instruction.Copy c = (Instruction.Copy) last("COPY <<-EOF <<'RAW' /etc/\n\tA=$A\n\tEOF\n$B\nRAW\n");
        assertEquals(List.of(new Instruction.InlineFile("EOF", "A=$A\n", true),
                new Instruction.InlineFile("RAW", "$B\n", false)), c.inlineFiles());
        assertEquals(List.of(), c.sources());
    }

    @Test
    void onbuildKeepsItsTriggerText() throws Exception {
        Instruction.Onbuild o = (Instruction.Onbuild) last("ONBUILD COPY --from=tools /bin/x /usr/bin/\n");
        assertEquals("COPY --from=tools /bin/x /usr/bin/", o.expression());
        assertTrue(o.trigger() instanceof Instruction.Copy);
        assertTrue(error("ONBUILD ONBUILD RUN x\n").contains("isn't allowed"));
        assertTrue(error("ONBUILD FROM x\n").contains("isn't allowed as an ONBUILD trigger"));
    }

    @Test
    void argAndEnvForms() throws Exception {
        Instruction.Arg a = (Instruction.Arg) last("ARG A B=2 C=\n");
        assertEquals(List.of(new Instruction.ArgDefinition("A", Optional.empty()),
                new Instruction.ArgDefinition("B", Optional.of("2")),
                new Instruction.ArgDefinition("C", Optional.of(""))), a.args());
        Instruction.Env e = (Instruction.Env) last("ENV PATH /usr/local/bin:$PATH\n");
        assertEquals(new Instruction.KeyValue("PATH", "/usr/local/bin:$PATH", true), e.variables().get(0));
        assertTrue(error("ENV A\n").contains("ENV must have two arguments"));
        assertTrue(error("ARG =1\n").contains("names can not be blank"));
    }

    @Test
    void stageNamesAndShell() throws Exception {
        Dockerfile df = Dockerfile.parse("Dockerfile", "FROM --platform=$BUILDPLATFORM golang AS Build\n".getBytes());
        assertEquals(Optional.of("build"), df.stages().get(0).name());
        assertEquals(Optional.of("$BUILDPLATFORM"), df.stages().get(0).from().platform());
        assertTrue(error("FROM y AS 1x\n").contains("invalid name for build stage"));
        assertTrue(error("FROM y AS\n").contains("one or three arguments"));
        assertTrue(error("SHELL /bin/bash -c\n").contains("JSON form"));
        assertTrue(error("STOPSIGNAL\n").contains("exactly one argument"));
        assertTrue(assertThrows(DockerfileException.class,
                () -> Dockerfile.parse("Dockerfile", "RUN x\nFROM y\n".getBytes())).getMessage()
                .contains("no build stage in current context"));
    }
}
