package ipmpd.tests.bench;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.SWA;

import ipmpd.tests.testbed.IpBatch;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Probe-based detection time: the path behind m1 or m2 (alternately; m3 always works, so each
 * cut is an interface failure) is cut while every carrier stays up (the switch port set to
 * bridge state disabled through a running {@code bridge -batch}; time taken just before the
 * command), and the time until the daemon's line "IP interface failure detected on ..." is read
 * from its standard error is measured. Each cut starts at a random point of a probe interval. A
 * member is cut again only after its repair was logged. A fresh testbed and daemon per FDT.
 */
final class ProbeBench {
    private final Report out;
    private final int trials;
    private final List<Integer> fdts;

    ProbeBench(Report out, int trials, List<Integer> fdts) {
        this.out = out;
        this.trials = trials;
        this.fdts = fdts;
    }

    void run() {
        out.line("== probe: probe-based failure detection time, path cut -> \"IP interface failure detected\", %d trials per FDT", trials);
        for (int fdt : fdts) {
            runOne(fdt);
        }
    }

    private void runOne(int fdt) {
        Stats det = new Stats();
        int timeouts = 0;
        List<IpmpdProcess.LogLine> adapted;
        String finalFdt;
        try (TutorialTestbed tb = TutorialTestbed.create();
             IpmpdProcess d = Fixtures.tutorialDaemon(tb, fdt).start()) {
            d.awaitProbesAnswered(Duration.ofSeconds(20), 3, tb.members().toArray(String[]::new));
            IpBatch swa = IpBatch.bridge(tb, SWA);
            long intervalMs = Math.max(1, fdt / 7);
            int[] mendMark = {-1, -1, -1};
            for (int i = 1; i <= trials; i++) {
                int k = i % 2 == 1 ? 1 : 2;
                String m = tb.member(k);
                if (mendMark[k] >= 0) {
                    d.awaitLog(mendMark[k], "IP interface repair detected on " + m + " ", Duration.ofMillis(20L * fdt + 10_000));
                }
                Netns.sleepQuietly(ThreadLocalRandom.current().nextLong(intervalMs + 1));
                int mark = d.mark();
                Instant t0 = swa.run("link set dev " + tb.switchPort(k) + " state 0");
                try {
                    IpmpdProcess.LogLine l = d.awaitLog(mark, "IP interface failure detected on " + m + " ",
                            Duration.ofMillis(10L * fdt + 5000));
                    det.add(Duration.between(t0, l.received()).toNanos() / 1e6);
                } catch (AssertionError e) {
                    timeouts++;
                }
                mendMark[k] = d.mark();
                swa.run("link set dev " + tb.switchPort(k) + " state 3");
                if (i % 10 == 0) {
                    Report.progress("probe FDT %d ms: trial %d/%d, p50 so far %.0f ms", fdt, i, trials, det.median());
                }
            }
            adapted = d.findAll(0, "Cannot meet requested failure detection time|Improved failure detection time");
            finalFdt = d.parsable("-g", "FDT").toString();
            swa.close();
        }
        out.line("   FDT %5d ms: %s   [p99 %s]", fdt, det.summary("%.0f ms"),
                Report.against(det.percentile(99), fdt, " ms (the FDT)"));
        if (timeouts > 0) {
            out.line("                 %d trial(s) not detected within 10 x FDT + 5 s", timeouts);
        }
        if (!adapted.isEmpty()) {
            out.line("                 the daemon adapted the group FDT %d time(s), last: %s (FDT at the end %s)",
                    adapted.size(), adapted.get(adapted.size() - 1).message(), finalFdt);
        }
    }
}
