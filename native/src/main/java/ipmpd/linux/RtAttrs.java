package ipmpd.linux;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The attributes (struct rtattr / nlattr) that follow a fixed struct. Parsing stops quietly at the
 * first malformed attribute, keeping those before it: a newer kernel may add attributes this code
 * does not know, and a damaged tail must not cost the fields that arrived intact.
 */
final class RtAttrs {
    private static final int TYPE_MASK = 0x3fff; // strips NLA_F_NESTED / NLA_F_NET_BYTEORDER
    private final Map<Integer, ByteBuffer> values = new HashMap<>();
    private boolean malformed;

    private RtAttrs() {
    }

    /** Parses from the buffer's position to its limit. */
    static RtAttrs parse(ByteBuffer b) {
        RtAttrs a = new RtAttrs();
        ByteBuffer in = b.duplicate().order(Bytes.HOST);
        while (in.remaining() >= 4) {
            int start = in.position();
            int len = in.getShort() & 0xffff;
            int type = in.getShort() & TYPE_MASK;
            if (len < 4 || len > in.limit() - start) {
                a.malformed = true;
                break;
            }
            ByteBuffer v = in.duplicate();
            v.position(start + 4).limit(start + len);
            a.values.put(type, v.slice().order(Bytes.HOST));
            in.position(Math.min(in.limit(), start + NlHeader.align(len)));
        }
        return a;
    }

    boolean malformed() {
        return malformed;
    }

    boolean has(int type) {
        return values.containsKey(type);
    }

    int u8(int type, int dflt) {
        ByteBuffer v = values.get(type);
        return v == null || v.remaining() < 1 ? dflt : v.get(0) & 0xff;
    }

    int u16(int type, int dflt) {
        ByteBuffer v = values.get(type);
        return v == null || v.remaining() < 2 ? dflt : v.getShort(0) & 0xffff;
    }

    int u32(int type, int dflt) {
        ByteBuffer v = values.get(type);
        return v == null || v.remaining() < 4 ? dflt : v.getInt(0);
    }

    byte[] bytes(int type) {
        ByteBuffer v = values.get(type);
        if (v == null) {
            return null;
        }
        byte[] out = new byte[v.remaining()];
        v.duplicate().get(out);
        return out;
    }

    /** A string attribute without its terminating NUL, or null. */
    String string(int type) {
        byte[] raw = bytes(type);
        if (raw == null) {
            return null;
        }
        int end = 0;
        while (end < raw.length && raw[end] != 0) {
            end++;
        }
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }

    /** A 4- or 16-byte network-order address, or null if absent or of another size. */
    InetAddress address(int type) {
        byte[] raw = bytes(type);
        if (raw == null || (raw.length != 4 && raw.length != 16)) {
            return null;
        }
        try {
            return SockAddr.ip(raw);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The attributes nested inside one attribute (empty if absent). */
    RtAttrs nested(int type) {
        ByteBuffer v = values.get(type);
        return v == null ? new RtAttrs() : parse(v);
    }
}
