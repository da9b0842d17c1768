package ipmpd.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.DebPackage;
import ipmpd.tests.testbed.Netns;
import ipmpd.testkit.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Debian package as an administrator gets it: built by bin/package, its files unpacked with
 * {@code dpkg -x} into a throw-away root (what dpkg -i would place, without touching this
 * machine's /usr, /etc or package database; the maintainer scripts only talk to systemd, which a
 * test cannot use), and the installed daemon started with the unit's own ExecStart (paths moved
 * under that root), the unit's privileges (CapabilityBoundingSet, NoNewPrivileges, LimitNICE,
 * applied with setpriv and prlimit) and the unit's ProtectSystem=strict / ProtectHome=yes (a mount
 * namespace with the system read-only), on the tutorial's testbed. Without CAP_NET_RAW, say, the
 * members never probe and the test fails.
 */
@Timeout(240)
class PackageInstallTest extends E2eBase {
    /** Capability numbers (linux/capability.h) of the names the unit may use. */
    private static final Map<String, Integer> CAPABILITIES = Map.of(
            "CAP_NET_BIND_SERVICE", 10, "CAP_NET_BROADCAST", 11, "CAP_NET_ADMIN", 12, "CAP_NET_RAW", 13,
            "CAP_SYS_NICE", 23, "CAP_SYS_RESOURCE", 24);

    private static Path work;
    private static Path deb;

    @BeforeAll
    static void buildPackage() throws IOException {
        work = Files.createTempDirectory("ipmpd-package-");
        deb = DebPackage.build(work.resolve("out"));
    }

    @AfterAll
    static void removePackage() {
        if (work != null) {
            TempDirs.delete(work);
        }
    }

    @Test
    void packagePutsFilesOnTheUsualPaths() throws IOException {
        Path root = work.resolve("layout");
        DebPackage.extract(deb, root);
        for (String tool : List.of("ipmpd", "ipmpstat", "if_mpadm", "ipmpadm")) {
            assertTrue(Files.isExecutable(root.resolve("usr/sbin/" + tool)), tool);
            assertTrue(Files.isRegularFile(root.resolve("usr/share/man/man8/" + tool + ".8.gz")), tool + "(8)");
        }
        assertTrue(Files.isRegularFile(root.resolve("usr/share/man/man5/ipmpd.conf.5.gz")), "ipmpd.conf(5)");
        try (Stream<Path> jars = Files.list(root.resolve("usr/share/ipmpd"))) {
            assertTrue(jars.anyMatch(p -> p.getFileName().toString().matches("ipmpd-agent-.*\\.jar")), "the agent jar");
        }
        assertTrue(Files.isRegularFile(root.resolve("usr/share/snmp/mibs/IPMP-MIB.txt")));
        assertTrue(Files.isRegularFile(root.resolve("usr/share/yang/modules/ipmpd/ipmpd-ipmp.yang")));
        // the daemon's YANG search path (beside its jars) reaches the module through the link
        assertTrue(Files.isRegularFile(root.resolve("usr/share/ipmpd/yang/ipmpd-ipmp.yang")));
        assertTrue(Files.isRegularFile(root.resolve(DebPackage.UNIT)));
        assertTrue(Files.isRegularFile(root.resolve("usr/share/doc/ipmpd/copyright")));
        assertTrue(Files.isRegularFile(root.resolve("usr/share/doc/ipmpd/changelog.Debian.gz")));

        List<String> etc;
        try (Stream<Path> files = Files.list(root.resolve("etc/ipmpd"))) {
            etc = files.map(p -> "/etc/ipmpd/" + p.getFileName()).sorted().toList();
        }
        assertEquals(etc, debInfo("conffiles").lines().filter(l -> !l.isBlank()).sorted().toList(),
                "every file under /etc is a conffile");
        String control = debInfo("control");
        assertTrue(control.contains("\nDepends: openjdk-17-jre-headless | java17-runtime-headless\n"), control);
        assertTrue(control.contains("\nArchitecture: all\n"), control);
    }

    @Test
    void installedDaemonRunAsTheUnitSaysFailsOverAndItsIpmpstatAnswers() throws IOException {
        Path root = work.resolve("root");
        DebPackage.extract(deb, root);
        DebPackage.Unit unit = DebPackage.Unit.read(root.resolve(DebPackage.UNIT));
        List<String> execStart = unit.execStart();
        assertEquals(List.of("/usr/sbin/ipmpd", "-c", "/etc/ipmpd"), execStart, "the unit's ExecStart");
        List<String> command = DebPackage.underRoot(execStart, root);
        Path configDir = Path.of(command.get(2));

        long capMask = 0;
        List<String> setprivCaps = new ArrayList<>(List.of("-all"));
        for (String cap : unit.value("Service", "CapabilityBoundingSet").orElseThrow().split("\\s+")) {
            Integer bit = CAPABILITIES.get(cap);
            assertTrue(bit != null, "capability " + cap + " known to the test");
            capMask |= 1L << bit;
            setprivCaps.add("+" + cap.substring("CAP_".length()).toLowerCase(Locale.ROOT));
        }
        assertEquals(Optional.of("yes"), unit.value("Service", "NoNewPrivileges"));
        assertEquals(Optional.of("strict"), unit.value("Service", "ProtectSystem"));
        assertEquals(Optional.of("yes"), unit.value("Service", "ProtectHome"));
        // ProtectSystem=strict and ProtectHome=yes, in a mount namespace of the daemon's own: the
        // system read-only, root's home hidden; /tmp stays writable (PrivateTmp), and holds this
        // test's configuration directory and control socket (the unit's ReadWritePaths).
        List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind /tmp /tmp"
                        + " && for d in / /usr /etc /var /opt /srv; do"
                        + "      if mountpoint -q $d; then mount -o remount,bind,ro $d || exit 1; fi; done"
                        + " && for d in /root /home; do"
                        + "      if [ -d $d ]; then mount -t tmpfs -o ro,mode=000 tmpfs $d || exit 1; fi; done"
                        + " && exec \"$@\"", "sh"));
        Optional<Integer> niceFloor = unit.value("Service", "LimitNICE").map(PackageInstallTest::niceLevel);
        boolean niceLimitApplied = niceFloor.isPresent() && rlimitNiceSettable(20 - niceFloor.get());
        if (niceLimitApplied) {
            int rlimit = 20 - niceFloor.get();
            argv.addAll(List.of("prlimit", "--nice=" + rlimit + ":" + rlimit, "--"));
        } else {
            // a container without CAP_SYS_RESOURCE cannot raise RLIMIT_NICE as systemd does
            System.out.println("RLIMIT_NICE cannot be raised here: the failover threads' nice level is not checked");
        }
        argv.addAll(List.of("setpriv", "--bounding-set", String.join(",", setprivCaps), "--inh-caps", "-all",
                "--no-new-privs", "--"));
        argv.addAll(command);

        testbed();
        start(tutorialConfig().command(argv, configDir));
        long pid = daemon.pid(); // ip netns exec, unshare, sh, prlimit, setpriv and the wrapper all exec: the JVM
        assertEquals("java", Files.readString(Path.of("/proc/" + pid + "/comm")).strip());
        assertEquals(capMask, Long.parseLong(procStatus(pid, "CapEff"), 16), "the daemon's effective capabilities");
        assertEquals("1", procStatus(pid, "NoNewPrivs"));
        awaitAllOk(Duration.ofSeconds(30));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(5));
        if (niceLimitApplied) {
            assertEquals(niceFloor.get(), threadNice(pid, "ipmpd-engine"),
                    "the engine thread's nice level (-XX:ThreadPriorityPolicy=1 within LimitNICE)");
        }

        tb.pullCable(1);
        Await.until(() -> DATA + " moved off " + m(1) + ": " + kernelHolders(DATA) + "\n" + daemon.log(),
                Duration.ofSeconds(10), () -> {
                    List<String> h = kernelHolders(DATA);
                    return h.size() == 1 && !h.get(0).equals(m(1));
                });
        String survivor = kernelHolder(DATA);

        Path ipmpstat = root.resolve("usr/sbin/ipmpstat");
        Await.until(() -> "installed ipmpstat -i shows " + m(1) + " failed: " + installed(ipmpstat, "-i"),
                Duration.ofSeconds(60), () -> installed(ipmpstat, "-i").stdout().lines()
                        .anyMatch(l -> l.equals(m(1) + ":failed")));
        Netns.Result interfaces = installed(ipmpstat, "-i");
        assertTrue(interfaces.ok(), interfaces.toString());
        assertEquals(List.of(m(1) + ":failed", m(2) + ":ok", m(3) + ":ok"),
                interfaces.stdout().lines().sorted().toList(), interfaces.toString());
        Netns.Result addresses = installed(ipmpstat, "-a");
        assertTrue(addresses.stdout().lines().anyMatch(l -> l.equals(DATA.replace(":", "\\:") + ":" + survivor)),
                addresses.toString());
        daemon.stop();
        assertTrue(daemon.findLog(0, "(?i)read-only file system|permission denied|not permitted").isEmpty(),
                "the daemon met its sandbox's limits:\n" + daemon.log());
    }

    /** The installed ipmpstat, from the root namespace, against this daemon: {@code -n -P -o FIELDS MODE}. */
    private Netns.Result installed(Path ipmpstat, String mode) {
        String fields = mode.equals("-a") ? "ADDRESS,INBOUND" : "INTERFACE,STATE";
        return Netns.run(Duration.ofSeconds(60), List.of("env", "IPMPD_SOCKET=" + daemon.socket(), ipmpstat.toString(),
                "-n", "-P", "-o", fields, mode));
    }

    private static String debInfo(String member) {
        Netns.Result r = Netns.run(Duration.ofSeconds(30), List.of("dpkg-deb", "--info", deb.toString(), member));
        assertTrue(r.ok(), r.toString());
        return "\n" + r.stdout();
    }

    /** LimitNICE as a nice level: "-5" (a level), or a raw rlimit "25" (level 20 - 25). */
    static int niceLevel(String v) {
        return v.startsWith("-") || v.startsWith("+") ? Integer.parseInt(v) : 20 - Integer.parseInt(v);
    }

    /** Whether this machine lets us raise RLIMIT_NICE (needs CAP_SYS_RESOURCE, which containers may lack). */
    private static boolean rlimitNiceSettable(int rlimit) {
        return Netns.run(Duration.ofSeconds(30), List.of("prlimit", "--nice=" + rlimit + ":" + rlimit, "--", "true")).ok();
    }

    private static String procStatus(long pid, String key) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8)) {
            if (l.startsWith(key + ":")) {
                return l.substring(key.length() + 1).strip();
            }
        }
        throw new AssertionError("no " + key + " in /proc/" + pid + "/status");
    }

    /** The nice level of the process's thread named {@code name} (field 19 of its stat). */
    private static int threadNice(long pid, String name) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                if (Files.readString(t.resolve("comm")).strip().equals(name)) {
                    String stat = Files.readString(t.resolve("stat"));
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return Integer.parseInt(after[19 - 3]);
                }
            }
        }
        throw new AssertionError("no thread " + name + " in " + pid);
    }
}
