package ipmpd.engine;

import java.util.List;

/**
 * Each group's failure detection time (in.mpathd's two adaptation cases, mpd_probe.c): a target
 * slower than the probe interval raises it (or, with five active targets of which only that one is
 * slow, the target is set aside instead); a minute of fast targets halves it again, never below the
 * configured FAILURE_DETECTION_TIME. A new configured value replaces every group's at once.
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
            g.fastSinceNs = -1;
            if (old != g.fdtMs) {
                engine.listener().fdtChanged(g.name, old, g.fdtMs, EngineListener.FdtReason.CONFIGURED, null, null);
            }
        }
    }

    /** Adapts the group's FDT to the RTT of a target (in.mpathd's two messages). */
    void adapt(Prober prober, Target target) {
        Group g = engine.membership.groupOf(prober.phyint);
        if (g == null) {
            return;
        }
        EngineConfig config = engine.config();
        long interval = EngineConfig.probeIntervalNs(g.fdtMs);
        long crtt = target.crttNs();
        if (crtt > interval) {
            List<Target> active = prober.active();
            long slow = active.stream().filter(t -> t.crttNs() > interval).count();
            if (active.size() >= 5 && slow == 1) {
                // One slow target among fast ones: drop it rather than slow the whole group.
                target.status = Target.Status.SLOW;
                target.retryAtNs = engine.now() + Prober.TARGET_RETRY_NS;
                return;
            }
            long newFdt = (long) Math.ceil(7.0 * 2 * crtt / 1_000_000.0);
            if (newFdt > g.fdtMs) {
                long old = g.fdtMs;
                g.fdtMs = newFdt;
                g.fastSinceNs = -1;
                engine.log("Cannot meet requested failure detection time of " + config.failureDetectionTimeMs()
                        + " ms on (" + prober.family.keyword + " " + prober.phyint.name
                        + ") new failure detection time for group \"" + g.name + "\" is " + newFdt + " ms");
                engine.listener().fdtChanged(g.name, old, newFdt, EngineListener.FdtReason.CANNOT_MEET,
                        prober.phyint.name, prober.family);
            }
            return;
        }
        if (g.fdtMs <= config.failureDetectionTimeMs()) {
            g.fastSinceNs = -1;
            return;
        }
        boolean allFast = true;
        for (Phyint q : g.members) {
            for (Instance i : q.instances()) {
                for (Target t : i.prober.active()) {
                    if (t.hasRtt && t.crttNs() >= interval / 4) {
                        allFast = false;
                    }
                }
            }
        }
        long now = engine.now();
        if (!allFast) {
            g.fastSinceNs = -1;
        } else if (g.fastSinceNs < 0) {
            g.fastSinceNs = now;
        } else if (now - g.fastSinceNs >= Engine.MINUTE_NS) {
            long old = g.fdtMs;
            g.fdtMs = Math.max(config.failureDetectionTimeMs(), g.fdtMs / 2);
            g.fastSinceNs = now;
            engine.log("Improved failure detection time " + g.fdtMs + " ms on (" + prober.family.keyword + " "
                    + prober.phyint.name + ") for group \"" + g.name + "\"");
            engine.listener().fdtChanged(g.name, old, g.fdtMs, EngineListener.FdtReason.IMPROVED,
                    prober.phyint.name, prober.family);
        }
    }
}
