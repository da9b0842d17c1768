package ipmpd.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Small byte helpers shared by the codecs. Kernel structs and netlink attributes are host order. */
final class Bytes {
    static final ByteOrder HOST = ByteOrder.nativeOrder();

    private Bytes() {
    }

    static byte[] intNative(int v) {
        return ByteBuffer.allocate(4).order(HOST).putInt(v).array();
    }

    static int intNative(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 4).order(HOST).getInt();
    }

    /** A NUL-terminated C string from a fixed-size field (stops at the first NUL or at max). */
    static String cString(byte[] b, int off, int max) {
        int end = off;
        int limit = Math.min(b.length, off + max);
        while (end < limit && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = off; i < off + len; i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }
}
