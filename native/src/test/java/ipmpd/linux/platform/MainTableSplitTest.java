package ipmpd.linux.platform;

import static ipmpd.linux.platform.PlatformLogicTest.ip;
import static ipmpd.linux.platform.PlatformLogicTest.main;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.linux.LibC;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnl;
import ipmpd.linux.platform.SourceSteering.Prefix;
import ipmpd.linux.platform.SourceSteering.RouteKey;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The split of the main table that incremental member-table synchronisation relies on: for every
 * member, its specific routes plus the shared routes not through its group are exactly the table
 * {@link SourceSteering#memberTableByKey} builds from the whole main table.
 */
class MainTableSplitTest {
    /** Members 2..7 in groups {2,3,4} and {5,6}; 7 and 8 are interfaces outside any group. */
    private static final List<Set<Integer>> GROUPS = List.of(Set.of(2, 3, 4), Set.of(5, 6));

    private static Map<RouteKey, RouteInfo> bySplit(MainTableSplit split, Set<Integer> group, int member, int table,
                                                    List<Prefix> connected) {
        Map<RouteKey, RouteInfo> out = new HashMap<>(split.specific(group, member, table, connected));
        split.shared().forEach((k, r) -> {
            if (!MainTableSplit.through(r, group)) {
                assertTrue(out.put(k, MainTableSplit.inTable(r, table)) == null, "a key in both parts: " + k);
            }
        });
        return out;
    }

    private static RouteInfo randomRoute(Random rnd) throws Exception {
        int oif = 2 + rnd.nextInt(7);
        String[] nets = {"192.0.2.0", "198.51.100.0", "203.0.113.0", "203.0.113.128", "0.0.0.0"};
        String[] gateways = {"192.0.2.1", "198.51.100.1", "203.0.113.9"};
        int n = rnd.nextInt(nets.length);
        int len = nets[n].equals("0.0.0.0") ? 0 : nets[n].endsWith(".128") ? 25 : 24;
        int kind = rnd.nextInt(10);
        if (kind == 0) {
            return new RouteInfo(LibC.AF_INET, ip(nets[n]), len, null, 0, Rtnl.RT_TABLE_MAIN, Rtnl.RTPROT_BOOT,
                    Rtnl.RTN_BLACKHOLE, 0, 0, null);
        }
        if (kind == 1) {
            return new RouteInfo(LibC.AF_INET, ip(nets[n]), len, null, 0, Rtnl.RT_TABLE_MAIN, Rtnl.RTPROT_BOOT,
                    Rtnl.RTN_UNICAST, Rtnl.RT_SCOPE_UNIVERSE, rnd.nextInt(3), null, 0, List.of(
                    new RouteInfo.NextHop(ip(gateways[rnd.nextInt(3)]), 2 + rnd.nextInt(7), rnd.nextBoolean() ? Rtnl.RTNH_F_ONLINK : 0),
                    new RouteInfo.NextHop(ip(gateways[rnd.nextInt(3)]), 2 + rnd.nextInt(7), 0)));
        }
        if (kind == 2) {
            return main("2001:db8::", 64, rnd.nextBoolean() ? null : "fe80::1", oif, Rtnl.RTPROT_KERNEL, 256);
        }
        if (kind == 3) {
            return main(nets[n], len, null, oif, PrefixRoutes.RTPROT_IPMPD, 1);
        }
        String gw = rnd.nextBoolean() ? null : gateways[rnd.nextInt(gateways.length)];
        RouteInfo r = main(nets[n], len, gw, oif, rnd.nextBoolean() ? Rtnl.RTPROT_KERNEL : Rtnl.RTPROT_BOOT, rnd.nextInt(3));
        return kind == 4 && gw != null ? r.withOnlink(true) : r;
    }

    @Test
    void specificPlusSharedIsTheWholeMemberTable() throws Exception {
        Random rnd = new Random(7);
        int compared = 0;
        for (int round = 0; round < 300; round++) {
            List<RouteInfo> mainTable = new ArrayList<>();
            for (int i = rnd.nextInt(25); i > 0; i--) {
                mainTable.add(randomRoute(rnd));
            }
            MainTableSplit split = MainTableSplit.of(mainTable);
            for (Set<Integer> group : GROUPS) {
                List<Prefix> connected = rnd.nextBoolean() ? List.of() : List.of(Prefix.of(ip("192.0.2.10"), 24));
                for (int member : group) {
                    int table = 30000 + member;
                    Map<RouteKey, RouteInfo> reference = SourceSteering.memberTableByKey(mainTable, group, member, table, connected);
                    assertEquals(reference, bySplit(split, group, member, table, connected),
                            "round " + round + ", member " + member + ", main " + mainTable);
                    compared += reference.size();
                }
            }
        }
        assertTrue(compared > 3000, "routes compared: " + compared);
    }

    @Test
    void aChangeListsTheKeysDroppedAndAddedInTheNewerOrder() throws Exception {
        RouteInfo a = main("192.0.2.0", 24, null, 7, Rtnl.RTPROT_KERNEL, 0);
        RouteInfo b = main("198.51.100.0", 24, null, 7, Rtnl.RTPROT_KERNEL, 0);
        RouteInfo c = main("203.0.113.0", 24, "198.51.100.1", 7, Rtnl.RTPROT_BOOT, 0);
        RouteInfo d = main("203.0.113.128", 25, null, 8, Rtnl.RTPROT_BOOT, 0);
        MainTableSplit older = MainTableSplit.of(List.of(a, b));
        MainTableSplit newer = MainTableSplit.of(List.of(c, b, d));
        MainTableSplit.Change change = MainTableSplit.Change.between(older.shared(), newer.shared());
        // direct routes before gateway routes, as a table adds them
        assertEquals(List.of(d.dst(), c.dst()), change.added().stream().map(RouteKey::dst).toList());
        assertEquals(List.of(a.dst()), change.removed().stream().map(RouteKey::dst).toList());
        assertTrue(MainTableSplit.Change.between(newer.shared(), MainTableSplit.of(List.of(d, b, c)).shared()).none());
    }
}
