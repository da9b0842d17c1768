package ipmpd.engine;

/**
 * The parts of in.mpathd's failure_state() that decide between an interface failure and a group
 * failure, and whether a failed member's addresses should move.
 */
final class FailureState {
    private FailureState() {
    }

    /**
     * No other member of the group can be probed: in.mpathd (S10) then calls a probe failure an
     * interface failure, never a group failure, so a single-interface group (or the only probing
     * member) logs "IP interface failure detected on IF of group G" before the group's
     * "All IP interfaces in group G are now unusable".
     */
    static boolean alone(Group g, Phyint p) {
        for (Phyint q : g.members) {
            if (q != p && q.probingWithTargets()) {
                return false;
            }
        }
        return true;
    }

    /**
     * A failed member that is recovering: link up, and no family that probes a target has lost
     * 5 probes in a row now (its latest probes were answered, or too few are known since its
     * history was cleared, as in.mpathd's probe_fail_info() counts them). When a group recovers,
     * in.mpathd fails over only from failed members whose failure_state() is still an interface
     * failure; a recovering one keeps its addresses and is repaired by its own 10 replies.
     */
    static boolean recovering(Phyint p) {
        if (!p.failed() || !p.running || !p.present || !p.probingWithTargets()) {
            return false;
        }
        for (Instance i : p.instances()) {
            Prober pr = i.prober;
            if (pr.running && !pr.active().isEmpty() && pr.trailingLosses() >= Engine.FAILURE_PROBES) {
                return false;
            }
        }
        return true;
    }
}
