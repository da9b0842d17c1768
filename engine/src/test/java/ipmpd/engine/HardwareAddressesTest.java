package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ipmpd.sim.Scenario;

import org.junit.jupiter.api.Test;

/** Duplicates are judged against online members only (in.mpathd's phyint_lookup_hwaddr). */
class HardwareAddressesTest {
    @Test
    void onlyAnOnlineMemberMakesADuplicate() throws Exception {
        Scenario s = new Scenario();
        for (String l : new String[] {
                "mac net0 08:00:20:00:00:01", "ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "mac net1 08:00:20:00:00:02", "ifconfig net1 plumb 192.0.2.20/24 group prod up",
                "mac net2 08:00:20:00:00:03", "ifconfig net2 plumb 192.0.2.30/24 group prod up"}) {
            s.run(l);
        }
        Engine e = s.engine();
        Group g = e.membership.groups.get("prod");
        assertNull(HardwareAddresses.onlineDuplicate(g, e.membership.phyints.get("net1")));
        s.run("if_mpadm -d net0");
        // net1 takes net0's address while net0 is offline (set directly: only the rule is tested here)
        e.membership.phyints.get("net1").mac = e.membership.phyints.get("net0").mac.clone();
        assertNull(HardwareAddresses.onlineDuplicate(g, e.membership.phyints.get("net1")), "net0 is offline");
        assertEquals("net1", HardwareAddresses.onlineDuplicate(g, e.membership.phyints.get("net0")).name,
                "undoing net0's offline is to be refused");
        assertEquals("if_mpadm: fatal: cannot undo-offline net0: interface has duplicate hardware address",
                HardwareAddresses.undoOfflineRefusal("net0"));
    }
}
