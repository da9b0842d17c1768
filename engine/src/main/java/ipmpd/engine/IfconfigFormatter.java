package ipmpd.engine;

import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;

/** Renders interfaces the way Solaris ifconfig prints them. */
public final class IfconfigFormatter {
    private IfconfigFormatter() {
    }

    /** ifconfig -a: every IPv4 logical interface, then every IPv6 one. */
    public static String all(EngineSnapshot s, Family only) {
        StringBuilder out = new StringBuilder();
        for (Family f : Family.values()) {
            if (only != null && only != f) {
                continue;
            }
            s.interfaces().stream().sorted(java.util.Comparator.comparingInt(InterfaceInfo::ifindex)).forEach(i -> {
                for (LifInfo l : i.lifs()) {
                    if (l.family() == f) {
                        out.append(render(i, l));
                    }
                }
            });
        }
        return out.toString();
    }

    /** ifconfig IF[:N] [inet6]. */
    public static String status(EngineSnapshot s, String name, int unit, Family f) throws AdminException {
        String lifName = unit == 0 ? name : name + ":" + unit;
        InterfaceInfo i = s.iface(name).orElseThrow(() -> new AdminException(
                "ifconfig: status: SIOCGLIFFLAGS: " + lifName + ": no such interface"));
        for (LifInfo l : i.lifs()) {
            if (l.family() == f && l.unit() == unit) {
                return render(i, l);
            }
        }
        throw new AdminException("ifconfig: status: SIOCGLIFFLAGS: " + lifName + ": no such interface");
    }

    static String render(InterfaceInfo i, LifInfo l) {
        StringBuilder out = new StringBuilder();
        out.append(l.name()).append(": flags=").append(Flags.format(l.flags()))
                .append(" mtu ").append(l.placeholder() ? 0 : 1500).append(" index ").append(i.ifindex()).append('\n');
        if (l.family() == Family.INET) {
            out.append("\tinet ").append(Addresses.format(l.address())).append(" netmask ")
                    .append(Addresses.hexMask(l.prefixLen()));
            if ((l.flags() & Flags.BROADCAST) != 0 && l.prefixLen() > 0 && !l.placeholder()) {
                out.append(" broadcast ").append(Addresses.format(Addresses.broadcast(l.address(), l.prefixLen())));
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
