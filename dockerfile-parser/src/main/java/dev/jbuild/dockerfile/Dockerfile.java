package dev.jbuild.dockerfile;

import dev.jbuild.dockerfile.ast.Node;
import dev.jbuild.dockerfile.ast.Parser;
import dev.jbuild.dockerfile.ast.SyntaxTree;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.dockerfile.instructions.InstructionParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Dockerfile read and validated: the syntax tree, the global ARGs declared before the first
 * FROM, and the stages. This is the entry point of the module: {@link #read(Path)} or
 * {@link #parse(String, byte[])}, then {@link dev.jbuild.dockerfile.plan.Planner} for what to build.
 *
 * @param tree the syntax tree, for dumping and line information
 * @param globalArgs the ARG instructions before the first FROM
 * @param stages the stages in order
 */
public record Dockerfile(SyntaxTree tree, List<Instruction.Arg> globalArgs, List<Stage> stages) {
    public Dockerfile {
        globalArgs = List.copyOf(globalArgs);
        stages = List.copyOf(stages);
    }

    public String fileName() {
        return tree.fileName();
    }

    public char escapeToken() {
        return tree.escapeToken();
    }

    public static Dockerfile read(Path file) throws IOException, DockerfileException {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    public static Dockerfile parse(String fileName, byte[] content) throws DockerfileException {
        SyntaxTree tree = Parser.parse(fileName, content);
        InstructionParser parser = new InstructionParser(fileName);
        List<Instruction.Arg> globals = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        Instruction.From from = null;
        List<Instruction> body = new ArrayList<>();
        for (Node node : tree.nodes()) {
            Instruction ins = parser.parse(node);
            if (ins instanceof Instruction.From f) {
                if (from != null) {
                    stages.add(new Stage(stages.size(), from.stageName(), from, body));
                }
                from = f;
                body = new ArrayList<>();
            } else if (from == null) {
                if (!(ins instanceof Instruction.Arg a)) {
                    throw new DockerfileException(fileName, ins.line(), "no build stage in current context: "
                            + node.keyword().toUpperCase() + " must come after a FROM (only ARG may precede the first FROM)");
                }
                globals.add(a);
            } else {
                body.add(ins);
            }
        }
        if (from == null) {
            throw new DockerfileException(fileName, 0, "dockerfile contains no stages to build: add a FROM instruction");
        }
        stages.add(new Stage(stages.size(), from.stageName(), from, body));
        return new Dockerfile(tree, globals, stages);
    }
}
