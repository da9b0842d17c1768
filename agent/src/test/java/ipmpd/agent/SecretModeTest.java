package ipmpd.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A secrets file with a wrong mode turns its face off with a log line; the daemon (and failover) goes on. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
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
}
