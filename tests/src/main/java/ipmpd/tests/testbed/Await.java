package ipmpd.tests.testbed;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling (10 ms steps by default) instead of fixed sleeps. */
public final class Await {

    public static final Duration STEP = Duration.ofMillis(10);

    private Await() {
    }

    /** Polls {@code condition} every 10 ms; true as soon as it holds, false when {@code limit} runs out. */
    public static boolean poll(Duration limit, BooleanSupplier condition) {
        return poll(limit, STEP, condition);
    }

    public static boolean poll(Duration limit, Duration step, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Netns.sleepQuietly(step.toMillis());
        }
    }

    /** Like {@link #poll} but throws AssertionError naming {@code what} on timeout. */
    public static void until(String what, Duration limit, BooleanSupplier condition) {
        until(() -> what, limit, condition);
    }

    public static void until(Supplier<String> what, Duration limit, BooleanSupplier condition) {
        if (!poll(limit, condition)) {
            throw new AssertionError("not within " + limit.toMillis() + " ms: " + what.get());
        }
    }
}
