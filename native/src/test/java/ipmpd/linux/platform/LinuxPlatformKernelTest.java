package ipmpd.linux.platform;

import java.time.Duration;
import ipmpd.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.linux.AddrInfo;
import ipmpd.linux.Interfaces;
import ipmpd.linux.NetNs;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.Rtnl;

import java.net.InetAddress;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The engine driving real interfaces through {@link LinuxPlatform} and {@link LinuxEvents}: a host
 * namespace with two members on one bridge, a router and a client on that bridge, FDT 1 s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxPlatformKernelTest {
    private static final long T0 = System.nanoTime();
    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static final List<Event> EVENTS = new CopyOnWriteArrayList<>();
    private static FailoverLab lab;
    private static NsEngineLoop loop;
    private static LinuxPlatform platform;
    private static Engine engine;
    private static LinuxEvents events;
    private static Rtnetlink hostRt;
    private static int m1;
    private static int m2;
    private static String mac1;
    private static String mac2;

    record Event(long atNs, String what) {
    }

    private static final List<String> TRANSCRIPT = new CopyOnWriteArrayList<>();

    /** Kept in memory and printed at the end: printing from the engine thread would slow it down. */
    private static void log(String s) {
        LOG.add(s);
        TRANSCRIPT.add(String.format("[%7.1f ms] %s", (System.nanoTime() - T0) / 1e6, s));
    }

    private static void event(String what) {
        EVENTS.add(new Event(System.nanoTime(), what));
        log("event: " + what);
    }

    private static final EngineListener LISTENER = new EngineListener() {
        @Override
        public void log(String message) {
            LinuxPlatformKernelTest.log("engine: " + message);
        }

        @Override
        public void interfaceFailed(String ifname, String group, Detection how) {
            event("failed " + ifname + " " + (how.byProbes() ? "PROBE" : how.name()));
        }

        @Override
        public void interfaceRepaired(String ifname, String group, Detection how) {
            event("repaired " + ifname + " " + (how.byProbes() ? "PROBE" : how.name()));
        }

        @Override
        public void linkChanged(String ifname, boolean up) {
            event("link " + ifname + (up ? " up" : " down"));
        }

        @Override
        public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
            event("moved " + address.getHostAddress() + " " + from + " -> " + to + " " + reason);
        }
    };

    @BeforeAll
    static void setUp() throws Exception {
        lab = FailoverLab.create();
        try {
            NetNs.Executor h = lab.executor(lab.host);
            hostRt = h.call(Rtnetlink::open);
            m1 = h.call(() -> Interfaces.index("m1"));
            m2 = h.call(() -> Interfaces.index("m2"));
            mac1 = h.call(() -> Interfaces.hardwareAddress("m1")).toString();
            mac2 = h.call(() -> Interfaces.hardwareAddress("m2")).toString();
            loop = new NsEngineLoop(h);
            assertEquals(h.call(NetNs::currentId), loop.call(NetNs::currentId), "engine thread in the host namespace");
            platform = loop.call(() -> new LinuxPlatform(loop::execute, LinuxPlatformKernelTest::log));
            engine = loop.call(() -> {
                Engine e = new Engine(System::nanoTime, platform, LISTENER, new Random(7),
                        new EngineConfig(1000, true, true, 0));
                loop.bind(e);
                return e;
            });
            events = loop.call(() -> {
                LinuxEvents ev = new LinuxEvents(EventSink.of(engine), loop::execute, platform,
                        LinuxPlatformKernelTest::log);
                ev.start();
                return ev;
            });
            // Already in the kernel: the platform adopts it (EEXIST is success).
            lab.ip(lab.host, "addr add 192.0.2.12/24 dev m2");
            ifconfig("m1 plumb 192.0.2.10/24 group g up");
            ifconfig("m1 addif 192.0.2.11/24 deprecated -failover up");
            ifconfig("m2 plumb 192.0.2.12/24 group g up");
            ifconfig("m2 addif 192.0.2.13/24 deprecated -failover up");
            ifconfig("m1 inet6 plumb -failover up");
            ifconfig("m1 inet6 addif 2001:db8::10/64 up");
            ifconfig("m2 inet6 plumb -failover up");
            lab.ip(lab.host, "route add default via " + FailoverLab.ROUTER4 + " dev m1");
            lab.ip(lab.host, "-6 route add default via " + FailoverLab.ROUTER6 + " dev m1");
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
        } finally {
            if (lab != null) {
                lab.close();
            }
            TRANSCRIPT.forEach(System.out::println);
        }
    }

    private static String ifconfig(String line) throws Exception {
        return loop.ifconfig(line);
    }

    private static EngineSnapshot snapshot() {
        return loop.snapshot();
    }

    /** Both members OK with probes answered, every data address at home. */
    private static void awaitSteady() throws Exception {
        Await.until("both members OK and addresses home", () -> {
            EngineSnapshot s = snapshot();
            for (String m : List.of("m1", "m2")) {
                EngineSnapshot.InterfaceInfo i = s.iface(m).orElseThrow();
                if (i.failed() || i.state() != EngineSnapshot.InterfaceState.OK
                        || i.probe() != EngineSnapshot.ProbeState.OK || i.probesAcked() == 0) {
                    return false;
                }
            }
            return s.addresses().stream().allMatch(a -> a.homeIf().equals(a.hostedOn()))
                    && "m1".equals(host("192.0.2.10")) && "m1".equals(host("2001:db8::10"));
        });
    }

    /** Which member holds an address in the kernel ("m1", "m2", "both", null). */
    private static String host(String address) {
        try {
            InetAddress a = InetAddress.getByName(address);
            boolean on1 = false;
            boolean on2 = false;
            for (AddrInfo i : hostRt.dumpAddresses()) {
                if (i.address().equals(a)) {
                    on1 |= i.index() == m1;
                    on2 |= i.index() == m2;
                }
            }
            return on1 && on2 ? "both" : on1 ? "m1" : on2 ? "m2" : null;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static AddrInfo addr(String address) throws Exception {
        InetAddress a = InetAddress.getByName(address);
        return hostRt.dumpAddresses().stream().filter(i -> i.address().equals(a)).findFirst().orElse(null);
    }

    private static String neighbourMac(String address) throws Exception {
        Matcher m = Pattern.compile("lladdr (\\S+)").matcher(lab.ip(lab.client, "neigh show " + address));
        return m.find() ? m.group(1) : null;
    }

    private static boolean clientPings(String address) throws Exception {
        String[] cmd = address.contains(":") ? new String[] {"ping", "-6", "-c", "1", "-W", "2", address}
                : new String[] {"ping", "-c", "1", "-W", "2", address};
        return lab.status(lab.client, cmd) == 0;
    }

    /** The group's spread table (the first group's number is 0). */
    private static final int SPREAD = 30000 + SourceSteering.TABLE_SPAN;

    /** Outbound data traffic spreads over both members (the spread table was written for them). */
    private static void awaitSpreadOverBoth() {
        Await.until("data traffic spread over m1 and m2", () -> call(() ->
                loop.call(() -> platform.outboundIndexes("g")).equals(List.of(m1, m2))));
    }

    /** Data traffic from {@code from} leaves through {@code member} alone (the other is unusable). */
    private static void awaitRouteFrom(String from, String member) {
        Await.until("traffic from " + from + " through " + member, () -> call(() ->
                member.equals(routeDevFrom(from, FailoverLab.CLIENT4))));
    }

    private static String routeDevFrom(String from, String to) throws Exception {
        Matcher m = Pattern.compile(" dev (\\S+)").matcher(lab.ip(lab.host, "route get " + to + " from " + from));
        return m.find() ? m.group(1) : null;
    }

    private static long firstEventAfter(long after, String what) {
        for (Event e : EVENTS) {
            if (e.atNs() - after >= 0 && e.what().equals(what)) {
                return e.atNs();
            }
        }
        return -1;
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }

    @Test
    @Order(1)
    void addressesAreInTheKernelWithLabelsAndMembersAreTunedAndSteered() throws Exception {
        awaitSteady();
        AddrInfo data = addr("192.0.2.10");
        assertEquals(m1, data.index());
        assertEquals("m1", data.label());
        assertEquals(0, data.flags() & Rtnl.IFA_F_NOPREFIXROUTE);
        AddrInfo test = addr("192.0.2.11");
        assertEquals("m1:1", test.label());
        assertTrue((test.flags() & Rtnl.IFA_F_NOPREFIXROUTE) != 0, "test address without prefix route");
        String shown = lab.ip(lab.host, "-4 addr show dev m1");
        assertTrue(shown.contains("inet 192.0.2.10/24") && shown.contains("scope global m1"), shown);
        assertTrue(shown.contains("inet 192.0.2.11/24") && shown.contains("m1:1"), shown);
        assertEquals(m1, addr("2001:db8::10").index());

        for (String m : List.of("m1", "m2")) {
            assertEquals("1", lab.sysctlGet(lab.host, "net.ipv4.conf." + m + ".arp_ignore"));
            assertEquals("2", lab.sysctlGet(lab.host, "net.ipv4.conf." + m + ".arp_announce"));
            assertEquals("1", lab.sysctlGet(lab.host, "net.ipv4.conf." + m + ".ignore_routes_with_linkdown"));
            assertEquals("1", lab.sysctlGet(lab.host, "net.ipv6.conf." + m + ".ignore_routes_with_linkdown"));
            assertEquals("2", lab.sysctlGet(lab.host, "net.ipv4.conf." + m + ".rp_filter"));
            assertEquals("1", lab.sysctlGet(lab.host, "net.ipv4.conf." + m + ".promote_secondaries"));
        }
        assertTrue(LOG.contains("net.ipv4.conf.m1.arp_ignore: 0 -> 1"), "sysctl change reported");
        assertTrue(LOG.stream().noneMatch(l -> l.startsWith("Cannot add")), "adopted 192.0.2.12: " + LOG);
        assertEquals(m2, addr("192.0.2.12").index());

        int t1 = 30000 + m1;
        // Outbound spreading is on by default: data addresses use the group's spread table, test
        // addresses their member's table.
        awaitSpreadOverBoth();
        String rules = lab.ip(lab.host, "rule show");
        assertTrue(rules.contains("from 192.0.2.10 lookup " + SPREAD), rules);
        assertTrue(rules.contains("from 192.0.2.11 lookup " + t1), rules);
        assertTrue(rules.contains("from 192.0.2.12 lookup " + SPREAD), rules);
        assertTrue(rules.contains("from 192.0.2.13 lookup " + (30000 + m2)), rules);
        assertTrue(lab.ip(lab.host, "-6 rule show").contains("from 2001:db8::10 lookup " + SPREAD));
        Await.untilEvery("member tables follow the main table", Duration.ofMillis(10), () -> {
            try {
                String table = lab.ip(lab.host, "route show table " + t1);
                String table6 = lab.ip(lab.host, "-6 route show table " + t1);
                return table.contains("192.0.2.0/24 dev m1") && table.contains("default via 192.0.2.1 dev m1")
                        && table6.contains("2001:db8::/64 dev m1") && table6.contains("default via 2001:db8::1 dev m1");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(List.of("m1", "m2").contains(routeDevFrom("192.0.2.12", FailoverLab.CLIENT4)));
        assertTrue(List.of("m1", "m2").contains(routeDevFrom("192.0.2.10", FailoverLab.CLIENT4)));
        assertEquals("m1", routeDevFrom("192.0.2.11", FailoverLab.CLIENT4), "a test address leaves through its member");
        assertEquals("m2", routeDevFrom("192.0.2.13", FailoverLab.CLIENT4), "a test address leaves through its member");
        assertTrue(clientPings("192.0.2.10"));
        assertTrue(clientPings("2001:db8::10"));
        assertEquals(mac1, neighbourMac("192.0.2.10"));
        assertEquals(mac1, neighbourMac("2001:db8::10"));
    }

    @Test
    @Order(2)
    void linkFailureMovesDataAddressesAndTheClientFollows() throws Exception {
        // Twice: the first failover runs cold (interpreted) code, the second shows the steady cost.
        for (int round = 1; round <= 2; round++) {
            linkFailure(round);
        }
    }

    private void linkFailure(int round) throws Exception {
        awaitSteady();
        assertTrue(clientPings("192.0.2.10") && clientPings("2001:db8::10"));
        long before = System.nanoTime();
        lab.ip(lab.sw, "link set s1 down");
        long issued = System.nanoTime();
        long[] seen = {-1, -1};
        Await.untilEvery("both data addresses on m2 only", Duration.ofMillis(1), () -> {
            long now = System.nanoTime();
            if (seen[0] < 0 && "m2".equals(host("192.0.2.10"))) {
                seen[0] = now;
            }
            if (seen[1] < 0 && "m2".equals(host("2001:db8::10"))) {
                seen[1] = now;
            }
            return seen[0] >= 0 && seen[1] >= 0;
        });
        long moved4 = seen[0];
        long moved6 = seen[1];
        Await.untilEvery("engine events", Duration.ofMillis(1), () -> firstEventAfter(before, "link m1 down") >= 0
                && firstEventAfter(before, "moved 2001:db8:0:0:0:0:0:10 m1 -> m2 FAILOVER") >= 0);
        long linkSeen = firstEventAfter(before, "link m1 down");
        long engine4 = firstEventAfter(before, "moved 192.0.2.10 m1 -> m2 FAILOVER");
        long engine6 = firstEventAfter(before, "moved 2001:db8:0:0:0:0:0:10 m1 -> m2 FAILOVER");
        log(String.format("LINK FAILOVER (round " + round + "): ip(8) took %.1f ms; seen in the kernel on m2 %.1f ms (IPv4) / %.1f ms"
                        + " (IPv6) after it returned; engine: link down at %+.1f ms, IPv4 moved %.2f ms and IPv6"
                        + " %.2f ms after the link event",
                ms(issued - before), ms(moved4 - issued), ms(moved6 - issued), ms(linkSeen - issued),
                ms(engine4 - linkSeen), ms(engine6 - linkSeen)));
        // (the times are reported, not asserted: bin/bench link measures them on a quiet machine)
        assertTrue(lab.ip(lab.host, "addr show dev m2").contains("inet 192.0.2.10/24"));
        AddrInfo v6 = addr("2001:db8::10");
        assertTrue((v6.flags() & Rtnl.IFA_F_NODAD) != 0, "moved IPv6 address added with NODAD");
        assertFalse(v6.isTentative());
        assertTrue(lab.ip(lab.host, "-6 addr show dev m2").contains("nodad"));

        long garp = Await.untilEvery("client's ARP entry on m2's MAC", Duration.ofMillis(10),
                () -> call(() -> mac2.equals(neighbourMac("192.0.2.10"))));
        long na = Await.untilEvery("client's neighbour entry on m2's MAC", Duration.ofMillis(10),
                () -> call(() -> mac2.equals(neighbourMac("2001:db8::10"))));
        log(String.format("client neighbour entries updated %.1f ms (ARP) / %.1f ms (ND) after the move",
                ms(garp - moved4), ms(na - moved6)));
        awaitRouteFrom("192.0.2.10", "m2");
        assertTrue(clientPings("192.0.2.10"), "client reaches 192.0.2.10 on m2");
        assertTrue(clientPings("2001:db8::10"), "client reaches 2001:db8::10 on m2");

        long up = System.nanoTime();
        lab.ip(lab.sw, "link set s1 up");
        long back = Await.untilEvery("192.0.2.10 back on m1", Duration.ofMillis(5), () -> "m1".equals(host("192.0.2.10")));
        Await.untilEvery("2001:db8::10 back on m1", Duration.ofMillis(5), () -> "m1".equals(host("2001:db8::10")));
        log(String.format("LINK REPAIR: failback %.1f ms after the link came up", ms(back - up)));
        Await.untilEvery("client's ARP entry back on m1's MAC", Duration.ofMillis(10),
                () -> call(() -> mac1.equals(neighbourMac("192.0.2.10"))));
        assertTrue(clientPings("192.0.2.10"));
        assertTrue(clientPings("2001:db8::10"));
    }

    @Test
    @Order(3)
    void probeFailureMovesDataAddressesWhileTheLinkStaysUp() throws Exception {
        awaitSteady();
        // The main table sends everything for the client through m1, as a host route an
        // administrator pinned would: only source steering can make replies leave through m2.
        lab.ip(lab.host, "route add " + FailoverLab.CLIENT4 + "/32 dev m1");
        try {
            probeFailure();
        } finally {
            lab.ip(lab.host, "route del " + FailoverLab.CLIENT4 + "/32 dev m1");
        }
    }

    private void probeFailure() throws Exception {
        long before = System.nanoTime();
        lab.run("bridge", "-n", lab.sw, "link", "set", "dev", "s1", "state", "0");
        long issued = System.nanoTime();
        long failed = Await.untilEvery("m1 failed by probes", Duration.ofMillis(5),
                () -> firstEventAfter(before, "failed m1 PROBE") >= 0);
        failed = firstEventAfter(before, "failed m1 PROBE");
        long moved = Await.untilEvery("192.0.2.10 on m2", Duration.ofMillis(1), () -> "m2".equals(host("192.0.2.10")));
        Await.untilEvery("2001:db8::10 on m2", Duration.ofMillis(1), () -> "m2".equals(host("2001:db8::10")));
        // The engine may have raised the group's FDT if it measured slow replies (a loaded machine).
        long fdt = snapshot().group("g").orElseThrow().fdtMs();
        log(String.format("PROBE FAILOVER: detected %.1f ms after the port was blocked (FDT %d ms), address"
                + " on m2 %.1f ms after the block", ms(failed - issued), fdt, ms(moved - issued)));
        // (detection within FDT is the engine's rule, checked on its virtual clock by the simulator's
        // scenarios; here the time is reported: a loaded machine delays probes and replies alike)
        assertTrue(hostRt.getLink(m1).orElseThrow().isRunning(), "m1's link stays up");
        assertTrue(firstEventAfter(before, "link m1 down") < 0);

        Await.untilEvery("client's ARP entry on m2's MAC", Duration.ofMillis(10),
                () -> call(() -> mac2.equals(neighbourMac("192.0.2.10"))));
        assertTrue(lab.ip(lab.host, "route get " + FailoverLab.CLIENT4).contains(" dev m1"), "main table: m1");
        assertTrue(lab.ip(lab.host, "rule show").contains("from 192.0.2.10 lookup " + SPREAD));
        awaitRouteFrom("192.0.2.10", "m2");
        assertEquals("m1", routeDevFrom("192.0.2.11", FailoverLab.CLIENT4), "the test address still probes via m1");
        // Unbound traffic: the default route left m1, so the kernel picks m2 and a data source.
        Await.untilEvery("default routes moved to m2", Duration.ofMillis(10), () -> call(() ->
                lab.ip(lab.host, "route show default").contains("dev m2")
                        && lab.ip(lab.host, "-6 route show default").contains("dev m2")));
        // Away, the IPv4 gateway is on-link through m2 (its prefix route may not be there yet).
        assertTrue(lab.ip(lab.host, "route show default").contains("onlink"), lab.ip(lab.host, "route show default"));
        String offLink = lab.ip(lab.host, "route get 198.51.100.1");
        assertTrue(offLink.contains("dev m2 src 192.0.2.12"), offLink);
        assertTrue(clientPings("192.0.2.10"), "client reaches 192.0.2.10 on m2 while m1's path is dead");
        assertTrue(clientPings("2001:db8::10"), "client reaches 2001:db8::10 on m2 while m1's path is dead");

        long unblock = System.nanoTime();
        lab.run("bridge", "-n", lab.sw, "link", "set", "dev", "s1", "state", "3");
        long back = Await.untilEvery("192.0.2.10 back on m1", Duration.ofMillis(5), () -> "m1".equals(host("192.0.2.10")));
        log(String.format("PROBE REPAIR: failback %.1f ms after the port was unblocked", ms(back - unblock)));
        assertTrue(firstEventAfter(unblock, "repaired m1 PROBE") >= 0);
        Await.untilEvery("client's ARP entry back on m1's MAC", Duration.ofMillis(10),
                () -> call(() -> mac1.equals(neighbourMac("192.0.2.10"))));
        assertTrue(clientPings("192.0.2.10"));
        awaitSpreadOverBoth();
        Await.untilEvery("default routes back on m1", Duration.ofMillis(10), () -> call(() ->
                lab.ip(lab.host, "route show default").contains("dev m1")
                        && lab.ip(lab.host, "-6 route show default").contains("dev m1")));
        assertFalse(lab.ip(lab.host, "route show default").contains("dev m2"));
        assertFalse(lab.ip(lab.host, "-6 route show default").contains("dev m2"));
        assertFalse(lab.ip(lab.host, "route show default").contains("onlink"), "home again as it was");
    }

    /**
     * An interface set down loses its routes in every table (member tables too); once it is back
     * and repaired, its member table is read again and refilled, not taken for what was written.
     */
    @Test
    @Order(4)
    void aMemberTableEmptiedByAnInterfaceDownIsRefilledOnRepair() throws Exception {
        awaitSteady();
        int t2 = 30000 + m2;
        lab.ip(lab.host, "link set m2 down");
        try {
            Await.untilEvery("m2's routes gone from its table", Duration.ofMillis(10),
                    () -> !ipQuiet("route show table " + t2).contains("dev m2"));
        } finally {
            lab.ip(lab.host, "link set m2 up");
        }
        Await.untilEvery("m2's table refilled after the repair", Duration.ofMillis(10), () -> {
            String table = ipQuiet("route show table " + t2);
            return table.contains("192.0.2.0/24 dev m2") && table.contains("default via 192.0.2.1 dev m2");
        });
        awaitSteady();
    }

    /**
     * Routes the main table gains and loses through an interface outside the group reach every
     * member table, and leave it again (a sync changes only what changed in the main table).
     */
    @Test
    @Order(5)
    void memberTablesFollowRoutesAddedAndRemovedElsewhere() throws Exception {
        awaitSteady();
        List<String> tables = List.of("table " + (30000 + m1), "table " + (30000 + m2));
        int logged = LOG.size();
        lab.ip(lab.host, "link add x0 type veth peer name x1"); // no dummy driver on every kernel
        try {
            lab.ip(lab.host, "link set x1 up");
            lab.ip(lab.host, "link set x0 up");
            lab.ip(lab.host, "addr add 203.0.113.1/24 dev x0");
            lab.ip(lab.host, "route add 198.51.100.0/24 via 203.0.113.254 dev x0");
            for (String t : tables) {
                Await.untilEvery("x0's routes in " + t, Duration.ofMillis(10), () -> {
                    String shown = ipQuiet("route show " + t);
                    return shown.contains("203.0.113.0/24 dev x0") && shown.contains("198.51.100.0/24 via 203.0.113.254 dev x0");
                });
            }
            lab.ip(lab.host, "route del 198.51.100.0/24 via 203.0.113.254 dev x0");
            for (String t : tables) {
                Await.untilEvery("the gateway route gone from " + t + ", the prefix route kept", Duration.ofMillis(10), () -> {
                    String shown = ipQuiet("route show " + t);
                    return !shown.contains("198.51.100.0/24") && shown.contains("203.0.113.0/24 dev x0")
                            && shown.contains("192.0.2.0/24 dev m");
                });
            }
        } finally {
            lab.ip(lab.host, "link del x0");
        }
        for (String t : tables) {
            Await.untilEvery("x0's prefix route gone from " + t, Duration.ofMillis(10),
                    () -> !ipQuiet("route show " + t).contains("x0"));
        }
        List<String> since = LOG.subList(logged, LOG.size());
        assertTrue(since.stream().noneMatch(l -> l.startsWith("source steering")), "steering errors: " + since);
        awaitSteady();
    }

    private static String ipQuiet(String args) {
        try {
            return lab.ip(lab.host, args);
        } catch (Exception e) {
            return ""; // "FIB table does not exist"
        }
    }

    @Test
    @Order(9)
    void closingRemovesRulesAndMemberTables() throws Exception {
        assertTrue(loop.errors.isEmpty(), "engine thread errors: " + loop.errors);
        events.close();
        loop.close();
        lab.in(lab.host, () -> {
            platform.close();
            return null;
        });
        String rules = lab.ip(lab.host, "rule show") + lab.ip(lab.host, "-6 rule show");
        assertFalse(rules.contains("lookup " + (30000 + m1)), rules);
        String table;
        try {
            table = lab.ip(lab.host, "route show table " + (30000 + m1));
        } catch (java.io.IOException e) {
            table = ""; // "FIB table does not exist"
        }
        assertTrue(table.isBlank(), table);
        assertNotNull(addr("192.0.2.10"), "addresses stay");
    }

    private interface Check {
        boolean get() throws Exception;
    }

    private static boolean call(Check c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
