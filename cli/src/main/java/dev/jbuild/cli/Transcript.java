package dev.jbuild.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every line a step printed, kept until the step ends in case it fails and the user must read all
 * of it. Lines stay in memory up to a budget and then go to a temporary file, so a step that prints
 * a gigabyte of compiler output costs disk, not heap.
 */
final class Transcript implements AutoCloseable {
    static final int DEFAULT_BUDGET = 1 << 20;

    private final int budget;
    private final List<String> lines = new ArrayList<>();
    private int chars;
    private Path file;
    private BufferedWriter spill;
    private boolean noFile;

    Transcript(int budget) {
        this.budget = budget;
    }

    void add(String line) {
        if (spill == null && !noFile && chars + line.length() > budget) {
            noFile = !startSpilling(); // without a temporary file, memory rather than losing lines
        }
        if (spill != null) {
            try {
                spill.write(line);
                spill.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("cannot keep a step's output in " + file, e);
            }
        } else {
            lines.add(line);
            chars += line.length();
        }
    }

    private boolean startSpilling() {
        try {
            file = Files.createTempFile("jbuild-output-", ".log");
            spill = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            for (String l : lines) {
                spill.write(l);
                spill.write('\n');
            }
            lines.clear();
            chars = 0;
            return true;
        } catch (IOException e) {
            deleteFile();
            return false;
        }
    }

    /** Writes every line, in order. */
    void writeTo(PrintWriter out) throws IOException {
        if (spill == null) {
            lines.forEach(out::println);
            return;
        }
        spill.flush();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            in.transferTo(out); // not by readLine(), which would also split at a lone \r
        }
    }

    /** Whether the lines went to a file (for tests). */
    boolean spilled() {
        return spill != null;
    }

    /** Forgets the lines and deletes the file. */
    @Override
    public void close() {
        lines.clear();
        chars = 0;
        deleteFile();
    }

    private void deleteFile() {
        try {
            if (spill != null) {
                spill.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            file.toFile().deleteOnExit();
        } finally {
            spill = null;
            file = null;
        }
    }
}
