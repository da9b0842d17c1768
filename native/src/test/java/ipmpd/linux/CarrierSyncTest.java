package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link CarrierSync} against this process's own sysfs (read only: the loopback of the namespace
 * sysfs was mounted for, which is the test's own). Namespaced members are covered end to end by
 * the daemon tests, whose daemon runs under ip-netns-exec with that namespace's sysfs.
 */
class CarrierSyncTest {
    @Test
    void opensAnInterfaceSysfsShowsWithItsIndexAndReadsItsCarrier() throws Exception {
        int lo = Interfaces.index("lo");
        Optional<CarrierSync> c = CarrierSync.open("lo", lo);
        assertTrue(c.isPresent(), "lo is in this namespace's sysfs");
        try (CarrierSync s = c.get()) {
            assertEquals(lo, s.index());
            assertTrue(s.batched(), "lo's iflink is its own index, as for a physical NIC");
            for (int i = 0; i < 3; i++) {
                s.sync(); // pread at offset 0 reads the attribute afresh each time
            }
        }
    }

    @Test
    void givesNothingWhenSysfsShowsAnotherInterfaceUnderThatName() {
        int lo;
        try {
            lo = Interfaces.index("lo");
        } catch (NativeIOException e) {
            throw new AssertionError(e);
        }
        assertTrue(CarrierSync.open("lo", lo + 100_000).isEmpty(), "index mismatch: another namespace's sysfs");
        assertTrue(CarrierSync.open("no-such-if0", lo).isEmpty());
        assertTrue(CarrierSync.open("../lo", lo).isEmpty());
        assertTrue(CarrierSync.open("", lo).isEmpty());
    }
}
