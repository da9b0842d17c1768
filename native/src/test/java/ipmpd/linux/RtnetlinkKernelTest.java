package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** rtnetlink against the real kernel, inside the namespaces of a {@link NetnsLab}. */
class RtnetlinkKernelTest {
    private static NetnsLab lab;
    private static Rtnetlink rt;
    private static int h1;
    private static int h2;
    /** A gateway outside every connected prefix of the lab (reached only with onlink). */
    private static final String P_V4_ALT = "203.0.113.254";

    @BeforeAll
    static void setUp() throws Exception {
        lab = NetnsLab.create();
        rt = lab.in(lab.host, Rtnetlink::open);
        h1 = lab.in(lab.host, () -> Interfaces.index("h1"));
        h2 = lab.in(lab.host, () -> Interfaces.index("h2"));
    }

    @AfterAll
    static void tearDown() {
        if (rt != null) {
            rt.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    /** Reads events until one matches, failing after the timeout. */
    static RtEvent awaitEvent(RtnetlinkMonitor mon, long timeoutMillis, Predicate<RtEvent> match) throws Exception {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        List<RtEvent> seen = new ArrayList<>();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                fail("no matching event within " + timeoutMillis + " ms; saw " + seen);
            }
            for (RtEvent e : mon.read(left)) {
                if (match.test(e)) {
                    return e;
                }
                seen.add(e);
            }
        }
    }

    @Test
    void linkDumpShowsInterfacesWithTheirAttributes() throws Exception {
        List<LinkInfo> links = rt.dumpLinks();
        LinkInfo l1 = links.stream().filter(l -> l.name().equals("h1")).findFirst().orElseThrow();
        assertEquals(h1, l1.index());
        assertEquals("veth", l1.kind());
        assertEquals(1500, l1.mtu());
        assertEquals(1, l1.type()); // ARPHRD_ETHER
        assertTrue(l1.isUp() && l1.isRunning() && l1.isLowerUp() && l1.carrier() && l1.isMulticast());
        assertEquals(OperState.UP, l1.operState());
        assertTrue(l1.carrierChanges() >= 1);
        assertEquals(lab.in(lab.host, () -> Interfaces.hardwareAddress("h1")), l1.address());
        LinkInfo lo = links.stream().filter(l -> l.name().equals("lo")).findFirst().orElseThrow();
        assertTrue(lo.isLoopback());
        LinkInfo got = rt.getLink(h1).orElseThrow();
        assertEquals("h1", got.name());
        assertEquals(l1.address(), got.address());
        assertTrue(rt.getLink(999_999).isEmpty());
    }

    @Test
    void linkStatisticsCountWhatCrossesTheLinkAndShowTheLinksAttributes() throws Exception {
        LinkInfo l1 = rt.dumpLinks().stream().filter(l -> l.name().equals("h1")).findFirst().orElseThrow();
        LinkStatistics before = statisticsOf("h1");
        assertEquals(h1, before.index());
        assertEquals(1500, before.mtu());
        assertEquals(l1.address(), before.address());
        assertEquals("veth", before.kind());
        assertFalse(before.isPromiscuous());
        assertTrue(before.isEthernet());
        lab.ip(lab.host, "link set h1 alias uplink-a");
        NetnsLab.run("ip", "netns", "exec", lab.host, "ping", "-c", "3", "-i", "0.01", "-s", "1000", "-I", "h1",
                NetnsLab.P_V4);
        LinkStatistics after = statisticsOf("h1");
        assertEquals("uplink-a", after.alias());
        assertTrue(after.txPackets() >= before.txPackets() + 3, before + " -> " + after);
        assertTrue(after.rxPackets() >= before.rxPackets() + 3, before + " -> " + after);
        assertTrue(after.txBytes() >= before.txBytes() + 3 * 1000, before + " -> " + after);
        assertTrue(after.rxBytes() >= before.rxBytes() + 3 * 1000, before + " -> " + after);
        assertEquals(0, after.rxErrors() + after.txErrors());
        try (EthtoolLink e = lab.in(lab.host, EthtoolLink::open)) {
            assertEquals(10_000, e.speedMbps("h1"), "veth reports 10 Gb/s");
            assertEquals(-1, e.speedMbps("no-such-if0"));
            assertEquals(Errno.ENODEV, e.lastErrno());
            assertEquals(EthtoolLink.UP, e.link("h1"), "the link query still works after a speed query");
        }
    }

    private static LinkStatistics statisticsOf(String name) throws Exception {
        return rt.dumpLinkStatistics().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void linkDownInPeerNamespaceIsReported() throws Exception {
        try (RtnetlinkMonitor mon = lab.in(lab.host, RtnetlinkMonitor::open)) {
            long start = System.nanoTime();
            lab.ip(lab.peer, "link set p2 down");
            long commandDone = System.nanoTime();
            RtEvent.Link down = (RtEvent.Link) awaitEvent(mon, 5000, e -> e instanceof RtEvent.Link
                    && ((RtEvent.Link) e).info().index() == h2 && !((RtEvent.Link) e).info().isLowerUp());
            long seen = System.nanoTime();
            assertFalse(down.info().carrier());
            assertFalse(down.info().isRunning());
            assertNotEquals(OperState.UP, down.info().operState());
            assertTrue(down.info().isUp(), "administratively still up");
            // Reported, not asserted: how soon the event is read depends on the machine's load.
            System.out.println("RtnetlinkKernelTest: link-down event " + (seen - commandDone) / 1_000_000L
                    + " ms after ip(8) returned (it took " + (commandDone - start) / 1_000_000L + " ms)");

            lab.ip(lab.peer, "link set p2 up");
            RtEvent.Link up = (RtEvent.Link) awaitEvent(mon, 5000, e -> e instanceof RtEvent.Link
                    && ((RtEvent.Link) e).info().index() == h2 && ((RtEvent.Link) e).info().isLowerUp());
            assertTrue(up.info().carrier());
            assertTrue(up.info().carrierChanges() > down.info().carrierChanges());
        }
    }

    private static AddrInfo find(List<AddrInfo> all, String address) throws Exception {
        InetAddress a = ip(address);
        return all.stream().filter(x -> x.address().equals(a)).findFirst().orElse(null);
    }

    @Test
    void addressWithLabelIsAddedAndDeletedAndSeenInDumpAndEvents() throws Exception {
        AddrInfo req = AddrInfo.of(h1, ip("192.0.2.50"), 24).withLabel("h1:2");
        try (RtnetlinkMonitor mon = lab.in(lab.host, RtnetlinkMonitor::open)) {
            rt.addAddress(req);
            try {
                awaitEvent(mon, 5000, e -> e instanceof RtEvent.Address && ((RtEvent.Address) e).kind() == RtEvent.Kind.NEW
                        && ((RtEvent.Address) e).info().address().equals(req.address()));
                AddrInfo got = find(rt.dumpAddresses(LibC.AF_INET), "192.0.2.50");
                assertNotNull(got, "address in dump");
                assertEquals("h1:2", got.label());
                assertEquals(24, got.prefixLen());
                assertEquals(h1, got.index());
                assertEquals(LibC.AF_INET, got.family());
                assertEquals(Rtnl.RT_SCOPE_UNIVERSE, got.scope());
                assertTrue(got.isSecondary(), "second address in 192.0.2.0/24 on h1");
                assertTrue(lab.ip(lab.host, "-4 addr show dev h1").contains("192.0.2.50/24 brd 192.0.2.255 scope global secondary h1:2"));

                NativeIOException dup = assertThrows(NativeIOException.class, () -> rt.addAddress(req));
                assertEquals(Errno.EEXIST, dup.errno());
            } finally {
                rt.deleteAddress(req);
            }
            awaitEvent(mon, 5000, e -> e instanceof RtEvent.Address && ((RtEvent.Address) e).kind() == RtEvent.Kind.DEL
                    && ((RtEvent.Address) e).info().address().equals(req.address()));
            assertNull(find(rt.dumpAddresses(), "192.0.2.50"));
            NativeIOException gone = assertThrows(NativeIOException.class, () -> rt.deleteAddress(req));
            assertEquals(Errno.EADDRNOTAVAIL, gone.errno());
        }
    }

    @Test
    void ipv6NodadAddressIsUsableAtOnceWhileDadIsOn() throws Exception {
        lab.sysctl(lab.host, "net.ipv6.conf.h1.accept_dad=1"); // the lab turns DAD off; this test needs it on
        AddrInfo nodad = AddrInfo.of(h1, ip("2001:db8::50"), 64).withFlags(Rtnl.IFA_F_NODAD);
        AddrInfo withDad = AddrInfo.of(h1, ip("2001:db8::51"), 64);
        try {
            rt.addAddress(nodad);
            rt.addAddress(withDad);
            List<AddrInfo> all = rt.dumpAddresses(LibC.AF_INET6);
            AddrInfo a = find(all, "2001:db8::50");
            assertNotNull(a);
            assertEquals(LibC.AF_INET6, a.family());
            assertTrue((a.flags() & Rtnl.IFA_F_NODAD) != 0, "NODAD flag reported");
            assertFalse(a.isTentative(), "NODAD address is not tentative");
            AddrInfo b = find(all, "2001:db8::51");
            assertTrue(b.isTentative(), "without NODAD the address starts tentative (DAD really on)");
            assertNull(b.label());
        } finally {
            rt.deleteAddress(nodad);
            rt.deleteAddress(withDad);
            lab.sysctl(lab.host, "net.ipv6.conf.h1.accept_dad=0");
        }
    }

    @Test
    void noPrefixRouteAddressesGetNoConnectedRoute() throws Exception {
        AddrInfo v4 = AddrInfo.of(h2, ip("198.51.100.5"), 24).withFlags(Rtnl.IFA_F_NOPREFIXROUTE).withLabel("h2:np");
        AddrInfo v6 = AddrInfo.of(h2, ip("2001:db8:1::5"), 64).withFlags(Rtnl.IFA_F_NOPREFIXROUTE | Rtnl.IFA_F_NODAD);
        rt.addAddress(v4);
        rt.addAddress(v6);
        try {
            List<AddrInfo> all = rt.dumpAddresses();
            assertTrue((find(all, "198.51.100.5").flags() & Rtnl.IFA_F_NOPREFIXROUTE) != 0);
            assertTrue((find(all, "2001:db8:1::5").flags() & Rtnl.IFA_F_NOPREFIXROUTE) != 0);
            InetAddress net4 = ip("198.51.100.0");
            InetAddress net6 = ip("2001:db8:1::");
            for (RouteInfo r : rt.dumpRoutes()) {
                assertFalse(r.dst().equals(net4) || r.dst().equals(net6), "unexpected prefix route " + r);
            }
        } finally {
            rt.deleteAddress(v4);
            rt.deleteAddress(v6);
        }
    }

    @Test
    void routeDumpShowsTheDefaultRouteViaTheRouter() throws Exception {
        RouteInfo def = rt.dumpRoutes().stream().filter(r -> r.family() == LibC.AF_INET && r.isDefault())
                .findFirst().orElseThrow();
        assertEquals(ip(NetnsLab.P_V4), def.gateway());
        assertEquals(h1, def.oif());
        assertEquals(Rtnl.RT_TABLE_MAIN, def.table());
        assertEquals(Rtnl.RTN_UNICAST, def.type());
        assertEquals(Rtnl.RTPROT_BOOT, def.protocol()); // what ip(8) uses
        assertEquals(ip("0.0.0.0"), def.dst());
        RouteInfo connected = rt.dumpRoutes().stream()
                .filter(r -> r.oif() == h1 && r.dstLen() == 24 && r.family() == LibC.AF_INET).findFirst().orElseThrow();
        assertEquals(Rtnl.RTPROT_KERNEL, connected.protocol());
        assertEquals(Rtnl.RT_SCOPE_LINK, connected.scope());
        assertEquals(ip(NetnsLab.H1_V4), connected.prefsrc());
        assertNull(connected.gateway());
        assertTrue(rt.dumpRoutes().stream().anyMatch(r -> r.family() == LibC.AF_INET6 && r.oif() == h1
                && r.dstLen() == 64 && r.dst().equals(ipUnchecked("fe80::"))), "IPv6 link-local route");
    }

    private static InetAddress ipUnchecked(String s) {
        try {
            return ip(s);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void routeIsAddedReplacedAndDeleted() throws Exception {
        RouteInfo r = RouteInfo.to(ip("198.51.100.0"), 24).gateway(ip(NetnsLab.P_V4)).oif(h1).metric(100)
                .prefsrc(ip(NetnsLab.H1_V4)).build();
        try (RtnetlinkMonitor mon = lab.in(lab.host, RtnetlinkMonitor::open)) {
            rt.addRoute(r);
            RtEvent.Route ev = (RtEvent.Route) awaitEvent(mon, 5000, e -> e instanceof RtEvent.Route
                    && ((RtEvent.Route) e).info().dstLen() == 24 && ((RtEvent.Route) e).info().priority() == 100);
            assertEquals(RtEvent.Kind.NEW, ev.kind());
            RouteInfo got = find(rt.dumpRoutes(), "198.51.100.0", 24);
            assertEquals(ip(NetnsLab.P_V4), got.gateway());
            assertEquals(ip(NetnsLab.H1_V4), got.prefsrc());
            assertEquals(100, got.priority());
            assertEquals(Rtnl.RTPROT_STATIC, got.protocol());
            assertEquals(Rtnl.RT_SCOPE_UNIVERSE, got.scope());
            assertEquals(Errno.EEXIST, assertThrows(NativeIOException.class, () -> rt.addRoute(r)).errno());

            RouteInfo moved = RouteInfo.to(ip("198.51.100.0"), 24).gateway(ip(NetnsLab.N_V4)).oif(h2).metric(100).build();
            rt.replaceRoute(moved);
            got = find(rt.dumpRoutes(), "198.51.100.0", 24);
            assertEquals(ip(NetnsLab.N_V4), got.gateway());
            assertEquals(h2, got.oif());
            assertNull(got.prefsrc());

            rt.deleteRoute(got);
            awaitEvent(mon, 5000, e -> e instanceof RtEvent.Route && ((RtEvent.Route) e).kind() == RtEvent.Kind.DEL
                    && ((RtEvent.Route) e).info().dstLen() == 24 && ((RtEvent.Route) e).info().priority() == 100);
            assertNull(find(rt.dumpRoutes(), "198.51.100.0", 24));
            assertEquals(Errno.ESRCH, assertThrows(NativeIOException.class, () -> rt.deleteRoute(moved)).errno());
        }
    }

    @Test
    void routesInOtherTablesAndIpv6ViaLinkLocalGateway() throws Exception {
        InetAddress router = lab.linkLocal(lab.peer, "br0");
        InetAddress gw = InetAddress.getByAddress(router.getAddress()); // scope comes from oif
        RouteInfo v6 = RouteInfo.defaultRoute(LibC.AF_INET6).gateway(gw).oif(h1).metric(1024).table(1000).build();
        RouteInfo direct = RouteInfo.to(ip("203.0.113.0"), 24).oif(h2).table(1000).build();
        rt.addRoute(v6);
        rt.addRoute(direct);
        try {
            List<RouteInfo> t1000 = new ArrayList<>(rt.dumpRoutes(LibC.AF_INET6, 1000));
            t1000.addAll(rt.dumpRoutes(LibC.AF_INET, 1000));
            RouteInfo got6 = t1000.stream().filter(x -> x.family() == LibC.AF_INET6).findFirst().orElseThrow();
            assertTrue(got6.isDefault());
            assertEquals(gw, got6.gateway());
            assertEquals(1000, got6.table());
            RouteInfo got4 = t1000.stream().filter(x -> x.family() == LibC.AF_INET).findFirst().orElseThrow();
            assertEquals(Rtnl.RT_SCOPE_LINK, got4.scope());
            assertEquals(h2, got4.oif());
            assertNull(find(rt.dumpRoutes(), "203.0.113.0", 24), "not in the main table");
            String shown = lab.ip(lab.host, "-6 route show table 1000");
            assertTrue(shown.startsWith("default via fe80::") && shown.contains("dev h1 proto static metric 1024"), shown);
        } finally {
            rt.deleteRoute(v6);
            rt.deleteRoute(direct);
        }
    }

    @Test
    void multipathRouteIsDecodedWithItsNextHopsAndOnlinkRoutesAreAdded() throws Exception {
        lab.ip(lab.host, "route add 198.51.100.0/24 proto static nexthop via " + P_V4_ALT + " dev h1 onlink"
                + " nexthop via " + NetnsLab.N_V4 + " dev h2");
        RouteInfo onlink = RouteInfo.to(ip("203.0.113.0"), 24).gateway(ip("203.0.113.1")).oif(h2).table(1001)
                .onlink().build();
        try {
            RouteInfo mp = find(rt.dumpRoutes(), "198.51.100.0", 24);
            assertNull(mp.gateway());
            assertEquals(0, mp.oif());
            assertEquals(List.of(new RouteInfo.NextHop(ip(P_V4_ALT), h1, Rtnl.RTNH_F_ONLINK),
                    new RouteInfo.NextHop(ip(NetnsLab.N_V4), h2, 0)), mp.nexthops());
            // 203.0.113.1 is on no prefix route: accepted only as on-link.
            assertEquals(Errno.ENETUNREACH, assertThrows(NativeIOException.class,
                    () -> rt.addRoute(onlink.withOnlink(false))).errno());
            rt.addRoute(onlink);
            RouteInfo got = rt.dumpRoutes(LibC.AF_INET, 1001).get(0);
            assertTrue(got.onlink());
            assertEquals(ip("203.0.113.1"), got.gateway());
            assertTrue(rt.dumpRoutes(LibC.AF_INET, 1002).isEmpty(), "a table that does not exist is empty");
        } finally {
            lab.ip(lab.host, "route del 198.51.100.0/24");
            rt.deleteRoute(onlink);
        }
    }

    private static RouteInfo find(List<RouteInfo> routes, String dst, int len) throws Exception {
        InetAddress d = ip(dst);
        return routes.stream().filter(r -> r.dst().equals(d) && r.dstLen() == len).findFirst().orElse(null);
    }

    @Test
    void kernelErrorsCarryErrnoAndExplanation() throws Exception {
        RouteInfo bad = RouteInfo.to(ip("198.51.100.0"), 24).gateway(ip("203.0.113.1")).build();
        NativeIOException e = assertThrows(NativeIOException.class, () -> rt.addRoute(bad));
        assertEquals(Errno.ENETUNREACH, e.errno());
        assertTrue(e.getMessage().contains("Network is unreachable"), e.getMessage());
        assertTrue(e.getMessage().contains("add route 198.51.100.0/24 via 203.0.113.1"), e.getMessage());
        // Extended ack: the kernel says why, beyond strerror.
        assertTrue(e.getMessage().toLowerCase().contains("gateway"), e.getMessage());
    }

    @Test
    void sourceRuleIsAddedAndDeleted() throws Exception {
        RuleInfo rule = RuleInfo.fromSource(ip("192.0.2.100"), 32, 100, 1000);
        RuleInfo rule6 = RuleInfo.fromSource(ip("2001:db8::100"), 128, 100, 1000);
        rt.addRule(rule);
        rt.addRule(rule6);
        try {
            RuleInfo got = rt.dumpRules(LibC.AF_INET).stream().filter(r -> r.priority() == 1000).findFirst().orElseThrow();
            assertEquals(rule, got);
            assertEquals(rule6, rt.dumpRules(LibC.AF_INET6).stream().filter(r -> r.priority() == 1000).findFirst().orElseThrow());
            assertTrue(lab.ip(lab.host, "rule show").contains("1000:\tfrom 192.0.2.100 lookup 100".replace("\\t", "\t")));
            assertEquals(Errno.EEXIST, assertThrows(NativeIOException.class, () -> rt.addRule(rule)).errno());
        } finally {
            rt.deleteRule(rule);
            rt.deleteRule(rule6);
        }
        assertTrue(rt.dumpRules(LibC.AF_INET).stream().noneMatch(r -> r.priority() == 1000));
    }

    @Test
    void receiveBufferOverflowIsReportedAsResyncNeeded() throws Exception {
        // A tiny buffer (the kernel rounds it up to its minimum) overflows after a few events.
        try (RtnetlinkMonitor mon = lab.in(lab.host, () -> RtnetlinkMonitor.open(RtnetlinkMonitor.DEFAULT_GROUPS, 1))) {
            List<AddrInfo> added = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    AddrInfo a = AddrInfo.of(h2, ip("203.0.113." + (10 + i)), 32);
                    rt.addAddress(a);
                    added.add(a);
                }
            } finally {
                for (AddrInfo a : added) {
                    rt.deleteAddress(a);
                }
            }
            List<RtEvent> events = mon.read(1000);
            assertTrue(events.stream().anyMatch(e -> e instanceof RtEvent.ResyncNeeded), "events: " + events.size());
            // The socket remains usable afterwards.
            lab.ip(lab.peer, "link set p2 down");
            lab.ip(lab.peer, "link set p2 up");
            awaitEvent(mon, 5000, e -> e instanceof RtEvent.Link && ((RtEvent.Link) e).info().index() == h2);
        }
    }
}
