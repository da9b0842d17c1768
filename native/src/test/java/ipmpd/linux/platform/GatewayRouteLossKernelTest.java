package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.engine.IfconfigCommand;
import ipmpd.linux.NetNs;
import ipmpd.testkit.Await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Main's gateway routes through a group's link survive a member losing its last IPv4 address
 * (the kernel then deletes every route through it, fib_disable_ip) and a member set down (the
 * same), with and without outbound spreading. Three members on one bridge (m1 with a data and a
 * test address, m2 and m3 with a data address each, no test address: link-based detection
 * only), a network 198.51.100.0/24 behind the bridge's router, and the administrator's route to
 * it through m1. The sequence is the one a spread test met under load: the route is moved off a
 * failed m1 onto m2, then m2 is taken offline and its only address moves away.
 */
class GatewayRouteLossKernelTest {
    private static final String NET = "198.51.100.0/24";
    private static final String REMOTE = "198.51.100.100";
    private static final int PORT = 5002;

    @Test
    void gatewayRouteSurvivesItsMemberLosingItsAddressesWithSpreading() throws Exception {
        scenario(true);
    }

    @Test
    void gatewayRouteSurvivesItsMemberLosingItsAddressesWithoutSpreading() throws Exception {
        scenario(false);
    }

    private static void scenario(boolean spread) throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        EngineListener listener = new EngineListener() {
            @Override
            public void log(String message) {
                log.add("engine: " + message);
            }
        };
        FailoverLab lab = FailoverLab.create(3);
        NsEngineLoop loop = null;
        LinuxPlatform platform = null;
        LinuxEvents events = null;
        ServerSocket server = null;
        try {
            lab.sysctl(lab.sw, "net.ipv4.ip_forward=1");
            lab.ip(lab.client, "addr add " + REMOTE + "/24 dev c0");
            lab.ip(lab.sw, "route add " + NET + " via " + FailoverLab.CLIENT4);
            // Never accepted: the kernel completes the handshakes, which is all a check needs.
            server = lab.in(lab.client, () -> new ServerSocket(PORT, 64));
            NetNs.Executor h = lab.executor(lab.host);
            NsEngineLoop l = new NsEngineLoop(h);
            loop = l;
            platform = l.call(() -> new LinuxPlatform(l::execute, log::add,
                    LinuxPlatform.Options.defaults().withSpreading(spread)));
            LinuxPlatform p = platform;
            // The default failure detection time: m1's probes (its test address is the only one)
            // must not fail it on a loaded machine; its failure here is a pulled cable.
            Engine engine = l.call(() -> {
                Engine e = new Engine(System::nanoTime, p, listener, new Random(7),
                        new EngineConfig(EngineConfig.DEFAULT_FDT_MS, true, true, 0));
                l.bind(e);
                return e;
            });
            events = l.call(() -> {
                LinuxEvents ev = new LinuxEvents(EventSink.of(engine), l::execute, p, log::add);
                ev.start();
                return ev;
            });
            Ifconfig ifconfig = line -> l.call(() -> IfconfigCommand.execute(engine, List.of(line.split(" "))));
            ifconfig.run("m1 plumb 192.0.2.11/24 group g up");
            ifconfig.run("m1 addif 192.0.2.31/24 deprecated -failover up");
            ifconfig.run("m2 plumb 192.0.2.12/24 group g up");
            ifconfig.run("m3 plumb 192.0.2.13/24 group g up");
            lab.ip(lab.host, "route add " + NET + " via " + FailoverLab.ROUTER4 + " dev m1");
            awaitRouteVia(lab, "m1");
            awaitFlow(lab, "192.0.2.12");

            // m1's cable pulled: it keeps its test address, the platform moves the route to m2.
            lab.ip(lab.sw, "link set s1 down");
            awaitRouteVia(lab, "m2");

            // m2 offline: its only address goes to m3. The route must not go with it.
            l.call(() -> {
                engine.offline("m2");
                return null;
            });
            Await.until("m2 without IPv4 addresses", () -> !ipv4On(lab, "m2"));
            awaitRouteVia(lab, "m3");
            awaitFlow(lab, "192.0.2.12");

            // m1 repaired: the route goes home.
            lab.ip(lab.sw, "link set s1 up");
            awaitRouteVia(lab, "m1");
            awaitFlow(lab, "192.0.2.11");

            // m1 unplumbed with the route at home on it: it moves to m3 (m2 is offline).
            ifconfig.run("m1 unplumb");
            Await.until("m1 without IPv4 addresses", () -> !ipv4On(lab, "m1"));
            awaitRouteVia(lab, "m3");
            awaitFlow(lab, "192.0.2.13");

            // m3 set down by hand: the kernel drops its routes at once; the platform puts the
            // route back through the member the group still has (m2, online again).
            l.call(() -> {
                engine.undoOffline("m2");
                return null;
            });
            lab.ip(lab.host, "link set m3 down");
            awaitRouteVia(lab, "m2");
            awaitFlow(lab, "192.0.2.12");

            // m2's addresses deleted by hand: the kernel drops the route with them, and no member
            // is left to carry it (m1 unplumbed, m3 down). Convergence restores the addresses,
            // and the route comes back with them.
            lab.ip(lab.host, "-4 addr flush dev m2");
            awaitRouteVia(lab, "m2");
            awaitFlow(lab, "192.0.2.12");

            // A route the administrator deletes stays deleted.
            lab.ip(lab.host, "route del " + NET);
            l.call(() -> {
                p.converge();
                return null;
            });
            l.call(() -> null); // the main-table work converge() queued has run
            String left = route(lab);
            assertTrue(left.isBlank(), "the administrator's deletion holds: " + left);
        } catch (Throwable t) {
            log.add("failed: " + t + "\n" + lab.ip(lab.host, "addr") + lab.ip(lab.host, "route show table all"));
            throw t;
        } finally {
            try {
                FailoverLab.stopDaemon(lab, events, loop, platform);
                if (server != null) {
                    server.close();
                }
            } finally {
                lab.close();
                log.forEach(System.out::println);
            }
        }
    }

    private interface Ifconfig {
        String run(String line) throws Exception;
    }

    private static String route(FailoverLab lab) {
        try {
            return lab.ip(lab.host, "route show " + NET);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static boolean ipv4On(FailoverLab lab, String dev) {
        try {
            return !lab.ip(lab.host, "-4 addr show dev " + dev).isBlank();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static void awaitRouteVia(FailoverLab lab, String dev) {
        Await.until(() -> "main's route to " + NET + " through " + dev + ", is: " + route(lab),
                () -> route(lab).matches("(?s)" + NET.replace(".", "\\.") + " via 192\\.0\\.2\\.1 dev " + dev + "\\b.*"));
    }

    /** A TCP connection from {@code source} to the network behind the router is made. */
    private static void awaitFlow(FailoverLab lab, String source) {
        String[] last = {""};
        Await.until(() -> "a connection from " + source + " to " + REMOTE + ": " + last[0], () -> {
            try {
                return lab.in(lab.host, () -> {
                    try (Socket s = new Socket()) {
                        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
                        s.connect(new InetSocketAddress(InetAddress.getByName(REMOTE), PORT), 10_000);
                        return true;
                    }
                });
            } catch (Exception e) {
                last[0] = e.toString();
                return false;
            }
        });
    }
}
