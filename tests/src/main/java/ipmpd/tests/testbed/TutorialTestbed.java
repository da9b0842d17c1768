package ipmpd.tests.testbed;

import ipmpd.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network of the Solaris IPMP tutorial ("two switches"), built from network namespaces,
 * Linux bridges and veth pairs:
 *
 * <pre>
 *             +------------- HOST -------------+
 *             |   m1          m2          m3   |
 *             +---|-----------|-----------|----+
 *          cable 1       cable 2      cable 3
 *             |           |              |
 *         +---+--- SWA ---+---+   +------+-- SWB --+------+
 *         |   bridge bra      |---|   bridge brb          |
 *         +-------------------+ 4 +--+-------------+------+
 *                      (inter-switch) |   cable 5   | cable 6
 *                                  ROUTER         CLIENT
 *                        192.0.2.1/24           192.0.2.100/24
 *                        2001:db8:1::1/64       2001:db8:1::100/64
 *                        fe80::1                fe80::100
 * </pre>
 *
 * <p>Every namespace and interface name starts with a random per-run prefix ("ip" + 5 hex
 * digits), so parallel runs never collide; veths are created directly inside the namespaces
 * and never appear in the root namespace. The host members carry no address except their
 * kernel link-local IPv6 address (the daemon configures them); IPv6 DAD is off in every
 * namespace unless {@link Builder#ipv6Dad(boolean)} asks for it. The host has a default
 * route via 192.0.2.1 (and fe80::1), a multipath route with one {@code onlink} next hop per
 * member, unless the builder says otherwise. Only the router answers multicast echo
 * requests (224.0.0.1, ff02::1); the client ignores them; the switches have no IP at all.
 *
 * <p>Cables: 1..3 = host m1..m3 to their switch, 4 = the inter-switch link, 5 = router,
 * 6 = client. {@link #pullCable} sets the switch-side end down, so the far end loses carrier
 * and stays administratively up; {@link #cutPath} blocks the switch port (bridge port state
 * disabled) so no frame passes while carrier stays up everywhere.
 *
 * <p>{@link #close()} kills every process left in the namespaces and deletes them; a JVM
 * shutdown hook closes any testbed still open.
 */
public final class TutorialTestbed implements AutoCloseable {

    /** The namespaces (roles) of the topology. */
    public enum Ns {
        HOST("host"), SWA("swa"), SWB("swb"), ROUTER("rtr"), CLIENT("cli");

        private final String suffix;

        Ns(String suffix) {
            this.suffix = suffix;
        }
    }

    public static final String ROUTER_V4 = "192.0.2.1";
    public static final String CLIENT_V4 = "192.0.2.100";
    /** The data address the daemon under test is expected to add (not configured here). */
    public static final String DATA_V4 = "192.0.2.50";
    /** Test addresses for m1, m2, m3 (index 0..2). */
    public static final List<String> TEST_V4 = List.of("192.0.2.11", "192.0.2.12", "192.0.2.13");
    public static final int PREFIX_LEN_V4 = 24;
    public static final String ROUTER_V6 = "2001:db8:1::1";
    public static final String CLIENT_V6 = "2001:db8:1::100";
    /** A data address for IPv6 tests (not configured here). */
    public static final String DATA_V6 = "2001:db8:1::50";
    public static final String ROUTER_LL = "fe80::1";
    public static final String CLIENT_LL = "fe80::100";
    public static final int PREFIX_LEN_V6 = 64;

    private static final Set<TutorialTestbed> OPEN = ConcurrentHashMap.newKeySet();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** One file per open testbed, named by its prefix, holding "PID START_MILLIS" of its JVM. */
    static final Path OWNERS = Path.of(Files.isWritable(Path.of("/run")) ? "/run"
            : System.getProperty("java.io.tmpdir"), "ipmpd-testbeds");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (TutorialTestbed t : List.copyOf(OPEN)) {
                try {
                    t.close();
                } catch (RuntimeException e) {
                    System.err.println("testbed " + t.prefix + " cleanup: " + e);
                }
            }
        }, "testbed-reaper"));
    }

    /** Options. */
    public static final class Builder {
        private String prefix;
        private int[] defaultRouteMembers = {1, 2, 3};
        private boolean ipv6Dad;

        private Builder() {
        }

        /** A fixed prefix (letters/digits, 3..8 chars) instead of a random one. */
        public Builder prefix(String p) {
            if (!p.matches("[A-Za-z0-9]{3,8}")) {
                throw new IllegalArgumentException("prefix must be 3..8 letters or digits: " + p);
            }
            this.prefix = p;
            return this;
        }

        /** true (default): default route via the router over all members; false: none. */
        public Builder defaultRoute(boolean on) {
            this.defaultRouteMembers = on ? new int[] {1, 2, 3} : new int[0];
            return this;
        }

        /** Default route via the router over these members only (one member: a plain route). */
        public Builder defaultRouteVia(int... members) {
            for (int m : members) {
                checkMember(m);
            }
            this.defaultRouteMembers = members.clone();
            return this;
        }

        /** Keep IPv6 duplicate address detection on in the host namespace (default off). */
        public Builder ipv6Dad(boolean on) {
            this.ipv6Dad = on;
            return this;
        }

        public TutorialTestbed build() {
            return new TutorialTestbed(this);
        }
    }

    private final String prefix;
    private final Map<Ns, String> nsNames = new EnumMap<>(Ns.class);
    private final List<String> created = Collections.synchronizedList(new ArrayList<>());
    private final List<BackgroundProcess> processes = Collections.synchronizedList(new ArrayList<>());
    private final boolean ipv6Dad;
    private final int[] defaultRouteMembers;
    private volatile boolean closed;

    public static Builder builder() {
        return new Builder();
    }

    /** A testbed with the default options. */
    public static TutorialTestbed create() {
        return builder().build();
    }

    private TutorialTestbed(Builder b) {
        this.prefix = b.prefix != null ? b.prefix : freshPrefix();
        this.ipv6Dad = b.ipv6Dad;
        this.defaultRouteMembers = b.defaultRouteMembers;
        for (Ns n : Ns.values()) {
            nsNames.put(n, prefix + "-" + n.suffix);
        }
        OPEN.add(this);
        try {
            sweepStale();
            writeOwner();
            build();
        } catch (RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static String freshPrefix() {
        List<String> existing = Netns.list();
        while (true) {
            String p = String.format(Locale.ROOT, "ip%05x", RANDOM.nextInt(1 << 20));
            if (existing.stream().noneMatch(n -> n.startsWith(p))) {
                return p;
            }
        }
    }

    // ---- names ----

    public String prefix() {
        return prefix;
    }

    /** Namespace name of a role. */
    public String ns(Ns role) {
        return nsNames.get(role);
    }

    /** All namespace names of this testbed. */
    public List<String> namespaces() {
        return List.copyOf(nsNames.values());
    }

    /** Host member interface n (1..3), e.g. "ip3fa2c-m1". */
    public String member(int n) {
        checkMember(n);
        return prefix + "-m" + n;
    }

    public List<String> members() {
        return List.of(member(1), member(2), member(3));
    }

    /** The router's interface (in {@link Ns#ROUTER}). */
    public String routerIf() {
        return prefix + "-rtr";
    }

    /** The client's interface (in {@link Ns#CLIENT}). */
    public String clientIf() {
        return prefix + "-cli";
    }

    public String bridge(Ns sw) {
        return switch (sw) {
            case SWA -> prefix + "-bra";
            case SWB -> prefix + "-brb";
            default -> throw new IllegalArgumentException("not a switch: " + sw);
        };
    }

    /** The switch-side end of cable n (1..6); for cable 4 the end in SWA. */
    public String switchPort(int cable) {
        return switch (checkCable(cable)) {
            case 1, 2, 3 -> prefix + "-c" + cable + "s";
            case 4 -> prefix + "-c4a";
            case 5 -> prefix + "-rts";
            default -> prefix + "-cls";
        };
    }

    /** The namespace of {@link #switchPort(int)}. */
    public Ns switchOf(int cable) {
        return switch (checkCable(cable)) {
            case 1, 2, 4 -> Ns.SWA;
            default -> Ns.SWB;
        };
    }

    /** The SWB end of the inter-switch link (cable 4). */
    public String interSwitchPortB() {
        return prefix + "-c4b";
    }

    // ---- building ----

    private void build() {
        for (Ns n : Ns.values()) {
            Netns.add(ns(n));
            created.add(ns(n));
            ip(n, "link", "set", "lo", "up");
        }
        String dad = ipv6Dad ? "1" : "0";
        sysctl(Ns.HOST, "net.ipv6.conf.all.accept_dad=" + dad, "net.ipv6.conf.default.accept_dad=" + dad);
        for (Ns sw : List.of(Ns.SWA, Ns.SWB)) {
            sysctl(sw, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        }
        // router and client: no automatic link-local; fixed ones are added below
        sysctl(Ns.ROUTER, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                "net.ipv6.conf.default.addr_gen_mode=1", "net.ipv4.icmp_echo_ignore_broadcasts=0",
                "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        sysctl(Ns.CLIENT, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                "net.ipv6.conf.default.addr_gen_mode=1", "net.ipv4.icmp_echo_ignore_broadcasts=1",
                "net.ipv6.icmp.echo_ignore_multicast=1",
                "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");

        for (Ns sw : List.of(Ns.SWA, Ns.SWB)) {
            ip(sw, "link", "add", bridge(sw), "type", "bridge", "stp_state", "0", "forward_delay", "0",
                    "mcast_snooping", "0");
        }
        for (int m = 1; m <= 3; m++) {
            veth(Ns.HOST, member(m), switchOf(m), switchPort(m));
        }
        veth(Ns.SWA, switchPort(4), Ns.SWB, interSwitchPortB());
        veth(Ns.ROUTER, routerIf(), Ns.SWB, switchPort(5));
        veth(Ns.CLIENT, clientIf(), Ns.SWB, switchPort(6));

        for (int c = 1; c <= 6; c++) {
            ip(switchOf(c), "link", "set", switchPort(c), "master", bridge(switchOf(c)), "up");
        }
        ip(Ns.SWB, "link", "set", interSwitchPortB(), "master", bridge(Ns.SWB), "up");
        ip(Ns.SWA, "link", "set", bridge(Ns.SWA), "up");
        ip(Ns.SWB, "link", "set", bridge(Ns.SWB), "up");

        endpoint(Ns.ROUTER, routerIf(), ROUTER_V4, ROUTER_V6, ROUTER_LL);
        endpoint(Ns.CLIENT, clientIf(), CLIENT_V4, CLIENT_V6, CLIENT_LL);

        for (String m : members()) {
            ip(Ns.HOST, "link", "set", m, "up");
        }
        if (defaultRouteMembers.length > 0) {
            List<String> v4 = new ArrayList<>(List.of("route", "add", "default"));
            List<String> v6 = new ArrayList<>(List.of("-6", "route", "add", "default"));
            for (int m : defaultRouteMembers) {
                if (defaultRouteMembers.length > 1) {
                    v4.add("nexthop");
                    v6.add("nexthop");
                }
                v4.addAll(List.of("via", ROUTER_V4, "dev", member(m), "onlink"));
                v6.addAll(List.of("via", ROUTER_LL, "dev", member(m)));
            }
            ip(Ns.HOST, v4.toArray(String[]::new));
            ip(Ns.HOST, v6.toArray(String[]::new));
        }
        Await.until(() -> "host members up with carrier\n" + dump(), Duration.ofSeconds(5),
                () -> members().stream().allMatch(this::carrier));
    }

    private void veth(Ns a, String nameA, Ns b, String nameB) {
        ip(a, "link", "add", nameA, "type", "veth", "peer", "name", nameB, "netns", ns(b));
    }

    private void endpoint(Ns n, String dev, String v4, String v6, String ll) {
        ip(n, "link", "set", dev, "up");
        ip(n, "addr", "add", v4 + "/" + PREFIX_LEN_V4, "dev", dev);
        ip(n, "addr", "add", v6 + "/" + PREFIX_LEN_V6, "dev", dev, "nodad");
        ip(n, "addr", "add", ll + "/64", "dev", dev, "nodad");
    }

    // ---- running things ----

    /** Runs {@code cmd} inside namespace {@code role}; returns stdout, throws with output on failure. */
    public String exec(Ns role, String... cmd) {
        return Netns.exec(ns(role), cmd);
    }

    /** Like {@link #exec} but returns the result whatever the exit code. */
    public Netns.Result tryExec(Ns role, String... cmd) {
        return Netns.tryExec(ns(role), cmd);
    }

    /** {@code ip -n NS ARGS...} (quicker than exec: no sysfs remount). */
    public String ip(Ns role, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-n", ns(role)));
        argv.addAll(Arrays.asList(args));
        return Netns.exec(null, argv.toArray(String[]::new));
    }

    /** sysctl -w in a namespace. */
    public void sysctl(Ns role, String... assignments) {
        List<String> argv = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        argv.addAll(Arrays.asList(assignments));
        exec(role, argv.toArray(String[]::new));
    }

    /** Reads one sysctl in a namespace. */
    public String sysctlValue(Ns role, String key) {
        return exec(role, "sysctl", "-n", key).strip();
    }

    /** Starts a long-running process in a namespace; killed at the latest by {@link #close()}. */
    public BackgroundProcess start(Ns role, String... cmd) {
        return start(role, Arrays.asList(cmd));
    }

    public BackgroundProcess start(Ns role, List<String> cmd) {
        checkOpen();
        BackgroundProcess p = Netns.start(ns(role), cmd);
        processes.add(p);
        return p;
    }

    // ---- cables and paths ----

    /** Pulls cable n (1..6): its switch-side end goes down, the far end loses carrier. */
    public void pullCable(int n) {
        ip(switchOf(n), "link", "set", switchPort(n), "down");
    }

    /** Plugs cable n back in (the port forwards again at once). */
    public void plugCable(int n) {
        ip(switchOf(n), "link", "set", switchPort(n), "up");
    }

    /**
     * Cuts the path through cable n (1..6) while carrier stays up: the switch port is set to
     * bridge state disabled, dropping every frame both ways. Pulling and plugging the cable
     * also mends it.
     */
    public void cutPath(int n) {
        Netns.exec(null, "bridge", "-n", ns(switchOf(n)), "link", "set", "dev", switchPort(n), "state", "0");
    }

    /** Undoes {@link #cutPath}: the port forwards again. */
    public void mendPath(int n) {
        Netns.exec(null, "bridge", "-n", ns(switchOf(n)), "link", "set", "dev", switchPort(n), "state", "3");
    }

    // ---- host configuration helpers ----

    /** Adds an address (CIDR, e.g. "192.0.2.11/24") to host member n. IPv6 ones without DAD. */
    public void configureHostAddress(int member, String cidr) {
        configureHostAddress(member(member), cidr);
    }

    public void configureHostAddress(String dev, String cidr) {
        if (cidr.contains(":")) {
            ip(Ns.HOST, "addr", "add", cidr, "dev", dev, "nodad");
        } else {
            ip(Ns.HOST, "addr", "add", cidr, "dev", dev);
        }
    }

    public void removeHostAddress(int member, String cidr) {
        ip(Ns.HOST, "addr", "del", cidr, "dev", member(member));
    }

    /** Adds TEST_V4[n-1]/24 to every member n (what the daemon would do from hostname.IF). */
    public void configureTestAddresses() {
        for (int m = 1; m <= 3; m++) {
            configureHostAddress(m, TEST_V4.get(m - 1) + "/" + PREFIX_LEN_V4);
        }
    }

    /** Addresses (CIDR) on host member n, as {@code ip addr} lists them. */
    public List<String> hostAddresses(int member) {
        List<String> out = new ArrayList<>();
        for (String line : ip(Ns.HOST, "-o", "addr", "show", "dev", member(member)).split("\n")) {
            String[] f = line.strip().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet") || f[i].equals("inet6")) {
                    out.add(f[i + 1]);
                }
            }
        }
        return out;
    }

    /**
     * The member sysctls the Linux notes call for (arp_ignore=1, arp_announce=2,
     * ignore_routes_with_linkdown=1 for IPv4 and IPv6, rp_filter=0, promote_secondaries=1).
     * The daemon is expected to set these itself; this is for tests that configure by hand.
     */
    public void applyMemberSysctls() {
        List<String> s = new ArrayList<>(List.of("net.ipv4.conf.all.rp_filter=0"));
        for (String m : members()) {
            String c4 = "net.ipv4.conf." + m + ".";
            s.addAll(List.of(c4 + "arp_ignore=1", c4 + "arp_announce=2", c4 + "ignore_routes_with_linkdown=1",
                    c4 + "rp_filter=0", c4 + "promote_secondaries=1",
                    "net.ipv6.conf." + m + ".ignore_routes_with_linkdown=1"));
        }
        sysctl(Ns.HOST, s.toArray(String[]::new));
    }

    // ---- observing ----

    /** /sys/class/net/IF/carrier of host member n, read inside the host namespace. */
    public boolean carrier(int member) {
        return carrier(member(member));
    }

    /** Carrier of a host interface; false also when it is administratively down (EINVAL). */
    public boolean carrier(String hostDev) {
        Netns.Result r = tryExec(Ns.HOST, "cat", "/sys/class/net/" + hostDev + "/carrier");
        return r.ok() && r.stdout().strip().equals("1");
    }

    /**
     * IFF_RUNNING of host member n as rtnetlink reports it ({@code ip link} shows NO-CARRIER
     * for an interface that is UP but not RUNNING). /sys/class/net/IF/flags never has it.
     */
    public boolean running(int member) {
        Set<String> f = hostLinkFlags(member);
        return f.contains("UP") && !f.contains("NO-CARRIER");
    }

    /** /sys/class/net/IF/operstate of host member n: "up", or "down" for a pulled cable, ... */
    public String operstate(int member) {
        return exec(Ns.HOST, "cat", "/sys/class/net/" + member(member) + "/operstate").strip();
    }

    /** The flags {@code ip link} shows for host member n, e.g. [NO-CARRIER, BROADCAST, MULTICAST, UP]. */
    public Set<String> hostLinkFlags(int member) {
        String line = ip(Ns.HOST, "-o", "link", "show", "dev", member(member));
        int a = line.indexOf('<');
        int b = line.indexOf('>', a);
        return new LinkedHashSet<>(Arrays.asList(line.substring(a + 1, b).split(",")));
    }

    /**
     * Awaits link state {@code up} on host member n (10 ms polling): the carrier file and
     * IFF_RUNNING both agree (the kernel sets the carrier at once, IFF_RUNNING a little later,
     * through linkwatch).
     */
    public void awaitCarrier(int member, boolean up, Duration limit) {
        Await.until(() -> member(member) + " carrier " + (up ? "up" : "down") + "\n" + dump(), limit,
                () -> carrier(member) == up && running(member) == up);
    }

    /**
     * Whether an echo reply from {@code target} arrives within {@code timeout} (requests every
     * 20 ms) from namespace {@code role}, bound to {@code dev} (SO_BINDTODEVICE, may be null)
     * and source {@code src} (may be null).
     */
    public boolean ping(Ns role, String dev, String src, String target, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("--target", target,
                "--timeout", String.format(Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0)));
        if (dev != null) {
            args.addAll(List.of("--dev", dev));
        }
        if (src != null) {
            args.addAll(List.of("--src", src));
        }
        List<String> cmd = TrafficScript.command("ping", args.toArray(String[]::new));
        Netns.Result r = Netns.run(timeout.plusSeconds(10), Netns.command(ns(role), cmd.toArray(String[]::new)));
        if (r.exitCode() == 0) {
            return true;
        }
        if (r.exitCode() == 1) {
            return false;
        }
        throw new Netns.CommandFailedException(r, "ping helper failed");
    }

    /** Whether host member n, with source {@code src}, gets a reply from {@code target} in time. */
    public boolean memberReaches(int member, String src, String target, Duration timeout) {
        return ping(Ns.HOST, member(member), src, target, timeout);
    }

    /** Links, addresses and routes of the host, bridge ports of the switches: for failure messages. */
    public String dump() {
        StringBuilder sb = new StringBuilder("testbed " + prefix + "\n");
        for (Ns n : Ns.values()) {
            if (!created.contains(ns(n))) {
                continue;
            }
            sb.append("== ").append(ns(n)).append('\n');
            sb.append(Netns.tryExec(null, "ip", "-n", ns(n), "-br", "addr").stdout());
            if (n == Ns.SWA || n == Ns.SWB) {
                sb.append(Netns.tryExec(null, "bridge", "-n", ns(n), "link").stdout());
            } else {
                sb.append(Netns.tryExec(null, "ip", "-n", ns(n), "route").stdout());
                sb.append(Netns.tryExec(null, "ip", "-n", ns(n), "neigh").stdout());
            }
        }
        return sb.toString();
    }

    // ---- cleanup ----

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("testbed " + prefix + " is closed");
        }
    }

    /**
     * Kills the processes started here and any process left in the namespaces, then deletes
     * every namespace this testbed made (their veths go with them). Safe to call twice and
     * after a failed build.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        List<BackgroundProcess> ps;
        synchronized (processes) {
            ps = new ArrayList<>(processes);
        }
        Collections.reverse(ps);
        for (BackgroundProcess p : ps) {
            try {
                p.close();
            } catch (RuntimeException e) {
                failure = chain(failure, e);
            }
        }
        List<String> names;
        synchronized (created) {
            names = new ArrayList<>(created);
        }
        Collections.reverse(names);
        for (String n : names) {
            try {
                Netns.delete(n);
            } catch (RuntimeException e) {
                failure = chain(failure, e);
            }
        }
        if (failure == null) {
            try {
                Files.deleteIfExists(OWNERS.resolve(prefix));
            } catch (IOException e) {
                failure = new java.io.UncheckedIOException(e);
            }
        }
        OPEN.remove(this);
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException chain(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private void writeOwner() {
        ProcessHandle me = ProcessHandle.current();
        long start = me.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        try {
            Files.createDirectories(OWNERS);
            Files.writeString(OWNERS.resolve(prefix), me.pid() + " " + start + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Sweeps the leftovers of testbeds whose JVM died without closing them (killed, so no
     * shutdown hook ran): every testbed records its owner (PID and start time) in
     * {@link #OWNERS}; those whose owner is gone are swept. Runs at every build; testbeds of
     * live runs are never touched. Returns what it removed.
     */
    public static synchronized List<String> sweepStale() {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(OWNERS)) {
            return removed;
        }
        try (var files = Files.list(OWNERS)) {
            for (Path f : files.toList()) {
                String prefix = f.getFileName().toString();
                if (!prefix.matches("[A-Za-z0-9]{5,8}") || ownerAlive(f)) {
                    continue;
                }
                removed.addAll(sweepLeftovers(prefix));
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return removed;
    }

    private static boolean ownerAlive(Path f) throws IOException {
        String[] v;
        try {
            v = Files.readString(f, StandardCharsets.US_ASCII).trim().split("\\s+");
        } catch (java.nio.file.NoSuchFileException e) {
            return true; // closed meanwhile
        }
        if (v.length != 2) {
            return false;
        }
        long pid = Long.parseLong(v[0]);
        long start = Long.parseLong(v[1]);
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(h -> h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L) == start)
                .orElse(false);
    }

    /** Namespaces and root-namespace links whose names start with {@code prefix}. */
    public static List<String> leftovers(String prefix) {
        checkSweepPrefix(prefix);
        List<String> found = new ArrayList<>();
        for (String n : Netns.list()) {
            if (n.startsWith(prefix)) {
                found.add("netns " + n);
            }
        }
        for (String l : rootLinks()) {
            if (l.startsWith(prefix)) {
                found.add("link " + l);
            }
        }
        return found;
    }

    /**
     * Removes namespaces (with their processes) and root-namespace links whose names start
     * with {@code prefix} (at least 5 characters, e.g. a run prefix from a crashed run).
     * Returns what it removed.
     */
    public static List<String> sweepLeftovers(String prefix) {
        checkSweepPrefix(prefix);
        List<String> removed = new ArrayList<>();
        for (String n : Netns.list()) {
            if (n.startsWith(prefix)) {
                Netns.delete(n);
                removed.add("netns " + n);
            }
        }
        for (String l : rootLinks()) {
            if (l.startsWith(prefix)) {
                Netns.tryExec(null, "ip", "link", "del", l);
                removed.add("link " + l);
            }
        }
        return removed;
    }

    /** Names of the links in the root namespace (the "@peer" suffix stripped). */
    public static List<String> rootLinks() {
        List<String> names = new ArrayList<>();
        for (String line : Netns.exec(null, "ip", "-o", "link", "show").split("\n")) {
            String[] f = line.split(":\\s+", 3);
            if (f.length >= 2) {
                String name = f[1];
                int at = name.indexOf('@');
                names.add(at >= 0 ? name.substring(0, at) : name);
            }
        }
        return names;
    }

    private static void checkSweepPrefix(String prefix) {
        if (prefix == null || prefix.length() < 5) {
            throw new IllegalArgumentException("refusing to sweep with a prefix this short: " + prefix);
        }
    }

    private static int checkMember(int n) {
        if (n < 1 || n > 3) {
            throw new IllegalArgumentException("member must be 1..3: " + n);
        }
        return n;
    }

    private static int checkCable(int n) {
        if (n < 1 || n > 6) {
            throw new IllegalArgumentException("cable must be 1..6: " + n);
        }
        return n;
    }

    @Override
    public String toString() {
        return "TutorialTestbed[" + prefix + (closed ? ", closed]" : "]");
    }
}
