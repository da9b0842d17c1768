package ipmpd.engine;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/** The IPv4 or IPv6 instance of a physical interface: its logical interfaces and its prober. */
final class Instance {
    final Phyint phyint;
    final Family family;
    final TreeMap<Integer, LogicalIf> lifs = new TreeMap<>();
    final Prober prober;

    Instance(Phyint phyint, Family family, Prober prober) {
        this.phyint = phyint;
        this.family = family;
        this.prober = prober;
    }

    LogicalIf unit0() {
        return lifs.get(0);
    }

    int nextFreeUnit() {
        int u = 1;
        while (lifs.containsKey(u)) {
            u++;
        }
        return u;
    }

    /** Whether the unit can take an address back (absent, or the placeholder left by a failover). */
    boolean unitFree(int unit) {
        LogicalIf l = lifs.get(unit);
        return l == null || (unit == 0 && l.placeholder);
    }

    List<LogicalIf> dataLifs() {
        List<LogicalIf> out = new ArrayList<>();
        for (LogicalIf l : lifs.values()) {
            if (l.isData()) {
                out.add(l);
            }
        }
        return out;
    }

    long upDataCount() {
        return lifs.values().stream().filter(l -> l.isData() && l.isUp()).count();
    }

    LogicalIf find(InetAddress a) {
        for (LogicalIf l : lifs.values()) {
            if (a.equals(l.address)) {
                return l;
            }
        }
        return null;
    }

    /**
     * The address in.mpathd would probe from: NOFAILOVER and UP; IPv4 not 0.0.0.0 (DEPRECATED
     * preferred); IPv6 the link-local address.
     */
    LogicalIf testLif() {
        LogicalIf best = null;
        for (LogicalIf l : lifs.values()) {
            if (!l.isNoFailover() || !l.isUp() || !l.hasAddress() || l.placeholder) {
                continue;
            }
            if (family == Family.INET6) {
                if (Addresses.isLinkLocal(l.address)) {
                    return l;
                }
                continue;
            }
            if (best == null || ((l.flags & Flags.DEPRECATED) != 0 && (best.flags & Flags.DEPRECATED) == 0)) {
                best = l;
            }
        }
        return best;
    }

    List<LogicalIf> sortedLifs() {
        List<LogicalIf> out = new ArrayList<>(lifs.values());
        out.sort(Comparator.comparingInt(l -> l.unit));
        return out;
    }
}
