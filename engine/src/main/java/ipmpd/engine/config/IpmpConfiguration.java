package ipmpd.engine.config;

import ipmpd.engine.Addresses;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.Family;
import ipmpd.engine.Flags;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The administrator's configuration of IPMP as one value: what SNMP SETs and NETCONF edits change,
 * what is validated as a whole, applied to the engine all or nothing, and persisted as the
 * hostname.IF / mpathd files. It is read back from the engine ({@link #of}), so the engine stays
 * the one model.
 */
public record IpmpConfiguration(EngineConfig global, List<GroupConfig> groups) {

    /** A member: its standby and administrative offline setting, its test addresses (at most one per family). */
    public record MemberConfig(String name, boolean standby, boolean offline, List<TestAddress> testAddresses) {
        public Optional<TestAddress> test(Family f) {
            return testAddresses.stream().filter(t -> Family.of(t.address()) == f).findFirst();
        }
    }

    /** A test address; for IPv6 the member's link-local address (its value is informative). */
    public record TestAddress(InetAddress address, int prefixLen) {
    }

    /** A data address and the member it belongs to (where it lives while that member works). */
    public record DataAddress(InetAddress address, int prefixLen, String homeMember) {
    }

    /**
     * @param ipmpInterface the group's IPMP interface (new IPMP: it holds the data addresses, whose
     *                      home member is then its name), null for a classic group
     */
    public record GroupConfig(String name, List<MemberConfig> members, List<DataAddress> dataAddresses,
                              List<InetAddress> targets, String ipmpInterface) {
        /** A classic group (no IPMP interface). */
        public GroupConfig(String name, List<MemberConfig> members, List<DataAddress> dataAddresses,
                           List<InetAddress> targets) {
            this(name, members, dataAddresses, targets, null);
        }

        public Optional<MemberConfig> member(String n) {
            return members.stream().filter(m -> m.name().equals(n)).findFirst();
        }
    }

    public Optional<GroupConfig> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /** The group a member belongs to, if any. */
    public Optional<GroupConfig> groupOf(String member) {
        return groups.stream().filter(g -> g.member(member).isPresent()).findFirst();
    }

    /** The members configured offline. */
    public java.util.Set<String> offlineMembers() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (GroupConfig g : groups) {
            for (MemberConfig m : g.members()) {
                if (m.offline()) {
                    out.add(m.name());
                }
            }
        }
        return out;
    }

    /** The same configuration with exactly the members {@code offline} holds configured offline. */
    public IpmpConfiguration withOffline(java.util.function.Predicate<String> offline) {
        List<GroupConfig> gs = new ArrayList<>(groups.size());
        for (GroupConfig g : groups) {
            List<MemberConfig> ms = new ArrayList<>(g.members().size());
            for (MemberConfig m : g.members()) {
                boolean off = offline.test(m.name());
                ms.add(off == m.offline() ? m : new MemberConfig(m.name(), m.standby(), off, m.testAddresses()));
            }
            gs.add(new GroupConfig(g.name(), List.copyOf(ms), g.dataAddresses(), g.targets(), g.ipmpInterface()));
        }
        return new IpmpConfiguration(global, List.copyOf(gs));
    }

    /**
     * The configuration the engine currently runs, every OFFLINE member taken as configured
     * offline (see {@link #of(EngineSnapshot, java.util.function.Predicate)}).
     */
    public static IpmpConfiguration of(EngineSnapshot s) {
        return of(s, name -> true);
    }

    /**
     * The configuration the engine currently runs. An OFFLINE member is configured offline only
     * when {@code configuredOffline} says so: taken offline at run time (if_mpadm -d, the NETCONF
     * offline operation, a duplicate hardware address) it is offline in the state only.
     */
    public static IpmpConfiguration of(EngineSnapshot s, java.util.function.Predicate<String> configuredOffline) {
        List<GroupConfig> groups = new ArrayList<>();
        java.util.Map<String, EngineSnapshot.InterfaceInfo> byName = new java.util.HashMap<>();
        for (EngineSnapshot.InterfaceInfo i : s.interfaces()) {
            byName.putIfAbsent(i.name(), i);
        }
        java.util.Map<String, List<DataAddress>> dataByGroup = new java.util.HashMap<>();
        for (EngineSnapshot.AddressInfo a : s.addresses()) {
            if (a.group() != null) {
                dataByGroup.computeIfAbsent(a.group(), k -> new ArrayList<>())
                        .add(new DataAddress(a.address(), a.prefixLen(), a.homeIf()));
            }
        }
        List<EngineSnapshot.GroupInfo> sorted = new ArrayList<>(s.groups());
        sorted.sort(java.util.Comparator.comparing(EngineSnapshot.GroupInfo::name));
        for (EngineSnapshot.GroupInfo g : sorted) {
            List<MemberConfig> members = new ArrayList<>();
            // Canonical order (by name, by address): configuration has no order, and the same
            // configuration read back after a restart must compare equal.
            List<String> order = new ArrayList<>(g.members());
            java.util.Collections.sort(order);
            for (String m : order) {
                EngineSnapshot.InterfaceInfo i = byName.get(m);
                if (i == null) {
                    throw new java.util.NoSuchElementException("no interface " + m);
                }
                List<TestAddress> tests = new ArrayList<>();
                for (Family f : Family.values()) {
                    for (EngineSnapshot.LifInfo l : i.lifs()) {
                        if (l.family() != f || l.placeholder() || (l.flags() & Flags.NOFAILOVER) == 0
                                || (l.flags() & Flags.UP) == 0 || Addresses.isUnspecified(l.address())) {
                            continue;
                        }
                        if (f == Family.INET6 && !Addresses.isLinkLocal(l.address())) {
                            continue;
                        }
                        tests.add(new TestAddress(l.address(), l.prefixLen()));
                        break;
                    }
                }
                members.add(new MemberConfig(m, i.standby(), i.offline() && configuredOffline.test(m),
                        List.copyOf(tests)));
            }
            List<DataAddress> data = new ArrayList<>(dataByGroup.getOrDefault(g.name(), List.of()));
            data.sort(java.util.Comparator.comparing((DataAddress d) -> Family.of(d.address()))
                    .thenComparing(d -> d.address().getAddress(), java.util.Arrays::compareUnsigned));
            groups.add(new GroupConfig(g.name(), List.copyOf(members), List.copyOf(data), g.targets(), g.ipmpInterface()));
        }
        return new IpmpConfiguration(s.config(), List.copyOf(groups));
    }
}
