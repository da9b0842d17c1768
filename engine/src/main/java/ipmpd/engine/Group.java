package ipmpd.engine;

import java.util.ArrayList;
import java.util.List;

/** An IPMP group: its members in joining order and its adaptive failure detection time. */
final class Group {
    final String name;
    final List<Phyint> members = new ArrayList<>();
    long fdtMs;
    /** When the FDT was last raised for a slow target (halving waits a minute after it); MIN_VALUE if never. */
    long lastRaiseNs = Long.MIN_VALUE;
    String nominee4;
    String nominee6;
    GroupState state = GroupState.FAILED;
    /**
     * "All IP interfaces in group G are now unusable" was logged and no "At least 1 ... is now
     * usable" since (in.mpathd's pg_failmsg_printed): a new group starts failed without it.
     */
    boolean failMessageLogged;
    /** Created on its own (by an NMS or ipmp.conf): it stays when its last member leaves. */
    boolean declared;
    /** Probe targets configured for this group (NMS / NETCONF), tried before host routes. */
    List<java.net.InetAddress> targets = List.of();
    long lastChangeNs;
    /** Failovers since the group was created: times a member's data addresses moved off it. */
    long failoverCount;
    /** Engine time of the latest failover, and what took its member out (null: none yet). */
    long lastFailoverNs;
    EngineListener.Detection lastFailoverReason;
    /** The ACTIVE members last told to the platform (outboundMembersChanged); null before the first report. */
    List<String> outbound;
    /** Per family: those of {@link #outbound} plumbed for it, as last told to the platform. */
    final java.util.Map<Family, List<String>> outboundByFamily = new java.util.EnumMap<>(Family.class);

    Group(String name, long fdtMs) {
        this.name = name;
        this.fdtMs = fdtMs;
    }

    boolean hasUsable() {
        for (Phyint p : members) {
            if (p.usable()) {
                return true;
            }
        }
        return false;
    }

    /** Members newest first, the order ipmpstat lists them in. */
    List<Phyint> displayOrder() {
        List<Phyint> out = new ArrayList<>(members);
        java.util.Collections.reverse(out);
        return out;
    }
}
