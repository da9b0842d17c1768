package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The SNMP face of the running daemon on the tutorial's testbed, with net-snmp's own tools and the
 * MIB loaded: walks show what ipmpstat shows; snmpset changes FDT, failback, standby, offline,
 * group membership and configured targets, and the data address and the probes follow; the
 * read-only user and a wrong password are refused; what was set survives a kill -9; snmptrapd
 * gets the notifications of a pulled cable, of cable 4 cut and of the group failing.
 */
@Timeout(180)
class SnmpTest extends E2eBase {
    private static final int SNMP_PORT = 1161;
    private static final int TRAP_PORT = 1162;
    private static final String RO = "ipmpro";
    private static final String RW = "ipmprw";
    private static final Pattern LINE = Pattern.compile("^([\\w-]+)::(\\w+)\\.(\\S+) = (.*)$");
    private static final String TRAP_LINE = "NOTIFY ";
    private static final String CLIENT = ipmpd.tests.testbed.TutorialTestbed.CLIENT_V4;

    private final Map<String, String[]> users = new HashMap<>();
    private Path toolState;

    private static String mibPath() {
        return IpmpdProcess.mibDirs();
    }

    private void startWithAgent(String... agentConf) throws IOException {
        toolState = Files.createTempDirectory("ipmpd-snmp-tools");
        closeLater(() -> deleteTree(toolState));
        List<String> conf = new ArrayList<>(List.of("snmp.listen=udp:127.0.0.1/" + SNMP_PORT));
        conf.addAll(List.of(agentConf));
        start(tutorialConfig().file("agent.conf", conf.toArray(String[]::new)));
        awaitAllOk(Duration.ofSeconds(15));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        // no default secrets: the first start generated the users into a root-only file
        for (String l : daemon.readFile("snmp-users").lines().toList()) {
            String[] f = l.strip().split("\\s+");
            if (f.length == 6 && !l.startsWith("#")) {
                users.put(f[0], new String[] {f[2], f[3], f[5]});
            }
        }
        assertTrue(users.containsKey(RO) && users.containsKey(RW), daemon.readFile("snmp-users"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(daemon.configDir().resolve("snmp-users"))));
    }

    /** A net-snmp tool in the host namespace as {@code user} (auth and priv passwords as given), MIBs loaded. */
    private Netns.Result tool(String tool, String user, String authPw, String privPw, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "SNMP_PERSISTENT_DIR=" + toolState, "SNMPCONFPATH=" + toolState,
                "HOME=" + toolState, "MIBS=", tool, "-M", mibPath(), "-m", "IPMP-MIB:IF-MIB:SNMPv2-MIB", "-t", "3", "-r", "1",
                "-v3", "-l", "authPriv", "-u", user, "-a", users.get(user)[0], "-A", authPw, "-x", "AES", "-X", privPw));
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            cmd.add(rest.remove(0));
        }
        cmd.add("udp:127.0.0.1:" + SNMP_PORT);
        cmd.addAll(rest);
        return Netns.tryExecWithin(Duration.ofSeconds(60), tb.ns(HOST), cmd.toArray(String[]::new));
    }

    private Netns.Result snmp(String tool, String user, String... args) {
        return tool(tool, user, users.get(user)[1], users.get(user)[2], args);
    }

    /** "IPMP-MIB::ipmpIfName.2 = STRING: m1" lines as "ipmpIfName.2" -> "m1" (the value after its type). */
    private static Map<String, String> parse(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : out.lines().toList()) {
            Matcher x = LINE.matcher(l);
            if (x.matches()) {
                String v = x.group(4);
                int colon = v.indexOf(": ");
                m.put(x.group(2) + "." + x.group(3), colon >= 0 && !v.startsWith("\"") ? v.substring(colon + 2).strip() : v);
            }
        }
        return m;
    }

    private Map<String, String> read(String tool, String... args) {
        Netns.Result r = snmp(tool, RO, args);
        assertEquals(0, r.exitCode(), r.toString());
        return parse(r.stdout());
    }

    private void set(String... args) {
        Netns.Result r = snmp("snmpset", RW, args);
        assertEquals(0, r.exitCode(), r + "\n" + daemon.log());
    }

    private int ifIndex(int n) {
        String line = tb.ip(HOST, "-o", "link", "show", "dev", m(n));
        return Integer.parseInt(line.substring(0, line.indexOf(':')).strip());
    }

    /** "ok(1)" -> "ok"; "true(1)" -> "yes" (ipmpstat's words). */
    private static String word(String enumValue) {
        String w = enumValue.replaceAll("\\(\\d+\\)$", "");
        return w.equals("true") ? "yes" : w.equals("false") ? "no" : w;
    }

    /** "C0 00 02 0B" -> "192.0.2.11". */
    private static String dotted(String hex) {
        String[] b = hex.strip().split(" ");
        List<String> parts = new ArrayList<>();
        for (String x : b) {
            parts.add(String.valueOf(Integer.parseInt(x, 16)));
        }
        return String.join(".", parts);
    }

    private String groupIndex(Map<String, String> walk, String name) {
        return walk.entrySet().stream().filter(e -> e.getKey().startsWith("ipmpGroupName.") && e.getValue().equals(name))
                .map(e -> e.getKey().substring("ipmpGroupName.".length())).findFirst()
                .orElseThrow(() -> new AssertionError("group " + name + " in " + walk));
    }

    @Test
    void walksShowWhatIpmpstatShowsAndSetsMoveTheDataPathAndSurviveAKill9() throws IOException {
        testbed();
        startWithAgent();

        // ---- what an NMS reads is what ipmpstat shows
        Map<String, String> walk = read("snmpwalk", "IPMP-MIB::ipmpMIB");
        String g = groupIndex(walk, GROUP);
        Map<String, Map<String, String>> rows = daemon.interfaces();
        List<List<String>> targets = daemon.parsable("-t", "INTERFACE,TESTADDR,TARGETS");
        for (int n = 1; n <= 3; n++) {
            String i = String.valueOf(ifIndex(n));
            Map<String, String> row = rows.get(m(n));
            assertEquals(m(n), walk.get("ipmpIfName." + i), walk.toString());
            assertEquals(GROUP, walk.get("ipmpIfGroupName." + i));
            assertEquals(g, walk.get("ipmpIfGroupIndex." + i));
            assertEquals(row.get("ACTIVE"), word(walk.get("ipmpIfActive." + i)), m(n));
            assertEquals(row.get("LINK"), word(walk.get("ipmpIfLinkState." + i)), m(n));
            assertEquals(row.get("PROBE"), word(walk.get("ipmpIfProbeState." + i)), m(n));
            assertEquals(row.get("STATE"), word(walk.get("ipmpIfState." + i)), m(n));
            String name = m(n);
            List<String> t = targets.stream().filter(r -> r.get(0).equals(name)).findFirst().orElseThrow();
            assertEquals(t.get(1), dotted(walk.get("ipmpIfTestAddrIPv4." + i)), m(n));
            for (String target : t.get(2).split(" ")) {
                assertEquals("routes(2)", walk.get("ipmpTargetMode." + i + ".ipv4.\"" + target + "\""), walk.toString());
            }
        }
        List<String> grow = daemon.parsable("-g", "GROUP,STATE,FDT").stream().filter(r -> r.get(0).equals(GROUP))
                .findFirst().orElseThrow();
        assertEquals(grow.get(1), word(walk.get("ipmpGroupState." + g)));
        assertEquals(grow.get(2), fdtText(walk.get("ipmpGroupFdt." + g)));
        assertEquals("3", walk.get("ipmpGroupMemberCount." + g));
        List<String> arow = daemon.parsable("-a", "ADDRESS,STATE,INBOUND").stream().filter(r -> r.get(0).equals(DATA))
                .findFirst().orElseThrow();
        String addr = ".ipv4.\"" + DATA + "\"";
        assertEquals(arow.get(1), word(walk.get("ipmpAddrState" + addr)));
        assertEquals(String.valueOf(ifIndex(1)), walk.get("ipmpAddrCurrentIfIndex" + addr));
        assertEquals(m(1), arow.get(2));
        // and IF-MIB's ifTable names the members
        Map<String, String> ifTable = read("snmpbulkwalk", "IF-MIB::ifTable");
        for (int n = 1; n <= 3; n++) {
            assertEquals(m(n), ifTable.get("ifDescr." + ifIndex(n)), ifTable.toString());
            assertEquals("up(1)", ifTable.get("ifOperStatus." + ifIndex(n)));
        }

        // ---- the read-only user cannot write; a wrong password is refused
        Netns.Result ro = snmp("snmpset", RO, "IPMP-MIB::ipmpFailback.0", "i", "2");
        assertNotEquals(0, ro.exitCode(), ro.toString());
        assertTrue(ro.stderr().contains("authorizationError") || ro.stderr().contains("noAccess"), ro.toString());
        Netns.Result wrong = tool("snmpget", RW, "wrong-password", users.get(RW)[2], "IPMP-MIB::ipmpFailback.0");
        assertNotEquals(0, wrong.exitCode(), wrong.toString());
        assertTrue(wrong.stderr().contains("Authentication failure"), wrong.toString());

        // ---- m3 standby: inactive while the others work, the first choice when m1 fails
        set("IPMP-MIB::ipmpIfStandby." + ifIndex(3), "i", "1");
        Await.until(() -> "m3 standby and inactive: " + daemon.ipmpstat("-i"), Duration.ofSeconds(5),
                () -> row(3).get("FLAGS").startsWith("is") && row(3).get("ACTIVE").equals("no"));
        assertTrue(daemon.readFile("hostname." + m(3)).contains("standby"), daemon.readFile("hostname." + m(3)));
        tb.pullCable(1);
        awaitKernelOn(DATA, 3, Duration.ofSeconds(3));
        assertEquals(String.valueOf(ifIndex(3)),
                read("snmpget", "IPMP-MIB::ipmpAddrCurrentIfIndex.1.4." + DATA).get("ipmpAddrCurrentIfIndex" + addr),
                "the next GET shows the failover");
        tb.plugCable(1);
        awaitKernelOn(DATA, 1, Duration.ofSeconds(10));
        awaitAllOk(Duration.ofSeconds(15));

        // ---- FDT and failback: ipmpstat and the mpathd file follow; a bad value changes nothing
        set("IPMP-MIB::ipmpFailureDetectionTime.0", "u", "1500", "IPMP-MIB::ipmpFailback.0", "i", "2",
                "IPMP-MIB::ipmpIfStandby." + ifIndex(3), "i", "2");
        assertEquals(List.of(List.of(GROUP, "1.50s")), daemon.parsable("-g", "GROUP,FDT"));
        assertTrue(daemon.readFile("mpathd").contains("FAILURE_DETECTION_TIME=1500"), daemon.readFile("mpathd"));
        assertTrue(daemon.readFile("mpathd").contains("FAILBACK=no"), daemon.readFile("mpathd"));
        assertFalse(daemon.readFile("hostname." + m(3)).contains("standby"), daemon.readFile("hostname." + m(3)));
        Netns.Result tooShort = snmp("snmpset", RW, "IPMP-MIB::ipmpFailureDetectionTime.0", "u", "50");
        assertTrue(tooShort.stderr().contains("wrongValue"), tooShort.toString());
        assertTrue(daemon.readFile("mpathd").contains("FAILURE_DETECTION_TIME=1500"), daemon.readFile("mpathd"));
        // FAILBACK=no: m1 pulled and plugged again takes nothing back
        int mark = daemon.mark();
        tb.pullCable(1);
        Await.until(() -> "data address off m1: " + kernelHolders(DATA), Duration.ofSeconds(3),
                () -> kernelHolders(DATA).size() == 1 && !kernelHolders(DATA).contains(m(1)));
        String host = kernelHolder(DATA);
        tb.plugCable(1);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + GROUP) + "$", Duration.ofSeconds(10));
        Await.until(() -> "m1 inactive: " + daemon.ipmpstat("-i"), Duration.ofSeconds(3), () -> "no".equals(row(1).get("ACTIVE")));
        assertEquals(List.of(host), kernelHolders(DATA));
        assertTrue(daemon.findLog(mark, "Successfully failed back").isEmpty(), daemon.log());

        // ---- offline (by SNMP) the member that hosts the address: it moves to the inactive m1
        int hostIndex = tb.member(2).equals(host) ? ifIndex(2) : ifIndex(3);
        set("IPMP-MIB::ipmpIfOffline." + hostIndex, "i", "1");
        awaitKernelOn(DATA, 1, Duration.ofSeconds(3));
        assertEquals("offline", daemon.interfaces().get(host).get("STATE"), daemon.ipmpstat("-i").out());
        assertTrue(daemon.readFile("ipmp.conf").contains("offline " + host), daemon.readFile("ipmp.conf"));
        assertEquals(String.valueOf(ifIndex(1)),
                read("snmpget", "IPMP-MIB::ipmpAddrCurrentIfIndex.1.4." + DATA).get("ipmpAddrCurrentIfIndex" + addr));
        set("IPMP-MIB::ipmpIfOffline." + hostIndex, "i", "2");
        Await.until(() -> host + " back: " + daemon.ipmpstat("-i"), Duration.ofSeconds(10),
                () -> daemon.interfaces().get(host).get("STATE").equals("ok"));
        assertFalse(daemon.readFile("ipmp.conf").contains("offline " + host), daemon.readFile("ipmp.conf"));

        // ---- group membership: a new group created by RowStatus, m3 moved into it and back
        String k = read("snmpget", "IPMP-MIB::ipmpGroupIndexNext.0").get("ipmpGroupIndexNext.0");
        set("IPMP-MIB::ipmpGroupName." + k, "s", "spare", "IPMP-MIB::ipmpGroupRowStatus." + k, "i", "4");
        set("IPMP-MIB::ipmpIfGroupName." + ifIndex(3), "s", "spare");
        Await.until(() -> "m3 in spare: " + daemon.ipmpstat("-g"), Duration.ofSeconds(5),
                () -> daemon.parsable("-g", "GROUP,INTERFACES").contains(List.of("spare", m(3))));
        assertEquals("spare", row(3).get("GROUP"));
        assertTrue(daemon.readFile("hostname." + m(3)).contains("group spare"), daemon.readFile("hostname." + m(3)));
        set("IPMP-MIB::ipmpIfGroupName." + ifIndex(3), "s", GROUP);
        Await.until(() -> "m3 back in prod: " + daemon.ipmpstat("-i"), Duration.ofSeconds(5),
                () -> row(3).get("GROUP").equals(GROUP));
        set("IPMP-MIB::ipmpGroupRowStatus." + k, "i", "6");
        assertFalse(daemon.ipmpstat("-g").out().contains("spare"), daemon.ipmpstat("-g").out());

        // ---- a configured target: the members probe the client first (and it answers)
        set("IPMP-MIB::ipmpConfTargetRowStatus." + g + ".1.4." + CLIENT, "i", "4");
        assertTrue(daemon.readFile("ipmp.conf").contains("targets " + GROUP + " " + CLIENT), daemon.readFile("ipmp.conf"));
        Await.until(() -> "the client first in every target list: " + daemon.ipmpstat("-t"), Duration.ofSeconds(5),
                () -> daemon.parsable("-t", "INTERFACE,TARGETS").stream()
                        .allMatch(r -> r.get(1).startsWith(CLIENT + " ")));
        mark = daemon.mark();
        daemon.awaitProbesAnswered(Duration.ofSeconds(10), 2, m(1), m(2), m(3));
        Map<String, String> targetRows = read("snmpwalk", "IPMP-MIB::ipmpTargetMode");
        assertEquals("configured(1)", targetRows.get("ipmpTargetMode." + ifIndex(1) + ".ipv4.\"" + CLIENT + "\""),
                targetRows.toString());
        assertTrue(daemon.findLog(mark, "failure detected").isEmpty(), daemon.log());

        // ---- kill -9 and start again: everything set is still there
        assertEquals(137, daemon.kill9());
        daemon.restart();
        awaitAllOk(Duration.ofSeconds(20));
        Map<String, String> after = read("snmpget", "IPMP-MIB::ipmpFailureDetectionTime.0", "IPMP-MIB::ipmpFailback.0",
                "IPMP-MIB::ipmpIfGroupName." + ifIndex(3), "IPMP-MIB::ipmpIfStandby." + ifIndex(3),
                "IPMP-MIB::ipmpConfTargetRowStatus." + g + ".1.4." + CLIENT);
        assertEquals("1500 milliseconds", after.get("ipmpFailureDetectionTime.0"), after.toString());
        assertEquals("false(2)", after.get("ipmpFailback.0"));
        assertEquals(GROUP, after.get("ipmpIfGroupName." + ifIndex(3)));
        assertEquals("false(2)", after.get("ipmpIfStandby." + ifIndex(3)));
        assertEquals("active(1)", after.get("ipmpConfTargetRowStatus." + g + ".ipv4.\"" + CLIENT + "\""), after.toString());
        assertEquals(List.of(List.of(GROUP, "1.50s")), daemon.parsable("-g", "GROUP,FDT"));
        daemon.stop();
    }

    /** "1500 milliseconds" -> "1.50s" (ipmpstat -g FDT). */
    private static String fdtText(String gauge) {
        long ms = Long.parseLong(gauge.replace(" milliseconds", "").strip());
        return String.format(Locale.ROOT, "%.2fs", ms / 1000.0);
    }

    // ------------------------------------------------------------------ IF-MIB

    /**
     * The ifTable and ifXTable columns that do not move with traffic. Not ifAlias: snmpd shows only
     * what was SET through SNMP, ipmpd the kernel's alias (what ip link shows).
     */
    private static final List<String> IF_STATIC_COLUMNS = List.of("ifDescr", "ifType", "ifMtu", "ifSpeed", "ifPhysAddress",
            "ifAdminStatus", "ifOperStatus", "ifOutQLen", "ifSpecific", "ifName", "ifHighSpeed", "ifPromiscuousMode",
            "ifConnectorPresent");
    private static final int SNMPD_PORT = 1163;
    /** What one ping of 1400 bytes adds to the receiver's octets at least: ICMP 1408 + IPv4 20. */
    private static final int PING_OCTETS = 1428;

    /**
     * ifTable and ifXTable of the members as net-snmp's snmpd shows the same interfaces (snmpd
     * runs beside the daemon in the host namespace), and counters that count real traffic: a
     * burst of pings from the client to the data address shows in m1's ifHCInOctets.
     */
    @Test
    void ifTableShowsTheMembersAsSnmpdDoesAndCountsTheirTraffic() throws IOException {
        testbed();
        tb.ip(HOST, "link", "set", m(2), "alias", "to switch A, port 2");
        startWithAgent();
        BackgroundProcess snmpd = startSnmpd();
        String m1 = String.valueOf(ifIndex(1));
        String inOctets = "IF-MIB::ifHCInOctets." + m1;
        long before = Long.parseLong(read("snmpget", inOctets).get("ifHCInOctets." + m1));
        int pings = 200;
        tb.exec(ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT, "ping", "-q", "-c", String.valueOf(pings), "-i", "0.002",
                "-s", "1400", "-W", "1", DATA);
        long expected = before + (long) pings * PING_OCTETS * 3 / 4; // a few may be lost
        Await.until(() -> "m1's ifHCInOctets at least " + expected, Duration.ofSeconds(5),
                () -> Long.parseLong(read("snmpget", inOctets).get("ifHCInOctets." + m1)) >= expected);

        // snmpd serves its interface data from a cache of a few seconds
        Await.until(() -> "snmpd's ifHCInOctets of m1 at least " + expected, Duration.ofSeconds(15), () -> Long.parseLong(
                parse(snmpdTool(snmpd, "snmpget", inOctets).stdout()).getOrDefault("ifHCInOctets." + m1, "0")) >= expected);

        Map<String, String> ours = read("snmpbulkwalk", "IF-MIB::ifTable");
        ours.putAll(read("snmpbulkwalk", "IF-MIB::ifXTable"));
        Map<String, String> theirs = snmpdWalk(snmpd, "IF-MIB::ifTable");
        theirs.putAll(snmpdWalk(snmpd, "IF-MIB::ifXTable"));
        for (int n = 1; n <= 3; n++) {
            String i = String.valueOf(ifIndex(n));
            for (String c : IF_STATIC_COLUMNS) {
                assertNotNull(ours.get(c + "." + i), c + "." + i + " in " + ours);
                assertEquals(theirs.get(c + "." + i), ours.get(c + "." + i), m(n) + " " + c);
            }
        }
        // every interface of the host, as snmpd lists them (the loopback and the non-members too)
        for (String c : List.of("ifDescr", "ifType", "ifAdminStatus", "ifOperStatus")) {
            Map<String, String> ourColumn = new java.util.TreeMap<>();
            Map<String, String> theirColumn = new java.util.TreeMap<>();
            ours.forEach((k, v) -> {
                if (k.startsWith(c + ".")) {
                    ourColumn.put(k, v);
                }
            });
            theirs.forEach((k, v) -> {
                if (k.startsWith(c + ".")) {
                    theirColumn.put(k, v);
                }
            });
            assertEquals(theirColumn, ourColumn, c);
        }
        assertEquals(parse(snmpdTool(snmpd, "snmpget", "IF-MIB::ifNumber.0").stdout()).get("ifNumber.0"),
                read("snmpget", "IF-MIB::ifNumber.0").get("ifNumber.0"), "ifNumber");
        assertEquals("to switch A, port 2", ours.get("ifAlias." + ifIndex(2)), "the kernel's alias");
        assertEquals("10000", ours.get("ifHighSpeed." + m1), "veth's speed");
        long ourOctets = Long.parseLong(ours.get("ifHCInOctets." + m1));
        assertTrue(ourOctets >= expected, ours.toString());
        // Both read the kernel's counter, each from a sample of its own: ipmpd's at most a second
        // old, snmpd's a few seconds. So ipmpd's value lies between snmpd's value read 1.5 s before
        // it and snmpd's next new sample after it (the probes keep the counter moving). An order
        // of readings, not a time margin: a busy machine only makes the gaps longer.
        java.util.function.LongSupplier snmpdNow = () -> Long.parseLong(
                parse(snmpdTool(snmpd, "snmpget", inOctets).stdout()).getOrDefault("ifHCInOctets." + m1, "-1"));
        long snmpdBefore = snmpdNow.getAsLong();
        ipmpd.testkit.Await.sleep(Duration.ofMillis(1500));
        long ourNow = Long.parseLong(read("snmpget", inOctets).get("ifHCInOctets." + m1));
        long snmpdAtOurs = snmpdNow.getAsLong();
        long[] snmpdAfter = {snmpdAtOurs};
        ipmpd.testkit.Await.until("a new sample of snmpd's", () -> (snmpdAfter[0] = snmpdNow.getAsLong()) != snmpdAtOurs);
        assertTrue(snmpdBefore <= ourNow && ourNow <= snmpdAfter[0],
                "snmpd " + snmpdBefore + " <= ipmpd " + ourNow + " <= snmpd " + snmpdAfter[0]);
        // ifInOctets is the low half of the 64-bit counter. One GET for both; the agent reads the
        // counters at most once a second, so a GET may straddle a new reading: then the next does not.
        Await.until(() -> "ifInOctets." + m1 + " = low 32 bits of ifHCInOctets." + m1, Duration.ofSeconds(5), () -> {
            Map<String, String> both = read("snmpget", "IF-MIB::ifInOctets." + m1, inOctets);
            return (Long.parseLong(both.get("ifHCInOctets." + m1)) & 0xffffffffL) == Long.parseLong(both.get("ifInOctets." + m1));
        });
        daemon.stop();
    }

    /**
     * A net-snmp daemon (snmpd, snmptrapd) in the host namespace with its configuration and state in
     * a temporary directory: {@code -c CONF} is added after the tool's name, {@code {dir}} in
     * {@code args} stands for the directory. It writes its state there as it exits: at the end of
     * the test it is stopped, then the directory is deleted.
     */
    private BackgroundProcess startNetSnmp(String tool, String conf, String... args) throws IOException {
        Path dir = Files.createTempDirectory("ipmpd-" + tool);
        BackgroundProcess[] started = new BackgroundProcess[1];
        closeLater(() -> {
            if (started[0] != null) {
                started[0].close();
            }
            deleteTree(dir);
        });
        Files.writeString(dir.resolve(tool + ".conf"), conf);
        List<String> cmd = new ArrayList<>(List.of("env", "SNMP_PERSISTENT_DIR=" + dir, "MIBS=", tool, "-c",
                dir.resolve(tool + ".conf").toString()));
        for (String a : args) {
            cmd.add(a.replace("{dir}", dir.toString()));
        }
        started[0] = tb.start(HOST, cmd);
        return started[0];
    }

    private BackgroundProcess startSnmpd() throws IOException {
        BackgroundProcess snmpd = startNetSnmp("snmpd", "rocommunity public 127.0.0.1\n", "-f", "-C", "-Lf",
                "{dir}/snmpd.log", "udp:127.0.0.1:" + SNMPD_PORT);
        Await.until("snmpd answering on " + SNMPD_PORT, Duration.ofSeconds(15),
                () -> snmpdTool(snmpd, "snmpget", "SNMPv2-MIB::sysUpTime.0").exitCode() == 0);
        return snmpd;
    }

    private Netns.Result snmpdTool(BackgroundProcess snmpd, String tool, String oid) {
        assertTrue(snmpd.isAlive(), "snmpd exited: " + snmpd.output());
        return Netns.tryExecWithin(Duration.ofSeconds(30), tb.ns(HOST), "env", "SNMP_PERSISTENT_DIR=" + toolState,
                "SNMPCONFPATH=" + toolState, "HOME=" + toolState, "MIBS=", tool, "-M", mibPath(), "-m", "IF-MIB:SNMPv2-MIB",
                "-t", "1", "-r", "1", "-v2c", "-c", "public", "udp:127.0.0.1:" + SNMPD_PORT, oid);
    }

    private Map<String, String> snmpdWalk(BackgroundProcess snmpd, String root) {
        Netns.Result r = snmpdTool(snmpd, "snmpbulkwalk", root);
        assertEquals(0, r.exitCode(), r.toString());
        return parse(r.stdout());
    }

    // ------------------------------------------------------------------ notifications

    private BackgroundProcess startTrapReceiver() throws IOException {
        BackgroundProcess p = startNetSnmp("snmptrapd", "authCommunity log public\n", "-f", "-Lo", "-C", "-M", mibPath(),
                "-m", "IPMP-MIB:IF-MIB:SNMPv2-MIB", "-F", TRAP_LINE + "%P | %v\n", "udp:127.0.0.1:" + TRAP_PORT);
        p.awaitLine(l -> l.contains("NET-SNMP version"), Duration.ofSeconds(10));
        return p;
    }

    private static List<String> notifications(BackgroundProcess rx, int from) {
        List<String> all = rx.stdoutLines().stream().filter(l -> l.startsWith(TRAP_LINE)).toList();
        return all.subList(Math.min(from, all.size()), all.size());
    }

    private static int count(BackgroundProcess rx) {
        return notifications(rx, 0).size();
    }

    /** The first notification since {@code from} of type {@code trapOid} that contains every one of {@code parts}. */
    private String awaitTrap(BackgroundProcess rx, int from, String trapOid, String... parts) {
        String[] found = new String[1];
        Await.until(() -> trapOid + " with " + List.of(parts) + " since #" + from + ":\n"
                        + String.join("\n", notifications(rx, from)), Duration.ofSeconds(10),
                () -> {
                    found[0] = notifications(rx, from).stream()
                            .filter(l -> l.contains("snmpTrapOID.0 = OID: " + trapOid + "\t") || l.endsWith("snmpTrapOID.0 = OID: " + trapOid))
                            .filter(l -> Stream.of(parts).allMatch(l::contains)).findFirst().orElse(null);
                    return found[0] != null;
                });
        return found[0];
    }

    @Test
    void aPulledCableCable4AndTheGroupFailingReachTheTrapReceiver() throws IOException {
        testbed();
        BackgroundProcess rx = startTrapReceiver();
        startWithAgent("snmp.trap.nms=udp:127.0.0.1/" + TRAP_PORT + " v2c public trap");
        awaitTrap(rx, 0, "SNMPv2-MIB::coldStart");
        int i1 = ifIndex(1);
        int i2 = ifIndex(2);
        int i3 = ifIndex(3);
        String g = groupIndex(read("snmpwalk", "IPMP-MIB::ipmpGroupName"), GROUP);

        // cable 1 pulled: the standard linkDown, the interface failed by link, the address moved, the group degraded
        int from = count(rx);
        tb.pullCable(1);
        awaitTrap(rx, from, "IF-MIB::linkDown", "IF-MIB::ifIndex." + i1 + " = INTEGER: " + i1,
                "IF-MIB::ifOperStatus." + i1 + " = INTEGER: down(2)");
        awaitTrap(rx, from, "IPMP-MIB::ipmpLinkDown", "IPMP-MIB::ipmpIfName." + i1 + " = STRING: " + m(1));
        awaitTrap(rx, from, "IPMP-MIB::ipmpInterfaceFailed", "IPMP-MIB::ipmpIfName." + i1 + " = STRING: " + m(1),
                "IPMP-MIB::ipmpIfGroupName." + i1 + " = STRING: " + GROUP, "IPMP-MIB::ipmpIfState." + i1 + " = INTEGER: failed(2)",
                "IPMP-MIB::ipmpNotifyDetection.0 = INTEGER: link(1)");
        String to = daemon.parsable("-a", "ADDRESS,INBOUND").stream().filter(r -> r.get(0).equals(DATA)).findFirst()
                .orElseThrow().get(1);
        assertNotEquals(m(1), to);
        awaitTrap(rx, from, "IPMP-MIB::ipmpAddressMoved", "IPMP-MIB::ipmpNotifyAddress.0 = Hex-STRING: C0 00 02 32",
                "IPMP-MIB::ipmpNotifyMoveReason.0 = INTEGER: failover(1)",
                "IPMP-MIB::ipmpNotifyFromIfName.0 = STRING: " + m(1), "IPMP-MIB::ipmpNotifyToIfName.0 = STRING: " + to);
        awaitTrap(rx, from, "IPMP-MIB::ipmpGroupStateChange", "IPMP-MIB::ipmpGroupState." + g + " = INTEGER: degraded(2)",
                "IPMP-MIB::ipmpNotifyGroupEvent.0 = INTEGER: degraded(3)", "IPMP-MIB::ipmpGroupActiveCount." + g + " = Gauge32: 2");

        // plugged back: linkUp, repaired, failback to m1, the group whole again
        from = count(rx);
        tb.plugCable(1);
        awaitTrap(rx, from, "IF-MIB::linkUp", "IF-MIB::ifIndex." + i1 + " = INTEGER: " + i1);
        awaitTrap(rx, from, "IPMP-MIB::ipmpInterfaceRepaired", "IPMP-MIB::ipmpIfName." + i1 + " = STRING: " + m(1));
        awaitTrap(rx, from, "IPMP-MIB::ipmpAddressMoved", "IPMP-MIB::ipmpNotifyMoveReason.0 = INTEGER: failback(2)",
                "IPMP-MIB::ipmpNotifyToIfName.0 = STRING: " + m(1));
        awaitTrap(rx, from, "IPMP-MIB::ipmpGroupStateChange", "IPMP-MIB::ipmpGroupState." + g + " = INTEGER: ok(1)");
        awaitAllOk(Duration.ofSeconds(15));

        // cable 4 cut: m1 and m2 lose the router with their links up: failed by probes, the address goes to m3
        from = count(rx);
        tb.pullCable(4);
        for (int i : new int[] {i1, i2}) {
            awaitTrap(rx, from, "IPMP-MIB::ipmpInterfaceFailed", "IPMP-MIB::ipmpIfName." + i + " = STRING: ",
                    "IPMP-MIB::ipmpNotifyDetection.0 = INTEGER: probeIPv4(2)");
        }
        // (straight from m1, or by way of m2 when m1's failure is detected first)
        awaitTrap(rx, from, "IPMP-MIB::ipmpAddressMoved", "IPMP-MIB::ipmpNotifyMoveReason.0 = INTEGER: failover(1)",
                "IPMP-MIB::ipmpNotifyToIfName.0 = STRING: " + m(3));
        awaitKernelOn(DATA, 3, Duration.ofSeconds(3));
        assertTrue(notifications(rx, from).stream().noneMatch(l -> l.contains("IF-MIB::linkDown")),
                "no link went down: " + notifications(rx, from));

        // and m3's cable too: every member failed, the group with them
        from = count(rx);
        tb.pullCable(3);
        awaitTrap(rx, from, "IF-MIB::linkDown", "IF-MIB::ifIndex." + i3 + " = INTEGER: " + i3);
        String failed = awaitTrap(rx, from, "IPMP-MIB::ipmpGroupStateChange",
                "IPMP-MIB::ipmpGroupState." + g + " = INTEGER: failed(3)", "IPMP-MIB::ipmpNotifyGroupEvent.0 = INTEGER: allUnusable(1)");
        assertTrue(failed.contains("IPMP-MIB::ipmpGroupActiveCount." + g + " = Gauge32: 0"), failed);
        // the last member's failure is told by the group's notification, which names it (IPMP-MIB)
        assertTrue(failed.contains("IPMP-MIB::ipmpNotifyIfName.0 = STRING: " + m(3)), failed);
        assertTrue(notifications(rx, from).stream().noneMatch(l -> l.contains("IPMP-MIB::ipmpInterfaceFailed")),
                "no ipmpInterfaceFailed for the last member: " + notifications(rx, from));
        assertNotNull(daemon.findLog(0, "All IP interfaces in group " + GROUP + " are now unusable").orElse(null), daemon.log());
        daemon.stop();
    }

    private static void deleteTree(Path dir) {
        if (!TempDirs.delete(dir, Duration.ofSeconds(2))) {
            throw new AssertionError(dir + " left behind");
        }
    }
}
