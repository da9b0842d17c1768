package ipmpd.linux;

import com.sun.jna.Memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Makes the kernel report one interface's pending carrier change now: reading
 * {@code /sys/class/net/IF/carrier} runs linkwatch for that device at once (as RTM_GETLINK does),
 * so the change goes out as an RTM_NEWLINK event instead of up to a second later. One pread(2) on
 * a descriptor kept open, a few bytes back: far cheaper than an RTM_GETLINK, whose answer (a
 * kilobyte and more of attributes) is of no use here since the event carries the same.
 *
 * <p>sysfs shows the interfaces of the network namespace it was mounted in, which need not be the
 * caller's: {@link #open} checks that the directory's {@code ifindex} is the expected one and
 * gives nothing otherwise (the caller then asks with RTM_GETLINK). Not thread-safe.
 */
public final class CarrierSync implements AutoCloseable {
    private static final Path CLASS_NET = Path.of("/sys/class/net");
    private final NativeFd fd;
    private final int index;
    private final boolean batched;
    private final Memory buf = new Memory(8);

    private CarrierSync(NativeFd fd, int index, boolean batched) {
        this.fd = fd;
        this.index = index;
        this.batched = batched;
    }

    /**
     * @param ifname the interface's name
     * @param index  its index in the caller's network namespace (from rtnetlink)
     * @return empty when sysfs does not show this interface (another namespace's sysfs, renamed)
     */
    public static Optional<CarrierSync> open(String ifname, int index) {
        if (ifname.isEmpty() || ifname.contains("/") || ifname.equals(".") || ifname.equals("..")) {
            return Optional.empty();
        }
        Path dir = CLASS_NET.resolve(ifname);
        try {
            if (readInt(dir.resolve("ifindex")) != index) {
                return Optional.empty();
            }
            // linkwatch delays carrier changes only of devices whose iflink is their own index
            // (physical NICs, bridges, a veth whose peer has the same index in its namespace);
            // the others' changes are reported at once.
            boolean batched = readInt(dir.resolve("iflink")) == index;
            NativeFd fd = new NativeFd(LibC.open(dir.resolve("carrier").toString(), LibC.O_RDONLY));
            CarrierSync c = new CarrierSync(fd, index, batched);
            if (readInt(dir.resolve("ifindex")) != index) { // renamed meanwhile
                c.close();
                return Optional.empty();
            }
            return Optional.of(c);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int readInt(Path p) throws IOException {
        return Integer.parseInt(Files.readString(p, StandardCharsets.US_ASCII).strip());
    }

    public int index() {
        return index;
    }

    /** Whether the kernel may hold this device's carrier changes back (else polling is not needed). */
    public boolean batched() {
        return batched;
    }

    /**
     * Reads the carrier file once, flushing a pending change into an event. EINVAL (the interface
     * is administratively down) is no error: there is nothing to flush then.
     *
     * @throws NativeIOException ENODEV and the like once the interface is gone
     */
    public void sync() throws NativeIOException {
        try {
            LibC.pread(fd.get(), buf, buf.size(), 0);
        } catch (NativeIOException e) {
            if (e.errno() != Errno.EINVAL) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
