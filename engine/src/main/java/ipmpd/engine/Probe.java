package ipmpd.engine;

/** One echo request sent, until answered or lost. */
final class Probe {
    enum Status { PENDING, ACKED, LOST }

    final int seq;
    final Target target;
    final long sentAtNs;
    Status status = Status.PENDING;
    long ackedAtNs;

    Probe(int seq, Target target, long sentAtNs) {
        this.seq = seq;
        this.target = target;
        this.sentAtNs = sentAtNs;
    }
}
