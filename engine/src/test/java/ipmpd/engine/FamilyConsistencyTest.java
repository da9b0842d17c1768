package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ipmpd.sim.Scenario;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * in.mpathd's check_config() for address families, run as the engine is to run it (every 20 s):
 * a member lacking a family that another member has is reported once, in the IPv4 or the IPv6
 * text; it is told when consistent again; nothing is said for an IPv4-only group, nor for a
 * member whose second family is plumbed before the check.
 */
class FamilyConsistencyTest {
    private final Scenario s = new Scenario();
    private final FamilyConsistency check = new FamilyConsistency();

    /** Runs the check and returns the lines it logged. */
    private List<String> check() {
        int before = s.transcript().length();
        check.check(s.engine());
        return s.transcript().substring(before).lines().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    }

    /** Runs scenario lines (what they log themselves is not what check() returns). */
    private void run(String... lines) throws Exception {
        for (String l : lines) {
            s.run(l);
        }
    }

    @Test
    void ipv4OnlyGroupsAndFamiliesPlumbedBeforeTheCheckAreFine() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up");
        assertEquals(List.of(), check());
        // a boot: the hostname6 file is read after the hostname file, both before any check
        run("hostname net2 192.0.2.30/24 group prod up", "hostname6 net2 group prod up", "nic net2", "boot");
        assertEquals(List.of("NIC net1 of group prod is not plumbed for IPv6 and may affect failover capability",
                "NIC net0 of group prod is not plumbed for IPv6 and may affect failover capability"), check());
        assertEquals(List.of(), check(), "reported once");
    }

    @Test
    void reportedOnceToldWhenConsistentAndIpv4Variant() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up", "ifconfig net0 inet6 plumb up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up");
        assertEquals(List.of("NIC net1 of group prod is not plumbed for IPv6 and may affect failover capability"),
                check());
        assertEquals(List.of(), check());
        run("ifconfig net1 inet6 plumb up");
        assertEquals(List.of("NIC net1 is now consistent with group prod and failover capability is restored"),
                check());
        // IPv6 only: the IPv4 text
        run("ifconfig net2 inet6 plumb up", "ifconfig net2 inet6 group prod");
        assertEquals(List.of("NIC net2 of group prod is not plumbed for IPv4 and may affect failover capability"),
                check());
        // leaving the group forgets the report (no recovery line); rejoining is a new member
        run("ifconfig net2 inet6 group \"\"");
        assertEquals(List.of(), check());
        run("ifconfig net2 inet6 group prod");
        assertEquals(List.of("NIC net2 of group prod is not plumbed for IPv4 and may affect failover capability"),
                check());
    }

    @Test
    void oneReportUntilBothFamiliesMatch() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up", "ifconfig net0 inet6 plumb up",
                "ifconfig net1 inet6 plumb up", "ifconfig net1 inet6 group prod");
        assertEquals(List.of("NIC net1 of group prod is not plumbed for IPv4 and may affect failover capability"),
                check());
        run("ifconfig net1 plumb 192.0.2.20/24 up", "ifconfig net1 inet6 unplumb");
        // IPv4 now there but IPv6 gone: still the same (one) report, no recovery yet
        assertEquals(List.of(), check());
        run("ifconfig net1 inet6 plumb up");
        assertEquals(List.of("NIC net1 is now consistent with group prod and failover capability is restored"),
                check());
    }
}
