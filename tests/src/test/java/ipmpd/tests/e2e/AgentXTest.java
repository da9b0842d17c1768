package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.BackgroundProcess;
import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.testkit.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ipmpd beside the host's snmpd: net-snmp's snmpd is the AgentX master in the host namespace
 * (its own configuration, socket and port), the daemon its subagent ({@code snmp.agentx}, no port
 * of its own). snmpwalk, snmpget and snmpset against snmpd's port read and set IPMP-MIB next to
 * snmpd's own MIBs; snmptrapd receives the daemon's notifications through snmpd's trap2sink; snmpd
 * is restarted and the daemon registers again.
 */
@Timeout(180)
class AgentXTest extends E2eBase {
    private static final int SNMPD_PORT = 1164;
    private static final int TRAP_PORT = 1165;
    private static final String COMMUNITY = "ipmpx";

    private Path dir;
    private Path socket;
    private BackgroundProcess snmpd;
    private BackgroundProcess trapd;
    private int snmpdStarts;

    private static String mibPath() {
        Path root = IpmpdProcess.root();
        return root.resolve("mib") + ":" + root.resolve("mib").resolve("ietf"); // the MIBs the repository ships
    }

    private void prepareNetSnmp() throws IOException {
        dir = Files.createTempDirectory("ipmpd-agentx");
        closeLater(() -> {
            for (BackgroundProcess p : new BackgroundProcess[] {snmpd, trapd}) {
                if (p != null) {
                    p.close();
                }
            }
            if (!TempDirs.delete(dir, Duration.ofSeconds(2))) {
                throw new AssertionError(dir + " left behind");
            }
        });
        socket = dir.resolve("agentx").resolve("master");
        Files.createDirectories(socket.getParent());
        Files.writeString(dir.resolve("snmpd.conf"), String.join("\n",
                "agentaddress udp:127.0.0.1:" + SNMPD_PORT,
                "master agentx",
                "agentXSocket " + socket,
                "agentXPerms 0600 0700",
                "dontLogTCPWrappersConnects yes",
                "rwcommunity " + COMMUNITY + " 127.0.0.1",
                "trap2sink 127.0.0.1:" + TRAP_PORT + " " + COMMUNITY,
                ""));
        Files.writeString(dir.resolve("snmptrapd.conf"), "authCommunity log " + COMMUNITY + "\n");
    }

    private void startSnmpd() {
        snmpdStarts++;
        snmpd = tb.start(HOST, "env", "SNMP_PERSISTENT_DIR=" + dir.resolve("state"), "MIBS=", "snmpd", "-f", "-C",
                "-c", dir.resolve("snmpd.conf").toString(), "-Lf", dir.resolve("snmpd-" + snmpdStarts + ".log").toString());
        Await.until("snmpd answering on " + SNMPD_PORT, Await.PATIENCE,
                () -> tool("snmpget", "SNMPv2-MIB::sysUpTime.0").exitCode() == 0);
    }

    private void startTrapReceiver() {
        trapd = tb.start(HOST, "env", "SNMP_PERSISTENT_DIR=" + dir.resolve("trapd"), "MIBS=", "snmptrapd", "-f", "-Lo",
                "-C", "-c", dir.resolve("snmptrapd.conf").toString(), "-M", mibPath(), "-m", "IPMP-MIB:IF-MIB:SNMPv2-MIB",
                "-F", "NOTIFY %v\n", "udp:127.0.0.1:" + TRAP_PORT);
        trapd.awaitLine(l -> l.contains("NET-SNMP version"), Await.PATIENCE);
    }

    /** A net-snmp tool (v2c, snmpd's community) against snmpd's port in the host namespace. */
    private Netns.Result tool(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "SNMP_PERSISTENT_DIR=" + dir.resolve("tools"),
                "SNMPCONFPATH=" + dir.resolve("tools"), "HOME=" + dir, "MIBS=", tool, "-M", mibPath(), "-m",
                "IPMP-MIB:IF-MIB:SNMPv2-MIB", "-t", "3", "-r", "1", "-v2c", "-c", COMMUNITY));
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            cmd.add(rest.remove(0));
        }
        cmd.add("udp:127.0.0.1:" + SNMPD_PORT);
        cmd.addAll(rest);
        return Netns.tryExecWithin(Duration.ofSeconds(60), tb.ns(HOST), cmd.toArray(String[]::new));
    }

    private String ok(String tool, String... args) {
        Netns.Result r = tool(tool, args);
        assertEquals(0, r.exitCode(), r + "\n" + daemon.log());
        return r.stdout();
    }

    /** "IPMP-MIB::ipmpIfName.5 m1" lines (-Oq) as "ipmpIfName.5" -> "m1". */
    private static Map<String, String> parse(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : out.lines().toList()) {
            int colons = l.indexOf("::");
            int space = l.indexOf(' ');
            if (colons > 0 && space > colons) {
                m.put(l.substring(colons + 2, space), l.substring(space + 1).strip());
            }
        }
        return m;
    }

    private int ifIndex(int n) {
        String line = tb.ip(HOST, "-o", "link", "show", "dev", m(n));
        return Integer.parseInt(line.substring(0, line.indexOf(':')).strip());
    }

    private List<String> notifications() {
        return trapd.stdoutLines().stream().filter(l -> l.startsWith("NOTIFY ")).toList();
    }

    private String awaitTrap(int from, String trapOid, String... parts) {
        String[] found = new String[1];
        Await.until(() -> trapOid + " with " + List.of(parts) + " since #" + from + ":\n"
                        + String.join("\n", notifications()), Await.PATIENCE,
                () -> {
                    List<String> all = notifications();
                    found[0] = all.subList(Math.min(from, all.size()), all.size()).stream()
                            .filter(l -> l.contains("snmpTrapOID.0 = OID: " + trapOid + "\t")
                                    || l.endsWith("snmpTrapOID.0 = OID: " + trapOid))
                            .filter(l -> List.of(parts).stream().allMatch(l::contains)).findFirst().orElse(null);
                    return found[0] != null;
                });
        return found[0];
    }

    @Test
    void ipmpMibThroughTheHostsSnmpd() throws IOException {
        testbed();
        prepareNetSnmp();
        startTrapReceiver();
        startSnmpd();
        start(tutorialConfig().file("agent.conf", "snmp.agentx=" + socket));
        awaitAllOk(Await.PATIENCE);
        awaitKernelOn(DATA, 1, Duration.ofSeconds(20));
        daemon.awaitLog("AgentX: subagent session \\d+ with the master at " + java.util.regex.Pattern.quote(socket.toString()), Await.PATIENCE);

        // ---- reads through snmpd: what ipmpstat shows, beside snmpd's own MIBs
        Map<String, String> groups = parse(ok("snmpwalk", "-Oq", "IPMP-MIB::ipmpGroupName"));
        assertEquals(List.of(GROUP), List.copyOf(groups.values()), groups.toString());
        Map<String, String> ifs = parse(ok("snmpwalk", "-Oq", "IPMP-MIB::ipmpIfTable"));
        for (int n = 1; n <= 3; n++) {
            assertEquals(m(n), ifs.get("ipmpIfName." + ifIndex(n)), ifs.toString());
            assertEquals("ok", ifs.get("ipmpIfState." + ifIndex(n)), ifs.toString());
        }
        assertEquals(ifs.keySet(), parse(ok("snmpbulkwalk", "-Oq", "-Cr30", "IPMP-MIB::ipmpIfTable")).keySet());
        assertEquals(m(1), parse(ok("snmpget", "-Oq", "IPMP-MIB::ipmpIfName." + ifIndex(1))).get("ipmpIfName." + ifIndex(1)));
        assertTrue(ok("snmpwalk", "-Oq", "SNMPv2-MIB::sysORID").contains("IPMP-MIB::ipmpMIB"), "sysORTable lists IPMP-MIB");
        assertTrue(ok("snmpget", "-Oq", "IF-MIB::ifDescr." + ifIndex(1)).contains(m(1)), "snmpd's own IF-MIB beside it");

        // ---- SET through snmpd: m3 standby (ipmpstat and hostname.m3 follow), FDT; a bad FDT changes nothing
        ok("snmpset", "IPMP-MIB::ipmpIfStandby." + ifIndex(3), "i", "1");
        Await.until(() -> "m3 standby and inactive: " + daemon.ipmpstat("-i"), Await.PATIENCE,
                () -> row(3).get("FLAGS").startsWith("is") && row(3).get("ACTIVE").equals("no"));
        assertTrue(daemon.readFile("hostname." + m(3)).contains("standby"), daemon.readFile("hostname." + m(3)));
        int from = notifications().size();
        ok("snmpset", "IPMP-MIB::ipmpFailureDetectionTime.0", "u", "1500", "IPMP-MIB::ipmpIfStandby." + ifIndex(3), "i", "2");
        assertEquals(List.of(List.of(GROUP, "1.50s")), daemon.parsable("-g", "GROUP,FDT"));
        assertFalse(daemon.readFile("hostname." + m(3)).contains("standby"), daemon.readFile("hostname." + m(3)));
        Netns.Result tooShort = tool("snmpset", "IPMP-MIB::ipmpFailureDetectionTime.0", "u", "50");
        assertNotEquals(0, tooShort.exitCode());
        assertTrue(tooShort.stderr().contains("wrongValue"), tooShort.toString());
        assertTrue(daemon.readFile("mpathd").contains("FAILURE_DETECTION_TIME=1500"), daemon.readFile("mpathd"));

        // ---- notifications through snmpd's trap2sink: the FDT change, then a pulled cable
        awaitTrap(from, "IPMP-MIB::ipmpFdtChanged", "IPMP-MIB::ipmpFailureDetectionTime.0 = Gauge32: 1500",
                "IPMP-MIB::ipmpNotifyFdtReason.0 = INTEGER: configured(3)");
        from = notifications().size();
        tb.pullCable(1);
        awaitTrap(from, "IPMP-MIB::ipmpInterfaceFailed", "IPMP-MIB::ipmpIfName." + ifIndex(1) + " = STRING: " + m(1),
                "IPMP-MIB::ipmpNotifyDetection.0 = INTEGER: link(1)");
        tb.plugCable(1);
        awaitAllOk(Await.PATIENCE);

        // ---- snmpd restarted: the daemon connects again, registers, and is read and notifies as before
        int logFrom = daemon.mark();
        snmpd.close();
        daemon.awaitLog(logFrom, "AgentX: no session with the master", Duration.ofSeconds(20));
        startSnmpd();
        daemon.awaitLog(logFrom, "AgentX: connected again to the master at " + java.util.regex.Pattern.quote(socket.toString()), Duration.ofSeconds(30));
        assertEquals(GROUP, parse(ok("snmpget", "-Oq", "IPMP-MIB::ipmpGroupName." + groups.keySet().iterator().next()
                .substring("ipmpGroupName.".length()))).values().iterator().next());
        from = notifications().size();
        tb.pullCable(2);
        awaitTrap(from, "IPMP-MIB::ipmpInterfaceFailed", "IPMP-MIB::ipmpIfName." + ifIndex(2) + " = STRING: " + m(2));
        daemon.stop();
    }
}
