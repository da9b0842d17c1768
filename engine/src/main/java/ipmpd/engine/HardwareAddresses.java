package ipmpd.engine;

import java.util.Arrays;

/**
 * in.mpathd's phyint_lookup_hwaddr(): a member's hardware address is a duplicate only of an
 * online member's (present, not offline, not itself offlined as a duplicate). An administrator's
 * offline therefore never makes another member a duplicate, and undoing an offline is refused
 * while an online member has the same address.
 */
final class HardwareAddresses {
    /** What if_mpadm -r prints (and exits 1) for such a member. */
    static String undoOfflineRefusal(String ifname) {
        return "if_mpadm: fatal: cannot undo-offline " + ifname + ": interface has duplicate hardware address";
    }

    private HardwareAddresses() {
    }

    /** Another online member of the group with the same hardware address as {@code p}, or null. */
    static Phyint onlineDuplicate(Group g, Phyint p) {
        if (g == null || p.mac == null) {
            return null;
        }
        for (Phyint q : g.members) {
            if (q != p && q.present && !q.offline() && !q.hwDup && Arrays.equals(p.mac, q.mac)) {
                return q;
            }
        }
        return null;
    }
}
