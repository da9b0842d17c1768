package ipmpd.agent.snmp;

import ipmpd.testkit.Await;
import ipmpd.agent.snmp.LiveObjects.ObjectDef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.snmp4j.agent.MOScope;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.smi.OID;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent in-process (ipmpd on the loopback platform) checked with the real net-snmp tools:
 * walks print IPMP-MIB names and the values ipmpstat shows, SETs change the engine and the files of
 * the configuration directory and survive a restart, refusals carry the right error, security
 * holds, and snmptrapd receives the notifications of a link failure.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class SnmpAgentTest {
    private static final Pattern LINE = Pattern.compile("^([\\w-]+)::(\\w+)\\.(\\S+) = (.*)$");
    private SnmpFixture f;

    @AfterEach
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    /** "IPMP-MIB::ipmpIfName.2 = STRING: tst0" lines as name.index -> value text (after the type). */
    static Map<String, String> parse(String walk) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : walk.lines().toList()) {
            Matcher m = LINE.matcher(l);
            if (m.matches()) {
                String v = m.group(4);
                int colon = v.indexOf(": ");
                out.put(m.group(2) + "." + m.group(3), colon >= 0 && !v.startsWith("\"") ? v.substring(colon + 2) : v);
            }
        }
        return out;
    }

    private Map<String, String> walk(String user, String tool, String root) throws Exception {
        SnmpFixture.Run r = f.snmp(tool, user, root);
        assertEquals(0, r.exit(), r.toString());
        return parse(r.out());
    }

    private static String word(String enumText) {
        int p = enumText.indexOf('(');
        return p < 0 ? enumText : enumText.substring(0, p);
    }

    private static String ipv4(String hex) {
        String[] b = hex.strip().split(" ");
        List<String> out = new ArrayList<>();
        for (String x : b) {
            out.add(String.valueOf(Integer.parseInt(x, 16)));
        }
        return String.join(".", out);
    }

    /** ipmpstat -i FLAGS from the ipmpIfStatusFlags BITS names. */
    private static String flagsColumn(String bits) {
        String[] names = {"inactive", "standby", "ipv4MulticastNominee", "ipv4BroadcastNominee", "ipv6MulticastNominee",
            "noUpAddress", "duplicateHwAddress"};
        String letters = "ismbMdh";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            b.append(bits.contains(names[i] + "(" + i + ")") ? letters.charAt(i) : '-');
        }
        return b.toString();
    }

    /** The IPMP-MIB walk rendered as ipmpstat -P lines, to compare with ipmpstat itself. */
    private static Map<String, List<String>> asIpmpstat(Map<String, String> w) {
        Map<String, String> ifName = new TreeMap<>();
        w.forEach((k, v) -> {
            if (k.startsWith("ipmpIfName.")) {
                ifName.put(k.substring("ipmpIfName.".length()), v.replace("\"", ""));
            }
        });
        List<String> g = new ArrayList<>();
        List<String> i = new ArrayList<>();
        List<String> a = new ArrayList<>();
        List<String> t = new ArrayList<>();
        w.forEach((k, v) -> {
            if (k.startsWith("ipmpGroupName.")) {
                String idx = k.substring("ipmpGroupName.".length());
                long fdt = Long.parseLong(w.get("ipmpGroupFdt." + idx).split(" ")[0]);
                g.add(v.replace("\"", "") + ":" + word(w.get("ipmpGroupState." + idx)) + ":"
                        + (fdt == 0 ? "" : String.format(java.util.Locale.ROOT, "%.2fs", fdt / 1000.0)));
            }
        });
        for (Map.Entry<String, String> e : ifName.entrySet()) {
            String x = e.getKey();
            i.add(e.getValue() + ":" + (word(w.get("ipmpIfActive." + x)).equals("true") ? "yes" : "no") + ":"
                    + w.get("ipmpIfGroupName." + x).replace("\"", "") + ":" + flagsColumn(w.get("ipmpIfStatusFlags." + x))
                    + ":" + word(w.get("ipmpIfLinkState." + x)) + ":" + word(w.get("ipmpIfProbeState." + x)) + ":"
                    + word(w.get("ipmpIfState." + x)));
            String mode = word(w.get("ipmpIfProbeModeIPv4." + x));
            TreeMap<Integer, String> targets = new TreeMap<>();
            w.forEach((k, v) -> {
                Matcher m = Pattern.compile("ipmpTargetOrder\\." + x + "\\.ipv4\\.\"([0-9.]+)\"").matcher(k);
                if (m.matches() && Integer.parseInt(v) > 0) {
                    targets.put(Integer.parseInt(v), m.group(1));
                }
            });
            t.add(e.getValue() + ":" + mode + ":" + ipv4(w.get("ipmpIfTestAddrIPv4." + x)) + ":"
                    + String.join(" ", targets.values()));
        }
        w.forEach((k, v) -> {
            Matcher m = Pattern.compile("ipmpAddrState\\.ipv4\\.\"([0-9.]+)\"").matcher(k);
            if (m.matches()) {
                String idx = k.substring("ipmpAddrState.".length());
                boolean up = word(v).equals("up");
                String cur = ifName.get(w.get("ipmpAddrCurrentIfIndex." + idx));
                String group = null;
                for (Map.Entry<String, String> e : w.entrySet()) {
                    if (e.getKey().equals("ipmpGroupName." + w.get("ipmpAddrGroupIndex." + idx))) {
                        group = e.getValue().replace("\"", "");
                    }
                }
                a.add(m.group(1) + ":" + (up ? "up" : "down") + ":" + group + ":" + (up ? cur : ""));
            }
        });
        Map<String, List<String>> out = new HashMap<>();
        out.put("-g", g);
        out.put("-i", i);
        out.put("-a", a);
        out.put("-t", t);
        return out;
    }

    private static <T extends Comparable<T>> Set<T> sorted(List<T> l) {
        return new TreeSet<>(l);
    }

    private void assertWalkMatchesIpmpstat() throws Exception {
        AssertionError last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Map<String, String> w = walk(SnmpFixture.RO, "snmpwalk", "IPMP-MIB::ipmpMIB");
                Map<String, List<String>> mib = asIpmpstat(w);
                assertEquals(sorted(f.ipmpstat("-g", "GROUP,STATE,FDT")), sorted(mib.get("-g")), "ipmpstat -g");
                assertEquals(sorted(f.ipmpstat("-i", "INTERFACE,ACTIVE,GROUP,FLAGS,LINK,PROBE,STATE")),
                        sorted(mib.get("-i")), "ipmpstat -i");
                assertEquals(sorted(f.ipmpstat("-a", "ADDRESS,STATE,GROUP,INBOUND")), sorted(mib.get("-a")), "ipmpstat -a");
                assertEquals(sorted(f.ipmpstat("-t", "INTERFACE,MODE,TESTADDR,TARGETS")), sorted(mib.get("-t")),
                        "ipmpstat -t");
                return;
            } catch (AssertionError e) {
                last = e; // a probe may have changed a state between the two reads
                Thread.sleep(200);
            }
        }
        throw last;
    }

    @Test
    void walksShowWhatIpmpstatShows() throws Exception {
        f = SnmpFixture.standard(Map.of());
        f.awaitProbesOk();
        assertWalkMatchesIpmpstat();

        // every readable object of the MIB has an instance in this configuration, and only those
        Map<String, String> w = walk(SnmpFixture.RW, "snmpwalk", "IPMP-MIB::ipmpMIB");
        Set<String> seen = new TreeSet<>();
        for (String k : w.keySet()) {
            seen.add(k.substring(0, k.indexOf('.')));
        }
        Set<String> readable = new TreeSet<>();
        for (ObjectDef d : IpmpMib.OBJECTS_DEFS) {
            // the data addresses of IPMP interfaces need one (new IPMP: SnmpNewIpmpTest reads them)
            if (d.access().readable() && !d.name().startsWith("ipmpGroupAddr")) {
                readable.add(d.name());
            }
        }
        assertEquals(readable, seen, "objects in the walk");
        assertEquals("g0", w.get("ipmpGroupName.1").replace("\"", ""));
        assertEquals("1", w.get("ipmpGroupNameIndex.\"g0\""));
        assertEquals("C2 10 20 90 00 up(0) broadcast(1) running(6) multicast(11) deprecated(18) ipv4(24) nofailover(27)",
                w.get("ipmpIfFlags.4").strip(), "tst2's flags as BITS (bit n = flag 2^n)");

        // bulkwalk sees the same instances, and IF-MIB shows the tracked interfaces
        Map<String, String> bulk = walk(SnmpFixture.RO, "snmpbulkwalk", "IPMP-MIB::ipmpMIB");
        assertEquals(w.keySet(), bulk.keySet());
        Map<String, String> ifs = walk(SnmpFixture.RO, "snmpbulkwalk", "IF-MIB::interfaces");
        Map<String, String> ifx = walk(SnmpFixture.RO, "snmpbulkwalk", "IF-MIB::ifXTable");
        assertEquals("3", ifs.get("ifNumber.0"));
        assertEquals("(0) 0:00:00.00", parse(f.snmp("snmpget", SnmpFixture.RO, "IF-MIB::ifTableLastChange.0").out())
                .get("ifTableLastChange.0"), "the rows are those of the start");
        for (String[] e : new String[][] {{"2", "tst0"}, {"3", "tst1"}, {"4", "tst2"}}) {
            assertEquals(e[1], ifs.get("ifDescr." + e[0]));
            assertEquals("up(1)", ifs.get("ifOperStatus." + e[0]));
            assertEquals(e[1], ifx.get("ifName." + e[0]));
            assertEquals(e[1], w.get("ipmpIfName." + e[0]));
            // the platform's counters and link attributes (the loopback platform counts its echo frames)
            assertEquals("1500", ifs.get("ifMtu." + e[0]));
            assertEquals("2:0:0:0:0:" + e[0], ifs.get("ifPhysAddress." + e[0]));
            assertEquals("0", ifs.get("ifSpeed." + e[0]), "the loopback platform has no speed");
            // (the counters are sampled at most once a second: the walk may show a sample from before the first probe)
            String out = "IF-MIB::ifOutUcastPkts." + e[0];
            Await.until("probes were sent from " + e[1], () -> {
                try {
                    return Long.parseLong(parse(f.snmp("snmpget", SnmpFixture.RO, out).out())
                            .getOrDefault("ifOutUcastPkts." + e[0], "0")) > 0;
                } catch (Exception x) {
                    return false;
                }
            });
            // 98 octets a probe; the 32- and 64-bit columns from one reading (a GET may straddle
            // a new reading of the counters, at most one a second: then the next one does not)
            String x = e[0];
            Await.until("ifTable and ifXTable counters of " + e[1] + " agree", () -> {
                Map<String, String> c;
                try {
                    c = parse(f.snmp("snmpget", SnmpFixture.RO, "IF-MIB::ifOutUcastPkts." + x,
                            "IF-MIB::ifHCOutUcastPkts." + x, "IF-MIB::ifOutOctets." + x, "IF-MIB::ifHCOutOctets." + x).out());
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
                return c.get("ifOutUcastPkts." + x).equals(c.get("ifHCOutUcastPkts." + x))
                        && c.get("ifOutOctets." + x).equals(c.get("ifHCOutOctets." + x))
                        && Long.parseLong(c.get("ifOutOctets." + x)) == 98 * Long.parseLong(c.get("ifOutUcastPkts." + x));
            });
            assertEquals("false(2)", ifx.get("ifPromiscuousMode." + e[0]));
            assertEquals("SNMPv2-SMI::zeroDotZero", ifs.get("ifSpecific." + e[0]));
        }
        assertEquals(22 * 3, ifs.keySet().stream().filter(k -> k.startsWith("if") && !k.startsWith("ifNumber")).count(),
                "every ifTable column of every tracked interface: " + ifs.keySet());
        assertEquals(19 * 3, ifx.size(), "every ifXTable column of every tracked interface: " + ifx.keySet());

        // a failover is visible in the next GET (no polling lag)
        f.platform().setLink("tst1", false);
        Await.until("tst1 failed", () -> f.ipmpstat("-i", "INTERFACE,STATE").contains("tst1:failed"));
        SnmpFixture.Run get = f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpIfState.3", "IPMP-MIB::ipmpIfLinkState.3",
                "IPMP-MIB::ipmpGroupState.1", "IF-MIB::ifOperStatus.3");
        Map<String, String> g = parse(get.out());
        assertEquals("failed(2)", g.get("ipmpIfState.3"), get.toString());
        assertEquals("down(2)", g.get("ipmpIfLinkState.3"));
        assertEquals("degraded(2)", g.get("ipmpGroupState.1"));
        assertEquals("down(2)", g.get("ifOperStatus.3"));
        assertWalkMatchesIpmpstat();

        // failure accounting: tst1 failed once, by its link; its data address failed over once
        Map<String, String> acc = parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpIfFailureCount.3",
                "IPMP-MIB::ipmpIfLastFailureCause.3", "IPMP-MIB::ipmpIfLastFailureTime.3",
                "IPMP-MIB::ipmpIfFailureCount.2", "IPMP-MIB::ipmpIfLastFailureCause.2",
                "IPMP-MIB::ipmpIfLastFailureTime.2", "IPMP-MIB::ipmpGroupFailoverCount.1",
                "IPMP-MIB::ipmpGroupLastFailoverReason.1", "IPMP-MIB::ipmpGroupLastFailoverTime.1",
                "SNMPv2-MIB::sysUpTime.0").out());
        assertEquals("1", acc.get("ipmpIfFailureCount.3").strip(), acc.toString());
        assertEquals("link(1)", acc.get("ipmpIfLastFailureCause.3"));
        assertEquals("0", acc.get("ipmpIfFailureCount.2").strip());
        assertEquals("none(0)", acc.get("ipmpIfLastFailureCause.2"));
        assertEquals("(0) 0:00:00.00", acc.get("ipmpIfLastFailureTime.2"));
        assertEquals("1", acc.get("ipmpGroupFailoverCount.1").strip());
        assertEquals("link(1)", acc.get("ipmpGroupLastFailoverReason.1"));
        long upTime = ticks(acc.get("sysUpTime.0"));
        long failedAt = ticks(acc.get("ipmpIfLastFailureTime.3"));
        assertTrue(failedAt > 0 && failedAt <= upTime, acc.toString());
        long failoverAt = ticks(acc.get("ipmpGroupLastFailoverTime.1"));
        assertTrue(failedAt <= failoverAt && failoverAt <= upTime, "the failover followed the failure: " + acc);

        // probe statistics are live as well, though the agent keeps its view while the model stays
        // the same: every GET shows a count between the engine's just before and just after it
        for (int i = 0; i < 3; i++) {
            long before = probesSent("tst0");
            SnmpFixture.Run sent = f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpIfProbesSent.2");
            long after = probesSent("tst0");
            long got = Long.parseLong(parse(sent.out()).get("ipmpIfProbesSent.2").strip());
            assertTrue(before <= got && got <= after, before + " <= " + got + " <= " + after + ": " + sent);
            Await.until("a probe sent", () -> probesSent("tst0") > after);
        }
    }

    /** The ticks of a TimeTicks value as net-snmp prints it: "(1234) 0:00:12.34". */
    private static long ticks(String printed) {
        return Long.parseLong(printed.substring(printed.indexOf('(') + 1, printed.indexOf(')')));
    }

    private long probesSent(String ifname) {
        try {
            return f.daemon.loop().call(() -> f.daemon.loop().engine().snapshot().iface(ifname).orElseThrow().probesSent());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new session of a net-snmp tool discovers the engine ID and takes boots and time from the
     * same report (as it does with net-snmp's snmpd): two datagrams, not three.
     */
    @Test
    void aToolSessionNeedsOneDiscoveryRoundTrip() throws Exception {
        f = SnmpFixture.standard(Map.of());
        SnmpFixture.Run r = f.snmp("snmpget", SnmpFixture.RO, "-d", "SNMPv2-MIB::sysUpTime.0");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("sysUpTime.0 = Timeticks"), r.toString());
        String dump = r.out() + r.err();
        assertEquals(2, dump.lines().filter(l -> l.startsWith("Sending ")).count(), dump);
        assertEquals(2, dump.lines().filter(l -> l.startsWith("Received ")).count(), dump);
    }

    /** The request counts the metrics endpoint shows, by PDU type. */
    @Test
    void activityCountsRequestsByType() throws Exception {
        f = SnmpFixture.standard(Map.of());
        assertEquals(0, f.agent.activity().getRequests());
        SnmpFixture.Run r = f.snmp("snmpget", SnmpFixture.RO, "SNMPv2-MIB::sysUpTime.0");
        assertEquals(0, r.exit(), r.toString());
        SnmpAgent.Activity a = f.agent.activity();
        assertTrue(a.getRequests() >= 1, a.toString());
        assertEquals(List.of(0L, 0L, 0L), List.of(a.getNextRequests(), a.getBulkRequests(), a.setRequests()), a.toString());
        r = f.snmp("snmpgetnext", SnmpFixture.RO, "SNMPv2-MIB::sysUpTime");
        assertEquals(0, r.exit(), r.toString());
        r = f.snmp("snmpbulkget", SnmpFixture.RO, "-Cr3", "IPMP-MIB::ipmpMIB");
        assertEquals(0, r.exit(), r.toString());
        r = f.snmp("snmpset", SnmpFixture.RW, "IPMP-MIB::ipmpFailback.0", "i", "2");
        assertEquals(0, r.exit(), r.toString());
        SnmpAgent.Activity b = f.agent.activity();
        assertTrue(b.getNextRequests() >= 1 && b.getBulkRequests() >= 1 && b.setRequests() >= 1, b.toString());
    }

    /**
     * Refused requests get their report (at noAuthNoPriv, as from snmpd), so the tools say why. (A
     * wrong privacy password alone gets no answer from either: AES decrypts to a PDU that does not parse.)
     */
    @Test
    void anUnknownUserAndAWrongPasswordAreToldSo() throws Exception {
        f = SnmpFixture.standard(Map.of());
        SnmpFixture.Run unknown = f.run(v3Get("nobody", "some-password", "some-password"), 60);
        assertNotEquals(0, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("Unknown user name"), unknown.toString());
        SnmpFixture.Run wrong = f.run(v3Get(SnmpFixture.RO, "wrong-password", SnmpFixture.RO_PRIV), 60);
        assertNotEquals(0, wrong.exit(), wrong.toString());
        assertTrue(wrong.err().contains("Authentication failure"), wrong.toString());
    }

    private List<String> v3Get(String user, String auth, String priv) {
        return List.of("snmpget", "-m", "", "-t", "10", "-r", "0", "-v3", "-l", "authPriv", "-u", user, "-a", "SHA-256", "-A",
                auth, "-x", "AES", "-X", priv, f.target(), "1.3.6.1.2.1.1.3.0");
    }

    @Test
    void registeredObjectsAreTheMibsObjects() throws Exception {
        f = SnmpFixture.standard(Map.of());
        DefaultMOServer server = (DefaultMOServer) f.agent.server();
        Set<String> registered = new TreeSet<>();
        for (Map.Entry<MOScope, ManagedObject<?>> e : server.getRegistry().entrySet()) {
            ManagedObject<?> mo = e.getValue();
            OID lo = mo.getScope().getLowerBound();
            if (!lo.startsWith(new OID("1.3.6.1.4.1.99999"))) {
                continue;
            }
            if (mo instanceof LiveObjects.Scalar s) {
                registered.add(s.def.name() + " " + s.def.oid() + " " + s.def.access().mib);
            } else if (mo instanceof LiveObjects.Table t) {
                for (LiveObjects.Column c : t.columns) {
                    registered.add(c.def().name() + " " + c.def().oid() + " " + c.def().access().mib);
                }
            } else {
                registered.add("unexpected " + mo);
            }
        }
        Set<String> mib = new TreeSet<>();
        for (MibFile.ObjectType o : MibFile.load(SnmpFixture.MIB_DIR.resolve("IPMP-MIB.txt")).objects().values()) {
            if (o.isScalarOrColumn() && (o.access().equals("read-only") || o.access().equals("read-write")
                    || o.access().equals("read-create"))) {
                mib.add(o.name() + " " + o.oid() + " " + o.access());
            }
        }
        assertEquals(mib, registered);
        // and nothing of snmp4j's own configuration MIB anywhere
        for (MOScope s : server.getRegistry().keySet()) {
            assertFalse(s.getLowerBound().startsWith(new OID("1.3.6.1.4.1.4976")), s.toString());
        }
        SnmpFixture.Run r = f.snmp("snmpgetnext", SnmpFixture.RW, "1.3.6.1.4.1.4976");
        assertFalse(r.out().contains("1.3.6.1.4.1.4976") || r.out().contains("SNMP4J"), r.toString());
        // USM, VACM and the community table are in no view either
        for (String tree : List.of("1.3.6.1.6.3.15", "1.3.6.1.6.3.16", "1.3.6.1.6.3.18")) {
            SnmpFixture.Run t = f.snmp("snmpwalk", SnmpFixture.RW, tree);
            assertFalse(t.out().contains(" = STRING") || t.out().contains(" = INTEGER"), t.toString());
        }
        // v1/v2c are off without a community
        List<String> v2c = new ArrayList<>(List.of("snmpget"));
        v2c.addAll(f.mibs());
        v2c.addAll(List.of("-t", "1", "-r", "0", "-v2c", "-c", "public", f.target(), "SNMPv2-MIB::sysDescr.0"));
        SnmpFixture.Run off = f.run(v2c, 60);
        assertNotEquals(0, off.exit(), off.toString());
        assertTrue(off.err().contains("Timeout"), off.toString());
    }

    @Test
    void aCommunityIsReadOnly() throws Exception {
        f = SnmpFixture.standard(Map.of("snmp.community", "ro-community"));
        List<String> get = new ArrayList<>(List.of("snmpget"));
        get.addAll(f.mibs());
        get.addAll(List.of("-t", "10", "-r", "0", "-v2c", "-c", "ro-community", f.target(), "IPMP-MIB::ipmpFailback.0"));
        SnmpFixture.Run r = f.run(get, 60);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("IPMP-MIB::ipmpFailback.0 = INTEGER: true(1)"), r.toString());
        List<String> set = new ArrayList<>(List.of("snmpset"));
        set.addAll(f.mibs());
        set.addAll(List.of("-t", "10", "-r", "0", "-v2c", "-c", "ro-community", f.target(), "IPMP-MIB::ipmpFailback.0",
                "i", "2"));
        SnmpFixture.Run w = f.run(set, 60);
        assertNotEquals(0, w.exit(), w.toString());
        assertTrue(w.err().contains("noAccess") || w.err().contains("authorizationError")
                || w.err().contains("notWritable"), w.toString());
        List<String> wrong = new ArrayList<>(get);
        wrong.set(wrong.indexOf("ro-community"), "public");
        wrong.set(wrong.indexOf("10"), "1"); // no answer is expected: a short wait
        SnmpFixture.Run x = f.run(wrong, 60);
        assertNotEquals(0, x.exit(), x.toString());
    }

    private SnmpFixture.Run set(String user, String... args) throws Exception {
        return f.snmp("snmpset", user, args);
    }

    private void assertSetOk(String... args) throws Exception {
        SnmpFixture.Run r = set(SnmpFixture.RW, args);
        assertEquals(0, r.exit(), r + "\nlog: " + f.logged.subList(Math.max(0, f.logged.size() - 5), f.logged.size()));
    }

    private void assertSetError(String error, String... args) throws Exception {
        SnmpFixture.Run r = set(SnmpFixture.RW, args);
        assertNotEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains(error), "expected " + error + ": " + r);
    }

    @Test
    void setsChangeTheEngineAndTheFilesAndSurviveARestart() throws Exception {
        f = SnmpFixture.standard(Map.of());
        f.awaitProbesOk();
        // globals
        assertSetOk("IPMP-MIB::ipmpFailureDetectionTime.0", "u", "1400", "IPMP-MIB::ipmpFailback.0", "i", "2");
        assertEquals(List.of("g0:1.40s"), f.ipmpstat("-g", "GROUP,FDT"));
        assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=1400"), f.read("mpathd"));
        assertTrue(f.read("mpathd").contains("FAILBACK=no"), f.read("mpathd"));
        assertSetError("wrongValue", "IPMP-MIB::ipmpFailureDetectionTime.0", "u", "50");
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("below the minimum of 100 ms")), f.logged.toString());
        assertSetError("wrongValue", "IPMP-MIB::ipmpFailback.0", "i", "3");
        SnmpFixture.Run wrongType = f.snmp("snmpset", SnmpFixture.RW, "-Ir", "IPMP-MIB::ipmpFailureDetectionTime.0", "i", "1000");
        assertTrue(wrongType.err().contains("wrongType"), wrongType.toString());
        assertSetError("notWritable", "IPMP-MIB::ipmpGroupState.1", "i", "1");

        // standby and offline, with the minimum-redundancy rule
        assertSetOk("IPMP-MIB::ipmpIfStandby.4", "i", "1");
        assertTrue(f.ipmpstat("-i", "INTERFACE,FLAGS").get(0).matches("tst2:.s.*"), f.ipmpstat("-i", "INTERFACE,FLAGS").toString());
        assertTrue(f.read("hostname.tst2").contains("standby"), f.read("hostname.tst2"));
        // tst0 and tst1 hold data addresses: both standby leaves no member to take them
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpIfStandby.2", "i", "1", "IPMP-MIB::ipmpIfStandby.3", "i", "1");
        assertSetOk("IPMP-MIB::ipmpIfOffline.2", "i", "1");
        assertTrue(f.ipmpstat("-i", "INTERFACE,STATE").contains("tst0:offline"));
        assertSetOk("IPMP-MIB::ipmpIfOffline.3", "i", "1");
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpIfOffline.4", "i", "1");
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("cannot offline tst2: no other functioning interfaces")));
        assertSetOk("IPMP-MIB::ipmpIfOffline.2", "i", "2", "IPMP-MIB::ipmpIfOffline.3", "i", "2");
        Await.until("tst0 and tst1 back", () -> !f.ipmpstat("-i", "INTERFACE,STATE").toString().contains("offline"));
        // offline at run time (if_mpadm -d) shows in ipmpIfOffline but is not configuration: another SET
        // does not write it to ipmp.conf, and ipmpIfOffline = false brings the member back like if_mpadm -r
        assertEquals(0, f.ifMpadm("-d", "tst0"));
        assertEquals("1", parse(f.snmp("snmpget", SnmpFixture.RW, "-Oe", "IPMP-MIB::ipmpIfOffline.2").out())
                .get("ipmpIfOffline.2"));
        assertSetOk("IPMP-MIB::ipmpIfStandby.4", "i", "2");
        assertFalse(f.read("ipmp.conf").contains("offline tst0"), f.read("ipmp.conf"));
        assertSetOk("IPMP-MIB::ipmpIfOffline.2", "i", "2");
        Await.until("tst0 back", () -> !f.ipmpstat("-i", "INTERFACE,STATE").toString().contains("offline"));
        assertSetOk("IPMP-MIB::ipmpIfStandby.4", "i", "1");

        // a group, created, joined, given a configured target, refused destruction, left, destroyed
        Map<String, String> next = parse(f.snmp("snmpget", SnmpFixture.RW, "IPMP-MIB::ipmpGroupIndexNext.0").out());
        String n = next.get("ipmpGroupIndexNext.0");
        assertEquals("2", n);
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpGroupRowStatus." + n, "i", "4");
        assertSetError("wrongValue", "IPMP-MIB::ipmpGroupName." + n, "s", "bad name", "IPMP-MIB::ipmpGroupRowStatus." + n, "i", "4");
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpGroupName." + n, "s", "g0", "IPMP-MIB::ipmpGroupRowStatus." + n, "i", "4");
        assertSetOk("IPMP-MIB::ipmpGroupName." + n, "s", "g1", "IPMP-MIB::ipmpGroupRowStatus." + n, "i", "4");
        assertTrue(f.ipmpstat("-g", "GROUP").contains("g1"));
        assertTrue(f.read("ipmp.conf").contains("group g1"), f.read("ipmp.conf"));
        assertNotEquals(n, parse(f.snmp("snmpget", SnmpFixture.RW, "IPMP-MIB::ipmpGroupIndexNext.0").out())
                .get("ipmpGroupIndexNext.0"));
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpIfGroupName.4", "s", "nosuchgroup");
        // (a standby member with a test address cannot move as it is: ConfigApplier adds the test
        // address before clearing standby, and the engine refuses -failover on a standby)
        assertSetOk("IPMP-MIB::ipmpIfGroupName.4", "s", "g1", "IPMP-MIB::ipmpIfStandby.4", "i", "2");
        assertTrue(f.ipmpstat("-i", "INTERFACE,GROUP").contains("tst2:g1"));
        assertTrue(f.read("hostname.tst2").contains("group g1"), f.read("hostname.tst2"));
        String ct = "IPMP-MIB::ipmpConfTargetRowStatus." + n + ".1.4.192.0.2.1";
        assertSetOk(ct, "i", "4");
        assertTrue(f.read("ipmp.conf").contains("targets g1 192.0.2.1"), f.read("ipmp.conf"));
        assertSetError("inconsistentName", "IPMP-MIB::ipmpConfTargetRowStatus.99.1.4.192.0.2.1", "i", "4");
        assertSetError("wrongValue", "IPMP-MIB::ipmpConfTargetRowStatus." + n + ".3.4.192.0.2.1", "i", "4");
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpGroupRowStatus." + n, "i", "6");
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("group g1 still has members")));
        assertSetOk("IPMP-MIB::ipmpIfGroupName.4", "s", "");
        assertFalse(f.ipmpstat("-i", "INTERFACE").contains("tst2"));
        // IF-MIB lists every interface of the host, as snmpd: the row stays when the member leaves its group
        Map<String, String> ifNow = parse(f.snmp("snmpget", SnmpFixture.RO, "IF-MIB::ifNumber.0", "IF-MIB::ifDescr.4",
                "IF-MIB::ifOperStatus.4").out());
        assertEquals("3", ifNow.get("ifNumber.0"), ifNow.toString());
        assertEquals("tst2", ifNow.get("ifDescr.4"), ifNow.toString());
        assertEquals("up(1)", ifNow.get("ifOperStatus.4"), ifNow.toString());
        assertEquals("", parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpIfGroupName.4").out())
                .get("ipmpIfGroupName.4"));
        assertFalse(f.read("hostname.tst2").contains("group"), f.read("hostname.tst2"));
        assertTrue(f.read("hostname.tst2").contains("192.0.2.31"), "its addresses stay with it: " + f.read("hostname.tst2"));
        assertSetOk("IPMP-MIB::ipmpGroupRowStatus." + n, "i", "6");
        assertFalse(f.ipmpstat("-g", "GROUP").contains("g1"));
        assertFalse(f.read("ipmp.conf").contains("g1"), f.read("ipmp.conf"));
        // createAndWait: notReady without a name, notInService with one, then active
        String k = parse(f.snmp("snmpget", SnmpFixture.RW, "IPMP-MIB::ipmpGroupIndexNext.0").out()).get("ipmpGroupIndexNext.0");
        String lastChange = parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpLastChange.0").out()).get("ipmpLastChange.0");
        Thread.sleep(30);
        assertSetOk("IPMP-MIB::ipmpGroupRowStatus." + k, "i", "5");
        assertEquals("notReady(3)", parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpGroupRowStatus." + k).out())
                .get("ipmpGroupRowStatus." + k));
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpGroupRowStatus." + k, "i", "1");
        assertSetOk("IPMP-MIB::ipmpGroupName." + k, "s", "g2");
        assertEquals("notInService(2)", parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpGroupRowStatus." + k).out())
                .get("ipmpGroupRowStatus." + k));
        assertFalse(f.ipmpstat("-g", "GROUP").contains("g2"));
        assertSetOk("IPMP-MIB::ipmpGroupRowStatus." + k, "i", "1");
        assertTrue(f.ipmpstat("-g", "GROUP").contains("g2"));
        assertSetError("inconsistentValue", "IPMP-MIB::ipmpGroupName." + k, "s", "g3");
        assertNotEquals(lastChange, parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpLastChange.0").out())
                .get("ipmpLastChange.0"), "ipmpLastChange moves with a change");
        assertSetOk("IPMP-MIB::ipmpGroupRowStatus." + k, "i", "6");
        assertFalse(f.ipmpstat("-g", "GROUP").contains("g2"));

        // back into g0, standby
        assertSetOk("IPMP-MIB::ipmpIfGroupName.4", "s", "g0");
        assertTrue(f.ipmpstat("-i", "INTERFACE,GROUP").contains("tst2:g0"));
        assertSetOk("IPMP-MIB::ipmpIfStandby.4", "i", "1");

        // the read-only user cannot write; a wrong password gets nothing
        SnmpFixture.Run ro = set(SnmpFixture.RO, "IPMP-MIB::ipmpFailback.0", "i", "1");
        assertNotEquals(0, ro.exit(), ro.toString());
        assertTrue(ro.err().contains("authorizationError") || ro.err().contains("noAccess"), ro.toString());
        List<String> bad = new ArrayList<>(List.of("snmpget"));
        bad.addAll(f.mibs());
        bad.addAll(List.of("-t", "10", "-r", "0", "-v3", "-l", "authPriv", "-u", SnmpFixture.RW, "-a", "SHA-512", "-A",
                "wrong-password", "-x", "AES", "-X", SnmpFixture.RW_PRIV, f.target(), "IPMP-MIB::ipmpFailback.0"));
        SnmpFixture.Run wrong = f.run(bad, 60);
        assertNotEquals(0, wrong.exit(), wrong.toString());
        assertFalse(wrong.out().contains("ipmpFailback"), wrong.toString());
        assertEquals("false(2)", parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpFailback.0").out())
                .get("ipmpFailback.0"));

        // a new agent on the same directory keeps what was set; same engine ID, one more boot
        String engineId = f.agent.engineIdHex();
        int boots = f.agent.engineBoots();
        f.restart();
        assertEquals(engineId, f.agent.engineIdHex());
        assertEquals(boots + 1, f.agent.engineBoots());
        Map<String, String> after = parse(f.snmp("snmpget", SnmpFixture.RO, "IPMP-MIB::ipmpFailureDetectionTime.0",
                "IPMP-MIB::ipmpFailback.0", "IPMP-MIB::ipmpIfStandby.4", "IPMP-MIB::ipmpIfGroupName.4",
                "SNMP-FRAMEWORK-MIB::snmpEngineBoots.0").out());
        assertEquals("1400 milliseconds", after.get("ipmpFailureDetectionTime.0"));
        assertEquals("false(2)", after.get("ipmpFailback.0"));
        assertEquals("true(1)", after.get("ipmpIfStandby.4"));
        assertEquals("g0", after.get("ipmpIfGroupName.4"));
        assertEquals(String.valueOf(boots + 1), after.get("snmpEngineBoots.0"));
    }

    /** The lines snmptrapd printed so far ("NOTIFY <security> | <varbinds, tab-separated>"). */
    private static List<String> notifications(Path out) throws Exception {
        if (!Files.exists(out)) {
            return List.of();
        }
        return Files.readAllLines(out).stream().filter(l -> l.startsWith("NOTIFY ")).toList();
    }

    private static List<String> matching(List<String> lines, String security, String trapOid) {
        return lines.stream().filter(l -> l.contains(security) && l.contains("snmpTrapOID.0 = OID: " + trapOid + "\t")
                || l.contains(security) && l.endsWith("snmpTrapOID.0 = OID: " + trapOid)).toList();
    }

    private static void awaitNotification(Path out, String security, String trapOid, int count) throws Exception {
        Await.until(count + " x " + trapOid + " (" + security + ")", () -> {
            try {
                return matching(notifications(out), security, trapOid).size() >= count;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Waits for a notification of this type whose line contains every one of {@code parts}. */
    private static String awaitLine(Path out, String security, String trapOid, String... parts) throws Exception {
        String[] found = new String[1];
        Await.until(trapOid + " with " + List.of(parts), () -> {
            try {
                for (String l : matching(notifications(out), security, trapOid)) {
                    if (java.util.Arrays.stream(parts).allMatch(l::contains)) {
                        found[0] = l;
                        return true;
                    }
                }
                return false;
            } catch (Exception e) {
                return false;
            }
        });
        return found[0];
    }

    private static final String V3 = "TRAP2, SNMP v3, user " + SnmpFixture.TRAP;
    private static final String INFORM = "INFORM, SNMP v2c, community public";

    @Test
    void notificationsReachTrapReceivers() throws Exception {
        int trapPort = SnmpFixture.freePort();
        f = SnmpFixture.prepare(Map.of(
                "snmp.trap.nms", "udp:127.0.0.1/" + trapPort + " v3 " + SnmpFixture.TRAP,
                "snmp.trap.old", "udp:127.0.0.1/" + trapPort + " v2c public inform"));
        String engineId = "8001869f050102030405060708090a0b0c";
        f.write(SnmpEngineFile.NAME, "engine-id=" + engineId + "\nboots=7\n");
        Path conf = f.root.resolve("snmptrapd.conf");
        Files.writeString(conf, "createUser -e 0x" + engineId + " " + SnmpFixture.TRAP + " SHA-256 "
                + SnmpFixture.TRAP_AUTH + " AES " + SnmpFixture.TRAP_PRIV + "\n"
                + "authUser log " + SnmpFixture.TRAP + "\nauthCommunity log public\n");
        Path out = startTrapReceiver(conf, trapPort, "traps.txt");
        f.start();
        awaitNotification(out, V3, "SNMPv2-MIB::coldStart", 1);
        awaitNotification(out, INFORM, "SNMPv2-MIB::coldStart", 1);
        f.awaitProbesOk();

        f.platform().setLink("tst0", false);
        for (String sec : List.of(V3, INFORM)) {
            awaitNotification(out, sec, "IF-MIB::linkDown", 1);
            awaitNotification(out, sec, "IPMP-MIB::ipmpLinkDown", 1);
            awaitNotification(out, sec, "IPMP-MIB::ipmpInterfaceFailed", 1);
            awaitNotification(out, sec, "IPMP-MIB::ipmpAddressMoved", 1);
            awaitNotification(out, sec, "IPMP-MIB::ipmpGroupStateChange", 1);
        }
        // the metrics' counts: one message per destination (snmptrapd logs an inform again if it is retransmitted)
        Await.until("traps sent = traps received", () -> {
            try {
                return f.agent.activity().trapsSent() == notifications(out).stream().filter(l -> l.contains(V3)).count();
            } catch (Exception e) {
                return false;
            }
        });
        SnmpAgent.Activity sent = f.agent.activity();
        assertTrue(sent.trapsSent() >= 6 && sent.informsSent() >= 6
                && sent.informsSent() <= notifications(out).stream().filter(l -> l.contains(INFORM)).count(), sent.toString());
        List<String> all = notifications(out);
        String linkDown = matching(all, V3, "IF-MIB::linkDown").get(0);
        assertTrue(linkDown.contains("IF-MIB::ifIndex.2 = INTEGER: 2\tIF-MIB::ifAdminStatus.2 = INTEGER: up(1)\t"
                + "IF-MIB::ifOperStatus.2 = INTEGER: down(2)"), linkDown);
        String ipmpLinkDown = matching(all, V3, "IPMP-MIB::ipmpLinkDown").get(0);
        assertTrue(ipmpLinkDown.contains("IPMP-MIB::ipmpIfName.2 = STRING: tst0\tIPMP-MIB::ipmpIfGroupName.2 = STRING: g0"
                + "\tIPMP-MIB::ipmpIfLinkState.2 = INTEGER: down(2)\tIPMP-MIB::ipmpIfState.2 = INTEGER: "), ipmpLinkDown);
        assertTrue(ipmpLinkDown.contains("IPMP-MIB::ipmpIfFlags.2 = BITS: "), ipmpLinkDown);
        String failed = matching(all, V3, "IPMP-MIB::ipmpInterfaceFailed").get(0);
        assertTrue(failed.contains("IPMP-MIB::ipmpIfName.2 = STRING: tst0\tIPMP-MIB::ipmpIfGroupName.2 = STRING: g0\t"
                + "IPMP-MIB::ipmpIfState.2 = INTEGER: failed(2)\tIPMP-MIB::ipmpIfFlags.2 = BITS: "), failed);
        assertTrue(failed.contains("failed(28)"), failed);
        assertTrue(failed.endsWith("IPMP-MIB::ipmpNotifyDetection.0 = INTEGER: link(1)"), failed);
        // sysUpTime.0 first, as TimeTicks (the agent passes its own, taken at the event)
        java.util.regex.Pattern upTime = java.util.regex.Pattern.compile("\\| SNMPv2-MIB::sysUpTime.0 = Timeticks: \\((\\d+)\\) ");
        java.util.regex.Matcher ld = upTime.matcher(linkDown);
        java.util.regex.Matcher fd = upTime.matcher(failed);
        assertTrue(ld.find() && fd.find(), linkDown + "\n" + failed);
        assertTrue(Long.parseLong(ld.group(1)) > 0 && Long.parseLong(ld.group(1)) <= Long.parseLong(fd.group(1)),
                "the event's uptime, in the order of the notifications: " + ld.group(1) + " " + fd.group(1));
        String moved = matching(all, V3, "IPMP-MIB::ipmpAddressMoved").get(0);
        String to = f.ipmpstat("-a", "ADDRESS,INBOUND").stream().filter(l -> l.startsWith("192.0.2.10:")).findFirst()
                .orElseThrow().substring("192.0.2.10:".length());
        String toIndex = to.equals("tst1") ? "3" : "4";
        assertTrue(moved.contains("IPMP-MIB::ipmpNotifyAddressType.0 = INTEGER: ipv4(1)\t"
                + "IPMP-MIB::ipmpNotifyAddress.0 = Hex-STRING: C0 00 02 0A \tIPMP-MIB::ipmpGroupName.1 = STRING: g0\t"
                + "IPMP-MIB::ipmpNotifyMoveReason.0 = INTEGER: failover(1)\tIPMP-MIB::ipmpNotifyFromIfIndex.0 = INTEGER: 2\t"
                + "IPMP-MIB::ipmpNotifyFromIfName.0 = STRING: tst0\tIPMP-MIB::ipmpNotifyToIfIndex.0 = INTEGER: " + toIndex
                + "\tIPMP-MIB::ipmpNotifyToIfName.0 = STRING: " + to), moved);
        String group = matching(all, V3, "IPMP-MIB::ipmpGroupStateChange").get(0);
        assertTrue(group.contains("IPMP-MIB::ipmpGroupName.1 = STRING: g0\tIPMP-MIB::ipmpGroupState.1 = INTEGER: "
                + "degraded(2)\tIPMP-MIB::ipmpNotifyPrevGroupState.0 = INTEGER: ok(1)\t"
                + "IPMP-MIB::ipmpNotifyGroupEvent.0 = INTEGER: degraded(3)\tIPMP-MIB::ipmpGroupMemberCount.1 = Gauge32: 3\t"
                + "IPMP-MIB::ipmpGroupActiveCount.1 = Gauge32: 2\tIPMP-MIB::ipmpNotifyIfName.0 = STRING: tst0"), group);

        // a destination added through SNMP-TARGET-MIB / SNMP-NOTIFICATION-MIB gets them too
        String name = ".110.109.115.50"; // 'nms2' (IMPLIED index)
        String port = String.format("%04X", trapPort);
        createTrapParams(name);
        assertSetOk("SNMP-TARGET-MIB::snmpTargetAddrTDomain" + name, "o", "1.3.6.1.6.1.1",
                "SNMP-TARGET-MIB::snmpTargetAddrTAddress" + name, "x", "7F000001" + port,
                "SNMP-TARGET-MIB::snmpTargetAddrTagList" + name, "s", "nms2",
                "SNMP-TARGET-MIB::snmpTargetAddrParams" + name, "s", "nms2",
                "SNMP-TARGET-MIB::snmpTargetAddrRowStatus" + name, "i", "4");
        assertSetOk("SNMP-NOTIFICATION-MIB::snmpNotifyTag" + name, "s", "nms2",
                "SNMP-NOTIFICATION-MIB::snmpNotifyType" + name, "i", "1",
                "SNMP-NOTIFICATION-MIB::snmpNotifyRowStatus" + name, "i", "4");
        f.platform().setLink("tst0", true);
        awaitNotification(out, V3, "IPMP-MIB::ipmpLinkUp", 2);
        awaitNotification(out, INFORM, "IPMP-MIB::ipmpLinkUp", 1);
        awaitNotification(out, V3, "IF-MIB::linkUp", 2);

        // offline and back by SNMP: the configuration change, administrative moves and repair, and
        // the group's change naming the member
        Await.until("tst0 repaired", () -> f.ipmpstat("-i", "INTERFACE,STATE").contains("tst0:ok"));
        int configs = matching(notifications(out), V3, "IPMP-MIB::ipmpInterfaceConfigChange").size();
        int repairs = matching(notifications(out), V3, "IPMP-MIB::ipmpInterfaceRepaired").size();
        assertSetOk("IPMP-MIB::ipmpIfOffline.3", "i", "1");
        awaitNotification(out, V3, "IPMP-MIB::ipmpInterfaceConfigChange", configs + 1);
        String offline = matching(notifications(out), V3, "IPMP-MIB::ipmpInterfaceConfigChange").get(configs);
        assertTrue(offline.contains("IPMP-MIB::ipmpIfName.3 = STRING: tst1\tIPMP-MIB::ipmpNotifyGroupName.0 = STRING: g0\t"
                + "IPMP-MIB::ipmpNotifyConfigChange.0 = INTEGER: offline(5)\tIPMP-MIB::ipmpIfStandby.3 = INTEGER: false(2)\t"
                + "IPMP-MIB::ipmpIfOffline.3 = INTEGER: true(1)\tIPMP-MIB::ipmpIfState.3 = INTEGER: offline(3)"), offline);
        awaitLine(out, V3, "IPMP-MIB::ipmpAddressMoved", "IPMP-MIB::ipmpNotifyMoveReason.0 = INTEGER: administrative(3)",
                "IPMP-MIB::ipmpNotifyFromIfName.0 = STRING: tst1");
        awaitLine(out, V3, "IPMP-MIB::ipmpGroupStateChange", "IPMP-MIB::ipmpNotifyGroupEvent.0 = INTEGER: degraded(3)",
                "IPMP-MIB::ipmpNotifyIfName.0 = STRING: tst1");
        assertSetOk("IPMP-MIB::ipmpIfOffline.3", "i", "2");
        awaitNotification(out, V3, "IPMP-MIB::ipmpInterfaceConfigChange", configs + 2);
        assertTrue(matching(notifications(out), V3, "IPMP-MIB::ipmpInterfaceConfigChange").stream()
                .anyMatch(l -> l.contains("IPMP-MIB::ipmpNotifyConfigChange.0 = INTEGER: online(6)")));
        awaitNotification(out, V3, "IPMP-MIB::ipmpInterfaceRepaired", repairs + 1);
        awaitLine(out, V3, "IPMP-MIB::ipmpInterfaceRepaired", "IPMP-MIB::ipmpIfName.3 = STRING: tst1",
                "IPMP-MIB::ipmpNotifyDetection.0 = INTEGER: administrative(4)");

        // ipmpNotificationTypes: linkDown(0) cleared silences ipmpLinkDown only; written back
        assertSetError("wrongValue", "IPMP-MIB::ipmpNotificationTypes.0", "x", "FFE0");
        assertSetOk("IPMP-MIB::ipmpNotificationTypes.0", "x", "7FC0");
        assertTrue(f.read(SnmpAgent.STATE_FILE).contains("notification-types=linkUp,interfaceFailed,interfaceRepaired,"
                + "groupStateChange,addressMoved,fdtChanged,interfaceConfigChange,probingChange,targetChange"),
                f.read(SnmpAgent.STATE_FILE));
        assertEquals(0x3FE, SnmpAgent.readNotificationTypes(f.configDir), "read back: every type but linkDown (bit 0)");
        int ipmpDowns = matching(notifications(out), V3, "IPMP-MIB::ipmpLinkDown").size();
        int ifDowns = matching(notifications(out), V3, "IF-MIB::linkDown").size();
        f.platform().setLink("tst2", false);
        awaitNotification(out, V3, "IF-MIB::linkDown", ifDowns + 1);
        awaitLine(out, V3, "IPMP-MIB::ipmpInterfaceFailed", "IPMP-MIB::ipmpIfName.4 = STRING: tst2");
        Thread.sleep(300);
        assertEquals(ipmpDowns, matching(notifications(out), V3, "IPMP-MIB::ipmpLinkDown").size(), "ipmpLinkDown is off");
        int ipmpUps = matching(notifications(out), V3, "IPMP-MIB::ipmpLinkUp").size();
        f.platform().setLink("tst2", true);
        awaitNotification(out, V3, "IPMP-MIB::ipmpLinkUp", ipmpUps + 1);
        assertSetOk("IPMP-MIB::ipmpNotificationTypes.0", "x", "FFC0");

        // tst2's test address made a duplicate of tst0's: probing disabled on tst2, the address as InetAddress
        Await.until("tst2 repaired", () -> f.ipmpstat("-i", "INTERFACE,STATE").contains("tst2:ok"));
        f.daemon.loop().call(() -> {
            f.daemon.loop().engine().removeTestAddress("tst2", ipmpd.engine.Family.INET);
            f.daemon.loop().engine().addTestAddress("tst2", ipmpd.engine.Family.INET,
                    java.net.InetAddress.getByName("192.0.2.11"), 24);
            return null;
        });
        String dup = awaitLine(out, V3, "IPMP-MIB::ipmpProbingChange",
                "IPMP-MIB::ipmpNotifyProbingChange.0 = INTEGER: duplicateTestAddress(2)");
        assertTrue(dup.contains("IPMP-MIB::ipmpIfName.4 = STRING: tst2\tIPMP-MIB::ipmpIfGroupName.4 = STRING: g0\t"
                + "IPMP-MIB::ipmpIfProbeState.4 = INTEGER: disabled(4)\t"
                + "IPMP-MIB::ipmpNotifyProbingChange.0 = INTEGER: duplicateTestAddress(2)\t"
                + "IPMP-MIB::ipmpNotifyAddressType.0 = INTEGER: ipv4(1)\tIPMP-MIB::ipmpNotifyAddress.0 = "), dup);
        f.daemon.loop().call(() -> {
            f.daemon.loop().engine().removeTestAddress("tst2", ipmpd.engine.Family.INET);
            f.daemon.loop().engine().addTestAddress("tst2", ipmpd.engine.Family.INET,
                    java.net.InetAddress.getByName("192.0.2.31"), 24);
            return null;
        });
        awaitLine(out, V3, "IPMP-MIB::ipmpProbingChange", "IPMP-MIB::ipmpIfName.4 = STRING: tst2",
                "IPMP-MIB::ipmpNotifyProbingChange.0 = INTEGER: testAddressUnique(5)");

        // ipmpNotificationsEnabled=false silences IPMP-MIB, not the standard linkUp/linkDown
        assertSetOk("IPMP-MIB::ipmpNotificationsEnabled.0", "i", "2");
        assertTrue(f.read(SnmpAgent.STATE_FILE).contains("notifications=no"), f.read(SnmpAgent.STATE_FILE));
        int before = matching(notifications(out), V3, "IPMP-MIB::ipmpLinkDown").size();
        f.platform().setLink("tst1", false);
        awaitNotification(out, V3, "IF-MIB::linkDown", 3);
        Thread.sleep(300);
        assertEquals(before, matching(notifications(out), V3, "IPMP-MIB::ipmpLinkDown").size());
    }

    private static final String V3_INFORM = "INFORM, SNMP v3, user " + SnmpFixture.TRAP;

    /**
     * A destination created with snmpset in SNMP-TARGET-MIB / SNMP-NOTIFICATION-MIB, v3 informs
     * (SHA-256, AES) to a real snmptrapd: every inform is received with its content and
     * acknowledged at the first try (the agent discovers snmptrapd's engine ID); the rows are in
     * the root-only destinations file as soon as the SET is answered, and come back after a restart.
     */
    /** A real snmptrapd with {@code conf} on 127.0.0.1:port, printing each notification into {@code file}; once it is up. */
    /** An snmpTargetParamsEntry (IMPLIED index {@code name}) for the trap user: v3, USM, authPriv. */
    private void createTrapParams(String name) throws Exception {
        assertSetOk("SNMP-TARGET-MIB::snmpTargetParamsMPModel" + name, "i", "3",
                "SNMP-TARGET-MIB::snmpTargetParamsSecurityModel" + name, "i", "3",
                "SNMP-TARGET-MIB::snmpTargetParamsSecurityName" + name, "s", SnmpFixture.TRAP,
                "SNMP-TARGET-MIB::snmpTargetParamsSecurityLevel" + name, "i", "3",
                "SNMP-TARGET-MIB::snmpTargetParamsRowStatus" + name, "i", "4");
    }

    private Path startTrapReceiver(Path conf, int trapPort, String file) throws Exception {
        Path out = f.root.resolve(file);
        List<String> cmd = new ArrayList<>(List.of("snmptrapd", "-f", "-Lo", "-C", "-c", conf.toString()));
        cmd.addAll(f.mibs());
        cmd.addAll(List.of("-F", "NOTIFY %P | %v\n", "udp:127.0.0.1:" + trapPort));
        f.spawn(cmd, out);
        Await.until("snmptrapd up", () -> {
            try {
                return Files.exists(out) && Files.readString(out).contains("NET-SNMP version");
            } catch (Exception e) {
                return false;
            }
        });
        return out;
    }

    /**
     * ipmpIfStandby true on a member that hosts a data address (seed 003) moves it as ipmpadm
     * IF standby does, through the engine: an ipmpAddressMoved (administrative) names both members,
     * and the move is what the configuration files record.
     */
    @Test
    void standbyBySnmpMovesTheDataAddressThroughTheEngineAndPersistsIt() throws Exception {
        int trapPort = SnmpFixture.freePort();
        f = SnmpFixture.prepare(Map.of("snmp.trap.nms", "udp:127.0.0.1/" + trapPort + " v3 " + SnmpFixture.TRAP));
        String engineId = "8001869f050102030405060708090a0b0d";
        f.write(SnmpEngineFile.NAME, "engine-id=" + engineId + "\nboots=3\n");
        Path conf = f.root.resolve("snmptrapd.conf");
        Files.writeString(conf, "createUser -e 0x" + engineId + " " + SnmpFixture.TRAP + " SHA-256 "
                + SnmpFixture.TRAP_AUTH + " AES " + SnmpFixture.TRAP_PRIV + "\nauthUser log " + SnmpFixture.TRAP + "\n");
        Path out = startTrapReceiver(conf, trapPort, "traps.txt");
        f.start();
        awaitNotification(out, V3, "SNMPv2-MIB::coldStart", 1);
        f.awaitProbesOk();
        assertTrue(f.ipmpstat("-a", "ADDRESS,INBOUND").contains("192.0.2.10:tst0"), f.ipmpstat("-a", "ADDRESS,INBOUND").toString());

        assertSetOk("IPMP-MIB::ipmpIfStandby.2", "i", "1");
        String moved = awaitLine(out, V3, "IPMP-MIB::ipmpAddressMoved", "IPMP-MIB::ipmpNotifyFromIfName.0 = STRING: tst0");
        // tst2 hosts no data address of its own: the engine's choice for a standby's addresses
        assertTrue(moved.contains("IPMP-MIB::ipmpNotifyAddressType.0 = INTEGER: ipv4(1)\t"
                + "IPMP-MIB::ipmpNotifyAddress.0 = Hex-STRING: C0 00 02 0A \tIPMP-MIB::ipmpGroupName.1 = STRING: g0\t"
                + "IPMP-MIB::ipmpNotifyMoveReason.0 = INTEGER: administrative(3)\tIPMP-MIB::ipmpNotifyFromIfIndex.0 = INTEGER: 2\t"
                + "IPMP-MIB::ipmpNotifyFromIfName.0 = STRING: tst0\tIPMP-MIB::ipmpNotifyToIfIndex.0 = INTEGER: 4"
                + "\tIPMP-MIB::ipmpNotifyToIfName.0 = STRING: tst2"), moved);
        assertTrue(f.ipmpstat("-a", "ADDRESS,INBOUND").contains("192.0.2.10:tst2"), f.ipmpstat("-a", "ADDRESS,INBOUND").toString());
        // persisted as one commit: tst0 standby without the address, tst2 its new home
        String h0 = f.read("hostname.tst0");
        assertTrue(h0.contains("standby") && !h0.contains("192.0.2.10"), h0);
        assertTrue(f.read("hostname.tst2").contains("192.0.2.10/24"), f.read("hostname.tst2"));
        assertEquals(1, matching(notifications(out), V3, "IPMP-MIB::ipmpAddressMoved").size(),
                "one address, one move: " + notifications(out));

        // what the files hold is what a restart runs
        f.restart();
        f.awaitProbesOk();
        assertTrue(f.ipmpstat("-a", "ADDRESS,INBOUND").contains("192.0.2.10:tst2"), f.ipmpstat("-a", "ADDRESS,INBOUND").toString());
        assertTrue(f.ipmpstat("-i", "INTERFACE,FLAGS").stream().anyMatch(l -> l.startsWith("tst0:") && l.substring(5).contains("s")),
                f.ipmpstat("-i", "INTERFACE,FLAGS").toString());
    }

    @Test
    void destinationsSetThroughSnmpGetV3InformsAndSurviveARestart() throws Exception {
        int trapPort = SnmpFixture.freePort();
        f = SnmpFixture.prepare(Map.of());
        Path conf = f.root.resolve("snmptrapd.conf");
        // an inform's receiver is the authoritative engine: the user is localized to snmptrapd's own engine ID
        Files.writeString(conf, "createUser " + SnmpFixture.TRAP + " SHA-256 " + SnmpFixture.TRAP_AUTH + " AES "
                + SnmpFixture.TRAP_PRIV + "\nauthUser log " + SnmpFixture.TRAP + "\n");
        Path out = startTrapReceiver(conf, trapPort, "informs.txt");
        f.start();
        f.awaitProbesOk();

        String name = ".105.110.102"; // 'inf' (IMPLIED index)
        createTrapParams(name);
        assertSetOk("SNMP-TARGET-MIB::snmpTargetAddrTDomain" + name, "o", "1.3.6.1.6.1.1",
                "SNMP-TARGET-MIB::snmpTargetAddrTAddress" + name, "x", "7F000001" + String.format("%04X", trapPort),
                "SNMP-TARGET-MIB::snmpTargetAddrTimeout" + name, "i", "100",
                "SNMP-TARGET-MIB::snmpTargetAddrRetryCount" + name, "i", "3",
                "SNMP-TARGET-MIB::snmpTargetAddrTagList" + name, "s", "inf",
                "SNMP-TARGET-MIB::snmpTargetAddrParams" + name, "s", "inf",
                "SNMP-TARGET-MIB::snmpTargetAddrRowStatus" + name, "i", "4");
        assertSetOk("SNMP-NOTIFICATION-MIB::snmpNotifyTag" + name, "s", "inf",
                "SNMP-NOTIFICATION-MIB::snmpNotifyType" + name, "i", "2",
                "SNMP-NOTIFICATION-MIB::snmpNotifyRowStatus" + name, "i", "4");

        // written before the last SET was answered, readable by root only
        Path file = f.configDir.resolve(SnmpDestinations.FILE);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        List<String> rows = Files.readAllLines(file).stream().filter(l -> !l.startsWith("#")).toList();
        String trapUser = java.util.HexFormat.of().formatHex(SnmpFixture.TRAP.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(List.of("params 696e66 3 3 " + trapUser + " 3 3",
                "addr 696e66 1.3.6.1.6.1.1 7f000001" + String.format("%04x", trapPort) + " 100 3 696e66 696e66 3",
                "notify 696e66 696e66 2 3"), rows);

        f.platform().setLink("tst0", false);
        awaitNotification(out, V3_INFORM, "IF-MIB::linkDown", 1);
        awaitNotification(out, V3_INFORM, "IPMP-MIB::ipmpInterfaceFailed", 1);
        awaitNotification(out, V3_INFORM, "IPMP-MIB::ipmpGroupStateChange", 1);
        String failed = matching(notifications(out), V3_INFORM, "IPMP-MIB::ipmpInterfaceFailed").get(0);
        assertTrue(failed.contains("IPMP-MIB::ipmpIfName.2 = STRING: tst0\tIPMP-MIB::ipmpIfGroupName.2 = STRING: g0\t"
                + "IPMP-MIB::ipmpIfState.2 = INTEGER: failed(2)"), failed);
        assertTrue(failed.endsWith("IPMP-MIB::ipmpNotifyDetection.0 = INTEGER: link(1)"), failed);
        // every inform received is acknowledged, none is left unacknowledged (how many needed a
        // retransmission depends on how busy the machine is: reported, not asserted)
        int received = notifications(out).size();
        Await.until(() -> "every inform acknowledged: " + f.agent.informCounts(), () -> {
            NotifySession.InformCounts c = f.agent.informCounts();
            return c.acknowledged() >= received && c.unacknowledged() == 0;
        });
        System.out.println("SnmpAgentTest: informs " + f.agent.informCounts() + ", " + received + " received");

        // the rows come back with the daemon, and the destination gets the notifications of the new run
        f.restart();
        awaitNotification(out, V3_INFORM, "SNMPv2-MIB::coldStart", 1);
        Map<String, String> row = parse(f.snmp("snmpget", SnmpFixture.RW, "SNMP-TARGET-MIB::snmpTargetAddrRowStatus" + name,
                "SNMP-NOTIFICATION-MIB::snmpNotifyType" + name).out());
        assertEquals("active(1)", row.get("snmpTargetAddrRowStatus.'inf'"), row.toString());
        f.platform().setLink("tst1", false);
        awaitNotification(out, V3_INFORM, "IF-MIB::linkDown", 2);

        // destroying a row takes it out of the file
        assertSetOk("SNMP-NOTIFICATION-MIB::snmpNotifyRowStatus" + name, "i", "6");
        assertFalse(Files.readString(file).contains("notify "), Files.readString(file));
    }
}
