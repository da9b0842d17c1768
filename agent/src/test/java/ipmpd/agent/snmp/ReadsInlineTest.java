package ipmpd.agent.snmp;

import org.junit.jupiter.api.Test;
import org.snmp4j.util.WorkerPool;
import org.snmp4j.util.WorkerTask;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Only the task of a dispatch marked inline runs on the dispatching thread; everything else goes to the pool. */
class ReadsInlineTest {
    private static final class Recording implements WorkerPool {
        final List<WorkerTask> queued = new ArrayList<>();

        @Override
        public void execute(WorkerTask task) {
            queued.add(task);
        }

        @Override
        public boolean tryToExecute(WorkerTask task) {
            queued.add(task);
            return true;
        }

        @Override
        public void stop() {
        }

        @Override
        public void cancel() {
        }

        @Override
        public boolean isIdle() {
            return queued.isEmpty();
        }
    }

    private static WorkerTask task(Runnable r) {
        return new WorkerTask() {
            @Override
            public void run() {
                r.run();
            }

            @Override
            public void terminate() {
            }

            @Override
            public void join() {
            }

            @Override
            public void interrupt() {
            }
        };
    }

    @Test
    void theMarkedDispatchRunsHereAndNothingElse() {
        Recording pool = new Recording();
        ReadsInline p = new ReadsInline(pool);
        List<Thread> ranOn = new ArrayList<>();
        WorkerTask nested = task(() -> ranOn.add(Thread.currentThread()));
        WorkerTask first = task(() -> {
            ranOn.add(Thread.currentThread());
            p.execute(nested); // handed on by the inline task: to the pool
        });
        ReadsInline.runInline(() -> p.execute(first));
        assertEquals(List.of(Thread.currentThread()), ranOn);
        assertEquals(List.of(nested), pool.queued);

        WorkerTask plain = task(() -> ranOn.add(Thread.currentThread()));
        p.execute(plain); // not marked: to the pool
        assertSame(plain, pool.queued.get(1));
        ReadsInline.runInline(() -> { }); // a dispatch that hands nothing leaves no mark behind
        p.execute(plain);
        assertEquals(3, pool.queued.size());
        assertEquals(1, ranOn.size());
    }
}
