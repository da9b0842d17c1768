package ipmpd.linux;

import com.sun.jna.Memory;
import com.sun.jna.Platform;

/**
 * An epoll instance: waiting on many sockets costs the ready ones only, where poll(2) walks every
 * descriptor twice per call (with one probe socket per member, most of the events loop's kernel
 * time). Each descriptor is registered with itself as the event's data. Not thread-safe.
 */
public final class Epoll implements AutoCloseable {
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLLIN = 0x1;
    /** struct epoll_event { uint32_t events; uint64_t data; }: packed on x86-64, padded elsewhere. */
    private static final int EVENT_SIZE = Platform.isIntel() && Platform.is64Bit() ? 12 : 16;
    private static final int DATA_OFFSET = EVENT_SIZE == 12 ? 4 : 8;
    private final NativeFd fd;
    private final Memory one = new Memory(EVENT_SIZE);
    private final Memory ready;
    private final int maxEvents;
    /** struct timespec for epoll_pwait2, in native memory: no array copied through JNI per wait. */
    private final Memory timespec = new Memory(16);

    private Epoll(NativeFd fd, int maxEvents) {
        this.fd = fd;
        this.maxEvents = maxEvents;
        this.ready = new Memory((long) EVENT_SIZE * maxEvents);
    }

    /** @param maxEvents how many ready descriptors one {@link #await} reports at most */
    public static Epoll open(int maxEvents) throws NativeIOException {
        return new Epoll(new NativeFd(LibC.epoll_create1(EPOLL_CLOEXEC)), maxEvents);
    }

    /** Watches {@code target} for input. */
    public void add(int target) throws NativeIOException {
        one.setInt(0, EPOLLIN);
        one.setLong(DATA_OFFSET, target);
        LibC.epoll_ctl(fd.get(), EPOLL_CTL_ADD, target, one);
    }

    /**
     * Stops watching {@code target}. A descriptor already closed left the set by itself: ENOENT and
     * EBADF are not errors.
     */
    public void remove(int target) throws NativeIOException {
        try {
            LibC.epoll_ctl(fd.get(), EPOLL_CTL_DEL, target, one);
        } catch (NativeIOException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.EBADF) {
                throw e;
            }
        }
    }

    /** Waits for input; @return how many descriptors are ready ({@link #readyFd}), 0 on timeout */
    public int await(int timeoutMillis) throws NativeIOException {
        return LibC.epoll_wait(fd.get(), ready, maxEvents, timeoutMillis);
    }

    /**
     * Waits for input up to {@code timeoutNs} nanoseconds (negative: without a limit): to the
     * nanosecond with epoll_pwait2, else rounded up to the next millisecond, never woken early.
     *
     * @return how many descriptors are ready ({@link #readyFd}), 0 on timeout
     */
    public int awaitNanos(long timeoutNs) throws NativeIOException {
        if (timeoutNs < 0) {
            return await(-1);
        }
        if (LibC.epollPwait2Available()) {
            timespec.setLong(0, timeoutNs / 1_000_000_000L);
            timespec.setLong(8, timeoutNs % 1_000_000_000L);
            return LibC.epoll_pwait2(fd.get(), ready, maxEvents, timespec);
        }
        return await((int) Math.min(Integer.MAX_VALUE, (timeoutNs + 999_999) / 1_000_000L));
    }

    /** The i-th ready descriptor of the last {@link #await}. */
    public int readyFd(int i) {
        return (int) ready.getLong((long) EVENT_SIZE * i + DATA_OFFSET);
    }

    @Override
    public void close() {
        fd.close();
    }
}
