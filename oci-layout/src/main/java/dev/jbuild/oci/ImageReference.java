package dev.jbuild.oci;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference normalised as docker normalises it: {@code app:1} is
 * {@code docker.io/library/app:1}; a first component with a dot, a colon or named
 * {@code localhost} is a registry host (with an optional port; IPv6 hosts in brackets); a missing
 * tag is {@code latest} unless a digest is given; {@code name:tag@digest} keeps both, the digest
 * deciding what is fetched.
 *
 * @param registry the registry host as users write it ({@code docker.io}, {@code localhost:5000})
 * @param repository the path within the registry ({@code library/app})
 * @param tag the tag, if any
 * @param digest the digest, if any
 */
public record ImageReference(String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern PATH = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                    + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");

    /**
     * Parses and normalises a reference.
     *
     * @throws IllegalArgumentException with a message that says what is wrong and how to write it
     */
    public static ImageReference parse(String text) {
        if (text.isEmpty()) {
            throw invalid(text, "it is empty");
        }
        String rest = text;
        Optional<Digest> digest = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Optional.of(Digest.parse(rest.substring(at + 1)));
            } catch (IllegalArgumentException e) {
                throw invalid(text, e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        Optional<String> tag = Optional.empty();
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            String t = rest.substring(colon + 1);
            if (!TAG.matcher(t).matches()) {
                throw invalid(text, "tag \"" + t + "\" must be 1 to 128 letters, digits, '_', '.' or '-',"
                        + " not starting with '.' or '-'");
            }
            tag = Optional.of(t);
            rest = rest.substring(0, colon);
        }
        String registry = DOCKER_HUB;
        String path = rest;
        int first = rest.indexOf('/');
        if (first > 0) {
            String head = rest.substring(0, first);
            if (head.contains(".") || head.contains(":") || head.equals("localhost") || head.startsWith("[")) {
                if (!HOST.matcher(head).matches()) {
                    throw invalid(text, "registry host \"" + head + "\" is not a valid host[:port]");
                }
                registry = head.equals("index.docker.io") || head.equals("registry-1.docker.io") ? DOCKER_HUB : head;
                path = rest.substring(first + 1);
            }
        }
        if (!path.equals(path.toLowerCase(Locale.ROOT))) {
            throw invalid(text, "repository name must be lowercase");
        }
        if (!PATH.matcher(path).matches()) {
            throw invalid(text, "repository \"" + path + "\" must be lowercase letters and digits, separated by"
                    + " '/', '.', '_', '__' or '-'");
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if ((registry + "/" + path).length() > 255) {
            throw invalid(text, "repository name must not be longer than 255 characters");
        }
        return new ImageReference(registry, path, tag, digest);
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid image reference \"" + text + "\": " + why);
    }

    /** The same reference with {@code latest} as its tag when it has neither tag nor digest. */
    public ImageReference withDefaultTag() {
        return tag.isEmpty() && digest.isEmpty() ? withTag("latest") : this;
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(registry, repository, Optional.of(newTag), Optional.empty());
    }

    /** {@code registry/repository}, e.g. {@code docker.io/library/app}. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The host to talk to: Docker Hub's API lives on {@code registry-1.docker.io}. */
    public String apiHost() {
        return apiHost(registry);
    }

    /** The API host of a registry as users write it. */
    public static String apiHost(String registry) {
        return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
    }

    /** The short form docker prints: {@code app:1} for {@code docker.io/library/app:1}. */
    public String familiar() {
        String name = registry.equals(DOCKER_HUB)
                ? (repository.startsWith("library/") ? repository.substring(8) : repository)
                : name();
        return name + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }

    /** The full normalised form, e.g. {@code docker.io/library/app:1}. */
    @Override
    public String toString() {
        return name() + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }
}
