package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import ipmpd.agent.platform.InterfaceStatistics;

import java.io.IOException;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The interfaces' counters and link attributes IF-MIB serves, read from the platform at most once
 * per {@link #MAX_AGE_NS}: a bulkwalk of ifTable over 256 interfaces asks for them thousands of
 * times within a fraction of a second, and each read is a kernel dump of every link. net-snmp's
 * snmpd keeps its interface data for 3 s. Thread-safe; one reader refreshes, the others use the
 * sample they have.
 */
final class IfCounters {
    static final long MAX_AGE_NS = 1_000_000_000L;

    private record Sample(long readAtNs, Map<Integer, InterfaceStatistics> byIndex) {
    }

    private final SnmpAgent.InterfaceStatisticsSource source;
    private final IpmpdLog log;
    private final LongSupplier clock;
    private volatile Sample sample;
    /** The last failure logged, so a lasting one is logged once, not per read. */
    private String failure;

    IfCounters(SnmpAgent.InterfaceStatisticsSource source, IpmpdLog log, LongSupplier clock) {
        this.source = source;
        this.log = log;
        this.clock = clock;
    }

    /** The interface's statistics, {@link InterfaceStatistics#NONE} where the platform has none. */
    InterfaceStatistics of(int ifindex) {
        return current().getOrDefault(ifindex, InterfaceStatistics.NONE);
    }

    Map<Integer, InterfaceStatistics> current() {
        Sample s = sample;
        if (s != null && clock.getAsLong() - s.readAtNs < MAX_AGE_NS) {
            return s.byIndex;
        }
        synchronized (this) {
            s = sample;
            long now = clock.getAsLong();
            if (s != null && now - s.readAtNs < MAX_AGE_NS) {
                return s.byIndex;
            }
            Map<Integer, InterfaceStatistics> read;
            try {
                read = Map.copyOf(source.read());
                if (failure != null) {
                    log.info("Interface counters can be read again");
                    failure = null;
                }
            } catch (IOException | RuntimeException e) {
                // The last sample stays (counters must not fall back to 0); the next read is tried
                // after MAX_AGE_NS, not at every request.
                String why = String.valueOf(e.getMessage());
                if (!why.equals(failure)) {
                    log.err("Cannot read the interface counters for IF-MIB: " + why);
                    failure = why;
                }
                read = s == null ? Map.of() : s.byIndex;
            }
            sample = new Sample(now, read);
            return read;
        }
    }
}
