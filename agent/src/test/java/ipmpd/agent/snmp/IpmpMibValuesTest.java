package ipmpd.agent.snmp;

import ipmpd.engine.Addresses;
import org.junit.jupiter.api.Test;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Encodings the agent uses for InetAddress (ipv6z zones) and table indexes. */
class IpmpMibValuesTest {
    @Test
    void addressesAndIndexes() {
        assertEquals(IpmpMib.ADDR_IPV4, IpmpMib.addrType(Addresses.literal("192.0.2.1")));
        assertEquals(IpmpMib.ADDR_IPV6, IpmpMib.addrType(Addresses.literal("2001:db8::1")));
        assertEquals(IpmpMib.ADDR_IPV6Z, IpmpMib.addrType(Addresses.literal("fe80::1")));
        assertEquals("fe:80:00:00:00:00:00:00:00:00:00:00:00:00:00:01:00:00:01:02",
                new OctetString(IpmpMib.addrBytes(Addresses.literal("fe80::1"), 258)).toHexString());
        assertEquals(4, IpmpMib.addrBytes(Addresses.literal("192.0.2.1"), 7).length);
        assertEquals(new OID("4.192.0.2.1"), IpmpMib.octetsIndex(new byte[] {(byte) 192, 0, 2, 1}));
        // ipmpConfTargetEntry: group index, ipv4(1)/ipv6(2) (link-local too), length, octets
        assertEquals(new OID("4294967295.1.4.192.0.2.1"), IpmpMib.confTargetIndex(0xFFFFFFFFL, Addresses.literal("192.0.2.1")));
        assertEquals(new OID("3.2.16.254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1"),
                IpmpMib.confTargetIndex(3, Addresses.literal("fe80::1")));
        // ipmpGroupNameEntry: the name with its length (not IMPLIED)
        assertEquals(new OID("2.103.48"), IpmpMib.octetsIndex("g0".getBytes()));
    }
}
