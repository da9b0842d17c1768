package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The calling thread, not the process, changes class: checked in /proc as well as by the kernel's answer. */
class ThreadSchedulingKernelTest {

    /** The policy field of /proc/thread-self/stat (field 41): 0 SCHED_OTHER, 1 SCHED_FIFO. */
    private static int procPolicy() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[41 - 3]);
    }

    private static <T> T onFreshThread(Callable<T> c) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            return one.submit(c).get();
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void aThreadBecomesRealTimeAndOrdinaryAgainAndTheOthersStayOrdinary() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "real-time scheduling needs root here");
        int[] seen = onFreshThread(() -> {
            ThreadScheduling.realtime(3);
            int prio = ThreadScheduling.realtimePriority();
            int policy = procPolicy();
            int otherThread = onFreshThread(ThreadSchedulingKernelTest::procPolicy);
            ThreadScheduling.ordinary();
            return new int[] {prio, policy, otherThread, ThreadScheduling.realtimePriority(), procPolicy()};
        });
        assertArrayEquals(new int[] {3, LibC.SCHED_FIFO, LibC.SCHED_OTHER, 0, LibC.SCHED_OTHER}, seen);
        assertEquals(LibC.SCHED_OTHER, procPolicy(), "the test's own thread was never changed");
    }

    @Test
    void prioritiesOutsideOneToNinetyNineAreRefusedBeforeTheKernel() {
        assertThrows(IllegalArgumentException.class, () -> ThreadScheduling.realtime(0));
        assertThrows(IllegalArgumentException.class, () -> ThreadScheduling.realtime(100));
    }
}
