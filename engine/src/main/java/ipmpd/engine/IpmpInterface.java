package ipmpd.engine;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * New IPMP (Solaris 11): the IPMP interface of a group. A virtual interface in front of the
 * members that holds the group's data addresses; they never move from it. Each UP data address is
 * answered (bound inbound) by one active member; outbound traffic leaves through every active one.
 */
final class IpmpInterface {
    final String name;
    String group;
    /** The kernel's index of the device, once the platform reported it (0 until then). */
    int ifindex;
    /** The plumbed families and their logical interfaces (unit 0 first). */
    final Map<Family, TreeMap<Integer, LogicalIf>> lifs = new EnumMap<>(Family.class);
    /** Data address to the member bound to answer for it (only UP addresses of a group with an active member). */
    final Map<InetAddress, String> inbound = new LinkedHashMap<>();

    IpmpInterface(String name, String group) {
        this.name = name;
        this.group = group;
    }

    boolean plumbed(Family f) {
        return lifs.containsKey(f);
    }

    TreeMap<Integer, LogicalIf> lifs(Family f) {
        return lifs.get(f);
    }

    int nextFreeUnit(Family f) {
        int u = 1;
        while (lifs.get(f).containsKey(u)) {
            u++;
        }
        return u;
    }

    LogicalIf find(InetAddress a) {
        for (TreeMap<Integer, LogicalIf> m : lifs.values()) {
            for (LogicalIf l : m.values()) {
                if (a.equals(l.address)) {
                    return l;
                }
            }
        }
        return null;
    }

    /** The addresses the kernel holds on the device (set and UP), in creation order. */
    List<LogicalIf> upAddresses() {
        List<LogicalIf> out = new ArrayList<>();
        for (TreeMap<Integer, LogicalIf> m : lifs.values()) {
            for (LogicalIf l : m.values()) {
                if (l.isUp() && l.hasAddress()) {
                    out.add(l);
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.serial, b.serial));
        return out;
    }

    /** Every address that is set (UP or not), in creation order. */
    List<LogicalIf> addresses() {
        List<LogicalIf> out = new ArrayList<>();
        for (TreeMap<Integer, LogicalIf> m : lifs.values()) {
            for (LogicalIf l : m.values()) {
                if (l.hasAddress()) {
                    out.add(l);
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.serial, b.serial));
        return out;
    }
}
