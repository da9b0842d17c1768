package ipmpd.tests.bench;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.tests.testbed.ScaleTestbed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The daemon's cost at scale: 64 members in 16 groups of 4 on one bridge (ScaleTestbed), each
 * with an IPv4 test address probing the router 198.51.100.1 at FDT 1000 ms (7 probes a second
 * each, 448 in all) and one data address per group. After every member had probes answered and
 * a warm-up ({@link #WARMUP_S}), CPU time (utime + stime of the daemon's JVM, /proc/PID/stat, all threads) is
 * sampled over the window and given as % of one core; RSS and its peak from /proc/PID/status.
 */
final class ScaleBench {
    static final double TARGET_CPU = 5;
    /**
     * Steady state: the probe path runs ~150 engine wake-ups a second, so the JIT's last (C2)
     * compilations of it come 30-50 s after the start; a window opened earlier bills start-up
     * work to the steady state (the compiler thread is listed among the busiest threads).
     */
    static final int WARMUP_S = 60;

    private final Report out;
    private final int members;
    private final int perGroup;
    private final int windowS;
    private final int warmupS;

    ScaleBench(Report out, int members, int perGroup, int windowS, int warmupS) {
        this.out = out;
        this.members = members;
        this.perGroup = perGroup;
        this.windowS = windowS;
        this.warmupS = warmupS;
    }

    void run() {
        int groups = members / perGroup;
        out.line("== scale: %d members in %d groups of %d, FDT 1000 ms, IPv4 probing; CPU over %d s after %d s of warm-up",
                members, groups, perGroup, windowS, warmupS);
        try (ScaleTestbed sb = new ScaleTestbed(members)) {
            IpmpdProcess.Builder b = IpmpdProcess.builder(sb.hostNs())
                    .mpathd("FAILURE_DETECTION_TIME=1000", "FAILBACK=yes", "PROBE_QUIET_PERIOD=0");
            if (members > 128) {
                // More test addresses than one /24 holds: the agent benchmarks' addressing (AgentBed).
                Netns.exec(null, "ip", "-n", sb.lanNs(), "addr", "add", AgentBed.ROUTER2 + "/24", "dev", sb.prefix() + "-br");
                List<String> conf = new java.util.ArrayList<>();
                for (int i = 0; i < members; i++) {
                    int g = i / perGroup;
                    String test = AgentBed.testAddress(i) + "/24 deprecated -failover group g" + g + " up";
                    if (i % perGroup == 0) {
                        b.file("hostname." + sb.member(i), test, "addif " + AgentBed.dataAddress(g) + "/24 up");
                        conf.add("targets g" + g + " " + AgentBed.router(g));
                    } else {
                        b.file("hostname." + sb.member(i), test);
                    }
                }
                b.file("ipmp.conf", conf.toArray(String[]::new));
            } else {
                for (int i = 0; i < members; i++) {
                    int g = i / perGroup;
                    String test = "198.51.100." + (10 + i) + "/24 deprecated -failover group g" + g + " up";
                    if (i % perGroup == 0) {
                        b.file("hostname." + sb.member(i), test, "addif 198.51.100." + (100 + g) + "/24 up");
                    } else {
                        b.file("hostname." + sb.member(i), test);
                    }
                }
            }
            long t = System.nanoTime();
            try (IpmpdProcess d = b.readyTimeout(Duration.ofSeconds(480)).start()) {
                d.awaitProbesAnswered(Duration.ofSeconds(120), 2, sb.members().toArray(String[]::new));
                double upS = (System.nanoTime() - t) / 1e9;
                long pid = d.pid();
                String comm = read("/proc/" + pid + "/comm").strip();
                Netns.sleepQuietly(warmupS * 1000L);
                int mark = d.mark();
                long hz = Long.parseLong(Netns.exec(null, "getconf", "CLK_TCK").strip());
                java.util.Map<String, Long> th0 = threadTicks(pid);
                long c0 = cpuTicks(pid);
                long w0 = System.nanoTime();
                Netns.sleepQuietly(windowS * 1000L); // the measuring window
                long c1 = cpuTicks(pid);
                long w1 = System.nanoTime();
                java.util.Map<String, Long> th1 = threadTicks(pid);
                double cpu = 100.0 * (c1 - c0) / hz / ((w1 - w0) / 1e9);
                long rssKb = statusKb(pid, "VmRSS");
                long hwmKb = statusKb(pid, "VmHWM");
                int threads = (int) statusKb(pid, "Threads");
                List<List<String>> ifs = d.parsable("-i", "INTERFACE,STATE");
                long ok = ifs.stream().filter(r -> r.get(1).equals("ok")).count();
                List<IpmpdProcess.LogLine> failures = d.findAll(mark, "failure detected|are now unusable|Cannot meet");
                out.line("   daemon CPU: %.2f %% of one core   [%s]", cpu, Report.against(cpu, TARGET_CPU, " %"));
                StringBuilder top = new StringBuilder();
                th1.entrySet().stream()
                        .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - th0.getOrDefault(e.getKey(), 0L)))
                        .filter(e -> e.getValue() > 0)
                        .sorted((a, x) -> Long.compare(x.getValue(), a.getValue())).limit(4)
                        .forEach(e -> top.append(String.format(java.util.Locale.ROOT, "%s%s %.2f %%", top.length() == 0 ? "" : ", ",
                                e.getKey(), 100.0 * e.getValue() / hz / ((w1 - w0) / 1e9))));
                out.line("   busiest threads: %s", top);
                out.line("   daemon RSS: %.1f MiB (peak %.1f MiB), %d threads (process %d, %s)", rssKb / 1024.0, hwmKb / 1024.0,
                        threads, pid, comm);
                out.line("   start to every member answered: %.1f s; members ok at the end: %d of %d; failures or FDT changes logged in the window: %d",
                        upS, ok, ifs.size(), failures.size());
                d.stop();
            }
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** utime + stime of a process (all its threads), in clock ticks. */
    static long cpuTicks(long pid) {
        String s = read("/proc/" + pid + "/stat");
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** CPU ticks per thread name (threads of the same name added up). */
    static java.util.Map<String, Long> threadTicks(long pid) {
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        java.io.File[] tasks = new java.io.File("/proc/" + pid + "/task").listFiles();
        if (tasks == null) {
            return m;
        }
        for (java.io.File t : tasks) {
            try {
                String s = Files.readString(t.toPath().resolve("stat"));
                String name = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                m.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
            } catch (IOException | RuntimeException e) {
                // thread gone
            }
        }
        return m;
    }

    static long statusKb(long pid, String key) {
        for (String l : read("/proc/" + pid + "/status").split("\n")) {
            if (l.startsWith(key + ":")) {
                return Long.parseLong(l.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }
}
