package ipmpd.agent;

import ipmpd.engine.EngineListener;
import ipmpd.linux.CodecWarmUp;
import ipmpd.sim.Scenario;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a link failover's code at start-up, before the daemon reports ready, without side effects,
 * so that the first real failovers neither load classes nor run in the interpreter (a failover is
 * too rare for the JIT to compile it on its own; in a 1-CPU guest the interpreted path and its
 * compilations were most of the daemon's share of the link-failure tail). Two parts:
 * <ul>
 * <li>the netlink and announcement codecs ({@link CodecWarmUp}: decode a canned carrier-loss
 *     message, encode the address requests, build the gratuitous ARP and NA), in memory only;</li>
 * <li>the engine's failure detection, placement, repair and failback on throwaway simulated links
 *     with a virtual clock ({@link Scenario}: its own engine and model, no platform of the daemon),
 *     its events going through a throwaway {@link ListenerHub} into a throwaway log whose lines are
 *     held and formatted as the engine thread's are, then dropped.</li>
 * </ul>
 * Nothing reaches the kernel, the daemon's engine or model, or the daemon's log. Bounded: at most
 * {@link #MAX_ENGINE_RUNS} scenarios; start-up waits for the codecs and the scenarios begun within
 * {@link #BUDGET_MILLIS} (at least one: it loads the engine's classes).
 */
final class FailoverWarmUp {
    /** Codec rounds: a few thousand, past the JIT's thresholds; well under a millisecond each. */
    static final int CODEC_ROUNDS = 3000;
    /** Scenarios: each has one link failover, one probe-based failover and their failbacks. */
    static final int MAX_ENGINE_RUNS = 150;
    /** What start-up may wait for the scenarios (with 1.5 s, a loaded 2-CPU host started 1.5-1.9 s later). */
    static final long BUDGET_MILLIS = 1000;

    /**
     * JVM property that turns the warm-up off ({@code -Dipmpd.warmup=false} in IPMPD_JAVA_OPTS): for
     * runs that restart the daemon many times and measure no failover, such as the crash test.
     */
    static final String SWITCH = "ipmpd.warmup";

    private static final List<String> SCENARIO = List.of(
            "host 192.0.2.1 router",
            "host 2001:db8::1 router",
            "ifconfig w0 plumb 192.0.2.10/24 group warm up",
            "ifconfig w0 addif 192.0.2.11/24 -failover deprecated up",
            "ifconfig w0 inet6 plumb group warm up",
            "ifconfig w0 inet6 addif 2001:db8::10/64 up",
            "ifconfig w1 plumb 192.0.2.12/24 -failover deprecated group warm up",
            "ifconfig w1 inet6 plumb group warm up",
            "wait 20s",
            "link w0 down", // link-based failover
            "wait 1s",
            "link w0 up", // repair after probes, failback
            "wait 25s",
            "cut w0", // probe-based failover
            "wait 12s",
            "mend w0",
            "wait 30s");

    /** What a warm-up did. */
    record Result(int codecRounds, int linkDownsDecoded, int engineRuns, int logLines, long elapsedMillis) {
        @Override
        public String toString() {
            return "failover warm-up: " + codecRounds + " codec rounds (" + linkDownsDecoded + " link-down messages decoded), "
                    + engineRuns + " engine scenarios, " + logLines + " log lines dropped, " + elapsedMillis + " ms";
        }
    }

    private FailoverWarmUp() {
    }

    /**
     * At start-up: the codecs and the scenarios begun within the budget, then a collection of the
     * warm-up's garbage (without it, the young collections it made due came 22-32 ms long on a
     * loaded host within seconds of the start, when the first failovers may happen; a background
     * continuation of the scenarios made more of them at unforeseeable times).
     */
    static Result runAtStartUp() {
        if ("false".equals(System.getProperty(SWITCH))) {
            return new Result(0, 0, 0, 0, 0);
        }
        Result r = run(CODEC_ROUNDS, MAX_ENGINE_RUNS, BUDGET_MILLIS);
        System.gc();
        return r;
    }

    /** Never throws: a warm-up that fails stops there (the daemon works either way, only colder). */
    static Result run(int codecRounds, int maxEngineRuns, long budgetMillis) {
        long start = System.nanoTime();
        long deadline = start + budgetMillis * 1_000_000L;
        int decoded = 0;
        int runs = 0;
        AtomicInteger lines = new AtomicInteger();
        try {
            decoded = CodecWarmUp.run(codecRounds);
            IpmpdLog log = IpmpdLog.detached(new PrintStream(OutputStream.nullOutputStream()));
            log.addTap(m -> lines.incrementAndGet());
            ListenerHub hub = new ListenerHub();
            hub.add(new EngineListener() {
                @Override
                public void log(String message) {
                    log.engine(message);
                }
            });
            log.holdMessagesOf(Thread.currentThread());
            try {
                while (runs < maxEngineRuns && (runs == 0 && budgetMillis > 0 || System.nanoTime() - deadline < 0)) {
                    new Scenario(ipmpd.engine.EngineConfig.defaults().withQuietPeriod(0), runs, hub).runAll(SCENARIO);
                    log.release();
                    runs++;
                }
            } finally {
                log.holdMessagesOf(null);
            }
        } catch (Exception | LinkageError e) {
            // Only a warm-up: the daemon's engine and platform are unaffected either way.
        }
        return new Result(codecRounds, decoded, runs, lines.get(), (System.nanoTime() - start) / 1_000_000L);
    }
}
