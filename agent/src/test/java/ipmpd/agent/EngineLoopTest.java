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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
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
            assertTrue(ran2.await(5, TimeUnit.SECONDS), "a failing job does not stop the loop");
            assertEquals(1, errors.size());
            assertThrows(IllegalStateException.class, loop::engine, "engine only on its thread");
        }
    }

    @Test
    void soonJobsRunByTheirDeadlineEvenWithNothingElseToWakeTheLoop() throws Exception {
        try (EngineLoop loop = new EngineLoop("t", t -> { }).start()) {
            CountDownLatch ran = new CountDownLatch(1);
            loop.executeSoon(ran::countDown, 20_000_000L);
            assertTrue(ran.await(5, TimeUnit.SECONDS), "a sleeping loop wakes for the deadline");
            CountDownLatch late = new CountDownLatch(1);
            loop.schedule(1_000_000_000L, () -> { });
            loop.executeSoon(late::countDown, 1_000_000L); // sooner than the loop's own next wake-up
            assertTrue(late.await(5, TimeUnit.SECONDS));
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

    @Test
    void scheduledJobsRunInDeadlineOrder() throws Exception {
        try (EngineLoop loop = new EngineLoop("t", t -> { }).start()) {
            List<Integer> order = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(3);
            loop.schedule(30_000_000L, () -> {
                order.add(3);
                done.countDown();
            });
            loop.schedule(0, () -> {
                order.add(1);
                done.countDown();
            });
            loop.schedule(10_000_000L, () -> {
                order.add(2);
                done.countDown();
            });
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of(1, 2, 3), order);
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
            assertTrue(three.await(5, TimeUnit.SECONDS), "probes every 20 ms: got " + probes.get());
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
