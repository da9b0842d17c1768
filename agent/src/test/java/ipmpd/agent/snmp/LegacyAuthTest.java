package ipmpd.agent.snmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SHA-1 users (managers without SHA-2) read with net-snmp's tools; an MD5 user only with snmp.allow-md5=yes. */
@Timeout(120)
class LegacyAuthTest {
    private static SnmpFixture.Run get(SnmpFixture f, String user, String auth, String oid) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("snmpget"));
        cmd.addAll(f.mibs());
        cmd.addAll(List.of("-t", "2", "-r", "0", "-Oqv", "-v3", "-l", "authPriv", "-u", user, "-a", auth, "-A",
                "legacy-auth-pw", "-x", "AES", "-X", "legacy-priv-pw", f.target(), oid));
        return f.run(cmd, 15);
    }

    @Test
    void sha1AndOptedInMd5UsersAuthenticate() throws Exception {
        try (SnmpFixture f = SnmpFixture.prepare(Map.of(SnmpSettings.ALLOW_MD5, "yes"))) {
            Files.writeString(f.configDir.resolve(SnmpSettings.DEFAULT_USERS_FILE),
                    "oldnms ro SHA-1 legacy-auth-pw AES legacy-priv-pw\nancient ro MD5 legacy-auth-pw AES legacy-priv-pw\n",
                    StandardOpenOption.APPEND);
            f.start();
            SnmpFixture.Run sha1 = get(f, "oldnms", "SHA", "IPMP-MIB::ipmpGroupName.1");
            assertEquals("g0", sha1.out().strip(), sha1.toString());
            SnmpFixture.Run md5 = get(f, "ancient", "MD5", "IPMP-MIB::ipmpGroupName.1");
            assertEquals("g0", md5.out().strip(), md5.toString());
            // the SHA-1 user's password with MD5: refused
            SnmpFixture.Run wrong = get(f, "oldnms", "MD5", "IPMP-MIB::ipmpGroupName.1");
            assertNotEquals(0, wrong.exit(), wrong.toString());
            // SHA-2 users as before
            assertEquals(0, f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpGroupName.1").exit());
        }
    }

    @Test
    void anMd5UserWithoutTheOptInKeepsTheAgentFromStarting() throws Exception {
        try (SnmpFixture f = SnmpFixture.prepare(Map.of())) {
            Files.writeString(f.configDir.resolve(SnmpSettings.DEFAULT_USERS_FILE),
                    "ancient ro MD5 legacy-auth-pw AES legacy-priv-pw\n", StandardOpenOption.APPEND);
            SnmpSettings.SettingsException e = assertThrows(SnmpSettings.SettingsException.class, f::start);
            assertTrue(e.getMessage().contains("snmp.allow-md5=yes"), e.getMessage());
        }
    }
}
