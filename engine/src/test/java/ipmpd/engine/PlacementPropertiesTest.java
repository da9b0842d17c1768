package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.EngineListener.GroupEvent;
import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.sim.Scenario;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Property test of placement: random cable pulls, path cuts, target outages, offline and standby
 * changes against a four-member group (dual-stack members at random, a router or only hosts to
 * probe), checking each decision as the engine makes it:
 * <ul>
 * <li>standby first: a failed or offlined member's addresses go to a working standby when one has
 * the families they need;</li>
 * <li>fewest addresses: else to the working member with the fewest UP data addresses;</li>
 * <li>a group failure flushes the discovered (host) targets of every member, and moves nothing.</li>
 * </ul>
 * Each was seen failing with the rule mutated in Placement/FailoverDestination/FailureDetection.
 */
class PlacementPropertiesTest {
    static final String[] MEMBERS = {"net0", "net1", "net2", "net3"};

    /** Checks every failover as it happens, with the engine's own tables. */
    static final class Checker implements EngineListener {
        Engine engine;
        String step = "";
        final List<String> violations = new ArrayList<>();
        /** For each source of a failover in this step: the families it had data in, and what each destination had. */
        private final Map<String, Set<Family>> families = new HashMap<>();
        private final Map<String, Long> receivedThisStep = new HashMap<>();
        int failovers;
        int groupFailures;

        void newStep(String command) {
            step = command;
            families.clear();
            receivedThisStep.clear();
        }

        @Override
        public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
            if (reason != MoveReason.FAILOVER && reason != MoveReason.OFFLINE) {
                return;
            }
            failovers++;
            Membership m = engine.membership;
            Phyint x = m.phyints.get(from);
            Phyint y = m.phyints.get(to);
            Group g = m.groups.get(group);
            Family f = address instanceof java.net.Inet6Address ? Family.INET6 : Family.INET;
            Set<Family> need = families.computeIfAbsent(from, k -> {
                Set<Family> s = EnumSet.of(f);
                for (Instance i : x.instances()) {
                    if (!i.dataLifs().isEmpty()) {
                        s.add(i.family);
                    }
                }
                return s;
            });
            String key = from + ">" + to;
            long received = receivedThisStep.merge(key, 1L, Long::sum);
            if (!y.usable()) {
                violations.add(step + ": " + address + " failed over to unusable " + to);
                return;
            }
            if (x.standby) {
                return; // from a standby: active members compete, not checked here
            }
            boolean ySpare = y.standby; // (FAILBACK stays yes here: no INACTIVE member that is not a standby)
            for (Phyint z : g.members) {
                if (z == x || z == y || !z.usable() || z.offline() || !hasAll(z, need)) {
                    continue;
                }
                if (z.standby && !ySpare) {
                    violations.add(step + ": " + address + " went to " + to + " although standby " + z.name
                            + " works (standby first)");
                }
                long yBefore = y.upDataCount() - received;
                if (!ySpare && !z.standby && !z.inactive && z.upDataCount() < yBefore) {
                    violations.add(step + ": " + address + " went to " + to + " (" + yBefore + " addresses) although "
                            + z.name + " has " + z.upDataCount() + " (fewest addresses)");
                }
            }
        }

        private static boolean hasAll(Phyint z, Set<Family> need) {
            for (Family f : need) {
                if (z.instance(f) == null) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
            if (after != GroupState.FAILED) {
                return;
            }
            Group g = engine.membership.groups.get(group);
            boolean byProbes = g.members.stream().allMatch(p -> p.failedBy != null
                    && p.failedBy != EngineListener.Detection.LINK && p.failedBy != EngineListener.Detection.ADMIN);
            if (!byProbes || g.members.size() < 2) {
                return;
            }
            groupFailures++;
            for (Phyint p : g.members) {
                for (Instance i : p.instances()) {
                    if (i.prober.targets.stream().anyMatch(t -> t.origin == Target.Origin.MULTICAST)) {
                        violations.add(step + ": group " + group + " failed but " + p.name
                                + " keeps its discovered targets");
                    }
                }
            }
        }
    }

    @Test
    void failoverChoosesStandbyFirstThenFewestAddressesAndGroupFailureFlushesHostTargets() throws Exception {
        int sequences = 150;
        int steps = 40;
        int failovers = 0;
        int groupFailures = 0;
        for (int seq = 0; seq < sequences; seq++) {
            long seed = 5000 + seq;
            Random r = new Random(seed);
            Checker checker = new Checker();
            Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0).withFdt(1000), seed, checker);
            checker.engine = s.engine();
            List<String> history = new ArrayList<>();
            boolean router = r.nextBoolean();
            for (String c : setUp(r, router)) {
                history.add(c);
                checker.newStep(c);
                s.run(c);
            }
            for (int step = 0; step < steps; step++) {
                String cmd = randomCommand(r);
                history.add(cmd);
                checker.newStep(cmd);
                for (String line : cmd.split("\n")) {
                    s.run(line);
                }
                try {
                    EngineInvariantsTest.check(s, seed, history);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\ntranscript:\n" + s.transcript(), e);
                }
            }
            assertTrue(checker.violations.isEmpty(), "seed " + seed + ": " + checker.violations + "\nafter:\n  "
                    + String.join("\n  ", history));
            failovers += checker.failovers;
            groupFailures += checker.groupFailures;
        }
        // The sequences exercise what they check.
        assertTrue(failovers > 200, "failovers seen: " + failovers);
        assertTrue(groupFailures > 10, "group failures by probes seen: " + groupFailures);
    }

    private static List<String> setUp(Random r, boolean router) {
        List<String> setup = new ArrayList<>();
        setup.add(router ? "host 192.0.2.1 router" : "host 192.0.2.1");
        setup.add("host 192.0.2.2");
        setup.add("host 192.0.2.3");
        for (int i = 0; i < MEMBERS.length; i++) {
            String m = MEMBERS[i];
            if (r.nextInt(3) == 0) {
                setup.add("ifconfig " + m + " inet6 plumb -failover up");
                setup.add("ifconfig " + m + " inet6 addif 2001:db8::" + (10 + i) + "/64 up");
            }
            setup.add("ifconfig " + m + " plumb 192.0.2." + (10 + i) + "/24 group g up");
            setup.add("ifconfig " + m + " addif 192.0.2." + (20 + i) + "/24 deprecated -failover up");
            for (int k = r.nextInt(3); k > 0; k--) {
                setup.add("ifconfig " + m + " addif 192.0.2." + (30 + 10 * k + i) + "/24 up");
            }
        }
        if (r.nextBoolean()) {
            setup.add("ifconfig net" + r.nextInt(4) + " standby");
        }
        setup.add("wait 5s");
        return setup;
    }

    private static String randomCommand(Random r) {
        String m = MEMBERS[r.nextInt(MEMBERS.length)];
        return switch (r.nextInt(12)) {
            case 0, 1 -> "link " + m + " down";
            case 2 -> "link " + m + " up";
            case 3 -> "cut " + m;
            case 4 -> "mend " + m;
            case 5 -> {
                String state = r.nextBoolean() ? "down" : "up";
                yield "host 192.0.2.1 " + state + "\nhost 192.0.2.2 " + state + "\nhost 192.0.2.3 " + state;
            }
            case 6 -> "if_mpadm -d " + m;
            case 7 -> "if_mpadm -r " + m;
            case 8 -> "ifconfig " + m + (r.nextBoolean() ? " standby" : " -standby");
            default -> "wait " + (1 + r.nextInt(15)) + "s";
        };
    }
}
