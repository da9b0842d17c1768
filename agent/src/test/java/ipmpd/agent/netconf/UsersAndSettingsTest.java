package ipmpd.agent.netconf;

import ipmpd.agent.IpmpdLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No default secrets: the first start generates a password into a root-only file; agent.conf keys. */
class UsersAndSettingsTest {
    @Test
    void firstStartGeneratesAPrivatePassword(@TempDir Path dir) throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        NetconfUsers u = new NetconfUsers(dir.resolve("netconf-users"), log);
        u.loadOrCreate();
        Path pw = dir.resolve(NetconfUsers.INITIAL_PASSWORD_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pw)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(u.file())));
        String password = Files.readAllLines(pw).stream().filter(l -> l.startsWith("password "))
                .findFirst().orElseThrow().substring("password ".length());
        assertTrue(password.length() >= 20);
        assertFalse(Files.readString(u.file()).contains(password), "the users file holds a hash only");
        assertEquals(NetconfUsers.Role.READ_WRITE, u.checkPassword("admin", password));
        assertNull(u.checkPassword("admin", password + "x"));
        assertTrue(logged.stream().anyMatch(l -> l.contains(pw.toString())), logged.toString());
        // plain-text passwords are not accepted
        Files.writeString(u.file(), "bob read-only password hunter2\n");
        assertThrows(java.io.IOException.class, new NetconfUsers(u.file(), log)::loadOrCreate);
    }

    @Test
    void aUsersFileShownToOthersWhileRunningRefusesLoginsUntilItIs0600Again(@TempDir Path dir) throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        NetconfUsers u = new NetconfUsers(dir.resolve("netconf-users"), log);
        u.loadOrCreate();
        String password = Files.readAllLines(dir.resolve(NetconfUsers.INITIAL_PASSWORD_FILE)).stream()
                .filter(l -> l.startsWith("password ")).findFirst().orElseThrow().substring("password ".length());
        assertEquals(NetconfUsers.Role.READ_WRITE, u.checkPassword("admin", password));
        Files.setPosixFilePermissions(u.file(), PosixFilePermissions.fromString("rw-r-----")); // mtime unchanged
        assertNull(u.checkPassword("admin", password));
        assertNull(u.checkPassword("admin", password));
        assertEquals(1, logged.stream().filter(l -> l.contains("logins refused") && l.contains(u.file() + " has mode 0640")
                && l.contains("must have mode 0600")).count(), "said once: " + logged);
        Files.setPosixFilePermissions(u.file(), PosixFilePermissions.fromString("rw-------"));
        assertEquals(NetconfUsers.Role.READ_WRITE, u.checkPassword("admin", password));
        assertTrue(logged.stream().anyMatch(l -> l.contains("logins accepted")), logged.toString());
        // at start: the server does not start (AgentFaces turns the face off with this message)
        Files.setPosixFilePermissions(u.file(), PosixFilePermissions.fromString("rw----r--"));
        java.io.IOException e = assertThrows(java.io.IOException.class, new NetconfUsers(u.file(), log)::loadOrCreate);
        assertTrue(e.getMessage().contains("has mode 0604"), e.getMessage());
    }

    @Test
    void agentConfKeys(@TempDir Path dir) throws Exception {
        NetconfSettings d = NetconfSettings.parse(Map.of(), dir);
        assertFalse(d.enabled());
        assertEquals(830, d.port());
        assertEquals(dir.resolve("netconf-users"), d.users());
        NetconfSettings s = NetconfSettings.parse(Map.of("netconf.enabled", "yes", "netconf.listen", "[::1]:8830",
                "netconf.users", "users", "netconf.max-message-size", "65536"), dir);
        assertTrue(s.enabled());
        assertEquals("::1", s.host());
        assertEquals(8830, s.port());
        assertEquals(dir.resolve("users"), s.users());
        assertEquals(65536, s.maxMessageSize());
        assertEquals(8, s.maxSessionsPerUser());
        assertEquals(1, s.reservedWriteSessions());
        assertEquals(java.time.Duration.ofSeconds(1), s.loginFailureDelay());
        assertEquals(10, s.loginFailuresPerMinute());
        assertEquals(1000, s.replayHistory());
        assertEquals(0, NetconfSettings.parse(Map.of("netconf.replay-history", "0"), dir).replayHistory());
        NetconfSettings lim = NetconfSettings.parse(Map.of("netconf.max-sessions", "4", "netconf.idle-timeout", "90",
                "netconf.login-failure-delay", "3", "netconf.login-failures-per-minute", "0",
                "netconf.reserved-write-sessions", "2"), dir);
        assertEquals(4, lim.maxSessionsPerUser(), "per user at most the limit in all");
        assertEquals(2, lim.reservedWriteSessions());
        assertEquals(java.time.Duration.ofSeconds(90), lim.idleTimeout());
        assertEquals(java.time.Duration.ofSeconds(3), lim.loginFailureDelay());
        assertEquals(0, lim.loginFailuresPerMinute());
        {
            NetconfSettings.SettingsException e = assertThrows(NetconfSettings.SettingsException.class,
                    () -> NetconfSettings.parse(Map.of("netconf.max-sessions", "4",
                            "netconf.reserved-write-sessions", "4"), dir));
            assertTrue(e.getMessage().contains("leaves no session for read-only users"), e.getMessage());
        }
        assertEquals("127.0.0.1", NetconfSettings.parse(Map.of("netconf.listen", "127.0.0.1:830"), dir).host());
        assertThrows(NetconfSettings.SettingsException.class,
                () -> NetconfSettings.parse(Map.of("netconf.listen", "1.2.3.4:99999"), dir));
        assertThrows(NetconfSettings.SettingsException.class,
                () -> NetconfSettings.parse(Map.of("netconf.enabled", "maybe"), dir));
        assertTrue(NetconfSettings.parse(Map.of("netconf.listen", "8830"), dir).enabled(), "listen set: on");
        assertFalse(NetconfSettings.parse(Map.of("netconf.listen", "8830", "netconf.enabled", "no"), dir).enabled());
        // the shipped agent.conf (everything commented out) leaves NETCONF off
        Path shipped = NetconfFixture.YANG.resolveSibling("conf").resolve("ipmpd").resolve("agent.conf");
        java.util.Map<String, String> kv = new java.util.HashMap<>();
        for (String l : Files.readAllLines(shipped)) {
            String t = l.strip();
            if (!t.isEmpty() && !t.startsWith("#") && t.contains("=")) {
                kv.put(t.substring(0, t.indexOf('=')).strip(), t.substring(t.indexOf('=') + 1).strip());
            }
        }
        assertFalse(NetconfSettings.parse(kv, dir).enabled());
    }
}
