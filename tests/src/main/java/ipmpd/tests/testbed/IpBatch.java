package ipmpd.tests.testbed;

import java.time.Instant;

/**
 * A long-lived {@code ip -force -batch -} (or {@code bridge}) inside a namespace: each {@link #run} hands one command to an
 * already running {@code ip}, which executes it within a fraction of a millisecond (no process
 * start in between). The moment returned is taken just before the command is written, so
 * latencies measured from it are, if anything, a little too long.
 */
public final class IpBatch implements AutoCloseable {
    private final BackgroundProcess ip;

    private IpBatch(BackgroundProcess ip) {
        this.ip = ip;
    }

    /** An {@code ip} batch for namespace {@code ns}; a testbed's process, so closed with it at the latest. */
    public static IpBatch open(TutorialTestbed tb, TutorialTestbed.Ns ns) {
        return new IpBatch(tb.start(ns, "ip", "-force", "-batch", "-"));
    }

    /** A {@code bridge -force -batch -} for namespace {@code ns} (e.g. "link set dev PORT state 0"). */
    public static IpBatch bridge(TutorialTestbed tb, TutorialTestbed.Ns ns) {
        return new IpBatch(tb.start(ns, "bridge", "-force", "-batch", "-"));
    }

    /** A {@code bridge -force -batch -} in any namespace (null: this one). */
    public static IpBatch bridgeIn(String ns) {
        return new IpBatch(Netns.start(ns, "bridge", "-force", "-batch", "-"));
    }

    /** An {@code ip} batch in any namespace (null: this one). */
    public static IpBatch open(String ns) {
        return new IpBatch(Netns.start(ns, "ip", "-force", "-batch", "-"));
    }

    /** Writes one command (e.g. "link set dev X down"); returns the moment just before the write. */
    public Instant run(String command) {
        Instant at = Instant.now();
        ip.write(command + "\n");
        return at;
    }

    /** What ip said on standard error so far (failed commands). */
    public String errors() {
        return String.join("\n", ip.stderrLines());
    }

    @Override
    public void close() {
        ip.closeStdin();
        ip.waitFor(java.time.Duration.ofSeconds(2));
        ip.close();
    }
}
