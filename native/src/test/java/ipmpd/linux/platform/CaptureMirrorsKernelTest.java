package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.Family;
import ipmpd.engine.Platform.AddressPlacement;
import ipmpd.linux.NetNs;
import ipmpd.testkit.Await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Capture on the IPMP interface's device ({@link CaptureMirrors}): group g with members m1 and m2
 * (test addresses 192.0.2.11 and .12) and IPMP interface {@code ipmp0} holding 192.0.2.50/24 and
 * 2001:db8::50/64, bound to m1. tcpdump on ipmp0 sees the client's pings of the data addresses
 * and their replies, and nothing of the test addresses; the mirrors follow membership and the
 * data addresses, and go with the interface and at exit, clsact qdisc included.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CaptureMirrorsKernelTest {
    private static final String DATA4 = "192.0.2.50";
    private static final String DATA6 = "2001:db8::50";
    /** DATA4 as u32 prints it in a key. */
    private static final String DATA4_KEY = "c0000232/ffffffff";
    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static FailoverLab lab;
    private static NsEngineLoop loop;
    private static LinuxPlatform platform;

    private static AddressPlacement data(String address) throws Exception {
        boolean v4 = address.indexOf(':') < 0;
        return new AddressPlacement("ipmp0", 0, v4 ? Family.INET : Family.INET6, InetAddress.getByName(address),
                v4 ? 24 : 64, false);
    }

    private static AddressPlacement test(String member, String address) throws Exception {
        return new AddressPlacement(member, 0, Family.INET, InetAddress.getByName(address), 24, true);
    }

    /** Runs platform calls on the engine thread, then the work they queued behind them. */
    private static void onEngine(Callable<?> c) throws Exception {
        loop.call(c);
        for (int i = 0; i < 3; i++) {
            loop.call(() -> null);
        }
    }

    private static void plumb() throws Exception {
        onEngine(() -> {
            platform.ipmpInterfaceCreated("ipmp0", "g");
            platform.addAddress(data(DATA4));
            platform.addAddress(data(DATA6));
            platform.bindInbound("ipmp0", InetAddress.getByName(DATA4), "m1");
            platform.bindInbound("ipmp0", InetAddress.getByName(DATA6), "m1");
            return null;
        });
    }

    @BeforeAll
    static void setUp() throws Exception {
        lab = FailoverLab.create(2);
        try {
            NetNs.Executor h = lab.executor(lab.host);
            loop = new NsEngineLoop(h);
            platform = loop.call(() -> new LinuxPlatform(loop::execute, LOG::add,
                    LinuxPlatform.Options.defaults().withConvergeMs(0)));
            onEngine(() -> {
                platform.memberJoined("m1", "g");
                platform.memberJoined("m2", "g");
                platform.addAddress(test("m1", "192.0.2.11"));
                platform.addAddress(test("m2", "192.0.2.12"));
                return null;
            });
            plumb();
        } catch (Throwable t) {
            tearDown();
            throw t;
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (lab != null) {
                FailoverLab.stopDaemon(lab, null, loop, platform);
            }
        } finally {
            LOG.forEach(l -> System.out.println("platform: " + l));
            if (lab != null) {
                lab.close();
            }
        }
    }

    private static String filters(String member) throws Exception {
        return lab.exec(lab.host, "tc", "filter", "show", "dev", member, "ingress")
                + lab.exec(lab.host, "tc", "filter", "show", "dev", member, "egress");
    }

    private static boolean hasClsact(String member) throws Exception {
        return lab.exec(lab.host, "tc", "qdisc", "show", "dev", member).contains("clsact");
    }

    private static <T> T uncheck(Callable<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** tcpdump on a device of the host namespace, its lines collected as they come. */
    private static final class Capture implements AutoCloseable {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final Process process;

        Capture(String device) throws Exception {
            process = new ProcessBuilder("ip", "netns", "exec", lab.host, "tcpdump", "-i", device, "-n", "-l", "-U")
                    .redirectErrorStream(true).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (java.io.IOException e) {
                    lines.add("read failed: " + e);
                }
            }, "capture-" + device);
            reader.setDaemon(true);
            reader.start();
            Await.until("tcpdump listening on " + device, () -> lines.stream().anyMatch(l -> l.contains("listening on")));
        }

        boolean saw(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    @Order(1)
    void captureOnTheIpmpInterfaceShowsTheDataAddressesTrafficAndNoProbes() throws Exception {
        String kind = lab.ip(lab.host, "-d link show ipmp0");
        assertTrue(kind.contains("ifb") || kind.contains("dummy"), kind);
        for (String m : List.of("m1", "m2")) {
            String f = filters(m);
            assertTrue(f.contains("mirred (Egress Mirror to device ipmp0)") && f.contains(DATA4_KEY), m + ": " + f);
        }
        try (Capture capture = new Capture("ipmp0")) {
            // A probe's traffic shape: echo requests from and to test addresses, before the data pings.
            assertEquals(0, lab.status(lab.client, "ping", "-c", "2", "-W", "2", "192.0.2.11"));
            assertEquals(0, lab.status(lab.host, "ping", "-c", "2", "-W", "2", "-I", "192.0.2.12", FailoverLab.CLIENT4));
            assertEquals(0, lab.status(lab.client, "ping", "-c", "2", "-W", "2", DATA4), "the data traffic goes on");
            assertEquals(0, lab.status(lab.client, "ping", "-6", "-c", "2", "-W", "2", DATA6), "IPv6 too");
            Await.until("the echo requests and replies of both data addresses captured on ipmp0", () ->
                    capture.saw(FailoverLab.CLIENT4 + " > " + DATA4 + ": ICMP echo request")
                            && capture.saw(DATA4 + " > " + FailoverLab.CLIENT4 + ": ICMP echo reply")
                            && capture.saw(FailoverLab.CLIENT6 + " > " + DATA6 + ": ICMP6, echo request")
                            && capture.saw(DATA6 + " > " + FailoverLab.CLIENT6 + ": ICMP6, echo reply"));
            capture.lines.forEach(l -> System.out.println("captured: " + l));
            assertFalse(capture.saw("192.0.2.11") || capture.saw("192.0.2.12"),
                    "no test address traffic on the IPMP interface: " + capture.lines);
        }
    }

    @Test
    @Order(2)
    void theMirrorsFollowMembershipAndTheDataAddresses() throws Exception {
        onEngine(() -> {
            platform.memberLeft("m2");
            return null;
        });
        assertFalse(filters("m2").contains("mirred"), filters("m2"));
        assertFalse(hasClsact("m2"), "a member that left keeps no qdisc of ours");
        assertTrue(filters("m1").contains("mirred"), filters("m1"));
        onEngine(() -> {
            platform.memberJoined("m2", "g");
            return null;
        });
        assertTrue(filters("m2").contains(DATA4_KEY), filters("m2"));

        onEngine(() -> {
            platform.removeAddress(data(DATA4));
            return null;
        });
        assertFalse(filters("m1").contains(DATA4_KEY), filters("m1"));
        assertTrue(filters("m1").contains("mirred"), "DATA6 is still mirrored: " + filters("m1"));
        onEngine(() -> {
            platform.addAddress(data(DATA4));
            return null;
        });
        assertTrue(filters("m1").contains(DATA4_KEY), filters("m1"));
        assertTrue(filters("m2").contains(DATA4_KEY), filters("m2"));
    }

    @Test
    @Order(3)
    void unplumbingAndExitLeaveNoFilterOrQdisc() throws Exception {
        // Someone else's filter on m2 keeps its qdisc.
        lab.exec(lab.host, "tc", "filter", "add", "dev", "m2", "ingress", "prio", "1", "protocol", "ip", "u32",
                "match", "ip", "dst", "198.51.100.1/32", "classid", "1:1");
        onEngine(() -> {
            platform.removeAddress(data(DATA4));
            platform.removeAddress(data(DATA6));
            platform.ipmpInterfaceRemoved("ipmp0");
            return null;
        });
        for (String m : List.of("m1", "m2")) {
            assertFalse(filters(m).contains("mirred"), filters(m));
        }
        assertFalse(hasClsact("m1"), "m1 keeps no qdisc");
        assertTrue(filters("m2").contains("c6336401/ffffffff"), "the other filter stays: " + filters("m2"));
        lab.exec(lab.host, "tc", "qdisc", "del", "dev", "m2", "clsact");
        // An empty clsact qdisc (as a crashed run leaves it) is taken over and goes at exit.
        lab.exec(lab.host, "tc", "qdisc", "add", "dev", "m1", "clsact");
        plumb();
        assertTrue(filters("m1").contains(DATA4_KEY), "plumbed again: " + filters("m1"));
        loop.call(() -> {
            platform.close();
            return null;
        });
        for (String m : List.of("m1", "m2")) {
            assertFalse(hasClsact(m), m + " keeps no qdisc after exit");
        }
        assertTrue(LOG.stream().noneMatch(l -> l.toLowerCase().contains("capture on ipmp")), LOG.toString());
    }
}
