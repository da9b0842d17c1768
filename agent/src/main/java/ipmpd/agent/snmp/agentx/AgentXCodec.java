package ipmpd.agent.snmp.agentx;

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
import org.snmp4j.smi.Counter32;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.IpAddress;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Opaque;
import org.snmp4j.smi.SMIConstants;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The AgentX wire format (RFC 2741 section 5 and 6): PDUs to bytes and back, in either byte order
 * (the NETWORK_BYTE_ORDER flag of the header says which). Decoding is strict: a wrong version, an
 * unknown type, a payload length that is not a multiple of 4 or larger than {@link #MAX_PAYLOAD},
 * an OID of more than 128 sub-identifiers, a length running past the payload, an unknown variable
 * type or bytes left over in a PDU of fixed layout are refused with {@link MalformedPduException}.
 */
public final class AgentXCodec {
    public static final int HEADER_LENGTH = 20;
    public static final int VERSION = 1;
    /** The largest payload accepted (net-snmp's own packets stay far below it). */
    public static final int MAX_PAYLOAD = 1 << 20;
    /** At most this many sub-identifiers in an OID (RFC 2578 3.5). */
    public static final int MAX_SUBIDS = 128;
    private static final int[] INTERNET = {1, 3, 6, 1};

    private AgentXCodec() {
    }

    /** A PDU (or header) that does not follow RFC 2741. */
    public static final class MalformedPduException extends Exception {
        private static final long serialVersionUID = 1L;

        public MalformedPduException(String message) {
            super(message);
        }
    }

    /** What a header says, with the payload's length: enough to read the rest of the PDU. */
    public record RawHeader(Header header, int payloadLength) {
        public boolean bigEndian() {
            return (header.flags() & AgentXPdu.FLAG_NETWORK_BYTE_ORDER) != 0;
        }
    }

    // ------------------------------------------------------------------ decoding

    /** Reads the 20 bytes of a header. */
    public static RawHeader decodeHeader(byte[] b) throws MalformedPduException {
        if (b.length != HEADER_LENGTH) {
            throw new MalformedPduException("a header is " + HEADER_LENGTH + " bytes, not " + b.length);
        }
        int version = b[0] & 0xFF;
        if (version != VERSION) {
            throw new MalformedPduException("AgentX version " + version + " (only 1 is known)");
        }
        int type = b[1] & 0xFF;
        if (type < AgentXPdu.OPEN || type > AgentXPdu.RESPONSE) {
            throw new MalformedPduException("unknown PDU type " + type);
        }
        int flags = b[2] & 0xFF;
        ByteBuffer in = ByteBuffer.wrap(b, 4, 16)
                .order((flags & AgentXPdu.FLAG_NETWORK_BYTE_ORDER) != 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int session = in.getInt();
        int transaction = in.getInt();
        int packet = in.getInt();
        long length = in.getInt() & 0xFFFFFFFFL;
        if (length % 4 != 0) {
            throw new MalformedPduException("payload length " + length + " is not a multiple of 4");
        }
        if (length > MAX_PAYLOAD) {
            throw new MalformedPduException("payload length " + length + " exceeds " + MAX_PAYLOAD);
        }
        return new RawHeader(new Header(type, flags, session, transaction, packet), (int) length);
    }

    /** Decodes a whole PDU (header and payload). */
    public static AgentXPdu decode(byte[] pdu) throws MalformedPduException {
        if (pdu.length < HEADER_LENGTH) {
            throw new MalformedPduException("a PDU of " + pdu.length + " bytes is shorter than its header");
        }
        RawHeader h = decodeHeader(Arrays.copyOf(pdu, HEADER_LENGTH));
        if (pdu.length - HEADER_LENGTH != h.payloadLength()) {
            throw new MalformedPduException("payload length " + h.payloadLength() + " but " + (pdu.length - HEADER_LENGTH)
                    + " bytes follow the header");
        }
        return decodePayload(h, Arrays.copyOfRange(pdu, HEADER_LENGTH, pdu.length));
    }

    /** Decodes the payload that follows a header. */
    public static AgentXPdu decodePayload(RawHeader raw, byte[] payload) throws MalformedPduException {
        if (payload.length != raw.payloadLength()) {
            throw new MalformedPduException("payload of " + payload.length + " bytes, header says " + raw.payloadLength());
        }
        Header h = raw.header();
        ByteBuffer in = ByteBuffer.wrap(payload).order(raw.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        try {
            OctetString context = null;
            if ((h.flags() & AgentXPdu.FLAG_NON_DEFAULT_CONTEXT) != 0) {
                if (!hasContext(h.type())) {
                    throw new MalformedPduException("PDU type " + h.type() + " has no context, yet NON_DEFAULT_CONTEXT is set");
                }
                context = octets(in);
            }
            Payload p = switch (h.type()) {
                case AgentXPdu.OPEN -> {
                    int timeout = in.get() & 0xFF;
                    reserved(in, 3);
                    OID id = oid(in).oid;
                    yield new Open(timeout, id, octets(in));
                }
                case AgentXPdu.CLOSE -> {
                    int reason = in.get() & 0xFF;
                    reserved(in, 3);
                    yield new Close(reason);
                }
                case AgentXPdu.REGISTER, AgentXPdu.UNREGISTER -> {
                    int timeout = in.get() & 0xFF;
                    int priority = in.get() & 0xFF;
                    int rangeSubid = in.get() & 0xFF;
                    in.get();
                    OID subtree = oid(in).oid;
                    long upper = 0;
                    if (rangeSubid != 0) {
                        if (rangeSubid > subtree.size()) {
                            throw new MalformedPduException("range_subid " + rangeSubid + " beyond the subtree's "
                                    + subtree.size() + " sub-identifiers");
                        }
                        upper = in.getInt() & 0xFFFFFFFFL;
                    }
                    yield new Registration(h.type(), h.type() == AgentXPdu.REGISTER ? timeout : 0, priority, rangeSubid,
                            subtree, upper);
                }
                case AgentXPdu.GET, AgentXPdu.GET_NEXT -> new Search(h.type(), 0, 0, ranges(in));
                case AgentXPdu.GET_BULK -> {
                    int nonRepeaters = in.getShort() & 0xFFFF;
                    int maxRepetitions = in.getShort() & 0xFFFF;
                    yield new Search(h.type(), nonRepeaters, maxRepetitions, ranges(in));
                }
                case AgentXPdu.TEST_SET, AgentXPdu.NOTIFY -> new Bindings(h.type(), bindings(in));
                case AgentXPdu.COMMIT_SET, AgentXPdu.UNDO_SET, AgentXPdu.CLEANUP_SET, AgentXPdu.PING -> new Empty(h.type());
                case AgentXPdu.INDEX_ALLOCATE, AgentXPdu.INDEX_DEALLOCATE -> new Index(h.type(), bindings(in));
                case AgentXPdu.ADD_AGENT_CAPS -> {
                    OID id = oid(in).oid;
                    yield new AgentCaps(h.type(), id, octets(in));
                }
                case AgentXPdu.REMOVE_AGENT_CAPS -> new AgentCaps(h.type(), oid(in).oid, null);
                case AgentXPdu.RESPONSE -> {
                    long upTime = in.getInt() & 0xFFFFFFFFL;
                    int error = in.getShort() & 0xFFFF;
                    int index = in.getShort() & 0xFFFF;
                    yield new Response(upTime, error, index, bindings(in));
                }
                default -> throw new MalformedPduException("unknown PDU type " + h.type());
            };
            if (in.hasRemaining()) {
                throw new MalformedPduException(in.remaining() + " bytes left over after a PDU of type " + h.type());
            }
            return new AgentXPdu(h, context, p);
        } catch (BufferUnderflowException e) {
            throw new MalformedPduException("PDU of type " + h.type() + " ends inside a field");
        }
    }

    private static boolean hasContext(int type) {
        return switch (type) {
            case AgentXPdu.OPEN, AgentXPdu.CLOSE, AgentXPdu.COMMIT_SET, AgentXPdu.UNDO_SET, AgentXPdu.CLEANUP_SET,
                    AgentXPdu.RESPONSE -> false;
            default -> true;
        };
    }

    private static void reserved(ByteBuffer in, int n) {
        in.position(in.position() + need(in, n));
    }

    private static int need(ByteBuffer in, int n) {
        if (in.remaining() < n) {
            throw new BufferUnderflowException();
        }
        return n;
    }

    /** An OID and its include field. */
    private record Decoded(OID oid, boolean include) {
    }

    private static Decoded oid(ByteBuffer in) throws MalformedPduException {
        int n = in.get() & 0xFF;
        int prefix = in.get() & 0xFF;
        int include = in.get() & 0xFF;
        in.get();
        if (n > MAX_SUBIDS) {
            throw new MalformedPduException("OID of " + n + " sub-identifiers (at most " + MAX_SUBIDS + ")");
        }
        if (include > 1) {
            throw new MalformedPduException("include field " + include + " (0 or 1)");
        }
        need(in, 4 * n);
        int offset = prefix != 0 ? 5 : 0;
        if (n + offset > MAX_SUBIDS) {
            throw new MalformedPduException("OID of " + (n + offset) + " sub-identifiers (at most " + MAX_SUBIDS + ")");
        }
        int[] subs = new int[n + offset];
        if (prefix != 0) {
            System.arraycopy(INTERNET, 0, subs, 0, 4);
            subs[4] = prefix;
        }
        for (int i = 0; i < n; i++) {
            subs[offset + i] = in.getInt();
        }
        return new Decoded(new OID(subs), include == 1);
    }

    private static OctetString octets(ByteBuffer in) throws MalformedPduException {
        long length = in.getInt() & 0xFFFFFFFFL;
        if (length > in.remaining()) {
            throw new MalformedPduException("octet string of " + length + " bytes, " + in.remaining() + " left in the PDU");
        }
        byte[] b = new byte[(int) length];
        in.get(b);
        int pad = (int) ((4 - length % 4) % 4);
        reserved(in, pad);
        return new OctetString(b);
    }

    private static List<SearchRange> ranges(ByteBuffer in) throws MalformedPduException {
        List<SearchRange> out = new ArrayList<>();
        while (in.hasRemaining()) {
            Decoded start = oid(in);
            Decoded end = oid(in);
            if (end.include) {
                throw new MalformedPduException("the end of a search range has its include field set");
            }
            out.add(new SearchRange(start.oid, start.include, end.oid.size() == 0 ? null : end.oid));
        }
        return out;
    }

    private static List<VariableBinding> bindings(ByteBuffer in) throws MalformedPduException {
        List<VariableBinding> out = new ArrayList<>();
        while (in.hasRemaining()) {
            int type = in.getShort() & 0xFFFF;
            reserved(in, 2);
            OID name = oid(in).oid;
            out.add(new VariableBinding(name, value(type, in)));
        }
        return out;
    }

    private static Variable value(int type, ByteBuffer in) throws MalformedPduException {
        return switch (type) {
            case SMIConstants.SYNTAX_INTEGER -> new Integer32(in.getInt());
            case SMIConstants.SYNTAX_OCTET_STRING -> octets(in);
            case SMIConstants.SYNTAX_NULL -> Null.instance;
            case SMIConstants.SYNTAX_OBJECT_IDENTIFIER -> oid(in).oid;
            case SMIConstants.SYNTAX_IPADDRESS -> {
                OctetString a = octets(in);
                if (a.length() != 4) {
                    throw new MalformedPduException("IpAddress of " + a.length() + " bytes");
                }
                yield new IpAddress(a.getValue());
            }
            case SMIConstants.SYNTAX_COUNTER32 -> new Counter32(in.getInt() & 0xFFFFFFFFL);
            case SMIConstants.SYNTAX_GAUGE32 -> new Gauge32(in.getInt() & 0xFFFFFFFFL);
            case SMIConstants.SYNTAX_TIMETICKS -> new TimeTicks(in.getInt() & 0xFFFFFFFFL);
            case SMIConstants.SYNTAX_OPAQUE -> new Opaque(octets(in).getValue());
            case SMIConstants.SYNTAX_COUNTER64 -> new Counter64(in.getLong());
            case SMIConstants.EXCEPTION_NO_SUCH_OBJECT -> Null.noSuchObject;
            case SMIConstants.EXCEPTION_NO_SUCH_INSTANCE -> Null.noSuchInstance;
            case SMIConstants.EXCEPTION_END_OF_MIB_VIEW -> Null.endOfMibView;
            default -> throw new MalformedPduException("unknown variable type " + type);
        };
    }

    // ------------------------------------------------------------------ encoding

    /** Encodes a PDU in the byte order its header's NETWORK_BYTE_ORDER flag says (and sets NON_DEFAULT_CONTEXT as the context says). */
    public static byte[] encode(AgentXPdu pdu) {
        Header h = pdu.header();
        int flags = h.flags() & ~AgentXPdu.FLAG_NON_DEFAULT_CONTEXT;
        Out out = new Out((flags & AgentXPdu.FLAG_NETWORK_BYTE_ORDER) != 0);
        if (pdu.context() != null) {
            if (!hasContext(h.type())) {
                throw new IllegalArgumentException("PDU type " + h.type() + " carries no context");
            }
            flags |= AgentXPdu.FLAG_NON_DEFAULT_CONTEXT;
            out.octets(pdu.context());
        }
        Payload p = pdu.payload();
        if (p instanceof Open o) {
            out.bytes(o.timeout(), 0, 0, 0);
            out.oid(o.id(), false);
            out.octets(o.description());
        } else if (p instanceof Close c) {
            out.bytes(c.reason(), 0, 0, 0);
        } else if (p instanceof Registration r) {
            out.bytes(r.type() == AgentXPdu.REGISTER ? r.timeout() : 0, r.priority(), r.rangeSubid(), 0);
            out.oid(r.subtree(), false);
            if (r.rangeSubid() != 0) {
                out.int32((int) r.upperBound());
            }
        } else if (p instanceof Search s) {
            if (s.type() == AgentXPdu.GET_BULK) {
                out.int16(s.nonRepeaters());
                out.int16(s.maxRepetitions());
            }
            for (SearchRange r : s.ranges()) {
                out.oid(r.start(), r.include());
                out.oid(r.end() == null ? new OID() : r.end(), false);
            }
        } else if (p instanceof Bindings b) {
            out.bindings(b.bindings());
        } else if (p instanceof Index i) {
            out.bindings(i.bindings());
        } else if (p instanceof AgentCaps a) {
            out.oid(a.id(), false);
            if (a.description() != null) {
                out.octets(a.description());
            }
        } else if (p instanceof Response r) {
            out.int32((int) r.sysUpTime());
            out.int16(r.error());
            out.int16(r.index());
            out.bindings(r.bindings());
        }
        byte[] payload = out.toBytes();
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + payload.length)
                .order((flags & AgentXPdu.FLAG_NETWORK_BYTE_ORDER) != 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        b.put((byte) VERSION).put((byte) h.type()).put((byte) flags).put((byte) 0);
        b.putInt(h.sessionId()).putInt(h.transactionId()).putInt(h.packetId()).putInt(payload.length);
        b.put(payload);
        return b.array();
    }

    /** A growing buffer in one byte order. */
    private static final class Out {
        private ByteBuffer b;

        Out(boolean bigEndian) {
            b = ByteBuffer.allocate(256).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        }

        private void room(int n) {
            if (b.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).order(b.order());
                b.flip();
                bigger.put(b);
                b = bigger;
            }
        }

        void bytes(int... v) {
            room(v.length);
            for (int x : v) {
                b.put((byte) x);
            }
        }

        void int16(int v) {
            room(2);
            b.putShort((short) v);
        }

        void int32(int v) {
            room(4);
            b.putInt(v);
        }

        void int64(long v) {
            room(8);
            b.putLong(v);
        }

        void oid(OID oid, boolean include) {
            int[] v = oid.getValue();
            if (v.length > MAX_SUBIDS) {
                throw new IllegalArgumentException("OID of " + v.length + " sub-identifiers");
            }
            boolean prefixed = v.length >= 5 && v[0] == 1 && v[1] == 3 && v[2] == 6 && v[3] == 1 && v[4] > 0 && v[4] < 256;
            int from = prefixed ? 5 : 0;
            bytes(v.length - from, prefixed ? v[4] : 0, include ? 1 : 0, 0);
            room(4 * (v.length - from));
            for (int i = from; i < v.length; i++) {
                b.putInt(v[i]);
            }
        }

        void octets(OctetString s) {
            byte[] v = s.getValue();
            int32(v.length);
            room(v.length + 3);
            b.put(v);
            for (int i = v.length; i % 4 != 0; i++) {
                b.put((byte) 0);
            }
        }

        void bindings(List<VariableBinding> vbs) {
            for (VariableBinding vb : vbs) {
                Variable v = vb.getVariable();
                int syntax = v.getSyntax();
                int16(syntax);
                int16(0);
                oid(vb.getOid(), false);
                switch (syntax) {
                    case SMIConstants.SYNTAX_INTEGER -> int32(v.toInt());
                    case SMIConstants.SYNTAX_OCTET_STRING -> octets((OctetString) v);
                    case SMIConstants.SYNTAX_OBJECT_IDENTIFIER -> oid((OID) v, false);
                    case SMIConstants.SYNTAX_IPADDRESS -> octets(new OctetString(((IpAddress) v).toByteArray()));
                    case SMIConstants.SYNTAX_COUNTER32, SMIConstants.SYNTAX_GAUGE32, SMIConstants.SYNTAX_TIMETICKS ->
                            int32((int) ((UnsignedInteger32) v).getValue());
                    case SMIConstants.SYNTAX_OPAQUE -> octets(new OctetString(((Opaque) v).getValue()));
                    case SMIConstants.SYNTAX_COUNTER64 -> int64(((Counter64) v).getValue());
                    case SMIConstants.SYNTAX_NULL, SMIConstants.EXCEPTION_NO_SUCH_OBJECT,
                            SMIConstants.EXCEPTION_NO_SUCH_INSTANCE, SMIConstants.EXCEPTION_END_OF_MIB_VIEW -> {
                    }
                    default -> throw new IllegalArgumentException("no AgentX encoding for syntax " + syntax + " of "
                            + vb.getOid());
                }
            }
        }

        byte[] toBytes() {
            return Arrays.copyOf(b.array(), b.position());
        }
    }
}
