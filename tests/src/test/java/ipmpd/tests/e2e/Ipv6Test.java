package ipmpd.tests.e2e;

import ipmpd.testkit.Await;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** IPv6: probing from the link-local addresses, an IPv6 data address failing over with the IPv4 one. */
@Timeout(120)
class Ipv6Test extends E2eBase {

    static final String DATA6 = TutorialTestbed.DATA_V6;

    @Test
    void ipv6DataAddressFailsOverWithTheIpv4One() {
        testbed();
        start(tutorialConfig()
                .file("hostname6." + m(1), "-failover group " + GROUP + " up", "addif " + DATA6 + "/64 up")
                .file("hostname6." + m(2), "-failover group " + GROUP + " up")
                .file("hostname6." + m(3), "-failover group " + GROUP + " up"));
        awaitAllOk(Duration.ofSeconds(15));
        awaitKernelOn(DATA6, 1, Duration.ofSeconds(3));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        // one row per probing family, the IPv6 one from the link-local address to the router's
        List<List<String>> t = daemon.parsable("-t", "INTERFACE,MODE,TESTADDR,TARGETS");
        assertTrue(t.stream().anyMatch(r -> r.get(0).equals(m(1)) && r.get(2).startsWith("fe80::")
                && r.get(3).contains(TutorialTestbed.ROUTER_LL)), daemon.ipmpstat("-t").out());
        assertTrue(t.stream().anyMatch(r -> r.get(0).equals(m(1)) && r.get(2).equals("192.0.2.11")),
                daemon.ipmpstat("-t").out());

        startTraffic(DATA6);
        ClientTraffic v4 = closeLater(ClientTraffic.builder(tb).port(5002).start());
        v4.awaitRunning(Duration.ofSeconds(10));

        int mark = daemon.mark();
        tb.pullCable(1);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + GROUP) + "$", Duration.ofSeconds(3));
        ipmpd.testkit.Await.until(() -> "both addresses off m1: " + tb.ip(HOST, "-o", "addr"), Duration.ofSeconds(3), () -> {
            List<String> h6 = kernelHolders(DATA6);
            List<String> h4 = kernelHolders(DATA);
            return h6.size() == 1 && !h6.get(0).equals(m(1)) && h4.size() == 1 && !h4.get(0).equals(m(1));
        });
        // (in.mpathd moves a failed NIC's addresses to one NIC; ipmpd chooses per address family)
        String to = kernelHolder(DATA6);
        ClientTraffic.Report r6 = measureAndStop("IPv6 " + DATA6 + " moved to " + to + ", IPv4 to " + kernelHolder(DATA));
        ClientTraffic.Report r4 = v4.stop();
        System.out.printf("IPv4 alongside: lost %d of %d, TCP survived %s%n", r4.pingsLost(), r4.pingsSent(), r4.tcpSurvived());
        assertTrue(r6.pingsLost() <= 20, "IPv6 pings lost: " + r6);
        assertTrue(r4.tcpSurvived() && r4.pingsLost() <= 20, "IPv4 alongside: " + r4);

        startTraffic(DATA6);
        mark = daemon.mark();
        tb.plugCable(1);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + GROUP) + "$",
                Duration.ofMillis(2L * FDT_MS).plus(SLACK));
        awaitKernelOn(DATA6, 1, Duration.ofSeconds(3));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        ClientTraffic.Report back = measureAndStop("IPv6 failback to " + m(1));
        assertTrue(back.pingsLost() <= 20, back.toString());
        daemon.stop();
    }
}
