package ipmpd.agent;

import ipmpd.agent.cli.ClientMain;
import ipmpd.agent.control.AccessPolicy;
import ipmpd.agent.control.ControlService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Only uid 0 may change anything; everyone may look. */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class PrivilegeTest {
    @Test
    void policy() throws Exception {
        var lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal root = AccessPolicy.superuser();
        UserPrincipal nobody = lookup.lookupPrincipalByName("65534");
        assertTrue(AccessPolicy.mayMutate(lookup.lookupPrincipalByName("root"), root));
        assertFalse(AccessPolicy.mayMutate(nobody, root));
        assertFalse(AccessPolicy.mayMutate(null, root));
        assertFalse(AccessPolicy.mayMutate(nobody, null));

        assertTrue(AccessPolicy.isMutating("if_mpadm", List.of("-d", "eth0")));
        assertTrue(AccessPolicy.isMutating("ipmpadm", List.of("eth0", "down")));
        assertTrue(AccessPolicy.isMutating("ipmpadm", List.of("eth0", "inet6", "standby")));
        assertFalse(AccessPolicy.isMutating("ipmpadm", List.of("-a")));
        assertFalse(AccessPolicy.isMutating("ipmpadm", List.of("eth0")));
        assertFalse(AccessPolicy.isMutating("ipmpadm", List.of("eth0", "inet6")));
        assertFalse(AccessPolicy.isMutating("ipmpstat", List.of("-g")));
        assertEquals("if_mpadm: fatal: insufficient privileges", AccessPolicy.refusal("if_mpadm"));
        assertEquals("ipmpadm: insufficient privileges", AccessPolicy.refusal("ipmpadm"));
    }

    @Test
    void serviceRefusesUnprivilegedChanges() throws Exception {
        try (DaemonFixture f = DaemonFixture.standard()) {
            ControlService s = new ControlService(f.daemon.loop(), f.daemon.listeners());
            long now = System.nanoTime();
            assertEquals(new ControlService.Done("", "if_mpadm: fatal: insufficient privileges\n", 1),
                    s.handle(List.of("if_mpadm", "-d", "tst0"), false, now));
            assertEquals(new ControlService.Done("", "ipmpadm: insufficient privileges\n", 1),
                    s.handle(List.of("ipmpadm", "tst0", "down"), false, now));
            assertEquals(new ControlService.Done("",
                    "if_mpadm: option requires an argument -- d\nUsage: if_mpadm [-d | -r] <interface>\n", 1),
                    s.handle(List.of("if_mpadm", "-d"), false, now));
            var g = (ControlService.Done) s.handle(List.of("ipmpstat", "-P", "-o", "GROUP,STATE", "-g"), false, now);
            assertEquals(new ControlService.Done("g0:ok\n", "", 0), g);
            var a = (ControlService.Done) s.handle(List.of("ipmpadm", "tst0"), false, now);
            assertEquals(0, a.exitCode());
            assertTrue(a.stdout().startsWith("tst0: flags="), a.stdout());
            assertEquals(List.of("tst1:ok", "tst0:ok"), f.parsable("-i", "INTERFACE,STATE"), "nothing changed");
            assertEquals(2, ((ControlService.Done) s.handle(List.of("rm", "-rf"), true, now)).exitCode());
        }
    }

    /** A real client process running as nobody: the daemon reads its uid from the socket. */
    @Test
    void clientRunningAsNobodyMayOnlyLook() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch to nobody");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv");
        try (DaemonFixture f = DaemonFixture.standard()) {
            Files.setPosixFilePermissions(f.root, PosixFilePermissions.fromString("rwxr-xr-x"));
            // the client checks its command line with the engine's parsers before it connects
            String classes = Path.of(ClientMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    + java.io.File.pathSeparator + Path.of(ipmpd.engine.AdminException.class.getProtectionDomain()
                    .getCodeSource().getLocation().toURI());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String[] r1 = asNobody(java, classes, f.socket, "ipmpd.agent.cli.IfMpadm", "-d", "tst0");
            assertEquals(List.of("1", "", "if_mpadm: fatal: insufficient privileges\n"), List.of(r1));
            String[] r2 = asNobody(java, classes, f.socket, "ipmpd.agent.cli.Ipmpadm", "tst0", "down");
            assertEquals(List.of("1", "", "ipmpadm: insufficient privileges\n"), List.of(r2));
            String[] r3 = asNobody(java, classes, f.socket, "ipmpd.agent.cli.Ipmpstat", "-P", "-o", "INTERFACE", "-i");
            assertEquals(List.of("0", "tst1\ntst0\n", ""), List.of(r3));
            assertEquals(List.of("192.0.2.10:up", "192.0.2.20:up"), f.parsable("-a", "ADDRESS,STATE"), "nothing changed");
        }
    }

    private static String[] asNobody(String java, String classes, Path socket, String main, String... args)
            throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", classes, main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File("/"));
        pb.environment().put("IPMPD_SOCKET", socket.toString());
        pb.environment().put("HOME", "/");
        Path out = Files.createTempFile("ipmpd-out", ".txt");
        Path err = Files.createTempFile("ipmpd-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) { // a JVM starting on a busy machine
                p.destroyForcibly();
                throw new AssertionError("client did not finish");
            }
            return new String[] {Integer.toString(p.exitValue()), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8)};
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
