package ipmpd.linux;

import java.util.Arrays;

/** An immutable link-layer (MAC) address. */
public final class HwAddress {
    private final byte[] bytes;

    private HwAddress(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    public static HwAddress of(byte[] bytes) {
        return new HwAddress(bytes);
    }

    /** Parses "aa:bb:cc:dd:ee:ff". */
    public static HwAddress parse(String text) {
        String[] parts = text.trim().split(":");
        byte[] b = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return new HwAddress(b);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HwAddress && Arrays.equals(bytes, ((HwAddress) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }
}
