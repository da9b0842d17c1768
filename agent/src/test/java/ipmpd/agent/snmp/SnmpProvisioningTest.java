package ipmpd.agent.snmp;

import ipmpd.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an NMS builds on, with the real net-snmp tools against the agent in-process: group rows
 * keep their index across restarts and configuration rewrites; standby moves data addresses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SnmpProvisioningTest {
    private SnmpFixture f;

    @AfterEach
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private Map<String, String> get(String... oids) throws Exception {
        return f.readOnly("snmpget", oids);
    }

    private Map<String, String> walk(String root) throws Exception {
        return f.readOnly("snmpwalk", root);
    }

    private void setOk(String... args) throws Exception {
        f.setOk(args);
    }

    private String indexNext() throws Exception {
        return get("IPMP-MIB::ipmpGroupIndexNext.0").get("ipmpGroupIndexNext.0");
    }

    /** ipmpGroupName.N -> name (without quotes). */
    private Map<String, String> groupNames() throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        walk("IPMP-MIB::ipmpGroupName").forEach((k, v) -> out.put(k, v.replace("\"", "")));
        return out;
    }

    @Test
    void groupRowsKeepTheirIndexAcrossRestartsAndRewrites() throws Exception {
        f = SnmpFixture.standard(Map.of());
        assertEquals(Map.of("ipmpGroupName.1", "g0"), groupNames());
        // "app" sorts before g0: without kept indexes a restart would make it row 1
        String app = indexNext();
        assertEquals("2", app);
        setOk("IPMP-MIB::ipmpGroupName." + app, "s", "app", "IPMP-MIB::ipmpGroupRowStatus." + app, "i", "4");
        f.restart();
        assertEquals(Map.of("ipmpGroupName.1", "g0", "ipmpGroupName.2", "app"), groupNames());
        // (written by a thread of its own; the members' group may appear a moment after ipmp.conf's)
        Await.until("snmp-group-index names g0 and app", () -> {
            try {
                String kept = f.read(GroupIndexFile.NAME);
                return kept.contains("group 1 g0\n") && kept.contains("group 2 app\n");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        // a destroyed group's index is not given to the next group, not even after a restart
        setOk("IPMP-MIB::ipmpGroupRowStatus.2", "i", "6");
        f.restart();
        assertEquals("3", indexNext());
        assertEquals(Map.of("ipmpGroupName.1", "g0"), groupNames());

        // the configuration rewritten while the daemon is down: a new group "aaa" in ipmp.conf and
        // "app" back: g0 keeps row 1, app gets its old row 2, aaa a new one
        f.stopDaemon();
        f.write("ipmp.conf", f.read("ipmp.conf") + "group aaa\ngroup app\n");
        f.start();
        assertEquals(Map.of("ipmpGroupName.1", "g0", "ipmpGroupName.2", "app", "ipmpGroupName.3", "aaa"),
                groupNames());
        assertEquals("1", get("IPMP-MIB::ipmpIfGroupIndex." + ifIndex("tst0")).get("ipmpIfGroupIndex." + ifIndex("tst0")));

        // a file that cannot be read: logged, and indexes start afresh (the agent still runs)
        f.stopDaemon();
        f.write(GroupIndexFile.NAME, "next 4\ngroup x g0\ngroup 7 g0\n");
        f.start();
        assertTrue(f.logged.stream().anyMatch(l -> l.contains(GroupIndexFile.NAME) && l.contains("line 2 ignored")),
                f.logged.toString());
        assertEquals("7", get("IPMP-MIB::ipmpIfGroupIndex." + ifIndex("tst0")).get("ipmpIfGroupIndex." + ifIndex("tst0")));
    }

    private String ifIndex(String name) throws Exception {
        Map<String, String> w = walk("IPMP-MIB::ipmpIfName");
        return w.entrySet().stream().filter(e -> e.getValue().equals("\"" + name + "\"") || e.getValue().equals(name))
                .map(e -> e.getKey().substring("ipmpIfName.".length())).findFirst()
                .orElseThrow(() -> new AssertionError(name + " in " + w));
    }

    private void setError(String error, String... args) throws Exception {
        SnmpFixture.Run r = f.snmp("snmpset", SnmpFixture.RW, args);
        assertTrue(r.exit() != 0 && r.err().contains(error), r.toString());
    }

    @Test
    void standbyOnAMemberWithDataAddressesMovesThem() throws Exception {
        f = SnmpFixture.standard(Map.of());
        f.awaitProbesOk();
        String tst0 = ifIndex("tst0");
        assertTrue(f.ipmpstat("-a", "ADDRESS,INBOUND").contains("192.0.2.10:tst0"), f.ipmpstat("-a", "ADDRESS,INBOUND").toString());
        setOk("IPMP-MIB::ipmpIfStandby." + tst0, "i", "1");
        // tst2 (no data address of its own) takes it, as the engine's setStandby chooses for ipmpadm
        Await.until("192.0.2.10 on tst2", () -> f.ipmpstat("-a", "ADDRESS,INBOUND").contains("192.0.2.10:tst2"));
        assertEquals("true(1)", get("IPMP-MIB::ipmpIfStandby." + tst0).get("ipmpIfStandby." + tst0));
        String h0 = f.read("hostname.tst0");
        assertTrue(h0.contains("standby") && !h0.contains("192.0.2.10"), h0);
        assertTrue(f.read("hostname.tst2").contains("192.0.2.10"), f.read("hostname.tst2"));
        String addr = "IPMP-MIB::ipmpAddrCurrentIfIndex.1.4.192.0.2.10";
        assertEquals(ifIndex("tst2"), get(addr).values().iterator().next());

        // tst1 and tst2 standby in one PDU: nobody left who may own the data addresses: refused, nothing changes
        List<String> before = f.ipmpstat("-a", "ADDRESS,INBOUND");
        setError("inconsistentValue", "IPMP-MIB::ipmpIfStandby." + ifIndex("tst1"), "i", "1",
                "IPMP-MIB::ipmpIfStandby." + ifIndex("tst2"), "i", "1");
        assertEquals(before, f.ipmpstat("-a", "ADDRESS,INBOUND"));
        assertFalse(f.read("hostname.tst1").contains("standby"), f.read("hostname.tst1"));
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("no other member of g0 that is not standby")),
                f.logged.toString());
    }

    @Test
    void systemGroupAsSnmpdGivesIt() throws Exception {
        f = SnmpFixture.standard(Map.of());
        Map<String, String> sys = get("SNMPv2-MIB::sysName.0", "SNMPv2-MIB::sysContact.0", "SNMPv2-MIB::sysLocation.0",
                "SNMPv2-MIB::snmpEnableAuthenTraps.0");
        assertEquals(SystemGroup.hostName(), sys.get("sysName.0"), sys.toString());
        assertEquals("disabled(2)", sys.get("snmpEnableAuthenTraps.0"), "off by default, as in snmpd");
        Map<String, String> or = walk("SNMPv2-MIB::sysORID");
        for (String mib : List.of("SNMPv2-MIB::snmpMIB", "IF-MIB::ifMIB", "IPMP-MIB::ipmpMIB",
                "SNMP-FRAMEWORK-MIB::snmpFrameworkMIB", "SNMP-TARGET-MIB::snmpTargetMIB",
                "SNMP-NOTIFICATION-MIB::snmpNotificationMIB")) {
            assertTrue(or.containsValue(mib), mib + " in " + or);
        }
        // forged packets while disabled: no authenticationFailure at all
        for (int i = 0; i < 3; i++) {
            SnmpFixture.Run forged = f.run(List.of("snmpget", "-v3", "-l", "authPriv", "-u", SnmpFixture.RW, "-a", "SHA-512",
                    "-A", "not-the-password", "-x", "AES", "-X", "not-the-password", "-t", "1", "-r", "0", f.target(),
                    "1.3.6.1.2.1.1.5.0"), 15);
            assertTrue(forged.err().contains("Authentication failure"), forged.toString());
        }
        assertEquals(0, f.agent.authFailuresSuppressed());

        // written by a read-write user (not a read-only one), kept across a restart
        SnmpFixture.Run ro = f.snmp("snmpset", SnmpFixture.RO, "SNMPv2-MIB::sysContact.0", "s", "x");
        assertTrue(ro.exit() != 0, ro.toString());
        setOk("SNMPv2-MIB::sysContact.0", "s", "noc@example.net", "SNMPv2-MIB::sysLocation.0", "s", "rack 4, row \\ 2",
                "SNMPv2-MIB::snmpEnableAuthenTraps.0", "i", "1");
        f.restart();
        sys = get("SNMPv2-MIB::sysContact.0", "SNMPv2-MIB::sysLocation.0", "SNMPv2-MIB::snmpEnableAuthenTraps.0");
        assertEquals("noc@example.net", sys.get("sysContact.0"), sys.toString());
        assertEquals("rack 4, row \\ 2", sys.get("sysLocation.0"), sys.toString());
        assertEquals("enabled(1)", sys.get("snmpEnableAuthenTraps.0"));
        // enabled: a flood of forged packets gives a few notifications, the rest are counted, not sent
        // (each tool run is one failure; the limit lets 3 through, then one a second: keep forging until one is held)
        for (int i = 0; i < 60 && f.agent.authFailuresSuppressed() == 0; i++) {
            f.run(List.of("snmpget", "-v3", "-l", "authPriv", "-u", SnmpFixture.RW, "-a", "SHA-512",
                    "-A", "not-the-password", "-x", "AES", "-X", "not-the-password", "-t", "1", "-r", "0", f.target(),
                    "1.3.6.1.2.1.1.5.0"), 15);
        }
        assertTrue(f.agent.authFailuresSuppressed() > 0, "forged requests beyond the burst are held back");

        // set in agent.conf: that value, read-only (notWritable), as snmpd's syslocation
        f.stopDaemon();
        f.settings.put(SnmpSettings.SYS_LOCATION, "Building 7");
        f.start();
        assertEquals("Building 7", get("SNMPv2-MIB::sysLocation.0").get("sysLocation.0"));
        setError("notWritable", "SNMPv2-MIB::sysLocation.0", "s", "elsewhere");
        assertEquals("noc@example.net", get("SNMPv2-MIB::sysContact.0").get("sysContact.0"));
    }

    /** A v2c trap destination created in SNMP-TARGET-MIB with its community as security name sends (to a real snmptrapd). */
    @Test
    void aV2cDestinationCreatedThroughSnmpTargetMibSends() throws Exception {
        int trapPort = SnmpFixture.freePort();
        f = SnmpFixture.prepare(Map.of());
        java.nio.file.Path conf = f.root.resolve("snmptrapd.conf");
        java.nio.file.Files.writeString(conf, "authCommunity log nmspublic\n");
        java.nio.file.Path out = f.root.resolve("traps.txt");
        List<String> cmd = new java.util.ArrayList<>(List.of("snmptrapd", "-f", "-Lo", "-C", "-c", conf.toString()));
        cmd.addAll(f.mibs());
        cmd.addAll(List.of("-F", "NOTIFY %P | %v\n", "udp:127.0.0.1:" + trapPort));
        f.spawn(cmd, out);
        Await.until("snmptrapd up", () -> read(out).contains("NET-SNMP version"));
        f.start();
        f.awaitProbesOk();
        String name = ".118.50"; // 'v2' (IMPLIED index)
        setOk("SNMP-TARGET-MIB::snmpTargetParamsMPModel" + name, "i", "1",
                "SNMP-TARGET-MIB::snmpTargetParamsSecurityModel" + name, "i", "2",
                "SNMP-TARGET-MIB::snmpTargetParamsSecurityName" + name, "s", "nmspublic",
                "SNMP-TARGET-MIB::snmpTargetParamsSecurityLevel" + name, "i", "1",
                "SNMP-TARGET-MIB::snmpTargetParamsRowStatus" + name, "i", "4");
        setOk("SNMP-TARGET-MIB::snmpTargetAddrTDomain" + name, "o", "1.3.6.1.6.1.1",
                "SNMP-TARGET-MIB::snmpTargetAddrTAddress" + name, "x", "7F000001" + String.format("%04X", trapPort),
                "SNMP-TARGET-MIB::snmpTargetAddrTagList" + name, "s", "v2",
                "SNMP-TARGET-MIB::snmpTargetAddrParams" + name, "s", "v2",
                "SNMP-TARGET-MIB::snmpTargetAddrRowStatus" + name, "i", "4");
        setOk("SNMP-NOTIFICATION-MIB::snmpNotifyTag" + name, "s", "v2",
                "SNMP-NOTIFICATION-MIB::snmpNotifyType" + name, "i", "1",
                "SNMP-NOTIFICATION-MIB::snmpNotifyRowStatus" + name, "i", "4");
        f.platform().setLink("tst0", false);
        Await.until("linkDown and ipmpLinkDown at snmptrapd, community nmspublic", () -> {
            String t = read(out);
            return t.contains("community nmspublic") && t.contains("IF-MIB::linkDown")
                    && t.contains("IPMP-MIB::ipmpLinkDown");
        });
    }

    private static String read(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.exists(p) ? java.nio.file.Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * A NIC nobody configured (tst3) has its ipmpIfTable and ifTable rows, joins a group through
     * ipmpIfGroupName alone, and keeps its ifTable row when it leaves again.
     */
    @Test
    void anInterfaceNobodyConfiguredJoinsAGroupOverSnmp() throws Exception {
        f = SnmpFixture.prepare(Map.of());
        f.platformOptions.put("nics", "tst0,tst1,tst2,tst3");
        f.start();
        f.awaitProbesOk();
        String tst3 = ifIndex("tst3");
        Map<String, String> row = get("IPMP-MIB::ipmpIfGroupName." + tst3, "IPMP-MIB::ipmpIfGroupIndex." + tst3,
                "IF-MIB::ifDescr." + tst3, "IF-MIB::ifNumber.0");
        assertEquals("", row.get("ipmpIfGroupName." + tst3).replace("\"", ""), row.toString());
        assertEquals("0", row.get("ipmpIfGroupIndex." + tst3), row.toString());
        assertEquals("tst3", row.get("ifDescr." + tst3), row.toString());
        assertEquals("4", row.get("ifNumber.0"), row.toString());

        setOk("IPMP-MIB::ipmpIfGroupName." + tst3, "s", "g0");
        Await.until("tst3 in g0", () -> f.ipmpstat("-i", "INTERFACE,GROUP").contains("tst3:g0"));
        assertTrue(f.read("hostname.tst3").contains("group g0"), f.read("hostname.tst3"));
        assertEquals("1", get("IPMP-MIB::ipmpIfGroupIndex." + tst3).get("ipmpIfGroupIndex." + tst3));

        // out again: IF-MIB keeps the row (as snmpd), ipmpIfTable too (it could join again)
        setOk("IPMP-MIB::ipmpIfGroupName." + tst3, "s", "");
        Await.until("tst3 out of g0", () -> !f.ipmpstat("-i", "INTERFACE,GROUP").contains("tst3:g0"));
        row = get("IF-MIB::ifDescr." + tst3, "IF-MIB::ifNumber.0", "IPMP-MIB::ipmpIfName." + tst3,
                "IF-MIB::ifTableLastChange.0");
        assertEquals("(0) 0:00:00.00", row.get("ifTableLastChange.0"), "no row came or went: " + row);
        assertEquals("tst3", row.get("ifDescr." + tst3), row.toString());
        assertEquals("4", row.get("ifNumber.0"), row.toString());
        assertEquals("tst3", row.get("ipmpIfName." + tst3).replace("\"", ""), row.toString());
        // an index no interface has: still noCreation
        setError("noCreation", "IPMP-MIB::ipmpIfGroupName.999", "s", "g0");
    }

    /** One PDU moves a group's last member back and destroys the group: checked as a whole, whatever the varbind order. */
    @Test
    void oneSetMovesAMemberAndDestroysItsOldGroup() throws Exception {
        f = SnmpFixture.standard(Map.of());
        f.awaitProbesOk();
        String tst2 = ifIndex("tst2");
        String g1 = indexNext();
        setOk("IPMP-MIB::ipmpGroupName." + g1, "s", "g1", "IPMP-MIB::ipmpGroupRowStatus." + g1, "i", "4");
        setOk("IPMP-MIB::ipmpIfGroupName." + tst2, "s", "g1");
        Await.until("tst2 in g1", () -> f.ipmpstat("-i", "INTERFACE,GROUP").contains("tst2:g1"));
        // destroying g1 alone is refused: it has a member
        setError("inconsistentValue", "IPMP-MIB::ipmpGroupRowStatus." + g1, "i", "6");
        // the destroy first, the move second: the PDU as a whole leaves g1 empty
        setOk("IPMP-MIB::ipmpGroupRowStatus." + g1, "i", "6", "IPMP-MIB::ipmpIfGroupName." + tst2, "s", "g0");
        Await.until("tst2 back in g0, g1 gone", () -> f.ipmpstat("-i", "INTERFACE,GROUP").contains("tst2:g0")
                && f.ipmpstat("-g", "GROUP").equals(List.of("g0")));
        assertFalse(f.read("ipmp.conf").contains("g1"), f.read("ipmp.conf"));
        assertEquals(Map.of("ipmpGroupName.1", "g0"), groupNames());
        // moving into a group the same PDU destroys: refused, nothing changes
        String g2 = indexNext();
        setOk("IPMP-MIB::ipmpGroupName." + g2, "s", "g2", "IPMP-MIB::ipmpGroupRowStatus." + g2, "i", "4");
        setError("inconsistentValue", "IPMP-MIB::ipmpIfGroupName." + tst2, "s", "g2",
                "IPMP-MIB::ipmpGroupRowStatus." + g2, "i", "6");
        assertTrue(f.ipmpstat("-i", "INTERFACE,GROUP").contains("tst2:g0"));
        assertEquals(List.of("g0", "g2"), f.ipmpstat("-g", "GROUP").stream().sorted().toList());
    }

    /**
     * A member provisioned from scratch in one SET: an interface nobody configured joins g0 with a
     * test address and a data address (ipmpIfAddrTable, prefix lengths given); the data address is
     * removed again (removeif); the probe quiet period is written to mpathd.
     */
    @Test
    void addressesAndTheQuietPeriodAreProvisionedOverSnmp() throws Exception {
        f = SnmpFixture.prepare(Map.of());
        f.platformOptions.put("nics", "tst0,tst1,tst2,tst3");
        f.start();
        f.awaitProbesOk();
        // the configured addresses, as the hostname files say
        Map<String, String> rows = walk("IPMP-MIB::ipmpIfAddrTable");
        String tst0 = ifIndex("tst0");
        assertEquals("24", rows.get("ipmpIfAddrPrefixLength." + tst0 + ".ipv4.\"192.0.2.10\""), rows.toString());
        assertEquals("data(1)", rows.get("ipmpIfAddrUse." + tst0 + ".ipv4.\"192.0.2.10\""), rows.toString());
        assertEquals("test(2)", rows.get("ipmpIfAddrUse." + tst0 + ".ipv4.\"192.0.2.11\""), rows.toString());

        String x = ifIndex("tst3");
        String data = x + ".1.4.192.0.2.40";
        String test = x + ".1.4.192.0.2.41";
        // not in a group yet: refused, nothing changes
        setError("inconsistentValue", "IPMP-MIB::ipmpIfAddrPrefixLength." + data, "u", "24",
                "IPMP-MIB::ipmpIfAddrRowStatus." + data, "i", "4");
        setError("wrongValue", "IPMP-MIB::ipmpIfAddrRowStatus." + data, "i", "5");
        setError("wrongValue", "IPMP-MIB::ipmpIfAddrPrefixLength." + data, "u", "33");
        assertFalse(f.read("hostname.tst3").contains("192.0.2.40"));
        // one request: join g0, a test address and a data address
        setOk("IPMP-MIB::ipmpIfGroupName." + x, "s", "g0",
                "IPMP-MIB::ipmpIfAddrPrefixLength." + test, "u", "24", "IPMP-MIB::ipmpIfAddrUse." + test, "i", "2",
                "IPMP-MIB::ipmpIfAddrRowStatus." + test, "i", "4",
                "IPMP-MIB::ipmpIfAddrPrefixLength." + data, "u", "24", "IPMP-MIB::ipmpIfAddrRowStatus." + data, "i", "4");
        Await.until("tst3 in g0 with 192.0.2.40 and probing from 192.0.2.41", () -> f.ipmpstat("-a", "ADDRESS,INBOUND").contains("192.0.2.40:tst3")
                        && f.ipmpstat("-t", "INTERFACE,TESTADDR").contains("tst3:192.0.2.41"));
        String h3 = f.read("hostname.tst3");
        assertTrue(h3.contains("192.0.2.40/24") && h3.contains("192.0.2.41/24") && h3.contains("group g0"), h3);
        assertEquals("active(1)", get("IPMP-MIB::ipmpIfAddrRowStatus." + data).get("ipmpIfAddrRowStatus." + x
                + ".ipv4.\"192.0.2.40\""));
        // a second test address of the same family: refused
        setError("inconsistentValue", "IPMP-MIB::ipmpIfAddrPrefixLength." + x + ".1.4.192.0.2.42", "u", "24",
                "IPMP-MIB::ipmpIfAddrUse." + x + ".1.4.192.0.2.42", "i", "2",
                "IPMP-MIB::ipmpIfAddrRowStatus." + x + ".1.4.192.0.2.42", "i", "4");
        // removeif
        setOk("IPMP-MIB::ipmpIfAddrRowStatus." + data, "i", "6");
        Await.until("192.0.2.40 gone", () -> !f.ipmpstat("-a", "ADDRESS").toString().contains("192.0.2.40"));
        assertFalse(f.read("hostname.tst3").contains("192.0.2.40"), f.read("hostname.tst3"));

        // the probe quiet period
        setOk("IPMP-MIB::ipmpProbeQuietPeriod.0", "u", "5000");
        assertTrue(f.read("mpathd").contains("PROBE_QUIET_PERIOD=5000"), f.read("mpathd"));
        assertEquals("5000 milliseconds", get("IPMP-MIB::ipmpProbeQuietPeriod.0").get("ipmpProbeQuietPeriod.0"));
    }
}
