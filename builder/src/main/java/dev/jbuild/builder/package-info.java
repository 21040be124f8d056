/**
 * The build engine: executes a build plan into an image.
 *
 * <p>Empty for now; later issues fill it in.
 */
package dev.jbuild.builder;
