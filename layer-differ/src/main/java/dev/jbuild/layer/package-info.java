/**
 * Tar layers: writing, compression, applying, and diffing trees into layers.
 *
 * <p>Empty for now; later issues fill it in.
 */
package dev.jbuild.layer;
