package ipmpd.engine;

import java.net.InetAddress;

/** A probe target of one interface instance, with its RTT estimate (Jacobson/Karels). */
final class Target {
    enum Origin {
        CONFIGURED("configured"), ROUTER("routes"), MULTICAST("multicast");

        final String text;

        Origin(String text) {
            this.text = text;
        }
    }

    enum Status {
        ACTIVE("active"), DEAD("dead"), SLOW("slow"), UNUSED("unused");

        final String text;

        Status(String text) {
            this.text = text;
        }
    }

    final InetAddress address;
    final Origin origin;
    Status status = Status.ACTIVE;
    /** When a dead or slow target is to be tried again. */
    long retryAtNs;
    /** Scaled RTT average (8 x) and deviation (4 x), in ns; 0 before the first sample. */
    long sa;
    long sv;
    boolean hasRtt;
    int consecutiveLosses;

    Target(InetAddress address, Origin origin) {
        this.address = address;
        this.origin = origin;
    }

    /**
     * How many replies in a row that would each alone push the conservative RTT past the probe
     * interval are held back before they are believed (in.mpathd's MAXDEFERREDRTT).
     */
    static final int MAX_DEFERRED = 1;
    private final long[] deferred = new long[MAX_DEFERRED + 1];
    private int numDeferred;

    /**
     * A reply's RTT. One that would alone make the conservative RTT exceed the probe interval
     * (and so stretch the group's FDT) is suspect: it is held back, and taken into account, with
     * the held one, only if the next reply is suspect too (in.mpathd's pi_set_crtt). A single
     * delayed reply thus does not slow failure detection down.
     */
    void sample(long rttNs, long probeIntervalNs) {
        long m = Math.max(rttNs, 1);
        deferred[numDeferred] = m;
        if (crttWith(m) > probeIntervalNs) {
            if (numDeferred == MAX_DEFERRED) {
                for (int i = 0; i <= numDeferred; i++) {
                    integrate(deferred[i]);
                }
                numDeferred = 0;
            } else {
                numDeferred++;
            }
            return;
        }
        integrate(m);
        numDeferred = 0;
    }

    /** The conservative RTT this sample would give. */
    private long crttWith(long m) {
        if (!hasRtt) {
            return m + 2 * m;
        }
        long err = m - sa / 8;
        long a = sa + err;
        long v = sv + Math.abs(err) - sv / 4;
        return a / 8 + v;
    }

    private void integrate(long m) {
        if (!hasRtt) {
            sa = 8 * m;
            sv = 2 * m;
            hasRtt = true;
            return;
        }
        long err = m - sa / 8;
        sa += err;
        sv += Math.abs(err) - sv / 4;
    }

    /** The conservative RTT: a probe is lost once this much time passed unanswered. */
    long crttNs() {
        return sa / 8 + sv;
    }

    long rttAvgNs() {
        return hasRtt ? sa / 8 : 0;
    }

    long rttDevNs() {
        return hasRtt ? sv / 4 : 0;
    }
}
