package ipmpd.engine;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The one read model of ipmpd: groups, member interfaces with their targets and logical
 * interfaces, and data addresses. ipmpstat, ifconfig status, the IPMP-MIB and the YANG state are
 * all renderings of this.
 */
public record EngineSnapshot(long takenAtNs, EngineConfig config, List<GroupInfo> groups,
                             List<InterfaceInfo> interfaces, List<AddressInfo> addresses,
                             List<IpmpInterfaceInfo> ipmpInterfaces) {

    /** A snapshot without IPMP interfaces (classic IPMP only). */
    public EngineSnapshot(long takenAtNs, EngineConfig config, List<GroupInfo> groups, List<InterfaceInfo> interfaces,
                          List<AddressInfo> addresses) {
        this(takenAtNs, config, groups, interfaces, addresses, List.of());
    }

    public enum LinkState { UP, DOWN, UNKNOWN }

    public enum ProbeState { OK, FAILED, UNKNOWN, DISABLED }

    public enum InterfaceState { OK, FAILED, OFFLINE, UNKNOWN }

    /**
     * @param fdtMs current failure detection time; 0 when no member probes
     * @param active members carrying data, inactive ones, unusable ones (each newest first)
     * @param failoverCount times a member's data addresses moved off it (failure or offline) since the
     *                      group was created
     * @param lastFailoverNs engine time of the latest failover (meaningless while the reason is null)
     * @param lastFailoverReason what took the member out (ADMIN: offline), null before any failover
     * @param ipmpInterface the group's IPMP interface (new IPMP), null for a classic group
     */
    public record GroupInfo(String name, GroupState state, long fdtMs, List<String> members, List<String> active,
                            List<String> inactive, List<String> unusable, String nominee4, String nominee6,
                            long lastChangeNs, List<InetAddress> targets, boolean declared, long failoverCount,
                            long lastFailoverNs, EngineListener.Detection lastFailoverReason, String ipmpInterface) {
        /** A classic group (no IPMP interface). */
        public GroupInfo(String name, GroupState state, long fdtMs, List<String> members, List<String> active,
                         List<String> inactive, List<String> unusable, String nominee4, String nominee6,
                         long lastChangeNs, List<InetAddress> targets, boolean declared, long failoverCount,
                         long lastFailoverNs, EngineListener.Detection lastFailoverReason) {
            this(name, state, fdtMs, members, active, inactive, unusable, nominee4, nominee6, lastChangeNs, targets,
                    declared, failoverCount, lastFailoverNs, lastFailoverReason, null);
        }

        /** ipmpstat's GROUP: the IPMP interface's name, the group's own for a classic group. */
        public String displayName() {
            return ipmpInterface != null ? ipmpInterface : name;
        }
    }

    /**
     * New IPMP: an IPMP interface, as ifconfig shows it.
     *
     * @param running a member of its group is active (RUNNING; else FAILED, and the minimum mtu)
     * @param lifs its logical interfaces, flags combined (IPMP, RUNNING or FAILED, ...)
     */
    public record IpmpInterfaceInfo(String name, String group, int ifindex, boolean running, List<LifInfo> lifs) {
        /** The members' mtu while one is active, else the family's minimum (68, 1280), as Solaris shows it. */
        public int mtu(Family f) {
            return running ? 1500 : f == Family.INET ? 68 : 1280;
        }
    }

    public record TargetInfo(InetAddress address, String origin, String status, long rttAvgNs, long rttDevNs) {
    }

    /** One probing address family of an interface (a row of ipmpstat -t). */
    public record TargetSet(Family family, String mode, InetAddress testAddress, List<TargetInfo> targets) {
    }

    /**
     * A logical interface as ifconfig shows it.
     *
     * @param flags the combined flags (per-address and per-interface)
     * @param homeIf the member the address belongs to
     */
    /** broadcast: the IPv4 broadcast address as ifconfig shows it (null when it has none). */
    public record LifInfo(String name, String phyint, int unit, Family family, long flags, InetAddress address,
                          int prefixLen, boolean placeholder, boolean data, String homeIf, InetAddress broadcast) {
    }

    /**
     * @param group null when the interface is tracked outside any group (or untracked)
     * @param flagsColumn ipmpstat -i FLAGS, 7 characters
     * @param failureCount failures detected since the daemon started (offline is none)
     * @param lastFailureNs engine time of the latest failure (meaningless while the cause is null)
     * @param lastFailureCause how the latest failure was detected, null when it never failed
     */
    public record InterfaceInfo(String name, int ifindex, String group, boolean present, boolean active,
                                boolean standby, boolean offline, boolean failed, boolean inactive,
                                LinkState link, ProbeState probe, InterfaceState state, String flagsColumn,
                                List<TargetSet> targetSets, long probesSent, long probesAcked, long probesLost,
                                long rttAvgNs, long rttDevNs, List<LifInfo> lifs, long lastChangeNs,
                                boolean tracked, long failureCount, long lastFailureNs,
                                EngineListener.Detection lastFailureCause) {
        public long flags(Family f) {
            for (LifInfo l : lifs) {
                if (l.family() == f && l.unit() == 0) {
                    return l.flags();
                }
            }
            return 0;
        }
    }

    /**
     * A data address: where it is now and where it belongs, and the members its traffic uses.
     *
     * @param hostedOn the interface holding it: a member (classic), the IPMP interface (new IPMP)
     * @param ipmpInterface the IPMP interface holding it (new IPMP), null for a classic group
     * @param inbound the member that answers for it (ARP / neighbour discovery), null while down or unbound
     * @param outbound the members its outbound traffic leaves through, newest first: every active
     *                 member of its group (new IPMP), its host member (classic); empty while down
     */
    public record AddressInfo(InetAddress address, int prefixLen, Family family, boolean up, String group,
                              String hostedOn, String homeIf, long serial, String ipmpInterface, String inbound,
                              List<String> outbound) {
        /** A classic data address: answered by, and sent from, the member holding it. */
        public AddressInfo(InetAddress address, int prefixLen, Family family, boolean up, String group,
                           String hostedOn, String homeIf, long serial) {
            this(address, prefixLen, family, up, group, hostedOn, homeIf, serial, null, up ? hostedOn : null,
                    up && hostedOn != null ? List.of(hostedOn) : List.of());
        }
    }

    public Optional<GroupInfo> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    public Optional<InterfaceInfo> iface(String name) {
        return interfaces.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    public Optional<IpmpInterfaceInfo> ipmpInterface(String name) {
        return ipmpInterfaces.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    static EngineSnapshot of(Engine e) {
        List<GroupInfo> groups = new ArrayList<>();
        List<InterfaceInfo> ifs = new ArrayList<>();
        List<AddressInfo> addrs = new ArrayList<>();
        List<IpmpInterfaceInfo> ipmps = new ArrayList<>();
        for (Group g : e.membership.groups.values()) {
            addGroup(e, g, groups, ifs, addrs, ipmps);
        }
        for (Phyint p : e.membership.phyints.values()) {
            if (p.group == null && p.plumbed()) {
                ifs.add(info(e, p, null));
            }
        }
        return finish(e, groups, ifs, addrs, ipmps);
    }

    /**
     * The part of the snapshot about one interface: its group (with every member and the group's
     * data addresses; for an IPMP interface, its group), or the interface alone when it is in no group. What a notification about it
     * reports, at a cost that does not grow with the number of groups.
     */
    static EngineSnapshot partOf(Engine e, String ifname) {
        List<GroupInfo> groups = new ArrayList<>();
        List<InterfaceInfo> ifs = new ArrayList<>();
        List<AddressInfo> addrs = new ArrayList<>();
        List<IpmpInterfaceInfo> ipmps = new ArrayList<>();
        Phyint p = e.membership.phyints.get(ifname);
        IpmpInterface ipmp = e.ipmp.get(ifname);
        Group g = p != null ? e.membership.groupOf(p) : ipmp != null ? e.membership.groups.get(ipmp.group) : null;
        if (g != null) {
            addGroup(e, g, groups, ifs, addrs, ipmps);
        } else if (p != null && p.plumbed()) {
            ifs.add(info(e, p, null));
        }
        return finish(e, groups, ifs, addrs, ipmps);
    }

    /** The part of the snapshot about one group (empty when there is no such group). */
    static EngineSnapshot partOfGroup(Engine e, String group) {
        List<GroupInfo> groups = new ArrayList<>();
        List<InterfaceInfo> ifs = new ArrayList<>();
        List<AddressInfo> addrs = new ArrayList<>();
        List<IpmpInterfaceInfo> ipmps = new ArrayList<>();
        Group g = group == null ? null : e.membership.groups.get(group);
        if (g != null) {
            addGroup(e, g, groups, ifs, addrs, ipmps);
        }
        return finish(e, groups, ifs, addrs, ipmps);
    }

    private static void addGroup(Engine e, Group g, List<GroupInfo> groups, List<InterfaceInfo> ifs,
                                 List<AddressInfo> addrs, List<IpmpInterfaceInfo> ipmps) {
        IpmpInterface ipmp = e.ipmp.ofGroup(g);
        List<String> members = new ArrayList<>();
        List<String> active = new ArrayList<>();
        List<String> inactive = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        boolean anyProbing = false;
        List<Phyint> order = g.displayOrder();
        for (Phyint p : order) {
            members.add(p.name);
            if (carriesData(p)) {
                active.add(p.name);
            } else if (p.inactive) {
                inactive.add(p.name);
            } else {
                unusable.add(p.name);
            }
            anyProbing |= p.probing();
        }
        groups.add(new GroupInfo(g.name, g.state, anyProbing ? g.fdtMs : 0, List.copyOf(members),
                List.copyOf(active), List.copyOf(inactive), List.copyOf(unusable), g.nominee4, g.nominee6,
                g.lastChangeNs, g.targets, g.declared, g.failoverCount, g.lastFailoverNs, g.lastFailoverReason,
                ipmp == null ? null : ipmp.name));
        if (ipmp != null) {
            boolean running = !active.isEmpty();
            List<LifInfo> lifs = new ArrayList<>();
            for (java.util.Map.Entry<Family, java.util.TreeMap<Integer, LogicalIf>> fam : ipmp.lifs.entrySet()) {
                Family f = fam.getKey();
                long base = Flags.MULTICAST | f.flag | Flags.IPMP | (f == Family.INET ? Flags.BROADCAST : 0)
                        | (running ? Flags.RUNNING : Flags.FAILED);
                for (LogicalIf l : fam.getValue().values()) {
                    lifs.add(new LifInfo(Engine.lifName(ipmp.name, l.unit), ipmp.name, l.unit, f,
                            (l.flags & (Flags.UP | Flags.DEPRECATED)) | base, l.address, l.prefixLen, false,
                            l.hasAddress(), ipmp.name, broadcastOf(l)));
                }
            }
            ipmps.add(new IpmpInterfaceInfo(ipmp.name, g.name, ipmp.ifindex, running, List.copyOf(lifs)));
            for (LogicalIf l : ipmp.addresses()) {
                boolean up = l.isUp();
                addrs.add(new AddressInfo(l.address, l.prefixLen, Family.of(l.address), up, g.name, ipmp.name,
                        ipmp.name, l.serial, ipmp.name, up ? ipmp.inbound.get(l.address) : null,
                        up ? plumbedFor(e, active, Family.of(l.address)) : List.of()));
            }
        }
        for (Phyint p : order) {
            ifs.add(info(e, p, g));
        }
        for (Phyint p : g.members) {
            for (Instance i : p.instances()) {
                for (LogicalIf l : i.lifs.values()) {
                    if (l.isData()) {
                        addrs.add(classic(e, l, i.family, g, p, active));
                    }
                }
            }
        }
    }

    /**
     * A classic data address: answered by the member holding it; sent, when the platform spreads
     * outbound traffic, from every ACTIVE member plumbed for its family (the member holding it
     * alone when none is).
     */
    private static AddressInfo classic(Engine e, LogicalIf l, Family f, Group g, Phyint host, List<String> active) {
        boolean up = l.isUp();
        List<String> outbound = List.of();
        if (up) {
            outbound = e.platform().spreadsOutbound() ? plumbedFor(e, active, f) : List.of();
            if (outbound.isEmpty()) {
                outbound = List.of(host.name);
            }
        }
        return new AddressInfo(l.address, l.prefixLen, f, up, g.name, host.name, l.homeIf, l.serial, null,
                up ? host.name : null, outbound);
    }

    /** The members of {@code names} plumbed for the family (those that can carry its traffic). */
    private static List<String> plumbedFor(Engine e, List<String> names, Family f) {
        return names.stream().filter(n -> {
            Phyint p = e.membership.phyints.get(n);
            return p != null && p.instance(f) != null;
        }).toList();
    }

    private static EngineSnapshot finish(Engine e, List<GroupInfo> groups, List<InterfaceInfo> ifs,
                                         List<AddressInfo> addrs, List<IpmpInterfaceInfo> ipmps) {
        addrs.sort(Comparator.comparing(AddressInfo::group, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparingLong(AddressInfo::serial));
        return new EngineSnapshot(e.now(), e.config(), List.copyOf(groups), List.copyOf(ifs), List.copyOf(addrs),
                List.copyOf(ipmps));
    }

    /**
     * ipmpstat's ACTIVE (in.mpathd's IPMP_IFFLAG_ACTIVE): the member works and none of the FLAGS
     * i (inactive), d (no UP address) or h (duplicate hardware address) applies. The same for a
     * member of the anonymous group (TRACK_INTERFACES_ONLY_WITH_GROUPS=no).
     */
    /** The broadcast address ifconfig shows: one kept from an earlier netmask, else address | ~mask. */
    private static InetAddress broadcastOf(LogicalIf l) {
        if (Family.of(l.address) != Family.INET) {
            return null;
        }
        if (l.broadcast != null) {
            return l.broadcast;
        }
        return l.prefixLen > 0 ? Addresses.broadcast(l.address, l.prefixLen) : null;
    }

    static boolean carriesData(Phyint p) {
        return p.usable() && !p.inactive && !p.hwDup && hasUpAddress(p);
    }

    /** Any UP logical interface, test addresses included (ipmpstat's d flag is its absence). */
    static boolean hasUpAddress(Phyint p) {
        return p.instances().stream().flatMap(i -> i.lifs.values().stream()).anyMatch(LogicalIf::isUp);
    }

    /**
     * ipmpstat's PROBE, as in.mpathd's ifprobestate(): disabled without a probing test address;
     * unknown while no probing family has a target (PI_NOTARGETS); failed only when the
     * interface itself failed (by link or probes: one family losing its probes while the other
     * is answered is still ok); ok otherwise.
     */
    static ProbeState probeState(Phyint p) {
        if (!p.probing()) {
            return ProbeState.DISABLED;
        }
        if (!p.probingWithTargets()) {
            return ProbeState.UNKNOWN;
        }
        return p.failed() ? ProbeState.FAILED : ProbeState.OK;
    }

    private static InterfaceInfo info(Engine e, Phyint p, Group g) {
        boolean tracked = g != null || !e.config().trackInterfacesOnlyWithGroups();
        LinkState link = !p.present ? LinkState.UNKNOWN : p.running ? LinkState.UP : LinkState.DOWN;
        boolean probing = p.probing();
        ProbeState probe = probeState(p);
        InterfaceState state = switch (p.state) {
            case OFFLINE -> InterfaceState.OFFLINE;
            case FAILED -> InterfaceState.FAILED;
            // RUNNING: unknown while the NIC is missing or probing has no target to trust
            case RUNNING, NO_TARGETS -> !p.present || (probing && probe == ProbeState.UNKNOWN)
                    ? InterfaceState.UNKNOWN : InterfaceState.OK;
        };
        char[] flags = "-------".toCharArray();
        if (p.inactive) {
            flags[0] = 'i';
        }
        if (p.standby) {
            flags[1] = 's';
        }
        if (g != null && p.name.equals(g.nominee4)) {
            flags[2] = 'm';
            flags[3] = 'b';
        }
        if (g != null && p.name.equals(g.nominee6)) {
            flags[4] = 'M';
        }
        if (p.hwDup) {
            flags[6] = 'h';
        }
        if (!hasUpAddress(p)) {
            flags[5] = 'd';
        }
        List<TargetSet> sets = new ArrayList<>();
        ProbeStatistics st = ProbeStatistics.countersOf(p);
        List<LifInfo> lifs = new ArrayList<>();
        for (Instance i : p.instances()) {
            Prober pr = i.prober;
            if (pr.running) {
                List<TargetInfo> ts = new ArrayList<>();
                for (Target t : pr.firingOrder()) {
                    ts.add(new TargetInfo(t.address, t.origin.text, t.status.text, t.rttAvgNs(), t.rttDevNs()));
                }
                for (Target t : pr.targets) {
                    if (t.status != Target.Status.ACTIVE || !pr.active().contains(t)) {
                        String status = t.status == Target.Status.ACTIVE ? "unused" : t.status.text;
                        ts.add(new TargetInfo(t.address, t.origin.text, status, t.rttAvgNs(), t.rttDevNs()));
                    }
                }
                sets.add(new TargetSet(i.family, pr.mode(), pr.testAddress, List.copyOf(ts)));
            } else {
                sets.add(new TargetSet(i.family, "disabled", null, List.of()));
            }
            long phyFlags = p.phyintFlags(i.family);
            for (LogicalIf l : i.sortedLifs()) {
                long f = (l.flags & ~Flags.PHYINT_FLAGS) | phyFlags;
                lifs.add(new LifInfo(Engine.lifName(p.name, l.unit), p.name, l.unit, i.family, f, l.address,
                        l.prefixLen, l.placeholder, l.isData(), l.homeIf, broadcastOf(l)));
            }
        }
        return new InterfaceInfo(p.name, p.ifindex, g == null ? null : g.name, p.present, tracked && carriesData(p),
                p.standby, p.offline(), p.failed(), p.inactive, link, probe, state, new String(flags),
                List.copyOf(sets), st.probesSent(), st.probesAcked(), st.probesLost(), st.rttAvgNs(), st.rttDevNs(),
                List.copyOf(lifs), p.lastChangeNs, tracked, p.failureCount, p.lastFailureNs, p.lastFailureCause);
    }
}
