package dev.jbuild.dockerfile.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The body of a COPY heredoc, expanded as BuildKit's ExpandRaw does (quotes kept, unset kept). */
class HeredocExpansionTest {
    private static final VariableLookup ENV = name -> Optional.ofNullable(Map.of("NAME", "world", "EMPTY", "").get(name));

    private static String expand(String body) throws ExpansionException {
        return ShellWordExpander.expandHeredoc(body, ENV);
    }

    @Test
    void quotesAreOrdinaryCharactersAndDoNotStopExpansion() throws ExpansionException {
        assertEquals("say \"world\" and 'world'\n", expand("say \"$NAME\" and '$NAME'\n"));
        assertEquals("it's world\n", expand("it's $NAME\n"));
    }

    @Test
    void unsetVariablesStayAsWrittenAndSetOnesExpandEvenWhenEmpty() throws ExpansionException {
        assertEquals("$UNSET ${UNSET} [] world", expand("$UNSET ${UNSET} [$EMPTY] ${NAME}"));
    }

    @Test
    void modifiersStillApply() throws ExpansionException {
        assertEquals("default world", expand("${UNSET:-default} ${NAME:+world}"));
    }

    @Test
    void backslashEscapesWhateverTheEscapeDirective() throws ExpansionException {
        assertEquals("$NAME costs $5", expand("\\$NAME costs \\$5"));
    }
}
