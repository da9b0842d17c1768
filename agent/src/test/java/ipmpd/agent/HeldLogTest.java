package ipmpd.agent;

import ipmpd.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine thread's log lines wait until its turn is over (a failover writes nothing before its
 * announcements), in order, with the time they were logged; other threads write at once.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class HeldLogTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final IpmpdLog log = IpmpdLog.detached(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    private final List<String> seen = new CopyOnWriteArrayList<>();

    HeldLogTest() {
        log.addTap(seen::add);
    }

    private List<String> written() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void heldMessagesAreWrittenInOrderOnReleaseWithTheirOwnTime() throws Exception {
        log.holdMessagesOf(Thread.currentThread());
        log.engine("The link has gone down on m1");
        log.info("second");
        assertEquals(List.of(), seen, "nothing written while held");
        assertTrue(written().isEmpty());
        Thread other = new Thread(() -> log.info("from another thread"));
        other.start();
        other.join();
        assertEquals(List.of("from another thread"), seen, "other threads write at once");
        log.release();
        assertEquals(List.of("from another thread", "The link has gone down on m1", "second"), seen);
        List<String> lines = written();
        assertEquals(3, lines.size(), String.join("\n", lines));
        // "yyyy-MM-dd HH:mm:ss.SSS": the held line keeps the time it was logged at, which is not
        // after the time of the line the other thread wrote later
        String stampOfHeld = lines.get(1).substring(0, 23);
        String stampOfOther = lines.get(0).substring(0, 23);
        assertTrue(stampOfHeld.compareTo(stampOfOther) <= 0, lines.toString());
        assertTrue(lines.get(1).endsWith("The link has gone down on m1"), lines.get(1));
        log.release();
        assertEquals(3, seen.size(), "released once");
        log.holdMessagesOf(null);
        log.info("not held any more");
        assertEquals("not held any more", seen.get(3));
    }

    @Test
    void releaseOnAnotherThreadWritesNothing() throws Exception {
        log.holdMessagesOf(Thread.currentThread());
        log.info("mine");
        Thread other = new Thread(log::release);
        other.start();
        other.join();
        assertEquals(List.of(), seen);
        log.holdMessagesOf(null); // giving up holding writes what was held
        assertEquals(List.of("mine"), seen);
    }

    @Test
    void theLoopWritesAJobsLinesAfterItsTurnAndBeforeACallReturns() throws Exception {
        try (EngineLoop loop = new EngineLoop("held", t -> { })) {
            loop.afterWork(log::release);
            loop.start();
            loop.call(() -> {
                log.holdMessagesOf(Thread.currentThread());
                return null;
            });
            List<String> duringJob = new CopyOnWriteArrayList<>();
            loop.execute(() -> {
                log.info("failover");
                duringJob.addAll(seen); // still held: the announcement would go out now
            });
            Await.until("the job's line written after its turn", () -> seen.contains("failover"));
            assertEquals(List.of(), duringJob);
            loop.call(() -> {
                log.info("from a call");
                return null;
            });
            assertTrue(seen.contains("from a call"), "written before call() returns: " + seen);
        }
    }
}
