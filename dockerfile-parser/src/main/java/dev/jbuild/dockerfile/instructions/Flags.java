package dev.jbuild.dockerfile.instructions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code --name[=value]} flags of one instruction, checked against the flags that instruction
 * accepts, with BuildKit's rules: a boolean flag without a value is true, a string flag needs a
 * value and may appear once, a repeatable flag collects every value.
 */
final class Flags {
    enum Kind { BOOL, STRING, REPEATED }

    private final String instruction;
    private final Map<String, Kind> accepted = new LinkedHashMap<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    Flags(String instruction) {
        this.instruction = instruction;
    }

    Flags accept(String name, Kind kind) {
        accepted.put(name, kind);
        return this;
    }

    /** Reads the raw flags; the message of the exception is a user-facing reason. */
    Flags parse(List<String> raw) throws InstructionException {
        for (String flag : raw) {
            if (!flag.startsWith("--")) {
                throw new InstructionException("arg should start with -- : " + flag);
            }
            String body = flag.substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            Optional<String> value = eq < 0 ? Optional.empty() : Optional.of(body.substring(eq + 1));
            Kind kind = accepted.get(name);
            if (kind == null) {
                throw new InstructionException(unknown(name));
            }
            if (kind != Kind.REPEATED && values.containsKey(name)) {
                throw new InstructionException("duplicate flag specified: " + name);
            }
            switch (kind) {
                case BOOL -> {
                    String v = value.orElse("true").toLowerCase(Locale.ROOT);
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new InstructionException("expecting boolean value for flag " + name + ", not: " + value.get());
                    }
                    values.put(name, List.of(v));
                }
                case STRING -> values.put(name, List.of(value.orElseThrow(
                        () -> new InstructionException("missing a value on flag: " + name))));
                case REPEATED -> values.computeIfAbsent(name, k -> new ArrayList<>()).add(value.orElseThrow(
                        () -> new InstructionException("missing a value on flag: " + name)));
            }
        }
        return this;
    }

    private String unknown(String name) {
        if (accepted.isEmpty()) {
            return "unknown flag: " + name + " (" + instruction + " takes no flags)";
        }
        String hint = Suggest.closest(name, accepted.keySet())
                .map(s -> " (did you mean --" + s + "?)")
                .orElse(" (" + instruction + " accepts --" + String.join(", --", accepted.keySet()) + ")");
        return "unknown flag: " + name + hint;
    }

    boolean bool(String name) {
        return values.getOrDefault(name, List.of("false")).get(0).equals("true");
    }

    /** A boolean flag's value if it was given: for flags whose absence means "decide by content". */
    Optional<Boolean> optionalBool(String name) {
        return values.containsKey(name) ? Optional.of(bool(name)) : Optional.empty();
    }

    Optional<String> string(String name) {
        return Optional.ofNullable(values.get(name)).map(v -> v.get(0));
    }

    List<String> repeated(String name) {
        return List.copyOf(values.getOrDefault(name, List.of()));
    }
}
