package ipmpd.tests.bench;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** The tutorial's daemon configuration and small helpers shared by the benchmarks. */
final class Fixtures {
    static final String GROUP = "prod";

    private Fixtures() {
    }

    /** m1, m2, m3 in group prod with test addresses .11 .12 .13, 192.0.2.50 on m1, no quiet period. */
    static IpmpdProcess.Builder tutorialDaemon(TutorialTestbed tb, int fdtMs) {
        return IpmpdProcess.builder(tb.ns(HOST))
                .mpathd("FAILURE_DETECTION_TIME=" + fdtMs, "FAILBACK=yes", "PROBE_QUIET_PERIOD=0")
                .file("hostname." + tb.member(1), "192.0.2.11/24 deprecated -failover group " + GROUP + " up",
                        "addif " + TutorialTestbed.DATA_V4 + "/24 up")
                .file("hostname." + tb.member(2), "192.0.2.12/24 deprecated -failover group " + GROUP + " up")
                .file("hostname." + tb.member(3), "192.0.2.13/24 deprecated -failover group " + GROUP + " up");
    }

    /** The host members holding {@code address}. */
    static List<String> holders(TutorialTestbed tb, String address) {
        List<String> out = new ArrayList<>();
        for (String line : tb.ip(HOST, "-o", "addr", "show").split("\n")) {
            String[] f = line.strip().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if ((f[i].equals("inet") || f[i].equals("inet6")) && f[i + 1].startsWith(address + "/")) {
                    out.add(f[1]);
                }
            }
        }
        return out;
    }

    static void awaitOnlyOn(TutorialTestbed tb, String address, String dev, Duration limit) {
        Await.until(() -> address + " only on " + dev + ": " + holders(tb, address), limit,
                () -> holders(tb, address).equals(List.of(dev)));
    }

    /** The stamp of an {@code ip -ts monitor} line: "[2026-11-23T11:13:12.637017] ...". */
    static Instant monitorStamp(String line) {
        String s = line.substring(1, line.indexOf(']'));
        return LocalDateTime.parse(s).atZone(ZoneId.systemDefault()).toInstant();
    }
}
