package ipmpd.linux;

/**
 * The calling thread's scheduling class: ordinary (SCHED_OTHER, its nice value kept) or real-time
 * (SCHED_FIFO). A real-time thread takes the CPU from every ordinary one the moment it wakes; an
 * ordinary one that loses the wake-up race to a busy task waits for that task's slice to end, up
 * to a scheduler tick (10 ms at HZ=100). Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least the
 * priority; the kernel keeps real-time threads from taking more than 95 % of a CPU.
 */
public final class ThreadScheduling {
    public static final int MAX_REALTIME_PRIORITY = 99;
    /** Threads the real-time thread starts are ordinary (they would inherit its class otherwise). */
    private static final int SCHED_RESET_ON_FORK = 0x40000000;

    private ThreadScheduling() {
    }

    /** SCHED_FIFO at {@code priority} (1-99) for the calling thread. */
    public static void realtime(int priority) throws NativeIOException {
        if (priority < 1 || priority > MAX_REALTIME_PRIORITY) {
            throw new IllegalArgumentException("real-time priority " + priority + " is not 1 to 99");
        }
        LibC.sched_setscheduler(LibC.SCHED_FIFO | SCHED_RESET_ON_FORK, priority);
    }

    /** Back to SCHED_OTHER for the calling thread (its nice value is unchanged). */
    public static void ordinary() throws NativeIOException {
        LibC.sched_setscheduler(LibC.SCHED_OTHER, 0);
    }

    /** The calling thread's real-time priority, 0 when it is scheduled as an ordinary thread. */
    public static int realtimePriority() throws NativeIOException {
        int[] p = LibC.sched_getscheduler();
        int policy = p[0] & ~SCHED_RESET_ON_FORK;
        return policy == LibC.SCHED_FIFO || policy == 2 /* SCHED_RR */ ? p[1] : 0;
    }
}
