package ipmpd.agent;

import ipmpd.engine.Engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The one thread that owns the {@link Engine}. The engine is not thread-safe: every event, admin
 * command and snapshot goes through here. Other threads hand work over with {@link #call} (waits
 * for the result) or {@link #execute} (fire and forget); the platform schedules its own delayed
 * work with {@link #schedule}. Between jobs the thread sleeps until the engine's next deadline
 * ({@link Engine#nextDeadlineNs()}, clock {@link System#nanoTime()}), the next scheduled job, or
 * new work, whichever comes first, then runs {@link Engine#runDue()}.
 * <p>
 * Engine listeners are therefore called on this thread too. A job that throws is reported to the
 * error handler and the loop carries on. What other threads read of the engine without a job (its
 * model generation, probe statistics) is published through {@link #published()} at the end of every
 * turn and of every {@link #call}.
 */
public final class EngineLoop implements AutoCloseable {
    private record Delayed(long at, long seq, Runnable action) {
    }

    /**
     * Where the loop sleeps instead of on its condition: a platform with descriptors of its own
     * (Linux: netlink and the probe sockets) sleeps in its poll and handles what became ready on
     * the loop thread, so that a probe reply or a link event costs no hand-over between threads.
     */
    public interface Sleeper {
        /**
         * Sleeps up to {@code timeoutNs} (0: not at all, Long.MAX_VALUE: as long as it likes) or
         * until {@link #wake}, then handles what is ready; the jobs it queues meanwhile
         * ({@link #execute}, {@link #executeSoon}) run in the same turn of the loop.
         */
        void sleep(long timeoutNs);

        /** Cuts the current sleep short, or the next one if none is under way; any thread. */
        void wake();
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    /** Queued jobs that must run at once (the others may wait for the loop's next wake-up). */
    private int urgent;
    /** The latest time by which the queued non-urgent jobs must run; MAX_VALUE if none. */
    private long soonDeadline = Long.MAX_VALUE;
    /** When the sleeping loop will wake up by itself; MIN_VALUE while it runs. */
    private long sleepingUntil = Long.MIN_VALUE;
    private final PriorityQueue<Delayed> delayed = new PriorityQueue<>(
            Comparator.comparingLong((Delayed d) -> d.at).thenComparingLong(d -> d.seq));
    private long delayedSeq;
    private final Thread thread;
    private final Consumer<Throwable> errors;
    private final LongSupplier clock;
    private volatile boolean stopping;
    /** Only touched on the loop thread. */
    private Engine engine;
    private final EnginePublisher published = new EnginePublisher();
    /** Set on the loop thread, read under the lock by those who wake it. */
    private volatile Sleeper sleeper;
    /** Run on the loop thread after every turn and job of {@link #call}, in the order added. */
    private final java.util.List<Runnable> afterWork = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param errors told about jobs and engine timers that threw (called on the loop thread)
     */
    public EngineLoop(String name, Consumer<Throwable> errors) {
        this(name, errors, System::nanoTime);
    }

    /** @param clock the loop's clock in nanoseconds (tests: a clock they move themselves); the engine's too */
    EngineLoop(String name, Consumer<Throwable> errors, LongSupplier clock) {
        this.errors = errors;
        this.clock = clock;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        // Failover runs here: ahead of ordinary work when the host is busy (takes effect with
        // -XX:ThreadPriorityPolicy=1 as root, as bin/ipmpd starts the daemon; else ignored).
        this.thread.setPriority(Thread.MAX_PRIORITY);
    }

    public EngineLoop start() {
        thread.start();
        return this;
    }

    /** Whether the caller runs on the loop thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Binds the engine whose timers the loop runs; call on the loop thread (e.g. inside {@link #call}). */
    public void bind(Engine e) {
        checkInLoop();
        this.engine = e;
        publish();
    }

    /** What the engine's thread published for other threads; any thread. */
    public EnginePublisher published() {
        return published;
    }

    /** Publishes the bound engine's generation and statistics for other threads; loop thread. */
    private void publish() {
        if (engine != null) {
            published.publish(engine);
        }
    }

    /**
     * From now on the loop sleeps in {@code s} (null: on its condition again); call on the loop
     * thread. Whoever owns {@code s} must not close it before the loop has stopped or left it.
     */
    public void sleepIn(Sleeper s) {
        checkInLoop();
        lock.lock();
        try {
            sleeper = s;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code r} on the loop thread at the end of every turn (after its jobs, the scheduled
     * ones and the engine's timers) and of every {@link #call}'s job, before its caller learns of
     * the result: what a job defers until its urgent work is done (the daemon: the engine
     * thread's log lines and SNMP notifications, after a failover's moves and announcements).
     * Several may be added; they run in the order added.
     */
    public void afterWork(Runnable r) {
        afterWork.add(r);
    }

    /** Stops running {@code r} (the same object given to {@link #afterWork}). */
    public void removeAfterWork(Runnable r) {
        afterWork.remove(r);
    }

    private void runAfterWork() {
        for (Runnable r : afterWork) {
            runSafely(r);
        }
    }

    /** The bound engine; only on the loop thread. */
    public Engine engine() {
        checkInLoop();
        return engine;
    }

    private void checkInLoop() {
        if (!inLoop()) {
            throw new IllegalStateException("not on the engine thread");
        }
    }

    /** Queues a job; returns at once. */
    public void execute(Runnable job) {
        lock.lock();
        try {
            if (stopping) {
                throw new RejectedExecutionException("engine loop stopped");
            }
            tasks.add(job);
            urgent++;
            wakeSleeping();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a job that may wait up to {@code withinNs} for the loop's next wake-up (a timer or
     * another job), in order with every other job: a busy loop then handles many such jobs per
     * wake-up instead of waking once for each. Probe replies are delivered this way: their times
     * are the kernel's receive stamps, and a probe's loss timer never runs before a reply queued
     * ahead of it.
     */
    public void executeSoon(Runnable job, long withinNs) {
        long by = clock.getAsLong() + Math.max(0, withinNs);
        lock.lock();
        try {
            if (stopping) {
                throw new RejectedExecutionException("engine loop stopped");
            }
            tasks.add(job);
            if (soonDeadline == Long.MAX_VALUE || by - soonDeadline < 0) {
                soonDeadline = by;
            }
            if (sleepingUntil != Long.MIN_VALUE && sleepingUntil - by > 0) {
                wakeSleeping(); // it would sleep past the deadline
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs a job after {@code delayNs} (on the loop thread); callable from any thread. */
    public void schedule(long delayNs, Runnable job) {
        long at = clock.getAsLong() + Math.max(0, delayNs);
        lock.lock();
        try {
            if (stopping) {
                return;
            }
            delayed.add(new Delayed(at, delayedSeq++, job));
            if (sleepingUntil != Long.MIN_VALUE && sleepingUntil - at > 0) {
                wakeSleeping();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs a job on the loop thread and returns its result; exceptions the job throws are
     * rethrown as they are. Called on the loop thread itself, it runs the job directly.
     */
    public <T> T call(Callable<T> job) throws Exception {
        if (inLoop()) {
            return job.call();
        }
        FutureTask<T> f = new FutureTask<>(() -> {
            try {
                return job.call();
            } finally {
                publish(); // before the caller learns of the result: it reads at least what its job did
                runAfterWork();
            }
        });
        execute(f);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) {
                throw ex;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw e;
        } catch (CancellationException e) {
            throw new RejectedExecutionException("engine loop stopped", e);
        }
    }

    /** Stops the loop: queued jobs not yet started are cancelled; waits for the thread to end. */
    @Override
    public void close() {
        List<Runnable> dropped;
        lock.lock();
        try {
            stopping = true;
            dropped = new ArrayList<>(tasks);
            tasks.clear();
            urgent = 0;
            delayed.clear();
            wake.signal();
            Sleeper s = sleeper;
            if (s != null) {
                s.wake();
            }
        } finally {
            lock.unlock();
        }
        for (Runnable r : dropped) {
            if (r instanceof FutureTask<?> f) {
                f.cancel(false);
            }
        }
        if (!inLoop()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private long nextDeadline() {
        long next = Long.MAX_VALUE;
        boolean any = false;
        if (engine != null) {
            long e = engine.nextDeadlineNs();
            if (e != Long.MAX_VALUE) {
                next = e;
                any = true;
            }
        }
        if (!delayed.isEmpty()) {
            long d = delayed.peek().at;
            next = any ? (d - next < 0 ? d : next) : d;
            any = true;
        }
        return any ? next : Long.MAX_VALUE;
    }

    private void run() {
        List<Runnable> batch = new ArrayList<>();
        List<Runnable> due = new ArrayList<>();
        while (turn(batch, due)) {
            // each turn in a method of its own: the JIT compiles it like any other method, where
            // the body of a loop entered once runs interpreted until on-stack replacement
        }
    }

    /** Called with the lock held: how long the loop may sleep now (0: not at all; MAX_VALUE: no limit). */
    private long sleepNs() {
        if (urgent > 0 || stopping) {
            return 0;
        }
        long next = nextDeadline();
        if (!tasks.isEmpty() && (next == Long.MAX_VALUE || soonDeadline - next < 0)) {
            next = soonDeadline;
        }
        if (next == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, next - clock.getAsLong());
    }

    /** Called with the lock held, by whoever gave the loop work that cannot wait for its wake-up. */
    private void wakeSleeping() {
        Sleeper s = sleeper;
        if (s == null) {
            wake.signal();
        } else if (sleepingUntil != Long.MIN_VALUE && Thread.currentThread() != thread) {
            s.wake(); // on the loop thread itself it is handling what its sleep found: no need
        }
    }

    /** Sleeps on the condition until there is work or a deadline passes; with the lock held. */
    private void sleepOnCondition() {
        while (true) {
            long wait = sleepNs();
            if (wait == 0) {
                return;
            }
            sleepingUntil = wait == Long.MAX_VALUE ? Long.MAX_VALUE : clock.getAsLong() + wait;
            try {
                if (wait == Long.MAX_VALUE) {
                    wake.awaitUninterruptibly();
                } else {
                    wake.awaitNanos(wait);
                }
            } catch (InterruptedException e) {
                // only close() stops the loop
            } finally {
                sleepingUntil = Long.MIN_VALUE;
            }
        }
    }

    /** One wake-up: sleep, then the queued jobs, the scheduled ones due, the engine's timers. @return false once stopped */
    private boolean turn(List<Runnable> batch, List<Runnable> due) {
        Sleeper s = sleeper;
        if (s != null) {
            long wait;
            lock.lock();
            try {
                wait = sleepNs();
                if (wait != 0) {
                    sleepingUntil = wait == Long.MAX_VALUE ? Long.MAX_VALUE : clock.getAsLong() + wait;
                }
            } finally {
                lock.unlock();
            }
            s.sleep(wait); // 0 too: what is ready is handled even while jobs keep coming
        }
        boolean stop = false;
        lock.lock();
        try {
            if (s == null) {
                sleepOnCondition();
            }
            sleepingUntil = Long.MIN_VALUE;
            if (stopping) {
                stop = true;
            } else {
                batch.addAll(tasks);
                tasks.clear();
                urgent = 0;
                soonDeadline = Long.MAX_VALUE;
                long now = clock.getAsLong();
                while (!delayed.isEmpty() && delayed.peek().at - now <= 0) {
                    due.add(delayed.poll().action);
                }
            }
        } finally {
            lock.unlock();
        }
        if (stop) {
            runAfterWork(); // what the last sleep held
            return false;
        }
        for (Runnable r : batch) {
            runSafely(r);
        }
        batch.clear();
        for (Runnable r : due) {
            runSafely(r);
        }
        due.clear();
        if (engine != null) {
            runSafely(engine::runDue);
            runSafely(this::publish); // for readers on other threads (SNMP, NETCONF)
        }
        runAfterWork();
        return true;
    }

    private void runSafely(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            try {
                errors.accept(t);
            } catch (Throwable ignored) {
                // the error handler must not kill the loop
            }
        }
    }
}
