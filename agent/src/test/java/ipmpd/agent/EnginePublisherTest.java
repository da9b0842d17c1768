package ipmpd.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.TargetInfo;
import ipmpd.engine.EngineSnapshot.TargetSet;
import ipmpd.engine.Family;
import ipmpd.engine.Platform;
import ipmpd.engine.ProbeStatistics;
import ipmpd.sim.Scenario;

import java.net.InetAddress;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * What the engine's thread publishes for other threads is what a snapshot shows at the same moment:
 * the model generation and every interface's probe statistics, after every step of random event
 * sequences; and an {@link EngineLoop#call} returns only after its job's changes are published.
 */
class EnginePublisherTest {

    @Test
    void publishedStatisticsAreTheSnapshotsAfterEveryStep() throws Exception {
        for (int seq = 0; seq < 20; seq++) {
            long seed = 9000 + seq;
            Random r = new Random(seed);
            Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0).withFdt(1000), seed);
            EnginePublisher published = new EnginePublisher();
            String[] context = {""};
            s.link().afterEachStep(() -> check(s.engine(), published, context[0]));
            List<String> setup = List.of("host 192.0.2.1 router", "host 192.0.2.2",
                    "ifconfig net0 plumb 192.0.2.10/24 group g up",
                    "ifconfig net0 addif 192.0.2.20/24 deprecated -failover up",
                    "ifconfig net1 plumb 192.0.2.11/24 group g up",
                    "ifconfig net1 addif 192.0.2.21/24 deprecated -failover up", "wait 5s");
            for (String c : setup) {
                context[0] = c;
                s.run(c);
                check(s.engine(), published, c);
            }
            for (int i = 0; i < 25; i++) {
                String m = "net" + r.nextInt(2);
                String cmd = switch (r.nextInt(8)) {
                    case 0 -> "link " + m + (r.nextBoolean() ? " down" : " up");
                    case 1 -> (r.nextBoolean() ? "cut " : "mend ") + m;
                    case 2 -> "host 192.0.2.1 " + (r.nextBoolean() ? "down" : "up");
                    case 3 -> "if_mpadm " + (r.nextBoolean() ? "-d " : "-r ") + m;
                    case 4 -> (r.nextBoolean() ? "detach " : "attach ") + m;
                    default -> "wait " + (100 + r.nextInt(3000)) + "ms";
                };
                context[0] = cmd;
                s.run(cmd);
                check(s.engine(), published, cmd);
            }
        }
    }

    /** Publishes as the loop does at the end of a turn, then compares with a snapshot. */
    private static void check(Engine e, EnginePublisher published, String context) {
        published.publish(e);
        EngineSnapshot snap = e.snapshot();
        assertEquals(e.modelGeneration(), published.modelGeneration(), context);
        assertEquals(e.statisticsGeneration(), published.statisticsGeneration(), context);
        for (InterfaceInfo i : snap.interfaces()) {
            ProbeStatistics st = published.probeStatistics(i.name());
            String what = i.name() + " after " + context;
            assertNotNull(st, "nothing published for " + what);
            assertEquals(List.of(i.probesSent(), i.probesAcked(), i.probesLost(), i.rttAvgNs(), i.rttDevNs()),
                    List.of(st.probesSent(), st.probesAcked(), st.probesLost(), st.rttAvgNs(), st.rttDevNs()), what);
            for (TargetSet set : i.targetSets()) {
                for (TargetInfo t : set.targets()) {
                    ProbeStatistics.TargetRtt rtt = st.targets().get(t.address());
                    assertNotNull(rtt, "no round-trip time published for " + t.address() + " of " + what);
                    assertEquals(List.of(t.rttAvgNs(), t.rttDevNs()), List.of(rtt.rttAvgNs(), rtt.rttDevNs()), what);
                }
            }
        }
    }

    @Test
    void aCallReturnsAfterItsChangesArePublished() throws Exception {
        Platform platform = new Platform() {
            @Override
            public void addAddress(AddressPlacement p) {
            }

            @Override
            public void removeAddress(AddressPlacement p) {
            }

            @Override
            public void sendProbe(String ifname, Family family, InetAddress source, InetAddress target, int seq) {
            }

            @Override
            public void sendDiscovery(String ifname, Family family, InetAddress source) {
            }
        };
        try (EngineLoop loop = new EngineLoop("t", t -> { }).start()) {
            EnginePublisher published = loop.published();
            loop.call(() -> {
                loop.bind(new Engine(System::nanoTime, platform, new EngineListener() { }, new SplittableRandom(1),
                        EngineConfig.defaults()));
                return null;
            });
            assertNull(published.probeStatistics("tst0"), "no such interface yet");
            for (int i = 0; i < 50; i++) {
                String group = "g" + i;
                long inside = loop.call(() -> {
                    loop.engine().createGroup(group);
                    return loop.engine().modelGeneration();
                });
                assertEquals(inside, published.modelGeneration(), "the generation of the call's own change");
            }
            loop.call(() -> {
                loop.engine().nicAdded("tst0", 2, true);
                return null;
            });
            assertNotNull(published.probeStatistics("tst0"), "a new interface's statistics");
        }
    }
}
