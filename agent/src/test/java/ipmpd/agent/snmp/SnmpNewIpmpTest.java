package ipmpd.agent.snmp;

import ipmpd.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * New IPMP over SNMP, with the real net-snmp tools against the agent in-process: a group, its
 * IPMP interface with a data address and two members created from scratch in one SET; the
 * inbound and outbound members read back and following a member's failure; the hostname files
 * written and booted again; bad SETs refused with the right status and nothing changed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SnmpNewIpmpTest {
    private static final String ADDR = "1.4.198.51.100.50";
    private SnmpFixture f;

    @AfterEach
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private Map<String, String> get(String... oids) throws Exception {
        Map<String, String> out = new TreeMap<>();
        f.readOnly("snmpget", oids).forEach((k, v) -> out.put(k, v.replace("\"", "")));
        return out;
    }

    private String one(String oid) throws Exception {
        return get(oid).values().iterator().next();
    }

    /** The outbound members of a data address: ifIndex (last sub-identifier) -> name. */
    private Map<String, String> outbound(String addr) throws Exception {
        SnmpFixture.Run r = f.snmp("snmpwalk", SnmpFixture.RO, "-On", "IPMP-MIB::ipmpAddrOutboundIfName." + addr);
        assertEquals(0, r.exit(), r.toString());
        Map<String, String> out = new TreeMap<>();
        for (String l : r.out().lines().toList()) {
            int eq = l.indexOf(" = STRING: ");
            if (eq > 0) {
                String oid = l.substring(0, eq);
                out.put(oid.substring(oid.lastIndexOf('.') + 1), l.substring(eq + " = STRING: ".length()).replace("\"", ""));
            }
        }
        return out;
    }

    private void setOk(String... args) throws Exception {
        f.setOk(args);
    }

    private void setError(String error, String... args) throws Exception {
        SnmpFixture.Run r = f.snmp("snmpset", SnmpFixture.RW, args);
        assertTrue(r.exit() != 0 && r.err().contains(error), r.toString());
    }

    private String ifIndex(String name) throws Exception {
        SnmpFixture.Run r = f.snmp("snmpwalk", SnmpFixture.RO, "IPMP-MIB::ipmpIfName");
        return SnmpAgentTest.parse(r.out()).entrySet().stream()
                .filter(e -> e.getValue().replace("\"", "").equals(name))
                .map(e -> e.getKey().substring("ipmpIfName.".length())).findFirst()
                .orElseThrow(() -> new AssertionError(name + " in " + r.out()));
    }

    /** Everything the configuration directory holds that a SET could change. */
    private String files() throws Exception {
        StringBuilder b = new StringBuilder();
        for (String n : List.of("hostname.prod0", "hostname.tst3", "hostname.tst4", "hostname.tst0", "ipmp.conf")) {
            String content = f.read(n);
            b.append(n).append(content.isEmpty() ? ": absent\n" : ":\n" + content);
        }
        return b.toString();
    }

    /** A classic group spreads outbound traffic too: every active member, and not a failed one. */
    @Test
    void classicDataAddressesShowEveryActiveMemberOutbound() throws Exception {
        f = SnmpFixture.standard(Map.of());
        f.awaitProbesOk();
        String tst0 = ifIndex("tst0");
        String tst1 = ifIndex("tst1");
        String tst2 = ifIndex("tst2");
        String a = "1.4.192.0.2.10";
        assertEquals(Map.of(tst0, "tst0", tst1, "tst1", tst2, "tst2"), outbound(a));
        assertEquals("tst0", one("IPMP-MIB::ipmpAddrInboundIfName." + a));
        assertEquals(tst0, one("IPMP-MIB::ipmpAddrInboundIfIndex." + a));
        assertTrue(f.ipmpstat("-a", "ADDRESS,OUTBOUND").stream().anyMatch(l -> l.startsWith("192.0.2.10:")
                && Set.of(l.substring("192.0.2.10:".length()).split(" ")).equals(Set.of("tst0", "tst1", "tst2"))),
                f.ipmpstat("-a", "ADDRESS,OUTBOUND").toString());
        f.platform().setLink("tst1", false);
        Await.until("tst1 no longer outbound", () -> {
            try {
                return outbound(a).equals(Map.of(tst0, "tst0", tst2, "tst2"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals("tst0", one("IPMP-MIB::ipmpAddrInboundIfName." + a));
    }

    /** The IPv6 side of an IPMP interface: hostname6.NAME, read back after a restart. */
    @Test
    void anIpv6DataAddressOnTheIpmpInterface() throws Exception {
        f = SnmpFixture.prepare(Map.of());
        f.platformOptions.put("nics", "tst0,tst1,tst2,tst3");
        f.start();
        String tst3 = ifIndex("tst3");
        String gi = one("IPMP-MIB::ipmpGroupIndexNext.0");
        String v6 = "2.16.32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.80"; // 2001:db8::50
        setOk("IPMP-MIB::ipmpGroupName." + gi, "s", "prod", "IPMP-MIB::ipmpGroupRowStatus." + gi, "i", "4",
                "IPMP-MIB::ipmpGroupIpmpInterface." + gi, "s", "prod0",
                "IPMP-MIB::ipmpGroupAddrPrefixLength." + gi + "." + v6, "u", "64",
                "IPMP-MIB::ipmpGroupAddrRowStatus." + gi + "." + v6, "i", "4",
                "IPMP-MIB::ipmpIfGroupName." + tst3, "s", "prod");
        assertEquals("ipmp group prod 2001:db8::50/64 up\n", f.read("hostname6.prod0"));
        f.restart();
        assertEquals("active(1)", one("IPMP-MIB::ipmpGroupAddrRowStatus." + gi + "." + v6));
        assertEquals("ipmp group prod 2001:db8::50/64 up\n", f.read("hostname6.prod0"));
    }

    @Test
    void aNewIpmpGroupFromScratchInOneSet() throws Exception {
        f = SnmpFixture.prepare(Map.of());
        f.platformOptions.put("nics", "tst0,tst1,tst2,tst3,tst4");
        f.start();
        f.awaitProbesOk();
        String tst3 = ifIndex("tst3");
        String tst4 = ifIndex("tst4");
        String gi = one("IPMP-MIB::ipmpGroupIndexNext.0");

        // the group, its IPMP interface with a data address, and two link-based members: one PDU
        setOk("IPMP-MIB::ipmpGroupName." + gi, "s", "prod", "IPMP-MIB::ipmpGroupRowStatus." + gi, "i", "4",
                "IPMP-MIB::ipmpGroupIpmpInterface." + gi, "s", "prod0",
                "IPMP-MIB::ipmpGroupAddrPrefixLength." + gi + "." + ADDR, "u", "24",
                "IPMP-MIB::ipmpGroupAddrRowStatus." + gi + "." + ADDR, "i", "4",
                "IPMP-MIB::ipmpIfGroupName." + tst3, "s", "prod", "IPMP-MIB::ipmpIfGroupName." + tst4, "s", "prod");

        Await.until("198.51.100.50 answered by a member", () -> {
            try {
                return Set.of("tst3", "tst4").contains(one("IPMP-MIB::ipmpAddrInboundIfName." + ADDR));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals("prod0", one("IPMP-MIB::ipmpGroupIpmpInterface." + gi));
        assertEquals("active(1)", one("IPMP-MIB::ipmpGroupAddrRowStatus." + gi + "." + ADDR));
        assertEquals("24", one("IPMP-MIB::ipmpGroupAddrPrefixLength." + gi + "." + ADDR));
        assertEquals("", one("IPMP-MIB::ipmpGroupIpmpInterface.1"), "g0 is classic");
        Await.until("both members carry outbound traffic", () -> {
            try {
                return outbound(ADDR).equals(Map.of(tst3, "tst3", tst4, "tst4"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String inbound = one("IPMP-MIB::ipmpAddrInboundIfName." + ADDR);
        String inboundIndex = one("IPMP-MIB::ipmpAddrInboundIfIndex." + ADDR);
        assertEquals(inbound.equals("tst3") ? tst3 : tst4, inboundIndex);
        assertTrue(f.ipmpstat("-g", "GROUP,GROUPNAME").contains("prod0:prod"), f.ipmpstat("-g", "GROUP,GROUPNAME").toString());

        // the files: the IPMP interface's boot file as the tutorial writes it, the members join
        assertEquals("ipmp group prod 198.51.100.50/24 up\n", f.read("hostname.prod0"));
        assertTrue(f.read("hostname.tst3").contains("group prod"), f.read("hostname.tst3"));
        assertTrue(f.read("hostname.tst4").contains("group prod"), f.read("hostname.tst4"));

        // the inbound member fails: the other one answers, and is the only outbound member
        String other = inbound.equals("tst3") ? "tst4" : "tst3";
        String otherIndex = other.equals("tst3") ? tst3 : tst4;
        String lastChange = one("IPMP-MIB::ipmpAddrLastChange." + ADDR);
        f.platform().setLink(inbound, false);
        Await.until("198.51.100.50 answered by " + other, () -> {
            try {
                return one("IPMP-MIB::ipmpAddrInboundIfName." + ADDR).equals(other)
                        && outbound(ADDR).equals(Map.of(otherIndex, other));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(otherIndex, one("IPMP-MIB::ipmpAddrInboundIfIndex." + ADDR));
        assertTrue(!lastChange.equals(one("IPMP-MIB::ipmpAddrLastChange." + ADDR)), "the rebind is its last change");
        f.platform().setLink(inbound, true);

        // refused, with the status the MIB names, and nothing changed
        String before = files();
        List<String> addresses = f.ipmpstat("-a", "ADDRESS,GROUP");
        setError("inconsistentValue", "IPMP-MIB::ipmpGroupIpmpInterface." + gi, "s", ""); // it has members
        setError("inconsistentValue", "IPMP-MIB::ipmpGroupIpmpInterface." + gi, "s", "prod1"); // no renaming
        setError("wrongValue", "IPMP-MIB::ipmpGroupIpmpInterface." + gi, "s", "1prod"); // not a name
        setError("inconsistentValue", "IPMP-MIB::ipmpGroupIpmpInterface.1", "s", "tst3"); // a member's name
        // an address g0 uses, in a PDU that would also add a good one: the whole PDU is refused
        setError("inconsistentValue", "IPMP-MIB::ipmpGroupAddrPrefixLength." + gi + ".1.4.198.51.100.51", "u", "24",
                "IPMP-MIB::ipmpGroupAddrRowStatus." + gi + ".1.4.198.51.100.51", "i", "4",
                "IPMP-MIB::ipmpGroupAddrPrefixLength." + gi + ".1.4.192.0.2.10", "u", "24",
                "IPMP-MIB::ipmpGroupAddrRowStatus." + gi + ".1.4.192.0.2.10", "i", "4");
        // a classic group has no IPMP interface to put an address on
        setError("inconsistentValue", "IPMP-MIB::ipmpGroupAddrPrefixLength.1.1.4.198.51.100.60", "u", "24",
                "IPMP-MIB::ipmpGroupAddrRowStatus.1.1.4.198.51.100.60", "i", "4");
        setError("inconsistentValue", "IPMP-MIB::ipmpGroupAddrRowStatus." + gi + "." + ADDR, "i", "4"); // exists
        assertEquals(before, files());
        assertEquals(addresses, f.ipmpstat("-a", "ADDRESS,GROUP"));

        // a second address (addif in the file), then the configuration boots again as it was
        setOk("IPMP-MIB::ipmpGroupAddrPrefixLength." + gi + ".1.4.198.51.100.51", "u", "24",
                "IPMP-MIB::ipmpGroupAddrRowStatus." + gi + ".1.4.198.51.100.51", "i", "4");
        assertEquals("ipmp group prod 198.51.100.50/24 up\naddif 198.51.100.51/24 up\n", f.read("hostname.prod0"));
        f.restart();
        assertEquals("prod0", one("IPMP-MIB::ipmpGroupIpmpInterface." + gi));
        assertEquals("active(1)", one("IPMP-MIB::ipmpGroupAddrRowStatus." + gi + ".1.4.198.51.100.51"));

        // taken apart again: addresses and members out, then the IPMP interface, in one PDU
        setOk("IPMP-MIB::ipmpGroupAddrRowStatus." + gi + "." + ADDR, "i", "6",
                "IPMP-MIB::ipmpGroupAddrRowStatus." + gi + ".1.4.198.51.100.51", "i", "6",
                "IPMP-MIB::ipmpIfGroupName." + tst3, "s", "", "IPMP-MIB::ipmpIfGroupName." + tst4, "s", "",
                "IPMP-MIB::ipmpGroupIpmpInterface." + gi, "s", "");
        assertEquals("", one("IPMP-MIB::ipmpGroupIpmpInterface." + gi));
        assertTrue(files().contains("hostname.prod0: absent"), files());
    }
}
