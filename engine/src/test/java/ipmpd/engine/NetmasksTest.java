package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.sim.Scenario;

import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/** The netmasks database as getnetmaskbyaddr reads it, and what "netmask +" does with it. */
class NetmasksTest {
    private static final Netmasks DB = Netmasks.parse(List.of(
            "# network       mask",
            "192.0.2.0       255.255.255.192   # the classful net, subnetted",
            "198.51.100.128  255.255.255.128",
            "198.51.100.128  255.255.255.0     # a second line for the same network: the first wins",
            "203.0.113.0     255.255.255.255   # all-ones: the parser rejects it",
            "10.0.0.0        255.0.255.0       # not contiguous",
            "garbage"));

    private static OptionalInt lookup(String address) {
        return DB.lookup(Addresses.literal(address));
    }

    @Test
    void classfulNetworkEntryAppliesToEveryAddressOfIt() {
        assertEquals(OptionalInt.of(26), lookup("192.0.2.70"));
        assertEquals(OptionalInt.of(26), lookup("192.0.2.1"));
    }

    @Test
    void variableLengthEntryMatchesOnlyUnderItsOwnMask() {
        assertEquals(OptionalInt.of(25), lookup("198.51.100.200"));
        assertEquals(OptionalInt.empty(), lookup("198.51.100.5"));
    }

    @Test
    void unusableLinesAreNoEntries() {
        assertEquals(OptionalInt.empty(), lookup("203.0.113.5"));
        assertEquals(OptionalInt.empty(), lookup("10.1.2.3"));
        assertEquals(OptionalInt.empty(), lookup("0.0.0.0"));
        assertTrue(Netmasks.parse(List.of("garbage", "# only a comment")).isEmpty());
    }

    @Test
    void netmaskPlusWithoutAnEntryLeavesTheMaskAndSaysNothing() throws Exception {
        Scenario s = new Scenario();
        s.run("netmasks 192.0.2.0 255.255.255.192");
        s.run("nic hme0 2");
        s.run("ifconfig hme0 plumb 198.51.100.5 up");
        s.run("ifconfig hme0 netmask +");
        s.run("ifconfig hme0 192.0.2.9 netmask + up");
        assertEquals("Setting netmask of hme0 to 255.255.255.192\n", s.transcript());
        EngineSnapshot.LifInfo l = s.engine().snapshot().iface("hme0").orElseThrow().lifs().get(0);
        assertEquals(26, l.prefixLen());
    }

    @Test
    void scenarioRejectsMasksTheDatabaseCannotHold() {
        Scenario s = new Scenario();
        assertThrows(Scenario.ScenarioError.class, () -> s.run("netmasks 192.0.2.0 255.255.255.255"));
        assertThrows(Scenario.ScenarioError.class, () -> s.run("netmasks 192.0.2.0 255.0.255.0"));
        assertThrows(Scenario.ScenarioError.class, () -> s.run("netmasks 2001:db8:: ffffff00"));
        assertThrows(Scenario.ScenarioError.class, () -> s.run("netmasks 192.0.2.0"));
    }
}
