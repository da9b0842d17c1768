package ipmpd.linux;

import ipmpd.testkit.Await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A throw-away test network of three namespaces, named with a random per-run prefix:
 *
 * <pre>
 *   host (H)                  peer (P)                       other (N)
 *   h1 192.0.2.11/24  ---- p1 \
 *   h2 192.0.2.12/24  ---- p2 -- br0 192.0.2.1/24 2001:db8::1 -- pn ---- n0 192.0.2.2/24 2001:db8::2
 *   default via 192.0.2.1 dev h1
 * </pre>
 *
 * H has arp_ignore=1/arp_announce=2 (each address answered only by its own member); P and N answer
 * pings to 224.0.0.1; DAD is off everywhere so link-local addresses are usable at once. Only
 * documentation prefixes, only inside these namespaces: nothing can leave the machine.
 * {@link #close()} deletes the namespaces (and with them every interface); a shutdown hook does it
 * too if the JVM dies before.
 */
final class NetnsLab implements AutoCloseable {
    static final String P_V4 = "192.0.2.1";
    static final String N_V4 = "192.0.2.2";
    static final String H1_V4 = "192.0.2.11";
    static final String H2_V4 = "192.0.2.12";
    static final String P_V6 = "2001:db8::1";
    static final String N_V6 = "2001:db8::2";
    private static final long CMD_TIMEOUT_S = 15;

    final String host;
    final String peer;
    final String other;
    private final Map<String, NetNs.Executor> executors = new HashMap<>();
    private final Thread cleanupHook = new Thread(this::deleteNamespaces, "netns-lab-cleanup");

    private NetnsLab() {
        byte[] r = new byte[3];
        new SecureRandom().nextBytes(r);
        String prefix = "ipn" + Bytes.hex(r, 0, 3);
        host = prefix + "-h";
        peer = prefix + "-p";
        other = prefix + "-n";
    }

    /** Skips the calling test class unless we are root with ip(8) available. */
    static void assumeCapable() {
        assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "kernel tests need ip(8)");
    }

    static NetnsLab create() throws Exception {
        assumeCapable();
        NetnsLab lab = new NetnsLab();
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
        for (String ns : List.of(host, peer, other)) {
            run("ip", "netns", "add", ns);
            ip(ns, "link set lo up");
            // Before any interface exists, so every later one inherits these defaults.
            sysctl(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        }
        sysctl(host, "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2");
        sysctl(peer, "net.ipv4.icmp_echo_ignore_broadcasts=0");
        sysctl(other, "net.ipv4.icmp_echo_ignore_broadcasts=0");

        ip(peer, "link add br0 type bridge stp_state 0 mcast_snooping 0");
        ip(host, "link add h1 type veth peer name p1 netns " + peer);
        ip(host, "link add h2 type veth peer name p2 netns " + peer);
        ip(other, "link add n0 type veth peer name pn netns " + peer);
        for (String port : List.of("p1", "p2", "pn")) {
            ip(peer, "link set " + port + " master br0 up");
        }
        ip(peer, "link set br0 up");
        ip(peer, "addr add " + P_V4 + "/24 dev br0");
        ip(peer, "addr add " + P_V6 + "/64 dev br0 nodad");
        ip(other, "link set n0 up");
        ip(other, "addr add " + N_V4 + "/24 dev n0");
        ip(other, "addr add " + N_V6 + "/64 dev n0 nodad");
        ip(host, "link set h1 up");
        ip(host, "link set h2 up");
        ip(host, "addr add " + H1_V4 + "/24 dev h1");
        ip(host, "addr add " + H2_V4 + "/24 dev h2");
        ip(host, "route add default via " + P_V4 + " dev h1");

        awaitReady(host, "h1", "h2");
        awaitReady(peer, "br0");
        awaitReady(other, "n0");
    }

    /** Waits until each interface is RUNNING and has a usable (non-tentative) link-local address. */
    private void awaitReady(String ns, String... ifnames) throws Exception {
        in(ns, () -> {
            try (Rtnetlink rt = Rtnetlink.open()) {
                for (String name : ifnames) {
                    int index = Interfaces.index(name);
                    Await.until("link " + name + " in " + ns + " running", () -> {
                        try {
                            // RTM_GETLINK also makes the kernel flush linkwatch (bridge carrier).
                            return rt.getLink(index).map(LinkInfo::isRunning).orElse(false);
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    });
                    Await.until("link-local on " + name + " in " + ns, () -> linkLocal(rt, index) != null);
                }
            }
            return null;
        });
    }

    static InetAddress linkLocal(Rtnetlink rt, int index) {
        try {
            for (AddrInfo a : rt.dumpAddresses(LibC.AF_INET6)) {
                if (a.index() == index && a.isLinkLocal() && !a.isTentative()) {
                    return a.address();
                }
            }
            return null;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** The link-local address of an interface in a namespace, with its scope id. */
    InetAddress linkLocal(String ns, String ifname) throws Exception {
        return in(ns, () -> {
            try (Rtnetlink rt = Rtnetlink.open()) {
                int index = Interfaces.index(ifname);
                InetAddress a = linkLocal(rt, index);
                return java.net.Inet6Address.getByAddress(null, a.getAddress(), index);
            }
        });
    }

    /** Runs a task on a thread inside namespace {@code ns} (one cached executor per namespace). */
    <T> T in(String ns, Callable<T> task) throws Exception {
        NetNs.Executor ex;
        synchronized (executors) {
            ex = executors.get(ns);
            if (ex == null) {
                ex = NetNs.open(ns);
                executors.put(ns, ex);
            }
        }
        return ex.call(task);
    }

    String ip(String ns, String args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args.trim().split("\\s+")));
        return run(cmd.toArray(new String[0]));
    }

    void sysctl(String ns, String... assignments) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "sysctl", "-q", "-w"));
        cmd.addAll(List.of(assignments));
        run(cmd.toArray(new String[0]));
    }

    String sysctlGet(String ns, String key) throws IOException, InterruptedException {
        return run("ip", "netns", "exec", ns, "sysctl", "-n", key).trim();
    }

    /** Runs a command with a bounded wait; kills it on timeout; fails on a non-zero exit. */
    static String run(String... cmd) throws IOException, InterruptedException {
        // Output goes to a file, so a hung command cannot block us on a full pipe or an endless read.
        Path out = Files.createTempFile("netns-lab", ".out");
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
            // already shutting down: the hook is running or has run
        }
    }

    private synchronized void deleteNamespaces() {
        for (String ns : List.of(host, peer, other)) {
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
