package ipmpd.engine;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** Address parsing and rendering without any name service: literals only. */
public final class Addresses {
    // before ANY4 and ANY6, which parse with them
    private static final java.util.regex.Pattern V4 = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final java.util.regex.Pattern V6 = java.util.regex.Pattern.compile("[0-9A-Fa-f:.]+");

    public static final InetAddress ANY4 = literal("0.0.0.0");
    public static final InetAddress ANY6 = literal("::");

    private Addresses() {
    }

    /** Parses an IPv4 or IPv6 literal; never consults DNS. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        boolean v4 = V4.matcher(text).matches();
        boolean v6 = text.contains(":") && V6.matcher(text).matches();
        if (!v4 && !v6) {
            return Optional.empty();
        }
        if (v4) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return Optional.empty();
                }
            }
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    public static InetAddress literal(String text) {
        return parse(text).orElseThrow(() -> new IllegalArgumentException("not an address literal: " + text));
    }

    public static boolean isUnspecified(InetAddress a) {
        return a == null || a.isAnyLocalAddress();
    }

    public static boolean isLinkLocal(InetAddress a) {
        return a instanceof Inet6Address && a.isLinkLocalAddress();
    }

    /** Numeric text as ipmpstat and ifconfig print it (IPv6 compressed, no scope). */
    public static String format(InetAddress a) {
        if (a == null) {
            return "";
        }
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        return compress6(a.getAddress());
    }

    private static String compress6(byte[] b) {
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] == 0) {
                int j = i;
                while (j < 8 && words[j] == 0) {
                    j++;
                }
                if (j - i > bestLen && j - i >= 2) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }

    /** Solaris's default netmask for "netmask +": the classful mask. */
    public static int classfulPrefix(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            return 64;
        }
        int first = a.getAddress()[0] & 0xff;
        if (first == 0) {
            return 8;
        }
        if (first < 128) {
            return 8;
        }
        if (first < 192) {
            return 16;
        }
        return 24;
    }

    public static long mask4(int prefixLen) {
        return prefixLen == 0 ? 0 : (0xffffffffL << (32 - prefixLen)) & 0xffffffffL;
    }

    /** ifconfig's hex netmask ("ffffff00"; "0" for an empty mask). */
    public static String hexMask(int prefixLen) {
        return Long.toHexString(mask4(prefixLen));
    }

    public static InetAddress broadcast(InetAddress a, int prefixLen) {
        byte[] b = a.getAddress();
        long v = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
        long bc = (v & mask4(prefixLen)) | (~mask4(prefixLen) & 0xffffffffL);
        return fromLong(bc);
    }

    public static InetAddress fromLong(long v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a netmask given as hex ("ffffff00", "0xffffff00") or dotted quad; -1 when invalid. */
    public static int parseNetmask(String text) {
        long mask;
        try {
            if (text.contains(".")) {
                Optional<InetAddress> a = parse(text);
                if (a.isEmpty() || !(a.get() instanceof Inet4Address)) {
                    return -1;
                }
                byte[] b = a.get().getAddress();
                mask = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
            } else {
                String hex = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
                mask = Long.parseLong(hex, 16);
            }
        } catch (NumberFormatException e) {
            return -1;
        }
        int len = Long.bitCount(mask);
        return mask4(len) == mask ? len : -1;
    }

    /** Whether two addresses share the first prefixLen bits. */
    public static boolean sameSubnet(InetAddress a, InetAddress b, int prefixLen) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return false;
        }
        int bits = Math.min(prefixLen, x.length * 8);
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >> (i % 8);
            if ((x[i / 8] & mask) != (y[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
