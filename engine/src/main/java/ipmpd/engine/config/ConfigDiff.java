package ipmpd.engine.config;

import ipmpd.engine.Addresses;
import ipmpd.engine.config.IpmpConfiguration.DataAddress;
import ipmpd.engine.config.IpmpConfiguration.GroupConfig;
import ipmpd.engine.config.IpmpConfiguration.MemberConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What differs between two configurations, node by node, in words an administrator reads
 * ("member m3 of group g0: standby, test addresses"): what a refused NETCONF commit says changed
 * out of band.
 */
public final class ConfigDiff {
    private ConfigDiff() {
    }

    /** The nodes that differ, one phrase each; empty when the configurations are equal. */
    public static List<String> describe(IpmpConfiguration from, IpmpConfiguration to) {
        List<String> out = new ArrayList<>();
        if (!Objects.equals(from.global(), to.global())) {
            out.add("the global settings (mpathd)");
        }
        Map<String, GroupConfig> a = byName(from);
        Map<String, GroupConfig> b = byName(to);
        Set<String> names = new LinkedHashSet<>(a.keySet());
        names.addAll(b.keySet());
        for (String g : names) {
            GroupConfig ga = a.get(g);
            GroupConfig gb = b.get(g);
            if (ga == null) {
                out.add("group " + g + " added");
                continue;
            }
            if (gb == null) {
                out.add("group " + g + " removed");
                continue;
            }
            if (!ga.targets().equals(gb.targets())) {
                out.add("group " + g + ": probe targets");
            }
            if (!Objects.equals(ga.ipmpInterface(), gb.ipmpInterface())) {
                out.add("group " + g + ": IPMP interface");
            }
            Set<String> members = new LinkedHashSet<>();
            ga.members().forEach(m -> members.add(m.name()));
            gb.members().forEach(m -> members.add(m.name()));
            for (String m : members) {
                MemberConfig ma = ga.member(m).orElse(null);
                MemberConfig mb = gb.member(m).orElse(null);
                if (ma == null) {
                    out.add("member " + m + " joined group " + g);
                } else if (mb == null) {
                    out.add("member " + m + " left group " + g);
                } else if (!ma.equals(mb)) {
                    List<String> what = new ArrayList<>();
                    if (ma.standby() != mb.standby()) {
                        what.add("standby");
                    }
                    if (ma.offline() != mb.offline()) {
                        what.add("offline");
                    }
                    if (!ma.testAddresses().equals(mb.testAddresses())) {
                        what.add("test addresses");
                    }
                    out.add("member " + m + " of group " + g + ": " + String.join(", ", what));
                }
            }
            for (DataAddress d : ga.dataAddresses()) {
                if (!gb.dataAddresses().contains(d)) {
                    out.add("data address " + Addresses.format(d.address()) + " of group " + g);
                }
            }
            for (DataAddress d : gb.dataAddresses()) {
                if (!ga.dataAddresses().contains(d) && ga.dataAddresses().stream()
                        .noneMatch(x -> x.address().equals(d.address()))) {
                    out.add("data address " + Addresses.format(d.address()) + " of group " + g);
                }
            }
        }
        return out;
    }

    private static Map<String, GroupConfig> byName(IpmpConfiguration c) {
        Map<String, GroupConfig> m = new LinkedHashMap<>();
        for (GroupConfig g : c.groups()) {
            m.putIfAbsent(g.name(), g);
        }
        return m;
    }
}
