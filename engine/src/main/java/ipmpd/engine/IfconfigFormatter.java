package ipmpd.engine;

import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.IpmpInterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Renders interfaces the way Solaris ifconfig prints them. */
public final class IfconfigFormatter {
    private IfconfigFormatter() {
    }

    /** One interface as ifconfig lists it: a member (or other NIC) or an IPMP interface. */
    private record Shown(String name, int ifindex, String group, List<LifInfo> lifs, IpmpInterfaceInfo ipmp) {
        int mtu(LifInfo l) {
            return ipmp != null ? ipmp.mtu(l.family()) : l.placeholder() ? 0 : 1500;
        }
    }

    private static Shown of(InterfaceInfo i) {
        return new Shown(i.name(), i.ifindex(), i.group(), i.lifs(), null);
    }

    private static Shown of(IpmpInterfaceInfo i) {
        return new Shown(i.name(), i.ifindex(), i.group(), i.lifs(), i);
    }

    /** ifconfig -a: every IPv4 logical interface, then every IPv6 one, interfaces in index order. */
    public static String all(EngineSnapshot s, Family only) {
        List<Shown> shown = new ArrayList<>();
        s.interfaces().forEach(i -> shown.add(of(i)));
        s.ipmpInterfaces().forEach(i -> shown.add(of(i)));
        shown.sort(Comparator.comparingInt(Shown::ifindex));
        StringBuilder out = new StringBuilder();
        for (Family f : Family.values()) {
            if (only != null && only != f) {
                continue;
            }
            for (Shown i : shown) {
                for (LifInfo l : i.lifs()) {
                    if (l.family() == f) {
                        out.append(render(i, l));
                    }
                }
            }
        }
        return out.toString();
    }

    /** ifconfig IF[:N] [inet6]. */
    public static String status(EngineSnapshot s, String name, int unit, Family f) throws AdminException {
        String lifName = unit == 0 ? name : name + ":" + unit;
        Shown i = s.iface(name).map(IfconfigFormatter::of).or(() -> s.ipmpInterface(name).map(IfconfigFormatter::of))
                .orElseThrow(() -> new AdminException(
                        "ifconfig: status: SIOCGLIFFLAGS: " + lifName + ": no such interface"));
        for (LifInfo l : i.lifs()) {
            if (l.family() == f && l.unit() == unit) {
                return render(i, l);
            }
        }
        throw new AdminException("ifconfig: status: SIOCGLIFFLAGS: " + lifName + ": no such interface");
    }

    static String render(InterfaceInfo i, LifInfo l) {
        return render(of(i), l);
    }

    private static String render(Shown i, LifInfo l) {
        StringBuilder out = new StringBuilder();
        out.append(l.name()).append(": flags=").append(Flags.format(l.flags()))
                .append(" mtu ").append(i.mtu(l)).append(" index ").append(i.ifindex()).append('\n');
        if (l.family() == Family.INET) {
            out.append("\tinet ").append(Addresses.format(l.address())).append(" netmask ")
                    .append(Addresses.hexMask(l.prefixLen()));
            if ((l.flags() & Flags.BROADCAST) != 0 && l.broadcast() != null && !l.placeholder()) {
                out.append(" broadcast ").append(Addresses.format(l.broadcast()));
            }
            out.append('\n');
        } else {
            out.append("\tinet6 ").append(Addresses.format(l.address())).append('/').append(l.prefixLen()).append('\n');
        }
        if (l.unit() == 0 && i.group() != null) {
            out.append("\tgroupname ").append(i.group()).append('\n');
        }
        return out.toString();
    }
}
