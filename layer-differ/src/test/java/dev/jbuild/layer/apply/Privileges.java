package dev.jbuild.layer.apply;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/** Tests that need root skip without it, unless JBUILD_REQUIRE_PRIVILEGED=1 (CI) makes that a failure. */
final class Privileges {
    private Privileges() {
    }

    static boolean root() {
        return LayerApplier.effectiveUidIsRoot();
    }

    static void requireRoot(String why) {
        if (root()) {
            return;
        }
        if ("1".equals(System.getenv("JBUILD_REQUIRE_PRIVILEGED"))) {
            fail("needs root (" + why + ") and JBUILD_REQUIRE_PRIVILEGED=1 is set");
        }
        Assumptions.abort("skipped: needs root (" + why + ")");
    }

    static void skipOrFail(String why) {
        if ("1".equals(System.getenv("JBUILD_REQUIRE_PRIVILEGED"))) {
            fail(why + " and JBUILD_REQUIRE_PRIVILEGED=1 is set");
        }
        Assumptions.abort("skipped: " + why);
    }
}
