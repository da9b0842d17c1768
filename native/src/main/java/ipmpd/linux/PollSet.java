package ipmpd.linux;

import com.sun.jna.Memory;

/**
 * A reusable array of struct pollfd for a loop that polls many times a second: filled once per
 * change of its descriptors, polled without allocating. Not thread-safe.
 */
public final class PollSet {
    private static final int POLLFD = 8; // { int fd; short events; short revents; }
    private Memory fds = new Memory(POLLFD * 16L);
    private int capacity = 16;
    private int size;

    /** Sets the descriptors, all polled for {@code events}. */
    public void set(int[] descriptors, short events) {
        if (descriptors.length > capacity) {
            capacity = Math.max(descriptors.length, capacity * 2);
            fds = new Memory((long) POLLFD * capacity);
        }
        for (int i = 0; i < descriptors.length; i++) {
            fds.setInt((long) POLLFD * i, descriptors[i]);
            fds.setShort((long) POLLFD * i + 4, events);
            fds.setShort((long) POLLFD * i + 6, (short) 0);
        }
        size = descriptors.length;
    }

    public int size() {
        return size;
    }

    /** @return how many descriptors are ready (0 on timeout or EINTR) */
    public int poll(int timeoutMillis) throws NativeIOException {
        return LibC.poll(fds, size, timeoutMillis);
    }

    /** The events reported for descriptor {@code i} by the last {@link #poll}. */
    public short revents(int i) {
        return fds.getShort((long) POLLFD * i + 6);
    }
}
