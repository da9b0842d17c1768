package ipmpd.agent.snmp;

import ipmpd.testkit.TempDirs;
import ipmpd.agent.ConfigDirectory;
import ipmpd.agent.IpmpdLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** agent.conf's SNMP keys, the users file (no default secrets) and the persistent engine ID. */
class SnmpConfigTest {
    private Path dir;
    private final List<String> logged = new ArrayList<>();
    private IpmpdLog log;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("ipmpd-snmp-conf");
        log = IpmpdLog.detached(null);
        log.addTap(logged::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        TempDirs.deleteTree(dir);
    }

    @Test
    void settings() throws Exception {
        SnmpSettings s = SnmpSettings.parse(Map.of("snmp.listen", "udp:127.0.0.1/1161, udp:[::1]/1161",
                "snmp.trap.a", "udp:192.0.2.5/162 v3 ipmptrap inform", "snmp.trap.b", "192.0.2.6/162 v2c public",
                "snmp.community", "ro-secret", "snmp.workers", "8", "netconf.listen", "ignored"), dir);
        assertTrue(s.enabled());
        assertEquals(2, s.listen().size());
        assertEquals(1161, s.listen().get(1).getPort());
        assertEquals(dir.resolve("snmp-users"), s.usersFile());
        assertEquals("ro-secret", s.community());
        assertEquals(8, s.workers());
        assertEquals(2, s.traps().size());
        SnmpSettings.TrapDestination a = s.traps().stream().filter(t -> t.name().equals("a")).findFirst().orElseThrow();
        assertTrue(a.v3() && a.inform() && a.securityName().equals("ipmptrap") && a.address().getPort() == 162);
        SnmpSettings.TrapDestination b = s.traps().stream().filter(t -> t.name().equals("b")).findFirst().orElseThrow();
        assertTrue(!b.v3() && !b.inform() && b.securityName().equals("public"));
        assertFalse(SnmpSettings.parse(Map.of(), dir).enabled(), "off without snmp.listen");
        for (Map<String, String> bad : List.of(Map.of("snmp.listen", "udp:localhost/161"),
                Map.of("snmp.listen", "tcp:127.0.0.1/161"), Map.of("snmp.listen", "udp:127.0.0.1/99999"),
                Map.of("snmp.trap.x", "udp:127.0.0.1/162 v1 public"), Map.of("snmp.trap.x", "udp:127.0.0.1/162 v3"),
                Map.of("snmp.trap.x", "udp:127.0.0.1/162 v3 u maybe"), Map.of("snmp.workers", "0"))) {
            assertThrows(SnmpSettings.SettingsException.class, () -> SnmpSettings.parse(bad, dir), bad.toString());
        }
        SnmpSettings x = SnmpSettings.parse(Map.of("snmp.agentx", "/var/agentx/master"), dir);
        assertTrue(x.enabled(), "on with snmp.agentx alone");
        assertTrue(x.listen().isEmpty());
        assertEquals(Path.of("/var/agentx/master"), x.agentx().unixPath());
        assertEquals(705, SnmpSettings.parse(Map.of("snmp.agentx", "tcp:127.0.0.1:705"), dir).agentx().port());
        for (String bad : List.of("agentx/master", "tcp:127.0.0.1", "udp:127.0.0.1:705")) {
            SnmpSettings.SettingsException e = assertThrows(SnmpSettings.SettingsException.class,
                    () -> SnmpSettings.parse(Map.of("snmp.agentx", bad), dir), bad);
            assertTrue(e.getMessage().startsWith("snmp.agentx: "), e.getMessage());
        }
        assertTrue(SnmpSettings.isKnownKey("snmp.agentx"));
        assertTrue(SnmpSettings.isKnownKey("snmp.trap.nms-1"));
        assertFalse(SnmpSettings.isKnownKey("snmp.port"));
    }

    @Test
    void shippedAgentConfIsClean() throws Exception {
        Path shipped = SnmpFixture.MIB_DIR.getParent().resolve("conf/ipmpd/agent.conf");
        Files.copy(shipped, dir.resolve("agent.conf"));
        ConfigDirectory.AgentConf c = new ConfigDirectory(dir, log).readAgentConf();
        assertEquals(List.of(), c.problems());
        Files.writeString(dir.resolve("agent.conf"), "snmp.listen=udp:127.0.0.1/161\nsnmp.trap.nms=udp:192.0.2.5/162 v3 u\n"
                + "snmp.port=161\n");
        assertEquals(List.of("agent.conf: line 3: unknown key snmp.port"), new ConfigDirectory(dir, log).readAgentConf().problems());
    }

    @Test
    void firstStartGeneratesRootOnlyUsers() throws Exception {
        Path file = dir.resolve("snmp-users");
        List<SnmpUsers.User> users = SnmpUsers.loadOrCreate(file, log);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(2, users.size());
        assertEquals(SnmpUsers.Access.RO, users.get(0).access());
        assertEquals(SnmpUsers.Access.RW, users.get(1).access());
        assertEquals("SHA-256", users.get(0).auth());
        assertTrue(users.get(0).authPassword().length() >= 20);
        assertNotEquals(users.get(0).authPassword(), users.get(0).privPassword());
        assertNotEquals(users.get(0).authPassword(), users.get(1).authPassword());
        assertTrue(logged.stream().anyMatch(l -> l.contains(file.toString()) && l.contains("random passwords")), logged.toString());
        // the same users at the next start
        assertEquals(users, SnmpUsers.loadOrCreate(file, log));
        // another directory, other secrets
        Path other = dir.resolve("other").resolve("snmp-users");
        assertNotEquals(users.get(0).authPassword(), SnmpUsers.loadOrCreate(other, log).get(0).authPassword());
        // secrets readable by others: refused
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SnmpSettings.SettingsException e = assertThrows(SnmpSettings.SettingsException.class, () -> SnmpUsers.load(file));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file, "u ro MD5 password1 DES password2\n");
        assertThrows(SnmpSettings.SettingsException.class, () -> SnmpUsers.load(file));
        Files.writeString(file, "u ro SHA-256 short AES password2\n");
        assertThrows(SnmpSettings.SettingsException.class, () -> SnmpUsers.load(file));
    }

    @Test
    void legacyAuthenticationSha1AndMd5OnlyByOptIn() throws Exception {
        Path file = dir.resolve("snmp-users");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "old1 ro SHA-1 password1 AES password2\nold2 ro SHA password1 AES password2\n"
                + "old3 ro sha1 password1 AES password2\n");
        for (SnmpUsers.User u : SnmpUsers.load(file)) {
            assertEquals(org.snmp4j.security.AuthSHA.ID, u.authProtocol(), u.toString());
        }
        Files.writeString(file, "nms ro SHA-256 password1 AES password2\nancient ro MD5 password1 AES password2\n");
        SnmpSettings.SettingsException e = assertThrows(SnmpSettings.SettingsException.class, () -> SnmpUsers.load(file));
        assertTrue(e.getMessage().contains("line 2: user ancient: MD5 authentication is refused unless agent.conf says "
                + "snmp.allow-md5=yes"), e.getMessage());
        assertFalse(SnmpSettings.parse(Map.of(), dir).allowMd5());
        SnmpSettings opted = SnmpSettings.parse(Map.of("snmp.allow-md5", "yes"), dir);
        assertTrue(opted.allowMd5());
        assertEquals(org.snmp4j.security.AuthMD5.ID, SnmpUsers.load(file, opted.allowMd5()).get(1).authProtocol());
        assertThrows(SnmpSettings.SettingsException.class, () -> SnmpSettings.parse(Map.of("snmp.allow-md5", "maybe"), dir));
    }

    @Test
    void engineIdIsKeptAndBootsCount() throws Exception {
        Path file = dir.resolve(SnmpEngineFile.NAME);
        SnmpEngineFile.State first = SnmpEngineFile.advance(file);
        assertEquals(1, first.boots());
        assertTrue(first.hex().startsWith("8001869f05"), first.hex());
        SnmpEngineFile.State second = SnmpEngineFile.advance(file);
        assertEquals(first.hex(), second.hex());
        assertEquals(2, second.boots());
        assertTrue(Files.readString(file).contains("boots=2"));
    }
}
