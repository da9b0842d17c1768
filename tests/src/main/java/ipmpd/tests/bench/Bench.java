package ipmpd.tests.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/bench [NAME...] [--link-trials=N] [--probe-trials=N] [--scale-seconds=S]}: the
 * benchmarks (link, probe, scale; all when none is named). Figures go to standard output and to
 * $BENCH_OUT, else ./bench-results.txt; progress notes to standard error. Needs root (network
 * namespaces) and a built tree (bin/build).
 */
public final class Bench {
    static final List<String> ALL = List.of("link", "probe", "scale", "snmp", "netconf", "spread");
    /** Run only when named: peers boots User-Mode Linux; crash's 1000 kills take about an hour. */
    static final List<String> ON_REQUEST = List.of("peers", "crash");

    private Bench() {
    }

    static String loadavg() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    /** kill -9 at random moments of configuration changes ({@link ipmpd.tests.crash.CrashRun}); fails on any mix or orphan. */
    static void crash(Report out, int kills) {
        long seed = System.nanoTime();
        out.line("== crash: %d kill -9 of the daemon (%d members) during NETCONF commits A<->B, ipmpadm changes, "
                + "SNMP SETs, and with a confirmed commit pending (every tenth); seed %d", kills,
                ipmpd.tests.crash.CrashRun.MEMBERS, seed);
        try (ipmpd.tests.crash.CrashRun run = new ipmpd.tests.crash.CrashRun(System.err::println, seed)) {
            run.setUp();
            ipmpd.tests.crash.CrashRun.Counts c = run.run(kills);
            out.line("   %s", c);
            if (!c.clean()) {
                throw new AssertionError("crash: not clean: " + c);
            }
        }
    }

    public static void main(String[] args) {
        List<String> names = new ArrayList<>();
        int linkTrials = 50;
        int spreadFailoverTrials = 30;
        int probeTrials = 40;
        int scaleSeconds = 30;
        int scaleMembers = 64;
        List<String> peersArgs = new ArrayList<>();
        int crashKills = 1000;
        for (String a : args) {
            if (a.startsWith("--link-trials=")) {
                linkTrials = Integer.parseInt(a.substring(a.indexOf('=') + 1));
            } else if (a.startsWith("--spread-failover-trials=")) {
                spreadFailoverTrials = Integer.parseInt(a.substring(a.indexOf('=') + 1));
            } else if (a.startsWith("--probe-trials=")) {
                probeTrials = Integer.parseInt(a.substring(a.indexOf('=') + 1));
            } else if (a.startsWith("--scale-seconds=")) {
                scaleSeconds = Integer.parseInt(a.substring(a.indexOf('=') + 1));
            } else if (a.startsWith("--scale-members=")) {
                // a multiple of 4; the target is defined for 64, larger beds show start-up and growth
                scaleMembers = Math.max(4, Integer.parseInt(a.substring(a.indexOf('=') + 1)) / 4 * 4);
            } else if (a.startsWith("--peers-")) {
                peersArgs.add("--" + a.substring("--peers-".length()));
            } else if (a.startsWith("--crash-kills=")) {
                crashKills = Integer.parseInt(a.substring(a.indexOf('=') + 1));
            } else if (ALL.contains(a) || ON_REQUEST.contains(a)) {
                names.add(a);
            } else {
                System.err.println("bench: unknown benchmark or option " + a);
                System.err.println("Usage: bench [link] [probe] [scale] [snmp] [netconf] [spread] [peers] [crash] [--link-trials=N] "
                        + "[--spread-failover-trials=N] [--probe-trials=N] [--scale-seconds=S] [--scale-members=N] [--peers-link-trials=N] "
                        + "[--peers-path-trials=N] [--peers-failback-trials=N] [--peers-only=SYSTEM,...] [--peers-ipmpd-java-opt=OPT] [--crash-kills=N]");
                System.exit(2);
            }
        }
        if (names.isEmpty()) {
            names.addAll(ALL);
        }
        String env = System.getenv("BENCH_OUT");
        Path file = Path.of(env != null && !env.isEmpty() ? env : "bench-results.txt").toAbsolutePath();
        Report out = new Report(file);
        out.line("ipmpd bench %s, %s, %d CPUs, kernel %s, load average %s; results also in %s", String.join(" ", names),
                LocalDateTime.now().withNano(0), Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"),
                loadavg(), file);
        long t0 = System.nanoTime();
        int failed = 0;
        for (String n : names) {
            try {
                switch (n) {
                    case "link" -> new LinkBench(out, linkTrials, 1000).run();
                    case "probe" -> new ProbeBench(out, probeTrials, List.of(100, 1000)).run();
                    case "scale" -> new ScaleBench(out, scaleMembers, 4, scaleSeconds, ScaleBench.WARMUP_S).run();
                    case "snmp" -> SnmpBench.run(out.file());
                    case "netconf" -> NetconfBench.run(out.file());
                    case "peers" -> PeersBench.run(out, peersArgs);
                    case "spread" -> new SpreadBench(out, spreadFailoverTrials).run();
                    case "crash" -> crash(out, crashKills);
                    default -> throw new IllegalStateException(n);
                }
                out.line("   (load average while it ran, from /proc/loadavg: %s; other work on the machine skews the figures)",
                        loadavg());
            } catch (RuntimeException | AssertionError e) {
                failed++;
                out.line("   %s: FAILED: %s", n, e.toString().lines().findFirst().orElse(""));
                e.printStackTrace();
            }
        }
        out.line("done in %.0f s", Duration.ofNanos(System.nanoTime() - t0).toMillis() / 1000.0);
        System.exit(failed == 0 ? 0 : 1);
    }
}
