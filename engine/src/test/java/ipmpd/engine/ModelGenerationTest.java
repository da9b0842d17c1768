package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.TargetInfo;
import ipmpd.engine.EngineSnapshot.TargetSet;
import ipmpd.sim.Scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The agents keep what they derived from a snapshot while {@link Engine#modelGeneration()} stays
 * the same: after every engine step of random event sequences, a snapshot that differs (statistics
 * aside) from the previous step's comes with a new generation, and one that differs at all with a
 * new statistics generation. And the generation does not move while nothing but probe statistics
 * changes (else the agents would rebuild at every probe). Along the way, the parts of the snapshot
 * that notifications read (one interface's or one group's), and the probe statistics the engine
 * answers for one interface, agree with the whole snapshot; and the statistics changes the engine
 * reports (what the daemon publishes to other threads) name every interface whose statistics moved.
 */
class ModelGenerationTest {

    /** A snapshot without its time stamp and probe statistics. */
    static EngineSnapshot withoutStatistics(EngineSnapshot s) {
        List<InterfaceInfo> ifs = new ArrayList<>();
        for (InterfaceInfo i : s.interfaces()) {
            List<TargetSet> sets = new ArrayList<>();
            for (TargetSet t : i.targetSets()) {
                List<TargetInfo> ts = new ArrayList<>();
                for (TargetInfo ti : t.targets()) {
                    ts.add(new TargetInfo(ti.address(), ti.origin(), ti.status(), 0, 0));
                }
                sets.add(new TargetSet(t.family(), t.mode(), t.testAddress(), ts));
            }
            ifs.add(new InterfaceInfo(i.name(), i.ifindex(), i.group(), i.present(), i.active(), i.standby(),
                    i.offline(), i.failed(), i.inactive(), i.link(), i.probe(), i.state(), i.flagsColumn(), sets, 0, 0,
                    0, 0, 0, i.lifs(), i.lastChangeNs(), i.tracked(), i.failureCount(), i.lastFailureNs(),
                    i.lastFailureCause()));
        }
        return new EngineSnapshot(0, s.config(), s.groups(), ifs, s.addresses());
    }

    private static final class Watch implements Runnable {
        final Scenario s;
        EngineSnapshot model;
        EngineSnapshot full;
        long generation;
        long statistics;
        String context = "";
        int steps;

        Watch(Scenario s) {
            this.s = s;
            take();
        }

        private void take() {
            Engine e = s.engine();
            full = e.snapshot();
            model = withoutStatistics(full);
            generation = e.modelGeneration();
            statistics = e.statisticsGeneration();
        }

        @Override
        public void run() {
            Engine e = s.engine();
            EngineSnapshot now = e.snapshot();
            checkParts(e, now);
            checkStatistics(e, now, context);
            checkStatisticsChanges(e.takeStatisticsChanges(), full, now, context);
            EngineSnapshot nowModel = withoutStatistics(now);
            steps++;
            if (!nowModel.equals(model)) {
                assertNotEquals(generation, e.modelGeneration(), "model changed, generation did not: " + context
                        + "\nbefore " + model + "\nafter  " + nowModel);
            }
            if (!nowModel.equals(model) || !withoutTime(now).equals(withoutTime(full))) {
                assertNotEquals(statistics, e.statisticsGeneration(), "snapshot changed, statistics generation did not: "
                        + context);
            }
            take();
        }

        private static EngineSnapshot withoutTime(EngineSnapshot s) {
            return new EngineSnapshot(0, s.config(), s.groups(), s.interfaces(), s.addresses());
        }
    }

    /** An interface's statistics whose change a publisher missed would stay stale on other threads. */
    static void checkStatisticsChanges(Engine.StatisticsChanges c, EngineSnapshot before, EngineSnapshot now,
                                       String context) {
        if (c.all()) {
            return;
        }
        for (InterfaceInfo i : now.interfaces()) {
            InterfaceInfo was = before.iface(i.name()).orElse(null);
            assertNotNull(was, "a new interface " + i.name() + " without a change of all statistics: " + context);
            if (!statistics(was).equals(statistics(i))) {
                assertTrue(c.interfaces().contains(i.name()),
                        "statistics of " + i.name() + " moved, not reported: " + context);
            }
        }
    }

    private static List<Object> statistics(InterfaceInfo i) {
        List<Object> out = new ArrayList<>(List.of(i.probesSent(), i.probesAcked(), i.probesLost(), i.rttAvgNs(),
                i.rttDevNs()));
        for (TargetSet set : i.targetSets()) {
            for (TargetInfo t : set.targets()) {
                out.add(List.of(t.address(), t.rttAvgNs(), t.rttDevNs()));
            }
        }
        return out;
    }

    /** What the engine answers about one interface's statistics is what the snapshot shows. */
    static void checkStatistics(Engine e, EngineSnapshot full, String context) {
        for (InterfaceInfo i : full.interfaces()) {
            ProbeStatistics st = e.probeStatistics(i.name());
            String what = i.name() + " " + context;
            assertNotNull(st, "no statistics published for " + what);
            assertEquals(List.of(i.probesSent(), i.probesAcked(), i.probesLost(), i.rttAvgNs(), i.rttDevNs()),
                    List.of(st.probesSent(), st.probesAcked(), st.probesLost(), st.rttAvgNs(), st.rttDevNs()), what);
            for (TargetSet set : i.targetSets()) {
                for (TargetInfo t : set.targets()) {
                    ProbeStatistics.TargetRtt rtt = st.targets().get(t.address());
                    assertNotNull(rtt, "no statistics published for target " + t.address() + " of " + what);
                    assertEquals(List.of(t.rttAvgNs(), t.rttDevNs()), List.of(rtt.rttAvgNs(), rtt.rttDevNs()),
                            t.address() + " of " + what);
                }
            }
        }
    }

    /** The parts the notifications read are the full snapshot's, filtered to one group. */
    static void checkParts(Engine e, EngineSnapshot full) {
        for (InterfaceInfo i : full.interfaces()) {
            EngineSnapshot part = e.snapshotOfInterface(i.name());
            EngineSnapshot expected = i.group() == null
                    ? new EngineSnapshot(part.takenAtNs(), full.config(), List.of(), List.of(i), List.of())
                    : partOfGroup(full, i.group(), part.takenAtNs());
            assertEquals(expected, part, "the part of " + i.name());
        }
        for (EngineSnapshot.GroupInfo g : full.groups()) {
            EngineSnapshot part = e.snapshotOfGroup(g.name());
            assertEquals(partOfGroup(full, g.name(), part.takenAtNs()), part, "the part of group " + g.name());
        }
    }

    private static EngineSnapshot partOfGroup(EngineSnapshot full, String group, long at) {
        return new EngineSnapshot(at, full.config(),
                full.groups().stream().filter(g -> g.name().equals(group)).toList(),
                full.interfaces().stream().filter(i -> group.equals(i.group())).toList(),
                full.addresses().stream().filter(a -> group.equals(a.group())).toList());
    }

    @Test
    void everyChangeOfTheModelMovesTheGeneration() throws Exception {
        for (int seq = 0; seq < 40; seq++) {
            long seed = 7000 + seq;
            Random r = new Random(seed);
            Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0).withFdt(1000), seed);
            Watch w = new Watch(s);
            s.link().afterEachStep(w);
            List<String> setup = List.of("host 192.0.2.1 router", "host 192.0.2.2", "host fe80::1 router",
                    "ifconfig net0 plumb 192.0.2.10/24 group g up", "ifconfig net0 addif 192.0.2.20/24 deprecated -failover up",
                    "ifconfig net0 addif 192.0.2.30/24 up", "ifconfig net1 inet6 plumb -failover up",
                    "ifconfig net1 plumb 192.0.2.11/24 group g up", "ifconfig net1 addif 192.0.2.21/24 deprecated -failover up",
                    "ifconfig net2 plumb 192.0.2.12/24 group g up", "ifconfig net2 addif 192.0.2.22/24 deprecated -failover up",
                    "wait 5s");
            for (String c : setup) {
                step(s, w, c);
            }
            for (int i = 0; i < 30; i++) {
                String m = "net" + r.nextInt(3);
                String cmd = switch (r.nextInt(14)) {
                    case 10 -> (r.nextBoolean() ? "route add -host 192.0.2.2 192.0.2.2" : "route delete -host 192.0.2.2 192.0.2.2");
                    case 11 -> "mac " + m + " 02:00:00:00:00:0" + r.nextInt(3); // duplicates offline a member
                    case 12 -> (r.nextBoolean() ? "detach " : "attach ") + m;
                    case 0 -> "link " + m + (r.nextBoolean() ? " down" : " up");
                    case 1 -> (r.nextBoolean() ? "cut " : "mend ") + m;
                    case 2 -> "host 192.0.2.1 " + (r.nextBoolean() ? "down" : "up");
                    case 3 -> "host 192.0.2.2 rtt " + (r.nextBoolean() ? "300us" : "400ms");
                    case 4 -> "if_mpadm " + (r.nextBoolean() ? "-d " : "-r ") + m;
                    case 5 -> "ifconfig " + m + (r.nextBoolean() ? " standby" : " -standby");
                    default -> "wait " + (100 + r.nextInt(3000)) + "ms";
                };
                step(s, w, cmd);
            }
        }
    }

    private static void step(Scenario s, Watch w, String cmd) throws Exception {
        w.context = cmd;
        s.run(cmd);
        w.run(); // what the command itself changed
    }

    @Test
    void probingAloneLeavesTheGenerationAlone() throws Exception {
        Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0).withFdt(1000), 11);
        for (String c : List.of("host 192.0.2.1 router", "ifconfig net0 plumb 192.0.2.10/24 group g up",
                "ifconfig net0 addif 192.0.2.20/24 deprecated -failover up", "ifconfig net1 plumb 192.0.2.11/24 group g up",
                "ifconfig net1 addif 192.0.2.21/24 deprecated -failover up", "wait 30s")) {
            s.run(c);
        }
        Engine e = s.engine();
        long generation = e.modelGeneration();
        long statistics = e.statisticsGeneration();
        long sent = e.snapshot().interfaces().get(0).probesSent();
        s.run("wait 20s");
        assertTrue(e.snapshot().interfaces().get(0).probesSent() > sent + 100, "probing went on");
        assertTrue(e.statisticsGeneration() > statistics + 200, "statistics generation moves with every probe");
        assertEquals(generation, e.modelGeneration(), "20 s of answered probes changed the generation");

        // the platform reports what did not change (polled links, NICs and routes reported again)
        int ifindex = e.snapshot().iface("net0").orElseThrow().ifindex();
        for (int i = 0; i < 10; i++) {
            e.linkChanged("net0", true);
            e.nicAdded("net0", ifindex, true);
            e.routesChanged(e.routes());
        }
        assertEquals(generation, e.modelGeneration(), "reports of unchanged links, NICs and routes");
        e.linkChanged("net0", false);
        assertNotEquals(generation, e.modelGeneration(), "a link that went down");
    }
}
