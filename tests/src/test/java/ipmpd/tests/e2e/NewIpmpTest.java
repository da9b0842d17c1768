package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.BackgroundProcess;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.TrafficScript;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tutorial's new IPMP (seed 004, 1.6 to 1.6.3) on real links: the IPMP interface production0
 * with data addresses 192.0.2.50 and .51, the three members m1..m3 joining from hostname files
 * ("group production0 -failover [TESTADDR] up"). The client pings 192.0.2.50 every 10 ms and holds
 * a TCP connection to it while cable 1 is pulled and plugged and cable 4 cut and mended. The IPv6
 * tests add hostname6 files (2001:db8:1::50 and ::51 on production0; members probing from their
 * link-local addresses or link-based) and check neighbour discovery from the client's side.
 */
@Timeout(240)
class NewIpmpTest extends E2eBase {

    static final String IPMP = "production0";
    static final String DATA2 = "192.0.2.51";
    static final List<String> DATAS = List.of(DATA, DATA2);
    static final String DATA6 = TutorialTestbed.DATA_V6;
    static final String DATA6_2 = "2001:db8:1::51";

    /** The data addresses the checks cover: IPv4 only, or with {@link #DATA6} in the IPv6 tests. */
    private List<String> datas = DATAS;

    /** Boot files of 1.6.3: the IPMP interface first, then its members, with test addresses or without. */
    IpmpdProcess.Builder newIpmpConfig(boolean testAddresses) {
        IpmpdProcess.Builder b = IpmpdProcess.builder(tb.ns(HOST))
                .mpathd(mpathd(FDT_MS, true))
                .file("hostname." + IPMP, "ipmp group " + IPMP + " " + DATA + "/24 up", "addif " + DATA2 + "/24 up");
        for (int n = 1; n <= 3; n++) {
            b.file("hostname." + m(n), "group " + IPMP + " -failover"
                    + (testAddresses ? " " + TutorialTestbed.TEST_V4.get(n - 1) + "/24" : "") + " up");
        }
        return b;
    }

    /** Every address event of the host, from the start: a member must never be given a data address. */
    private BackgroundProcess addressMonitor;

    /** ARP as the client sees it: the announcements of rebound data addresses. */
    private BackgroundProcess clientArp;

    /** Neighbour solicitations and advertisements as the client sees them (the IPv6 tests). */
    private BackgroundProcess clientNd;

    /**
     * The IPv6 side of the same configuration (the tutorial's footnote on IPv6): hostname6.production0
     * with two data addresses, and every member plumbed for IPv6, probing from its link-local
     * address ("-failover") or not probing over IPv6 at all.
     */
    IpmpdProcess.Builder withIpv6(IpmpdProcess.Builder b, boolean testAddresses) {
        b.file("hostname6." + IPMP, "ipmp group " + IPMP + " " + DATA6 + "/64 up", "addif " + DATA6_2 + "/64 up");
        for (int n = 1; n <= 3; n++) {
            b.file("hostname6." + m(n), "group " + IPMP + (testAddresses ? " -failover" : "") + " up");
        }
        return b;
    }

    void startNewIpmp(boolean testAddresses) {
        startNewIpmp(testAddresses, false);
    }

    void startNewIpmp(boolean testAddresses, boolean ipv6) {
        testbed();
        addressMonitor = closeLater(tb.start(HOST, "ip", "-o", "monitor", "address"));
        clientArp = closeLater(tb.start(CLIENT, "tcpdump", "-l", "-n", "-e", "-i", tb.clientIf(), "arp"));
        Await.until("tcpdump listening", Duration.ofSeconds(10),
                () -> clientArp.stderrLines().stream().anyMatch(l -> l.contains("listening")));
        if (ipv6) {
            datas = List.of(DATA, DATA2, DATA6, DATA6_2);
            // neighbour solicitations (135) and advertisements (136)
            clientNd = closeLater(tb.start(CLIENT, "tcpdump", "-l", "-n", "-t", "-e", "-i", tb.clientIf(),
                    "icmp6 and (ip6[40] == 135 or ip6[40] == 136)"));
            Await.until("tcpdump listening", Duration.ofSeconds(10),
                    () -> clientNd.stderrLines().stream().anyMatch(l -> l.contains("listening")));
        }
        IpmpdProcess.Builder config = newIpmpConfig(testAddresses);
        start(ipv6 ? withIpv6(config, testAddresses) : config);
        if (testAddresses) {
            awaitAllOk(Duration.ofSeconds(20));
        } else {
            Await.until(() -> "all members ok: " + daemon.ipmpstat("-i") + "\n" + daemon.log(), Duration.ofSeconds(20),
                    () -> daemon.interfaces().size() == 3 && daemon.interfaces().values().stream()
                            .allMatch(r -> r.get("STATE").equals("ok")));
        }
        awaitOnDevice();
        awaitBoundTo(DATA, m(1), m(2), m(3));
        awaitBoundTo(DATA2, m(1), m(2), m(3));
        if (ipv6) {
            Await.until(() -> "IPv6 data addresses on " + IPMP + " only: " + tb.ip(HOST, "-o", "addr") + daemon.log(),
                    Duration.ofSeconds(10), () -> kernelHolders(DATA6).equals(List.of(IPMP))
                            && kernelHolders(DATA6_2).equals(List.of(IPMP)));
            String shown = tb.ip(HOST, "-6", "addr", "show", IPMP);
            assertTrue(shown.contains("inet6 " + DATA6 + "/64 ") && shown.contains("inet6 " + DATA6_2 + "/64 "),
                    "ip -6 addr show " + IPMP + ":\n" + shown);
            awaitBoundTo(DATA6, m(1), m(2), m(3));
            awaitBoundTo(DATA6_2, m(1), m(2), m(3));
            assertSpreadInEachFamily();
        }
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void probeBasedTutorialSession() {
        startNewIpmp(true);
        assertTutorialOutput(true);
        assertIfconfigIndex();
        startTraffic(DATA);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();
        assertOutboundSpread(List.of(m(1), m(2), m(3)), List.of());

        // cable 1 pulled: m1 fails, what was bound to it is announced from another member
        Map<String, String> before = bindings();
        int arpMark = clientArp.stdoutLines().size();
        int mark = daemon.mark();
        tb.pullCable(1);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(5));
        for (String d : DATAS) {
            awaitBoundTo(d, m(2), m(3));
        }
        assertAnnouncedAway(before, m(1), arpMark);
        assertNeighboursFollowBindings();
        assertRow(1, "no", null, "down", null, "failed");
        assertOutboundSpread(List.of(m(2), m(3)), List.of(m(1)));
        measureAndStop("cable 1 pulled");

        startTraffic(DATA);
        mark = daemon.mark();
        tb.plugCable(1);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        // back among the active members (OUTBOUND); the bindings stay where they are (1, 1, 0
        // differ by at most one, as the Solaris kernel balances them)
        assertRow(1, "yes", null, "up", "ok", "ok");
        Await.until(() -> m(1) + " outbound again: " + daemon.ipmpstat("-a"), Duration.ofSeconds(5),
                () -> daemon.parsable("-a", "ADDRESS,OUTBOUND").stream().filter(r -> DATAS.contains(r.get(0)))
                        .allMatch(r -> List.of(r.get(1).split(" ")).contains(m(1))));
        assertNeighboursFollowBindings();
        assertOutboundSpread(List.of(m(1), m(2), m(3)), List.of());
        measureAndStop("cable 1 plugged");

        // cable 4 cut: m1 and m2 lose the router (probes), only m3 is left (1.6.2)
        startTraffic(DATA);
        before = bindings();
        arpMark = clientArp.stdoutLines().size();
        mark = daemon.mark();
        tb.cutPath(4);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(2) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        for (String d : DATAS) {
            awaitBoundTo(d, m(3));
        }
        assertAnnouncedAway(before, m(1), arpMark);
        assertAnnouncedAway(before, m(2), arpMark);
        assertNeighboursFollowBindings();
        assertRow(1, "no", null, "up", "failed", "failed");
        assertRow(2, "no", null, "up", "failed", "failed");
        assertRow(3, "yes", null, "up", "ok", "ok");
        assertOutboundSpread(List.of(m(3)), List.of(m(1), m(2)));
        measureAndStop("cable 4 cut");

        startTraffic(DATA);
        mark = daemon.mark();
        tb.mendPath(4);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(2) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        Await.until(() -> "bindings spread again: " + daemon.ipmpstat("-a"), Duration.ofSeconds(5),
                () -> !m(3).equals(inbound(DATA)) || !m(3).equals(inbound(DATA2)));
        assertNeighboursFollowBindings();
        measureAndStop("cable 4 mended");

        assertNoMemberEverHeldData();
        daemon.stop();
    }

    @Test
    void linkBasedTutorialSession() {
        startNewIpmp(false);
        assertTutorialOutput(false);
        startTraffic(DATA);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();

        Map<String, String> before = bindings();
        int arpMark = clientArp.stdoutLines().size();
        int mark = daemon.mark();
        tb.pullCable(1);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(5));
        for (String d : DATAS) {
            awaitBoundTo(d, m(2), m(3));
        }
        assertAnnouncedAway(before, m(1), arpMark);
        assertNeighboursFollowBindings();
        assertRow(1, "no", null, "down", "disabled", "failed");
        measureAndStop("cable 1 pulled");

        startTraffic(DATA);
        mark = daemon.mark();
        tb.plugCable(1);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(5));
        assertRow(1, "yes", null, "up", "disabled", "ok");
        assertNeighboursFollowBindings();
        measureAndStop("cable 1 plugged");

        // cable 4 cut: links stay up, link-based detection sees nothing (the tutorial's point)
        tb.cutPath(4);
        for (int n = 1; n <= 3; n++) {
            assertRow(n, "yes", null, "up", "disabled", "ok");
        }
        tb.mendPath(4);
        assertNoMemberEverHeldData();
        for (int n = 1; n <= 3; n++) {
            assertTrue(tb.ip(HOST, "-4", "addr", "show", m(n)).contains("inet 169.254."),
                    "a member without test address has an ARP source of its own: " + tb.ip(HOST, "-4", "addr", "show", m(n)));
        }
        daemon.stop();
        assertFalse(tb.ip(HOST, "-4", "addr").contains("169.254."), "the ARP sources go with the daemon: " + tb.ip(HOST, "-4", "addr"));
    }

    /**
     * m3 a standby (link-based members): INACTIVE, no data address bound to it and no flow through
     * it; once m1 fails it takes over (bound, outbound), and is INACTIVE again after the repair.
     */
    @Test
    void aStandbyCarriesNothingUntilItTakesOver() {
        testbed();
        addressMonitor = closeLater(tb.start(HOST, "ip", "-o", "monitor", "address"));
        clientArp = closeLater(tb.start(CLIENT, "tcpdump", "-l", "-n", "-e", "-i", tb.clientIf(), "arp"));
        start(IpmpdProcess.builder(tb.ns(HOST)).mpathd(mpathd(FDT_MS, true))
                .file("hostname." + IPMP, "ipmp group " + IPMP + " " + DATA + "/24 up", "addif " + DATA2 + "/24 up")
                .file("hostname." + m(1), "group " + IPMP + " -failover up")
                .file("hostname." + m(2), "group " + IPMP + " -failover up")
                .file("hostname." + m(3), "group " + IPMP + " -failover standby up"));
        Await.until(() -> "m1, m2 active, m3 INACTIVE: " + daemon.ipmpstat("-i") + daemon.log(), Duration.ofSeconds(20),
                () -> {
                    Map<String, Map<String, String>> i = daemon.interfaces();
                    return i.size() == 3 && "yes".equals(i.get(m(1)).get("ACTIVE")) && "yes".equals(i.get(m(2)).get("ACTIVE"))
                            && "no".equals(i.get(m(3)).get("ACTIVE")) && i.get(m(3)).get("FLAGS").contains("i");
                });
        awaitOnDevice();
        awaitBoundTo(DATA, m(1), m(2));
        awaitBoundTo(DATA2, m(1), m(2));
        startTraffic(DATA);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();
        assertOutboundSpread(List.of(m(1), m(2)), List.of(m(3)));

        int mark = daemon.mark();
        tb.pullCable(1);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(5));
        Await.until(() -> "m3 took over: " + daemon.ipmpstat("-i"), Duration.ofSeconds(5),
                () -> "yes".equals(daemon.interfaces().get(m(3)).get("ACTIVE")));
        for (String d : DATAS) {
            awaitBoundTo(d, m(2), m(3));
        }
        assertNeighboursFollowBindings();
        assertOutboundSpread(List.of(m(2), m(3)), List.of(m(1)));
        measureAndStop("cable 1 pulled, the standby took over");

        tb.plugCable(1);
        Await.until(() -> "m3 INACTIVE again: " + daemon.ipmpstat("-i") + daemon.ipmpstat("-a"), Duration.ofSeconds(10),
                () -> "no".equals(daemon.interfaces().get(m(3)).get("ACTIVE"))
                        && DATAS.stream().noneMatch(d -> m(3).equals(inbound(d))));
        assertNeighboursFollowBindings();
        assertOutboundSpread(List.of(m(1), m(2)), List.of(m(3)));
        assertNoMemberEverHeldData();
        daemon.stop();
    }

    /** kill -9 leaves the device (alias ipmpd's); the next start takes it over and works. */
    @Test
    void restartAfterKillTakesTheDeviceOver() {
        startNewIpmp(true);
        int before = kernelIndex(IPMP);
        assertIfconfigIndex();
        daemon.kill9();
        assertTrue(tb.ip(HOST, "-d", "link", "show", IPMP).contains("ipmpd IPMP interface"), "the device stays behind");
        daemon.restart();
        awaitAllOk(Duration.ofSeconds(20));
        awaitOnDevice();
        awaitBoundTo(DATA, m(1), m(2), m(3));
        awaitBoundTo(DATA2, m(1), m(2), m(3));
        assertEquals(before, kernelIndex(IPMP), "the device was taken over, not re-created");
        assertIfconfigIndex();
        String all = daemon.log();
        assertFalse(all.contains("is a physical interface"), all);
        startTraffic(DATA);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();
        measureAndStop("after a restart");
        assertNoMemberEverHeldData();
        daemon.stop();
    }

    // ---------------------------------------------------------------- IPv6

    /**
     * The probe-based session with the IPv6 side (hostname6 files, link-local test addresses): the
     * client pings 2001:db8:1::50 every 10 ms and holds a TCP connection to it while the cable of
     * the member answering for it is pulled and plugged, and cable 4 is cut and mended.
     */
    @Test
    void ipv6ProbeBasedSession() {
        startNewIpmp(true, true);
        List<String> all = List.of(m(1), m(2), m(3));
        assertIpv6ProbesFromLinkLocal();
        assertAddressRow(DATA6, all);
        assertSolicitationsAnsweredByOne(DATA6);
        assertSolicitationsAnsweredByOne(DATA6_2);
        startTraffic(DATA6);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();
        assertOutboundSpread(List.of(DATA6, DATA6_2), TutorialTestbed.CLIENT_V6, all, List.of());

        // the cable of the member answering for the IPv6 address pulled
        int n = pullInboundCable6("IPv6", all);
        plugCable6("IPv6", n, all, Duration.ofSeconds(10));
        assertSolicitationsAnsweredByOne(DATA6);

        // cable 4 cut: only m3 keeps the router and the client. The address the traffic goes to is
        // first put on switch A (m3 offlined and back), so that the cut moves it.
        if (m(3).equals(inbound(DATA6))) {
            IpmpdProcess.ToolResult r = daemon.launcher("if_mpadm", "-d", m(3));
            assertEquals(0, r.exit(), r.toString());
            awaitBoundTo(DATA6, m(1), m(2));
            r = daemon.launcher("if_mpadm", "-r", m(3));
            assertEquals(0, r.exit(), r.toString());
            assertAddressRow(DATA6, all);
        }
        startTraffic(DATA6);
        Map<String, String> before = bindings();
        int arpMark = clientArp.stdoutLines().size();
        int ndMark = clientNd.stdoutLines().size();
        int mark = daemon.mark();
        tb.cutPath(4);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(2) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        for (String d : datas) {
            awaitBoundTo(d, m(3));
        }
        assertAnnouncedAway(before, m(1), arpMark, ndMark);
        assertAnnouncedAway(before, m(2), arpMark, ndMark);
        assertNeighboursFollowBindings();
        assertAddressRow(DATA6, List.of(m(3)));
        assertOutboundSpread(List.of(DATA6, DATA6_2), TutorialTestbed.CLIENT_V6, List.of(m(3)), List.of(m(1), m(2)));
        measureAndStop("IPv6, cable 4 cut");

        startTraffic(DATA6);
        mark = daemon.mark();
        tb.mendPath(4);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(2) + " of group " + IPMP) + "$", Duration.ofSeconds(10));
        assertAddressRow(DATA6, all);
        assertNeighboursFollowBindings();
        measureAndStop("IPv6, cable 4 mended");

        assertNoMemberEverHeldData();
        daemon.stop();
    }

    /** Link-based members plumbed for IPv6 without test addresses: a pulled cable moves the IPv6 address. */
    @Test
    void ipv6LinkBasedSession() {
        startNewIpmp(false, true);
        List<String> all = List.of(m(1), m(2), m(3));
        assertTrue(daemon.parsable("-t", "INTERFACE,TESTADDR").stream().noneMatch(r -> r.get(1).startsWith("fe80:")),
                "no IPv6 test address: " + daemon.ipmpstat("-t"));
        assertAddressRow(DATA6, all);
        assertSolicitationsAnsweredByOne(DATA6);
        assertSolicitationsAnsweredByOne(DATA6_2);
        startTraffic(DATA6);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();

        int n = pullInboundCable6("IPv6 link-based", all);
        plugCable6("IPv6 link-based", n, all, Duration.ofSeconds(5));
        assertNoMemberEverHeldData();
        daemon.stop();
    }

    /**
     * Pulls the cable of the member answering for {@link #DATA6}: both IPv6 data addresses are
     * bound to the other members and announced away from it, neighbours and outbound flows follow.
     *
     * @return the pulled member's number
     */
    private int pullInboundCable6(String label, List<String> all) {
        int n = memberNumber(inbound(DATA6));
        List<String> others = all.stream().filter(x -> !x.equals(m(n))).toList();
        Map<String, String> before = bindings();
        int arpMark = clientArp.stdoutLines().size();
        int ndMark = clientNd.stdoutLines().size();
        int mark = daemon.mark();
        tb.pullCable(n);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(n) + " of group " + IPMP) + "$", Duration.ofSeconds(5));
        for (String d : datas) {
            awaitBoundTo(d, others.toArray(String[]::new));
        }
        assertAnnouncedAway(before, m(n), arpMark, ndMark);
        assertSpreadInEachFamily();
        assertNeighboursFollowBindings();
        assertAddressRow(DATA6, others);
        assertAddressRow(DATA6_2, others);
        assertOutboundSpread(List.of(DATA6, DATA6_2), TutorialTestbed.CLIENT_V6, others, List.of(m(n)));
        measureAndStop(label + ", cable " + n + " pulled");
        return n;
    }

    /** Plugs cable {@code n} again (traffic running): its member is repaired and outbound again. */
    private void plugCable6(String label, int n, List<String> all, Duration repairLimit) {
        startTraffic(DATA6);
        int mark = daemon.mark();
        tb.plugCable(n);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(n) + " of group " + IPMP) + "$", repairLimit);
        assertAddressRow(DATA6, all);
        assertNeighboursFollowBindings();
        measureAndStop(label + ", cable " + n + " plugged");
    }

    /**
     * IPv6 only: hostname6 files and no hostname files (the members are not plumbed for IPv4). The
     * addresses are on the device, spread, answered by one member each, and follow a pulled cable.
     */
    @Test
    void ipv6OnlyConfiguration() {
        testbed();
        datas = List.of(DATA6, DATA6_2);
        addressMonitor = closeLater(tb.start(HOST, "ip", "-o", "monitor", "address"));
        clientNd = closeLater(tb.start(CLIENT, "tcpdump", "-l", "-n", "-t", "-e", "-i", tb.clientIf(),
                "icmp6 and (ip6[40] == 135 or ip6[40] == 136)"));
        Await.until("tcpdump listening", Duration.ofSeconds(10),
                () -> clientNd.stderrLines().stream().anyMatch(l -> l.contains("listening")));
        start(withIpv6(IpmpdProcess.builder(tb.ns(HOST)).mpathd(mpathd(FDT_MS, true)), true));
        awaitAllOk(Duration.ofSeconds(20));
        Await.until(() -> "IPv6 data addresses on " + IPMP + " only: " + tb.ip(HOST, "-o", "addr") + daemon.log(),
                Duration.ofSeconds(10), () -> kernelHolders(DATA6).equals(List.of(IPMP))
                        && kernelHolders(DATA6_2).equals(List.of(IPMP)));
        List<String> all = List.of(m(1), m(2), m(3));
        assertAddressRow(DATA6, all);
        assertAddressRow(DATA6_2, all);
        assertNotEquals(inbound(DATA6), inbound(DATA6_2), daemon.ipmpstat("-a").out());
        IpmpdProcess.ToolResult ifc = daemon.launcher("ipmpadm", IPMP, "inet6");
        assertTrue(ifc.out().startsWith(IPMP + ": flags=8002000841<UP,RUNNING,MULTICAST,IPv6,IPMP> mtu 1500 index "
                + kernelIndex(IPMP) + "\n") && ifc.out().contains("inet6 " + DATA6 + "/64"), ifc.toString());
        assertSolicitationsAnsweredByOne(DATA6);
        assertSolicitationsAnsweredByOne(DATA6_2);
        startTraffic(DATA6);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();
        assertOutboundSpread(datas, TutorialTestbed.CLIENT_V6, all, List.of());

        int n = memberNumber(inbound(DATA6));
        List<String> others = all.stream().filter(x -> !x.equals(m(n))).toList();
        Map<String, String> before = bindings();
        int ndMark = clientNd.stdoutLines().size();
        int mark = daemon.mark();
        tb.pullCable(n);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(n) + " of group " + IPMP) + "$", Duration.ofSeconds(5));
        for (String d : datas) {
            awaitBoundTo(d, others.toArray(String[]::new));
        }
        assertAnnouncedAway(before, m(n), 0, ndMark);
        assertNotEquals(inbound(DATA6), inbound(DATA6_2), daemon.ipmpstat("-a").out());
        assertNeighboursFollowBindings();
        assertAddressRow(DATA6, others);
        assertOutboundSpread(datas, TutorialTestbed.CLIENT_V6, others, List.of(m(n)));
        measureAndStop("IPv6 only, cable " + n + " pulled");
        assertNoMemberEverHeldData();
        daemon.stop();
    }

    /**
     * m3 not plumbed for IPv6 (no hostname6.m3): it answers for no IPv6 address, ipmpstat -a leaves
     * it out of the IPv6 addresses' OUTBOUND, and no IPv6 flow leaves through it; IPv4 flows do.
     */
    @Test
    void ipv6FlowsOnlyThroughMembersPlumbedForIpv6() {
        testbed();
        datas = List.of(DATA, DATA2, DATA6, DATA6_2);
        addressMonitor = closeLater(tb.start(HOST, "ip", "-o", "monitor", "address"));
        IpmpdProcess.Builder b = newIpmpConfig(false)
                .file("hostname6." + IPMP, "ipmp group " + IPMP + " " + DATA6 + "/64 up", "addif " + DATA6_2 + "/64 up")
                .file("hostname6." + m(1), "group " + IPMP + " up")
                .file("hostname6." + m(2), "group " + IPMP + " up");
        start(b);
        List<String> all = List.of(m(1), m(2), m(3));
        List<String> v6 = List.of(m(1), m(2));
        Await.until(() -> "all members ok: " + daemon.ipmpstat("-i") + "\n" + daemon.log(), Duration.ofSeconds(20),
                () -> daemon.interfaces().size() == 3 && daemon.interfaces().values().stream()
                        .allMatch(r -> r.get("STATE").equals("ok")));
        assertAddressRow(DATA, all);
        assertAddressRow(DATA6, v6);
        assertAddressRow(DATA6_2, v6);
        reachEveryDataAddress();
        assertNeighboursFollowBindings();
        assertOutboundSpread(List.of(DATA6, DATA6_2), TutorialTestbed.CLIENT_V6, v6, List.of(m(3)));
        assertOutboundSpread(all, List.of());
        daemon.stop();
    }

    /** Two addresses of a family over two or more active members are bound to two members (each family on its own). */
    void assertSpreadInEachFamily() {
        assertNotEquals(inbound(DATA), inbound(DATA2), "IPv4: " + daemon.ipmpstat("-a").out());
        assertNotEquals(inbound(DATA6), inbound(DATA6_2), "IPv6: " + daemon.ipmpstat("-a").out());
    }

    /** Each member probes over IPv6 from its link-local address (ipmpstat -t), the router as target. */
    void assertIpv6ProbesFromLinkLocal() {
        List<List<String>> t = daemon.parsable("-t", "INTERFACE,TESTADDR,TARGETS");
        for (int n = 1; n <= 3; n++) {
            String member = m(n);
            assertTrue(t.stream().anyMatch(r -> r.get(0).equals(member) && r.get(1).startsWith("fe80:")
                    && r.get(2).contains(TutorialTestbed.ROUTER_LL)), daemon.ipmpstat("-t").out());
        }
    }

    /** 1..3 of a member's name. */
    int memberNumber(String member) {
        for (int n = 1; n <= 3; n++) {
            if (m(n).equals(member)) {
                return n;
            }
        }
        throw new AssertionError("not a member: " + member);
    }

    /**
     * The real {@code ipmpstat -a} row of {@code address}: up in the IPMP interface, INBOUND the
     * member it is bound to (one of {@code outbound}), OUTBOUND exactly {@code outbound}.
     */
    void assertAddressRow(String address, List<String> outbound) {
        Pattern p = Pattern.compile("(?m)^" + q(address) + "\\s+up\\s+" + q(IPMP) + "\\s+(\\S+)\\s+(.+)$");
        Await.until(() -> "ipmpstat -a row of " + address + " with OUTBOUND " + outbound + ":\n" + daemon.ipmpstat("-a").out(),
                Duration.ofSeconds(10), () -> {
                    Matcher row = p.matcher(daemon.launcher("ipmpstat", "-a").out());
                    return row.find() && outbound.contains(row.group(1)) && row.group(1).equals(inbound(address))
                            && new java.util.HashSet<>(List.of(row.group(2).trim().split("\\s+"))).equals(new java.util.HashSet<>(outbound));
                });
    }

    /**
     * The client forgets {@code address} and resolves it again: its solicitation reaches every
     * member, and is answered by exactly one, the member bound to it, with its own MAC.
     */
    void assertSolicitationsAnsweredByOne(String address) {
        String bound = inbound(address);
        int from = clientNd.stdoutLines().size();
        tb.ip(CLIENT, "-6", "neigh", "flush", "to", address);
        assertTrue(tb.ping(CLIENT, tb.clientIf(), TutorialTestbed.CLIENT_V6, address, Duration.ofSeconds(5)),
                "client reaches " + address + "\n" + daemon.log());
        String tgt = "neighbor advertisement, tgt is " + address + ",";
        java.util.function.Supplier<List<String>> answers = () -> clientNd.stdoutLines().stream().skip(from)
                .filter(l -> l.contains(tgt) && !l.contains(" > ff02::1:")).toList();
        Await.until(() -> "the client's solicitation of " + address + " answered by " + bound + " (" + mac(bound) + "): "
                        + clientNd.stdoutLines().subList(from, clientNd.stdoutLines().size()), Duration.ofSeconds(5),
                () -> answers.get().stream().anyMatch(l -> l.startsWith(mac(bound) + " > ")));
        assertTrue(clientNd.stdoutLines().stream().skip(from).anyMatch(l -> l.contains("neighbor solicitation, who has " + address)),
                "the client solicited " + address + ": " + clientNd.stdoutLines().subList(from, clientNd.stdoutLines().size()));
        List<String> senders = answers.get().stream().map(l -> l.substring(0, l.indexOf(' '))).distinct().toList();
        assertEquals(List.of(mac(bound)), senders, "advertisements for " + address + " (members: " + macs() + "): " + answers.get());
        assertEquals(mac(bound), clientNeighbour(address), tb.ip(CLIENT, "-6", "neigh"));
    }

    // ---------------------------------------------------------------- checks

    /** ipmpstat -g, -a, -i through the real CLI, as the tutorial prints them for production0. */
    void assertTutorialOutput(boolean probes) {
        IpmpdProcess.ToolResult g = daemon.launcher("ipmpstat", "-g");
        assertEquals(0, g.exit(), g.toString());
        assertTrue(g.out().lines().anyMatch(l -> l.matches(q(IPMP) + "\\s+" + q(IPMP) + "\\s+ok\\s+"
                + (probes ? "\\d+\\.\\d+s" : "--") + "\\s+.*")), "ipmpstat -g:\n" + g.out());
        IpmpdProcess.ToolResult i = daemon.launcher("ipmpstat", "-i");
        for (int n = 1; n <= 3; n++) {
            String row = q(m(n)) + "\\s+yes\\s+" + q(IPMP) + "\\s+\\S+\\s+up\\s+" + (probes ? "ok" : "disabled") + "\\s+ok";
            assertTrue(i.out().lines().anyMatch(l -> l.matches(row)), "ipmpstat -i row of " + m(n) + ":\n" + i.out());
        }
        IpmpdProcess.ToolResult a = daemon.launcher("ipmpstat", "-a");
        assertTrue(a.out().lines().findFirst().orElse("").matches("ADDRESS\\s+STATE\\s+GROUP\\s+INBOUND\\s+OUTBOUND"), a.out());
        for (String d : DATAS) {
            String in = inbound(d);
            Matcher row = Pattern.compile("(?m)^" + q(d) + "\\s+up\\s+" + q(IPMP) + "\\s+(\\S+)\\s+(.+)$").matcher(a.out());
            assertTrue(row.find(), "ipmpstat -a row of " + d + ":\n" + a.out());
            assertEquals(in, row.group(1), a.out());
            List<String> outbound = List.of(row.group(2).trim().split("\\s+"));
            assertEquals(3, outbound.size(), "OUTBOUND: every active member\n" + a.out());
            assertTrue(outbound.containsAll(List.of(m(1), m(2), m(3))), a.out());
        }
        assertNotEquals(inbound(DATA), inbound(DATA2), "two data addresses are bound to two members\n" + a.out());
    }

    /** Both data addresses on the IPMP interface's device, and on no member. */
    void awaitOnDevice() {
        Await.until(() -> "data addresses on " + IPMP + ": " + tb.ip(HOST, "-o", "addr") + daemon.log(), Duration.ofSeconds(10),
                () -> kernelHolders(DATA).equals(List.of(IPMP)) && kernelHolders(DATA2).equals(List.of(IPMP)));
        String shown = tb.ip(HOST, "addr", "show", IPMP);
        assertTrue(shown.contains("inet " + DATA + "/24") && shown.contains("inet " + DATA2 + "/24"), shown);
    }

    /** ipmpstat -a's INBOUND of a data address (null if none or "--"). */
    String inbound(String address) {
        for (List<String> r : daemon.parsable("-a", "ADDRESS,GROUP,INBOUND")) {
            if (r.get(0).equals(address) && r.get(1).equals(IPMP)) {
                return r.get(2).equals("--") || r.get(2).isEmpty() ? null : r.get(2);
            }
        }
        return null;
    }

    void awaitBoundTo(String address, String... members) {
        List<String> allowed = List.of(members);
        Await.until(() -> address + " bound to one of " + allowed + ": " + daemon.ipmpstat("-a") + daemon.log(),
                Duration.ofSeconds(5), () -> allowed.contains(inbound(address)));
    }

    /** The client resolves every data address (the TCP/ping traffic covers one only). */
    void reachEveryDataAddress() {
        for (String d : datas) {
            String from = d.contains(":") ? TutorialTestbed.CLIENT_V6 : TutorialTestbed.CLIENT_V4;
            assertTrue(tb.ping(CLIENT, tb.clientIf(), from, d, Duration.ofSeconds(5)),
                    "client reaches " + d + "\n" + daemon.log());
        }
    }

    /** The client's neighbour entry of every data address carries its bound member's MAC (announced on a change). */
    void assertNeighboursFollowBindings() {
        for (String d : datas) {
            Await.until(() -> "client's entry for " + d + " = MAC of " + inbound(d) + " (" + mac(inbound(d)) + "): "
                            + tb.ip(CLIENT, "neigh", "show", d) + "\n" + macs() + daemon.log(),
                    Duration.ofSeconds(5), () -> {
                        String in = inbound(d);
                        return in != null && mac(in).equals(clientNeighbour(d));
                    });
        }
    }

    /** The bindings now (data address -> INBOUND member). */
    Map<String, String> bindings() {
        Map<String, String> b = new LinkedHashMap<>();
        for (String d : datas) {
            b.put(d, inbound(d));
        }
        return b;
    }

    /**
     * Every address bound to {@code failed} in {@code before} was announced (gratuitous ARP, "who-has
     * A tell A") from the MAC of the member it is bound to now, after line {@code from} of the capture.
     */
    void assertAnnouncedAway(Map<String, String> before, String failed, int from) {
        assertAnnouncedAway(before, failed, from, 0);
    }

    /**
     * As {@link #assertAnnouncedAway(Map, String, int)}, and an IPv6 address by an unsolicited
     * neighbour advertisement to ff02::1 for it from its new member's MAC, after line {@code ndFrom}
     * of the client's neighbour discovery capture.
     */
    void assertAnnouncedAway(Map<String, String> before, String failed, int from, int ndFrom) {
        for (Map.Entry<String, String> e : before.entrySet()) {
            if (!failed.equals(e.getValue())) {
                continue;
            }
            String d = e.getKey();
            if (d.contains(":")) {
                String now = inbound(d);
                assertNotEquals(failed, now);
                Await.until(() -> "unsolicited NA for " + d + " from " + now + " (" + mac(now) + "): "
                                + clientNd.stdoutLines().subList(ndFrom, clientNd.stdoutLines().size()), Duration.ofSeconds(5),
                        () -> clientNd.stdoutLines().stream().skip(ndFrom)
                                .anyMatch(l -> l.startsWith(mac(now) + " > ") && l.contains(d + " > ff02::1:")
                                        && l.contains("neighbor advertisement, tgt is " + d + ",")));
                continue;
            }
            String now = inbound(d);
            assertNotEquals(failed, now);
            String needle = "who-has " + d + " tell " + d;
            Await.until(() -> "gratuitous ARP for " + d + " from " + now + " (" + mac(now) + "): "
                            + clientArp.stdoutLines().subList(from, clientArp.stdoutLines().size()), Duration.ofSeconds(5),
                    () -> clientArp.stdoutLines().stream().skip(from)
                            .anyMatch(l -> l.contains(needle) && l.contains(mac(now) + " > ")));
        }
    }

    String clientNeighbour(String address) {
        Matcher m = Pattern.compile("lladdr (\\S+)").matcher(tb.ip(CLIENT, "neigh", "show", address));
        return m.find() ? m.group(1) : null;
    }

    String mac(String member) {
        if (member == null) {
            return "none";
        }
        Matcher m = Pattern.compile("link/ether (\\S+)").matcher(tb.ip(HOST, "link", "show", member));
        assertTrue(m.find(), member);
        return m.group(1);
    }

    String macs() {
        StringBuilder b = new StringBuilder();
        for (int n = 1; n <= 3; n++) {
            b.append(m(n)).append(' ').append(mac(m(n))).append('\n');
        }
        return b.toString();
    }

    int kernelIndex(String dev) {
        Matcher m = Pattern.compile("^(\\d+):").matcher(tb.ip(HOST, "-o", "link", "show", dev));
        assertTrue(m.find(), dev);
        return Integer.parseInt(m.group(1));
    }

    /**
     * ifconfig production0 (the real ipmpadm CLI) as in 1.6.3, with the device's kernel index:
     * the IPMP flag, RUNNING (members are active), the members' mtu, the data address, groupname.
     */
    void assertIfconfigIndex() {
        int index = kernelIndex(IPMP);
        Await.until(() -> "ifconfig " + IPMP + " with index " + index + ": " + daemon.ipmpadm(IPMP), Duration.ofSeconds(5),
                () -> daemon.ipmpadm(IPMP).out().matches("(?s).*\\bindex " + index + "\\b.*"));
        IpmpdProcess.ToolResult ifc = daemon.launcher("ipmpadm", IPMP);
        System.out.println("ipmpadm " + IPMP + ":\n" + ifc.out());
        assertTrue(ifc.out().startsWith(IPMP + ": flags=8001000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4,IPMP> mtu 1500 index "
                + index + "\n"), ifc.out());
        assertTrue(ifc.out().contains("inet " + DATA + " netmask ffffff00 broadcast 192.0.2.255"), ifc.out());
        assertTrue(ifc.out().contains("groupname " + IPMP), ifc.out());
    }

    void assertNoMemberEverHeldData() {
        List<String> bad = new ArrayList<>();
        for (String l : addressMonitor.stdoutLines()) {
            for (String d : datas) {
                if (l.contains(" " + d + "/") && !l.contains(" " + IPMP + " ") && !l.contains(IPMP + "\\")) {
                    bad.add(l);
                }
            }
        }
        assertEquals(List.of(), bad, "address events of data addresses outside " + IPMP + ":\n"
                + String.join("\n", addressMonitor.stdoutLines()));
    }

    // ---------------------------------------------------------------- outbound

    static final int FLOWS = 64;
    static final int PACKETS_PER_FLOW = 8;
    static final int PAYLOAD = 1000;

    /**
     * UDP flows from the data addresses to the client (distinct source ports): the kernel's
     * counters show them leaving through more than one of {@code active} when it has two or more,
     * and through none of {@code idle} (a failed member sends only its probes and ARP).
     */
    void assertOutboundSpread(List<String> active, List<String> idle) {
        assertOutboundSpread(DATAS, TutorialTestbed.CLIENT_V4, active, idle);
    }

    /** As {@link #assertOutboundSpread(List, List)}, for flows from {@code sources} (one family) to {@code to}. */
    void assertOutboundSpread(List<String> sources, String to, List<String> active, List<String> idle) {
        Map<String, Long> before = txBytes();
        String family = to.contains(":") ? "socket.AF_INET6" : "socket.AF_INET";
        String script = "import socket\n"
                + "for src in " + pyList(sources) + ":\n"
                + "  for p in range(" + FLOWS / sources.size() + "):\n"
                + "    s = socket.socket(" + family + ", socket.SOCK_DGRAM)\n"
                + "    s.bind((src, 0))\n"
                + "    for i in range(" + PACKETS_PER_FLOW + "):\n"
                + "      s.sendto(b'x' * " + PAYLOAD + ", ('" + to + "', 9000 + p))\n"
                + "    s.close()\n";
        tb.exec(HOST, TrafficScript.PYTHON, "-c", script);
        Map<String, Long> after = txBytes();
        Map<String, Long> sent = new LinkedHashMap<>();
        for (String k : after.keySet()) {
            sent.put(k, after.get(k) - before.get(k));
        }
        long total = (long) (FLOWS / sources.size()) * sources.size() * PACKETS_PER_FLOW * PAYLOAD;
        System.out.println("outbound bytes per member (" + total + " of UDP payload sent): " + sent);
        String why = "bytes sent per member " + sent + " (active " + active + ", idle " + idle + ")\n"
                + tb.ip(HOST, "rule") + "\n" + daemon.log();
        long carried = active.stream().mapToLong(sent::get).sum();
        // (not all: a member still resolving the client may drop what overflows its ARP queue)
        assertTrue(carried >= total / 2, "the active members carried the flows: " + why);
        // a share worth a few flows: hashing 64 flows over 2-3 members never leaves one with fewer
        long someFlows = 4L * PACKETS_PER_FLOW * PAYLOAD;
        long used = active.stream().filter(m -> sent.get(m) >= someFlows).count();
        assertTrue(used >= Math.min(2, active.size()), "flows spread over the active members: " + why);
        for (String m : idle) {
            assertTrue(sent.get(m) < 2L * PAYLOAD * PACKETS_PER_FLOW, "nothing but probes through " + m + ": " + why);
        }
    }

    static String pyList(List<String> l) {
        return "[" + String.join(", ", l.stream().map(s -> "'" + s + "'").toList()) + "]";
    }

    Map<String, Long> txBytes() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int n = 1; n <= 3; n++) {
            String[] lines = tb.ip(HOST, "-s", "link", "show", m(n)).split("\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                if (lines[i].trim().startsWith("TX:")) {
                    out.put(m(n), Long.parseLong(lines[i + 1].trim().split("\\s+")[0]));
                }
            }
        }
        return out;
    }
}
