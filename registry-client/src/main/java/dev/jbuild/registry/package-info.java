/**
 * OCI distribution-spec v2 client on the JDK's {@code java.net.http.HttpClient}: {@link
 * dev.jbuild.registry.RegistryClient} for one registry's API (manifests, blobs, uploads, mounts),
 * {@link dev.jbuild.registry.ImagePuller} and {@link dev.jbuild.registry.ImagePusher} for whole
 * images between a registry and a store, and {@code auth} for docker-compatible credentials.
 */
package dev.jbuild.registry;
