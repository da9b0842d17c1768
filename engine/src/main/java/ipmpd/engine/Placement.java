package ipmpd.engine;

import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.engine.Platform.AddressPlacement;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which member hosts which data address: failover off unusable members, failback to repaired
 * homes, the destination rules (standby first, then the fewest addresses), and what follows from
 * the placement: INACTIVE of standbys, the multicast/broadcast nominees and the group state.
 */
final class Placement {
    private final Engine engine;

    Placement(Engine engine) {
        this.engine = engine;
    }

    /**
     * Brings the group's data addresses where the rules want them: off unusable members, back to
     * repaired homes when FAILBACK=yes; then recomputes INACTIVE, nominees and the group state.
     */
    void reconcile(Group g) {
        if (g == null) {
            return;
        }
        engine.ipmp.adopt(g); // new IPMP: data addresses belong on the IPMP interface
        for (Phyint x : new ArrayList<>(g.members)) {
            if (x.usable() || FailureState.recovering(x)) {
                continue; // a recovering member keeps its addresses until its own repair (failure_state)
            }
            failOver(g, x);
        }
        if (engine.config().failback()) {
            for (Phyint home : g.members) {
                if (!home.usable() || home.inactive || home.standby) {
                    continue;
                }
                boolean moved = false;
                for (Phyint host : g.members) {
                    if (host == home) {
                        continue;
                    }
                    for (Family f : Family.values()) {
                        Instance from = host.instance(f);
                        Instance to = home.instance(f);
                        if (from == null || to == null) {
                            continue;
                        }
                        for (LogicalIf l : from.dataLifs()) {
                            if (home.name.equals(l.homeIf)) {
                                int unit = to.unitFree(l.homeUnit) ? l.homeUnit : to.nextFreeUnit();
                                move(l, from, to, unit, g, MoveReason.FAILBACK);
                                moved = true;
                            }
                        }
                    }
                }
                if (moved) {
                    engine.log("Successfully failed back to NIC " + home.name);
                }
            }
        }
        recompute(g);
    }

    /** One failover of the group: the member's addresses moved off it, for its failure or offline. */
    private void countFailover(Group g, Phyint x) {
        g.failoverCount++;
        g.lastFailoverNs = engine.now();
        g.lastFailoverReason = x.offline() || x.failedBy == null ? EngineListener.Detection.ADMIN : x.failedBy;
    }

    /** FAILBACK changed from no to yes: members waiting INACTIVE take their addresses back. */
    void failbackEnabled(Iterable<Group> groups) {
        for (Group g : groups) {
            for (Phyint p : g.members) {
                if (!p.standby) {
                    p.inactive = false;
                }
            }
            reconcile(g);
        }
    }

    /**
     * Moves every data address of an unusable member to one destination, as in.mpathd's single
     * SIOCLIFFAILOVER does for both families: {@link FailoverDestination} chooses it among the
     * members that have every family with data; a family the chosen one lacks goes to its own
     * choice. One "Successfully failed over" line per destination, not one per family.
     */
    private void failOver(Group g, Phyint x) {
        Set<Family> withData = EnumSet.noneOf(Family.class);
        for (Instance i : x.instances()) {
            if (!i.dataLifs().isEmpty()) {
                withData.add(i.family);
            }
        }
        if (withData.isEmpty()) {
            return;
        }
        FailoverDestination.Kind kind = x.standby ? FailoverDestination.Kind.FROM_STANDBY
                : FailoverDestination.Kind.FAILURE;
        Phyint chosen = FailoverDestination.choose(g, x, withData, kind);
        Set<Phyint> destinations = new LinkedHashSet<>();
        MoveReason why = x.offline() ? MoveReason.OFFLINE : MoveReason.FAILOVER;
        for (Family f : withData) {
            Phyint y = chosen != null ? chosen : FailoverDestination.choose(g, x, EnumSet.of(f), kind);
            if (y == null) {
                continue;
            }
            Instance from = x.instance(f);
            Instance to = y.instance(f);
            for (LogicalIf l : from.dataLifs()) {
                boolean home = y.name.equals(l.homeIf) && to.unitFree(l.homeUnit);
                move(l, from, to, home ? l.homeUnit : to.nextFreeUnit(), g, why);
            }
            destinations.add(y);
        }
        for (Phyint y : destinations) {
            engine.log("Successfully failed over from NIC " + x.name + " to NIC " + y.name);
        }
        if (!destinations.isEmpty()) {
            countFailover(g, x);
        }
    }

    /**
     * Where one family's data addresses of {@code from} go ({@link FailoverDestination}: newest
     * member first; a spare first unless {@code from} is a standby; else the fewest UP data addresses).
     */
    Phyint chooseDestination(Group g, Phyint from, Family f) {
        return FailoverDestination.choose(g, from, EnumSet.of(f),
                from.standby ? FailoverDestination.Kind.FROM_STANDBY : FailoverDestination.Kind.FAILURE);
    }

    /**
     * Where an address that {@code p} hosts for another member goes when {@code p} leaves the group
     * (or unplumbs the family): its home when the home works, else a working member chosen as for a
     * failure; with none working, its home if still a member, else another failed member (in.mpathd's
     * FAILOVER_TO_ANY last choice): it stays in the group and fails over by the normal rules once a
     * member works. Null only when no other member has the family.
     */
    Phyint returnDestination(Group g, Phyint p, Family f, LogicalIf l) {
        Phyint home = engine.membership.phyints.get(l.homeIf);
        boolean homeEligible = home != null && home != p && g.members.contains(home) && !home.offline()
                && home.instance(f) != null;
        if (homeEligible && home.usable()) {
            return home;
        }
        Phyint working = FailoverDestination.choose(g, p, EnumSet.of(f), FailoverDestination.Kind.FAILURE);
        if (working != null) {
            return working;
        }
        return homeEligible ? home : FailoverDestination.choose(g, p, EnumSet.of(f), FailoverDestination.Kind.LEAVING);
    }

    /**
     * Where an address created on a FAILED, INACTIVE or OFFLINE member goes instead: the active
     * member of the group with the fewest UP data addresses (null when there is none).
     */
    Phyint redirectNewAddress(Group g, Phyint p, Family f) {
        Phyint best = null;
        for (Phyint q : g.members) {
            if (q != p && q.active() && q.instance(f) != null
                    && (best == null || q.upDataCount() < best.upDataCount())) {
                best = q;
            }
        }
        return best;
    }

    /**
     * Where the addresses of a NIC missing at boot are hosted: the usable member with the fewest
     * UP data addresses (null when there is none).
     */
    Phyint hostForMissing(Group g, Phyint p, Family f) {
        Phyint dest = null;
        for (Phyint q : g.members) {
            if (q != p && q.usable() && q.instance(f) != null
                    && (dest == null || q.upDataCount() < dest.upDataCount())) {
                dest = q;
            }
        }
        return dest;
    }

    /** A member became standby: its data addresses move to another member, which now owns them. */
    void evacuateStandby(Phyint p, Group g) {
        // Data addresses may not stay on a standby: they fail over to another member.
        for (Family f : Family.values()) {
            Instance from = p.instance(f);
            if (from == null || from.dataLifs().isEmpty()) {
                continue;
            }
            Phyint y = chooseDestination(g, p, f);
            if (y == null) {
                continue;
            }
            for (LogicalIf l : from.dataLifs()) {
                move(l, from, y.instance(f), y.instance(f).nextFreeUnit(), g, MoveReason.STANDBY);
                // A standby owns no data addresses: they now belong where they went.
                l.homeIf = y.name;
                l.homeUnit = l.unit;
            }
        }
    }

    void move(LogicalIf l, Instance from, Instance to, int unit, Group g, MoveReason reason) {
        AddressPlacement before = inKernel(from.phyint, l) ? placement(from, l) : null;
        from.lifs.remove(l.unit);
        if (l.unit == 0) {
            LogicalIf hole = new LogicalIf(0, from.family == Family.INET ? Addresses.ANY4 : Addresses.ANY6, 0,
                    Flags.NOFAILOVER, from.phyint.name, engine.logicalInterfaces.nextSerial());
            hole.placeholder = true;
            from.lifs.put(0, hole);
        }
        l.unit = unit;
        to.lifs.put(unit, l);
        if (to.phyint.inactive && l.isUp() && !to.phyint.standby) {
            to.phyint.inactive = false;
        }
        AddressPlacement after = inKernel(to.phyint, l) ? placement(to, l) : null;
        Platform platform = engine.platform();
        if (before != null && after != null) {
            platform.moveAddress(before, after);
        } else if (after != null) {
            platform.addAddress(after);
        } else if (before != null) {
            platform.removeAddress(before);
        }
        engine.listener().addressMoved(l.address, g == null ? null : g.name, from.phyint.name, to.phyint.name,
                reason);
    }

    /** Whether the kernel holds the address (its NIC present, the address UP and set). */
    static boolean inKernel(Phyint p, LogicalIf l) {
        return p.present && l.isUp() && l.hasAddress() && !l.placeholder;
    }

    static AddressPlacement placement(Instance i, LogicalIf l) {
        return new AddressPlacement(i.phyint.name, l.unit, i.family, l.address, l.prefixLen, l.isNoFailover());
    }

    /** INACTIVE of standbys, multicast/broadcast nominees and the group state, with their events. */
    void recompute(Group g) {
        if (g == null) {
            return;
        }
        boolean newIpmp = engine.ipmp.ofGroup(g) != null;
        for (Phyint p : g.members) {
            if (p.failed() || p.offline()) {
                p.inactive = false;
            } else if (p.standby && !newIpmp) {
                p.inactive = p.upDataCount() == 0;
            }
        }
        if (newIpmp) {
            activateStandbys(g);
        }
        g.nominee4 = nominee(g, Family.INET, g.nominee4);
        g.nominee6 = nominee(g, Family.INET6, g.nominee6);
        GroupState s;
        long usable = g.members.stream().filter(Phyint::usable).count();
        // in.mpathd's phyint_is_usable() also wants an UP address: a working member without one
        // makes the group degraded (placement itself still counts it usable).
        long usableWithAddress = g.members.stream().filter(p -> p.usable() && EngineSnapshot.hasUpAddress(p)).count();
        if (g.members.isEmpty() || usable == 0) {
            s = GroupState.FAILED;
        } else if (usableWithAddress < g.members.size()) {
            s = GroupState.DEGRADED;
        } else {
            s = GroupState.OK;
        }
        // The group lines for state changes that no failure or repair announced (a member joins,
        // leaves, is unplumbed or comes back online), as in.mpathd's phyint_group_refresh_state.
        if (s != GroupState.FAILED && g.failMessageLogged) {
            Phyint usableMember = g.members.stream().filter(Phyint::usable).findFirst().orElseThrow();
            engine.log("At least 1 IP interface (" + usableMember.name + ") in group " + g.name + " is now usable");
            g.failMessageLogged = false;
        } else if (s == GroupState.FAILED && g.state != GroupState.FAILED && !g.failMessageLogged) {
            engine.log("All IP interfaces in group " + g.name + " are now unusable");
            g.failMessageLogged = true;
        }
        if (s != g.state) {
            GroupState before = g.state;
            g.state = s;
            g.lastChangeNs = engine.now();
            engine.listener().groupStateChanged(g.name, before, s, EngineListener.GroupEvent.of(before, s));
        }
        List<Phyint> active = g.members.stream().filter(EngineSnapshot::carriesData).toList();
        engine.ipmp.rebind(g, active);
        reportOutbound(g, active);
    }

    /**
     * New IPMP has no data address on a member to tell a standby that took over: a standby is
     * active while a non-standby member cannot work, one standby for each such member (those
     * already active first, then in the group's order), else INACTIVE (in.mpathd's
     * phyint_activate_another / phyint_inactivate).
     */
    private static void activateStandbys(Group g) {
        long needed = g.members.stream().filter(p -> !p.standby && !p.usable()).count();
        List<Phyint> spares = new ArrayList<>();
        for (Phyint p : g.members) {
            if (p.standby && p.usable() && !p.inactive) {
                spares.add(p);
            }
        }
        for (Phyint p : g.members) {
            if (p.standby && p.usable() && p.inactive) {
                spares.add(p);
            }
        }
        for (Phyint p : spares) {
            p.inactive = needed-- <= 0;
        }
    }

    /**
     * Tells the platform the group's ACTIVE members (ipmpstat's ACTIVE: usable, not INACTIVE, an
     * UP address) in the group's order whenever the set changes: outbound traffic from the data
     * addresses is spread over exactly these, classic or new IPMP.
     */
    void reportOutbound(Group g, List<Phyint> active) {
        List<String> names = active.stream().map(p -> p.name).toList();
        if (g.outbound == null ? names.isEmpty() : names.equals(g.outbound)) {
            if (g.outbound == null) {
                g.outbound = names;
            }
        } else {
            g.outbound = names;
            engine.platform().outboundMembersChanged(g.name, names);
        }
        // Each family over the members plumbed for it (a member without IPv6 carries no IPv6 flow).
        for (Family f : Family.values()) {
            List<String> plumbed = active.stream().filter(p -> p.instance(f) != null).map(p -> p.name).toList();
            List<String> told = g.outboundByFamily.get(f);
            if (told == null ? plumbed.isEmpty() : plumbed.equals(told)) {
                g.outboundByFamily.putIfAbsent(f, plumbed);
                continue;
            }
            g.outboundByFamily.put(f, plumbed);
            engine.platform().outboundMembersChanged(g.name, f, plumbed);
        }
    }

    /** Keep the current nominee while it is active, else the next active member after it. */
    private static String nominee(Group g, Family f, String current) {
        List<Phyint> m = g.members;
        int start = 0;
        for (int i = 0; i < m.size(); i++) {
            if (m.get(i).name.equals(current)) {
                if (m.get(i).active() && m.get(i).instance(f) != null) {
                    return current;
                }
                start = i + 1;
            }
        }
        for (int k = 0; k < m.size(); k++) {
            Phyint p = m.get((start + k) % m.size());
            if (p.active() && p.instance(f) != null) {
                return p.name;
            }
        }
        return null;
    }
}
