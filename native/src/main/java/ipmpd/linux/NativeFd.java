package ipmpd.linux;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one file descriptor and closes it exactly once, so a double close can never close a
 * descriptor number that another socket has reused meanwhile.
 */
final class NativeFd implements AutoCloseable {
    private final AtomicInteger fd;

    NativeFd(int fd) {
        this.fd = new AtomicInteger(fd);
    }

    /** @throws IllegalStateException once closed */
    int get() {
        int v = fd.get();
        if (v < 0) {
            throw new IllegalStateException("descriptor closed");
        }
        return v;
    }

    boolean isOpen() {
        return fd.get() >= 0;
    }

    @Override
    public void close() {
        int v = fd.getAndSet(-1);
        if (v >= 0) {
            try {
                LibC.close(v);
            } catch (NativeIOException ignored) {
                // close(2) errors leave the descriptor released on Linux; nothing to retry.
            }
        }
    }

    /** A socket with close-on-exec, so processes the daemon spawns never inherit it. */
    static NativeFd socket(int domain, int type, int protocol) throws NativeIOException {
        return new NativeFd(LibC.socket(domain, type | LibC.SOCK_CLOEXEC, protocol));
    }
}
