package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ipmpd.linux.NetNs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A throw-away failover network, three namespaces named with a random per-run prefix:
 *
 * <pre>
 *   host (H)                switch (S)                                 client (C)
 *   m1 ---------------- s1 \
 *   m2 ---------------- s2 -- br0 192.0.2.1/24 2001:db8::1/64 -- sc ---- c0 192.0.2.100/24 2001:db8::100/64
 * </pre>
 *
 * The bridge's own addresses play the router (it answers pings to 224.0.0.1). H starts with no
 * address and default sysctls: the daemon under test must tune and configure it. DAD is off in S
 * and C (their addresses are usable at once) and in H for link-local addresses (so IPv6 probing
 * starts at once). Only documentation prefixes; {@link #close()} (or a shutdown hook) deletes
 * the namespaces and with them every interface.
 */
final class FailoverLab implements AutoCloseable {
    static final String ROUTER4 = "192.0.2.1";
    static final String ROUTER6 = "2001:db8::1";
    static final String CLIENT4 = "192.0.2.100";
    static final String CLIENT6 = "2001:db8::100";
    private static final long CMD_TIMEOUT_S = 15;

    final String host;
    final String sw;
    final String client;
    /** Members m1..mN in the host, ports s1..sN on the bridge. */
    final int members;
    private final Map<String, NetNs.Executor> executors = new HashMap<>();
    private final Thread cleanupHook = new Thread(this::deleteNamespaces, "failover-lab-cleanup");

    private FailoverLab(int members) {
        this.members = members;
        byte[] r = new byte[3];
        new SecureRandom().nextBytes(r);
        String prefix = "ipf" + HexFormat.of().formatHex(r);
        host = prefix + "-h";
        sw = prefix + "-s";
        client = prefix + "-c";
    }

    static void assumeCapable() {
        assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "kernel tests need ip(8)");
    }

    static FailoverLab create() throws Exception {
        return create(2);
    }

    /** The same network with {@code members} members (m1..mN on ports s1..sN). */
    static FailoverLab create(int members) throws Exception {
        assumeCapable();
        FailoverLab lab = new FailoverLab(members);
        Runtime.getRuntime().addShutdownHook(lab.cleanupHook);
        try {
            lab.build();
            return lab;
        } catch (Throwable t) {
            lab.close();
            throw t;
        }
    }

    private void build() throws Exception {
        for (String ns : List.of(host, sw, client)) {
            run("ip", "netns", "add", ns);
            ip(ns, "link set lo up");
            sysctl(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        }
        sysctl(sw, "net.ipv4.icmp_echo_ignore_broadcasts=0");
        ip(sw, "link add br0 type bridge stp_state 0 mcast_snooping 0");
        for (int i = 1; i <= members; i++) {
            ip(host, "link add m" + i + " type veth peer name s" + i + " netns " + sw);
            ip(sw, "link set s" + i + " master br0 up");
        }
        ip(client, "link add c0 type veth peer name sc netns " + sw);
        ip(sw, "link set sc master br0 up");
        ip(sw, "link set br0 up");
        ip(sw, "addr add " + ROUTER4 + "/24 dev br0");
        ip(sw, "addr add " + ROUTER6 + "/64 dev br0 nodad");
        ip(client, "link set c0 up");
        ip(client, "addr add " + CLIENT4 + "/24 dev c0");
        ip(client, "addr add " + CLIENT6 + "/64 dev c0 nodad");
        for (int i = 1; i <= members; i++) {
            ip(host, "link set m" + i + " up");
        }
    }

    /** Runs a task on a thread inside namespace {@code ns} (one cached executor per namespace). */
    <T> T in(String ns, Callable<T> task) throws Exception {
        return executor(ns).call(task);
    }

    NetNs.Executor executor(String ns) throws IOException {
        synchronized (executors) {
            NetNs.Executor ex = executors.get(ns);
            if (ex == null) {
                ex = NetNs.open(ns);
                executors.put(ns, ex);
            }
            return ex;
        }
    }

    String ip(String ns, String args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args.trim().split("\\s+")));
        return run(cmd.toArray(new String[0]));
    }

    /** A command inside a namespace ({@code ip netns exec}). */
    String exec(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(new String[0]));
    }

    /** Like {@link #exec} but returns the exit status instead of failing. */
    int status(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(CMD_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    void sysctl(String ns, String... assignments) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        cmd.addAll(List.of(assignments));
        exec(ns, cmd.toArray(new String[0]));
    }

    String sysctlGet(String ns, String key) throws IOException, InterruptedException {
        return exec(ns, "sysctl", "-n", key).trim();
    }

    /** Runs a command with a bounded wait; kills it on timeout; fails on a non-zero exit. */
    static String run(String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("failover-lab", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!p.waitFor(CMD_TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
        }
    }

    /**
     * Waits until {@code condition} holds, polling every {@code pollMillis}; fails after the longer
     * of {@code timeoutMillis} and the suite's patience ({@link ipmpd.testkit.Await#PATIENCE}): a
     * wait is not a measurement (time what you measure, and report it).
     *
     * @return the nanoTime at which it was first seen to hold
     */
    static long await(String what, long timeoutMillis, long pollMillis, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long limit = Math.max(timeoutMillis, ipmpd.testkit.Await.PATIENCE.toMillis());
        long deadline = System.nanoTime() + limit * 1_000_000L;
        while (true) {
            if (condition.getAsBoolean()) {
                return System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " ms waiting for " + what);
            }
            Thread.sleep(pollMillis);
        }
    }

    /**
     * Stops what a kernel test ran on the lab's host: the event reader, then the engine's loop, then
     * the platform (closed inside the host namespace, where it removes what it placed). Null parts
     * (a set-up that failed early) are skipped.
     */
    static void stopDaemon(FailoverLab lab, LinuxEvents events, NsEngineLoop loop, LinuxPlatform platform)
            throws Exception {
        if (events != null) {
            events.close();
        }
        if (loop != null) {
            loop.close();
        }
        if (platform != null) {
            lab.in(lab.host, () -> {
                platform.close();
                return null;
            });
        }
    }

    @Override
    public void close() {
        synchronized (executors) {
            executors.values().forEach(NetNs.Executor::close);
            executors.clear();
        }
        deleteNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }

    private synchronized void deleteNamespaces() {
        for (String ns : List.of(host, sw, client)) {
            if (Files.exists(NetNs.RUN_NETNS.resolve(ns))) {
                try {
                    run("ip", "netns", "del", ns);
                } catch (Exception e) {
                    System.err.println("could not delete namespace " + ns + ": " + e);
                }
            }
        }
    }
}
