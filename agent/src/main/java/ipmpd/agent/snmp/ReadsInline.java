package ipmpd.agent.snmp;

import org.snmp4j.util.WorkerPool;
import org.snmp4j.util.WorkerTask;

/**
 * The agent's worker pool, except for the requests the listener thread marks to be answered on
 * the spot ({@link #runInline}): reads that can be answered from the model view the agent keeps,
 * without an engine round trip. Handing such a request to a worker cost a thread wake-up and a
 * switch for a few tens of microseconds of work (one GET of one object); SETs, and reads that
 * need a new view of the engine's model, still go to the workers, so the listener does not wait
 * for the engine's thread to take a snapshot. (A read of probe statistics may still take them on
 * the listener: one engine step, as a worker would.)
 */
final class ReadsInline implements WorkerPool {
    private static final ThreadLocal<Boolean> INLINE = new ThreadLocal<>();

    private final WorkerPool pool;

    ReadsInline(WorkerPool pool) {
        this.pool = pool;
    }

    /** Runs dispatch (which hands the request to {@link #execute}) so that the task runs on this thread. */
    static void runInline(Runnable dispatch) {
        INLINE.set(Boolean.TRUE);
        try {
            dispatch.run();
        } finally {
            INLINE.remove();
        }
    }

    private static boolean takeInline() {
        if (INLINE.get() == null) {
            return false;
        }
        INLINE.remove(); // only the task of this dispatch: anything it hands on goes to the pool
        return true;
    }

    @Override
    public void execute(WorkerTask task) {
        if (takeInline()) {
            task.run();
        } else {
            pool.execute(task);
        }
    }

    @Override
    public boolean tryToExecute(WorkerTask task) {
        if (takeInline()) {
            task.run();
            return true;
        }
        return pool.tryToExecute(task);
    }

    @Override
    public void stop() {
        pool.stop();
    }

    @Override
    public void cancel() {
        pool.cancel();
    }

    @Override
    public boolean isIdle() {
        return pool.isIdle();
    }
}
