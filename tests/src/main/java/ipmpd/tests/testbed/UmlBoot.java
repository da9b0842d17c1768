package ipmpd.tests.testbed;

import ipmpd.testkit.TempDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One User-Mode Linux boot (Debian package user-mode-linux: a 6.1 kernel with the modules this
 * host's kernel lacks, 8021q among them) running a shell script as its init, with the host's root
 * file system read-only through hostfs; /tmp inside is a tmpfs of its own. Nothing it does reaches
 * the host's network: the boot has no network device. What the script prints is returned.
 */
public final class UmlBoot {
    public static final Path UML = Path.of("/usr/bin/linux.uml");
    public static final Path UML_MODULES = Path.of("/usr/lib/uml/modules");

    private UmlBoot() {
    }

    /** Whether this host can boot it (bin/setup installs user-mode-linux and kmod). */
    public static boolean available() {
        return Files.isExecutable(UML) && Files.isDirectory(UML_MODULES) && Files.isExecutable(Path.of("/usr/sbin/modprobe"));
    }

    /**
     * A repository under /tmp (a clone there) would vanish under the boot's tmpfs: the host's /tmp
     * is bound to a directory of the boot first ...
     */
    private static String keepRepositoryVisible(Path dir) throws IOException {
        Path top = repositoryTopUnderTmp();
        if (top == null) {
            return "";
        }
        Files.createDirectory(dir.resolve("host-tmp"));
        return "mount --bind /tmp " + dir.resolve("host-tmp") + "\n";
    }

    /** ... and the repository's top directory linked back into the new /tmp. */
    private static String linkRepository(Path dir) {
        Path top = repositoryTopUnderTmp();
        return top == null ? "" : "ln -s " + dir.resolve("host-tmp").resolve(top) + " /tmp/" + top + "\n";
    }

    /** The first component below /tmp of the repository's path, or null when it is elsewhere. */
    private static Path repositoryTopUnderTmp() {
        Path root = IpmpdProcess.root().toAbsolutePath().normalize();
        return root.startsWith("/tmp") && root.getNameCount() > 1 ? root.getName(1) : null;
    }

    /**
     * Boots, runs {@code body} after the file systems are mounted and {@code modules} loaded, and
     * halts.
     *
     * @return the console lines (kernel messages and the script's output)
     * @throws IllegalStateException when the boot does not halt within {@code limit}
     */
    public static List<String> run(List<String> modules, String body, Duration limit) throws IOException, InterruptedException {
        // not under /tmp: the boot mounts a tmpfs there
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "ipmpd-uml-");
        Process p = null;
        try {
            Path init = dir.resolve("init.sh");
            Files.writeString(init, "#!/bin/sh\n"
                    + "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8\n"
                    + "mount -t proc proc /proc\nmount -t sysfs sys /sys\n"
                    + keepRepositoryVisible(dir)
                    + "mount -t tmpfs tmpfs /tmp\n"
                    + linkRepository(dir)
                    + "k=$(uname -r)\n"
                    + "mkdir -p /tmp/modroot/lib/modules && ln -s " + UML_MODULES + "/$k /tmp/modroot/lib/modules/$k\n"
                    + "for m in " + String.join(" ", modules) + "; do modprobe -d /tmp/modroot $m || echo \"no module $m\"; done\n"
                    + "ip link set lo up\n"
                    + body + "\n"
                    + "halt -f\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
            String umid = "ipmpd-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000));
            p = new ProcessBuilder(UML.toString(), "mem=1G", "umid=" + umid, "root=/dev/root", "rootfstype=hostfs",
                    "rootflags=/", "ro", "init=" + init, "con0=null,fd:1", "con=null")
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            Process boot = p;
            List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(boot.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line.replace("\r", ""));
                    }
                } catch (IOException ignored) {
                    // the boot was killed
                }
            }, "uml-console");
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the User-Mode Linux boot did not halt within " + limit + "; its output:\n"
                        + String.join("\n", lines));
            }
            reader.join(10_000);
            return List.copyOf(lines);
        } finally {
            if (p != null && p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            TempDirs.delete(dir);
        }
    }
}
