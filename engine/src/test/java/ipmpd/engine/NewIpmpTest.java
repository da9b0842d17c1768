package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.EngineSnapshot.AddressInfo;
import ipmpd.sim.Scenario;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * New IPMP: the IPMP interface (refusals with their texts, nothing changed by a refused command),
 * members never holding data addresses, inbound bindings spread and rebound, and the outbound
 * members told to the platform for classic and new groups.
 */
class NewIpmpTest {
    private static Scenario scenario(String... lines) throws Exception {
        Scenario s = new Scenario();
        s.runAll(List.of(lines));
        return s;
    }

    private static String ifconfig(Scenario s, String line) throws AdminException {
        return IfconfigCommand.execute(s.engine(), List.of(line.split(" ")));
    }

    private static AdminException refused(Scenario s, String line) {
        String shownBefore = IfconfigFormatter.all(s.engine().snapshot(), null);
        AdminException e = assertThrows(AdminException.class, () -> ifconfig(s, line), line);
        assertEquals(shownBefore, IfconfigFormatter.all(s.engine().snapshot(), null), "changed by: " + line);
        return e;
    }

    private static final String[] GROUP_OF_TWO = {
        "nic net0", "nic net1",
        "ifconfig ipmp0 ipmp group prod 192.0.2.50/24 up",
        "ifconfig net0 plumb -failover group prod up",
        "ifconfig net1 plumb -failover group prod up",
    };

    @Test
    void aGroupHasAtMostOneIpmpInterface() throws Exception {
        Scenario s = scenario(GROUP_OF_TWO);
        AdminException e = refused(s, "ipmp1 ipmp group prod 192.0.2.51 up");
        assertEquals("ifconfig: ipmp: ipmp1: group prod already has the IPMP interface ipmp0", e.getMessage());
        assertTrue(s.engine().snapshot().ipmpInterface("ipmp1").isEmpty());
        ifconfig(s, "ipmp1 ipmp group other 192.0.2.51 up");
        AdminException moved = refused(s, "ipmp1 group prod");
        assertEquals("ifconfig: group: ipmp1: group prod already has the IPMP interface ipmp0", moved.getMessage());
    }

    /**
     * The platform reports the IPMP interface's device through ipmpDeviceIndex (ifconfig shows
     * it); the report of a name that is no IPMP interface (a device an earlier run left) changes
     * nothing, and does not make the name a NIC: it can still become an IPMP interface.
     */
    @Test
    void theDevicesIndexIsWhatThePlatformReportsAndAnyOtherNameIsIgnored() throws Exception {
        Scenario s = scenario(GROUP_OF_TWO);
        s.engine().ipmpDeviceIndex("ipmp0", 42);
        String shown = ifconfig(s, "ipmp0");
        assertTrue(shown.contains(" index 42\n"), shown);
        String all = IfconfigFormatter.all(s.engine().snapshot(), null);
        s.engine().ipmpDeviceIndex("ipmp7", 43);
        assertEquals(all, IfconfigFormatter.all(s.engine().snapshot(), null));
        ifconfig(s, "ipmp7 ipmp group other 192.0.2.51/24 up");
        assertTrue(s.engine().snapshot().ipmpInterface("ipmp7").isPresent());
    }

    @Test
    void ipmpIsRefusedOnAPhysicalInterfaceAndOnABadName() throws Exception {
        Scenario s = scenario(GROUP_OF_TWO);
        assertEquals("ifconfig: SIOCSLIFNAME for ip: net0: already exists",
                refused(s, "net0 ipmp group prod2 up").getMessage());
        s.run("nic net2");
        assertEquals("ifconfig: ipmp: net2: is a physical interface", refused(s, "net2 ipmp").getMessage());
        assertEquals("ifconfig: ipmp: prod: an IPMP interface name must begin with a letter and end with a number",
                refused(s, "prod ipmp").getMessage());
        assertEquals("ifconfig: SIOCSLIFNAME for ip: ipmp0: already exists", refused(s, "ipmp0 ipmp").getMessage());
        assertEquals("ifconfig: plumb: ipmp0: is an IPMP interface (ifconfig ipmp0 inet6 ipmp plumbs it for IPv6)",
                assertThrows(AdminException.class, () -> s.engine().plumb("ipmp0", Family.INET6)).getMessage());
    }

    @Test
    void addressesAndFlagsTheIpmpInterfaceRefuses() throws Exception {
        Scenario s = scenario(GROUP_OF_TWO);
        assertEquals("ifconfig: addif: SIOCLIFADDIF: ipmp9: no such interface",
                refused(s, "ipmp9 addif 192.0.2.60 up").getMessage());
        assertEquals("ifconfig: ipmp0: an IPMP interface holds data addresses only; test addresses (-failover)"
                + " belong on its members", refused(s, "ipmp0 -failover").getMessage());
        assertEquals("ifconfig: addif: ipmp0: an IPMP interface holds data addresses only; test addresses"
                + " (-failover) belong on its members", refused(s, "ipmp0 addif 192.0.2.61 -failover up").getMessage());
        assertEquals("ifconfig: addif: address 192.0.2.50 is already configured on ipmp0",
                refused(s, "net0 addif 192.0.2.50 up").getMessage());
        assertEquals("ifconfig: standby: ipmp0: an IPMP interface cannot be a standby (its members can)",
                refused(s, "ipmp0 standby").getMessage());
        assertEquals("ifconfig: unplumb: ipmp0: IPMP group prod still has members (unplumb them first)",
                refused(s, "ipmp0 unplumb").getMessage());
        assertEquals("ifconfig: group: ipmp0: IPMP group prod still has members",
                refused(s, "ipmp0 group elsewhere").getMessage());
        assertEquals("ifconfig: group: ipmp0: an IPMP interface cannot leave its group",
                assertThrows(AdminException.class, () -> s.engine().setGroup("ipmp0", "")).getMessage());
    }

    @Test
    void membersNeverHoldDataAddresses() throws Exception {
        Scenario s = scenario(GROUP_OF_TWO);
        // addif on a member creates the address on the IPMP interface, as ifconfig says.
        assertEquals("Created new logical interface ipmp0:1\n", ifconfig(s, "net0 addif 192.0.2.51/24 up"));
        // A member with a data address joining: the address moves to the IPMP interface.
        s.run("ifconfig net2 plumb 192.0.2.52/24 up");
        s.run("ifconfig net2 group prod");
        EngineSnapshot snap = s.engine().snapshot();
        for (AddressInfo a : snap.addresses()) {
            assertEquals("ipmp0", a.hostedOn(), a.toString());
            assertEquals("ipmp0", a.ipmpInterface());
        }
        assertEquals(3, snap.addresses().size());
        assertEquals(Addresses.ANY4, snap.iface("net2").orElseThrow().lifs().get(0).address());
        // Test addresses of members are DEPRECATED under an IPMP interface, and lose it with -failover undone.
        long flags = snap.iface("net0").orElseThrow().flags(Family.INET);
        assertEquals(Flags.NOFAILOVER | Flags.DEPRECATED, flags & (Flags.NOFAILOVER | Flags.DEPRECATED));
        ifconfig(s, "net0 failover");
        assertEquals(0, s.engine().snapshot().iface("net0").orElseThrow().flags(Family.INET) & Flags.DEPRECATED);
        assertEquals("ipmp0", snap.group("prod").orElseThrow().ipmpInterface());
    }

    private static Map<String, Integer> inboundLoad(Scenario s) {
        Map<String, Integer> load = new HashMap<>();
        for (AddressInfo a : s.engine().snapshot().addresses()) {
            if (a.inbound() != null) {
                load.merge(a.inbound(), 1, Integer::sum);
            }
        }
        return load;
    }

    private static Map<String, Integer> inboundLoad(Scenario s, Family f) {
        Map<String, Integer> load = new HashMap<>();
        for (AddressInfo a : s.engine().snapshot().addresses()) {
            if (a.inbound() != null && a.family() == f) {
                load.merge(a.inbound(), 1, Integer::sum);
            }
        }
        return load;
    }

    /**
     * Each family spreads on its own (the kernel's IPv4 and IPv6 ill groups): two IPv4 and two
     * IPv6 addresses over two members give each member one of each, at boot and after a failure
     * and repair, not the IPv4 pair on one member and the IPv6 pair on the other.
     */
    @Test
    void bindingsSpreadInEachFamilyOnItsOwn() throws Exception {
        Scenario s = scenario(
                "nic net0", "nic net1",
                "hostname ipmp0 ipmp group prod 192.0.2.50/24 up",
                "hostname ipmp0 addif 192.0.2.51/24 up",
                "hostname6 ipmp0 ipmp group prod 2001:db8::50/64 up",
                "hostname6 ipmp0 addif 2001:db8::51/64 up",
                "hostname net0 group prod -failover up",
                "hostname net1 group prod -failover up",
                "hostname6 net0 group prod up",
                "hostname6 net1 group prod up",
                "boot", "wait 10s");
        Map<String, Integer> oneEach = Map.of("net0", 1, "net1", 1);
        assertEquals(oneEach, inboundLoad(s, Family.INET), "IPv4");
        assertEquals(oneEach, inboundLoad(s, Family.INET6), "IPv6");
        s.run("link net0 down");
        assertEquals(Map.of("net1", 2), inboundLoad(s, Family.INET));
        assertEquals(Map.of("net1", 2), inboundLoad(s, Family.INET6));
        s.run("link net0 up");
        s.run("wait 10s");
        assertEquals(oneEach, inboundLoad(s, Family.INET), "IPv4 after the repair");
        assertEquals(oneEach, inboundLoad(s, Family.INET6), "IPv6 after the repair");
    }

    /**
     * The platform is told each family's outbound members: those plumbed for it, as ipmpstat -a
     * shows for the family's addresses (net2 has no hostname6: it carries no IPv6 flow).
     */
    @Test
    void outboundMembersAreToldPerFamily() throws Exception {
        Scenario s = scenario(
                "nic net0", "nic net1", "nic net2",
                "hostname ipmp0 ipmp group prod 192.0.2.50/24 up",
                "hostname6 ipmp0 ipmp group prod 2001:db8::50/64 up",
                "hostname net0 group prod -failover up",
                "hostname net1 group prod -failover up",
                "hostname net2 group prod -failover up",
                "hostname6 net0 group prod up",
                "hostname6 net1 group prod up",
                "boot", "wait 10s");
        assertEquals(Map.of("prod inet", List.of("net0", "net1", "net2"), "prod inet6", List.of("net0", "net1")),
                s.link().outboundByFamily);
        for (AddressInfo a : s.engine().snapshot().addresses()) {
            assertEquals(java.util.Set.copyOf(s.link().outboundByFamily.get("prod " + a.family().keyword)),
                    java.util.Set.copyOf(a.outbound()), a.address().toString());
        }
        s.run("link net0 down");
        assertEquals(Map.of("prod inet", List.of("net1", "net2"), "prod inet6", List.of("net1")), s.link().outboundByFamily);
        s.run("link net1 down");
        assertEquals(Map.of("prod inet", List.of("net2"), "prod inet6", List.of()), s.link().outboundByFamily);
    }

    @Test
    void bindingsSpreadOverActiveMembersAndFollowFailureAndStandby() throws Exception {
        Scenario s = scenario(GROUP_OF_TWO);
        for (int k = 1; k <= 3; k++) {
            ifconfig(s, "ipmp0 addif 192.0.2." + (50 + k) + "/24 up");
        }
        assertEquals(Map.of("net0", 2, "net1", 2), inboundLoad(s));
        s.run("link net0 down");
        assertEquals(Map.of("net1", 4), inboundLoad(s));
        for (AddressInfo a : s.engine().snapshot().addresses()) {
            assertEquals(List.of("net1"), a.outbound());
        }
        s.run("link net0 up");
        assertEquals(Map.of("net0", 2, "net1", 2), inboundLoad(s), "an activated member takes its share");
        // A standby answers for nothing until an active member fails.
        s.run("ifconfig net2 plumb -failover group prod standby up");
        assertEquals(Map.of("net0", 2, "net1", 2), inboundLoad(s));
        assertTrue(s.engine().snapshot().iface("net2").orElseThrow().inactive());
        s.run("if_mpadm -d net1");
        assertEquals(Map.of("net0", 2, "net2", 2), inboundLoad(s));
        s.run("if_mpadm -r net1");
        assertEquals(Map.of("net0", 2, "net1", 2), inboundLoad(s));
        assertTrue(s.engine().snapshot().iface("net2").orElseThrow().inactive());
        // No usable member: every address unbound, told to the platform as null.
        s.link().takeCalls();
        s.run("link net0 down");
        s.run("link net1 down");
        for (AddressInfo a : s.engine().snapshot().addresses()) {
            assertEquals("net2", a.inbound(), "the standby took over");
        }
        s.run("link net2 down");
        for (AddressInfo a : s.engine().snapshot().addresses()) {
            assertNull(a.inbound());
            assertEquals(List.of(), a.outbound());
        }
        List<String> calls = s.link().takeCalls();
        assertTrue(calls.contains("bindInbound ipmp0 192.0.2.50 none"), calls.toString());
        assertEquals("outboundMembersChanged prod []", calls.get(calls.size() - 1));
        String shown = ifconfig(s, "ipmp0");
        assertTrue(shown.startsWith("ipmp0: flags=8011000803<UP,BROADCAST,MULTICAST,IPv4,FAILED,IPMP> mtu 68"), shown);
    }

    @Test
    void aClassicGroupGivenAnIpmpInterfaceHandsItsDataAddressesToIt() throws Exception {
        Scenario s = scenario("nic e0", "nic e1",
                "ifconfig e0 plumb 192.0.2.20/24 deprecated -failover group g up",
                "ifconfig e0 addif 192.0.2.10/24 up",
                "ifconfig e1 plumb 192.0.2.11/24 group g up");
        s.link().takeCalls();
        s.run("ifconfig ipmp0 ipmp group g");
        EngineSnapshot snap = s.engine().snapshot();
        assertEquals(List.of("192.0.2.10", "192.0.2.11"),
                snap.addresses().stream().map(a -> Addresses.format(a.address())).toList());
        for (AddressInfo a : snap.addresses()) {
            assertEquals("ipmp0", a.hostedOn());
        }
        assertEquals(Map.of("e0", 1, "e1", 1), inboundLoad(s));
        // Members in the group's order: e0:1's address takes ipmp0's unit 0 (which had none), e1's ipmp0:1.
        String shown = IfconfigFormatter.all(s.engine().snapshot(), Family.INET);
        assertTrue(shown.contains("ipmp0: flags=8001000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4,IPMP> mtu 1500"), shown);
        assertTrue(shown.contains("ipmp0:1: flags="), shown);
        assertTrue(shown.contains("e1: flags=1000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4> mtu 1500 index 3\n"
                + "\tinet 0.0.0.0 netmask ff000000"), shown);
        List<String> calls = s.link().takeCalls();
        assertEquals("ipmpInterfaceCreated ipmp0 group g", calls.get(0));
        assertTrue(calls.contains("addAddress ipmp0 192.0.2.10/24"), calls.toString());
        assertTrue(calls.contains("addAddress ipmp0:1 192.0.2.11/24"), calls.toString());
        // Test addresses stay with their member.
        assertEquals(Addresses.literal("192.0.2.20"), snap.iface("e0").orElseThrow().lifs().get(0).address());
    }

    @Test
    void outboundMembersAreToldForClassicGroupsWheneverTheActiveSetChanges() throws Exception {
        Scenario s = scenario("nic e0", "nic e1", "nic e2",
                "ifconfig e0 plumb 192.0.2.10/24 group g up",
                "ifconfig e1 plumb 192.0.2.11/24 group g up",
                "ifconfig e2 plumb 192.0.2.12/24 group g standby up");
        assertEquals(List.of("outboundMembersChanged g [e0]", "outboundMembersChanged g [e0 e1]"),
                s.link().takeCalls(), "a standby holding no data is INACTIVE: not told");
        s.run("link e1 down");
        assertEquals(List.of("outboundMembersChanged g [e0 e2]"), s.link().takeCalls(),
                "the standby took over e1's address");
        s.run("link e0 down");
        assertEquals(List.of("outboundMembersChanged g [e2]"), s.link().takeCalls());
        s.run("link e0 down");
        assertEquals(List.of(), s.link().takeCalls(), "nothing changed, nothing told");
        s.run("link e2 down");
        assertEquals(List.of("outboundMembersChanged g []"), s.link().takeCalls());
        s.run("link e0 up");
        assertEquals(List.of("outboundMembersChanged g [e0]"), s.link().takeCalls());
        s.run("ifconfig e1 group \"\"");
        s.run("ifconfig e2 group \"\"");
        s.run("ifconfig e0 group \"\"");
        assertEquals(List.of("outboundMembersChanged g []"), s.link().takeCalls(), "the group went with its last member");
    }
}
