package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import org.junit.jupiter.api.Test;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.smi.TimeTicks;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NotificationWarmUpTest {
    /**
     * Every warm-up notification goes through the whole stack (the originator's VACM check, MPv3,
     * authentication and encryption with each protocol the users have, UDP) and reaches its sink;
     * nothing is logged.
     */
    @Test
    void everyNotificationReachesTheSinkThroughTheUsersProtocols() {
        SecurityProtocols protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
        protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
        protocols.addAuthenticationProtocol(new AuthHMAC384SHA512());
        protocols.addPrivacyProtocol(new PrivAES128());
        List<SnmpUsers.User> users = List.of(
                new SnmpUsers.User("ro", SnmpUsers.Access.RO, "SHA-256", "authpass-ro", "AES", "privpass-ro"),
                new SnmpUsers.User("rw", SnmpUsers.Access.RW, "SHA-512", "authpass-rw", "AES", "privpass-rw"),
                new SnmpUsers.User("nms", SnmpUsers.Access.NOTIFY, "SHA-256", "authpass-nms", "AES", "privpass-nms"));
        IpmpdLog log = IpmpdLog.detached(null);
        List<String> logged = new ArrayList<>();
        log.addTap(logged::add);
        int received = NotificationWarmUp.run(protocols, new byte[] {(byte) 0x80, 0, 0x1f, (byte) 0x88, 4, 1, 2, 3, 4},
                users, () -> new TimeTicks(100), log, 40);
        // two protocol pairs (SHA-256/AES, SHA-512/AES): one target each
        assertEquals(80, received);
        assertEquals(List.of(), logged);
    }
}
