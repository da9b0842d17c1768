package ipmpd.linux.platform;

import ipmpd.engine.Engine;
import ipmpd.linux.NetNs;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A minimal engine thread for tests: one thread, started from inside a network namespace (so it
 * lives there), running submitted tasks and the engine's timers ({@link Engine#nextDeadlineNs()},
 * {@link Engine#runDue()}) in order. The daemon has its own loop; this one only mirrors it.
 */
final class NsEngineLoop implements AutoCloseable {
    private final ScheduledThreadPoolExecutor ex;
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private Engine engine;
    private ScheduledFuture<?> timer;
    private long timerAt;

    NsEngineLoop(NetNs.Executor ns) throws Exception {
        ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "engine-" + ns.name());
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        // Threads inherit the namespace of the thread that creates them.
        ns.call(() -> ex.prestartCoreThread());
    }

    /** Fire and forget, like the daemon's engine loop. */
    void execute(Runnable r) {
        ex.execute(() -> {
            try {
                r.run();
            } catch (Throwable t) {
                errors.add(t);
            } finally {
                rearm();
            }
        });
    }

    <T> T call(Callable<T> c) throws Exception {
        Future<T> f = ex.submit(() -> {
            try {
                return c.call();
            } finally {
                rearm();
            }
        });
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    /** On the loop thread. */
    void bind(Engine e) {
        engine = e;
    }

    /** An ifconfig command line ("m1 plumb 192.0.2.10/24 group g up") on the bound engine. */
    String ifconfig(String line) throws Exception {
        return call(() -> ipmpd.engine.IfconfigCommand.execute(engine, List.of(line.split(" "))));
    }

    /** The bound engine's snapshot, taken on the loop thread. */
    ipmpd.engine.EngineSnapshot snapshot() {
        try {
            return call(engine::snapshot);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private void rearm() {
        if (engine == null) {
            return;
        }
        long at = engine.nextDeadlineNs();
        if (at == Long.MAX_VALUE) {
            return;
        }
        if (timer != null && !timer.isDone()) {
            if (timerAt - at <= 0) {
                return; // an earlier (or the same) wake-up is already set; it re-arms when it runs
            }
            timer.cancel(false);
        }
        timerAt = at;
        timer = ex.schedule(() -> {
            timer = null; // this wake-up is being used: the next one must be set afresh
            try {
                engine.runDue();
            } catch (Throwable t) {
                errors.add(t);
            } finally {
                rearm();
            }
        }, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        ex.shutdownNow();
        try {
            ex.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
