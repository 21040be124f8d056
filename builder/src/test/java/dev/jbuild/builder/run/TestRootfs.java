package dev.jbuild.builder.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A tiny root file system for executor tests: the host's static busybox with a symlink per applet,
 * {@code /etc/passwd} and {@code /etc/group} with root and a user 1000, and {@code /tmp}. No
 * {@code /proc}, {@code /dev}, {@code /sys} or {@code /run}: the executors must stub them.
 */
final class TestRootfs {
    static final Path BUSYBOX = Path.of("/bin/busybox");

    private TestRootfs() {
    }

    static Path create(Path root) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        Process list = new ProcessBuilder(BUSYBOX.toString(), "--list").start();
        List<String> applets = new String(list.getInputStream().readAllBytes()).lines().toList();
        list.waitFor();
        for (String applet : applets) {
            if (!applet.equals("busybox") && !applet.contains("/")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
        }
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nwheel:x:10:user\nuser:x:1000:\nextra:x:2000:user\n");
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        Files.setAttribute(tmp, "unix:mode", 01777);
        return root;
    }

    /** Every entry below {@code root} with type, mode, owner, mtime (nanoseconds), size and link target. */
    static List<String> snapshot(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted().toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime,size",
                        LinkOption.NOFOLLOW_LINKS);
                String link = Files.isSymbolicLink(p) ? " -> " + Files.readSymbolicLink(p) : "";
                boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                out.add("/" + root.relativize(p) + " mode=" + Integer.toOctalString((Integer) a.get("mode"))
                        + " owner=" + a.get("uid") + ":" + a.get("gid") + " mtime=" + a.get("lastModifiedTime")
                        + (dir ? "" : " size=" + a.get("size")) + link);
            }
        }
        return out;
    }
}
