package ipmpd.sim;

import java.util.function.LongSupplier;

/** Simulated time in nanoseconds, advanced only by the scenario. */
public final class VirtualClock implements LongSupplier {
    private long now;

    public long nanos() {
        return now;
    }

    void set(long t) {
        now = t;
    }

    @Override
    public long getAsLong() {
        return now;
    }
}
