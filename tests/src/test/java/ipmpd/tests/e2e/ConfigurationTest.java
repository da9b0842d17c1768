package ipmpd.tests.e2e;

import ipmpd.testkit.Await;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The configuration directory on a live system: a bad line, kill -9 and restart, SIGHUP. */
@Timeout(120)
class ConfigurationTest extends E2eBase {

    @Test
    void badLineIsReportedKillAndRestartKeepsTheConfigurationHupAppliesANewFdt() {
        testbed();
        start(tutorialConfig()
                .file("hostname." + m(2), "192.0.2.12/24 deprecated -failover group " + GROUP + " up",
                        "addif 192.0.2.60/24 frobnicate up"));
        IpmpdProcess.LogLine bad = daemon.awaitLog("hostname\\." + q(m(2)) + ": line 2: .*frobnicate", Duration.ofSeconds(5));
        System.out.println("bad line reported: " + bad.message());
        awaitAllOk(Duration.ofSeconds(15));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        assertEquals(List.of(), kernelHolders("192.0.2.60"), "the bad line configured nothing");
        for (int n = 1; n <= 3; n++) {
            assertEquals(List.of(m(n)), kernelHolders("192.0.2.1" + n), "test address of m" + n);
            assertEquals(GROUP, row(n).get("GROUP"));
        }

        List<String> groupsBefore = groups();
        List<String> ifsBefore = ifs();
        List<String> addrsBefore = addrs();
        String rulesBefore = rules();
        startTraffic(DATA);

        int status = daemon.kill9();
        assertEquals(137, status);
        daemon.restart();
        daemon.awaitLog("hostname\\." + q(m(2)) + ": line 2: .*frobnicate", Duration.ofSeconds(5));
        awaitAllOk(Duration.ofSeconds(15));
        assertEquals(groupsBefore, groups(), "ipmpstat -g after kill -9 and restart");
        assertEquals(ifsBefore, ifs(), "ipmpstat -i after kill -9 and restart");
        assertEquals(addrsBefore, addrs(), "ipmpstat -a after kill -9 and restart");
        assertEquals(List.of(m(1)), kernelHolders(DATA), "the data address once, on m1");
        for (int n = 1; n <= 3; n++) {
            assertEquals(List.of(m(n)), kernelHolders("192.0.2.1" + n), "test address of m" + n + " once");
        }
        assertEquals(rulesBefore, rules(), "policy rules after restart (no leftovers, none missing)");
        ClientTraffic.Report r = measureAndStop("kill -9 and restart");
        assertTrue(r.pingsLost() <= 5, "a restart does not touch the data path: " + r);

        // SIGHUP with a new FDT
        assertTrue(daemon.ipmpstat("-g").out().contains("1.00s"), daemon.ipmpstat("-g").out());
        daemon.writeFile("mpathd", mpathd(2000, true));
        daemon.hup();
        ipmpd.testkit.Await.until(() -> "FDT 2.00s: " + daemon.ipmpstat("-g"), Duration.ofSeconds(3),
                () -> daemon.parsable("-g", "FDT").equals(List.of(List.of("2.00s"))));
        // and the new FDT is the one in force: a path cut is detected within it
        int mark = daemon.mark();
        java.time.Instant cut = java.time.Instant.now();
        tb.cutPath(2);
        IpmpdProcess.LogLine f = daemon.awaitLog(mark, q("IP interface failure detected on " + m(2) + " of group " + GROUP) + "$",
                Duration.ofMillis(2000).plus(SLACK));
        long ms = Duration.between(cut, f.received()).toMillis();
        System.out.println("after SIGHUP (FDT 2000 ms) a path cut was detected in " + ms + " ms");
        assertTrue(ms > 1000 * 5 / 7 - 200, "detection at the new FDT takes longer than at 1000 ms: " + ms);
        tb.mendPath(2);
        daemon.stop();
    }

    private List<String> groups() {
        return daemon.parsable("-g", "GROUP,GROUPNAME,STATE,FDT,INTERFACES").stream()
                .map(r -> r.get(0) + " " + r.get(1) + " " + r.get(2) + " " + r.get(3) + " " + sorted(r.get(4)))
                .sorted().toList();
    }

    private List<String> ifs() {
        return daemon.parsable("-i", "INTERFACE,ACTIVE,GROUP,FLAGS,LINK,PROBE,STATE").stream()
                .map(r -> String.join(" ", r)).sorted().toList();
    }

    private List<String> addrs() {
        return daemon.parsable("-a", "ADDRESS,STATE,GROUP,INBOUND,OUTBOUND").stream()
                .map(r -> String.join(" ", r)).sorted().toList();
    }

    private String rules() {
        List<String> l = new ArrayList<>(Arrays.asList(tb.ip(HOST, "rule", "show").split("\n")));
        l.addAll(Arrays.asList(tb.ip(HOST, "-6", "rule", "show").split("\n")));
        return l.stream().map(String::strip).sorted().collect(Collectors.joining("\n"));
    }

    private static String sorted(String list) {
        return Arrays.stream(list.split(" ")).sorted().collect(Collectors.joining(" "));
    }
}
