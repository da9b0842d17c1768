package ipmpd.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal's commit protocol with a crash simulated after every step of it (and again after
 * every step of the recovery): the directory always comes back as exactly the files before or
 * exactly the files after, never a mix, and nothing of the journal is left.
 */
class ConfigJournalTest {
    /** What a crash does to the commit: it stops there, no clean-up of any kind runs (an Error is not caught). */
    static final class Crash extends Error {
        Crash() {
            super("simulated crash", null, false, false);
        }
    }

    private final Path dir;

    ConfigJournalTest() throws IOException {
        dir = Files.createTempDirectory("ipmpd-journal");
    }

    @AfterEach
    void clean() throws IOException {
        ConfigJournal.deleteTree(dir);
    }

    private static final Map<String, String> A = new TreeMap<>(Map.of(
            "mpathd", "FAILURE_DETECTION_TIME=10000\n",
            "hostname.m1", "192.0.2.11/24 deprecated -failover group g up\naddif 192.0.2.50/24 up\n",
            "hostname.m2", "192.0.2.12/24 deprecated -failover group g up\n",
            "hostname.m3", "192.0.2.13/24 deprecated -failover group g standby up\n",
            "ipmp.conf", "# A\n",
            "snmp-destinations", "# A destinations\n"));

    /** B changes some files, deletes one (m3) and adds one (m4). */
    private static final Map<String, String> B = new TreeMap<>(Map.of(
            "mpathd", "FAILURE_DETECTION_TIME=2000\n",
            "hostname.m1", "192.0.2.11/24 deprecated -failover group g up\n",
            "hostname.m2", "192.0.2.12/24 deprecated -failover group g up\naddif 192.0.2.50/24 up\n",
            "hostname.m4", "192.0.2.14/24 deprecated -failover group g up\n",
            "ipmp.conf", "# B\noffline m2\n",
            "snmp-destinations", "# B destinations\n"));

    private void install(Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(dir.resolve(f.getKey()), f.getValue());
        }
        Files.setPosixFilePermissions(dir.resolve("snmp-destinations"), PosixFilePermissions.fromString("rw-------"));
    }

    /** Every entry of the directory, with content for files ("DIR" for directories). */
    private Map<String, String> contents() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.toList()) {
                out.put(p.getFileName().toString(), Files.isDirectory(p) ? "DIR" : Files.readString(p));
            }
        }
        return out;
    }

    private void commitAtoB(ConfigJournal j) throws IOException {
        Map<String, byte[]> write = new LinkedHashMap<>();
        List<String> delete = new ArrayList<>();
        for (Map.Entry<String, String> f : B.entrySet()) {
            if (!f.getValue().equals(A.get(f.getKey()))) {
                write.put(f.getKey(), f.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        for (String n : A.keySet()) {
            if (!B.containsKey(n)) {
                delete.add(n);
            }
        }
        j.commit(write, delete);
    }

    /** A hook that crashes at its {@code at}-th call (0-based), and counts the calls it saw. */
    private static final class CrashAt implements ConfigJournal.StepHook {
        final int at;
        int calls;
        ConfigJournal.Step crashedAt;

        CrashAt(int at) {
            this.at = at;
        }

        @Override
        public void reached(ConfigJournal.Step step) {
            if (calls++ == at) {
                crashedAt = step;
                throw new Crash();
            }
        }
    }

    @Test
    void aCommitRunToTheEndGivesB() throws IOException {
        install(A);
        commitAtoB(new ConfigJournal(dir));
        assertEquals(B, contents());
    }

    @Test
    void aCrashAfterEveryStepOfTheCommitLeavesExactlyAOrB() throws IOException {
        CrashAt counter = new CrashAt(-1);
        install(A);
        commitAtoB(new ConfigJournal(dir, counter));
        int steps = counter.calls;
        assertTrue(steps >= 10, "steps seen: " + steps);
        int a = 0;
        int b = 0;
        for (int at = 0; at < steps; at++) {
            clean();
            Files.createDirectories(dir);
            install(A);
            CrashAt crash = new CrashAt(at);
            assertThrows(Crash.class, () -> commitAtoB(new ConfigJournal(dir, crash)));
            boolean committed = crash.crashedAt.compareTo(ConfigJournal.Step.COMMITTED) >= 0;
            new ConfigJournal(dir).recover(); // the next start
            Map<String, String> after = contents();
            assertEquals(committed ? B : A, after, "crash at step " + at + " (" + crash.crashedAt + ")");
            if (committed) {
                b++;
            } else {
                a++;
            }
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("snmp-destinations"))), "secret keeps 0600");
        }
        assertTrue(a > 0 && b > 0, "crashes before and after the commit point: " + a + " A, " + b + " B");
    }

    @Test
    void aCrashDuringRecoveryIsRecoveredAgain() throws IOException {
        // crash the commit right after its commit point, then crash the recovery after each of its steps
        for (int at = 0; ; at++) {
            clean();
            Files.createDirectories(dir);
            install(A);
            CrashAt commitCrash = new CrashAt(0);
            ConfigJournal.StepHook afterCommitPoint = step -> {
                if (step == ConfigJournal.Step.COMMITTED) {
                    commitCrash.reached(step);
                }
            };
            assertThrows(Crash.class, () -> commitAtoB(new ConfigJournal(dir, afterCommitPoint)));
            CrashAt recoveryCrash = new CrashAt(at);
            boolean crashed;
            try {
                new ConfigJournal(dir, recoveryCrash).recover();
                crashed = false;
            } catch (Crash c) {
                crashed = true;
            }
            new ConfigJournal(dir).recover();
            assertEquals(B, contents(), "recovery crashed at its step " + at);
            if (!crashed) {
                break;
            }
        }
    }

    @Test
    void startUpSweepsLeftoversOfInterruptedWrites() throws IOException {
        install(A);
        Files.writeString(dir.resolve(".hostname.m1.12345.tmp"), "half");
        Files.createDirectory(dir.resolve(ConfigJournal.STAGING_PREFIX + "7"));
        Files.writeString(dir.resolve(ConfigJournal.STAGING_PREFIX + "7").resolve("mpathd"), "x");
        Files.createDirectory(dir.resolve(ConfigJournal.RETIRED_PREFIX + "8"));
        Files.writeString(dir.resolve("notes.tmp"), "an administrator's file"); // not ours: kept
        assertEquals(false, new ConfigJournal(dir).recover());
        Map<String, String> want = new TreeMap<>(A);
        want.put("notes.tmp", "an administrator's file");
        assertEquals(want, contents());
    }

    @Test
    void modesSurviveRewritesAndNewSecretsAre0600() throws IOException {
        install(A);
        Files.setPosixFilePermissions(dir.resolve("mpathd"), PosixFilePermissions.fromString("rw-r-----"));
        ConfigJournal j = new ConfigJournal(dir);
        j.commit(Map.of("mpathd", "FAILBACK=no\n".getBytes(StandardCharsets.UTF_8),
                "netconf-users", "admin x\n".getBytes(StandardCharsets.UTF_8),
                "hostname.m9", "up\n".getBytes(StandardCharsets.UTF_8)), List.of());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("mpathd"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("netconf-users"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("hostname.m9"))));
    }

    @Test
    void namesOutsideTheDirectoryAreRefused() {
        ConfigJournal j = new ConfigJournal(dir);
        assertThrows(IllegalArgumentException.class,
                () -> j.commit(Map.of("../etc/passwd", new byte[0]), List.of()));
        assertThrows(IllegalArgumentException.class, () -> j.commit(Map.of(), List.of(".journal")));
    }
}
