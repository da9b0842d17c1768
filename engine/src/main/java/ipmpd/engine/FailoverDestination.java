package ipmpd.engine;

import java.util.Set;

/**
 * Where a member's data addresses go, as in.mpathd's get_failover_dst() chooses: one member takes
 * them all. Members are considered newest first (in.mpathd keeps each group's members newest
 * first), so every tie goes to the newest member.
 */
final class FailoverDestination {
    /** Why addresses leave a member (in.mpathd's failover types). */
    enum Kind {
        /** The member failed or was offlined: a spare (STANDBY or INACTIVE member) is preferred. */
        FAILURE,
        /**
         * A standby gives up addresses it hosts (or holds when it becomes standby): an active
         * member is wanted (in.mpathd's FAILOVER_TO_NONSTANDBY; its code lets spares compete on
         * count, which can hand data to another standby: we take a spare only when no other
         * member works).
         */
        FROM_STANDBY,
        /** The member leaves its group: as FAILURE, and a failed member is the last choice. */
        LEAVING
    }

    private FailoverDestination() {
    }

    /**
     * The destination for the addresses of {@code from}: never {@code from} itself, an offline
     * member or one lacking a family of {@code families}; a working member (present, link up,
     * not failed): the first spare unless {@code kind} is FROM_STANDBY, else the one with the
     * fewest UP data addresses (FROM_STANDBY: among active members, a spare only if none works).
     * With none working, LEAVING falls back to the oldest other member (in.mpathd's last choice);
     * the others give null.
     */
    static Phyint choose(Group g, Phyint from, Set<Family> families, Kind kind) {
        Phyint fewest = null;
        Phyint fewestSpare = null;
        Phyint lastChoice = null;
        for (Phyint y : g.displayOrder()) {
            if (y == from || y.offline() || !hasAll(y, families)) {
                continue;
            }
            if (!y.usable()) {
                lastChoice = y;
                continue;
            }
            boolean spare = y.standby || y.inactive;
            if (spare && kind != Kind.FROM_STANDBY) {
                return y;
            }
            if (spare) {
                if (fewestSpare == null || y.upDataCount() < fewestSpare.upDataCount()) {
                    fewestSpare = y;
                }
            } else if (fewest == null || y.upDataCount() < fewest.upDataCount()) {
                fewest = y;
            }
        }
        if (fewest == null) {
            fewest = fewestSpare;
        }
        return fewest == null && kind == Kind.LEAVING ? lastChoice : fewest;
    }

    private static boolean hasAll(Phyint y, Set<Family> families) {
        for (Family f : families) {
            if (y.instance(f) == null) {
                return false;
            }
        }
        return true;
    }
}
