package ipmpd.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A secrets file with a wrong mode turns its face off with a log line; the daemon (and failover) goes on. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecretModeTest {
    @Test
    void snmpUsersReadableByOthersDisablesSnmpOnly() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            f.write("mpathd", DaemonFixture.MPATHD);
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
            f.write("hostname.tst1", "192.0.2.20/24 group g0 up\naddif 192.0.2.21/24 deprecated -failover up\n");
            f.write("agent.conf", "snmp.listen=udp:127.0.0.1/0\n");
            f.write("snmp-users", "ipmprw rw SHA-256 authpassword1 AES privpassword1\n");
            Files.setPosixFilePermissions(f.configDir.resolve("snmp-users"), PosixFilePermissions.fromString("rw-r--r--"));
            f.start(Map.of("routers", "192.0.2.1"));
            assertTrue(f.logged.stream().anyMatch(l -> l.contains("SNMP face disabled") && l.contains("chmod 600")),
                    "log: " + f.logged);
            f.awaitProbesOk();
            DaemonFixture.Run r = f.run("ipmpstat", "-g");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("g0"), r.out());
            assertEquals("rw-r--r--", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f.configDir.resolve("snmp-users"))), "the file is left as it is");
        }
    }

    /** The standard group, NETCONF on a free port of 127.0.0.1, and a netconf-users file of this mode. */
    private static void startWithNetconfUsers(DaemonFixture f, String mode) throws Exception {
        f.write("mpathd", DaemonFixture.MPATHD);
        f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
        f.write("hostname.tst1", "192.0.2.20/24 group g0 up\naddif 192.0.2.21/24 deprecated -failover up\n");
        f.write("agent.conf", "netconf.listen=127.0.0.1:0\nnetconf.yang-dir="
                + Path.of(System.getProperty("user.dir")).resolve("../yang").normalize() + "\n");
        // the hash of "not-a-real-password" (NetconfUsers hash)
        f.write("netconf-users", "# test\nadmin read-write password "
                + "pbkdf2-sha256:210000:UfymdOywFKPsNgDEkbG9nA:VuqYE7HJcwKdpc2DONphtfulASoPM5mtGU0VnV5F9xM\n");
        Files.setPosixFilePermissions(f.configDir.resolve("netconf-users"), PosixFilePermissions.fromString(mode));
        f.start(Map.of("routers", "192.0.2.1"));
    }

    @Test
    void netconfUsersReadableByOthersDisablesNetconfOnly() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            startWithNetconfUsers(f, "rw-r--r--");
            Path users = f.configDir.resolve("netconf-users");
            assertNull(f.daemon.faces().netconf(), "NETCONF is not listening");
            assertTrue(f.logged.stream().anyMatch(l -> l.contains("NETCONF face disabled") && l.contains(users.toString())
                    && l.contains("mode 0644") && l.contains("must have mode 0600")), "log: " + f.logged);
            assertFalse(f.logged.stream().anyMatch(l -> l.contains("NETCONF: listening")), "log: " + f.logged);
            // the rest of the daemon runs: probing, failover, the control socket
            f.awaitProbesOk();
            DaemonFixture.Run r = f.run("ipmpstat", "-g");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("g0"), r.out());
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(users)),
                    "the file is left as it is");
        }
    }

    @Test
    void netconfUsersOfMode0600Listens() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            startWithNetconfUsers(f, "rw-------");
            assertNotNull(f.daemon.faces().netconf(), "NETCONF is on; log: " + f.logged);
            int port = f.daemon.faces().netconf().port();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                byte[] banner = in.readNBytes(8);
                assertEquals("SSH-2.0-", new String(banner, StandardCharsets.US_ASCII), "an SSH server answers");
            }
            assertFalse(f.logged.stream().anyMatch(l -> l.contains("NETCONF face disabled")), "log: " + f.logged);
        }
    }
}
