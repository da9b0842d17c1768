package ipmpd.engine;

import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.engine.Platform.AddressPlacement;

import java.util.ArrayList;
import java.util.List;

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
        for (Phyint x : new ArrayList<>(g.members)) {
            if (x.usable()) {
                continue;
            }
            Phyint chosen = null;
            for (Family f : Family.values()) {
                Instance from = x.instance(f);
                if (from == null || from.dataLifs().isEmpty()) {
                    continue;
                }
                // All of a NIC's addresses go to one NIC when it can take them (as in.mpathd did).
                Phyint y = chosen != null && chosen.instance(f) != null ? chosen : chooseDestination(g, x, f);
                if (y == null) {
                    continue;
                }
                chosen = y;
                Instance to = y.instance(f);
                MoveReason why = x.offline() ? MoveReason.OFFLINE : MoveReason.FAILOVER;
                for (LogicalIf l : from.dataLifs()) {
                    boolean home = y.name.equals(l.homeIf) && to.unitFree(l.homeUnit);
                    move(l, from, to, home ? l.homeUnit : to.nextFreeUnit(), g, why);
                }
                engine.log("Successfully failed over from NIC " + x.name + " to NIC " + y.name);
            }
            if (chosen != null) {
                countFailover(g, x);
            }
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
     * Where a failed member's addresses go: never a failed, offline or non-running member, nor one
     * without the family; a standby or inactive member first (unless the source is a standby),
     * else the member with the fewest UP data addresses.
     */
    Phyint chooseDestination(Group g, Phyint from, Family f) {
        Phyint best = null;
        for (Phyint y : g.members) {
            if (y == from || !y.usable() || y.instance(f) == null) {
                continue;
            }
            if (!from.standby && (y.standby || y.inactive)) {
                return y;
            }
            if (best == null || y.upDataCount() < best.upDataCount()) {
                best = y;
            }
        }
        if (best != null && from.standby && (best.standby || best.inactive)) {
            // From a standby, prefer an active member; a spare is still better than nothing.
            for (Phyint y : g.members) {
                if (y != from && y.usable() && y.instance(f) != null && !y.standby && !y.inactive) {
                    return y;
                }
            }
        }
        return best;
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
        for (Phyint p : g.members) {
            if (p.failed() || p.offline()) {
                p.inactive = false;
            } else if (p.standby) {
                p.inactive = p.upDataCount() == 0;
            }
        }
        g.nominee4 = nominee(g, Family.INET, g.nominee4);
        g.nominee6 = nominee(g, Family.INET6, g.nominee6);
        GroupState s;
        long usable = g.members.stream().filter(Phyint::usable).count();
        if (g.members.isEmpty() || usable == 0) {
            s = GroupState.FAILED;
        } else if (usable < g.members.size()) {
            s = GroupState.DEGRADED;
        } else {
            s = GroupState.OK;
        }
        if (s != g.state) {
            GroupState before = g.state;
            g.state = s;
            g.lastChangeNs = engine.now();
            engine.listener().groupStateChanged(g.name, before, s, EngineListener.GroupEvent.of(before, s));
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
