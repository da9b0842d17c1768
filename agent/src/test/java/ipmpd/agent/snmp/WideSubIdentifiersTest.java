package ipmpd.agent.snmp;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sub-identifiers above 4294967295 are refused (the message is dropped as snmpd drops it) instead
 * of being read as their low 32 bits: the scan of encoded OIDs, the PDU decoders, and hand-made
 * requests against the agent. (net-snmp's tools cannot send them: they keep the low 32 bits
 * themselves, so "snmpget ... ipmpGroupName.4294967297" asks for row 1.)
 */
@Timeout(120)
class WideSubIdentifiersTest {
    private SnmpFixture f;

    @AfterEach
    void tearDown() throws IOException {
        if (f != null) {
            f.close();
        }
    }

    /** BER of an OID given as its encoded sub-identifiers (the first is 40 * X + Y), in a SEQUENCE. */
    private static ByteBuffer oidInSequence(long... encoded) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (long v : encoded) {
            List<Integer> groups = new ArrayList<>();
            do {
                groups.add(0, (int) (v & 0x7F));
                v >>>= 7;
            } while (v != 0);
            for (int i = 0; i < groups.size(); i++) {
                content.write(groups.get(i) | (i < groups.size() - 1 ? 0x80 : 0));
            }
        }
        byte[] c = content.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.write(c.length + 2 + 2);
        out.write(0x02); // an INTEGER before it
        out.write(0);
        out.write(0x06);
        out.write(c.length);
        out.write(c, 0, c.length);
        return ByteBuffer.wrap(out.toByteArray());
    }

    @Test
    void theScanRefusesOnlySubIdentifiersPast32Bits() {
        assertDoesNotThrow(() -> WideSubIdentifiers.check(oidInSequence(43, 6, 1, 4, 1, 99999, 4294967295L)));
        assertDoesNotThrow(() -> WideSubIdentifiers.check(oidInSequence(80 + 4294967295L, 7))); // 2.4294967295.7
        IOException e = assertThrows(IOException.class,
                () -> WideSubIdentifiers.check(oidInSequence(43, 6, 1, 4, 1, 99999, 4294967297L)));
        assertTrue(e.getMessage().contains("4294967297 exceeds 4294967295"), e.getMessage());
        assertThrows(IOException.class, () -> WideSubIdentifiers.check(oidInSequence(80 + 4294967296L)));
        assertThrows(IOException.class, () -> WideSubIdentifiers.check(oidInSequence(43, Long.MAX_VALUE)));
        // truncated or odd encodings are left to snmp4j's decoder
        assertDoesNotThrow(() -> WideSubIdentifiers.check(ByteBuffer.wrap(new byte[] {0x30, 0x7F, 0x06})));
        assertDoesNotThrow(() -> WideSubIdentifiers.check(ByteBuffer.wrap(new byte[] {0x30, (byte) 0x85, 1, 1, 1, 1, 1})));
    }

    /** A tool without MIBs (with IPMP-MIB loaded, the tools refuse such an index themselves). */
    private SnmpFixture.Run v3(String tool, String user, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tool, "-m", "", "-t", "1", "-r", "0"));
        cmd.addAll(f.v3(user));
        cmd.add(f.target());
        cmd.addAll(List.of(args));
        return f.run(cmd, 15);
    }

    private SnmpFixture.Run v2c(String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tool, "-m", ""));
        cmd.addAll(List.of("-t", "1", "-r", "0", "-v2c", "-c", "wide-test", f.target()));
        cmd.addAll(List.of(args));
        return f.run(cmd, 15);
    }

    private static final long[] GROUP_NAME = SnmpFuzzCorpus.arcs("1.3.6.1.4.1.99999.1.1.2.1.2");
    private static final long[] NOTIFICATIONS_ENABLED = SnmpFuzzCorpus.arcs("1.3.6.1.4.1.99999.1.1.1.4");

    private static long[] instance(long[] column, long index) {
        long[] a = java.util.Arrays.copyOf(column, column.length + 1);
        a[column.length] = index;
        return a;
    }

    /** A v2c GET of one OID (encoded as given, 64-bit sub-identifiers too); the answer, or null after 1.5 s. */
    private byte[] v2cGet(long[] oid) throws Exception {
        byte[] msg = SnmpFuzzCorpus.community(1, "wide-test".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                SnmpFuzzCorpus.pdu(SnmpFuzzCorpus.GET, 77, 0, 0,
                        List.of(SnmpFuzzCorpus.varbind(SnmpFuzzCorpus.oid(oid), SnmpFuzzCorpus.nul()))));
        try (java.nio.channels.DatagramChannel c = java.nio.channels.DatagramChannel.open()) {
            c.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            c.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), f.port));
            c.write(ByteBuffer.wrap(msg));
            c.configureBlocking(false);
            ByteBuffer b = ByteBuffer.allocate(65536);
            long end = System.nanoTime() + 1_500_000_000L;
            while (c.read(b) <= 0) {
                if (System.nanoTime() > end) {
                    return null;
                }
                Thread.sleep(5);
            }
            b.flip();
            byte[] reply = new byte[b.remaining()];
            b.get(reply);
            return reply;
        }
    }

    @Test
    void aV2cRequestWithOneIsDroppedWhileRow1IsAnswered() throws Exception {
        f = SnmpFixture.standard(Map.of(SnmpSettings.COMMUNITY, "wide-test"));
        byte[] row1 = v2cGet(instance(GROUP_NAME, 1));
        assertTrue(row1 != null && new String(row1, java.nio.charset.StandardCharsets.ISO_8859_1).contains("g0"),
                "row 1 answered");
        assertEquals(null, v2cGet(instance(GROUP_NAME, 4294967297L)), "ipmpGroupName.4294967297 is not row 1");
        assertEquals(null, v2cGet(instance(GROUP_NAME, 1L << 40)), "nor is ipmpGroupName.2^40");
        assertTrue(v2cGet(instance(GROUP_NAME, 4294967295L)) != null, "4294967295 is a sub-identifier: answered");
    }

    /** The v3 path (after decryption): the scoped PDU of a SET to ipmpNotificationsEnabled.4294967296 is refused. */
    @Test
    void aScopedPduWithOneIsRefused() throws Exception {
        byte[] set = SnmpFuzzCorpus.scoped(new byte[] {(byte) 0x80, 0, 0x1f, (byte) 0x88, 4}, new byte[0],
                SnmpFuzzCorpus.pdu(SnmpFuzzCorpus.SET, 5, 0, 0, List.of(SnmpFuzzCorpus.varbind(
                        SnmpFuzzCorpus.oid(instance(NOTIFICATIONS_ENABLED, 4294967296L)), SnmpFuzzCorpus.integer(2)))));
        IOException e = assertThrows(IOException.class,
                () -> new SizedScopedPDU().decodeBER(new org.snmp4j.asn1.BERInputStream(ByteBuffer.wrap(set))));
        assertTrue(e.getMessage().contains("4294967296 exceeds 4294967295"), e.getMessage());
        byte[] ok = SnmpFuzzCorpus.scoped(new byte[] {(byte) 0x80, 0, 0x1f, (byte) 0x88, 4}, new byte[0],
                SnmpFuzzCorpus.pdu(SnmpFuzzCorpus.SET, 5, 0, 0, List.of(SnmpFuzzCorpus.varbind(
                        SnmpFuzzCorpus.oid(instance(NOTIFICATIONS_ENABLED, 0)), SnmpFuzzCorpus.integer(2)))));
        SizedScopedPDU decoded = new SizedScopedPDU();
        decoded.decodeBER(new org.snmp4j.asn1.BERInputStream(ByteBuffer.wrap(ok)));
        assertEquals(new org.snmp4j.smi.OID("1.3.6.1.4.1.99999.1.1.1.4.0"), decoded.get(0).getOid());
        // and a v2c PDU the same way
        byte[] v2c = SnmpFuzzCorpus.pdu(SnmpFuzzCorpus.GET, 5, 0, 0, List.of(SnmpFuzzCorpus.varbind(
                SnmpFuzzCorpus.oid(instance(GROUP_NAME, 4294967297L)), SnmpFuzzCorpus.nul())));
        assertThrows(IOException.class, () -> new WideSubIdentifiers.CheckedPDU().decodeBER(
                new org.snmp4j.asn1.BERInputStream(ByteBuffer.wrap(v2c))));
    }
}
