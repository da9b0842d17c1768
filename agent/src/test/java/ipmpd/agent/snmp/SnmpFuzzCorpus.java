package ipmpd.agent.snmp;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Hand-made BER for {@link SnmpFuzzTest}: encoders for SNMPv1/v2c/v3 messages (with any value in
 * any field, so wrong ones too), a small BER tree (parse, mutate, re-encode with consistent
 * lengths: well-formed but wrong messages) and byte-level mutations (truncation, bit flips, wrong
 * short/long/indefinite lengths, tag swaps, splices, oversize). Everything is driven by one
 * {@link Random}, so a seed replays a run.
 */
final class SnmpFuzzCorpus {
    static final int GET = 0xA0;
    static final int GETNEXT = 0xA1;
    static final int RESPONSE = 0xA2;
    static final int SET = 0xA3;
    static final int TRAP_V1 = 0xA4;
    static final int GETBULK = 0xA5;
    static final int INFORM = 0xA6;
    static final int TRAP_V2 = 0xA7;
    static final int REPORT = 0xA8;

    /** Tags a mutation may put anywhere: universal, SMI application types, exceptions, PDUs, junk. */
    static final int[] TAGS = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x09, 0x10, 0x1F, 0x30, 0x31, 0x3F,
        0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x80, 0x81, 0x82, 0x83, 0x9F, 0xA0, 0xA1, 0xA2,
        0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAF, 0xBF, 0xE0, 0xFF};

    /** INTEGER values that break assumptions: signs, 32-bit edges, 64-bit edges, beyond 64 bits. */
    static final BigInteger[] INTEGERS = {BigInteger.ZERO, BigInteger.ONE, BigInteger.valueOf(-1), BigInteger.valueOf(3),
        BigInteger.valueOf(127), BigInteger.valueOf(128), BigInteger.valueOf(255), BigInteger.valueOf(484),
        BigInteger.valueOf(65535), BigInteger.valueOf(65536), BigInteger.valueOf(Integer.MAX_VALUE),
        BigInteger.valueOf(Integer.MIN_VALUE), BigInteger.valueOf(0xFFFFFFFFL), BigInteger.valueOf(0x100000000L),
        BigInteger.valueOf(Long.MAX_VALUE), BigInteger.valueOf(Long.MIN_VALUE), BigInteger.ONE.shiftLeft(64),
        BigInteger.ONE.shiftLeft(200).negate()};

    private SnmpFuzzCorpus() {
    }

    // ------------------------------------------------------------------ encoders

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] length(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n < 0x100) {
            return new byte[] {(byte) 0x81, (byte) n};
        }
        if (n < 0x10000) {
            return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        }
        return new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    }

    static byte[] tlv(int tag, byte[]... content) {
        byte[] c = concat(content);
        return concat(new byte[] {(byte) tag}, length(c.length), c);
    }

    static byte[] integer(long v) {
        return integer(0x02, BigInteger.valueOf(v));
    }

    static byte[] integer(int tag, BigInteger v) {
        return tlv(tag, v.toByteArray());
    }

    /** An application type that carries an unsigned number (Counter32, Gauge32, TimeTicks, Counter64). */
    static byte[] unsigned(int tag, BigInteger v) {
        byte[] b = v.toByteArray(); // non-negative: a leading 0 keeps it positive, as BER wants
        return tlv(tag, b);
    }

    static byte[] octets(byte[] b) {
        return tlv(0x04, b);
    }

    static byte[] octets(String s) {
        return octets(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] nul() {
        return new byte[] {0x05, 0x00};
    }

    static byte[] seq(byte[]... parts) {
        return tlv(0x30, parts);
    }

    /** A sub-identifier in base 128 (any size, also beyond 32 and 64 bits). */
    static byte[] subid(BigInteger v) {
        if (v.signum() == 0) {
            return new byte[] {0};
        }
        List<Byte> groups = new ArrayList<>();
        BigInteger x = v;
        BigInteger mask = BigInteger.valueOf(0x7F);
        while (x.signum() > 0) {
            groups.add(0, x.and(mask).byteValue());
            x = x.shiftRight(7);
        }
        byte[] out = new byte[groups.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (groups.get(i) | (i < out.length - 1 ? 0x80 : 0));
        }
        return out;
    }

    /** OID content octets for arcs (the first two folded as 40 * a + b). */
    static byte[] oidContent(long... arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (arcs.length == 1) {
            out.writeBytes(subid(BigInteger.valueOf(arcs[0] * 40)));
            return out.toByteArray();
        }
        if (arcs.length >= 2) {
            out.writeBytes(subid(BigInteger.valueOf(arcs[0] * 40 + arcs[1])));
        }
        for (int i = 2; i < arcs.length; i++) {
            out.writeBytes(subid(new BigInteger(Long.toUnsignedString(arcs[i]))));
        }
        return out.toByteArray();
    }

    static byte[] oid(long... arcs) {
        return tlv(0x06, oidContent(arcs));
    }

    static long[] arcs(String dotted) {
        return Arrays.stream(dotted.split("\\.")).mapToLong(Long::parseUnsignedLong).toArray();
    }

    static byte[] oid(String dotted) {
        return oid(arcs(dotted));
    }

    static byte[] varbind(byte[] oid, byte[] value) {
        return seq(oid, value);
    }

    /** A PDU: request-id, error-status / non-repeaters, error-index / max-repetitions, varbinds. */
    static byte[] pdu(int tag, long requestId, BigInteger a, BigInteger b, List<byte[]> varbinds) {
        return tlv(tag, integer(requestId), integer(0x02, a), integer(0x02, b),
                seq(varbinds.toArray(new byte[0][])));
    }

    static byte[] pdu(int tag, long requestId, long a, long b, List<byte[]> varbinds) {
        return pdu(tag, requestId, BigInteger.valueOf(a), BigInteger.valueOf(b), varbinds);
    }

    /** SNMPv1 (version 0) or SNMPv2c (version 1) message. */
    static byte[] community(long version, byte[] community, byte[] pdu) {
        return seq(integer(version), octets(community), pdu);
    }

    /** USM security parameters, as the OCTET STRING that wraps them. */
    static byte[] usm(byte[] engineId, long boots, long time, byte[] user, byte[] auth, byte[] priv) {
        return octets(seq(octets(engineId), integer(boots), integer(time), octets(user), octets(auth), octets(priv)));
    }

    static byte[] scoped(byte[] contextEngineId, byte[] contextName, byte[] pdu) {
        return seq(octets(contextEngineId), octets(contextName), pdu);
    }

    static byte[] v3(long msgId, long maxSize, int flags, long securityModel, byte[] securityParameters, byte[] data) {
        return seq(integer(3), seq(integer(msgId), integer(maxSize), octets(new byte[] {(byte) flags}),
                integer(securityModel)), securityParameters, data);
    }

    /** The engine ID discovery message of RFC 3414 4: reportable, noAuthNoPriv, empty engine ID and user. */
    static byte[] discovery(long msgId, long requestId) {
        return v3(msgId, 65507, 0x04, 3, usm(new byte[0], 0, 0, new byte[0], new byte[0], new byte[0]),
                scoped(new byte[0], new byte[0], pdu(GET, requestId, 0, 0, List.of())));
    }

    // ------------------------------------------------------------------ a BER tree

    /** A TLV: primitive (content) or constructed (children). */
    static final class Node {
        int tag;
        byte[] content;
        List<Node> kids;

        Node(int tag, byte[] content) {
            this.tag = tag;
            this.content = content;
        }

        Node(int tag, List<Node> kids) {
            this.tag = tag;
            this.kids = kids;
        }

        Node copy() {
            if (kids == null) {
                return new Node(tag, content.clone());
            }
            List<Node> k = new ArrayList<>();
            for (Node n : kids) {
                k.add(n.copy());
            }
            return new Node(tag, k);
        }

        byte[] encode() {
            if (kids == null) {
                return tlv(tag, content);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Node n : kids) {
                out.writeBytes(n.encode());
            }
            return tlv(tag, out.toByteArray());
        }

        void collect(List<Node> all) {
            all.add(this);
            if (kids != null) {
                for (Node n : kids) {
                    n.collect(all);
                }
            }
        }
    }

    /** Parses definite-length BER (single-byte tags); OCTET STRINGs that hold BER (USM parameters) too. */
    static Node parse(byte[] b) {
        int[] pos = {0};
        Node n = parse(b, pos, b.length);
        if (pos[0] != b.length) {
            throw new IllegalArgumentException("trailing bytes");
        }
        return n;
    }

    private static Node parse(byte[] b, int[] pos, int end) {
        int p = pos[0];
        if (p + 2 > end) {
            throw new IllegalArgumentException("short");
        }
        int tag = b[p++] & 0xFF;
        int len = b[p++] & 0xFF;
        if (len >= 0x80) {
            int n = len & 0x7F;
            if (n == 0 || n > 3) {
                throw new IllegalArgumentException("length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (b[p++] & 0xFF);
            }
        }
        if (p + len > end) {
            throw new IllegalArgumentException("overrun");
        }
        pos[0] = p + len;
        if ((tag & 0x20) != 0) {
            List<Node> kids = new ArrayList<>();
            int[] q = {p};
            while (q[0] < p + len) {
                kids.add(parse(b, q, p + len));
            }
            return new Node(tag, kids);
        }
        byte[] content = Arrays.copyOfRange(b, p, p + len);
        if (tag == 0x04 && len > 2 && content[0] == 0x30) {
            try {
                Node inner = parse(content);
                return new Node(tag, new ArrayList<>(List.of(inner)));
            } catch (RuntimeException notBer) {
                // an ordinary string
            }
        }
        return new Node(tag, content);
    }

    /** One structural mutation of a copy of the tree; re-encoded with consistent lengths. */
    static byte[] mutateTree(Node root, Random r) {
        Node t = root.copy();
        int rounds = 1 + (r.nextInt(4) == 0 ? r.nextInt(4) : 0);
        for (int i = 0; i < rounds; i++) {
            List<Node> all = new ArrayList<>();
            t.collect(all);
            Node n = all.get(r.nextInt(all.size()));
            int what = r.nextInt(10);
            if (n.kids == null) {
                switch (what) {
                    case 0, 1, 2 -> n.content = INTEGERS[r.nextInt(INTEGERS.length)].toByteArray();
                    case 3 -> n.content = new byte[0];
                    case 4 -> n.content = randomBytes(r, r.nextInt(r.nextBoolean() ? 40 : 3000));
                    case 5 -> n.content = badOidContent(r);
                    case 6, 7 -> n.tag = TAGS[r.nextInt(TAGS.length)] & ~0x20;
                    default -> {
                        n.tag = 0x05;
                        n.content = new byte[0];
                    }
                }
            } else {
                switch (what) {
                    case 0, 1 -> {
                        if (!n.kids.isEmpty()) {
                            n.kids.remove(r.nextInt(n.kids.size()));
                        }
                    }
                    case 2, 3 -> {
                        if (!n.kids.isEmpty()) {
                            Node c = n.kids.get(r.nextInt(n.kids.size()));
                            int copies = r.nextInt(4) == 0 ? 1 + r.nextInt(300) : 1;
                            for (int k = 0; k < copies; k++) {
                                n.kids.add(r.nextInt(n.kids.size() + 1), c.copy());
                            }
                        }
                    }
                    case 4 -> java.util.Collections.shuffle(n.kids, r);
                    case 5 -> n.kids.add(r.nextInt(n.kids.size() + 1), new Node(TAGS[r.nextInt(TAGS.length)] & ~0x20,
                            randomBytes(r, r.nextInt(12))));
                    case 6, 7 -> n.tag = TAGS[r.nextInt(TAGS.length)] | 0x20;
                    default -> n.kids.clear();
                }
            }
        }
        byte[] out = t.encode();
        return out.length > 65507 ? Arrays.copyOf(out, 65507) : out;
    }

    // ------------------------------------------------------------------ byte-level mutations

    /** Where the length octets of every TLV are (offset of the first length octet). */
    static List<int[]> lengthFields(byte[] b) {
        List<int[]> out = new ArrayList<>();
        walk(b, 0, b.length, out, 0);
        return out;
    }

    private static void walk(byte[] b, int from, int end, List<int[]> out, int depth) {
        int p = from;
        while (p + 2 <= end && depth < 12) {
            int tag = b[p] & 0xFF;
            int lenAt = p + 1;
            int len = b[lenAt] & 0xFF;
            int hdr = 2;
            if (len >= 0x80) {
                int n = len & 0x7F;
                if (n == 0 || n > 3 || lenAt + n >= end) {
                    return;
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (b[lenAt + 1 + i] & 0xFF);
                }
                hdr += n;
            }
            int content = p + hdr;
            if (content + len > end) {
                return;
            }
            out.add(new int[] {lenAt, hdr - 1, len, tag});
            if ((tag & 0x20) != 0 || (tag == 0x04 && len > 2 && b[content] == 0x30)) {
                walk(b, content, content + len, out, depth + 1);
            }
            p = content + len;
        }
    }

    /** Replaces the length octets at a field with a wrong one: short, long, zero, indefinite, huge, reserved. */
    static byte[] wrongLength(byte[] b, int[] field, Random r) {
        int at = field[0];
        int oldOctets = field[1];
        int actual = field[2];
        byte[] repl = switch (r.nextInt(10)) {
            case 0 -> length(Math.max(0, actual - 1 - r.nextInt(Math.max(1, actual))));
            case 1 -> length(actual + 1 + r.nextInt(r.nextBoolean() ? 4 : 70000));
            case 2 -> length(0);
            case 3 -> new byte[] {(byte) 0x80}; // indefinite (not allowed in SNMP)
            case 4 -> new byte[] {(byte) 0x84, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
            case 5 -> new byte[] {(byte) 0x84, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
            case 6 -> new byte[] {(byte) 0x88, 0, 0, 0, 0, 0, 0, 0, (byte) actual}; // 8 length octets
            case 7 -> new byte[] {(byte) 0xFF}; // reserved
            case 8 -> new byte[] {(byte) 0x82, (byte) (actual >> 8), (byte) actual}; // non-minimal
            default -> new byte[] {(byte) 0x81}; // length octets missing
        };
        byte[] out = concat(Arrays.copyOf(b, at), repl, Arrays.copyOfRange(b, at + oldOctets, b.length));
        if (repl.length == 1 && repl[0] == (byte) 0x80 && r.nextBoolean()) {
            out = concat(out, new byte[] {0, 0}); // with an end-of-contents, as BER would have it
        }
        return out;
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** A byte-level mutation of a valid encoding. */
    static byte[] mutateBytes(byte[] b, byte[] other, Random r) {
        byte[] m = b.clone();
        switch (r.nextInt(11)) {
            case 0, 1 -> { // truncation
                return Arrays.copyOf(m, r.nextInt(Math.max(1, m.length)));
            }
            case 2, 3, 4 -> { // bit flips
                int flips = 1 + r.nextInt(r.nextBoolean() ? 2 : 8);
                for (int i = 0; i < flips; i++) {
                    int bit = r.nextInt(m.length * 8);
                    m[bit >> 3] ^= (byte) (1 << (bit & 7));
                }
                return m;
            }
            case 5, 6 -> { // a wrong length somewhere
                List<int[]> f = lengthFields(m);
                return f.isEmpty() ? m : wrongLength(m, f.get(r.nextInt(f.size())), r);
            }
            case 7 -> { // a tag swapped
                List<int[]> f = lengthFields(m);
                if (!f.isEmpty()) {
                    m[f.get(r.nextInt(f.size()))[0] - 1] = (byte) TAGS[r.nextInt(TAGS.length)];
                }
                return m;
            }
            case 8 -> { // bytes inserted or removed
                int at = r.nextInt(m.length + 1);
                if (r.nextBoolean() && at < m.length) {
                    int n = 1 + r.nextInt(Math.min(16, m.length - at));
                    return concat(Arrays.copyOf(m, at), Arrays.copyOfRange(m, at + n, m.length));
                }
                return concat(Arrays.copyOf(m, at), randomBytes(r, 1 + r.nextInt(16)), Arrays.copyOfRange(m, at, m.length));
            }
            case 9 -> { // spliced with another message
                int a = r.nextInt(m.length);
                int c = r.nextInt(other.length);
                return concat(Arrays.copyOf(m, a), Arrays.copyOfRange(other, c, other.length));
            }
            default -> { // interesting byte values
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    int[] vals = {0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF};
                    m[r.nextInt(m.length)] = (byte) vals[r.nextInt(vals.length)];
                }
                return m;
            }
        }
    }

    // ------------------------------------------------------------------ bad OIDs

    /** OID content octets that are wrong or extreme. */
    static byte[] badOidContent(Random r) {
        switch (r.nextInt(10)) {
            case 0 -> {
                return new byte[0]; // empty
            }
            case 1 -> { // a sub-identifier of 2^32 .. 2^70
                return concat(oidContent(1, 3, 6, 1), subid(BigInteger.ONE.shiftLeft(32 + r.nextInt(39))));
            }
            case 2 -> { // 0xFFFFFFFF and 2^64 - 1
                return concat(oidContent(1, 3, 6), subid(BigInteger.valueOf(0xFFFFFFFFL)),
                        subid(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)));
            }
            case 3 -> { // 128 .. 1000 arcs
                int n = 128 + (r.nextBoolean() ? r.nextInt(3) : r.nextInt(900));
                long[] a = new long[n];
                a[0] = 1;
                a[1] = 3;
                for (int i = 2; i < n; i++) {
                    a[i] = r.nextInt(4) == 0 ? r.nextInt(Integer.MAX_VALUE) : r.nextInt(10);
                }
                return oidContent(a);
            }
            case 4 -> { // last sub-identifier not terminated
                return concat(oidContent(1, 3, 6, 1, 2), new byte[] {(byte) 0x81, (byte) 0x80});
            }
            case 5 -> { // non-minimal sub-identifier (leading 0x80)
                return concat(oidContent(1, 3, 6, 1), new byte[] {(byte) 0x80, (byte) 0x80, 0x01});
            }
            case 6 -> { // a sub-identifier of 40 continuation octets
                byte[] b = new byte[41];
                Arrays.fill(b, (byte) 0xFF);
                b[40] = 0x7F;
                return concat(oidContent(1, 3), b);
            }
            case 7 -> { // first octet beyond 2.x
                return concat(subid(BigInteger.valueOf(2L * 40 + 1000000)), oidContent(1, 3));
            }
            case 8 -> {
                return new byte[] {0x2B}; // just 1.3
            }
            default -> {
                return randomBytes(r, 1 + r.nextInt(20));
            }
        }
    }
}
