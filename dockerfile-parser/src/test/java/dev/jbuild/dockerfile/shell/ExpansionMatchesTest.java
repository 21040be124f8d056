package dev.jbuild.dockerfile.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which names {@link ShellWordExpander#expandWithMatches} reports as looked up, set or not. */
class ExpansionMatchesTest {

    private static final ShellWordExpander EXPANDER = new ShellWordExpander('\\');

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("plain", Map.of("A", "a"), "plain", Set.of(), Set.of()),
                Arguments.of("x ${UNUSED}", Map.of("A", "a"), "x ", Set.of(), Set.of("UNUSED")),
                Arguments.of("$A $A ${A}", Map.of("A", "a"), "a a a", Set.of("A"), Set.of()),
                Arguments.of("$A-$a", Map.of("A", "a"), "a-", Set.of("A"), Set.of("a")),
                // the default word is expanded even though A is set
                Arguments.of("${A:-$B}", Map.of("A", "a"), "a", Set.of("A"), Set.of("B")),
                Arguments.of("${E:-x} ${E-y}", Map.of("E", ""), "x ", Set.of("E"), Set.of()),
                Arguments.of("${A+1}${B:+2}${C-3}", Map.of("B", "b"), "23", Set.of("B"), Set.of("A", "C")),
                // quoted and escaped references are not looked up
                Arguments.of("'$A' \\$B \"$C\"", Map.of("C", "c"), "$A $B c", Set.of("C"), Set.of()),
                Arguments.of("${F#$P}", Map.of("F", "a/b", "P", "*/"), "b", Set.of("F", "P"), Set.of()),
                Arguments.of("${F//$N/$R}", Map.of("F", "aXa", "N", "a"), "X", Set.of("F", "N"), Set.of("R")),
                Arguments.of("$1 $@ $$", Map.of(), "  ", Set.of(), Set.of("1", "@", "$")),
                Arguments.of("${/x/y}", Map.of(), "", Set.of(), Set.of("")),
                Arguments.of("${V:?set} ${W?set}", Map.of("V", "v", "W", ""), "v ", Set.of("V", "W"), Set.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsLookups(String word, Map<String, String> env, String result, Set<String> matched,
            Set<String> unmatched) throws ExpansionException {
        Expansion e = EXPANDER.expandWithMatches(word, VariableLookup.of(env));
        assertEquals(result, e.result());
        assertEquals(matched, e.matched());
        assertEquals(unmatched, e.unmatched());
    }

    @Test
    void setsKeepLookupOrderAndAreImmutable() throws ExpansionException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("Z", "z");
        env.put("A", "a");
        Expansion e = EXPANDER.expandWithMatches("$Z$Y$A$X$Z", VariableLookup.of(env));
        assertEquals(List.of("Z", "A"), List.copyOf(e.matched()));
        assertEquals(List.of("Y", "X"), List.copyOf(e.unmatched()));
        assertThrows(UnsupportedOperationException.class, () -> e.matched().add("Q"));
    }

    @Test
    void errorCarriesBuildKitMessageAndReason() {
        ExpansionException e = assertThrows(ExpansionException.class,
                () -> EXPANDER.expand("a\t${V:?need V}", VariableLookup.empty()));
        assertEquals("failed to process \"a\\t${V:?need V}\": V: need V", e.getMessage());
        assertEquals("V: need V", e.reason());
    }

    @Test
    void onlyBackslashOrBacktickEscape() {
        assertThrows(IllegalArgumentException.class, () -> new ShellWordExpander('^'));
    }
}
