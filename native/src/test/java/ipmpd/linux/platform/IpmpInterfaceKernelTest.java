package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.Family;
import ipmpd.engine.Platform.AddressPlacement;
import ipmpd.engine.Route;
import ipmpd.linux.Interfaces;
import ipmpd.linux.NetNs;
import ipmpd.testkit.Await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The IPMP interface of new IPMP on Linux, driven through {@link LinuxPlatform}'s Platform calls
 * as the engine makes them (no engine here), with {@link LinuxEvents} reading the kernel's events:
 * group g with members m1 and m2 (test addresses 192.0.2.11 and .12) and IPMP interface
 * {@code ipmp0} holding 192.0.2.50/24 and 2001:db8::50/64, outbound spreading on (the default).
 * <ul>
 * <li>bound to m1, the client's neighbour entries carry m1's MAC and m2 refuses ARP (arp_filter
 *     with the per-address rule) and has no proxy NDP entry;</li>
 * <li>rebound to m2, the announcements move the client's entries to m2 and TCP connections to
 *     both addresses keep working;</li>
 * <li>what is removed behind the platform's back (rule, proxy entry, address, the device) comes
 *     back with a convergence round;</li>
 * <li>unbinding and unplumbing leave no device, rule or proxy entry behind.</li>
 * </ul>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IpmpInterfaceKernelTest {
    private static final String DATA4 = "192.0.2.50";
    private static final String DATA6 = "2001:db8::50";
    private static final int PORT = 5050;
    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static final List<String> NICS = new CopyOnWriteArrayList<>();
    /** The IPMP devices' indexes LinuxEvents reported (ipmpDeviceIndex), by name. */
    private static final java.util.Map<String, Integer> IPMP_INDEXES = new java.util.concurrent.ConcurrentHashMap<>();
    private static FailoverLab lab;
    private static NsEngineLoop loop;
    private static LinuxPlatform platform;
    private static LinuxEvents events;
    private static int table1;
    private static int table2;
    private static String mac1;
    private static String mac2;
    private static ServerSocket server;
    private static final Connection[] CONNECTIONS = new Connection[2];
    private static final ExecutorService ECHO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ipmp0-echo");
        t.setDaemon(true);
        return t;
    });

    /** A client's TCP connection to a data address, echoing numbers plus one. */
    record Connection(String to, Socket socket, DataOutputStream out, DataInputStream in) {
        void roundTrip(int n) throws Exception {
            out.writeInt(n);
            out.flush();
            assertEquals(n + 1, in.readInt(), "echo through " + to);
        }
    }

    private static AddressPlacement data(String address) throws Exception {
        InetAddress a = InetAddress.getByName(address);
        boolean v4 = address.indexOf(':') < 0;
        return new AddressPlacement("ipmp0", 0, v4 ? Family.INET : Family.INET6, a, v4 ? 24 : 64, false);
    }

    private static AddressPlacement test(String member, String address) throws Exception {
        return new AddressPlacement(member, 0, Family.INET, InetAddress.getByName(address), 24, true);
    }

    /**
     * Runs platform calls on the engine thread, as the engine would, then lets the work they
     * queued behind them (spread tables, prefix routes) run too.
     */
    private static void onEngine(Callable<?> c) throws Exception {
        loop.call(c);
        for (int i = 0; i < 3; i++) {
            loop.call(() -> null);
        }
    }

    /** Binds both data addresses to {@code member}; returns when the calls started and how long they took (ns). */
    private static long[] bind(String member) throws Exception {
        long[] took = new long[2];
        onEngine(() -> {
            took[0] = System.nanoTime();
            platform.bindInbound("ipmp0", InetAddress.getByName(DATA4), member);
            platform.bindInbound("ipmp0", InetAddress.getByName(DATA6), member);
            took[1] = System.nanoTime() - took[0];
            return null;
        });
        return took;
    }

    @BeforeAll
    static void setUp() throws Exception {
        lab = FailoverLab.create(2);
        try {
            NetNs.Executor h = lab.executor(lab.host);
            table1 = 30000 + h.call(() -> Interfaces.index("m1"));
            table2 = 30000 + h.call(() -> Interfaces.index("m2"));
            mac1 = h.call(() -> Interfaces.hardwareAddress("m1")).toString();
            mac2 = h.call(() -> Interfaces.hardwareAddress("m2")).toString();
            loop = new NsEngineLoop(h);
            // Convergence rounds only when the test asks for one.
            platform = loop.call(() -> new LinuxPlatform(loop::execute, LOG::add,
                    LinuxPlatform.Options.defaults().withConvergeMs(0)));
            events = loop.call(() -> {
                LinuxEvents ev = new LinuxEvents(new RecordingSink(), loop::execute, platform, LOG::add);
                ev.start();
                return ev;
            });
            onEngine(() -> {
                platform.memberJoined("m1", "g");
                platform.memberJoined("m2", "g");
                platform.addAddress(test("m1", "192.0.2.11"));
                platform.addAddress(test("m2", "192.0.2.12"));
                platform.ipmpInterfaceCreated("ipmp0", "g");
                platform.addAddress(data(DATA4));
                platform.addAddress(data(DATA6));
                platform.outboundMembersChanged("g", List.of("m1", "m2"));
                return null;
            });
            bind("m1");
            server = lab.in(lab.host, () -> new ServerSocket(PORT, 4, InetAddress.getByName("::")));
            ECHO.submit(() -> {
                while (!server.isClosed()) {
                    Socket s = server.accept();
                    ECHO.submit(() -> {
                        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
                             DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
                            while (true) {
                                out.writeInt(in.readInt() + 1);
                                out.flush();
                            }
                        }
                    });
                }
                return null;
            });
        } catch (Throwable t) {
            tearDown();
            throw t;
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            for (Connection c : CONNECTIONS) {
                if (c != null) {
                    c.socket().close();
                }
            }
            if (server != null) {
                server.close();
            }
            ECHO.shutdownNow();
            if (lab != null) {
                FailoverLab.stopDaemon(lab, events, loop, platform);
            }
        } finally {
            LOG.forEach(l -> System.out.println("platform: " + l));
            if (lab != null) {
                lab.close();
            }
        }
    }

    /** The client's neighbour entry for an address: its MAC, null if none. */
    private static String clientNeighbour(String address) throws Exception {
        String out = lab.ip(lab.client, "neigh show " + address);
        Matcher m = Pattern.compile("lladdr (\\S+)").matcher(out);
        return m.find() ? m.group(1) : null;
    }

    private static long arpFiltered() throws Exception {
        String out = lab.exec(lab.host, "nstat", "-az", "TcpExtArpFilter");
        Matcher m = Pattern.compile("TcpExtArpFilter\\s+(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static String rules() throws Exception {
        return lab.ip(lab.host, "rule show") + lab.ip(lab.host, "-6 rule show");
    }

    private static String proxies() throws Exception {
        return lab.ip(lab.host, "-6 neigh show proxy");
    }

    /** The main table routes the data addresses' prefixes through the bound member (the device has none). */
    private static void prefixRoutesThrough(String member) {
        Await.until("the data prefixes routed through " + member, () -> uncheck(() ->
                lab.ip(lab.host, "route show 192.0.2.0/24").contains("dev " + member + " proto 73 scope link src " + DATA4)
                        && lab.ip(lab.host, "-6 route show 2001:db8::/64").contains("dev " + member + " proto 73 src " + DATA6)));
    }

    private static String sysctl(String key) throws Exception {
        return lab.sysctlGet(lab.host, key);
    }

    /**
     * After flushing the client's neighbour cache, the client reaches both data addresses and
     * learns {@code mac} for them; the other member refused the ARP request (arp_filter) and holds
     * no proxy entry.
     */
    private static void onlyAnswers(String member, String mac) throws Exception {
        String other = member.equals("m1") ? "m2" : "m1";
        long filtered = arpFiltered();
        lab.ip(lab.client, "neigh flush dev c0");
        Await.until("the client pings " + DATA4,
                () -> uncheck(() -> lab.status(lab.client, "ping", "-c", "1", "-W", "2", DATA4) == 0));
        assertEquals(mac, clientNeighbour(DATA4), member + " answered ARP for " + DATA4);
        Await.until(other + " refuses ARP for " + DATA4 + " (the kernel's ArpFilter count grows)",
                () -> uncheck(() -> arpFiltered() > filtered));
        Await.until("the client pings " + DATA6,
                () -> uncheck(() -> lab.status(lab.client, "ping", "-6", "-c", "1", "-W", "2", DATA6) == 0));
        assertEquals(mac, clientNeighbour(DATA6), member + " answered NS for " + DATA6);
        String proxies = proxies();
        assertTrue(proxies.contains(DATA6 + " dev " + member), proxies);
        assertFalse(proxies.contains(" dev " + other), proxies);
    }

    private static <T> T uncheck(Callable<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static Connection connect(String to) throws Exception {
        Socket s = lab.in(lab.client, () -> {
            Socket c = new Socket();
            c.connect(new InetSocketAddress(InetAddress.getByName(to), PORT), 10_000);
            c.setSoTimeout((int) Await.PATIENCE.toMillis());
            return c;
        });
        return new Connection(to, s, new DataOutputStream(s.getOutputStream()), new DataInputStream(s.getInputStream()));
    }

    @Test
    @Order(1)
    void theDeviceHoldsTheDataAddressesAndTheBoundMemberAloneAnswers() throws Exception {
        String link = lab.ip(lab.host, "-d link show ipmp0");
        assertTrue(link.contains("ifb") || link.contains("dummy"), link);
        assertTrue(link.contains(",UP"), link);
        assertTrue(link.contains("alias " + IpmpDevices.ALIAS), "marked for the next start's orphan sweep: " + link);
        String shown = lab.ip(lab.host, "addr show dev ipmp0");
        assertTrue(shown.contains("inet " + DATA4 + "/24") && shown.contains("inet6 " + DATA6 + "/64"), shown);
        assertTrue(shown.contains("noprefixroute"), shown);
        assertFalse(lab.ip(lab.host, "route show dev ipmp0").contains("192.0.2.0/24"), "no prefix route through the device");
        prefixRoutesThrough("m1");
        assertTrue(lab.ip(lab.host, "addr show dev m1").contains("192.0.2.11"), "test addresses stay on their member");
        assertFalse(lab.ip(lab.host, "addr show dev m1").contains(DATA4), "a member never holds a data address");
        assertTrue(lab.ip(lab.host, "addr show dev m1").contains("inet 169.254."), "an ARP source of its own: "
                + lab.ip(lab.host, "addr show dev m1"));
        assertEquals("1", sysctl("net.ipv4.conf.m1.arp_filter"));
        assertEquals("0", sysctl("net.ipv4.conf.m2.arp_ignore"));
        assertEquals("1", sysctl("net.ipv6.conf.m2.proxy_ndp"));
        onlyAnswers("m1", mac1);
        CONNECTIONS[0] = connect(DATA4);
        CONNECTIONS[1] = connect(DATA6);
        for (Connection c : CONNECTIONS) {
            c.roundTrip(1);
        }
        assertFalse(NICS.contains("ipmp0"), "the IPMP interface's device is not reported as a NIC: " + NICS);
        awaitReportedIndex("ipmp0");
        assertTrue(lab.ip(lab.host, "-4 neigh show proxy").isBlank(), "IPv4 is bound by rules, not proxy entries");
    }

    /** Bad input is refused and changes nothing: a foreign device's name, a member of another group. */
    @Test
    @Order(2)
    void aForeignDeviceOrAStrangerIsRefused() throws Exception {
        String rules = rules();
        lab.ip(lab.host, "link add vx0 type veth peer name vx1");
        try {
            onEngine(() -> {
                platform.ipmpInterfaceCreated("vx0", "h");
                platform.bindInbound("ipmp0", InetAddress.getByName(DATA4), "vx0");
                return null;
            });
            assertTrue(LOG.contains("Cannot create IPMP interface vx0: a device of kind veth has that name"), LOG.toString());
            assertTrue(LOG.stream().anyMatch(l -> l.startsWith("Cannot bind 192.0.2.50 of IPMP interface ipmp0 to vx0")),
                    LOG.toString());
            assertTrue(lab.ip(lab.host, "-d link show vx0").contains("veth"), "the veth is left alone");
            assertEquals(rules, rules(), "nothing changed");
        } finally {
            lab.ip(lab.host, "link del vx0");
        }
        LOG.removeIf(l -> l.startsWith("Cannot"));
    }

    /**
     * Spreading is on: flows from a data address find the group's spread table through rules
     * by protocol, the bound member's rule catches the rest (the arp_filter lookup among them);
     * test addresses keep their member's table only.
     */
    @Test
    @Order(3)
    void flowRulesSpreadWhileThePlainRuleNamesTheBoundMember() throws Exception {
        String rules = rules();
        int spread = 30000 + SourceSteering.TABLE_SPAN;
        assertTrue(rules.contains("from " + DATA4 + " lookup " + table1), rules);
        assertTrue(Pattern.compile("from " + DATA4 + " ipproto (tcp|6) lookup " + spread).matcher(rules).find(), rules);
        assertTrue(Pattern.compile("from " + DATA6 + " ipproto (ipv6-icmp|58) lookup " + spread).matcher(rules).find(),
                rules);
        assertTrue(rules.contains("from 192.0.2.11 lookup " + table1), rules);
        assertFalse(Pattern.compile("from 192\\.0\\.2\\.1[12] [^\\n]*lookup " + spread).matcher(rules).find(),
                "test addresses are never spread: " + rules);
    }

    @Test
    @Order(4)
    void rebindingToTheOtherMemberAnnouncesAndTcpSurvives() throws Exception {
        long[] took = bind("m2");
        long rebind = took[0];
        long[] seen = {-1, -1};
        Await.until("the client follows the gratuitous ARP and unsolicited NA to m2", () -> uncheck(() -> {
            if (seen[0] < 0 && mac2.equals(clientNeighbour(DATA4))) {
                seen[0] = System.nanoTime();
            }
            if (seen[1] < 0 && mac2.equals(clientNeighbour(DATA6))) {
                seen[1] = System.nanoTime();
            }
            return seen[0] >= 0 && seen[1] >= 0;
        }));
        // Reported, not asserted (a wait is not a measurement; the polling adds up to an ip(8) run).
        System.out.printf("REBIND m1 -> m2: the platform took %.1f ms; the client's entries on m2 %.1f ms (ARP) /"
                + " %.1f ms (ND) after the call%n", took[1] / 1e6, (seen[0] - rebind) / 1e6, (seen[1] - rebind) / 1e6);
        for (Connection c : CONNECTIONS) {
            c.roundTrip(2);
        }
        String rules = rules();
        assertTrue(rules.contains("from " + DATA4 + " lookup " + table2), rules);
        assertFalse(rules.contains("from " + DATA4 + " lookup " + table1), "the old binding went: " + rules);
        onlyAnswers("m2", mac2);
        for (Connection c : CONNECTIONS) {
            c.roundTrip(3);
        }
        prefixRoutesThrough("m2");
        assertTrue(LOG.stream().noneMatch(l -> l.startsWith("Cannot") || l.startsWith("prefix route")
                || l.startsWith("inbound binding") || l.startsWith("source steering") || l.startsWith("load spreading")),
                "no failure logged: " + LOG);
    }

    @Test
    @Order(5)
    void convergenceRestoresWhatWasRemovedBehindThePlatformsBack() throws Exception {
        lab.ip(lab.host, "rule del from " + DATA4 + " lookup " + table2 + " priority 1000");
        lab.ip(lab.host, "rule del from " + DATA4 + " ipproto tcp priority 999");
        lab.ip(lab.host, "-6 neigh del proxy " + DATA6 + " dev m2");
        lab.ip(lab.host, "addr del " + DATA4 + "/24 dev ipmp0");
        onEngine(() -> {
            platform.converge();
            return null;
        });
        assertTrue(rules().contains("from " + DATA4 + " lookup " + table2), rules());
        assertTrue(Pattern.compile("from " + DATA4 + " ipproto (tcp|6) lookup").matcher(rules()).find(), rules());
        assertTrue(proxies().contains(DATA6 + " dev m2"), proxies());
        assertTrue(lab.ip(lab.host, "addr show dev ipmp0").contains(DATA4 + "/24"));
        for (Connection c : CONNECTIONS) {
            c.roundTrip(4);
        }

        lab.ip(lab.host, "link del ipmp0");
        onEngine(() -> {
            platform.converge();
            return null;
        });
        String shown = lab.ip(lab.host, "addr show dev ipmp0");
        assertTrue(shown.contains(DATA4 + "/24") && shown.contains(DATA6 + "/64"), "device and addresses back: " + shown);
        assertTrue(shown.contains(",UP"), shown);
        onlyAnswers("m2", mac2);
        assertFalse(NICS.contains("ipmp0"), "the re-created device is not reported as a NIC either: " + NICS);
        awaitReportedIndex("ipmp0");
    }

    /** Waits until LinuxEvents reported the kernel's index of device {@code name} as an IPMP device's. */
    private static void awaitReportedIndex(String name) throws Exception {
        int index = lab.executor(lab.host).call(() -> Interfaces.index(name));
        Await.until(() -> name + " reported with index " + index + ": " + IPMP_INDEXES, () -> Integer.valueOf(index).equals(IPMP_INDEXES.get(name)));
    }

    /**
     * A device an earlier run left (our alias, e.g. after kill -9) is not a NIC: reported as one,
     * the engine would refuse {@code ifconfig NAME ipmp} ("is a physical interface").
     */
    @Test
    @Order(7)
    void aDeviceLeftByAnEarlierRunIsNotReportedAsANic() throws Exception {
        boolean made = false;
        for (String kind : IpmpDevices.KINDS) {
            if (lab.status(lab.host, "ip", "link", "add", "left0", "type", kind) == 0) {
                made = true;
                break;
            }
        }
        assertTrue(made, "a dummy or ifb device");
        lab.exec(lab.host, "ip", "link", "set", "left0", "alias", IpmpDevices.ALIAS);
        lab.ip(lab.host, "link set left0 up");
        lab.ip(lab.host, "link add vnic0 type veth peer name vnic1");
        lab.ip(lab.host, "link set vnic0 up");
        Await.until(() -> "vnic0 reported: " + NICS, () -> NICS.contains("vnic0"));
        assertFalse(NICS.contains("left0"), "a device with our alias is no NIC: " + NICS);
        assertFalse(IPMP_INDEXES.containsKey("left0"), "nor an IPMP interface's before the platform makes it one");
        lab.ip(lab.host, "link del vnic0");
        lab.ip(lab.host, "link del left0");
    }

    @Test
    @Order(6)
    void unbindingAndUnplumbingLeaveNothingBehind() throws Exception {
        // An address taken off the interface and put back keeps its binding.
        onEngine(() -> {
            platform.removeAddress(data(DATA4));
            return null;
        });
        assertFalse(rules().contains("from " + DATA4 + " "), rules());
        onEngine(() -> {
            platform.addAddress(data(DATA4));
            return null;
        });
        assertTrue(rules().contains("from " + DATA4 + " lookup " + table2), rules());

        bind(null);
        String rules = rules();
        assertFalse(rules.contains("from " + DATA4 + " lookup " + table2), rules);
        assertFalse(proxies().contains(DATA6), proxies());
        onEngine(() -> {
            platform.removeAddress(data(DATA4));
            platform.removeAddress(data(DATA6));
            platform.ipmpInterfaceRemoved("ipmp0");
            return null;
        });
        assertNotEquals(0, lab.status(lab.host, "ip", "link", "show", "ipmp0"), "the device is gone");
        rules = rules();
        assertFalse(rules.contains(DATA4) || rules.contains(DATA6), rules);
        assertFalse(proxies().contains(DATA6), proxies());
        assertTrue(lab.ip(lab.host, "-4 neigh show proxy").isBlank(), "IPv4 needs no proxy entries");
        assertTrue(rules.contains("from 192.0.2.11 lookup " + table1), "the test addresses keep theirs: " + rules);
        String routes = lab.ip(lab.host, "route show") + lab.ip(lab.host, "-6 route show");
        assertFalse(routes.contains("src " + DATA4) || routes.contains("src " + DATA6), routes);
        assertEquals("0", sysctl("net.ipv4.conf.m1.arp_filter"), "a classic member answers for its own addresses");
        assertFalse(lab.ip(lab.host, "addr show dev m1").contains("169.254."), "a classic member needs no ARP source");
        assertEquals("1", sysctl("net.ipv4.conf.m1.arp_ignore"));
    }

    /** Records the NICs LinuxEvents reports. */
    private static final class RecordingSink implements EventSink {
        @Override
        public void nicAdded(String name, int ifindex, boolean running) {
            NICS.add(name);
        }

        @Override
        public void nicRemoved(String name) {
        }

        @Override
        public void ipmpDeviceIndex(String name, int ifindex) {
            IPMP_INDEXES.put(name, ifindex);
        }

        @Override
        public void linkChanged(String name, boolean running) {
        }

        @Override
        public void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs) {
        }

        @Override
        public void discoveryReply(String ifname, Family family, InetAddress from) {
        }

        @Override
        public void routesChanged(List<Route> routes) {
        }
    }
}
