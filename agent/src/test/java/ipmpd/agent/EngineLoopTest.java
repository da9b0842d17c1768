package ipmpd.agent;

import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.engine.Family;
import ipmpd.engine.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class EngineLoopTest {
    @Test
    void callRunsOnTheLoopThreadAndRethrows() throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (EngineLoop loop = new EngineLoop("t", errors::add).start()) {
            Thread caller = Thread.currentThread();
            Thread ran = loop.call(Thread::currentThread);
            assertFalse(ran == caller);
            assertTrue(loop.call(loop::inLoop));
            assertFalse(loop.inLoop());
            assertEquals(42, (int) loop.call(() -> loop.call(() -> 42)), "nested call runs directly");
            IOException e = assertThrows(IOException.class, () -> loop.call(() -> {
                throw new IOException("boom");
            }));
            assertEquals("boom", e.getMessage());
            CountDownLatch ran2 = new CountDownLatch(1);
            loop.execute(() -> {
                throw new IllegalStateException("job failed");
            });
            loop.execute(ran2::countDown);
            assertTrue(ran2.await(60, TimeUnit.SECONDS), "a failing job does not stop the loop");
            assertEquals(1, errors.size());
            assertThrows(IllegalStateException.class, loop::engine, "engine only on its thread");
        }
    }

    /** A stand-in for the events' epoll: "input" is a queue; wake() puts a marker in it. */
    private static final class QueueSleeper implements EngineLoop.Sleeper {
        static final Runnable WAKE = () -> { };
        final java.util.concurrent.LinkedBlockingQueue<Runnable> input = new java.util.concurrent.LinkedBlockingQueue<>();
        final AtomicInteger wakes = new AtomicInteger();
        final List<Long> timeouts = new CopyOnWriteArrayList<>();
        final List<Thread> sleptOn = new CopyOnWriteArrayList<>();

        @Override
        public void sleep(long timeoutNs) {
            timeouts.add(timeoutNs);
            sleptOn.add(Thread.currentThread());
            try {
                Runnable r = timeoutNs == Long.MAX_VALUE ? input.take() : input.poll(timeoutNs, TimeUnit.NANOSECONDS);
                while (r != null) {
                    r.run(); // "handling input": on the loop thread, like LinuxEvents.step
                    r = input.poll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void wake() {
            wakes.incrementAndGet();
            input.add(WAKE);
        }
    }

    @Test
    void aSleeperTakesTheConditionsPlaceAndItsInputIsHandledOnTheLoopThread() throws Exception {
        QueueSleeper s = new QueueSleeper();
        EngineLoop loop = new EngineLoop("t", t -> { }).start();
        try {
            loop.call(() -> {
                loop.sleepIn(s);
                return null;
            });
            // work from another thread wakes the sleeper once it sleeps with nothing to do
            // (before that, the loop finds the job without a wake-up)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (s.timeouts.isEmpty() || s.timeouts.get(s.timeouts.size() - 1) != Long.MAX_VALUE) {
                assertTrue(System.nanoTime() < deadline, "the idle loop went to sleep");
                Thread.sleep(1);
            }
            CountDownLatch ran = new CountDownLatch(1);
            int wakes = s.wakes.get();
            loop.execute(ran::countDown);
            assertTrue(ran.await(60, TimeUnit.SECONDS));
            assertTrue(s.wakes.get() > wakes, "execute() from outside woke the sleeping loop");
            // input found by the sleep queues a job on the loop thread: it runs in that turn, no wake-up needed
            CountDownLatch handled = new CountDownLatch(1);
            List<Thread> ranOn = new CopyOnWriteArrayList<>();
            Thread[] loopThread = new Thread[1];
            loop.call(() -> loopThread[0] = Thread.currentThread());
            int wakesBefore = s.wakes.get();
            s.input.add(() -> loop.execute(() -> {
                ranOn.add(Thread.currentThread());
                handled.countDown();
            }));
            assertTrue(handled.await(60, TimeUnit.SECONDS));
            assertEquals(List.of(loopThread[0]), ranOn);
            assertEquals(wakesBefore, s.wakes.get(), "a job queued on the loop thread itself does not wake it");
            assertTrue(s.sleptOn.stream().allMatch(t -> t == loopThread[0]), "sleeps happen on the loop thread");
            // a scheduled job bounds the sleep
            CountDownLatch timed = new CountDownLatch(1);
            s.timeouts.clear();
            loop.schedule(300_000_000L, timed::countDown);
            assertTrue(timed.await(60, TimeUnit.SECONDS));
            assertTrue(s.timeouts.stream().anyMatch(t -> t > 0 && t <= 300_000_000L),
                    "slept at most until the scheduled job: " + s.timeouts);
        } finally {
            loop.close();
        }
        Thread loopThread = s.sleptOn.get(0);
        loopThread.join(TimeUnit.SECONDS.toMillis(30)); // close() waits a while itself; a loaded machine may need longer
        assertFalse(loopThread.isAlive(), "close() woke the sleeper and the loop ended");
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> { }));
    }

    @Test
    void soonJobsRunByTheirDeadlineEvenWithNothingElseToWakeTheLoop() throws Exception {
        try (EngineLoop loop = new EngineLoop("t", t -> { }).start()) {
            CountDownLatch ran = new CountDownLatch(1);
            loop.executeSoon(ran::countDown, 20_000_000L);
            assertTrue(ran.await(60, TimeUnit.SECONDS), "a sleeping loop wakes for the deadline");
            CountDownLatch late = new CountDownLatch(1);
            loop.schedule(1_000_000_000L, () -> { });
            loop.executeSoon(late::countDown, 1_000_000L); // sooner than the loop's own next wake-up
            assertTrue(late.await(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void soonAndUrgentJobsKeepTheirOrderAndAnUrgentJobRunsTheQueuedSoonOnes() throws Exception {
        try (EngineLoop loop = new EngineLoop("t", t -> { }).start()) {
            List<Integer> order = new CopyOnWriteArrayList<>();
            CountDownLatch gate = new CountDownLatch(1);
            loop.execute(() -> {
                try {
                    gate.await(); // hold the loop so the next jobs queue up
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            loop.executeSoon(() -> order.add(1), 60_000_000_000L);
            loop.execute(() -> order.add(2));
            loop.executeSoon(() -> order.add(3), 60_000_000_000L);
            gate.countDown();
            loop.call(() -> order.add(4)); // an urgent job: everything queued before it has run
            assertEquals(List.of(1, 2, 3, 4), order);
            CountDownLatch soon = new CountDownLatch(1);
            loop.executeSoon(soon::countDown, 60_000_000_000L);
            loop.call(() -> null);
            assertEquals(0, soon.getCount(), "a soon job queued before an urgent one runs with it");
        }
    }

    /**
     * Deadlines decide, not the order of scheduling; equal deadlines keep it. The loop's clock is
     * the test's: it stands still while the jobs are scheduled, then jumps past all deadlines.
     */
    @Test
    void scheduledJobsRunInDeadlineOrder() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (EngineLoop loop = new EngineLoop("t", t -> { }, now::get).start()) {
            List<String> order = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(4);
            loop.schedule(30_000_000L, () -> {
                order.add("30 ms");
                done.countDown();
            });
            loop.schedule(10_000_000L, () -> {
                order.add("10 ms, first");
                done.countDown();
            });
            loop.schedule(0, () -> {
                order.add("0 ms");
                done.countDown();
            });
            loop.schedule(10_000_000L, () -> {
                order.add("10 ms, second");
                done.countDown();
            });
            now.addAndGet(1_000_000_000L);
            loop.execute(() -> { }); // wakes the loop, which now finds every job due
            assertTrue(done.await(60, TimeUnit.SECONDS));
            assertEquals(List.of("0 ms", "10 ms, first", "10 ms, second", "30 ms"), order);
        }
    }

    /** The loop sleeps until the engine's next timer and runs it: probes go out on their own. */
    @Test
    void engineTimersRunInRealTime() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        CountDownLatch three = new CountDownLatch(3);
        Platform platform = new Platform() {
            @Override
            public void addAddress(AddressPlacement p) {
            }

            @Override
            public void removeAddress(AddressPlacement p) {
            }

            @Override
            public void sendProbe(String ifname, Family family, InetAddress source, InetAddress target, int sequence) {
                probes.incrementAndGet();
                three.countDown();
            }

            @Override
            public void sendDiscovery(String ifname, Family family, InetAddress source) {
            }
        };
        try (EngineLoop loop = new EngineLoop("t", t -> { }).start()) {
            loop.call(() -> {
                Engine e = new Engine(System::nanoTime, platform, new EngineListener() { }, new SplittableRandom(1),
                        EngineConfig.defaults().withFdt(140).withQuietPeriod(0));
                loop.bind(e);
                e.nicAdded("tst0", 2, true);
                e.routesChanged(List.of(new ipmpd.engine.Route(InetAddress.getByName("0.0.0.0"), 0,
                        InetAddress.getByName("192.0.2.1"))));
                ipmpd.engine.IfconfigCommand.execute(e, List.of("tst0", "plumb", "192.0.2.11/24", "-failover",
                        "group", "g0", "up"));
                return null;
            });
            assertTrue(three.await(60, TimeUnit.SECONDS), "probes every 20 ms: got " + probes.get());
        }
    }

    @Test
    void closedLoopRefusesWork() {
        EngineLoop loop = new EngineLoop("t", t -> { }).start();
        loop.close();
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> loop.call(() -> 1));
    }
}
