package ipmpd.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A physical interface (NIC) as IPMP sees it: link, group, IPMP state, and its two instances. */
final class Phyint {
    final String name;
    int ifindex;
    /** The NIC exists (plumbable); false for a NIC missing at boot or detached (DR). */
    boolean present;
    /** Link state (RUNNING). */
    boolean running;
    String group;
    boolean standby;
    /** The member's condition; see {@link MemberState} for its state/event table. */
    MemberState state = MemberState.RUNNING;
    /** How it was found failed; null unless FAILED (or OFFLINE after failing). */
    EngineListener.Detection failedBy;
    /** Offlined by the administrator (if_mpadm -d). */
    boolean adminOffline;
    boolean inactive;
    Instance v4;
    Instance v6;
    /** Link-up times within the last minute, for the flap guard. */
    final Deque<Long> linkUps = new ArrayDeque<>();
    boolean flapReported;
    /** The NIC's hardware address (null when unknown). */
    byte[] mac;
    /** An online member of its group has the same hardware address: it is offlined for it (in.mpathd's pi_hwaddrdup). */
    boolean hwDup;
    boolean noTestAddressReported;
    /**
     * When the grace for configuring a test address ends (in.mpathd's pi_taddrthresh: 20 s after
     * the interface is first tracked); 0 while it is not tracked.
     */
    long testAddressGraceEndsNs;
    long lastChangeNs;
    /** Unit 0 was set down because the kernel set the link administratively down (restored when it is up again). */
    boolean downByKernel;
    /** Order of joining the current group; listings show the newest member first. */
    long joinSerial;
    /** Failures detected since the daemon started (bonding's "Link Failure Count"); offline is none. */
    long failureCount;
    /** Engine time of the latest failure, and how it was detected (null: it never failed). */
    long lastFailureNs;
    EngineListener.Detection lastFailureCause;

    Phyint(String name, int ifindex) {
        this.name = name;
        this.ifindex = ifindex;
    }

    /** Failed, by link or probes (also while offline, when it failed before). */
    boolean failed() {
        return failedBy != null;
    }

    boolean offline() {
        return state == MemberState.OFFLINE;
    }

    /** The state with NO_TARGETS told apart from RUNNING. */
    MemberState condition() {
        return state == MemberState.RUNNING && probing() && !probingWithTargets() ? MemberState.NO_TARGETS : state;
    }

    /** Failure detected: FAILED (an OFFLINE member stays OFFLINE and keeps the failure). */
    void markFailed(EngineListener.Detection how) {
        failedBy = how;
        if (state != MemberState.OFFLINE) {
            state = MemberState.FAILED;
        }
    }

    /** Counts a detected failure (not one restored at boot, which the daemon did not see happen). */
    void countFailure(EngineListener.Detection how, long nowNs) {
        failureCount++;
        lastFailureNs = nowNs;
        lastFailureCause = how;
    }

    /** Repair detected (or the failure forgotten): RUNNING unless OFFLINE. */
    void markRepaired() {
        failedBy = null;
        if (state == MemberState.FAILED) {
            state = MemberState.RUNNING;
        }
    }

    /** OFFLINE, the reason recorded by the caller (adminOffline, hwDup). */
    void markOffline() {
        state = MemberState.OFFLINE;
    }

    /** Out of OFFLINE: FAILED again if it had failed, else RUNNING. */
    void markOnline() {
        if (state == MemberState.OFFLINE) {
            state = failedBy != null ? MemberState.FAILED : MemberState.RUNNING;
        }
    }

    Instance instance(Family f) {
        return f == Family.INET ? v4 : v6;
    }

    List<Instance> instances() {
        List<Instance> out = new ArrayList<>(2);
        if (v4 != null) {
            out.add(v4);
        }
        if (v6 != null) {
            out.add(v6);
        }
        return out;
    }

    boolean plumbed() {
        return v4 != null || v6 != null;
    }

    /** Usable for data (in the group's sense): present, link up, not failed, not offline. */
    boolean usable() {
        return present && running && !failed() && !offline();
    }

    /**
     * Usable and not INACTIVE: may carry data traffic (the nominees are chosen among these).
     * ipmpstat's ACTIVE column adds its d and h flags: {@link EngineSnapshot#carriesData}.
     */
    boolean active() {
        return usable() && !inactive;
    }

    boolean probing() {
        for (Instance i : instances()) {
            if (i.prober.running) {
                return true;
            }
        }
        return false;
    }

    /** Probing on some family that has targets to probe. */
    boolean probingWithTargets() {
        for (Instance i : instances()) {
            if (i.prober.running && !i.prober.active().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    long upDataCount() {
        long n = 0;
        for (Instance i : instances()) {
            n += i.upDataCount();
        }
        return n;
    }

    /** Phyint-level flags shown on every logical interface. */
    long phyintFlags(Family f) {
        long flags = Flags.BROADCAST | Flags.MULTICAST | f.flag;
        if (f == Family.INET6) {
            flags &= ~Flags.BROADCAST;
        }
        if (running && present) {
            flags |= Flags.RUNNING;
        }
        if (failed()) {
            flags |= Flags.FAILED;
        }
        if (standby) {
            flags |= Flags.STANDBY;
        }
        if (inactive) {
            flags |= Flags.INACTIVE;
        }
        if (offline()) {
            flags |= Flags.OFFLINE;
        }
        return flags;
    }
}
