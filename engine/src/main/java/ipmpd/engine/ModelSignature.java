package ipmpd.engine;

import java.util.Objects;

/**
 * A 64-bit hash of what {@link EngineSnapshot} shows of one group (or of one interface outside
 * any group), leaving out the probe statistics (counters and round-trip times). A probe step
 * compares it before and after, so that {@link Engine#modelGeneration()} moves only when the
 * step changed something besides statistics. Allocation-free: it runs for every probe sent and
 * every reply.
 */
final class ModelSignature {
    private long h = 1125899906842597L;

    private ModelSignature() {
    }

    static long of(Engine e, Phyint p) {
        ModelSignature s = new ModelSignature();
        Group g = e.membership.groupOf(p);
        if (g == null) {
            s.member(p);
        } else {
            s.group(g);
        }
        return s.h;
    }

    /**
     * What a probe step of {@code p} can change: p itself and its group's own fields. A step
     * that changes another member (a failover moving addresses to it, another member's state)
     * does so only together with p's state or the group's, so the other members need not be
     * signed: a quarter of the work in a group of four, twice per probe and per reply.
     */
    static long ofProbeStep(Engine e, Phyint p) {
        ModelSignature s = new ModelSignature();
        Group g = e.membership.groupOf(p);
        if (g != null) {
            s.groupFields(g);
        }
        s.member(p);
        return s.h;
    }

    /** The whole model: every group, and every interface in none. */
    static long ofAll(Engine e) {
        ModelSignature s = new ModelSignature();
        s.mix(e.config());
        s.mix(e.membership.groups.size());
        for (Group g : e.membership.groups.values()) {
            s.group(g);
        }
        for (Phyint p : e.membership.phyints.values()) {
            if (p.group == null) {
                s.member(p);
            }
        }
        return s.h;
    }

    private void mix(long v) {
        h = h * 0x9E3779B97F4A7C15L + v;
        h ^= h >>> 29;
    }

    private void mix(Object o) {
        mix(Objects.hashCode(o));
    }

    private void mix(boolean b) {
        mix(b ? 1 : 2);
    }

    private void group(Group g) {
        groupFields(g);
        for (Phyint m : g.members) {
            member(m);
        }
    }

    private void groupFields(Group g) {
        mix(g.name);
        mix(g.state);
        mix(g.fdtMs);
        mix(g.nominee4);
        mix(g.nominee6);
        mix(g.lastChangeNs);
        mix(g.declared);
        mix(g.targets);
        mix(g.members.size());
    }

    private void member(Phyint p) {
        mix(p.name);
        mix(p.ifindex);
        mix(p.group);
        mix(p.present);
        mix(p.running);
        mix(p.standby);
        mix(p.state);
        mix(p.failed());
        mix(p.adminOffline);
        mix(p.inactive);
        mix(p.hwDup);
        mix(p.lastChangeNs);
        mix(p.joinSerial);
        instance(p.v4);
        instance(p.v6);
    }

    private void instance(Instance i) {
        if (i == null) {
            mix(0);
            return;
        }
        Prober pr = i.prober;
        mix(pr.running);
        mix(pr.probeFailed);
        mix(pr.gotReply);
        mix(pr.testAddress);
        mix(pr.targets.size());
        for (Target t : pr.targets) {
            mix(t.address);
            mix(t.origin); // with running: the probe mode (routes when a target is not from multicast)
            mix(t.status);
            mix(t.hasRtt); // which target's RTT the interface shows
        }
        mix(i.lifs.size());
        for (LogicalIf l : i.lifs.values()) {
            mix(l.unit);
            mix(l.flags);
            mix(l.address);
            mix(l.prefixLen);
            mix(l.placeholder);
            mix(l.homeIf);
            mix(l.serial);
        }
    }
}
