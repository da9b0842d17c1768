package ipmpd.tests.demo;

import static ipmpd.tests.demo.DemoShell.banner;
import static ipmpd.tests.demo.DemoShell.keepOpen;
import static ipmpd.tests.demo.DemoShell.q;
import static ipmpd.tests.demo.DemoShell.say;
import static ipmpd.tests.demo.DemoShell.show;
import static ipmpd.tests.demo.DemoShell.tool;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;

import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;

/**
 * {@code bin/demo --new}: the tutorial's new IPMP (sections 1.6 to 1.6.3) on the same two-switch
 * network: the IPMP interface production0 holds the data addresses 192.0.2.50 and .51 on a device
 * of its own, the members join from boot files with test addresses, and the client pings
 * 192.0.2.50 and holds a TCP connection to it while cable 1 is pulled and plugged and cable 4 is
 * cut and mended. Shown: ifconfig, ipmpstat, the kernel's addresses and the client's ARP cache.
 */
final class NewIpmpDemo {
    private static final String IPMP = "production0";
    private static final String DATA2 = "192.0.2.51";
    private static final int FDT_MS = 2000;

    private NewIpmpDemo() {
    }

    static void run(boolean keep) throws Exception {
        say("Building the tutorial's network (section 1.5): host with m1, m2 on switch A, m3 on switch B;");
        say("switch A and B joined by cable 4; router 192.0.2.1 and a client 192.0.2.100 on switch B.");
        try (TutorialTestbed tb = TutorialTestbed.create()) {
            String m1 = tb.member(1);
            String m2 = tb.member(2);
            String m3 = tb.member(3);
            String data = TutorialTestbed.DATA_V4;
            say("Namespaces %s-{host,swa,swb,rtr,cli}; the tutorial's e1000g0, e1000g1, rge0 are %s, %s, %s.", tb.prefix(), m1, m2, m3);
            IpmpdProcess.Builder b = IpmpdProcess.builder(tb.ns(HOST)).echo("ipmpd| ")
                    .mpathd("FAILURE_DETECTION_TIME=" + FDT_MS, "FAILBACK=yes", "PROBE_QUIET_PERIOD=0")
                    .file("hostname." + IPMP, "ipmp group " + IPMP + " " + data + "/24 up", "addif " + DATA2 + "/24 up")
                    .file("agent.conf", "snmp.listen=udp:127.0.0.1/" + Demo.SNMP_PORT, "snmp.community=public");
            say("");
            say("Boot files of section 1.6.3, probe-based (FAILURE_DETECTION_TIME=%d):", FDT_MS);
            say("  hostname.%s:  ipmp group %s %s/24 up / addif %s/24 up", IPMP, IPMP, data, DATA2);
            for (int n = 1; n <= 3; n++) {
                String test = TutorialTestbed.TEST_V4.get(n - 1) + "/24";
                b.file("hostname." + tb.member(n), "group " + IPMP + " -failover " + test + " up");
                say("  hostname.%s:  group %s -failover %s up", tb.member(n), IPMP, test);
            }
            say("Starting: ip netns exec %s bin/ipmpd -c DIR -f --socket=PATH  (its log follows, marked ipmpd|)", tb.ns(HOST));
            try (IpmpdProcess d = b.start()) {
                d.awaitProbesAnswered(Duration.ofSeconds(30), 2, m1, m2, m3);
                tool(d, "ipmpadm", IPMP);
                kernelView(tb);
                show(d, "-g");
                show(d, "-i");
                show(d, "-a");
                say("");
                say("INBOUND: the member that answers ARP for the address (its MAC is in the client's ARP cache);");
                say("OUTBOUND: the members the address's flows leave through. The addresses never leave %s.", IPMP);
                say("The client starts pinging %s every 10 ms and opens a TCP echo stream to it.", data);
                try (ClientTraffic traffic = ClientTraffic.start(tb)) {
                    traffic.awaitRunning(Duration.ofSeconds(10));
                    tb.ping(CLIENT, tb.clientIf(), TutorialTestbed.CLIENT_V4, DATA2, Duration.ofSeconds(5));
                    clientView(tb, data);

                    banner("Cable 1 pulled (%s loses its link): its addresses are answered by another member at once", m1);
                    int mark = d.mark();
                    tb.pullCable(1);
                    d.awaitLog(mark, "IP interface failure detected on " + q(m1), Duration.ofSeconds(5));
                    show(d, "-i");
                    show(d, "-a");
                    clientView(tb, data);

                    banner("Cable 1 plugged back: the link is up, 10 answered probes confirm the repair");
                    mark = d.mark();
                    tb.plugCable(1);
                    d.awaitLog(mark, "IP interface repair detected on " + q(m1), Duration.ofMillis(4L * FDT_MS + 5000));
                    show(d, "-i");
                    show(d, "-a");

                    banner("Cable 4 (between the switches) cut: every link stays up; the probes of %s and %s die", m1, m2);
                    mark = d.mark();
                    tb.pullCable(4);
                    d.awaitLog(mark, "IP interface failure detected on " + q(m1), Duration.ofMillis(2L * FDT_MS + 5000));
                    d.awaitLog(mark, "IP interface failure detected on " + q(m2), Duration.ofMillis(2L * FDT_MS + 5000));
                    show(d, "-g");
                    show(d, "-i");
                    show(d, "-a");
                    clientView(tb, data);

                    banner("Cable 4 mended: repair within 2 x FDT; %s and %s take addresses and flows again", m1, m2);
                    mark = d.mark();
                    tb.plugCable(4);
                    d.awaitLog(mark, "IP interface repair detected on " + q(m1), Duration.ofMillis(4L * FDT_MS + 5000));
                    d.awaitLog(mark, "IP interface repair detected on " + q(m2), Duration.ofMillis(4L * FDT_MS + 5000));
                    show(d, "-i");
                    show(d, "-a");
                    kernelView(tb);

                    ClientTraffic.Report r = traffic.stop();
                    banner("What the client saw");
                    say("  %d pings sent, %d lost (largest gap %.0f ms); the TCP echo stream %s (%d bytes, in order: %s)",
                            r.pingsSent(), r.pingsLost(), r.pingMaxGapMs(),
                            r.tcpSurvived() ? "survived every failure" : "BROKE: " + r.tcpError(), r.tcpBytesEchoed(), r.tcpInOrder());
                }
                if (keep) {
                    keepOpen(tb, d, data);
                }
                d.stop();
            }
        }
        say("");
        say("Testbed removed. Next:");
        say("  ./bin/demo --new --keep   the same, then the network stays up for you to try the tools by hand");
        say("  ./bin/demo                classic IPMP: the data address moves between the members");
        say("  ./bin/ipmpsim engine/src/test/resources/scenarios/tutorial-new-ipmp.scn   the simulator");
    }

    /** The kernel's addresses: the data addresses on the IPMP interface's device, members with test addresses only. */
    private static void kernelView(TutorialTestbed tb) {
        say("");
        say("$ ip -n %s -br -4 addr   (the kernel's view)", tb.ns(HOST));
        System.out.print(tb.ip(HOST, "-br", "-4", "addr"));
        System.out.flush();
    }

    /** The client's ARP cache for the data addresses, with the members' MACs to compare. */
    private static void clientView(TutorialTestbed tb, String data) {
        say("");
        say("$ ip -n %s neigh show   (the client's ARP cache; members: %s)", tb.ns(CLIENT), macs(tb));
        for (String a : new String[] {data, DATA2}) {
            System.out.print(tb.ip(CLIENT, "neigh", "show", a));
        }
        System.out.flush();
    }

    private static String macs(TutorialTestbed tb) {
        StringBuilder s = new StringBuilder();
        for (int n = 1; n <= 3; n++) {
            String link = tb.ip(HOST, "-br", "link", "show", tb.member(n)).trim();
            String[] f = link.split("\\s+");
            s.append(n > 1 ? ", " : "").append(tb.member(n)).append(' ').append(f.length > 2 ? f[2] : "?");
        }
        return s.toString();
    }
}
