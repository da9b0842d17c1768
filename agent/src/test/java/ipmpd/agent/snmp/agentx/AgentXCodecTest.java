package ipmpd.agent.snmp.agentx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.agent.snmp.agentx.AgentXCodec.MalformedPduException;
import ipmpd.agent.snmp.agentx.AgentXPdu.AgentCaps;
import ipmpd.agent.snmp.agentx.AgentXPdu.Bindings;
import ipmpd.agent.snmp.agentx.AgentXPdu.Close;
import ipmpd.agent.snmp.agentx.AgentXPdu.Empty;
import ipmpd.agent.snmp.agentx.AgentXPdu.Header;
import ipmpd.agent.snmp.agentx.AgentXPdu.Index;
import ipmpd.agent.snmp.agentx.AgentXPdu.Open;
import ipmpd.agent.snmp.agentx.AgentXPdu.Payload;
import ipmpd.agent.snmp.agentx.AgentXPdu.Registration;
import ipmpd.agent.snmp.agentx.AgentXPdu.Response;
import ipmpd.agent.snmp.agentx.AgentXPdu.Search;
import ipmpd.agent.snmp.agentx.AgentXPdu.SearchRange;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.snmp4j.smi.Counter32;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.IpAddress;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Opaque;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.VariableBinding;

/** The AgentX wire format: every PDU type both ways in both byte orders, RFC 2741's layouts, and malformed input refused. */
class AgentXCodecTest {
    private static final OID IPMP = new OID("1.3.6.1.4.1.99999.1");

    private static Header header(int type, boolean bigEndian) {
        return new Header(type, bigEndian ? AgentXPdu.FLAG_NETWORK_BYTE_ORDER : 0, 0x01020304, 0x0A0B0C0D, 0x7FFFFFF1);
    }

    /** Every variable type, with edge values. */
    private static List<VariableBinding> allTypes() {
        List<VariableBinding> l = new ArrayList<>();
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.1.0"), new OctetString("ipmpd")));
        l.add(new VariableBinding(new OID(IPMP).append("1.1.0"), new Integer32(Integer.MIN_VALUE)));
        l.add(new VariableBinding(new OID(IPMP).append("1.2.0"), new Integer32(-1)));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.2.0"), new OID("1.3.6.1.4.1.99999")));
        l.add(new VariableBinding(new OID("1.2.4294967295"), new IpAddress("192.0.2.11")));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.2.2.1.10.3"), new Counter32(4294967295L)));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.2.2.1.5.3"), new Gauge32(1000000000L)));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.3.0"), new TimeTicks(4294967295L)));
        l.add(new VariableBinding(new OID("1.3.6.1.4.1.2021.1"), new Opaque(new byte[] {(byte) 0x9f, 0x78, 4, 1, 2, 3, 4})));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.31.1.1.1.6.3"), new Counter64(-2L))); // 2^64 - 2
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.5.0"), Null.instance));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.6.0"), Null.noSuchObject));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.7.0"), Null.noSuchInstance));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.8.0"), Null.endOfMibView));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.4.0"), new OctetString(new byte[0])));
        l.add(new VariableBinding(new OID("1.3.6.1.2.1.1.4.0"), new OctetString(new byte[] {0, (byte) 0xff, 7})));
        l.add(new VariableBinding(new OID(), new OctetString("four")));
        return l;
    }

    private static List<Payload> allPayloads() {
        List<SearchRange> ranges = List.of(new SearchRange(new OID(IPMP), true, new OID("1.3.6.1.4.1.99999.2")),
                new SearchRange(new OID("1.3.6.1.2.1.2.2.1.1"), false, null),
                new SearchRange(new OID("2.999.1"), false, new OID("2.999.2")));
        return List.of(
                new Open(5, new OID("1.3.6.1.4.1.99999"), new OctetString("ipmpd: IPMP-MIB")),
                new Open(0, new OID(), new OctetString()),
                new Close(AgentXPdu.REASON_SHUTDOWN),
                new Registration(AgentXPdu.REGISTER, 7, 127, 0, new OID(IPMP), 0),
                new Registration(AgentXPdu.REGISTER, 0, 1, 11, new OID("1.3.6.1.2.1.2.2.1.1.7"), 4294967295L),
                new Registration(AgentXPdu.UNREGISTER, 0, 127, 0, new OID(IPMP), 0),
                new Search(AgentXPdu.GET, 0, 0, List.of(new SearchRange(new OID(IPMP).append("1.1.0"), false, null))),
                new Search(AgentXPdu.GET_NEXT, 0, 0, ranges),
                new Search(AgentXPdu.GET_BULK, 1, 65535, ranges),
                new Search(AgentXPdu.GET_NEXT, 0, 0, List.of()),
                new Bindings(AgentXPdu.TEST_SET, allTypes()),
                new Empty(AgentXPdu.COMMIT_SET),
                new Empty(AgentXPdu.UNDO_SET),
                new Empty(AgentXPdu.CLEANUP_SET),
                new Bindings(AgentXPdu.NOTIFY, allTypes()),
                new Empty(AgentXPdu.PING),
                new Index(AgentXPdu.INDEX_ALLOCATE, allTypes().subList(0, 2)),
                new Index(AgentXPdu.INDEX_DEALLOCATE, allTypes().subList(0, 1)),
                new AgentCaps(AgentXPdu.ADD_AGENT_CAPS, new OID(IPMP), new OctetString("IPMP-MIB")),
                new AgentCaps(AgentXPdu.REMOVE_AGENT_CAPS, new OID(IPMP), null),
                new Response(4294967295L, AgentXPdu.NO_ERROR, 0, List.of()),
                new Response(12345, 10, 3, allTypes()));
    }

    private static boolean hasContext(int type) {
        return type != AgentXPdu.OPEN && type != AgentXPdu.CLOSE && type != AgentXPdu.RESPONSE
                && type != AgentXPdu.COMMIT_SET && type != AgentXPdu.UNDO_SET && type != AgentXPdu.CLEANUP_SET;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyPduTypeRoundTripsInEitherByteOrder(boolean bigEndian) throws Exception {
        int types = 0;
        for (Payload p : allPayloads()) {
            for (OctetString context : new OctetString[] {null, new OctetString("ctx"), new OctetString("")}) {
                if (context != null && !hasContext(p.type())) {
                    continue;
                }
                AgentXPdu pdu = new AgentXPdu(header(p.type(), bigEndian), context, p);
                byte[] wire = AgentXCodec.encode(pdu);
                assertEquals(0, wire.length % 4, "PDUs are padded to 4 bytes: " + p);
                AgentXPdu back = AgentXCodec.decode(wire);
                int flags = pdu.header().flags() | (context != null ? AgentXPdu.FLAG_NON_DEFAULT_CONTEXT : 0);
                assertEquals(new Header(p.type(), flags, 0x01020304, 0x0A0B0C0D, 0x7FFFFFF1), back.header());
                assertEquals(context, back.context());
                assertEquals(p, back.payload(), "type " + p.type());
                assertArrayEquals(wire, AgentXCodec.encode(back));
            }
            types |= 1 << p.type();
        }
        for (int t = AgentXPdu.OPEN; t <= AgentXPdu.RESPONSE; t++) {
            assertTrue((types & (1 << t)) != 0, "no payload of type " + t + " tested");
        }
    }

    @Test
    void headerAndOidFollowRfc2741Layout() throws Exception {
        // RFC 2741 5.1: 1.3.6.1.2.1.1.1.0 with the internet prefix is n_subid 4, prefix 2
        AgentXPdu get = new AgentXPdu(new Header(AgentXPdu.GET, AgentXPdu.FLAG_NETWORK_BYTE_ORDER, 1, 2, 3), null,
                new Search(AgentXPdu.GET, 0, 0, List.of(new SearchRange(new OID("1.3.6.1.2.1.1.1.0"), true, null))));
        byte[] wire = AgentXCodec.encode(get);
        byte[] expected = {
            1, 5, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 24,
            4, 2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 0, 0, 0};
        assertArrayEquals(expected, wire);
        // little-endian: the same fields, bytes reversed
        AgentXPdu le = new AgentXPdu(new Header(AgentXPdu.GET, 0, 1, 2, 3), null, get.payload());
        byte[] w2 = AgentXCodec.encode(le);
        assertArrayEquals(new byte[] {1, 5, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 24, 0, 0, 0}, Arrays.copyOf(w2, 20));
        assertArrayEquals(new byte[] {4, 2, 1, 0, 1, 0, 0, 0}, Arrays.copyOfRange(w2, 20, 28));
        // an OID outside 1.3.6.1.x has no prefix; a sub-identifier past 2^31 stays unsigned
        AgentXPdu other = new AgentXPdu(new Header(AgentXPdu.GET, AgentXPdu.FLAG_NETWORK_BYTE_ORDER, 1, 2, 3), null,
                new Search(AgentXPdu.GET, 0, 0, List.of(new SearchRange(new OID("1.3.6.1.0.4294967295"), false, null))));
        byte[] w3 = AgentXCodec.encode(other);
        assertArrayEquals(new byte[] {6, 0, 0, 0, 0, 0, 0, 1}, Arrays.copyOfRange(w3, 20, 28));
        assertEquals(new OID("1.3.6.1.0.4294967295"),
                ((Search) AgentXCodec.decode(w3).payload()).ranges().get(0).start());
    }

    @Test
    void octetStringsArePaddedAndCarryTheirLength() throws Exception {
        AgentXPdu open = new AgentXPdu(header(AgentXPdu.OPEN, true), null, new Open(5, new OID(), new OctetString("abcde")));
        byte[] w = AgentXCodec.encode(open);
        // timeout+reserved, empty OID, length 5, "abcde" + 3 pad
        assertEquals(20 + 4 + 4 + 4 + 8, w.length);
        assertArrayEquals(new byte[] {0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0}, Arrays.copyOfRange(w, 28, 40));
    }

    /** A PDU with a payload written by hand (big-endian), with the header's length as given. */
    private static byte[] raw(int type, int flags, int declaredLength, int... payloadWords) {
        ByteBuffer b = ByteBuffer.allocate(20 + 4 * payloadWords.length).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 1).put((byte) type).put((byte) (flags | AgentXPdu.FLAG_NETWORK_BYTE_ORDER)).put((byte) 0);
        b.putInt(1).putInt(2).putInt(3).putInt(declaredLength);
        for (int w : payloadWords) {
            b.putInt(w);
        }
        return b.array();
    }

    private static String refused(byte[] pdu) {
        return assertThrows(MalformedPduException.class, () -> AgentXCodec.decode(pdu)).getMessage();
    }

    @Test
    void malformedHeadersAreRefused() {
        byte[] ok = raw(AgentXPdu.PING, 0, 0);
        byte[] v2 = ok.clone();
        v2[0] = 2;
        assertTrue(refused(v2).contains("version 2"));
        byte[] t0 = ok.clone();
        t0[1] = 0;
        assertTrue(refused(t0).contains("unknown PDU type 0"));
        byte[] t19 = ok.clone();
        t19[1] = 19;
        assertTrue(refused(t19).contains("unknown PDU type 19"));
        assertTrue(refused(raw(AgentXPdu.PING, 0, 6, 0, 0)).contains("not a multiple of 4"));
        assertTrue(refused(raw(AgentXPdu.PING, 0, AgentXCodec.MAX_PAYLOAD + 4)).contains("exceeds"));
        assertTrue(refused(raw(AgentXPdu.PING, 0, -4)).contains("exceeds")); // 2^32 - 4 as unsigned
        assertTrue(refused(raw(AgentXPdu.PING, 0, 8, 0)).contains("bytes follow the header"));
        assertTrue(refused(Arrays.copyOf(ok, 12)).contains("shorter than its header"));
    }

    @Test
    void malformedPayloadsAreRefused() {
        // an octet string longer than what is left
        assertTrue(refused(raw(AgentXPdu.OPEN, 0, 12, 5 << 24, 0, 100)).contains("octet string of 100 bytes"));
        // an octet string whose length is negative as a signed int
        assertTrue(refused(raw(AgentXPdu.OPEN, 0, 12, 5 << 24, 0, 0x80000000)).contains("octet string of 2147483648"));
        // an OID of 129 sub-identifiers
        int[] words = new int[1 + 1 + 129];
        words[0] = 0;
        words[1] = 129 << 24;
        assertTrue(refused(raw(AgentXPdu.OPEN, 0, 4 * words.length, words)).contains("129 sub-identifiers"));
        // n_subid past the end of the payload
        assertTrue(refused(raw(AgentXPdu.GET, 0, 8, 3 << 24, 1)).contains("ends inside a field"));
        // an include field that is neither 0 nor 1
        assertTrue(refused(raw(AgentXPdu.GET, 0, 8, 0x00000200, 0)).contains("include field 2"));
        // the end of a search range with include set
        assertTrue(refused(raw(AgentXPdu.GET, 0, 8, 0, 0x00000100)).contains("include"));
        // unknown variable type 99 in a TestSet
        assertTrue(refused(raw(AgentXPdu.TEST_SET, 0, 8, 99 << 16, 0)).contains("unknown variable type 99"));
        // an IpAddress of 5 bytes
        assertTrue(refused(raw(AgentXPdu.TEST_SET, 0, 20, 64 << 16, 0, 5, 0, 0)).contains("IpAddress of 5 bytes"));
        // an Integer cut short
        assertTrue(refused(raw(AgentXPdu.TEST_SET, 0, 8, 2 << 16, 0)).contains("ends inside a field"));
        // bytes after a Close's reason
        assertTrue(refused(raw(AgentXPdu.CLOSE, 0, 8, 0x01000000, 0)).contains("left over"));
        // a CommitSet with a payload
        assertTrue(refused(raw(AgentXPdu.COMMIT_SET, 0, 4, 0)).contains("left over"));
        // NON_DEFAULT_CONTEXT on a Response
        assertTrue(refused(raw(AgentXPdu.RESPONSE, AgentXPdu.FLAG_NON_DEFAULT_CONTEXT, 12, 0, 0, 0)).contains("no context"));
        // a range_subid beyond the subtree
        assertTrue(refused(raw(AgentXPdu.REGISTER, 0, 12, 0x00000300, 1 << 24, 7)).contains("range_subid 3"));
        // a prefixed OID of 124 more sub-identifiers is 129 in all
        int[] p = new int[1 + 124];
        p[0] = (124 << 24) | (2 << 16);
        assertTrue(refused(raw(AgentXPdu.GET, 0, 4 * p.length + 4, append(p, 0))).contains("129 sub-identifiers"));
    }

    private static int[] append(int[] a, int v) {
        int[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    @Test
    void nullEndOfASearchRangeIsNoEnd() throws Exception {
        AgentXPdu pdu = AgentXCodec.decode(raw(AgentXPdu.GET_NEXT, 0, 12, 0x01000100, 7, 0));
        SearchRange r = ((Search) pdu.payload()).ranges().get(0);
        assertEquals(new OID("7"), r.start());
        assertTrue(r.include());
        assertNull(r.end());
    }

    @Test
    void encodingRefusesWhatTheWireCannotCarry() {
        assertThrows(IllegalArgumentException.class, () -> AgentXCodec.encode(new AgentXPdu(header(AgentXPdu.RESPONSE, true),
                new OctetString("c"), new Response(0, 0, 0, List.of()))));
        assertThrows(IllegalArgumentException.class, () -> new AgentXPdu(header(AgentXPdu.GET, true), null,
                new Empty(AgentXPdu.PING)));
        int[] long129 = new int[129];
        Arrays.fill(long129, 1);
        assertThrows(IllegalArgumentException.class, () -> AgentXCodec.encode(new AgentXPdu(header(AgentXPdu.GET, true),
                null, new Search(AgentXPdu.GET, 0, 0, List.of(new SearchRange(new OID(long129), false, null))))));
    }
}
