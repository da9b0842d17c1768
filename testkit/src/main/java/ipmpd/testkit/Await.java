package ipmpd.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for something to happen, for every module's tests: a condition is polled until it holds.
 * <p>
 * {@link #until} waits as long as {@link #PATIENCE} (60 s; {@code -Dipmpd.test.patience=SECONDS}):
 * a wait is not a measurement, so a loaded machine may take its time and only a thing that never
 * happens fails the test. {@link #poll} is for the rarer case of a bounded try whose outcome the
 * caller judges itself.
 */
public final class Await {
    /** How long {@link #until} waits before it gives up. */
    public static final Duration PATIENCE = Duration.ofSeconds(Long.getLong("ipmpd.test.patience", 60));
    public static final Duration STEP = Duration.ofMillis(10);

    private Await() {
    }

    /**
     * Polls {@code condition} every 10 ms until it holds; fails (AssertionError naming {@code what})
     * after {@link #PATIENCE}.
     *
     * @return System.nanoTime() when the condition was first seen to hold
     */
    public static long until(String what, BooleanSupplier condition) {
        return untilEvery(() -> what, STEP, condition);
    }

    /** Like {@link #until(String, BooleanSupplier)}, polling every {@code step}. */
    public static long untilEvery(String what, Duration step, BooleanSupplier condition) {
        return untilEvery(() -> what, step, condition);
    }

    /** Like {@link #until(String, BooleanSupplier)}; {@code what} is computed only on failure. */
    public static long until(Supplier<String> what, BooleanSupplier condition) {
        return untilEvery(what, STEP, condition);
    }

    private static long untilEvery(Supplier<String> what, Duration step, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return System.nanoTime();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("not within " + PATIENCE.toSeconds() + " s: " + what.get());
            }
            sleep(step);
        }
    }

    /**
     * The condition must hold within {@code limit}: for what the product promises within a time
     * (end-to-end tests of a failure detection time, benches), not for ordinary waits.
     */
    public static void until(String what, Duration limit, BooleanSupplier condition) {
        until(() -> what, limit, condition);
    }

    public static void until(Supplier<String> what, Duration limit, BooleanSupplier condition) {
        if (!poll(limit, condition)) {
            throw new AssertionError("not within " + limit.toMillis() + " ms: " + what.get());
        }
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
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            sleep(step);
        }
    }

    /** Sleeps; an interrupt (a test's timeout) ends the wait with an AssertionError. */
    public static void sleep(Duration d) {
        LockSupport.parkNanos(d.toNanos());
        if (Thread.currentThread().isInterrupted()) {
            throw new AssertionError("interrupted while waiting");
        }
    }
}
