/**
 * Image model, canonical JSON, the content-addressed store (an OCI image layout).
 *
 * <p>Empty for now; later issues fill it in.
 */
package dev.jbuild.oci;
