package ipmpd.tests.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Many members on one link, for load measurements: namespace HOST with {@code n} veths
 * ({@link #member(int)}, 0-based) whose peers are ports of one bridge in namespace LAN. The
 * bridge itself carries 198.51.100.1/24 and answers echo requests (the router); HOST has a
 * default route via 198.51.100.1 on member 0. Members carry no address but their kernel
 * link-local (IPv6 DAD off). Names carry a random per-run prefix; {@link #close()} deletes both
 * namespaces (and the veths with them), and a run that died is swept by the next
 * {@link TutorialTestbed} or ScaleTestbed build.
 */
public final class ScaleTestbed implements AutoCloseable {
    public static final String ROUTER = "198.51.100.1";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String prefix;
    private final int n;
    private final List<String> created = new ArrayList<>();
    private boolean closed;

    public ScaleTestbed(int members) {
        this.n = members;
        TutorialTestbed.sweepStale();
        List<String> existing = Netns.list();
        String p;
        do {
            p = String.format(Locale.ROOT, "is%05x", RANDOM.nextInt(1 << 20));
        } while (containsPrefix(existing, p));
        this.prefix = p;
        Thread hook = new Thread(this::close, "scale-testbed-reaper");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            writeOwner();
            build();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private static boolean containsPrefix(List<String> names, String p) {
        return names.stream().anyMatch(x -> x.startsWith(p));
    }

    public String prefix() {
        return prefix;
    }

    public String hostNs() {
        return prefix + "-host";
    }

    public String lanNs() {
        return prefix + "-lan";
    }

    public String member(int i) {
        return prefix + "-s" + i;
    }

    public List<String> members() {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(member(i));
        }
        return l;
    }

    private void build() {
        for (String ns : List.of(hostNs(), lanNs())) {
            Netns.add(ns);
            created.add(ns);
        }
        Netns.exec(hostNs(), "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        Netns.exec(lanNs(), "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                "net.ipv4.icmp_ratelimit=0", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        // A switch does not hand its frames to iptables: with br_netfilter loaded (the keys exist
        // only then, hence -e) every probe and reply would cross the empty firewall hooks twice.
        Netns.exec(lanNs(), "sysctl", "-q", "-e", "-w", "net.bridge.bridge-nf-call-iptables=0",
                "net.bridge.bridge-nf-call-ip6tables=0", "net.bridge.bridge-nf-call-arptables=0");
        StringBuilder lan = new StringBuilder();
        StringBuilder host = new StringBuilder();
        String br = prefix + "-br";
        lan.append("link set lo up\n");
        lan.append("link add ").append(br).append(" type bridge stp_state 0 forward_delay 0 mcast_snooping 0\n");
        host.append("link set lo up\n");
        for (int i = 0; i < n; i++) {
            host.append("link add ").append(member(i)).append(" type veth peer name ").append(prefix).append("-p").append(i)
                    .append(" netns ").append(lanNs()).append('\n');
        }
        batch(hostNs(), host.toString());
        for (int i = 0; i < n; i++) {
            lan.append("link set ").append(prefix).append("-p").append(i).append(" master ").append(br).append(" up\n");
        }
        lan.append("link set ").append(br).append(" up\n");
        lan.append("addr add ").append(ROUTER).append("/24 dev ").append(br).append('\n');
        batch(lanNs(), lan.toString());
        host.setLength(0);
        for (int i = 0; i < n; i++) {
            host.append("link set ").append(member(i)).append(" up\n");
        }
        batch(hostNs(), host.toString());
        Netns.exec(null, "ip", "-n", hostNs(), "route", "add", "default", "via", ROUTER, "dev", member(0), "onlink");
    }

    private static void batch(String ns, String commands) {
        try {
            Path f = Files.createTempFile("ipmpd-scale-", ".ip");
            try {
                Files.writeString(f, commands, StandardCharsets.US_ASCII);
                Netns.execWithin(Duration.ofSeconds(60), null, "ip", "-n", ns, "-batch", f.toString());
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeOwner() {
        ProcessHandle me = ProcessHandle.current();
        long start = me.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        try {
            Files.createDirectories(TutorialTestbed.OWNERS);
            Files.writeString(TutorialTestbed.OWNERS.resolve(prefix), me.pid() + " " + start + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills what runs in the namespaces and deletes them. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String ns : created) {
            Netns.delete(ns);
        }
        try {
            Files.deleteIfExists(TutorialTestbed.OWNERS.resolve(prefix));
        } catch (IOException ignored) {
            // swept later
        }
    }
}
