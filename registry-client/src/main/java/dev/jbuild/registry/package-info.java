/**
 * OCI distribution-spec v2 client.
 *
 * <p>Empty for now; later issues fill it in.
 */
package dev.jbuild.registry;
