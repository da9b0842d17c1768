package ipmpd.linux.platform;

import ipmpd.linux.LinkInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What a member joining a group says about the links under the group (seeds 002/003: link failure
 * is per physical link, probing per VLAN link). Two cases leave a group without the redundancy its
 * administrator expects:
 * <ul>
 * <li>two members on one physical link (stacked on one lower device, or one stacked on the other)
 * fail together;
 * <li>two VLAN members with different VLAN IDs are on different IP links (seed 003: "mixing VLANs
 * that belong to different links into an IPMP group"): an address failed over from one cannot be
 * reached on the other.
 * </ul>
 * in.mpathd has no message for either (illumos checks neither); the wording follows its "NIC IF of
 * group G ... may affect failover capability".
 */
final class MemberLinkCheck {
    private MemberLinkCheck() {
    }

    /**
     * @param joining    the joining member's link
     * @param group      its group
     * @param others     the group's other members by name, with their links
     * @param nameOfIndex the name of an interface index (the shared lower device's, for the message)
     * @return one line per other member the joining one conflicts with, empty when none
     */
    static List<String> warnings(LinkInfo joining, String group, Map<String, LinkInfo> others,
            IntFunction<String> nameOfIndex) {
        List<String> out = new ArrayList<>();
        String me = joining.name();
        for (Map.Entry<String, LinkInfo> o : others.entrySet()) {
            String them = o.getKey();
            LinkInfo other = o.getValue();
            if (them.equals(me)) {
                continue;
            }
            int physical = joining.physicalIndex();
            if (other.physicalIndex() == physical) {
                String lower = physical == joining.index() ? me
                        : physical == other.index() ? them : nameOfIndex.apply(physical);
                out.add("NIC " + me + " and NIC " + them + " of group " + group
                        + " share the physical link " + lower + ": a failure of " + lower
                        + " fails both (no redundancy between them)");
            }
            if (joining.isVlan() && other.isVlan() && joining.vlanId() != other.vlanId()) {
                out.add("NIC " + me + " (VLAN " + joining.vlanId() + ") and NIC " + them + " (VLAN "
                        + other.vlanId() + ") of group " + group + " are VLANs that belong to different links:"
                        + " they cannot be on the same IP link, which may affect failover capability");
            }
        }
        return out;
    }
}
