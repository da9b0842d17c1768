package ipmpd.tests.bench;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.tests.testbed.ScaleTestbed;
import ipmpd.testkit.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The setup the SNMP and NETCONF benchmarks share: a {@link ScaleTestbed} of 256 members (veths
 * into one bridge namespace) in 64 groups of 4, and the real daemon in the host namespace with its
 * agent faces on the loopback. Members 0..127 test from 198.51.100.10.., members 128..255 from
 * 203.0.113.10..; the bridge answers probes as 198.51.100.1 and 203.0.113.1, configured as each
 * group's target (ipmp.conf); member 4g holds group g's data address (198.51.100.150+g, or
 * 203.0.113.150+g-32). FDT 1000 ms, no quiet period. {@link #close()} removes the daemon, both
 * namespaces (and whatever runs in them) and the work directory, also on failure and at JVM exit.
 */
final class AgentBed implements AutoCloseable {
    /** 256; a smaller multiple of 4 through -Dipmpd.bench.agent-members=N for trying changes quickly. */
    static final int MEMBERS = Math.max(32, Math.min(256, Integer.getInteger("ipmpd.bench.agent-members", 256) / 4 * 4));
    static final int PER_GROUP = 4;
    static final String ROUTER2 = "203.0.113.1";

    private final ScaleTestbed sb;
    private final Path work;
    private final Thread hook;
    private IpmpdProcess daemon;
    private Map<String, Integer> ifindex = Map.of();
    private double upSeconds;
    private boolean closed;

    private AgentBed() {
        try {
            work = Files.createTempDirectory("ipmpd-agentbench-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hook = new Thread(this::close, "agentbed-reaper");
        Runtime.getRuntime().addShutdownHook(hook);
        ScaleTestbed t;
        try {
            t = new ScaleTestbed(MEMBERS);
        } catch (RuntimeException | Error e) {
            deleteWork();
            throw e;
        }
        sb = t;
    }

    /**
     * Builds the namespaces and starts the daemon; {@code files} gives the extra files of its
     * configuration directory (agent.conf, ...; it may write private files into {@link #work()}).
     * Returns once every member had probes answered.
     */
    static AgentBed start(java.util.function.Function<AgentBed, Map<String, List<String>>> files) {
        return start(files, null);
    }

    /** The same with the daemon's JVM options (IPMPD_JAVA_OPTS; null: none). */
    static AgentBed start(java.util.function.Function<AgentBed, Map<String, List<String>>> files,
                          java.util.function.Function<AgentBed, String> javaOpts) {
        AgentBed b = new AgentBed();
        try {
            b.launch(files.apply(b), javaOpts == null ? null : javaOpts.apply(b));
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    static String group(int member) {
        return "g" + member / PER_GROUP;
    }

    static String testAddress(int member) {
        return member < 128 ? "198.51.100." + (10 + member) : "203.0.113." + (10 + member - 128);
    }

    static String router(int group) {
        return group < 32 ? ScaleTestbed.ROUTER : ROUTER2;
    }

    static String dataAddress(int group) {
        return group < 32 ? "198.51.100." + (150 + group) : "203.0.113." + (150 + group - 32);
    }

    private void launch(Map<String, List<String>> files, String javaOpts) {
        String bridge = sb.prefix() + "-br";
        Netns.exec(null, "ip", "-n", sb.lanNs(), "addr", "add", ROUTER2 + "/24", "dev", bridge);
        IpmpdProcess.Builder b = IpmpdProcess.builder(sb.hostNs())
                .mpathd("FAILURE_DETECTION_TIME=1000", "FAILBACK=yes", "PROBE_QUIET_PERIOD=0");
        List<String> conf = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            String test = testAddress(i) + "/24 deprecated -failover group " + group(i) + " up";
            if (i % PER_GROUP == 0) {
                int g = i / PER_GROUP;
                b.file("hostname." + sb.member(i), test, "addif " + dataAddress(g) + "/24 up");
                conf.add("targets g" + g + " " + router(g));
            } else {
                b.file("hostname." + sb.member(i), test);
            }
        }
        b.file("ipmp.conf", conf.toArray(String[]::new));
        files.forEach((name, lines) -> b.file(name, lines.toArray(String[]::new)));
        if (javaOpts != null) {
            b.javaOpts(javaOpts);
        }
        long t = System.nanoTime();
        // the daemon answers once every member is configured: about 2.5 min for 256 members here (the
        // platform resynchronises every member's source-steering table at each join: quadratic)
        daemon = b.readyTimeout(Duration.ofSeconds(480)).start();
        daemon.awaitProbesAnswered(Duration.ofSeconds(120), 2, sb.members().toArray(String[]::new));
        upSeconds = (System.nanoTime() - t) / 1e9;
        Map<String, Integer> idx = new HashMap<>();
        for (String line : Netns.exec(sb.hostNs(), "ip", "-o", "link", "show").split("\n")) {
            String[] f = line.strip().split(":\\s+", 3);
            if (f.length >= 2) {
                String name = f[1].contains("@") ? f[1].substring(0, f[1].indexOf('@')) : f[1];
                idx.put(name, Integer.parseInt(f[0].strip()));
            }
        }
        ifindex = Map.copyOf(idx);
    }

    IpmpdProcess daemon() {
        return daemon;
    }

    String hostNs() {
        return sb.hostNs();
    }

    String lanNs() {
        return sb.lanNs();
    }

    String member(int i) {
        return sb.member(i);
    }

    /** The bridge-side end of member i's veth (in the LAN namespace). */
    String peer(int i) {
        return sb.prefix() + "-p" + i;
    }

    int ifindex(String ifname) {
        Integer i = ifindex.get(ifname);
        if (i == null) {
            throw new IllegalStateException("no interface " + ifname + " in " + sb.hostNs());
        }
        return i;
    }

    /** Seconds from the daemon's start to every member having had probes answered. */
    double upSeconds() {
        return upSeconds;
    }

    /** A private (0700) directory removed with the bed. */
    Path work() {
        return work;
    }

    /** Writes a file of the work directory, readable by its owner only. */
    Path privateFile(String name, String content) {
        Path p = work.resolve(name);
        try {
            Files.deleteIfExists(p);
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(p, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** Copies a resource of this package into the work directory. */
    Path resource(String name) {
        Path p = work.resolve(name);
        try (InputStream in = AgentBed.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the tests jar");
            }
            Files.copy(in, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The java launcher running this JVM. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The daemon's libraries (agent/target/lib/*), for helpers run with the source launcher. */
    static String agentLibs() {
        Path lib = IpmpdProcess.root().resolve("agent/target/lib");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException(lib + " missing: run bin/build");
        }
        return lib + "/*";
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            try {
                if (sb != null) {
                    sb.close();
                }
            } finally {
                deleteWork();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // the JVM is exiting: this is the hook
                }
            }
        }
    }

    private void deleteWork() {
        TempDirs.delete(work);
    }

    /** "2 CPUs, load average 0.52 0.40 0.33" (other work on the machine skews the figures). */
    static String machine() {
        String load;
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            load = f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            load = "?";
        }
        return Runtime.getRuntime().availableProcessors() + " CPUs, load average " + load;
    }

    static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }

    /** Result lines: printed on standard output and appended to the results file as they come, and kept. */
    static final class Out {
        private final Path file;
        private final List<String> lines = new ArrayList<>();

        Out(Path file) {
            this.file = file;
        }

        void line(String f, Object... a) {
            String s = a.length == 0 ? f : fmt(f, a);
            lines.add(s);
            System.out.println(s);
            System.out.flush();
            if (file != null) {
                try {
                    Files.writeString(file, s + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot append to " + file, e);
                }
            }
        }

        List<String> lines() {
            return List.copyOf(lines);
        }
    }

    /** The results file of a stand-alone run: the argument, else $BENCH_OUT, else ./bench-results.txt. */
    static Path outFile(String[] args) {
        String env = System.getenv("BENCH_OUT");
        String f = args.length > 0 ? args[0] : env != null && !env.isEmpty() ? env : "bench-results.txt";
        return Path.of(f).toAbsolutePath();
    }
}
