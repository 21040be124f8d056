package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Docker's reference normalisation, case by case. */
class ImageReferenceTest {
    private static final String D = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "app|docker.io/library/app:latest|app:latest",
        "app:1|docker.io/library/app:1|app:1",
        "user/app|docker.io/user/app:latest|user/app:latest",
        "docker.io/app:2|docker.io/library/app:2|app:2",
        "index.docker.io/library/app|docker.io/library/app:latest|app:latest",
        "localhost/app|localhost/app:latest|localhost/app:latest",
        "localhost:5000/a/b/c:v1.2-rc_3|localhost:5000/a/b/c:v1.2-rc_3|localhost:5000/a/b/c:v1.2-rc_3",
        "127.0.0.1:5000/app|127.0.0.1:5000/app:latest|127.0.0.1:5000/app:latest",
        "[::1]:5000/app:x|[::1]:5000/app:x|[::1]:5000/app:x",
        "ghcr.io/org/app|ghcr.io/org/app:latest|ghcr.io/org/app:latest",
        "my-registry.example.com:443/team/app|my-registry.example.com:443/team/app:latest|my-registry.example.com:443/team/app:latest",
        "a__b/c.d-e|docker.io/a__b/c.d-e:latest|a__b/c.d-e:latest",
    })
    void normalises(String in, String full, String familiar) {
        ImageReference r = ImageReference.parse(in).withDefaultTag();
        assertEquals(full, r.toString());
        assertEquals(familiar, r.familiar());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "app@" + D + "|docker.io/library/app@" + D,
        "app:1@" + D + "|docker.io/library/app:1@" + D,
        "localhost:5000/app@" + D + "|localhost:5000/app@" + D,
    })
    void digestsKeepTagsAndNeedNoDefault(String in, String full) {
        assertEquals(full, ImageReference.parse(in).withDefaultTag().toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "App|must be lowercase",
        "app:|tag",
        "app:-x|tag",
        "app@sha256:123|invalid sha256 digest",
        "app@md5:" + "a|unsupported digest algorithm",
        "a//b|repository",
        "-app|repository",
        "app_|repository",
        "host.com:port/app|registry host",
        "''|empty",
    })
    void rejects(String in, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageReference.parse(in.equals("''") ? "" : in));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"app|registry-1.docker.io", "quay.io/a/b|quay.io", "localhost:5000/x|localhost:5000"})
    void apiHost(String in, String host) {
        assertEquals(host, ImageReference.parse(in).apiHost());
    }
}
