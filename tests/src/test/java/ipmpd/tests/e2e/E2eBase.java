package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;

/**
 * What every end-to-end test shares: the tutorial's testbed (m1, m2 on switch A, m3 on switch B,
 * router 192.0.2.1 on switch B), the real daemon in the host namespace with FDT 1000 ms and no
 * quiet period, the tutorial's group "prod" (test addresses .11 .12 .13, data address
 * 192.0.2.50 on m1), and the client's traffic. Teardown removes everything, pass or fail, and
 * checks that no namespace, link or daemon is left.
 */
abstract class E2eBase {

    static final String GROUP = "prod";
    static final String DATA = TutorialTestbed.DATA_V4;
    static final int FDT_MS = 1000;
    /** Scheduling slack on a loaded 2-core machine. */
    static final Duration SLACK = Duration.ofMillis(1500);

    TutorialTestbed tb;
    IpmpdProcess daemon;
    ClientTraffic traffic;
    private final List<AutoCloseable> extra = new ArrayList<>();
    private String testName = "";

    /** A testbed with the default topology. */
    TutorialTestbed testbed() {
        return testbed(TutorialTestbed.builder());
    }

    TutorialTestbed testbed(TutorialTestbed.Builder b) {
        tb = b.build();
        return tb;
    }

    String m(int n) {
        return tb.member(n);
    }

    static String mpathd(int fdtMs, boolean failback) {
        return "FAILURE_DETECTION_TIME=" + fdtMs + "\nFAILBACK=" + (failback ? "yes" : "no")
                + "\nTRACK_INTERFACES_ONLY_WITH_GROUPS=yes\nPROBE_QUIET_PERIOD=0";
    }

    /** The tutorial's configuration: three members of "prod" with test addresses, 192.0.2.50 on m1. */
    IpmpdProcess.Builder tutorialConfig() {
        return IpmpdProcess.builder(tb.ns(HOST))
                .mpathd(mpathd(FDT_MS, true))
                .file("hostname." + m(1), "192.0.2.11/24 deprecated -failover group " + GROUP + " up",
                        "addif " + DATA + "/24 up")
                .file("hostname." + m(2), "192.0.2.12/24 deprecated -failover group " + GROUP + " up")
                .file("hostname." + m(3), "192.0.2.13/24 deprecated -failover group " + GROUP + " up");
    }

    IpmpdProcess start(IpmpdProcess.Builder b) {
        if (Boolean.getBoolean("ipmpd.e2e.capture")) {
            capture = tb.start(HOST, "tcpdump", "-l", "-n", "-tt", "-e", "-i", "any", "icmp or icmp6 or arp");
        }
        daemon = b.start();
        return daemon;
    }

    /** With -Dipmpd.e2e.capture=true: the host namespace's ICMP and ARP, saved with the daemon's log. */
    private ipmpd.tests.testbed.BackgroundProcess capture;

    /**
     * Every member probing fine: two probes of each answered (ipmpstat -p) and PROBE ok, STATE ok.
     * Before the first answers the router's neighbour entries may still be unresolved.
     */
    void awaitAllOk(Duration limit) {
        daemon.awaitProbesAnswered(limit, 2, m(1), m(2), m(3));
        Await.until(() -> "all members ok: " + daemon.ipmpstat("-i") + "\n" + daemon.log(), limit,
                () -> daemon.interfaces().values().stream()
                        .allMatch(r -> r.get("PROBE").equals("ok") && r.get("STATE").equals("ok")));
    }

    /**
     * The common start of the failover tests: the tutorial testbed and configuration, every member
     * probing fine, the data address on m1, and the client's traffic to it running.
     */
    void startTutorialWithTraffic() {
        testbed();
        start(tutorialConfig());
        awaitAllOk(Duration.ofSeconds(15));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        startTraffic(DATA);
    }

    /** Starts the client's ping (10 ms) and TCP echo stream to {@code address} and waits until both run. */
    ClientTraffic startTraffic(String address) {
        traffic = ClientTraffic.builder(tb).dataAddress(address).start();
        traffic.awaitRunning(Duration.ofSeconds(10));
        return traffic;
    }

    /**
     * Lets the traffic run on for a measuring window (so that the losses of an event just seen are
     * counted and the client shows it reaches the address again), then stops it: a window of
     * traffic, not a wait for an event.
     */
    ClientTraffic.Report measureAndStop(String what) {
        Netns.sleepQuietly(MEASURE.toMillis());
        return stopTraffic(what);
    }

    static final Duration MEASURE = Duration.ofMillis(500);

    /** Stops the traffic, prints the report and checks that TCP survived, in order. */
    ClientTraffic.Report stopTraffic(String what) {
        ClientTraffic.Report r = traffic.stop();
        System.out.printf("%s [%s]: pings sent %d lost %d, largest gap %.0f ms; TCP survived %s (%d bytes, largest gap %.0f ms)%n",
                testName, what, r.pingsSent(), r.pingsLost(), r.pingMaxGapMs(), r.tcpSurvived(), r.tcpBytesEchoed(),
                r.tcpMaxGapMs());
        assertTrue(r.tcpSurvived(), "TCP connection survived, in order: " + r + "\n" + traffic.output() + "\n" + daemon.log());
        return r;
    }

    /** The host member that holds {@code address} in the kernel ({@code ip -n HOST -o addr}), or null. */
    String kernelHolder(String address) {
        List<String> holders = kernelHolders(address);
        return holders.isEmpty() ? null : holders.get(0);
    }

    List<String> kernelHolders(String address) {
        List<String> out = new ArrayList<>();
        String plain = address.contains("/") ? address.substring(0, address.indexOf('/')) : address;
        for (String line : tb.ip(HOST, "-o", "addr", "show").split("\n")) {
            String[] f = line.strip().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if ((f[i].equals("inet") || f[i].equals("inet6")) && f[i + 1].startsWith(plain + "/")) {
                    out.add(f[1]);
                }
            }
        }
        return out;
    }

    /** Waits until {@code address} is in the kernel on member {@code n} and nowhere else. */
    void awaitKernelOn(String address, int n, Duration limit) {
        Await.until(() -> address + " only on " + m(n) + ", is on " + kernelHolders(address) + "\n"
                        + tb.ip(HOST, "-o", "addr") + daemon.log(), limit,
                () -> kernelHolders(address).equals(List.of(m(n))));
    }

    /** Waits until {@code ipmpstat -a} places {@code address} on member {@code n}. */
    void awaitIpmpstatOn(String address, int n, Duration limit) {
        Await.until(() -> address + " on " + m(n) + " in ipmpstat -a: " + daemon.ipmpstat("-a"), limit,
                () -> daemon.parsable("-a", "ADDRESS,INBOUND").stream()
                        .anyMatch(r -> r.get(0).equals(address) && r.get(1).equals(m(n))));
    }

    Map<String, String> row(int n) {
        Map<String, String> r = daemon.interfaces().get(m(n));
        assertTrue(r != null, m(n) + " in ipmpstat -i: " + daemon.ipmpstat("-i"));
        return r;
    }

    /** Asserts a row of ipmpstat -i: ACTIVE, FLAGS, LINK, PROBE, STATE (null = not checked). */
    void assertRow(int n, String active, String flags, String link, String probe, String state) {
        Map<String, String> r = row(n);
        String all = daemon.ipmpstat("-i").out();
        if (active != null) {
            assertEquals(active, r.get("ACTIVE"), "ACTIVE of " + m(n) + "\n" + all);
        }
        if (flags != null) {
            assertEquals(flags, r.get("FLAGS"), "FLAGS of " + m(n) + "\n" + all);
        }
        if (link != null) {
            assertEquals(link, r.get("LINK"), "LINK of " + m(n) + "\n" + all);
        }
        if (probe != null) {
            assertEquals(probe, r.get("PROBE"), "PROBE of " + m(n) + "\n" + all);
        }
        if (state != null) {
            assertEquals(state, r.get("STATE"), "STATE of " + m(n) + "\n" + all);
        }
    }

    static String q(String s) {
        return Pattern.quote(s);
    }

    /** Registers something to close at teardown (before the testbed). */
    <T extends AutoCloseable> T closeLater(T c) {
        extra.add(c);
        return c;
    }

    @org.junit.jupiter.api.BeforeEach
    void name(TestInfo info) {
        testName = getClass().getSimpleName() + "." + info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("?");
        System.out.println("== " + testName);
    }

    /** The daemon's log (every run) and the testbed's state go to target/e2e-logs/TEST.log. */
    private void saveLog() {
        try {
            java.nio.file.Path d = java.nio.file.Path.of("target", "e2e-logs");
            java.nio.file.Files.createDirectories(d);
            String state = "";
            try {
                state = "\n==== ipmpstat -i\n" + daemon.ipmpstat("-i").out() + "\n==== testbed\n" + tb.dump();
            } catch (RuntimeException | Error e) {
                state = "\n(state unavailable: " + e + ")";
            }
            if (capture != null) {
                capture.close();
                state += "\n==== tcpdump -i any (host namespace)\n" + String.join("\n", capture.stdoutLines());
            }
            java.nio.file.Files.writeString(d.resolve(testName + ".log"), daemon.log() + state);
        } catch (java.io.IOException | RuntimeException e) {
            System.out.println("cannot save the daemon log: " + e);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        Throwable failure = null;
        List<AutoCloseable> order = new ArrayList<>();
        if (traffic != null) {
            order.add(traffic);
        }
        order.addAll(extra);
        if (daemon != null) {
            order.add(daemon);
        }
        if (daemon != null) {
            saveLog();
        }
        for (AutoCloseable c : order) {
            try {
                c.close();
            } catch (Exception | Error e) {
                failure = failure == null ? e : failure;
            }
        }
        if (tb != null) {
            String prefix = tb.prefix();
            try {
                tb.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
            assertEquals(List.of(), TutorialTestbed.leftovers(prefix), "namespaces or links left behind");
            assertTrue(Netns.list().stream().noneMatch(n -> n.startsWith(prefix)));
        }
        if (daemon != null) {
            long pid = daemon.pid();
            assertTrue(Await.poll(Duration.ofSeconds(5), () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)),
                    "daemon " + pid + " left running");
        }
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }
}
