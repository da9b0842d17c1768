package ipmpd.engine;

import java.util.List;

/**
 * Each group's failure detection time (in.mpathd's two adaptation cases, mpd_probe.c): a target
 * slower than the probe interval raises it (or, with four or more active targets of which every
 * other one is fast, the target is set aside instead); fast targets halve it again, a minute after
 * the last raise at the earliest, never below the configured FAILURE_DETECTION_TIME. A new configured value replaces every group's at once.
 */
final class FdtAdaptation {
    private final Engine engine;

    FdtAdaptation(Engine engine) {
        this.engine = engine;
    }

    /** The detection time a member probes with: its group's, else the configured one. */
    long fdtFor(Phyint p) {
        Group g = engine.membership.groupOf(p);
        return g == null ? engine.config().failureDetectionTimeMs() : g.fdtMs;
    }

    /** FAILURE_DETECTION_TIME was configured anew: every group starts from it. */
    void configured(long fdtMs) {
        for (Group g : engine.membership.groups.values()) {
            long old = g.fdtMs;
            g.fdtMs = fdtMs;
            g.lastRaiseNs = Long.MIN_VALUE;
            if (old != g.fdtMs) {
                engine.listener().fdtChanged(g.name, old, g.fdtMs, EngineListener.FdtReason.CONFIGURED, null, null);
            }
        }
    }

    /**
     * Adapts the group's FDT to the RTT of a target that just answered (in.mpathd's
     * incoming_echo_reply). Slower than the probe interval: with 4 or more active targets of which
     * every other one answers within half the interval, that target is set aside (a discovered
     * host is dropped and another looked for, a router retried later); else the FDT becomes 7 x 2
     * x its RTT. Faster than a quarter of the interval: if the FDT was raised above the configured
     * one, at least a minute ago, and every active target of every working member of the group is
     * that fast too, the FDT is halved (not below the configured one), at each such reply.
     */
    void adapt(Prober prober, Target target) {
        Group g = engine.membership.groupOf(prober.phyint);
        if (g == null) {
            return;
        }
        EngineConfig config = engine.config();
        long interval = EngineConfig.probeIntervalNs(g.fdtMs);
        long crtt = target.crttNs();
        long now = engine.now();
        if (crtt > interval) {
            if (isException(prober.active(), target, interval)) {
                // One slow target among fast ones: set it aside rather than slow the whole group.
                if (target.origin == Target.Origin.MULTICAST) {
                    prober.targets.remove(target);
                    engine.detection.discoverTargets(prober);
                } else {
                    target.status = Target.Status.SLOW;
                    target.retryAtNs = now + Prober.TARGET_RETRY_NS;
                }
                return;
            }
            long newFdt = (long) Math.ceil(7.0 * 2 * crtt / 1_000_000.0);
            if (newFdt > g.fdtMs) {
                long old = g.fdtMs;
                g.fdtMs = newFdt;
                g.lastRaiseNs = now;
                engine.log("Cannot meet requested failure detection time of " + config.failureDetectionTimeMs()
                        + " ms on (" + prober.family.keyword + " " + prober.phyint.name
                        + ") new failure detection time for group \"" + g.name + "\" is " + newFdt + " ms");
                engine.listener().fdtChanged(g.name, old, newFdt, EngineListener.FdtReason.CANNOT_MEET,
                        prober.phyint.name, prober.family);
            }
            return;
        }
        if (crtt >= interval / 4 || g.fdtMs <= config.failureDetectionTimeMs()
                || (g.lastRaiseNs != Long.MIN_VALUE && now - g.lastRaiseNs <= Engine.MINUTE_NS)
                || !allTargetsFast(g, interval)) {
            return;
        }
        long old = g.fdtMs;
        g.fdtMs = Math.max(config.failureDetectionTimeMs(), g.fdtMs / 2);
        engine.log("Improved failure detection time " + g.fdtMs + " ms on (" + prober.family.keyword + " "
                + prober.phyint.name + ") for group \"" + g.name + "\"");
        engine.listener().fdtChanged(g.name, old, g.fdtMs, EngineListener.FdtReason.IMPROVED,
                prober.phyint.name, prober.family);
    }

    /** in.mpathd's check_exception_target(): 4 or more active targets, every other one within half the interval. */
    static boolean isException(List<Target> active, Target slow, long intervalNs) {
        if (active.size() < 4) {
            return false;
        }
        for (Target t : active) {
            if (t != slow && t.crttNs() > intervalNs / 2) {
                return false;
            }
        }
        return true;
    }

    /** in.mpathd's check_pg_crtt_improved(): every active target of every working, probing member is fast. */
    private static boolean allTargetsFast(Group g, long intervalNs) {
        for (Phyint q : g.members) {
            if (!q.usable()) {
                continue;
            }
            for (Instance i : q.instances()) {
                if (!i.prober.running) {
                    continue;
                }
                for (Target t : i.prober.active()) {
                    if (t.hasRtt && t.crttNs() > intervalNs / 4) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
