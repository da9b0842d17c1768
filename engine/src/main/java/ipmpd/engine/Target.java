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

    void sample(long rttNs) {
        long m = Math.max(rttNs, 1);
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
