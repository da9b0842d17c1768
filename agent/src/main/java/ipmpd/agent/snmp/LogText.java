package ipmpd.agent.snmp;

/**
 * Text from the wire (community strings, user names, values a manager SET) made safe for a log
 * line: printable ASCII stays, everything else (control characters, line breaks, escape
 * sequences, non-ASCII) becomes {@code \xHH} or {@code \\uHHHH}, and long text is cut, so a forged
 * packet can neither forge log lines nor drive a terminal.
 */
final class LogText {
    static final int MAX = 200;

    private LogText() {
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < MAX; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                b.append(c);
            } else if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (b.length() >= MAX) {
            b.append("...");
        }
        return b.toString();
    }
}
