package ipmpd.agent.metrics;

import ipmpd.engine.EngineListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How often each tracked interface failed since the daemon started, and when last: counted here from
 * the engine's interfaceFailed events (the engine's model keeps no failure count). Events arrive
 * on the engine's thread; scrapes read from theirs.
 */
public final class FailureCounts implements EngineListener {
    /** A member's failures: how many, and the wall-clock time of the latest (ms since the epoch). */
    public record Failures(long count, long lastEpochMs) {
    }

    private record Member(String group, String ifname) {
    }

    private final Map<Member, Failures> counts = new ConcurrentHashMap<>();
    private final LongSupplier wallClockMs;

    public FailureCounts(LongSupplier wallClockMs) {
        this.wallClockMs = wallClockMs;
    }

    @Override
    public void interfaceFailed(String ifname, String group, Detection how) {
        long now = wallClockMs.getAsLong();
        counts.merge(new Member(group == null ? "" : group, ifname), new Failures(1, now),
                (old, one) -> new Failures(old.count() + 1, now));
    }

    /**
     * The interface's failures while in this group ("" or null: while in none, tracked without a
     * group); null when it never failed there.
     */
    public Failures of(String group, String ifname) {
        return counts.get(new Member(group == null ? "" : group, ifname));
    }
}
