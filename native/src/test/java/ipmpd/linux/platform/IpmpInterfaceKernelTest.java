package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.linux.Announcer;
import ipmpd.linux.Interfaces;
import ipmpd.linux.MemberSysctls;
import ipmpd.linux.NetNs;
import ipmpd.linux.RuleInfo;
import ipmpd.linux.Rtnetlink;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The IPMP interface of new IPMP on Linux, prototyped with the native building blocks (no engine):
 * a device of its own ({@code ipmp0}; an ifb here, where the kernel has no dummy driver) holds
 * the data addresses without a prefix route, so {@code ip addr show ipmp0} lists them and
 * applications bind to them. Members m1 and m2 carry test addresses and their member tables.
 * Inbound binding of a data address to one member:
 * <ul>
 * <li>IPv4: members with arp_ignore=0 and arp_filter=1 answer ARP only when the reply would
 *     leave through them, and the rule {@code from DATA lookup T(member)} says which member that
 *     is: exactly the bound member answers, with its own MAC;</li>
 * <li>IPv6: a proxy neighbour entry on the bound member (proxy_ndp) answers NS.</li>
 * </ul>
 * Rebinding moves the rule (and the proxy entry) to the other member and announces from it
 * (gratuitous ARP / unsolicited NA); the address never leaves ipmp0, so TCP connections survive.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IpmpInterfaceKernelTest {
    private static final String DATA4 = "192.0.2.50";
    private static final String DATA6 = "2001:db8::50";
    private static final int PORT = 5050;
    private static final int PRIORITY = 1000;
    private static FailoverLab lab;
    private static Rtnetlink hostRt;
    private static int table1;
    private static int table2;
    private static String mac1;
    private static String mac2;
    private static ServerSocket server;
    private static Socket client;
    private static DataOutputStream clientOut;
    private static DataInputStream clientIn;
    private static final ExecutorService ECHO = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ipmp0-echo");
        t.setDaemon(true);
        return t;
    });
    private static Future<?> echo;

    @BeforeAll
    static void setUp() throws Exception {
        lab = FailoverLab.create(2);
        try {
            NetNs.Executor h = lab.executor(lab.host);
            hostRt = h.call(Rtnetlink::open);
            MemberSysctls sysctls = new MemberSysctls();
            for (String m : new String[] {"m1", "m2"}) {
                h.call(() -> sysctls.applyNewIpmp(m));
            }
            table1 = 30000 + h.call(() -> Interfaces.index("m1"));
            table2 = 30000 + h.call(() -> Interfaces.index("m2"));
            mac1 = h.call(() -> Interfaces.hardwareAddress("m1")).toString();
            mac2 = h.call(() -> Interfaces.hardwareAddress("m2")).toString();
            lab.ip(lab.host, "link add ipmp0 type ifb");
            lab.ip(lab.host, "link set ipmp0 up");
            lab.ip(lab.host, "addr add " + DATA4 + "/24 dev ipmp0 noprefixroute");
            lab.ip(lab.host, "-6 addr add " + DATA6 + "/64 dev ipmp0 noprefixroute nodad");
            // Test addresses and member tables as the platform keeps them (SourceSteering).
            lab.ip(lab.host, "addr add 192.0.2.11/24 dev m1 noprefixroute");
            lab.ip(lab.host, "addr add 192.0.2.12/24 dev m2 noprefixroute");
            for (int i = 1; i <= 2; i++) {
                int t = i == 1 ? table1 : table2;
                lab.ip(lab.host, "route add 192.0.2.0/24 dev m" + i + " table " + t);
                lab.ip(lab.host, "-6 route add 2001:db8::/64 dev m" + i + " table " + t);
                lab.ip(lab.host, "rule add from 192.0.2.1" + i + " lookup " + t + " priority " + PRIORITY);
            }
            // Unbound traffic to the link (the platform's prefix routes).
            lab.ip(lab.host, "route add 192.0.2.0/24 dev m1 src " + DATA4);
            lab.ip(lab.host, "-6 route add 2001:db8::/64 dev m1");
            bind(null, "m1");
            server = lab.in(lab.host, () -> new ServerSocket(PORT, 4, InetAddress.getByName(DATA4)));
            echo = ECHO.submit(() -> {
                try (Socket s = server.accept(); DataInputStream in = new DataInputStream(s.getInputStream());
                     DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
                    while (true) {
                        out.writeInt(in.readInt() + 1);
                        out.flush();
                    }
                }
            });
        } catch (Throwable t) {
            tearDown();
            throw t;
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
            ECHO.shutdownNow();
            if (hostRt != null) {
                hostRt.close();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    /** Binds the data addresses to member {@code to} (from {@code from}, null at first), make before break, and announces. */
    private static void bind(String from, String to) throws Exception {
        int toTable = to.equals("m1") ? table1 : table2;
        for (String a : new String[] {DATA4, DATA6}) {
            InetAddress addr = InetAddress.getByName(a);
            int len = a.contains(":") ? 128 : 32;
            hostRt.addRule(RuleInfo.fromSource(addr, len, toTable, PRIORITY));
            if (from != null) {
                hostRt.deleteRule(RuleInfo.fromSource(addr, len, from.equals("m1") ? table1 : table2, PRIORITY));
            }
        }
        lab.ip(lab.host, "-6 neigh add proxy " + DATA6 + " dev " + to);
        if (from != null) {
            lab.ip(lab.host, "-6 neigh del proxy " + DATA6 + " dev " + from);
        }
        lab.in(lab.host, () -> {
            try (Announcer announcer = Announcer.open(to)) {
                announcer.announce(InetAddress.getByName(DATA4));
                announcer.announce(InetAddress.getByName(DATA6));
            }
            return null;
        });
    }

    /** The client's neighbour entry for an address: its MAC, null if none. */
    private static String clientNeighbour(String address) throws Exception {
        String out = lab.ip(lab.client, "neigh show " + address);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("lladdr (\\S+)").matcher(out);
        return m.find() ? m.group(1) : null;
    }

    private static long arpFiltered() throws Exception {
        String out = lab.exec(lab.host, "nstat", "-az", "TcpExtArpFilter");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("TcpExtArpFilter\\s+(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static void roundTrip(int n) throws Exception {
        clientOut.writeInt(n);
        clientOut.flush();
        assertEquals(n + 1, clientIn.readInt(), "echo through " + DATA4);
    }

    @Test
    @Order(1)
    void theInterfaceHoldsTheAddressesAndOnlyTheBoundMemberAnswers() throws Exception {
        String shown = lab.ip(lab.host, "addr show dev ipmp0");
        assertTrue(shown.contains("inet " + DATA4 + "/24") && shown.contains("inet6 " + DATA6 + "/64"), shown);
        long filtered = arpFiltered();
        lab.ip(lab.client, "neigh flush dev c0");
        assertEquals(0, lab.status(lab.client, "ping", "-c", "1", "-W", "2", DATA4));
        assertEquals(mac1, clientNeighbour(DATA4), "m1 answered ARP for " + DATA4);
        assertTrue(arpFiltered() > filtered, "m2 saw the request and kept silent (arp_filter)");
        assertEquals(0, lab.status(lab.client, "ping", "-6", "-c", "1", "-W", "3", DATA6));
        assertEquals(mac1, clientNeighbour(DATA6), "m1 answered NS for " + DATA6);
        client = lab.in(lab.client, () -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getByName(DATA4), PORT), 10_000);
            s.setSoTimeout(10_000);
            return s;
        });
        clientOut = new DataOutputStream(client.getOutputStream());
        clientIn = new DataInputStream(client.getInputStream());
        roundTrip(1);
    }

    @Test
    @Order(2)
    void rebindingToTheOtherMemberAnnouncesAndTcpSurvives() throws Exception {
        bind("m1", "m2");
        FailoverLab.await("the client follows the gratuitous ARP and NA to m2", 5000, 10, () -> {
            try {
                return mac2.equals(clientNeighbour(DATA4)) && mac2.equals(clientNeighbour(DATA6));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        roundTrip(2);
        long filtered = arpFiltered();
        lab.ip(lab.client, "neigh flush dev c0");
        assertEquals(0, lab.status(lab.client, "ping", "-c", "1", "-W", "2", DATA4));
        assertEquals(mac2, clientNeighbour(DATA4), "m2 alone answers ARP now");
        assertTrue(arpFiltered() > filtered, "m1 kept silent (arp_filter)");
        assertEquals(0, lab.status(lab.client, "ping", "-6", "-c", "1", "-W", "3", DATA6));
        assertEquals(mac2, clientNeighbour(DATA6), "m2 alone answers NS now");
        roundTrip(3);
        bind("m2", "m1");
        FailoverLab.await("the client back on m1", 5000, 10, () -> {
            try {
                return mac1.equals(clientNeighbour(DATA4));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        roundTrip(4);
        assertTrue(!echo.isDone(), "the server's connection is still open");
    }

    /**
     * Inbound binding and outbound spreading together: the spreading rule matches the protocols
     * that carry flows ({@code ipproto tcp}), so TCP from the data address leaves through both
     * members, while the kernel's arp_filter lookup (protocol 0) still finds the bound member's
     * rule and only m1 answers ARP.
     */
    @Test
    @Order(3)
    void spreadingRulesByProtocolLeaveTheArpBindingAlone() throws Exception {
        lab.ip(lab.host, "nexthop add id 9001 dev m1");
        lab.ip(lab.host, "nexthop add id 9002 dev m2");
        lab.ip(lab.host, "nexthop add id 9010 group 9001/9002");
        lab.ip(lab.host, "route add 192.0.2.0/24 nhid 9010 table 40000");
        lab.ip(lab.host, "rule add from " + DATA4 + " ipproto tcp lookup 40000 priority " + (PRIORITY - 1));
        lab.sysctl(lab.host, "net.ipv4.fib_multipath_hash_policy=1");
        try (ServerSocket sink = lab.in(lab.client, () -> new ServerSocket(6000, 32))) {
            Thread drain = new Thread(() -> {
                while (!sink.isClosed()) {
                    try (Socket s = sink.accept(); java.io.InputStream in = s.getInputStream()) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "ipmp0-sink");
            drain.setDaemon(true);
            drain.start();
            java.util.Set<String> used = new java.util.TreeSet<>();
            for (int i = 0; i < 24 && used.size() < 2; i++) {
                java.util.Map<String, Long> before = txBytes();
                lab.in(lab.host, () -> {
                    try (Socket s = new Socket()) {
                        s.bind(new InetSocketAddress(InetAddress.getByName(DATA4), 0));
                        s.connect(new InetSocketAddress(InetAddress.getByName(FailoverLab.CLIENT4), 6000), 10_000);
                        s.setSoTimeout(10_000);
                        s.getOutputStream().write(new byte[256 * 1024]);
                        s.shutdownOutput();
                        assertEquals(-1, s.getInputStream().read());
                    }
                    return null;
                });
                java.util.Map<String, Long> after = txBytes();
                for (String m : before.keySet()) {
                    if (after.get(m) - before.get(m) >= 256 * 1024) {
                        used.add(m);
                    }
                }
            }
            assertEquals(java.util.Set.of("m1", "m2"), used, "TCP from " + DATA4 + " leaves through both members");
        }
        long filtered = arpFiltered();
        lab.ip(lab.client, "neigh flush dev c0");
        assertEquals(0, lab.status(lab.client, "ping", "-c", "1", "-W", "2", DATA4));
        assertEquals(mac1, clientNeighbour(DATA4), "m1, the bound member, alone answers ARP");
        assertTrue(arpFiltered() > filtered, "m2 kept silent (arp_filter)");
        roundTrip(5);
    }

    private static java.util.Map<String, Long> txBytes() throws Exception {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        for (ipmpd.linux.LinkStatistics s : hostRt.dumpLinkStatistics()) {
            if (s.name().equals("m1") || s.name().equals("m2")) {
                out.put(s.name(), s.txBytes());
            }
        }
        return out;
    }
}
