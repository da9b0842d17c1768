package ipmpd.linux.platform;

import static ipmpd.linux.platform.PlatformLogicTest.ip;
import static ipmpd.linux.platform.PlatformLogicTest.main;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.linux.LibC;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnl;
import ipmpd.linux.platform.SourceSteering.Prefix;
import ipmpd.linux.platform.SourceSteering.RouteKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a group's spread table holds ({@link SpreadTables#spreadTable}). */
class SpreadTablesTest {
    /** Group {2, 3, 4}; 7 is an interface outside it. */
    private static final Set<Integer> GROUP = Set.of(2, 3, 4);

    private static List<RouteInfo> mainTable() throws Exception {
        return List.of(
                main("192.0.2.0", 24, null, 2, Rtnl.RTPROT_KERNEL, 0),
                main("0.0.0.0", 0, "192.0.2.1", 3, Rtnl.RTPROT_BOOT, 0),
                main("203.0.113.0", 24, null, 7, Rtnl.RTPROT_KERNEL, 0),
                main("2001:db8::", 64, null, 2, Rtnl.RTPROT_KERNEL, 256),
                main("::", 0, "fe80::1", 2, Rtnl.RTPROT_BOOT, 1024),
                main("fe80::", 64, null, 2, Rtnl.RTPROT_KERNEL, 256));
    }

    private static RouteInfo find(Map<RouteKey, RouteInfo> t, String dst, int len) throws Exception {
        for (RouteInfo r : t.values()) {
            if (r.dst().equals(ip(dst)) && r.dstLen() == len) {
                return r;
            }
        }
        return null;
    }

    private static List<Integer> oifs(RouteInfo r) {
        List<Integer> out = new ArrayList<>();
        r.nexthops().forEach(h -> out.add(h.oif()));
        return out;
    }

    @Test
    void routesThroughTheGroupGoThroughEveryOutboundMemberAndOthersStayAsTheyAre() throws Exception {
        Map<RouteKey, RouteInfo> t = SpreadTables.spreadTable(mainTable(), GROUP, List.of(3, 4), 1000,
                List.of(new Prefix(ip("192.0.2.0"), 24)));
        RouteInfo connected = find(t, "192.0.2.0", 24);
        assertEquals(List.of(3, 4), oifs(connected), "not through member 2: it is not outbound");
        assertTrue(connected.nexthops().stream().allMatch(h -> h.gateway() == null));
        RouteInfo def = find(t, "0.0.0.0", 0);
        assertEquals(List.of(3, 4), oifs(def));
        assertTrue(def.nexthops().stream().allMatch(h -> h.gateway().equals(ipUnchecked("192.0.2.1"))));
        RouteInfo other = find(t, "203.0.113.0", 24);
        assertEquals(7, other.oif(), "a route elsewhere is copied");
        assertTrue(other.nexthops().isEmpty());
        RouteInfo def6 = find(t, "::", 0);
        assertEquals(List.of(3, 4), oifs(def6), "IPv6 too, link-local gateway kept per member");
        assertEquals(find(t, "fe80::", 64), null, "link-local destinations are left to the main table");
        assertTrue(t.values().stream().allMatch(r -> r.table() == 1000));
    }

    @Test
    void oneOutboundMemberMeansSinglePathsThroughIt() throws Exception {
        Map<RouteKey, RouteInfo> t = SpreadTables.spreadTable(mainTable(), GROUP, List.of(4), 1000, List.of());
        for (RouteInfo r : t.values()) {
            assertTrue(r.nexthops().isEmpty(), r.toString());
        }
        assertEquals(4, find(t, "192.0.2.0", 24).oif());
        assertEquals(4, find(t, "0.0.0.0", 0).oif());
    }

    @Test
    void eachFamilyIsSpreadOverItsOwnMembers() throws Exception {
        // members 2, 3, 4 outbound; 4 is not plumbed for IPv6, 2 not for IPv4
        Map<RouteKey, RouteInfo> t = SpreadTables.spreadTable(mainTable(), GROUP, List.of(2, 3, 4),
                Map.of(LibC.AF_INET, List.of(3, 4), LibC.AF_INET6, List.of(2, 3)), 1000, List.of());
        assertEquals(List.of(3, 4), oifs(find(t, "0.0.0.0", 0)));
        assertEquals(List.of(2, 3), oifs(find(t, "::", 0)));
        assertEquals(List.of(2, 3), oifs(find(t, "2001:db8::", 64)));
        // one IPv6 member, not the first outbound one: IPv6 goes through it alone
        t = SpreadTables.spreadTable(mainTable(), GROUP, List.of(2, 4), Map.of(LibC.AF_INET6, List.of(4)), 1000, List.of());
        assertEquals(List.of(4), oifs(find(t, "::", 0)));
        assertEquals(List.of(2, 4), oifs(find(t, "0.0.0.0", 0)), "a family not named: every outbound member");
        // one IPv6 member, the first: a plain route through it
        t = SpreadTables.spreadTable(mainTable(), GROUP, List.of(2, 4), Map.of(LibC.AF_INET6, List.of(2)), 1000, List.of());
        assertEquals(2, find(t, "::", 0).oif());
        assertTrue(find(t, "::", 0).nexthops().isEmpty());
    }

    @Test
    void nextHopsCompareWithoutOrder() throws Exception {
        RouteInfo a = new RouteInfo(LibC.AF_INET, ip("0.0.0.0"), 0, null, 0, 1000, Rtnl.RTPROT_STATIC,
                Rtnl.RTN_UNICAST, 0, 0, null, 0, List.of(new RouteInfo.NextHop(null, 3, 0), new RouteInfo.NextHop(null, 4, 0)));
        RouteInfo b = new RouteInfo(LibC.AF_INET, ip("0.0.0.0"), 0, null, 0, 1000, Rtnl.RTPROT_STATIC,
                Rtnl.RTN_UNICAST, 0, 0, null, 0, List.of(new RouteInfo.NextHop(null, 4, 0), new RouteInfo.NextHop(null, 3, 0)));
        RouteInfo c = new RouteInfo(LibC.AF_INET, ip("0.0.0.0"), 0, null, 0, 1000, Rtnl.RTPROT_STATIC,
                Rtnl.RTN_UNICAST, 0, 0, null, 0, List.of(new RouteInfo.NextHop(null, 4, 0), new RouteInfo.NextHop(null, 2, 0)));
        assertTrue(SpreadTables.sameHops(a, b));
        assertFalse(SpreadTables.sameHops(a, c));
    }

    private static java.net.InetAddress ipUnchecked(String s) {
        try {
            return ip(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
