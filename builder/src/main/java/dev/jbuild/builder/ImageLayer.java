package dev.jbuild.builder;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;

/** A layer of an image being built: its blob in the store and its diffID (which names its snapshot). */
public record ImageLayer(Descriptor blob, Digest diffId) {
}
