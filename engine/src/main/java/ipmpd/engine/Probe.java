package ipmpd.engine;

/** One echo request sent, until answered or lost. */
final class Probe {
    enum Status { PENDING, ACKED, LOST }

    final int seq;
    final Target target;
    final long sentAtNs;
    Status status = Status.PENDING;
    long ackedAtNs;
    /** Declares the probe lost; cancelled by the reply, so an answered probe costs no wake-up. */
    Engine.Timer timeout;

    Probe(int seq, Target target, long sentAtNs) {
        this.seq = seq;
        this.target = target;
        this.sentAtNs = sentAtNs;
    }
}
