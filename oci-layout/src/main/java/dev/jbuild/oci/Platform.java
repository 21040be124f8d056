package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform an image runs on, as in an index entry's {@code platform} and the top of an image
 * config: {@code os}, {@code architecture}, and optionally {@code variant}, {@code os.version}
 * and {@code os.features}. Written {@code os[(os.version)]/architecture[/variant]}, as
 * {@code --platform} takes it; {@link #normalized()} applies containerd's aliases so that
 * {@code linux/x86_64}, {@code linux/aarch64} and {@code linux/arm64/v8} compare equal to what
 * registries list.
 *
 * @param os the operating system, e.g. {@code linux}
 * @param architecture the CPU architecture in Go's spelling, e.g. {@code amd64}, {@code arm64}
 * @param variant the CPU variant, e.g. {@code v7} for {@code arm}
 * @param osVersion the OS version, used by Windows images
 * @param osFeatures required OS features, used by Windows images
 * @param unknown other members, e.g. the {@code features} of Docker manifest lists
 */
public record Platform(String os, String architecture, Optional<String> variant, Optional<String> osVersion,
        List<String> osFeatures, UnknownFields unknown) {
    static final List<String> FIELDS = List.of("architecture", "os", "os.version", "os.features", "variant");
    private static final Pattern FORMAT = Pattern.compile("([^/()]+)(?:\\(([^)]*)\\))?(?:/([^/]+)(?:/([^/]+))?)?");

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        if (os.isEmpty() || architecture.isEmpty()) {
            throw new IllegalArgumentException("a platform needs both an os and an architecture");
        }
        variant = variant.filter(v -> !v.isEmpty());
        osVersion = osVersion.filter(v -> !v.isEmpty());
        osFeatures = List.copyOf(osFeatures);
        unknown = unknown.requireNoneOf(FIELDS, "Platform");
    }

    public static Platform of(String os, String architecture) {
        return new Platform(os, architecture, Optional.empty(), Optional.empty(), List.of(), UnknownFields.NONE);
    }

    public static Platform of(String os, String architecture, String variant) {
        return new Platform(os, architecture, Optional.ofNullable(variant), Optional.empty(), List.of(),
                UnknownFields.NONE);
    }

    /**
     * Parses {@code os[(os.version)]/architecture[/variant]} and normalises it as containerd's
     * {@code platforms.Parse} does, so {@code linux/arm64/v8} gives {@code linux/arm64}. A single
     * component is an architecture on Linux ({@code arm64}) or an OS on the host's architecture
     * ({@code linux}).
     *
     * @throws IllegalArgumentException with a message showing the expected form
     */
    public static Platform parse(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (text.isBlank() || !m.matches()) {
            throw new IllegalArgumentException("invalid platform \"" + text
                    + "\": expected os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7");
        }
        String first = m.group(1).toLowerCase(Locale.ROOT);
        Optional<String> osVersion = Optional.ofNullable(m.group(2));
        Platform platform;
        if (m.group(3) == null) {
            if (isKnownOs(first)) {
                platform = host().withOs(first);
            } else if (isKnownArchitecture(first)) {
                platform = of("linux", first);
            } else {
                throw new IllegalArgumentException("invalid platform \"" + text + "\": \"" + first
                        + "\" is neither a known OS nor a known architecture; write os/architecture, e.g. linux/amd64");
            }
        } else {
            platform = of(first, m.group(3).toLowerCase(Locale.ROOT), m.group(4));
        }
        return platform.withOsVersion(osVersion).normalized();
    }

    /** The platform of the machine jbuild runs on, normalised. */
    public static Platform host() {
        String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            os = "windows";
        } else if (os.startsWith("mac")) {
            os = "darwin";
        } else if (!os.equals("freebsd")) {
            os = "linux";
        }
        return of(os, System.getProperty("os.arch", "amd64")).normalized();
    }

    /**
     * The canonical spelling, as containerd's {@code platforms.Normalize}: lower-case OS
     * ({@code macos} is {@code darwin}); {@code x86_64}/{@code x86-64} are {@code amd64} (and
     * variant {@code v1} is dropped); {@code i386} is {@code 386}; {@code aarch64} is
     * {@code arm64}, whose variant {@code v8} is dropped; {@code armhf} is {@code arm/v7},
     * {@code armel} is {@code arm/v6}; bare {@code arm} is {@code arm/v7}; numeric variants get
     * their {@code v}.
     */
    public Platform normalized() {
        String o = os.toLowerCase(Locale.ROOT);
        if (o.equals("macos")) {
            o = "darwin";
        }
        String arch = architecture.toLowerCase(Locale.ROOT);
        String v = variant.orElse("");
        switch (arch) {
            case "i386":
                arch = "386";
                v = "";
                break;
            case "x86_64":
            case "x86-64":
            case "amd64":
                arch = "amd64";
                if (v.equals("v1")) {
                    v = "";
                }
                break;
            case "aarch64":
            case "arm64":
                arch = "arm64";
                if (v.equals("8") || v.equals("v8") || v.equals("v8.0")) {
                    v = "";
                } else if (v.equals("9") || v.equals("9.0") || v.equals("v9.0")) {
                    v = "v9";
                }
                break;
            case "armhf":
                arch = "arm";
                v = "v7";
                break;
            case "armel":
                arch = "arm";
                v = "v6";
                break;
            case "arm":
                if (v.isEmpty() || v.equals("7")) {
                    v = "v7";
                } else if (v.equals("5") || v.equals("6") || v.equals("8")) {
                    v = "v" + v;
                }
                break;
            default:
                break;
        }
        return new Platform(o, arch, Optional.of(v), osVersion, osFeatures, unknown);
    }

    /**
     * Whether {@code candidate}, typically an entry of an index, is this platform: OS, architecture
     * and variant equal after normalisation, as containerd's matcher decides. When this platform
     * names an {@code os.version}, the candidate's must be that version or a more precise one
     * ({@code 10.0.17763} matches {@code 10.0.17763.5329}). {@code os.features} and unknown members
     * are not compared.
     */
    public boolean matches(Platform candidate) {
        Platform want = normalized();
        Platform have = candidate.normalized();
        if (!want.os.equals(have.os) || !want.architecture.equals(have.architecture)
                || !want.variant.equals(have.variant)) {
            return false;
        }
        return want.osVersion.map(v -> have.osVersion.map(h -> h.equals(v) || h.startsWith(v + ".")).orElse(false))
                .orElse(true);
    }

    public Platform withOs(String newOs) {
        return new Platform(newOs, architecture, variant, osVersion, osFeatures, unknown);
    }

    public Platform withArchitecture(String newArchitecture) {
        return new Platform(os, newArchitecture, variant, osVersion, osFeatures, unknown);
    }

    public Platform withVariant(Optional<String> newVariant) {
        return new Platform(os, architecture, newVariant, osVersion, osFeatures, unknown);
    }

    public Platform withOsVersion(Optional<String> newOsVersion) {
        return new Platform(os, architecture, variant, newOsVersion, osFeatures, unknown);
    }

    public Platform withOsFeatures(List<String> newOsFeatures) {
        return new Platform(os, architecture, variant, osVersion, newOsFeatures, unknown);
    }

    /** {@code os[(os.version)]/architecture[/variant]}, e.g. {@code linux/arm/v7}. */
    @Override
    public String toString() {
        return os + osVersion.map(v -> "(" + v + ")").orElse("") + "/" + architecture
                + variant.map(v -> "/" + v).orElse("");
    }

    private static boolean isKnownOs(String name) {
        return List.of("aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
                "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos", "macos").contains(name);
    }

    private static boolean isKnownArchitecture(String name) {
        return List.of("386", "i386", "amd64", "x86_64", "x86-64", "amd64p32", "arm", "armhf", "armel", "armbe",
                "arm64", "aarch64", "arm64be", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32",
                "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64",
                "wasm").contains(name);
    }

    ObjectNode toJson() {
        return new JsonOut()
                .string("architecture", architecture)
                .string("os", os)
                .string("os.version", osVersion)
                .strings("os.features", osFeatures, false)
                .string("variant", variant)
                .unknown(unknown)
                .done();
    }

    /** Only the platform members, for the top of an image config, which owns its own unknowns. */
    void writeInto(JsonOut out) {
        out.string("architecture", architecture)
                .string("os", os)
                .string("os.version", osVersion)
                .strings("os.features", osFeatures, false)
                .string("variant", variant);
    }

    static Platform fromJson(JsonFields in) {
        return fromJson(in, true);
    }

    /**
     * Reads the platform members of an object; {@code withUnknown} is false when the object is an
     * image config, whose other members are not the platform's.
     */
    static Platform fromJson(JsonFields in, boolean withUnknown) {
        String architecture = in.requiredString("architecture");
        String os = in.requiredString("os");
        Optional<String> osVersion = in.string("os.version");
        List<String> osFeatures = in.strings("os.features");
        Optional<String> variant = in.string("variant");
        UnknownFields unknown = withUnknown ? in.unknown() : UnknownFields.NONE;
        return in.build(() -> new Platform(os, architecture, variant, osVersion, osFeatures, unknown));
    }
}
