package ipmpd.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * in.mpathd's check_config() about address families: failover needs every member of a group
 * plumbed for each family some member has. Run periodically (in.mpathd: after each interface
 * scan, at most every 20 s), never when a member joins: so a member whose hostname6 file is simply
 * read after its hostname file is never reported. Each member is reported once, and told when it
 * is consistent again; a member that leaves its group starts afresh.
 */
final class FamilyConsistency {
    static final long CHECK_INTERVAL_NS = 20_000_000_000L;

    /** Members reported, with the group they were reported in. */
    private final Map<String, String> reported = new HashMap<>();

    /** Checks every named group and logs what changed since the last check. */
    void check(Engine e) {
        reported.entrySet().removeIf(r -> {
            Phyint p = e.membership.phyints.get(r.getKey());
            return p == null || !r.getValue().equals(p.group);
        });
        List<Group> newestFirst = new ArrayList<>(e.membership.groups.values());
        Collections.reverse(newestFirst);
        for (Group g : newestFirst) {
            boolean v4 = false;
            boolean v6 = false;
            for (Phyint p : g.members) {
                v4 |= p.v4 != null;
                v6 |= p.v6 != null;
            }
            for (Phyint p : g.displayOrder()) {
                if (p.offline() || !p.present) {
                    continue; // offline members are skipped; a missing NIC is not plumbed at all
                }
                Family missing = v4 && p.v4 == null ? Family.INET : v6 && p.v6 == null ? Family.INET6 : null;
                if (missing != null) {
                    if (reported.putIfAbsent(p.name, g.name) == null) {
                        e.listener().log("NIC " + p.name + " of group " + g.name + " is not plumbed for "
                                + missing.label + " and may affect failover capability");
                    }
                } else if (reported.remove(p.name) != null) {
                    e.listener().log("NIC " + p.name + " is now consistent with group " + g.name
                            + " and failover capability is restored");
                }
            }
        }
    }
}
