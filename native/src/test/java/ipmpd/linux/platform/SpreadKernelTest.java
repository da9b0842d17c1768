package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.linux.Interfaces;
import ipmpd.linux.LinkStatistics;
import ipmpd.linux.NetNs;
import ipmpd.linux.Rtnetlink;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Outbound load spreading on real interfaces: the engine drives {@link LinuxPlatform} on a host
 * with five members on one bridge (m1..m4 each with a data address, m5 a standby with a test
 * address), a client on the bridge and a network behind the bridge's router. TCP flows from one
 * data address leave through every ACTIVE member, never the INACTIVE standby, each flow through
 * one member only; a test address's flows leave through its own member only.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpreadKernelTest {
    private static final int FLOW_BYTES = 256 * 1024;
    private static final int PORT = 5001;
    private static final String DATA = "192.0.2.11";
    private static final String TEST_M1 = "192.0.2.31";
    private static final String REMOTE = "198.51.100.100";
    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static FailoverLab lab;
    private static NsEngineLoop loop;
    private static LinuxPlatform platform;
    private static Engine engine;
    private static LinuxEvents events;
    private static Rtnetlink hostRt;
    private static ServerSocket sink;
    private static final ExecutorService DRAIN = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "spread-sink");
        t.setDaemon(true);
        return t;
    });
    private static final Map<String, Integer> INDEX = new HashMap<>();

    private static final EngineListener LISTENER = new EngineListener() {
        @Override
        public void log(String message) {
            LOG.add("engine: " + message);
        }
    };

    @BeforeAll
    static void setUp() throws Exception {
        lab = FailoverLab.create(5);
        try {
            // A network behind the router (the bridge namespace forwards), for spread gateway routes.
            lab.sysctl(lab.sw, "net.ipv4.ip_forward=1");
            lab.ip(lab.client, "addr add " + REMOTE + "/24 dev c0");
            lab.ip(lab.sw, "route add 198.51.100.0/24 via " + FailoverLab.CLIENT4);
            NetNs.Executor h = lab.executor(lab.host);
            hostRt = h.call(Rtnetlink::open);
            for (int i = 1; i <= 5; i++) {
                String m = "m" + i;
                INDEX.put(m, h.call(() -> Interfaces.index(m)));
            }
            sink = lab.in(lab.client, () -> new ServerSocket(PORT, 64));
            DRAIN.execute(SpreadKernelTest::serve);
            loop = new NsEngineLoop(h);
            platform = loop.call(() -> new LinuxPlatform(loop::execute, LOG::add,
                    LinuxPlatform.Options.defaults().withSpreading(true)));
            // A spread test, not a detection test: the default failure detection time, so a loaded
            // machine's late probe replies do not fail m1 (its test address is the only one probed)
            // in the middle of a count of flows per member.
            engine = loop.call(() -> {
                Engine e = new Engine(System::nanoTime, platform, LISTENER, new Random(7),
                        new EngineConfig(EngineConfig.DEFAULT_FDT_MS, true, true, 0));
                loop.bind(e);
                return e;
            });
            events = loop.call(() -> {
                LinuxEvents ev = new LinuxEvents(EventSink.of(engine), loop::execute, platform, LOG::add);
                ev.start();
                return ev;
            });
            ifconfig("m1 plumb " + DATA + "/24 group g up");
            ifconfig("m1 addif " + TEST_M1 + "/24 deprecated -failover up");
            ifconfig("m2 plumb 192.0.2.12/24 group g up");
            ifconfig("m5 plumb 192.0.2.35/24 deprecated -failover standby group g up");
            lab.ip(lab.host, "route add 198.51.100.0/24 via " + FailoverLab.ROUTER4);
        } catch (Throwable t) {
            tearDown();
            throw t;
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            FailoverLab.stopDaemon(lab, events, loop, platform);
            if (hostRt != null) {
                hostRt.close();
            }
            if (sink != null) {
                sink.close();
            }
            DRAIN.shutdownNow();
        } finally {
            if (lab != null) {
                lab.close();
            }
            LOG.forEach(System.out::println);
        }
    }

    /** The client: drains each connection to its end, then closes it (the sender waits for that). */
    private static void serve() {
        while (!sink.isClosed()) {
            try {
                Socket s = sink.accept();
                DRAIN.execute(() -> {
                    try (s; InputStream in = s.getInputStream()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (Exception ignored) {
                        // the test's assertions tell
                    }
                });
            } catch (Exception e) {
                return;
            }
        }
    }

    private static String ifconfig(String line) throws Exception {
        return loop.ifconfig(line);
    }

    private static Map<String, Long> txBytes() throws Exception {
        Map<String, Long> out = new HashMap<>();
        for (LinkStatistics s : hostRt.dumpLinkStatistics()) {
            if (s.name().matches("m[1-5]")) {
                out.put(s.name(), s.txBytes());
            }
        }
        return out;
    }

    /** One TCP flow of FLOW_BYTES from {@code source} to {@code target}, completed (the client read it all). */
    private static void flow(String source, String target) throws Exception {
        try {
            connectAndSend(source, target);
        } catch (Exception e) {
            LOG.add("flow " + source + " -> " + target + " failed: " + e + "\n"
                    + lab.ip(lab.host, "rule") + lab.ip(lab.host, "route show table all"));
            throw e;
        }
    }

    private static void connectAndSend(String source, String target) throws Exception {
        lab.in(lab.host, () -> {
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
                s.connect(new InetSocketAddress(InetAddress.getByName(target), PORT), 10_000);
                s.setSoTimeout(30_000);
                s.getOutputStream().write(new byte[FLOW_BYTES]);
                s.shutdownOutput();
                assertEquals(-1, s.getInputStream().read(), "client closes after the end of the flow");
            }
            return null;
        });
    }

    /**
     * Runs flows one after the other and tells, for each, the one member it left through: the
     * only member whose transmitted bytes grew by at least the flow's size (probes, neighbour
     * discovery and the like are far smaller).
     */
    private static List<String> membersOfFlows(String source, List<String> targets, int flows) throws Exception {
        List<String> used = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            Map<String, Long> before = txBytes();
            flow(source, targets.get(i % targets.size()));
            Map<String, Long> after = txBytes();
            List<String> carried = new ArrayList<>();
            for (String m : before.keySet()) {
                long delta = after.get(m) - before.get(m);
                if (delta >= FLOW_BYTES) {
                    carried.add(m);
                }
                assertTrue(delta < 2L * FLOW_BYTES,
                        "flow " + i + " sent " + delta + " bytes through " + m + ": more than one flow's worth");
            }
            assertEquals(1, carried.size(), "flow " + i + " left through exactly one member: " + carried
                    + " (before " + before + ", after " + after + ")");
            used.add(carried.get(0));
        }
        Map<String, Integer> perMember = new java.util.TreeMap<>();
        used.forEach(m -> perMember.merge(m, 1, Integer::sum));
        System.out.println("SPREAD " + flows + " flows from " + source + ": " + perMember);
        return used;
    }

    private static List<Integer> outbound() throws Exception {
        return loop.call(() -> platform.outboundIndexes("g"));
    }

    private static List<Integer> indexes(String... names) {
        List<Integer> out = new ArrayList<>();
        for (String n : names) {
            out.add(INDEX.get(n));
        }
        return out;
    }

    @Test
    @Order(1)
    void twoActiveMembersCarryTheFlowsAndTheStandbyNone() throws Exception {
        FailoverLab.await("outbound members m1, m2", 10_000, 20, () -> {
            try {
                return outbound().equals(indexes("m1", "m2"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertEquals("1", lab.sysctlGet(lab.host, "net.ipv4.fib_multipath_hash_policy"));
        List<String> used = membersOfFlows(DATA, List.of(FailoverLab.CLIENT4, REMOTE), 24);
        assertEquals(Set.of("m1", "m2"), Set.copyOf(used), "flows per member: " + used);
    }

    @Test
    @Order(2)
    void aTestAddressLeavesThroughItsOwnMemberOnly() throws Exception {
        List<String> used = membersOfFlows(TEST_M1, List.of(FailoverLab.CLIENT4, REMOTE), 8);
        assertEquals(Set.of("m1"), Set.copyOf(used), "flows per member: " + used);
    }

    @Test
    @Order(3)
    void fourActiveMembersCarryTheFlowsAndTheStandbyNone() throws Exception {
        ifconfig("m3 plumb 192.0.2.13/24 group g up");
        ifconfig("m4 plumb 192.0.2.14/24 group g up");
        FailoverLab.await("outbound members m1..m4", 10_000, 20, () -> {
            try {
                return outbound().equals(indexes("m1", "m2", "m3", "m4"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        List<String> used = membersOfFlows(DATA, List.of(FailoverLab.CLIENT4, REMOTE), 48);
        assertEquals(new TreeSet<>(Set.of("m1", "m2", "m3", "m4")), new TreeSet<>(used), "flows per member: " + used);
    }

    @Test
    @Order(4)
    void anOfflineMemberLeavesAndTheStandbyTakesOver() throws Exception {
        loop.call(() -> {
            engine.offline("m2");
            return null;
        });
        FailoverLab.await("outbound members m1, m3, m4, m5", 10_000, 20, () -> {
            try {
                return new TreeSet<>(outbound()).equals(new TreeSet<>(indexes("m1", "m3", "m4", "m5")));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        List<String> used = membersOfFlows(DATA, List.of(FailoverLab.CLIENT4, REMOTE), 48);
        assertEquals(new TreeSet<>(Set.of("m1", "m3", "m4", "m5")), new TreeSet<>(used), "flows per member: " + used);
    }

    @Test
    @Order(5)
    void aMemberWhoseCableIsPulledLeavesAndComesBackOnRepair() throws Exception {
        lab.ip(lab.sw, "link set s3 down");
        FailoverLab.await("outbound members m1, m4, m5", 10_000, 20, () -> {
            try {
                return new TreeSet<>(outbound()).equals(new TreeSet<>(indexes("m1", "m4", "m5")));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        List<String> used = membersOfFlows(DATA, List.of(FailoverLab.CLIENT4, REMOTE), 36);
        assertEquals(new TreeSet<>(Set.of("m1", "m4", "m5")), new TreeSet<>(used), "flows per member: " + used);
        lab.ip(lab.sw, "link set s3 up");
        FailoverLab.await("m3 back among the outbound members", 20_000, 20, () -> {
            try {
                return outbound().contains(INDEX.get("m3"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        used = membersOfFlows(DATA, List.of(FailoverLab.CLIENT4, REMOTE), 48);
        assertTrue(used.contains("m3"), "flows per member: " + used);
        assertTrue(!used.contains("m2"), "the offline member carries none: " + used);
    }
}
