package dev.jbuild.dockerfile.plan;

/** What a stage starts from: an image, an earlier stage, or nothing ({@code scratch}). */
public sealed interface Base {
    record Image(String reference) implements Base {
    }

    record StageRef(int index) implements Base {
    }

    record Scratch() implements Base {
    }
}
