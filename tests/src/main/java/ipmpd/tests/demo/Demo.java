package ipmpd.tests.demo;

import static ipmpd.tests.demo.DemoShell.banner;
import static ipmpd.tests.demo.DemoShell.kernel;
import static ipmpd.tests.demo.DemoShell.keepOpen;
import static ipmpd.tests.demo.DemoShell.q;
import static ipmpd.tests.demo.DemoShell.say;
import static ipmpd.tests.demo.DemoShell.show;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;

import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.TutorialTestbed;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The demo behind bin/demo: the tutorial's two-switch network in network namespaces, the real
 * daemon in the host namespace (its log shown as it comes, lines marked "ipmpd|"), ipmpstat
 * before and after cable 1 is pulled and plugged back, then cable 4 between the switches cut
 * and mended (probe-based detection), while a client pings the data address every 10 ms and
 * holds a TCP connection to it. {@code --keep}: the testbed stays up until Enter, with the
 * commands to try by hand. Everything is torn down on exit, ^C included.
 */
public final class Demo {
    private static final String GROUP = "prod";
    private static final int FDT_MS = 2000;
    static final int SNMP_PORT = 1161;
    private static final int TRAP_PORT = 1162;

    /** snmptrapd in the host namespace, printing each notification with a "trap|" prefix. */
    private static final class TrapReceiver implements AutoCloseable {
        private final Process process;
        private final java.nio.file.Path dir;

        private TrapReceiver(Process process, java.nio.file.Path dir) {
            this.process = process;
            this.dir = dir;
        }

        static TrapReceiver start(String ns) throws IOException {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ipmpd-demo-traps");
            java.nio.file.Path conf = dir.resolve("snmptrapd.conf");
            java.nio.file.Files.writeString(conf, "disableAuthorization yes\n");
            ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", ns, "snmptrapd", "-f", "-Lo", "-C",
                    "-c", conf.toString(), "-M", IpmpdProcess.mibDirs(), "-m", "ALL", "-OQs",
                    "-F", "trap| %#v\n", "-A", "udp:127.0.0.1:" + TRAP_PORT);
            pb.environment().put("SNMP_PERSISTENT_DIR", dir.toString());
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
            return new TrapReceiver(pb.start(), dir);
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ipmpd.testkit.TempDirs.delete(dir); // a temporary directory left behind is harmless
        }
    }

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        boolean keep = List.of(args).contains("--keep");
        for (String a : args) {
            if (!a.equals("--keep") && !a.equals("--new")) {
                System.err.println("Usage: demo [--new] [--keep]");
                System.exit(2);
            }
        }
        if (List.of(args).contains("--new")) {
            NewIpmpDemo.run(keep);
            return;
        }
        say("Building the tutorial's network (section 1.5): host with m1, m2 on switch A, m3 on switch B;");
        say("switch A and B joined by cable 4; router 192.0.2.1 and a client 192.0.2.100 on switch B.");
        try (TutorialTestbed tb = TutorialTestbed.create()) {
            String m1 = tb.member(1);
            String m2 = tb.member(2);
            String m3 = tb.member(3);
            say("Namespaces %s-{host,swa,swb,rtr,cli}; the tutorial's e1000g0, e1000g1, rge0 are %s, %s, %s.", tb.prefix(), m1, m2, m3);
            IpmpdProcess.Builder b = IpmpdProcess.builder(tb.ns(HOST)).echo("ipmpd| ")
                    .mpathd("FAILURE_DETECTION_TIME=" + FDT_MS, "FAILBACK=yes", "PROBE_QUIET_PERIOD=0")
                    .file("hostname." + m1, "192.0.2.11/24 deprecated -failover group " + GROUP + " up",
                            "addif " + TutorialTestbed.DATA_V4 + "/24 up")
                    .file("hostname." + m2, "192.0.2.12/24 deprecated -failover group " + GROUP + " up")
                    .file("hostname." + m3, "192.0.2.13/24 deprecated -failover group " + GROUP + " up")
                    .file("agent.conf", "snmp.listen=udp:127.0.0.1/" + SNMP_PORT, "snmp.community=public",
                            "snmp.trap.demo=udp:127.0.0.1/" + TRAP_PORT + " v2c public trap");
            say("");
            say("Configuration (FAILURE_DETECTION_TIME=%d, FAILBACK=yes):", FDT_MS);
            say("  hostname.%s:  192.0.2.11/24 deprecated -failover group prod up / addif 192.0.2.50/24 up", m1);
            say("  hostname.%s:  192.0.2.12/24 deprecated -failover group prod up", m2);
            say("  hostname.%s:  192.0.2.13/24 deprecated -failover group prod up", m3);
            say("Starting: ip netns exec %s bin/ipmpd -c DIR -f --socket=PATH  (its log follows, marked ipmpd|)", tb.ns(HOST));
            say("A trap receiver (snmptrapd, lines marked trap|) listens on 127.0.0.1:%d in the host namespace;", TRAP_PORT);
            say("the daemon's SNMP agent answers on 127.0.0.1:%d (community public, read-only) and sends it traps.", SNMP_PORT);
            try (TrapReceiver traps = TrapReceiver.start(tb.ns(HOST));
                 IpmpdProcess d = b.start()) {
                d.awaitProbesAnswered(Duration.ofSeconds(30), 2, m1, m2, m3);
                show(d, "-g");
                show(d, "-i");
                show(d, "-t");
                say("The client starts pinging 192.0.2.50 every 10 ms and opens a TCP echo stream to it.");
                try (ClientTraffic traffic = ClientTraffic.start(tb)) {
                    traffic.awaitRunning(Duration.ofSeconds(10));

                    banner("Cable 1 pulled (%s loses its link): link-based detection, at once", m1);
                    int mark = d.mark();
                    tb.pullCable(1);
                    d.awaitLog(mark, "Successfully failed over from NIC " + q(m1), Duration.ofSeconds(5));
                    show(d, "-g");
                    show(d, "-i");
                    show(d, "-a");
                    kernel(tb);

                    banner("Cable 1 plugged back: the link is up, 10 answered probes confirm the repair, then failback");
                    mark = d.mark();
                    tb.plugCable(1);
                    d.awaitLog(mark, "Successfully failed back to NIC " + q(m1), Duration.ofMillis(4L * FDT_MS + 5000));
                    show(d, "-i");
                    show(d, "-a");

                    banner("Cable 4 (between the switches) cut: every link stays up; the probes of %s and %s die", m1, m2);
                    mark = d.mark();
                    tb.pullCable(4);
                    d.awaitLog(mark, "IP interface failure detected on " + q(m2), Duration.ofMillis(2L * FDT_MS + 5000));
                    d.awaitLog(mark, "Successfully failed over from NIC " + q(m1), Duration.ofMillis(2L * FDT_MS + 5000));
                    show(d, "-g");
                    show(d, "-i");
                    show(d, "-a");

                    banner("Cable 4 mended: repair within 2 x FDT, failback to %s", m1);
                    mark = d.mark();
                    tb.plugCable(4);
                    d.awaitLog(mark, "Successfully failed back to NIC " + q(m1), Duration.ofMillis(4L * FDT_MS + 5000));
                    d.awaitLog(mark, "IP interface repair detected on " + q(m2), Duration.ofMillis(4L * FDT_MS + 5000));
                    show(d, "-g");

                    ClientTraffic.Report r = traffic.stop();
                    banner("What the client saw");
                    say("  %d pings sent, %d lost (largest gap %.0f ms); the TCP echo stream %s (%d bytes, in order: %s)",
                            r.pingsSent(), r.pingsLost(), r.pingMaxGapMs(),
                            r.tcpSurvived() ? "survived every move" : "BROKE: " + r.tcpError(), r.tcpBytesEchoed(), r.tcpInOrder());
                }
                if (keep) {
                    keepOpen(tb, d, TutorialTestbed.DATA_V4);
                }
                d.stop();
            }
        }
        say("");
        say("Testbed removed. Next:");
        say("  ./bin/demo --keep      the same, then the network stays up for you to try the tools by hand");
        say("  ./bin/demo --new       Solaris 11's new IPMP: the IPMP interface production0 (section 1.6)");
        say("  ./bin/bench            failover latency, probe detection time and CPU at 64 members");
        say("  ./bin/ipmpsim engine/src/test/resources/scenarios/tutorial-probe-based.scn   the simulator");
        say("  ./bin/test             every test, the end-to-end ones included");
    }
}
