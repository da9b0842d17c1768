package ipmpd.agent.snmp;

import org.snmp4j.PDU;
import org.snmp4j.PDUv1;
import org.snmp4j.asn1.BERInputStream;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Refuses a PDU that holds an OID with a sub-identifier above 4294967295 (RFC 2578 7.1.3). snmp4j
 * decodes sub-identifiers into an int and silently keeps their low 32 bits, so a GET of
 * ipmpGroupName.4294967297 read row 1 and a SET of ipmpNotificationsEnabled.4294967296 changed
 * the .0 instance. The PDU's encoding is scanned before snmp4j decodes it; an IOException drops
 * the message as a parse error (snmpInASNParseErrs), which is what net-snmp's snmpd does with it.
 * Encodings this scan does not understand are left to snmp4j's decoder to refuse.
 */
final class WideSubIdentifiers {
    static final long MAX_SUBID = 0xFFFFFFFFL;
    /** Deeper nesting than an SNMP PDU has is not scanned (snmp4j refuses or decodes it itself). */
    private static final int MAX_DEPTH = 12;

    private WideSubIdentifiers() {
    }

    /** Scans the TLV at the stream's position without consuming it. */
    static void check(BERInputStream in) throws IOException {
        ByteBuffer b = in.getBuffer();
        if (b == null) {
            return;
        }
        ByteBuffer d = b.duplicate();
        d.position((int) in.getPosition());
        scan(d, d.limit(), 0);
    }

    static void check(ByteBuffer encoded) throws IOException {
        ByteBuffer d = encoded.duplicate();
        scan(d, d.limit(), 0);
    }

    private static void scan(ByteBuffer b, int end, int depth) throws IOException {
        if (depth > MAX_DEPTH || b.position() >= end) {
            return;
        }
        int tag = b.get() & 0xFF;
        if ((tag & 0x1F) == 0x1F || b.position() >= end) {
            b.position(end); // a multi-byte tag: not SNMP
            return;
        }
        int first = b.get() & 0xFF;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int n = first & 0x7F;
            if (n == 0 || n > 4 || b.position() + n > end) {
                b.position(end);
                return;
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (b.get() & 0xFF);
            }
        }
        long contentEnd = b.position() + length;
        if (contentEnd > end) {
            b.position(end);
            return;
        }
        int stop = (int) contentEnd;
        if (tag == 0x06) {
            oid(b, stop);
        } else if ((tag & 0x20) != 0) {
            while (b.position() < stop) {
                scan(b, stop, depth + 1);
            }
        }
        b.position(stop);
    }

    private static void oid(ByteBuffer b, int stop) throws IOException {
        boolean first = true;
        while (b.position() < stop) {
            long v = 0;
            int x;
            do {
                x = b.get() & 0xFF;
                if (v > (Long.MAX_VALUE >> 7)) {
                    throw new IOException("OID sub-identifier beyond 64 bits");
                }
                v = (v << 7) | (x & 0x7F);
            } while ((x & 0x80) != 0 && b.position() < stop);
            // the first encoded value is 40 * X + Y, X at most 2: Y may reach 4294967295 when X is 2
            long max = first ? MAX_SUBID + 80 : MAX_SUBID;
            if (v > max) {
                throw new IOException("OID sub-identifier " + Long.toUnsignedString(first ? v - 80 : v)
                        + " exceeds 4294967295");
            }
            first = false;
        }
    }

    /** The PDU of SNMPv2c requests, scanned before it is decoded. */
    static final class CheckedPDU extends PDU {
        private static final long serialVersionUID = 1L;

        @Override
        public void decodeBER(BERInputStream in) throws IOException {
            check(in);
            super.decodeBER(in);
        }
    }

    /** The PDU of SNMPv1 requests, scanned before it is decoded. */
    static final class CheckedPDUv1 extends PDUv1 {
        private static final long serialVersionUID = 1L;

        @Override
        public void decodeBER(BERInputStream in) throws IOException {
            check(in);
            super.decodeBER(in);
        }
    }
}
