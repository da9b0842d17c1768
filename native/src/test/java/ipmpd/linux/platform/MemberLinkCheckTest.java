package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.linux.LinkInfo;
import ipmpd.linux.OperState;
import ipmpd.linux.Rtnl;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The warnings a joining member's link gives, from the links of the group's members. */
class MemberLinkCheckTest {
    private static final int UP = Rtnl.IFF_UP | Rtnl.IFF_RUNNING | Rtnl.IFF_LOWER_UP;

    /** A NIC with index {@code index}; stacked on {@code lower} (0: none); a VLAN of {@code vlanId} or not. */
    private static LinkInfo link(int index, String name, String kind, int lower, int vlanId) {
        return new LinkInfo(index, name, 1, UP, OperState.UP, true, 0, 1500, null, kind, 0, lower, vlanId);
    }

    private static List<String> check(LinkInfo joining, LinkInfo... others) {
        Map<String, LinkInfo> m = new TreeMap<>();
        for (LinkInfo o : others) {
            m.put(o.name(), o);
        }
        return MemberLinkCheck.warnings(joining, "prod", m, i -> "if" + i);
    }

    @Test
    void vlansOfDifferentIdsOnTwoPhysicalLinksAreNamedWithBothIds() {
        List<String> w = check(link(21, "bge2000", "vlan", 3, 2000), link(20, "bge1000", "vlan", 2, 1000));
        assertEquals(List.of("NIC bge2000 (VLAN 2000) and NIC bge1000 (VLAN 1000) of group prod are VLANs that"
                + " belong to different links: they cannot be on the same IP link, which may affect failover"
                + " capability"), w);
    }

    @Test
    void vlansOfOneIdOnTwoPhysicalLinksAreTheRecommendedLayout() {
        assertEquals(List.of(), check(link(21, "bge1001", "vlan", 3, 1000), link(20, "bge1000", "vlan", 2, 1000)));
    }

    @Test
    void aVlanBesideAPlainNicOrAMacvlanIsNotComparedById() {
        assertEquals(List.of(), check(link(21, "bge1000", "vlan", 3, 1000), link(2, "bge0", null, 0, LinkInfo.NO_VLAN),
                link(30, "mv0", "macvlan", 4, LinkInfo.NO_VLAN)));
    }

    @Test
    void vlanZeroDiffersFromVlanOne() {
        assertEquals(1, check(link(21, "a", "vlan", 3, 0), link(20, "b", "vlan", 2, 1)).size());
    }

    @Test
    void vlansOfDifferentIdsOnOneLowerDeviceGetBothWarnings() {
        List<String> w = check(link(21, "bge2000", "vlan", 2, 2000), link(20, "bge1000", "vlan", 2, 1000));
        assertEquals(2, w.size(), w.toString());
        assertEquals("NIC bge2000 and NIC bge1000 of group prod share the physical link if2: a failure of if2"
                + " fails both (no redundancy between them)", w.get(0));
        assertTrue(w.get(1).contains("(VLAN 2000) and NIC bge1000 (VLAN 1000)"), w.get(1));
    }

    @Test
    void aMemberStackedOnAnotherNamesTheLowerOneAndItselfIsIgnored() {
        LinkInfo lowerNic = link(2, "bge0", null, 0, LinkInfo.NO_VLAN);
        LinkInfo vlan = link(20, "bge1000", "vlan", 2, 1000);
        assertEquals(List.of("NIC bge1000 and NIC bge0 of group prod share the physical link bge0: a failure of bge0"
                + " fails both (no redundancy between them)"), check(vlan, lowerNic, vlan));
    }
}
