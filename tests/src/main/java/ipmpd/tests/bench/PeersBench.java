package ipmpd.tests.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/bench peers}: ipmpd beside Linux bonding and teamd. This machine's kernel has neither
 * bonding nor team, so all three run inside one User-Mode Linux boot (Debian package
 * user-mode-linux: a 6.1 kernel with both as modules, the host's root file system read-only
 * through hostfs), which gives them the same kernel, clock and failure commands; with 1 vCPU
 * and HZ=100 its absolute figures are coarse, so compare within the run. The boot's init loads
 * the modules and runs {@link PeersInside} from the bench jar; its "PEERS| " lines are the report.
 */
final class PeersBench {
    static final Path UML = Path.of("/usr/bin/linux.uml");
    static final Path UML_MODULES = Path.of("/usr/lib/uml/modules");

    private PeersBench() {
    }

    static void run(Report out, List<String> innerArgs) {
        out.line("== peers: ipmpd, bonding and teamd in one User-Mode Linux boot (same topology, failures and clock)");
        for (Path p : List.of(UML, UML_MODULES, Path.of("/usr/bin/teamd"), Path.of("/usr/sbin/modprobe"))) {
            if (!Files.exists(p)) {
                throw new IllegalStateException(p + " missing: run bin/setup (packages user-mode-linux, libteam-utils, kmod)");
            }
        }
        // the bench's own class path (the tests jar and what it needs), absolute: the boot sees the host's files
        String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(":"))
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(java.util.stream.Collectors.joining(":"));
        String root = System.getProperty("ipmpd.root", "");
        Path dir;
        try {
            // not under /tmp: the boot mounts a tmpfs there
            dir = Files.createTempDirectory(Path.of("/var/tmp"), "ipmpd-peers-");
            Path init = dir.resolve("init.sh");
            Files.writeString(init, initScript(classPath, root, innerArgs), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String umid = "ipmpd-peers-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000));
        List<String> cmd = List.of(UML.toString(), "mem=3G", "umid=" + umid, "root=/dev/root", "rootfstype=hostfs",
                "rootflags=/", "ro", "init=" + dir.resolve("init.sh"), "con0=null,fd:1", "con=null");
        Process p = null;
        boolean finished = false;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            List<String> tail = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    line = line.replace("\r", "");
                    if (line.startsWith("PEERS| ")) {
                        out.line("   " + line.substring(7));
                    } else if (line.startsWith("PEERS~ ")) {
                        Report.progress("peers: %s", line.substring(7));
                    } else if (line.startsWith("PEERS-EXIT ")) {
                        finished = line.equals("PEERS-EXIT 0");
                    } else {
                        tail.add(line);
                        if (tail.size() > 40) {
                            tail.remove(0);
                        }
                    }
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the User-Mode Linux boot did not halt");
            }
            if (!finished) {
                throw new IllegalStateException("the bench inside User-Mode Linux failed; its last lines:\n" + String.join("\n", tail));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (p != null && p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory left behind is harmless
            }
        }
    }

    /** The boot's init: file systems, the peers' modules, then the bench; halts in every case. */
    static String initScript(String classPath, String root, List<String> innerArgs) {
        return "#!/bin/sh\n"
                + "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8\n"
                + "mount -t proc proc /proc\n"
                + "mount -t sysfs sys /sys\n"
                + "mount -t tmpfs tmpfs /tmp\n"
                + "mount -t tmpfs tmpfs /run\n"
                + "mkdir -p /run/netns\n"
                + "k=$(uname -r)\n"
                + "mkdir -p /tmp/modroot/lib/modules && ln -s " + UML_MODULES + "/$k /tmp/modroot/lib/modules/$k\n"
                + "for m in veth bridge bonding team team_mode_activebackup; do modprobe -d /tmp/modroot $m || echo \"PEERS~ no module $m\"; done\n"
                + "ip link set lo up\n"
                + "java -Xmx384m -XX:+UseSerialGC -Dipmpd.root='" + root + "' -cp '" + classPath + "' ipmpd.tests.bench.PeersInside "
                + String.join(" ", innerArgs) + "\n"
                + "echo \"PEERS-EXIT $?\"\n"
                + "halt -f\n";
    }
}
