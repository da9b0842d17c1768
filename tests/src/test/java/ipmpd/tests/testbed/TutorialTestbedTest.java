package ipmpd.tests.testbed;

import ipmpd.testkit.Await;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.ROUTER;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.SWA;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.SWB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tests of the harness itself: topology, cables, traffic reporting, cleanup. */
@Timeout(120)
class TutorialTestbedTest {

    private static final Duration REACH = Duration.ofSeconds(3);
    /** How long a member must stay without reply to count as "cannot reach". */
    private static final Duration SILENCE = Duration.ofMillis(300);
    private static final Duration LINK = Duration.ofSeconds(3);

    private TutorialTestbed tb;

    @BeforeEach
    void build() {
        tb = TutorialTestbed.create();
    }

    @AfterEach
    void tearDown() {
        if (tb != null) {
            String prefix = tb.prefix();
            tb.close();
            assertEquals(List.of(), TutorialTestbed.leftovers(prefix));
        }
    }

    @Test
    void buildsTheTutorialTopology() {
        String p = tb.prefix();
        assertTrue(p.matches("ip[0-9a-f]{5}"), p);
        List<String> all = Netns.list();
        for (TutorialTestbed.Ns n : TutorialTestbed.Ns.values()) {
            assertTrue(all.contains(tb.ns(n)), tb.ns(n) + " in " + all);
            assertTrue(tb.ns(n).startsWith(p + "-"));
        }
        for (int m = 1; m <= 3; m++) {
            String dev = tb.member(m);
            assertTrue(dev.length() <= 15 && dev.startsWith(p), dev);
            assertTrue(tb.carrier(m), dev + " carrier");
            // no address but the kernel's link-local
            List<String> addrs = tb.hostAddresses(m);
            assertTrue(addrs.stream().allMatch(a -> a.startsWith("fe80:")), dev + " " + addrs);
        }
        for (int c = 1; c <= 6; c++) {
            assertTrue(tb.switchPort(c).length() <= 15);
        }
        // bridges forward at once
        for (TutorialTestbed.Ns sw : List.of(SWA, SWB)) {
            String br = tb.ip(sw, "-d", "link", "show", tb.bridge(sw));
            assertTrue(br.contains("stp_state 0") && br.contains("forward_delay 0"), br);
        }
        String ports = Netns.exec(null, "bridge", "-n", tb.ns(SWB), "link");
        for (String port : List.of(tb.switchPort(3), tb.interSwitchPortB(), tb.switchPort(5), tb.switchPort(6))) {
            assertTrue(ports.contains(port) && ports.contains("forwarding"), ports);
        }
        // router and client addresses, router answers broadcasts, host default route
        assertTrue(tb.ip(ROUTER, "addr", "show", tb.routerIf()).contains("192.0.2.1/24"));
        assertTrue(tb.ip(ROUTER, "addr", "show", tb.routerIf()).contains("2001:db8:1::1/64"));
        assertTrue(tb.ip(CLIENT, "addr", "show", tb.clientIf()).contains("192.0.2.100/24"));
        assertEquals("0", tb.sysctlValue(ROUTER, "net.ipv4.icmp_echo_ignore_broadcasts"));
        String routes = tb.ip(HOST, "route", "show", "default");
        assertTrue(routes.contains("via 192.0.2.1") && routes.contains(tb.member(3)), routes);
        assertTrue(tb.ip(HOST, "-6", "route", "show", "default").contains("via fe80::1"));
        // nothing of ours in the root namespace
        assertTrue(TutorialTestbed.rootLinks().stream().noneMatch(l -> l.startsWith(p)));
    }

    @Test
    void withoutDefaultRouteOnRequest() {
        try (TutorialTestbed bare = TutorialTestbed.builder().defaultRoute(false).build()) {
            assertEquals("", bare.ip(HOST, "route", "show", "default").strip());
        }
    }

    @Test
    void everyMemberReachesTheRouter() {
        tb.applyMemberSysctls();
        tb.configureTestAddresses();
        for (int m = 1; m <= 3; m++) {
            String src = TutorialTestbed.TEST_V4.get(m - 1);
            assertTrue(tb.hostAddresses(m).contains(src + "/24"));
            assertTrue(tb.memberReaches(m, src, TutorialTestbed.ROUTER_V4, REACH), "m" + m + " v4\n" + tb.dump());
            assertTrue(tb.memberReaches(m, null, TutorialTestbed.ROUTER_LL, REACH), "m" + m + " v6\n" + tb.dump());
        }
        // the router answers the all-hosts group (target discovery)
        assertTrue(tb.memberReaches(3, TutorialTestbed.TEST_V4.get(2), "224.0.0.1", REACH));
        // the client is reachable too
        assertTrue(tb.memberReaches(1, TutorialTestbed.TEST_V4.get(0), TutorialTestbed.CLIENT_V4, REACH));
    }

    @Test
    void pulledCableLosesCarrierButStaysUp() {
        tb.pullCable(1);
        tb.awaitCarrier(1, false, LINK);
        assertTrue(tb.hostLinkFlags(1).containsAll(List.of("NO-CARRIER", "UP")), tb.hostLinkFlags(1).toString());
        assertFalse(tb.running(1), "IFF_RUNNING cleared");
        assertTrue(List.of("down", "lowerlayerdown").contains(tb.operstate(1)), tb.operstate(1));
        assertTrue(tb.carrier(2) && tb.carrier(3), "other members keep carrier");

        tb.plugCable(1);
        tb.awaitCarrier(1, true, LINK); // carrier and IFF_RUNNING
        assertTrue(tb.running(1), "IFF_RUNNING back");
        assertEquals("up", tb.operstate(1));
        assertFalse(tb.hostLinkFlags(1).contains("NO-CARRIER"));

        tb.pullCable(3);
        tb.awaitCarrier(3, false, LINK);
        tb.plugCable(3);
        tb.awaitCarrier(3, true, LINK);
    }

    @Test
    void interSwitchLinkCutIsolatesSwitchA() {
        tb.applyMemberSysctls();
        tb.configureTestAddresses();
        for (int m = 1; m <= 3; m++) {
            assertTrue(tb.memberReaches(m, TutorialTestbed.TEST_V4.get(m - 1), TutorialTestbed.ROUTER_V4, REACH));
        }
        tb.pullCable(4);
        assertFalse(tb.memberReaches(1, TutorialTestbed.TEST_V4.get(0), TutorialTestbed.ROUTER_V4, SILENCE));
        assertFalse(tb.memberReaches(2, TutorialTestbed.TEST_V4.get(1), TutorialTestbed.ROUTER_V4, SILENCE));
        assertTrue(tb.memberReaches(3, TutorialTestbed.TEST_V4.get(2), TutorialTestbed.ROUTER_V4, REACH));
        for (int m = 1; m <= 3; m++) {
            assertTrue(tb.carrier(m), "carrier stays on m" + m);
        }
        tb.plugCable(4);
        assertTrue(tb.memberReaches(1, TutorialTestbed.TEST_V4.get(0), TutorialTestbed.ROUTER_V4, REACH));
        assertTrue(tb.memberReaches(2, TutorialTestbed.TEST_V4.get(1), TutorialTestbed.ROUTER_V4, REACH));

        // a dead path with carrier up on m3's own cable
        tb.cutPath(3);
        assertFalse(tb.memberReaches(3, TutorialTestbed.TEST_V4.get(2), TutorialTestbed.ROUTER_V4, SILENCE));
        assertTrue(tb.carrier(3));
        tb.mendPath(3);
        assertTrue(tb.memberReaches(3, TutorialTestbed.TEST_V4.get(2), TutorialTestbed.ROUTER_V4, REACH));
    }

    @Test
    void clientTrafficToDataAddressOnM3() throws Exception {
        tb.applyMemberSysctls();
        tb.configureHostAddress(3, TutorialTestbed.DATA_V4 + "/24");
        try (ClientTraffic t = ClientTraffic.start(tb)) {
            t.awaitRunning(Duration.ofSeconds(5));
            Thread.sleep(1000); // the measuring window, not a wait for a condition
            ClientTraffic.Report r = t.stop();
            System.out.println("steady traffic: " + r);
            assertEquals(0, r.pingsLost(), r + "\n" + t.output());
            assertTrue(r.pingsSent() >= 50, r.toString());
            assertTrue(r.tcpSurvived(), r + "\n" + t.output());
            assertTrue(r.tcpBytesSent() >= 16 * 50, r.toString());
            assertEquals(r, t.stop());
        }
    }

    @Test
    void serverWaitsForAnIpv6DataAddressWithoutFreebind() throws Exception {
        tb.applyMemberSysctls();
        try (ClientTraffic t = ClientTraffic.builder(tb).dataAddress(TutorialTestbed.DATA_V6)
                .freebind(false).start()) {
            tb.configureHostAddress(3, TutorialTestbed.DATA_V6 + "/64");
            t.awaitRunning(Duration.ofSeconds(8));
            Thread.sleep(300);
            ClientTraffic.Report r = t.stop();
            assertTrue(r.pingsReceived() > 0, r.toString());
            assertTrue(r.tcpSurvived(), r + "\n" + t.output());
        }
    }

    @Test
    void trafficReportShowsAnOutage() throws Exception {
        tb.applyMemberSysctls();
        tb.configureHostAddress(3, TutorialTestbed.DATA_V4 + "/24");
        try (ClientTraffic t = ClientTraffic.start(tb)) {
            t.awaitRunning(Duration.ofSeconds(5));
            tb.pullCable(3);
            Thread.sleep(250); // the outage being measured
            tb.plugCable(3);
            assertTrue(tb.memberReaches(3, TutorialTestbed.DATA_V4, TutorialTestbed.CLIENT_V4, REACH));
            Thread.sleep(300); // traffic after the repair
            ClientTraffic.Report r = t.stop();
            System.out.println("250 ms outage: " + r);
            assertTrue(r.pingsLost() >= 10, r.toString());
            assertTrue(r.pingMaxGapMs() >= 200, r.toString());
            assertTrue(r.pingsReceived() >= 20, r.toString());
            assertTrue(r.tcpSurvived(), "TCP rides out a 250 ms outage: " + r + "\n" + t.output());
        }
    }

    @Test
    void closeRemovesNamespacesLinksAndProcesses() {
        TutorialTestbed other = TutorialTestbed.create();
        String p = other.prefix();
        BackgroundProcess tracked = other.start(HOST, "sleep", "600");
        // a process the testbed does not know about, e.g. a daemon under test
        BackgroundProcess stray = Netns.start(other.ns(ROUTER), "sleep", "600");
        assertFalse(TutorialTestbed.leftovers(p).isEmpty());
        other.close();
        assertEquals(List.of(), TutorialTestbed.leftovers(p));
        assertTrue(Netns.list().stream().noneMatch(n -> n.startsWith(p)));
        String veths = Netns.exec(null, "ip", "-o", "link", "show", "type", "veth");
        assertFalse(veths.contains(p), veths);
        assertTrue(Await.poll(Duration.ofSeconds(2), () -> !tracked.isAlive() && !stray.isAlive()));
        stray.close();
        other.close(); // twice is fine
        assertThrows(IllegalStateException.class, () -> other.start(HOST, "true"));
    }

    @Test
    void staleTestbedsOfDeadRunsAreSwept() throws Exception {
        String p = "ipd" + Long.toHexString(System.nanoTime() & 0xfffff);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        java.nio.file.Files.createDirectories(TutorialTestbed.OWNERS);
        java.nio.file.Files.writeString(TutorialTestbed.OWNERS.resolve(p), gone.pid() + " 0\n");
        Netns.add(p + "-host");
        List<String> removed = TutorialTestbed.sweepStale();
        assertTrue(removed.contains("netns " + p + "-host"), removed.toString());
        assertEquals(List.of(), TutorialTestbed.leftovers(p));
        assertFalse(java.nio.file.Files.exists(TutorialTestbed.OWNERS.resolve(p)));
        // the open testbed of this (live) run is left alone
        assertTrue(Netns.list().contains(tb.ns(HOST)));
    }

    @Test
    void failedBuildCleansUpAndSweepRemovesLeftovers() {
        String p = "ipt" + Long.toHexString(System.nanoTime() & 0xfffff);
        // something in the way: the build fails at the client namespace
        Netns.add(p + "-cli");
        Netns.exec(null, "ip", "link", "add", p + "-v0", "type", "veth", "peer", "name", p + "-v1");
        try {
            assertThrows(Netns.CommandFailedException.class, () -> TutorialTestbed.builder().prefix(p).build());
            // what the failed build made is gone; what was there before is not its to delete
            assertEquals(java.util.Set.of("netns " + p + "-cli", "link " + p + "-v0", "link " + p + "-v1"),
                    java.util.Set.copyOf(TutorialTestbed.leftovers(p)));
        } finally {
            List<String> removed = TutorialTestbed.sweepLeftovers(p);
            assertTrue(removed.contains("netns " + p + "-cli"), removed.toString());
        }
        assertEquals(List.of(), TutorialTestbed.leftovers(p));
    }
}
