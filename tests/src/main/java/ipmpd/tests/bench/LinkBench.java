package ipmpd.tests.bench;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.SWA;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.BackgroundProcess;
import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpBatch;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Link failover latency: the data address 192.0.2.50 lives on m1; cable 1 is pulled (its switch
 * port set down through a running {@code ip -batch}, time taken just before the command is
 * written); the moment counted as "failed over" is the first gratuitous ARP for 192.0.2.50 from
 * the survivor's MAC that the client's namespace sees ({@code tcpdump -tt}, kernel receive
 * stamp). The daemon sends it after the address is in the kernel on the survivor (make before
 * break, then announce), so it marks "present and announced". The address's appearance on the
 * survivor ({@code ip -ts monitor address}) and the daemon's own detection (its log line) are
 * reported too. Each trial runs the client's traffic (ping every 10 ms + TCP echo stream) from
 * before the pull until 300 ms after the announcement, then the cable is plugged and the next
 * trial waits for the repair and failback to m1.
 *
 * <p>The first {@link #WARMUP_TRIALS} failovers are warm-up and not counted (a daemon runs for
 * months; its first failover runs code the JVM has never run: class loading, first-call linkage);
 * the first one's latency is reported on its own line.
 */
final class LinkBench {
    static final double TARGET_P99_MS = 5;
    static final double TARGET_LOST = 2;
    static final int WARMUP_TRIALS = 2;

    private final Report out;
    private final int trials;
    private final int fdtMs;

    LinkBench(Report out, int trials, int fdtMs) {
        this.out = out;
        this.trials = trials;
        this.fdtMs = fdtMs;
    }

    void run() {
        out.line("== link: link failover latency, %d trials after %d warm-up failovers (FDT %d ms, FAILBACK=yes; cable 1 of the tutorial's testbed)",
                trials, WARMUP_TRIALS, fdtMs);
        Stats announced = new Stats();
        Stats added = new Stats();
        Stats detected = new Stats();
        Stats lost = new Stats();
        int tcpSurvived = 0;
        int failedTrials = 0;
        int fdtChanges = 0;
        double[] first = {Double.NaN};
        try (TutorialTestbed tb = TutorialTestbed.create();
             IpmpdProcess d = Fixtures.tutorialDaemon(tb, fdtMs).start()) {
            String m1 = tb.member(1);
            String m1Mac = mac(tb, m1);
            d.awaitProbesAnswered(Duration.ofSeconds(20), 2, tb.members().toArray(String[]::new));
            BackgroundProcess mon = tb.start(HOST, "ip", "-ts", "monitor", "address");
            BackgroundProcess arp = tb.start(CLIENT, "tcpdump", "-l", "-n", "-tt", "-e", "-i", tb.clientIf(), "arp");
            Await.until("tcpdump listening", Duration.ofSeconds(10),
                    () -> arp.stderrLines().stream().anyMatch(l -> l.contains("listening")));
            IpBatch swa = IpBatch.open(tb, SWA);
            Fixtures.awaitOnlyOn(tb, TutorialTestbed.DATA_V4, m1, Duration.ofSeconds(5));
            for (int i = 1 - WARMUP_TRIALS; i <= trials; i++) {
                boolean counted = i >= 1;
                try (ClientTraffic traffic = ClientTraffic.builder(tb).start()) {
                    traffic.awaitRunning(Duration.ofSeconds(10));
                    int monMark = mon.stdoutLines().size();
                    int arpMark = arp.stdoutLines().size();
                    int logMark = d.mark();
                    Netns.sleepQuietly(ThreadLocalRandom.current().nextInt(50));
                    Instant t0 = swa.run("link set dev " + tb.switchPort(1) + " down");
                    Optional<Instant> garp = awaitGarp(arp, arpMark, m1Mac, Duration.ofSeconds(5));
                    Optional<Instant> add = awaitAdd(mon, monMark, tb, Duration.ofSeconds(2));
                    Optional<IpmpdProcess.LogLine> down = Optional.ofNullable(
                            d.findLog(logMark, "The link has gone down on " + m1).orElse(null));
                    if (garp.isEmpty()) {
                        failedTrials++;
                        Report.progress("link trial %d: no gratuitous ARP from the survivor within 5 s", i);
                    } else {
                        if (i == 1 - WARMUP_TRIALS) {
                            first[0] = ms(t0, garp.get());
                        }
                        if (counted) {
                            announced.add(ms(t0, garp.get()));
                            add.ifPresent(a -> added.add(ms(t0, a)));
                            down.ifPresent(l -> detected.add(ms(t0, l.received())));
                        }
                    }
                    Netns.sleepQuietly(300); // the measuring window after the announcement
                    ClientTraffic.Report r = traffic.stop();
                    if (counted) {
                        lost.add(r.pingsLost());
                        if (r.tcpSurvived()) {
                            tcpSurvived++;
                        }
                    }
                    if (i % 10 == 0 || i <= 1) {
                        Report.progress("link trial %d/%d: announced after %.2f ms, %d pings lost", i, trials,
                                garp.map(g -> ms(t0, g)).orElse(Double.NaN), r.pingsLost());
                    }
                }
                int mark = d.mark();
                swa.run("link set dev " + tb.switchPort(1) + " up");
                d.awaitLog(mark, "IP interface repair detected on " + m1 + " ", Duration.ofSeconds(60));
                Fixtures.awaitOnlyOn(tb, TutorialTestbed.DATA_V4, m1, Duration.ofSeconds(5));
                if (failedTrials > 3) {
                    out.line("   aborted after %d trials without an announcement", failedTrials);
                    break;
                }
            }
            fdtChanges = d.findAll(0, "Cannot meet requested failure detection time").size();
            swa.close();
        }
        out.line("   failover latency, carrier loss -> first GARP from the survivor at the client: %s   [%s]",
                announced.summary("%.2f ms"), Report.against(announced.percentile(99), TARGET_P99_MS, " ms"));
        out.line("   trials over %s ms: %d of %d; the daemon's first failover (warm-up, not counted; code never run before): %.2f ms",
                Report.trim(TARGET_P99_MS), announced.above(TARGET_P99_MS), announced.count(), first[0]);
        out.line("   carrier loss -> address added on the survivor (ip monitor):            %s", added.summary("%.2f ms"));
        out.line("   carrier loss -> \"The link has gone down\" logged:                        %s", detected.summary("%.2f ms"));
        out.line("   pings lost per failover (10 ms interval): median %.0f, max %.0f   [%s]",
                lost.median(), lost.max(), Report.against(lost.max(), TARGET_LOST, " (max)"));
        out.line("   TCP echo stream survived, in order: %d of %d trials; trials without announcement: %d",
                tcpSurvived, lost.count(), failedTrials);
        if (fdtChanges > 0) {
            out.line("   note: the daemon raised the group FDT %d time(s) (\"Cannot meet requested failure detection time\")", fdtChanges);
        }
    }

    static double ms(Instant a, Instant b) {
        return Duration.between(a, b).toNanos() / 1e6;
    }

    static String mac(TutorialTestbed tb, String dev) {
        return tb.exec(HOST, "cat", "/sys/class/net/" + dev + "/address").strip();
    }

    /** The first "who-has DATA tell DATA" after {@code from} not sent by {@code notFrom}: its kernel stamp. */
    static Optional<Instant> awaitGarp(BackgroundProcess tcpdump, int from, String notFrom, Duration limit) {
        String needle = "who-has " + TutorialTestbed.DATA_V4 + " tell " + TutorialTestbed.DATA_V4;
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = tcpdump.stdoutLines();
            for (int i = from; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.contains(needle) && !l.contains(notFrom + " >")) {
                    return Optional.of(epoch(l.substring(0, l.indexOf(' '))));
                }
            }
            Netns.sleepQuietly(2);
        }
        return Optional.empty();
    }

    /** The first monitor line after {@code from} adding DATA to a member other than m1. */
    static Optional<Instant> awaitAdd(BackgroundProcess mon, int from, TutorialTestbed tb, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = mon.stdoutLines();
            for (int i = from; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.startsWith("[") && l.contains(" inet " + TutorialTestbed.DATA_V4 + "/") && !l.contains("Deleted")
                        && !l.contains(" " + tb.member(1) + " ")) {
                    return Optional.of(Fixtures.monitorStamp(l));
                }
            }
            Netns.sleepQuietly(2);
        }
        return Optional.empty();
    }

    static Instant epoch(String secondsDotMicros) {
        String[] p = secondsDotMicros.split("\\.");
        long s = Long.parseLong(p[0]);
        long us = Long.parseLong((p[1] + "000000").substring(0, 6));
        return Instant.ofEpochSecond(s, us * 1000);
    }
}
