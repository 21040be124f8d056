package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChallengeTest {
    @Test
    void aRegistryBearerChallenge() {
        List<Challenge> c = Challenge.parse(List.of("Bearer realm=\"https://auth.docker.io/token\","
                + "service=\"registry.docker.io\",scope=\"repository:library/alpine:pull,push\""));
        assertEquals(1, c.size());
        assertTrue(c.get(0).isBearer());
        assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:library/alpine:pull,push"), c.get(0).params());
    }

    @Test
    void severalChallengesInOneHeaderWithQuotedCommasAndEscapedQuotes() {
        // The example of RFC 7235 §4.1.
        List<Challenge> c = Challenge.parse(List.of(
                "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\""));
        assertEquals(2, c.size());
        assertEquals("newauth", c.get(0).scheme());
        assertEquals(Map.of("realm", "apps", "type", "1", "title", "Login to \"apps\""), c.get(0).params());
        assertTrue(c.get(1).isBasic());
        assertEquals(Optional.of("simple"), c.get(1).param("realm"));
    }

    @Test
    void basicThenBearerWithAQuotedCommaInTheRealm() {
        List<Challenge> c = Challenge.parse(List.of(
                "Basic realm=\"a, b\", Bearer realm=\"https://x/token\",error=\"insufficient_scope\","
                        + "scope=\"repository:a:pull repository:b:pull\""));
        assertEquals(2, c.size());
        assertEquals(Optional.of("a, b"), c.get(0).param("realm"));
        assertTrue(c.get(1).isBearer());
        assertEquals(Optional.of("insufficient_scope"), c.get(1).param("error"));
        assertEquals(Optional.of("repository:a:pull repository:b:pull"), c.get(1).param("scope"));
    }

    @Test
    void challengesFromSeveralHeaderValuesSchemesWithoutParamsAndCase() {
        List<Challenge> c = Challenge.parse(List.of("Negotiate", "BASIC Realm=registry", "bearer  realm = \"r\""));
        assertEquals(3, c.size());
        assertEquals("negotiate", c.get(0).scheme());
        assertEquals(Map.of(), c.get(0).params());
        assertTrue(c.get(1).isBasic());
        assertEquals(Optional.of("registry"), c.get(1).param("realm"));
        assertTrue(c.get(2).isBearer());
        assertEquals(Optional.of("r"), c.get(2).param("realm"));
    }

    @Test
    void malformedInputIsSkippedNotFatal() {
        assertEquals(List.of(), Challenge.parse(List.of("")));
        assertEquals(List.of(), Challenge.parse(List.of(", ,")));
        List<Challenge> c = Challenge.parse(List.of("Bearer realm=\"unterminated"));
        assertEquals(1, c.size());
        assertEquals(Optional.of("unterminated"), c.get(0).param("realm"));
    }
}
