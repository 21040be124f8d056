package dev.jbuild.dockerfile.ast;

import dev.jbuild.dockerfile.DockerfileException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Dockerfile into a {@link SyntaxTree} exactly as BuildKit's parser does: parser
 * directives at the top, the escape character, line continuations (comment lines inside them are
 * dropped, empty ones are warned about), CRLF and a UTF-8 byte-order mark, leading {@code --flags},
 * and heredoc bodies. How arguments are split depends on the keyword:
 * <ul>
 *   <li>RUN, CMD, ENTRYPOINT, SHELL: a JSON array of strings, else the whole text as one argument;
 *   <li>ADD, COPY, VOLUME: a JSON array of strings, else words split on whitespace;
 *   <li>FROM, EXPOSE: words split on whitespace;
 *   <li>ENV, LABEL: key, value and separator triples ({@code "="}, or {@code ""} for the legacy
 *       {@code KEY value} form), words where quotes protect whitespace;
 *   <li>ARG: such words, one argument each;
 *   <li>MAINTAINER, USER, WORKDIR, STOPSIGNAL: the whole text as one argument;
 *   <li>HEALTHCHECK: the type word, then like CMD;
 *   <li>ONBUILD: a nested instruction.
 * </ul>
 * Nothing is expanded here; that is the job of the instruction layer.
 */
public final class Parser {
    private static final Pattern DIRECTIVE =
            Pattern.compile("^#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$");
    private static final Pattern WHITESPACE = Pattern.compile("[\t\u000b\f\r ]+");
    private static final List<String> DIRECTIVES = List.of("syntax", "escape", "check");
    private static final List<String> HEREDOC_KEYWORDS = List.of("run", "copy", "add");

    private final String fileName;
    private final List<String> lines;
    private int next;
    private char escape = '\\';
    private Pattern continuation;
    private boolean directivesDone;
    private final Map<String, Directive> directives = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    private Parser(String fileName, String text) {
        this.fileName = fileName;
        this.lines = splitKeepingEndings(text);
        useEscape('\\');
    }

    /** Parses the bytes of a Dockerfile; {@code fileName} is only used in messages. */
    public static SyntaxTree parse(String fileName, byte[] content) throws DockerfileException {
        if (content.length == 0) {
            throw new DockerfileException(fileName, 0, "the Dockerfile cannot be empty");
        }
        return parse(fileName, decode(content));
    }

    /** Parses Dockerfile text; {@code fileName} is only used in messages. */
    public static SyntaxTree parse(String fileName, String text) throws DockerfileException {
        Parser p = new Parser(fileName, text);
        List<Node> nodes = p.readAll();
        return new SyntaxTree(fileName, nodes, p.escape, p.directives, p.warnings);
    }

    private List<Node> readAll() throws DockerfileException {
        List<Node> nodes = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        while (next < lines.size()) {
            int lineNo = next + 1;
            String raw = lines.get(next++);
            if (lineNo == 1 && raw.startsWith("\uFEFF")) {
                raw = raw.substring(1);
            }
            String text = GoText.trimLeft(trimNewline(raw));
            if (text.startsWith("#")) {
                comments.add(GoText.trimSpace(text.substring(1)));
            }
            checkDirective(text, lineNo);
            if (text.startsWith("#")) {
                text = "";
            }
            String line = text;
            boolean end = true;
            Matcher m = continuation.matcher(line);
            if (m.find()) {
                line = line.substring(0, m.start()) + (m.group(1) == null ? "" : m.group(1));
                end = false;
            }
            if (end && line.isEmpty()) {
                if (text.isEmpty() && !GoText.trimLeft(raw).startsWith("#")) {
                    comments.clear();
                }
                continue;
            }
            boolean emptyContinuation = false;
            while (!end && next < lines.size()) {
                String rawNext = trimNewline(lines.get(next++));
                checkDirective(rawNext, next);
                if (GoText.trimLeft(rawNext).startsWith("#")) {
                    continue; // a comment inside a continuation is dropped
                }
                if (GoText.trimLeft(rawNext).isEmpty()) {
                    emptyContinuation = true;
                    continue;
                }
                Matcher mc = continuation.matcher(rawNext);
                if (mc.find()) {
                    line += rawNext.substring(0, mc.start()) + (mc.group(1) == null ? "" : mc.group(1));
                } else {
                    line += rawNext;
                    end = true;
                }
            }
            if (emptyContinuation) {
                warnings.add(fileName + ":" + lineNo + ": empty continuation line (this will become an error)");
            }
            Node node = nodeFromLine(line, lineNo, comments);
            List<Heredoc> docs = readHeredocs(node, line, lineNo);
            nodes.add(node.withPlace(lineNo, next, docs));
            comments = new ArrayList<>();
        }
        if (nodes.isEmpty()) {
            throw new DockerfileException(fileName, 0, "file with no instructions");
        }
        return nodes;
    }

    private void checkDirective(String text, int lineNo) throws DockerfileException {
        if (directivesDone) {
            return;
        }
        Matcher m = DIRECTIVE.matcher(text);
        if (!m.matches()) {
            directivesDone = true;
            return;
        }
        String key = m.group(1).toLowerCase(Locale.ROOT);
        if (!DIRECTIVES.contains(key)) {
            directivesDone = true;
            return;
        }
        if (directives.containsKey(key)) {
            throw new DockerfileException(fileName, lineNo, "only one " + key + " parser directive can be used");
        }
        directives.put(key, new Directive(key, m.group(2), lineNo));
        if (key.equals("escape")) {
            setEscape(m.group(2), lineNo);
        }
    }

    private void setEscape(String token, int lineNo) throws DockerfileException {
        if (!token.equals("`") && !token.equals("\\")) {
            throw new DockerfileException(fileName, lineNo,
                    "invalid escape token '" + token + "' does not match ` or \\");
        }
        useEscape(token.charAt(0));
    }

    private void useEscape(char token) {
        escape = token;
        String e = Pattern.quote(String.valueOf(token));
        String notE = token == '\\' ? "[^\\\\]" : "[^`]";
        // The escape character ends a line as a continuation unless it is itself escaped.
        continuation = Pattern.compile("(" + notE + ")" + e + "[ \t]*$|^" + e + "[ \t]*$");
    }

    private Node nodeFromLine(String line, int lineNo, List<String> comments) throws DockerfileException {
        String trimmed = GoText.trimSpace(line);
        String[] parts = WHITESPACE.split(trimmed, 2);
        String keyword = parts[0];
        List<String> flags = new ArrayList<>();
        String rest = parts.length == 2 ? GoText.trimSpace(extractFlags(parts[1], flags)) : "";
        List<String> args = new ArrayList<>();
        boolean json = false;
        Optional<Node> child = Optional.empty();
        try {
            switch (keyword.toLowerCase(Locale.ROOT)) {
                case "run", "cmd", "entrypoint", "shell" -> json = maybeJson(rest, args, false);
                case "add", "copy", "volume" -> json = maybeJson(rest, args, true);
                case "from", "expose" -> splitWhitespace(rest, args);
                case "env", "label" -> nameValues(rest, keyword.toUpperCase(Locale.ROOT), args, lineNo);
                case "arg" -> args.addAll(Words.split(rest, escape));
                case "maintainer", "user", "workdir", "stopsignal" -> {
                    if (!rest.isEmpty()) {
                        args.add(rest);
                    }
                }
                case "healthcheck" -> json = healthcheck(rest, args);
                case "onbuild" -> {
                    if (!rest.isEmpty()) {
                        child = Optional.of(nodeFromLine(rest, lineNo, List.of()).withPlace(lineNo, lineNo, List.of()));
                    }
                }
                default -> args.add(""); // unknown instructions are rejected by the instruction layer
            }
        } catch (JsonStringArray.NotStringsException e) {
            throw new DockerfileException(fileName, lineNo, e.getMessage());
        }
        return new Node(keyword, flags, args, json, child, List.of(), line, lineNo, lineNo, comments);
    }

    private static boolean maybeJson(String rest, List<String> args, boolean splitShellForm)
            throws JsonStringArray.NotStringsException {
        if (rest.isEmpty() && !splitShellForm) {
            return false;
        }
        Optional<List<String>> json = JsonStringArray.parse(rest);
        if (json.isPresent()) {
            args.addAll(json.get());
            return true;
        }
        if (splitShellForm) {
            splitWhitespace(rest, args);
        } else {
            args.add(rest);
        }
        return false;
    }

    private static void splitWhitespace(String rest, List<String> args) {
        if (!rest.isEmpty()) {
            args.addAll(List.of(WHITESPACE.split(rest, -1)));
        }
    }

    private boolean healthcheck(String rest, List<String> args) throws JsonStringArray.NotStringsException {
        int sep = 0;
        while (sep < rest.length() && !GoText.isSpace(rest.charAt(sep))) {
            sep++;
        }
        if (sep == 0) {
            return false;
        }
        int cmd = sep;
        while (cmd < rest.length() && GoText.isSpace(rest.charAt(cmd))) {
            cmd++;
        }
        args.add(rest.substring(0, sep));
        return maybeJson(rest.substring(cmd), args, false);
    }

    private void nameValues(String rest, String keyword, List<String> args, int lineNo) throws DockerfileException {
        List<String> words = Words.split(rest, escape);
        if (words.isEmpty()) {
            return;
        }
        if (!words.get(0).contains("=")) {
            String[] kv = WHITESPACE.split(rest, 2);
            if (kv.length < 2) {
                throw new DockerfileException(fileName, lineNo, keyword + " must have two arguments");
            }
            args.addAll(List.of(kv[0], kv[1], ""));
            return;
        }
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw new DockerfileException(fileName, lineNo, "Syntax error - can't find = in "
                        + GoQuote.quote(word) + ". Must be of the form: name=value");
            }
            args.addAll(List.of(word.substring(0, eq), word.substring(eq + 1), "="));
        }
    }

    /**
     * Moves the leading {@code --flag} words into {@code flags} (quotes removed, backslash escapes
     * applied, as BuildKit does) and returns the rest of the line. A lone {@code --} ends the flags.
     */
    private static String extractFlags(String line, List<String> flags) {
        int pos = 0;
        int n = line.length();
        while (true) {
            while (pos < n && GoText.isSpace(line.charAt(pos))) {
                pos++;
            }
            if (pos >= n) {
                return "";
            }
            if (!line.startsWith("--", pos)) {
                return line.substring(pos);
            }
            StringBuilder word = new StringBuilder();
            char quote = 0;
            int start = pos;
            while (pos < n) {
                char c = line.charAt(pos);
                if (quote == 0 && GoText.isSpace(c)) {
                    break;
                }
                pos++;
                if (quote != 0 && c == quote) {
                    quote = 0;
                } else if (quote == 0 && (c == '\'' || c == '"')) {
                    quote = c;
                } else if (c == '\\') {
                    if (pos < n) {
                        word.append(line.charAt(pos++));
                    } else if (quote != 0) {
                        quote = 0;
                    }
                } else {
                    word.append(c);
                }
            }
            if (word.toString().equals("--") && pos - start == 2) {
                return line.substring(pos);
            }
            flags.add(word.toString());
        }
    }

    private List<Heredoc> readHeredocs(Node node, String line, int startLine) throws DockerfileException {
        Node target = node.child().orElse(node);
        if (!HEREDOC_KEYWORDS.contains(target.name()) || target.json()) {
            return List.of();
        }
        List<Heredoc> docs = new ArrayList<>();
        for (Heredoc declared : HeredocWords.declared(line)) {
            StringBuilder body = new StringBuilder();
            boolean terminated = false;
            while (next < lines.size()) {
                String raw = lines.get(next++);
                String candidate = trimNewline(raw);
                if (declared.chomp()) {
                    candidate = candidate.replaceFirst("^\t+", "");
                }
                if (candidate.equals(declared.name())) {
                    terminated = true;
                    break;
                }
                body.append(raw);
            }
            if (!terminated) {
                throw new DockerfileException(fileName, startLine, "unterminated heredoc "
                        + GoQuote.quote(declared.name()) + " (add a line that is just " + declared.name() + ")");
            }
            docs.add(new Heredoc(declared.name(), declared.fileDescriptor(), declared.expand(),
                    declared.chomp(), body.toString()));
        }
        return docs;
    }

    private static String trimNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    private static List<String> splitKeepingEndings(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    /**
     * UTF-8 decoding that keeps each byte that is not valid UTF-8 as a lone surrogate U+DC80–U+DCFF
     * (as Python's "surrogateescape" does), so that dumps can show it as {@code \xNN} like Go.
     */
    static String decode(byte[] content) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content);
        CharBuffer out = CharBuffer.allocate(content.length + 1);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isUnderflow()) {
                decoder.flush(out);
                break;
            }
            for (int k = 0; k < r.length(); k++) {
                out.put((char) (0xDC00 | (in.get() & 0xff)));
            }
        }
        return out.flip().toString();
    }
}
