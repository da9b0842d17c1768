package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ipmpd.engine.EngineSnapshot.AddressInfo;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;
import ipmpd.sim.Scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * New IPMP over random sequences of failures, repairs, offlines, standbys, joins, leaves and
 * addresses: after every step no member holds an UP data address; each UP data address of the
 * IPMP interface is bound to an active member when there is one (else to none), the shares differ
 * by at most one, OUTBOUND is every active member, and the platform was told that same set.
 */
class NewIpmpInvariantsTest {
    private static final List<String> MEMBERS = List.of("m0", "m1", "m2", "m3");

    @Test
    void bindingsAndOutboundMembersHoldOverRandomSequences() throws Exception {
        for (long seed = 1; seed <= 25; seed++) {
            run(seed);
        }
    }

    private static void run(long seed) throws Exception {
        Random r = new Random(seed);
        Scenario s = new Scenario();
        s.run("host 192.0.2.1 router");
        s.run("ifconfig ipmp0 ipmp group prod 192.0.2.100/24 up");
        s.run("ifconfig m0 plumb 192.0.2.10/24 -failover group prod up");
        s.run("ifconfig m1 plumb 192.0.2.11/24 -failover group prod up");
        s.run("ifconfig m2 plumb -failover group prod up");
        s.run("ifconfig m3 plumb -failover group prod standby up");
        int next = 101;
        Set<String> told = new HashSet<>();
        List<String> trail = new ArrayList<>();
        for (int step = 0; step < 150; step++) {
            String m = MEMBERS.get(r.nextInt(MEMBERS.size()));
            String line = switch (r.nextInt(11)) {
                case 0 -> "link " + m + " down";
                case 1 -> "link " + m + " up";
                case 2 -> "if_mpadm -d " + m;
                case 3 -> "if_mpadm -r " + m;
                case 4 -> "ifconfig " + m + (r.nextBoolean() ? " standby" : " -standby");
                case 5 -> "ifconfig " + m + " group " + (r.nextInt(3) == 0 ? "\"\"" : "prod");
                case 6 -> "ifconfig ipmp0 addif 192.0.2." + next++ + "/24 " + (r.nextBoolean() ? "up" : "down");
                case 7 -> "ifconfig ipmp0 removeif 192.0.2." + (100 + r.nextInt(Math.max(1, next - 100)));
                case 8 -> (r.nextBoolean() ? "cut " : "mend ") + m;
                case 9 -> "ifconfig ipmp0:" + r.nextInt(4) + (r.nextBoolean() ? " up" : " down");
                default -> "wait " + (1 + r.nextInt(15)) + "s";
            };
            trail.add(line);
            s.run(line);
            for (String call : s.link().takeCalls()) {
                if (call.startsWith("outboundMembersChanged prod ")) {
                    String list = call.substring("outboundMembersChanged prod [".length(), call.length() - 1);
                    told = new HashSet<>(list.isEmpty() ? List.of() : List.of(list.split(" ")));
                }
            }
            try {
                check(s.engine().snapshot(), told);
            } catch (AssertionError e) {
                fail("seed " + seed + " after " + trail + ": " + e.getMessage(), e);
            }
        }
    }

    private static void check(EngineSnapshot snap, Set<String> told) {
        for (InterfaceInfo i : snap.interfaces()) {
            for (LifInfo l : i.lifs()) {
                assertTrue(!l.data() || (l.flags() & Flags.UP) == 0 || i.group() == null,
                        "member " + i.name() + " holds the data address " + l.address());
            }
        }
        GroupInfo g = snap.group("prod").orElseThrow();
        assertEquals("ipmp0", g.ipmpInterface());
        Set<String> active = new HashSet<>(g.active());
        assertEquals(active, told, "outbound members told to the platform");
        Map<String, Integer> load = new HashMap<>();
        for (String a : g.active()) {
            load.put(a, 0);
        }
        for (AddressInfo a : snap.addresses()) {
            assertEquals("ipmp0", a.hostedOn());
            if (!a.up()) {
                assertNull(a.inbound());
                continue;
            }
            assertEquals(new HashSet<>(g.active()), new HashSet<>(a.outbound()), "OUTBOUND of " + a.address());
            if (active.isEmpty()) {
                assertNull(a.inbound(), a.address() + " bound without an active member");
            } else {
                assertTrue(active.contains(a.inbound()), a.address() + " bound to " + a.inbound()
                        + ", not one of the active " + active);
                load.merge(a.inbound(), 1, Integer::sum);
            }
        }
        if (!load.isEmpty()) {
            int max = load.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int min = load.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            assertTrue(max - min <= 1, "shares " + load);
        }
        // A standby is INACTIVE exactly while every non-standby member works.
        long broken = snap.interfaces().stream()
                .filter(i -> "prod".equals(i.group()) && !i.standby() && (i.failed() || i.offline() || !i.present()))
                .count();
        long sparesActive = snap.interfaces().stream()
                .filter(i -> "prod".equals(i.group()) && i.standby() && i.active()).count();
        assertTrue(sparesActive <= broken, "standbys active " + sparesActive + " for " + broken + " broken members");
    }
}
