package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.dockerfile.plan.GlobalArgs;
import dev.jbuild.dockerfile.plan.PlanOptions;
import dev.jbuild.dockerfile.plan.Platform;
import dev.jbuild.dockerfile.plan.StageScope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ARG and ENV scoping inside stages, as BuildKit scopes them. */
class StageScopeTest {

    private static List<Instruction> expanded(String dockerfile, Map<String, String> buildArgs, int stage)
            throws DockerfileException {
        Dockerfile df = Dockerfile.parse("Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8));
        PlanOptions o = new PlanOptions(Optional.empty(), buildArgs, Platform.parse("linux/amd64"),
                Platform.parse("linux/arm64"));
        StageScope scope = new StageScope("Dockerfile", df.escapeToken(), Map.of("PATH", "/bin"), buildArgs,
                GlobalArgs.resolve(df, o));
        List<Instruction> out = new ArrayList<>();
        for (Instruction i : df.stages().get(stage).instructions()) {
            out.add(scope.apply(i));
        }
        return out;
    }

    private static String workdir(Instruction i) {
        return ((Instruction.Workdir) i).path();
    }

    @Test
    void globalArgIsInvisibleInStageUntilRedeclared() throws Exception {
        List<Instruction> out = expanded("ARG V=1\nFROM x\nWORKDIR /a$V\nARG V\nWORKDIR /b$V\n", Map.of(), 0);
        assertEquals("/a", workdir(out.get(0)));
        assertEquals("/b1", workdir(out.get(2)));
    }

    @Test
    void buildArgOverridesDefaultAndRedeclaredGlobal() throws Exception {
        List<Instruction> out = expanded("ARG V=1\nFROM x\nARG V\nARG W=d\nWORKDIR /$V/$W\n",
                Map.of("V", "cli", "W", "w"), 0);
        assertEquals("/cli/w", workdir(out.get(2)));
    }

    @Test
    void envOverridesArgOfTheSameName() throws Exception {
        List<Instruction> out = expanded("FROM x\nARG V=arg\nENV V=env\nWORKDIR /$V\n", Map.of("V", "cli"), 0);
        assertEquals("/env", workdir(out.get(2)));
    }

    @Test
    void valuesInOneEnvSeeTheValuesFromBeforeIt() throws Exception {
        List<Instruction> out = expanded("FROM x\nENV A=1\nENV A=2 B=$A\nWORKDIR /$A$B\n", Map.of(), 0);
        Instruction.Env env = (Instruction.Env) out.get(1);
        assertEquals("1", env.variables().get(1).value());
        assertEquals("/21", workdir(out.get(2)));
    }

    @Test
    void argDefaultsSeeEarlierArgsAndEnv() throws Exception {
        List<Instruction> out = expanded("FROM x\nENV P=/opt\nARG A=${P}/a B=$A/b\nWORKDIR $B\n", Map.of(), 0);
        assertEquals("/opt/a/b", workdir(out.get(2)));
    }

    @Test
    void platformArgsAreAvailableOnceDeclared() throws Exception {
        List<Instruction> out = expanded("FROM x\nWORKDIR /$TARGETARCH\nARG TARGETARCH\nWORKDIR /$TARGETARCH\n",
                Map.of(), 0);
        assertEquals("/", workdir(out.get(0)));
        assertEquals("/arm64", workdir(out.get(2)));
    }

    @Test
    void argsDoNotLeakIntoTheNextStage() throws Exception {
        List<Instruction> out = expanded("FROM x\nARG V=1\nFROM y\nWORKDIR /$V\n", Map.of(), 1);
        assertEquals("/", workdir(out.get(0)));
    }

    @Test
    void runCommandsAreNotExpandedButSeeArgsInTheirEnvironment() throws Exception {
        String df = "FROM x\nARG V=1\nRUN echo $V\n";
        Instruction run = expanded(df, Map.of(), 0).get(1);
        assertEquals(List.of("echo $V"), ((Instruction.Run) run).command().args());
    }

    @Test
    void copyFlagsAndPathsAreExpanded() throws Exception {
        Instruction.Copy c = (Instruction.Copy) expanded(
                "FROM x\nARG U=1000 D=/app\nCOPY --chown=$U:$U --chmod=${M:-644} src/ ${D}/\n", Map.of(), 0).get(1);
        assertEquals(Optional.of("1000:1000"), c.chown());
        assertEquals(Optional.of("644"), c.chmod());
        assertEquals("/app/", c.destination());
    }

    @Test
    void quotesSplitByTheParserFailAtExpansionAsInBuildKit() {
        DockerfileException e = org.junit.jupiter.api.Assertions.assertThrows(DockerfileException.class,
                () -> expanded("FROM x\nCOPY \"my file.txt\" /dst/\n", Map.of(), 0));
        assertEquals(2, e.line());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("matching double-quote"), e.getMessage());
    }

    @Test
    void usedBuildArgsAreTracked() throws Exception {
        Dockerfile df = Dockerfile.parse("Dockerfile", "FROM x\nARG A\nARG B\nWORKDIR /$A\n".getBytes());
        PlanOptions o = new PlanOptions(Optional.empty(), Map.of("A", "1", "C", "3"), Platform.parse("linux/amd64"),
                Platform.parse("linux/amd64"));
        StageScope scope = new StageScope("Dockerfile", '\\', Map.of(), o.buildArgs(), GlobalArgs.resolve(df, o));
        for (Instruction i : df.stages().get(0).instructions()) {
            scope.apply(i);
        }
        assertEquals(List.of("A"), List.copyOf(scope.usedBuildArgs()));
        assertFalse(scope.runEnvironment().containsKey("C"));
    }
}
