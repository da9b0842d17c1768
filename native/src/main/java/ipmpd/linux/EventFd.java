package ipmpd.linux;

/**
 * A non-blocking eventfd(2): the way another thread wakes a thread sleeping in {@link Epoll}.
 * {@link #signal} may be called from any thread, any number of times before the sleeper runs (the
 * counter only adds up); {@link #drain} resets it.
 */
public final class EventFd implements AutoCloseable {
    private final NativeFd fd;
    private final byte[] one = {1, 0, 0, 0, 0, 0, 0, 0}; // host order (x86-64, aarch64: little-endian)
    private final byte[] sink = new byte[8];

    private EventFd(NativeFd fd) {
        this.fd = fd;
    }

    public static EventFd open() throws NativeIOException {
        return new EventFd(new NativeFd(LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC)));
    }

    public int fd() {
        return fd.get();
    }

    /** Makes the descriptor readable (a no-op once closed). */
    public void signal() {
        try {
            LibC.write(fd.get(), one);
        } catch (NativeIOException | IllegalStateException e) {
            // closed meanwhile (shutdown), or the counter is at its maximum: readable either way
        }
    }

    /** Makes it unreadable again; @return whether it had been signalled */
    public boolean drain() throws NativeIOException {
        synchronized (sink) {
            return LibC.read(fd.get(), sink) > 0;
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
