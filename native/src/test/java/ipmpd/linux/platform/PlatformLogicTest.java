package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.Family;
import ipmpd.engine.Platform.AddressPlacement;
import ipmpd.engine.Route;
import ipmpd.linux.LibC;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnl;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure parts of the Linux platform: labels, prefixes, member tables, route conversion. */
class PlatformLogicTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static RouteInfo main(String dst, int len, String gw, int oif, int proto, int metric) throws Exception {
        int family = dst.contains(":") ? LibC.AF_INET6 : LibC.AF_INET;
        return new RouteInfo(family, ip(dst), len, gw == null ? null : ip(gw), oif, Rtnl.RT_TABLE_MAIN, proto,
                Rtnl.RTN_UNICAST, gw == null ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE, metric, null);
    }

    @Test
    void labelsAreLogicalNamesUpTo15Characters() throws Exception {
        assertEquals("eth1", LinuxPlatform.label(new AddressPlacement("eth1", 0, Family.INET, ip("192.0.2.1"), 24, false)));
        assertEquals("eth1:3", LinuxPlatform.label(new AddressPlacement("eth1", 3, Family.INET, ip("192.0.2.1"), 24, false)));
        assertEquals("enp0s31f6:12", LinuxPlatform.label(
                new AddressPlacement("enp0s31f6", 12, Family.INET, ip("192.0.2.1"), 24, false)));
        assertNull(LinuxPlatform.label(new AddressPlacement("enx00e04c680001", 1, Family.INET, ip("192.0.2.1"), 24, false)));
    }

    @Test
    void prefixesZeroTheHostBits() throws Exception {
        assertEquals(new SourceSteering.Prefix(ip("192.0.2.0"), 24), SourceSteering.Prefix.of(ip("192.0.2.77"), 24));
        assertEquals(new SourceSteering.Prefix(ip("192.0.2.64"), 26), SourceSteering.Prefix.of(ip("192.0.2.77"), 26));
        assertEquals(new SourceSteering.Prefix(ip("2001:db8::"), 64), SourceSteering.Prefix.of(ip("2001:db8::10"), 64));
        assertEquals(new SourceSteering.Prefix(ip("2001:db8:0:10::"), 60), SourceSteering.Prefix.of(ip("2001:db8:0:1f::1"), 60));
    }

    @Test
    void memberTableRewritesTheGroupsRoutesOntoTheMember() throws Exception {
        int m1 = 2;
        int m2 = 3;
        int other = 4;
        List<RouteInfo> mainTable = List.of(
                main("192.0.2.0", 24, null, m1, Rtnl.RTPROT_KERNEL, 0),
                main("192.0.2.0", 24, null, m2, Rtnl.RTPROT_KERNEL, 0),
                main("0.0.0.0", 0, "192.0.2.1", m1, Rtnl.RTPROT_BOOT, 0),
                main("198.51.100.0", 24, null, other, Rtnl.RTPROT_KERNEL, 0),
                main("192.0.2.0", 24, null, m2, PrefixRoutes.RTPROT_IPMPD, 1),
                main("2001:db8::", 64, null, m1, Rtnl.RTPROT_KERNEL, 256),
                new RouteInfo(LibC.AF_INET, ip("203.0.113.0"), 24, null, 0, Rtnl.RT_TABLE_MAIN, Rtnl.RTPROT_BOOT,
                        Rtnl.RTN_UNICAST, 0, 0, null), // multipath: no single oif
                new RouteInfo(LibC.AF_INET, ip("203.0.113.128"), 25, null, 0, Rtnl.RT_TABLE_MAIN, Rtnl.RTPROT_BOOT,
                        Rtnl.RTN_BLACKHOLE, 0, 0, null));
        List<RouteInfo> t = SourceSteering.memberTable(mainTable, Set.of(m1, m2), m2, 30003,
                List.of(SourceSteering.Prefix.of(ip("192.0.2.10"), 24), SourceSteering.Prefix.of(ip("2001:db8::10"), 64)));
        List<String> shown = t.stream().map(r -> r.dst().getHostAddress() + "/" + r.dstLen()
                + (r.gateway() == null ? "" : " via " + r.gateway().getHostAddress()) + " oif " + r.oif()
                + " metric " + r.priority() + " type " + r.type()).toList();
        assertEquals(List.of(
                "192.0.2.0/24 oif 3 metric 0 type 1",
                "2001:db8:0:0:0:0:0:0/64 oif 3 metric 256 type 1",
                "198.51.100.0/24 oif 4 metric 0 type 1",
                "203.0.113.128/25 oif 0 metric 0 type 6",
                "0.0.0.0/0 via 192.0.2.1 oif 3 metric 0 type 1"), shown);
        assertTrue(t.stream().allMatch(r -> r.table() == 30003 && r.prefsrc() == null));
    }

    @Test
    void theEngineGetsDefaultAndGatewayHostRoutes() throws Exception {
        List<RouteInfo> mainTable = List.of(
                main("0.0.0.0", 0, "192.0.2.1", 2, Rtnl.RTPROT_BOOT, 0),
                main("0.0.0.0", 0, "192.0.2.1", 3, Rtnl.RTPROT_BOOT, 5),
                main("192.0.2.0", 24, null, 2, Rtnl.RTPROT_KERNEL, 0),
                main("203.0.113.0", 24, "192.0.2.1", 2, Rtnl.RTPROT_BOOT, 0),
                main("203.0.113.9", 32, "203.0.113.9", 2, Rtnl.RTPROT_BOOT, 0),
                main("::", 0, "fe80::1", 2, Rtnl.RTPROT_RA, 1024));
        assertEquals(List.of(new Route(ip("0.0.0.0"), 0, ip("192.0.2.1")),
                new Route(ip("203.0.113.9"), 32, ip("203.0.113.9")),
                new Route(ip("::"), 0, ip("fe80::1"))), LinuxEvents.engineRoutes(mainTable));
    }

    @Test
    void theEngineGetsEveryRouterOfAMultipathDefaultRoute() throws Exception {
        RouteInfo multipath = new RouteInfo(LibC.AF_INET, ip("0.0.0.0"), 0, null, 0, Rtnl.RT_TABLE_MAIN,
                Rtnl.RTPROT_BOOT, Rtnl.RTN_UNICAST, Rtnl.RT_SCOPE_UNIVERSE, 0, null, 0, List.of(
                new RouteInfo.NextHop(ip("192.0.2.1"), 2, Rtnl.RTNH_F_ONLINK),
                new RouteInfo.NextHop(ip("192.0.2.1"), 3, Rtnl.RTNH_F_ONLINK),
                new RouteInfo.NextHop(ip("192.0.2.2"), 4, 0)));
        assertEquals(List.of(new Route(ip("0.0.0.0"), 0, ip("192.0.2.1")), new Route(ip("0.0.0.0"), 0, ip("192.0.2.2"))),
                LinuxEvents.engineRoutes(List.of(multipath)));
    }

    @Test
    void memberTableTakesTheGroupsHopOfAMultipathRouteAndKeepsOnlink() throws Exception {
        int m1 = 2;
        int m2 = 3;
        int other = 9;
        RouteInfo multipath = new RouteInfo(LibC.AF_INET, ip("0.0.0.0"), 0, null, 0, Rtnl.RT_TABLE_MAIN,
                Rtnl.RTPROT_BOOT, Rtnl.RTN_UNICAST, Rtnl.RT_SCOPE_UNIVERSE, 0, null, 0, List.of(
                new RouteInfo.NextHop(ip("198.51.100.1"), other, 0),
                new RouteInfo.NextHop(ip("192.0.2.1"), m1, Rtnl.RTNH_F_ONLINK)));
        List<RouteInfo> t = SourceSteering.memberTable(List.of(multipath), Set.of(m1, m2), m2, 30003,
                List.of(SourceSteering.Prefix.of(ip("192.0.2.10"), 24)));
        RouteInfo def = t.stream().filter(RouteInfo::isDefault).findFirst().orElseThrow();
        assertEquals(ip("192.0.2.1"), def.gateway());
        assertEquals(m2, def.oif());
        assertTrue(def.onlink());
        assertTrue(def.nexthops().isEmpty());
        // A multipath route with no hop through the group is left to the main table.
        RouteInfo elsewhere = new RouteInfo(LibC.AF_INET, ip("0.0.0.0"), 0, null, 0, Rtnl.RT_TABLE_MAIN,
                Rtnl.RTPROT_BOOT, Rtnl.RTN_UNICAST, Rtnl.RT_SCOPE_UNIVERSE, 0, null, 0, List.of(
                new RouteInfo.NextHop(ip("198.51.100.1"), other, 0)));
        assertTrue(SourceSteering.memberTable(List.of(elsewhere), Set.of(m1, m2), m2, 30003, List.of()).isEmpty());
    }

    @Test
    void memberTableMarksAGatewayItsTableDoesNotCoverOnlink() throws Exception {
        int m1 = 2;
        int m2 = 3;
        // A group without data addresses (no connected prefix); main reaches the gateway through
        // m1's prefix route, which the copy for m2 lacks: without onlink the kernel says
        // "Network is unreachable".
        List<RouteInfo> mainTable = List.of(
                main("0.0.0.0", 0, "203.0.113.1", m1, Rtnl.RTPROT_BOOT, 0),
                main("2001:db8::", 0, "fe80::1", m1, Rtnl.RTPROT_BOOT, 1024));
        List<RouteInfo> t = SourceSteering.memberTable(mainTable, Set.of(m1, m2), m2, 30003, List.of());
        RouteInfo v4 = t.stream().filter(r -> r.family() == LibC.AF_INET).findFirst().orElseThrow();
        assertTrue(v4.onlink());
        RouteInfo v6 = t.stream().filter(r -> r.family() == LibC.AF_INET6).findFirst().orElseThrow();
        assertTrue(!v6.onlink(), "a link-local gateway is on the link by definition");
        // Covered by a connected prefix of the group: no flag needed.
        List<RouteInfo> covered = SourceSteering.memberTable(mainTable, Set.of(m1, m2), m2, 30003,
                List.of(SourceSteering.Prefix.of(ip("203.0.113.10"), 24)));
        assertTrue(covered.stream().filter(RouteInfo::isDefault).noneMatch(RouteInfo::onlink));
    }
}
