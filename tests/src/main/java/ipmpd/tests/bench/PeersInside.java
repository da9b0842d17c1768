package ipmpd.tests.bench;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.BackgroundProcess;
import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The peers bench's body, run inside one User-Mode Linux boot (see {@link PeersBench}) so that
 * bonding, teamd and ipmpd meet the same kernel, the same clock and the same failure commands.
 * Each setting gets a fresh {@link PeersBed}; results go to standard output as lines starting
 * "PEERS| " (progress: "PEERS~ "), which the host side copies into the bench report.
 *
 * <p>Measured per setting: carrier loss (switch port down) and path cut (bridge port disabled,
 * carrier up) to the first gratuitous ARP for the data address at the client; the client's lost
 * pings (every 10 ms) and whether its TCP echo stream survived; failback (cable plugged back) to
 * the first announcement and the pings lost meanwhile, on a plain switch and on one running STP
 * (forward delay 2 s); the daemon's steady-state CPU.
 */
public final class PeersInside {
    static final int WARMUP_TRIALS = 2;

    private enum Failure { LINK, PATH }

    /** What one setting measured. */
    static final class Result {
        final String system;
        final String setting;
        final Stats[] latency = {new Stats(), new Stats()};
        final Stats[] lost = {new Stats(), new Stats()};
        final int[] tcp = new int[2];
        final int[] missed = new int[2];
        final Stats[] failback = {new Stats(), new Stats()};
        final Stats[] failbackLost = {new Stats(), new Stats()};
        double cpuPercent = Double.NaN;
        final List<String> notes = new ArrayList<>();

        Result(PeerSystem s) {
            this.system = s.system;
            this.setting = s.setting;
        }
    }

    private final int linkTrials;
    private final int pathTrials;
    private final int failbackTrials;
    private final int stpForwardDelayCs;
    /** Systems to run ("bonding", "teamd", "ipmpd"); empty: all. */
    private final List<String> only;
    /** IPMPD_JAVA_OPTS of the daemon (null: none). */
    private final String ipmpdJavaOpts;

    PeersInside(int linkTrials, int pathTrials, int failbackTrials, int stpForwardDelayCs) {
        this(linkTrials, pathTrials, failbackTrials, stpForwardDelayCs, List.of(), null);
    }

    PeersInside(int linkTrials, int pathTrials, int failbackTrials, int stpForwardDelayCs, List<String> only,
                String ipmpdJavaOpts) {
        this.linkTrials = linkTrials;
        this.pathTrials = pathTrials;
        this.failbackTrials = failbackTrials;
        this.stpForwardDelayCs = stpForwardDelayCs;
        this.only = List.copyOf(only);
        this.ipmpdJavaOpts = ipmpdJavaOpts;
    }

    public static void main(String[] args) {
        int link = 20;
        int path = 10;
        int failback = 3;
        List<String> only = new ArrayList<>();
        List<String> javaOpts = new ArrayList<>();
        for (String a : args) {
            String v = a.substring(a.indexOf('=') + 1);
            if (a.startsWith("--link-trials=")) {
                link = Integer.parseInt(v);
            } else if (a.startsWith("--path-trials=")) {
                path = Integer.parseInt(v);
            } else if (a.startsWith("--failback-trials=")) {
                failback = Integer.parseInt(v);
            } else if (a.startsWith("--only=")) {
                only.addAll(List.of(v.split(",")));
            } else if (a.startsWith("--ipmpd-java-opt=")) {
                javaOpts.add(v);
            }
        }
        int rc = 0;
        try {
            new PeersInside(link, path, failback, 200, only, javaOpts.isEmpty() ? null : String.join(" ", javaOpts)).run();
        } catch (RuntimeException | AssertionError e) {
            out("FAILED: %s", e.toString().lines().findFirst().orElse(""));
            e.printStackTrace(System.out);
            rc = 1;
        }
        System.out.flush();
        System.exit(rc);
    }

    static void out(String fmt, Object... args) {
        System.out.println("PEERS| " + String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }

    static void progress(String fmt, Object... args) {
        System.out.println("PEERS~ " + String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }

    void run() {
        out("kernel %s (User-Mode Linux), %d CPU(s); trials: link %d, path %d, failback %d (+%d warm-up failures each); STP forward delay %d ms",
                System.getProperty("os.version"), Runtime.getRuntime().availableProcessors(), linkTrials, pathTrials,
                failbackTrials, WARMUP_TRIALS, stpForwardDelayCs * 10);
        List<Result> results = new ArrayList<>();
        results.add(measureSafely(() -> PeerSystem.Bonding.miimon(100), true, false, true));
        results.add(measureSafely(() -> PeerSystem.Bonding.miimon(10), true, false, true));
        results.add(measureSafely(() -> PeerSystem.Bonding.arpMonitor(100), false, true, false));
        results.add(measureSafely(PeerSystem.Teamd::ethtool, true, false, true));
        results.add(measureSafely(() -> PeerSystem.Teamd.arpPing(100, 3), false, true, false));
        results.add(measureSafely(() -> new PeerSystem.Ipmpd(1000, ipmpdJavaOpts), true, true, true));
        // the engine thread at real-time priority (agent.conf engine.realtime-priority), link failures only
        results.add(measureSafely(() -> new PeerSystem.Ipmpd(1000, ipmpdJavaOpts, 1), true, false, false));
        results.add(measureSafely(() -> new PeerSystem.Ipmpd(100, ipmpdJavaOpts), false, true, false));
        results.removeIf(r -> r == null);
        table(results);
    }

    /** One setting; a setting that breaks is reported as such and the others still run. */
    private Result measureSafely(Supplier<PeerSystem> factory, boolean link, boolean path, boolean failback) {
        Result r;
        try (PeerSystem s = factory.get()) {
            r = new Result(s);
        }
        link &= linkTrials > 0;
        path &= pathTrials > 0;
        failback &= failbackTrials > 0;
        if (!only.isEmpty() && !only.contains(r.system) || !(link || path || failback)) {
            return null;
        }
        try {
            measure(factory, link, path, failback, r);
        } catch (RuntimeException | AssertionError e) {
            r.notes.add("setting aborted: " + e.toString().lines().findFirst().orElse(""));
            progress("%s %s aborted: %s", r.system, r.setting, e);
        }
        return r;
    }

    private void measure(Supplier<PeerSystem> factory, boolean link, boolean path, boolean failback, Result r) {
        try (PeerSystem s = factory.get()) {
            progress("%s: starting", s.label());
            try (PeersBed bed = PeersBed.create(0)) {
                s.start(bed);
                awaitReady(s, bed);
                BackgroundProcess arp = bed.start(bed.client, "tcpdump", "-l", "-n", "-tt", "-e", "-i", "c0", "arp");
                Await.until("tcpdump listening", Duration.ofSeconds(60),
                        () -> arp.stderrLines().stream().anyMatch(l -> l.contains("listening")));
                if (link) {
                    failures(s, bed, arp, Failure.LINK, linkTrials, r);
                }
                if (path) {
                    failures(s, bed, arp, Failure.PATH, pathTrials, r);
                }
                if (failback) {
                    failbacks(s, bed, arp, 0, r);
                }
                // steady state: after the trials, so a JVM's start-up and compilation are not counted
                awaitReady(s, bed);
                r.cpuPercent = cpuPercent(s.pid(), Duration.ofSeconds(10));
                r.notes.addAll(s.notes());
            }
        }
        if (failback && stpForwardDelayCs > 0) {
            try (PeerSystem s = factory.get(); PeersBed bed = PeersBed.create(stpForwardDelayCs)) {
                progress("%s: failback with STP", s.label());
                s.start(bed);
                awaitReady(s, bed);
                BackgroundProcess arp = bed.start(bed.client, "tcpdump", "-l", "-n", "-tt", "-e", "-i", "c0", "arp");
                Await.until("tcpdump listening", Duration.ofSeconds(60),
                        () -> arp.stderrLines().stream().anyMatch(l -> l.contains("listening")));
                failbacks(s, bed, arp, 1, r);
                r.notes.addAll(s.notes());
            }
        }
    }

    private static void awaitReady(PeerSystem s, PeersBed bed) {
        Await.until(() -> s.label() + " ready (m1 active, both usable, ports forwarding): active " + s.active()
                        + ", ports " + bed.portState("m1") + "/" + bed.portState("m2"),
                Duration.ofSeconds(180),
                () -> s.ready() && bed.portState("m1").equals("forwarding") && bed.portState("m2").equals("forwarding"));
    }

    private void failures(PeerSystem s, PeersBed bed, BackgroundProcess arp, Failure kind, int trials, Result r) {
        int k = kind.ordinal();
        Duration limit = Duration.ofSeconds(kind == Failure.LINK ? 5 : 20);
        for (int i = 1 - WARMUP_TRIALS; i <= trials; i++) {
            awaitReady(s, bed);
            try (ClientTraffic traffic = ClientTraffic.builder(bed.host, bed.client)
                    .dataAddress(PeersBed.DATA_ADDRESS).connectTimeout(Duration.ofSeconds(30)).start()) {
                traffic.awaitRunning(Duration.ofSeconds(60));
                int mark = arp.stdoutLines().size();
                Netns.sleepQuietly(ThreadLocalRandom.current().nextInt(50));
                Instant t0 = kind == Failure.LINK ? bed.pull("m1") : bed.block("m1");
                Optional<Instant> garp = awaitAnnouncement(arp, mark, t0, limit);
                Netns.sleepQuietly(300);
                ClientTraffic.Report rep = traffic.stop();
                if (i >= 1) {
                    if (garp.isPresent()) {
                        r.latency[k].add(LinkBench.ms(t0, garp.get()));
                    } else {
                        r.missed[k]++;
                    }
                    r.lost[k].add(rep.pingsLost());
                    if (rep.tcpSurvived()) {
                        r.tcp[k]++;
                    }
                }
                progress("%s %s trial %d/%d: %s, %d pings lost", s.label(), kind, i, trials,
                        garp.map(g -> String.format(Locale.ROOT, "announced after %.2f ms", LinkBench.ms(t0, g)))
                                .orElse("no announcement"), rep.pingsLost());
            } finally {
                if (kind == Failure.LINK) {
                    bed.plug("m1");
                } else {
                    bed.unblock("m1");
                }
            }
        }
    }

    /** Cable 1 pulled and, once the survivor carries the address, plugged again: the failback. */
    private void failbacks(PeerSystem s, PeersBed bed, BackgroundProcess arp, int k, Result r) {
        for (int i = 1; i <= failbackTrials; i++) {
            awaitReady(s, bed);
            bed.pull("m1");
            Await.until(() -> s.label() + " failed over to m2: active " + s.active(), Duration.ofSeconds(20),
                    () -> "m2".equals(s.active()));
            Netns.sleepQuietly(1000);
            try (ClientTraffic traffic = ClientTraffic.builder(bed.host, bed.client)
                    .dataAddress(PeersBed.DATA_ADDRESS).connectTimeout(Duration.ofSeconds(30)).start()) {
                traffic.awaitRunning(Duration.ofSeconds(60));
                int mark = arp.stdoutLines().size();
                Instant t0 = bed.plug("m1");
                Await.until(() -> s.label() + " failed back to m1: active " + s.active(), Duration.ofSeconds(60),
                        () -> "m1".equals(s.active()));
                Optional<Instant> garp = awaitAnnouncement(arp, mark, t0, Duration.ofSeconds(5));
                // the port may still be learning: keep the client going until it forwards, then a little more
                Await.until("port 1 forwarding", Duration.ofSeconds(30), () -> bed.portState("m1").equals("forwarding"));
                Netns.sleepQuietly(1000);
                ClientTraffic.Report rep = traffic.stop();
                garp.ifPresent(g -> r.failback[k].add(LinkBench.ms(t0, g)));
                r.failbackLost[k].add(rep.pingsLost());
                progress("%s failback%s trial %d/%d: %s, %d pings lost, TCP %s", s.label(), k == 1 ? " (STP)" : "", i,
                        failbackTrials, garp.map(g -> String.format(Locale.ROOT, "announced after %.0f ms", LinkBench.ms(t0, g)))
                                .orElse("no announcement"), rep.pingsLost(), rep.tcpSurvived() ? "survived" : "lost");
            }
        }
    }

    /**
     * The first gratuitous ARP for the data address (a request, or a reply to broadcast, with
     * sender = target) stamped at or after {@code t0}; tcpdump runs with -e. Ordinary replies
     * to the client's own ARP requests are unicast and do not count.
     */
    static Optional<Instant> awaitAnnouncement(BackgroundProcess tcpdump, int from, Instant t0, Duration limit) {
        String request = "who-has " + PeersBed.DATA_ADDRESS + " tell " + PeersBed.DATA_ADDRESS;
        String reply = "Reply " + PeersBed.DATA_ADDRESS + " is-at";
        long deadline = System.nanoTime() + limit.toNanos();
        int next = from;
        while (System.nanoTime() < deadline) {
            List<String> lines = tcpdump.stdoutLines();
            for (; next < lines.size(); next++) {
                String l = lines.get(next);
                boolean gratuitous = l.contains(request) || (l.contains(reply) && l.contains("> ff:ff:ff:ff:ff:ff"));
                if (gratuitous) {
                    Instant at = LinkBench.epoch(l.substring(0, l.indexOf(' ')));
                    if (!at.isBefore(t0)) {
                        return Optional.of(at);
                    }
                }
            }
            Netns.sleepQuietly(2);
        }
        return Optional.empty();
    }

    /** CPU share of a process over {@code d} from /proc/PID/stat (utime + stime, 100 ticks a second). */
    static double cpuPercent(long pid, Duration d) {
        if (pid <= 0) {
            Netns.sleepQuietly(d.toMillis());
            return Double.NaN;
        }
        long a = ticks(pid);
        long t0 = System.nanoTime();
        Netns.sleepQuietly(d.toMillis());
        long b = ticks(pid);
        double secs = (System.nanoTime() - t0) / 1e9;
        return a < 0 || b < 0 ? Double.NaN : (b - a) / 100.0 / secs * 100;
    }

    static long ticks(long pid) {
        long sum = 0;
        try {
            Path task = Path.of("/proc/" + pid + "/stat");
            String s = Files.readString(task);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String ms(Stats s, double p) {
        return s.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f", s.percentile(p));
    }

    private void table(List<Result> results) {
        out("");
        out("%-8s %-44s %-7s %8s %8s %11s %6s %19s %19s %6s", "system", "setting", "failure", "p50 ms", "p99 ms",
                "pings lost", "TCP", "failback ms/lost", "failback+STP", "CPU %");
        for (Result r : results) {
            for (Failure f : Failure.values()) {
                int k = f.ordinal();
                if (r.latency[k].isEmpty() && r.missed[k] == 0) {
                    continue;
                }
                int n = r.lost[k].count();
                out("%-8s %-44s %-7s %8s %8s %11s %6s %19s %19s %6s", r.system, r.setting, f.name().toLowerCase(Locale.ROOT),
                        ms(r.latency[k], 50), ms(r.latency[k], 99),
                        n == 0 ? "-" : String.format(Locale.ROOT, "%.0f/%.0f", r.lost[k].median(), r.lost[k].max()),
                        r.tcp[k] + "/" + n, failbackCell(r, 0), failbackCell(r, 1),
                        Double.isNaN(r.cpuPercent) ? "kernel" : String.format(Locale.ROOT, "%.2f", r.cpuPercent));
                if (r.missed[k] > 0) {
                    out("         (%d of %d %s trials of %s brought no announcement within the limit)", r.missed[k], n,
                            f.name().toLowerCase(Locale.ROOT), r.setting);
                }
            }
        }
        out("(p50/p99: failure to the first gratuitous ARP at the client; pings lost: median/max per trial, 10 ms interval;"
                + " failback: plug to announcement, median ms / max pings lost)");
        for (Result r : results) {
            for (String n : r.notes.stream().distinct().limit(3).toList()) {
                out("note %s %s: %s", r.system, r.setting, n);
            }
        }
        ratios(results, Failure.LINK);
        ratios(results, Failure.PATH);
    }

    private String failbackCell(Result r, int k) {
        if (r.failbackLost[k].isEmpty()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%s/%.0f", r.failback[k].isEmpty() ? "none" : String.format(Locale.ROOT, "%.0f",
                r.failback[k].median()), r.failbackLost[k].max());
    }

    private void ratios(List<Result> results, Failure f) {
        int k = f.ordinal();
        Result best50 = null;
        Result best99 = null;
        for (Result r : results) {
            if (r.system.equals("ipmpd") || r.latency[k].isEmpty()) {
                continue;
            }
            if (best50 == null || r.latency[k].median() < best50.latency[k].median()) {
                best50 = r;
            }
            if (best99 == null || r.latency[k].percentile(99) < best99.latency[k].percentile(99)) {
                best99 = r;
            }
        }
        if (best50 == null) {
            return;
        }
        for (Result r : results) {
            if (!r.system.equals("ipmpd") || r.latency[k].isEmpty()) {
                continue;
            }
            double q50 = r.latency[k].median() / best50.latency[k].median();
            double q99 = r.latency[k].percentile(99) / best99.latency[k].percentile(99);
            out("%s failure, ipmpd %s / best peer: p50 %.2f (best %s %s), p99 %.2f (best %s %s)   [target <= 1: %s]",
                    f.name().toLowerCase(Locale.ROOT), r.setting, q50, best50.system, best50.setting, q99, best99.system,
                    best99.setting, f == Failure.PATH ? "not a target" : (q50 <= 1 && q99 <= 1 ? "met" : "NOT MET"));
        }
    }
}
