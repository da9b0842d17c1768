package ipmpd.agent.snmp;

import ipmpd.testkit.TempDirs;
import ipmpd.agent.snmp.LiveObjects.ObjectDef;
import ipmpd.engine.Flags;
import ipmpd.engine.Vocabulary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snmp4j.smi.OID;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent implements every object of mib/IPMP-MIB.txt and nothing else: names, OIDs, MAX-ACCESS,
 * tables and their INDEX, notifications and their OBJECTS, and every enumeration the agent sends
 * (through Vocabulary or its own constants), all compared with the MIB file itself; the OIDs are
 * checked against net-snmp's own parse of the module too.
 */
class SnmpMibConformanceTest {
    private static MibFile mib;

    @BeforeAll
    static void load() throws IOException {
        mib = MibFile.load(SnmpFixture.MIB_DIR.resolve("IPMP-MIB.txt"));
    }

    @Test
    void everyObjectAndOnlyThose() {
        Set<String> inMib = new TreeSet<>();
        for (MibFile.ObjectType o : mib.objects().values()) {
            if (o.isScalarOrColumn()) {
                inMib.add(o.name() + " " + o.oid() + " " + o.access());
            }
        }
        Set<String> implemented = new TreeSet<>();
        for (ObjectDef d : IpmpMib.OBJECTS_DEFS) {
            implemented.add(d.name() + " " + d.oid() + " " + d.access().mib);
        }
        assertEquals(inMib, implemented);
    }

    /**
     * IF-MIB: ifNumber and every column of ifTable and ifXTable, deprecated ones included (an NMS
     * that still asks for ifInNUcastPkts or ifSpecific gets an answer, as from snmpd).
     */
    @Test
    void everyColumnOfIfTableAndIfXTable() throws IOException {
        MibFile ifMib = MibFile.load(SnmpFixture.STANDARD_MIBS.resolve("IF-MIB.txt"));
        OID ifEntry = new OID("1.3.6.1.2.1.2.2.1");
        OID ifXEntry = new OID("1.3.6.1.2.1.31.1.1.1");
        Set<String> inMib = new TreeSet<>();
        for (MibFile.ObjectType o : ifMib.objects().values()) {
            OID parent = o.oid().size() > 1 ? new OID(o.oid().getValue(), 0, o.oid().size() - 1) : o.oid();
            // ifNumber and ifTableLastChange: the scalars of ifGeneralInformationGroup (mandatory)
            if (o.name().equals("ifNumber") || o.name().equals("ifTableLastChange") || parent.equals(ifEntry)
                    || parent.equals(ifXEntry)) {
                inMib.add(o.name() + " " + o.oid());
            }
        }
        assertEquals(22 + 19 + 2, inMib.size(), "IF-MIB as RFC 2863 defines it: " + inMib);
        Set<String> implemented = new TreeSet<>();
        for (ObjectDef d : IfMib.objects()) {
            implemented.add(d.name() + " " + d.oid());
        }
        assertEquals(inMib, implemented);
    }

    @Test
    void tablesAndTheirIndexes() {
        Set<String> inMib = new TreeSet<>();
        for (MibFile.ObjectType t : mib.objects().values()) {
            if (!t.isTable()) {
                continue;
            }
            for (MibFile.ObjectType e : mib.objects().values()) {
                if (e.isEntry() && e.oid().equals(new OID(t.oid()).append(1))) {
                    inMib.add(t.name() + " " + e.name() + " " + e.oid() + " " + e.index());
                }
            }
        }
        Set<String> implemented = new TreeSet<>();
        for (IpmpMib.TableDef t : IpmpMib.TABLE_DEFS) {
            implemented.add(t.name() + " " + t.entryName() + " " + t.entry() + " " + t.index());
        }
        assertEquals(inMib, implemented);
    }

    @Test
    void notificationsAndTheirObjects() {
        Set<String> inMib = new TreeSet<>();
        for (MibFile.Notification n : mib.notifications().values()) {
            inMib.add(n.name() + " " + n.oid() + " " + n.objects());
        }
        Set<String> implemented = new TreeSet<>();
        for (IpmpMib.NotificationDef n : IpmpMib.NOTIFICATION_DEFS) {
            implemented.add(n.name() + " " + n.oid() + " " + n.objects());
        }
        assertEquals(inMib, implemented);
        // every object a notification carries is one the agent defines
        for (IpmpMib.NotificationDef n : IpmpMib.NOTIFICATION_DEFS) {
            for (String o : n.objects()) {
                IpmpMib.object(o);
            }
        }
    }

    private static Map<String, Integer> vocabulary(List<Vocabulary.Term> terms) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Vocabulary.Term t : terms) {
            out.put(t.mibLabel(), t.mib());
        }
        return out;
    }

    private static Map<String, Integer> enumOf(String object) {
        return mib.objects().get(object).enumeration();
    }

    @Test
    void enumerationsMatchTheMib() {
        assertEquals(mib.convention("IpmpGroupOperState"), vocabulary(Vocabulary.GROUP_STATE));
        assertEquals(mib.convention("IpmpProbeMode"), vocabulary(Vocabulary.PROBE_MODE));
        assertEquals(enumOf("ipmpIfLinkState"), vocabulary(Vocabulary.LINK_STATE));
        assertEquals(enumOf("ipmpIfProbeState"), vocabulary(Vocabulary.PROBE_STATE));
        assertEquals(enumOf("ipmpIfState"), vocabulary(Vocabulary.INTERFACE_STATE));
        assertEquals(enumOf("ipmpTargetMode"), vocabulary(Vocabulary.TARGET_ORIGIN));
        assertEquals(enumOf("ipmpTargetStatus"), vocabulary(Vocabulary.TARGET_STATUS));
        assertEquals(enumOf("ipmpAddrState"), vocabulary(Vocabulary.ADDRESS_STATE));
        assertEquals(enumOf("ipmpNotifyMoveReason"), vocabulary(Vocabulary.MOVE_REASON));
        assertEquals(new TreeMap<>(enumOf("ipmpNotifyDetection")), new TreeMap<>(IpmpMib.DETECTION));
        assertEquals(new TreeMap<>(enumOf("ipmpNotifyGroupEvent")), new TreeMap<>(IpmpMib.GROUP_EVENT));
        assertEquals(new TreeMap<>(enumOf("ipmpNotifyFdtReason")), new TreeMap<>(IpmpMib.FDT_REASON));
        assertEquals(enumOf("ipmpNotifyConfigChange"), vocabulary(Vocabulary.CONFIG_CHANGE));
        Map<String, Integer> cause = new java.util.LinkedHashMap<>(Map.of("none", IpmpMib.CAUSE_NONE));
        cause.putAll(IpmpMib.DETECTION);
        assertEquals(new TreeMap<>(mib.convention("IpmpFailureCause")), new TreeMap<>(cause));
        assertEquals("IpmpGroupOperState", mib.objects().get("ipmpNotifyPrevGroupState").syntax());
        assertEquals("IpmpGroupOperState", mib.objects().get("ipmpGroupState").syntax());
        assertEquals("IpmpProbeMode", mib.objects().get("ipmpIfProbeModeIPv4").syntax());
    }

    @Test
    void flagBitsAreTheFlagWord() {
        Map<String, Integer> bits = mib.convention("IpmpInterfaceFlags");
        assertEquals(Flags.NAMES.size(), bits.size());
        for (int n = 0; n < Flags.NAMES.size(); n++) {
            String flag = Flags.NAMES.get(n).replace("_", "").toLowerCase(Locale.ROOT);
            String bit = null;
            for (Map.Entry<String, Integer> e : bits.entrySet()) {
                if (e.getValue() == n) {
                    bit = e.getKey().toLowerCase(Locale.ROOT);
                }
            }
            assertEquals(flag, bit, "bit " + n);
        }
        // the MIB's own examples: up(0) is 0x1 ... ipmp(39) is 0x8000000000
        assertEquals("80:00:00:00:00", IpmpMib.flagBits(Flags.UP).toHexString());
        assertEquals("02:00:00:00:00", IpmpMib.flagBits(Flags.RUNNING).toHexString());
        assertEquals("00:00:00:01:00", IpmpMib.flagBits(Flags.OFFLINE).toHexString());
        assertEquals("00:00:00:00:01", IpmpMib.flagBits(Flags.IPMP).toHexString());
        assertEquals("00:00:00:10:00", IpmpMib.flagBits(Flags.NOFAILOVER).toHexString());
        // ipmpIfStatusFlags follows ipmpstat's FLAGS letters in order
        List<String> status = new ArrayList<>(enumOf("ipmpIfStatusFlags").keySet());
        assertEquals(List.of("inactive", "standby", "ipv4MulticastNominee", "ipv4BroadcastNominee",
                "ipv6MulticastNominee", "noUpAddress", "duplicateHwAddress"), status);
        assertEquals("80", IpmpMib.statusBits("i------").toHexString());
        assertEquals("30", IpmpMib.statusBits("--mb---").toHexString());
        assertEquals("02", IpmpMib.statusBits("------h").toHexString());
    }

    /** net-snmp's parse of the module agrees with the OIDs the agent uses. */
    @Test
    void netSnmpAgreesOnTheOids() throws Exception {
        Path tmp = Files.createTempDirectory("ipmpd-snmptranslate");
        try {
            ProcessBuilder pb = new ProcessBuilder("snmptranslate", "-M", SnmpFixture.STANDARD_MIBS + ":" + SnmpFixture.MIB_DIR,
                    "-m", "IPMP-MIB", "-Tz");
            pb.environment().put("SNMP_PERSISTENT_DIR", tmp.toString());
            pb.environment().put("SNMPCONFPATH", tmp.toString());
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            Map<String, String> tz = new TreeMap<>();
            Matcher m = Pattern.compile("\"(\\w+)\"\\s+\"([0-9.]+)\"").matcher(out);
            while (m.find()) {
                if (m.group(2).startsWith("1.3.6.1.4.1.99999.")) {
                    tz.put(m.group(1), m.group(2));
                }
            }
            for (ObjectDef d : IpmpMib.OBJECTS_DEFS) {
                assertEquals(tz.get(d.name()), d.oid().toString(), d.name());
            }
            for (IpmpMib.NotificationDef n : IpmpMib.NOTIFICATION_DEFS) {
                assertEquals(tz.get(n.name()), n.oid().toString(), n.name());
            }
        } finally {
            TempDirs.deleteTree(tmp);
        }
    }
}
