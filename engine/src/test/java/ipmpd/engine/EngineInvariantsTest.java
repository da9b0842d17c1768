package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import ipmpd.engine.EngineSnapshot.AddressInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;
import ipmpd.sim.Scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Property test: random sequences of cable pulls, path cuts, target outages, offline, standby and
 * FAILBACK changes against a four-member dual-stack group; after every step the invariants hold.
 */
class EngineInvariantsTest {
    static final String[] MEMBERS = {"net0", "net1", "net2", "net3"};

    @Test
    void invariantsHoldOverRandomEventSequences() throws Exception {
        int sequences = 150;
        int steps = 40;
        for (int seq = 0; seq < sequences; seq++) {
            long seed = 1000 + seq;
            Random r = new Random(seed);
            Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0).withFdt(1000), seed);
            List<String> history = new ArrayList<>();
            setUp(s, r, history);
            for (int step = 0; step < steps; step++) {
                String cmd = randomCommand(r);
                history.add(cmd);
                s.run(cmd);
                check(s, seed, history);
            }
        }
    }

    private static void setUp(Scenario s, Random r, List<String> history) throws Exception {
        List<String> setup = new ArrayList<>();
        setup.add("host 192.0.2.1 router");
        setup.add("host 192.0.2.2");
        setup.add("host fe80::1 router");
        for (int i = 0; i < MEMBERS.length; i++) {
            String m = MEMBERS[i];
            if (r.nextBoolean()) {
                setup.add("ifconfig " + m + " inet6 plumb -failover up");
                setup.add("ifconfig " + m + " inet6 addif 2001:db8::" + (10 + i) + "/64 up");
            }
            setup.add("ifconfig " + m + " plumb 192.0.2." + (10 + i) + "/24 group g up");
            if (r.nextInt(4) != 0) {
                setup.add("ifconfig " + m + " addif 192.0.2." + (20 + i) + "/24 deprecated -failover up");
            }
            if (r.nextBoolean()) {
                setup.add("ifconfig " + m + " addif 192.0.2." + (30 + i) + "/24 up");
            }
        }
        if (r.nextInt(3) == 0) {
            setup.add("ifconfig net3 standby");
        }
        setup.add("wait 5s");
        for (String c : setup) {
            history.add(c);
            s.run(c);
        }
    }

    private static String randomCommand(Random r) {
        String m = MEMBERS[r.nextInt(MEMBERS.length)];
        return switch (r.nextInt(13)) {
            case 0 -> "link " + m + " down";
            case 1 -> "link " + m + " up";
            case 2 -> "cut " + m;
            case 3 -> "mend " + m;
            case 4 -> "host 192.0.2.1 " + (r.nextBoolean() ? "down" : "up");
            case 5 -> "if_mpadm -d " + m;
            case 6 -> "if_mpadm -r " + m;
            case 7 -> "ifconfig " + m + (r.nextBoolean() ? " standby" : " -standby");
            case 8 -> "mpathd FAILBACK=" + (r.nextBoolean() ? "yes" : "no");
            case 9 -> "ifconfig " + m + " addif 198.51.100." + (1 + r.nextInt(200)) + "/24 up";
            default -> "wait " + (1 + r.nextInt(15)) + "s";
        };
    }

    static void check(Scenario s, long seed, List<String> history) {
        EngineSnapshot snap = s.engine().snapshot();
        String where = "seed " + seed + " after:\n  " + String.join("\n  ", history);
        Map<String, InterfaceInfo> byName = new HashMap<>();
        for (InterfaceInfo i : snap.interfaces()) {
            byName.put(i.name(), i);
            assertFalse(i.failed() && i.inactive(), "FAILED and INACTIVE together on " + i.name() + "\n" + where);
            for (LifInfo l : i.lifs()) {
                long f = l.flags();
                assertFalse((f & Flags.FAILED) != 0 && (f & Flags.INACTIVE) != 0, "flags of " + l.name() + "\n" + where);
            }
        }
        // Every data address is hosted by exactly one member.
        Map<String, Integer> count = new HashMap<>();
        for (AddressInfo a : snap.addresses()) {
            count.merge(Addresses.format(a.address()), 1, Integer::sum);
        }
        count.forEach((a, n) -> assertEquals(1, n, "address " + a + " hosted " + n + " times\n" + where));
        // Once failover is done, nothing stays on an OFFLINE or FAILED member while another
        // member that could take it (usable, same family) exists.
        for (AddressInfo a : snap.addresses()) {
            InterfaceInfo host = byName.get(a.hostedOn());
            boolean hostUnusable = host.failed() || host.offline() || host.link() != EngineSnapshot.LinkState.UP;
            if (!hostUnusable || FailureState.recovering(s.engine().membership.phyints.get(host.name()))) {
                continue; // a recovering member keeps its addresses (in.mpathd's failure_state)
            }
            for (InterfaceInfo other : snap.interfaces()) {
                boolean usable = other != host && a.group().equals(other.group()) && !other.failed()
                        && !other.offline() && other.link() == EngineSnapshot.LinkState.UP
                        && other.lifs().stream().anyMatch(l -> l.family() == a.family());
                if (usable) {
                    fail(Addresses.format(a.address()) + " stays on unusable " + host.name() + " while "
                            + other.name() + " could take it\n" + where);
                }
            }
        }
        // The "kernel" holds exactly the UP addresses of present members, each once.
        Map<String, Set<String>> kernel = s.link().kernelAddresses();
        Map<String, Integer> inKernel = new HashMap<>();
        kernel.values().forEach(set -> set.forEach(a -> inKernel.merge(a.substring(0, a.indexOf('/')), 1, Integer::sum)));
        for (AddressInfo a : snap.addresses()) {
            String text = Addresses.format(a.address());
            if (a.up()) {
                assertEquals(1, inKernel.getOrDefault(text, 0), "kernel copies of " + text + "\n" + where);
                assertEquals(true, kernel.get(a.hostedOn()).contains(text + "/" + a.prefixLen()),
                        text + " not in the kernel on " + a.hostedOn() + "\n" + where);
            }
        }
        // Group state agrees with the members: failed when none works, degraded when one does not
        // work or works without an UP address.
        for (EngineSnapshot.GroupInfo g : snap.groups()) {
            long usable = snap.interfaces().stream().filter(i -> g.name().equals(i.group()))
                    .filter(i -> !i.failed() && !i.offline() && i.link() == EngineSnapshot.LinkState.UP).count();
            long withAddress = snap.interfaces().stream().filter(i -> g.name().equals(i.group()))
                    .filter(i -> !i.failed() && !i.offline() && i.link() == EngineSnapshot.LinkState.UP)
                    .filter(i -> i.lifs().stream().anyMatch(l -> (l.flags() & Flags.UP) != 0)).count();
            GroupState expected = usable == 0 ? GroupState.FAILED
                    : withAddress < g.members().size() ? GroupState.DEGRADED : GroupState.OK;
            assertEquals(expected, g.state(), "group state\n" + where);
        }
    }
}
