package ipmpd.tests;

import ipmpd.testkit.TempDirs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks mib/IPMP-MIB.txt with the two tools an NMS operator would use: libsmi's smilint (strictest
 * level; nothing at severity 1..5 may be reported) and net-snmp's snmptranslate (the module must load
 * and show its tree). The standard modules come from mib/ietf.
 */
class MibLintTest {

    /** A smilint diagnostic line: {@code file:line: [level] {tag} message}. */
    private static final Pattern SMILINT_LINE = Pattern.compile(":\\s*\\[(\\d+)]\\s*\\{[^}]*}");

    /** The modules IPMP-MIB needs, directly or through its imports. */
    private static final Set<String> NEEDED_MODULES = Set.of("IPMP-MIB", "SNMPv2-SMI", "SNMPv2-TC",
            "SNMPv2-CONF", "SNMP-FRAMEWORK-MIB", "IF-MIB", "INET-ADDRESS-MIB", "IANAifType-MIB",
            "SNMPv2-MIB");

    /** The Solaris interface flag names in bit order (bit n = flag value 2^n), ipmp-facts.md. */
    private static final List<String> FLAG_NAMES = List.of(
            "UP", "BROADCAST", "DEBUG", "LOOPBACK", "POINTOPOINT", "NOTRAILERS", "RUNNING", "NOARP",
            "PROMISC", "ALLMULTI", "INTELLIGENT", "MULTICAST", "MULTI_BCAST", "UNNUMBERED", "DHCPRUNNING",
            "PRIVATE", "NOXMIT", "NOLOCAL", "DEPRECATED", "ADDRCONF", "ROUTER", "NONUD", "ANYCAST",
            "NORTEXCH", "IPv4", "IPv6", "NOACCEPT", "NOFAILOVER", "FAILED", "STANDBY", "INACTIVE",
            "OFFLINE", "XRESOLV", "CoS", "PREFERRED", "TEMPORARY", "FIXEDMTU", "VIRTUAL", "DUPLICATE",
            "IPMP");

    private static Path root;
    private static Path standard;
    private static Path mib;
    private static Path snmpState;

    @BeforeAll
    static void locate() throws IOException {
        root = findRepoRoot();
        standard = root.resolve("mib").resolve("ietf");
        mib = root.resolve("mib").resolve("IPMP-MIB.txt");
        assertTrue(Files.isRegularFile(mib), "missing " + mib);
        assertTrue(Files.isDirectory(standard), "missing standard MIBs in " + standard);
        snmpState = Files.createTempDirectory("ipmpd-snmp-state");
    }

    @AfterAll
    static void cleanup() throws IOException {
        if (snmpState != null) {
            TempDirs.deleteTree(snmpState);
        }
    }

    @Test
    void smilintReportsNothingAtLevelsOneToFive() {
        String smipath = standard + ":" + root.resolve("mib");
        Result r = run(List.of("smilint", "-l", "6", "-s", "-m", mib.toString()), Map.of("SMIPATH", smipath));
        String all = r.stdout + r.stderr;
        List<String> bad = new ArrayList<>();
        for (String line : all.split("\\R")) {
            Matcher m = SMILINT_LINE.matcher(line);
            if (m.find()) {
                int level = Integer.parseInt(m.group(1));
                if (level >= 1 && level <= 5) {
                    bad.add(line);
                }
            } else if (!line.isBlank()) {
                // Anything else smilint prints (e.g. a module it cannot locate) is also a failure.
                bad.add(line);
            }
        }
        if (!bad.isEmpty() || r.exitCode != 0) {
            fail("smilint (SMIPATH=" + smipath + ") reported problems (exit " + r.exitCode + "):\n" + all);
        }
    }

    @Test
    void snmptranslateLoadsTheModule() {
        String mibDirs = standard + ":" + root.resolve("mib");
        Result r = run(List.of("snmptranslate", "-M", mibDirs, "-m", "+IPMP-MIB", "-Tp", "-IR", "ipmpMIB"),
                Map.of("SNMP_PERSISTENT_DIR", snmpState.toString()));
        String report = "snmptranslate exit " + r.exitCode + "\n--- stderr:\n" + r.stderr + "\n--- stdout:\n" + r.stdout;
        assertEquals(0, r.exitCode, report);
        // net-snmp's compiled-in default MIB list names modules Debian does not ship; those
        // "Cannot find module" lines are expected. Anything about our module or its imports is not.
        List<String> bad = new ArrayList<>();
        Pattern missing = Pattern.compile("^Cannot find module \\(([^)]+)\\)");
        for (String line : r.stderr.split("\\R")) {
            if (isNoise(line)) {
                continue;
            }
            Matcher m = missing.matcher(line);
            if (m.find() && !NEEDED_MODULES.contains(m.group(1))) {
                continue;
            }
            bad.add(line);
        }
        assertTrue(bad.isEmpty(), "snmptranslate complained about IPMP-MIB or its imports: " + bad + "\n" + report);
        for (String name : List.of("ipmpMIB", "ipmpGroupTable", "ipmpGroupRowStatus", "ipmpIfTable", "ipmpIfFlags",
                "ipmpIfOffline", "ipmpTargetTable", "ipmpConfTargetTable", "ipmpAddrTable", "ipmpLinkDown",
                "ipmpAddressMoved", "ipmpFdtChanged", "ipmpFullCompliance")) {
            assertTrue(r.stdout.contains(name + "("), "tree lacks " + name + "\n" + report);
        }
    }

    @Test
    void interfaceFlagBitsEqualFlagBitPositions() {
        // Loaded on its own (no default MIB list), so stderr must stay clean.
        String mibDirs = standard + ":" + root.resolve("mib");
        Result r = run(List.of("snmptranslate", "-M", mibDirs, "-m", "IPMP-MIB", "-Td", "IPMP-MIB::ipmpIfFlags"),
                Map.of("SNMP_PERSISTENT_DIR", snmpState.toString(), "MIBS", ""));
        String report = "snmptranslate exit " + r.exitCode + "\n--- stderr:\n" + r.stderr + "\n--- stdout:\n" + r.stdout;
        assertEquals(0, r.exitCode, report);
        String unexpected = r.stderr.lines().filter(l -> !isNoise(l))
                .collect(Collectors.joining("\n"));
        assertEquals("", unexpected, report);
        Matcher bits = Pattern.compile("BITS\\s*\\{([^}]*)}").matcher(r.stdout);
        assertTrue(bits.find(), "no BITS syntax for ipmpIfFlags\n" + report);
        List<String> got = Stream.of(bits.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
        List<String> want = new ArrayList<>();
        for (int bit = 0; bit < FLAG_NAMES.size(); bit++) {
            want.add(label(FLAG_NAMES.get(bit)) + "(" + bit + ")");
        }
        assertEquals(want, got, "ipmpIfFlags BITS must number each flag by its bit position\n" + report);
    }

    /** net-snmp chatter that says nothing about the module: its search path, its state folder. */
    private static boolean isNoise(String line) {
        return line.isBlank() || line.startsWith("MIB search path") || line.startsWith("Created directory");
    }

    /** The SMIv2 label of a flag name: lower case, MULTI_BCAST as multiBcast. */
    private static String label(String flag) {
        String[] parts = flag.toLowerCase().split("_");
        StringBuilder sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
        }
        return sb.toString();
    }

    private static Path findRepoRoot() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>engine</module>")) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no pom.xml with <module>engine</module> above "
                + Path.of("").toAbsolutePath());
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            fail("cannot run " + command.get(0) + " (install it: apt-get install -y smitools snmp): " + e);
            return null;
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> slurp(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(p.getErrorStream()));
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within 120 s");
            }
            return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("running " + command, e);
        }
    }

    private static String slurp(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
