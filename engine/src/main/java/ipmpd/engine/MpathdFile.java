package ipmpd.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the /etc/default/mpathd format the way in.mpathd does: KEY=VALUE lines, '#' comments,
 * keys matched case-insensitively, a bad value replaced by the default with in.mpathd's message.
 */
public final class MpathdFile {
    public static final String FDT = "FAILURE_DETECTION_TIME";
    public static final String FAILBACK = "FAILBACK";
    public static final String TRACK = "TRACK_INTERFACES_ONLY_WITH_GROUPS";
    /** ipmpd's own key (milliseconds); in.mpathd's value is a fixed 40 s. */
    public static final String QUIET = "PROBE_QUIET_PERIOD";

    /** The configuration read, and the messages in.mpathd would log while reading it. */
    public record Result(EngineConfig config, List<String> messages) {
    }

    private MpathdFile() {
    }

    public static Result parse(List<String> lines, EngineConfig base) {
        EngineConfig config = base;
        List<String> messages = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash).strip();
            }
            int eq = line.indexOf('=');
            if (line.isEmpty() || eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip().toUpperCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            switch (key) {
                case FDT -> config = config.withFdt(parseFdt(value, messages));
                case FAILBACK -> {
                    Boolean b = yesNo(value);
                    if (b == null) {
                        messages.add("Invalid value for FAILBACK " + value);
                        b = true;
                    }
                    config = config.withFailback(b);
                }
                case TRACK -> {
                    Boolean b = yesNo(value);
                    if (b == null) {
                        messages.add("Invalid value for TRACK_INTERFACES_ONLY_WITH_GROUPS " + value);
                        b = true;
                    }
                    config = config.withTrackOnlyWithGroups(b);
                }
                case QUIET -> {
                    long ms = parseLong(value);
                    if (ms < 0) {
                        messages.add("Invalid value for PROBE_QUIET_PERIOD " + value);
                        ms = EngineConfig.DEFAULT_QUIET_MS;
                    }
                    config = config.withQuietPeriod(ms);
                }
                default -> {
                    // in.mpathd ignores keys it does not know; so do we.
                }
            }
        }
        return new Result(config, messages);
    }

    static long parseFdt(String value, List<String> messages) {
        long ms = strtolInt(value);
        if (ms <= 0) {
            messages.add("Invalid failure detection time " + value + ", assuming default of "
                    + EngineConfig.DEFAULT_FDT_MS + " ms");
            return EngineConfig.DEFAULT_FDT_MS;
        }
        if (ms < EngineConfig.MIN_FDT_MS) {
            messages.add("Too small failure detection time of " + value + ", assuming minimum of "
                    + EngineConfig.MIN_FDT_MS + " ms");
            return EngineConfig.MIN_FDT_MS;
        }
        return ms;
    }

    /**
     * The number as in.mpathd reads FAILURE_DETECTION_TIME, {@code (int) strtol(value, NULL, 0)}:
     * leading blanks and a sign, then 0x for hexadecimal or 0 for octal, digits up to the first
     * character that is not one ("10s" is 10, "5000ms" is 5000); 0 when there is no digit.
     */
    static long strtolInt(String value) {
        String s = value.stripLeading();
        int i = 0;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int base = 10;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            if (i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
                base = 16;
                i += 2;
            }
        } else if (s.startsWith("0", i)) {
            base = 8;
        }
        long v = 0;
        for (; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0) {
                break;
            }
            v = v > (Long.MAX_VALUE - d) / base ? Long.MAX_VALUE : v * base + d; // strtol saturates
        }
        return (int) (negative ? -v : v); // in.mpathd keeps an int
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** yes/no, case-insensitively; null for anything else. */
    public static Boolean yesNo(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "yes" -> Boolean.TRUE;
            case "no" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Renders a configuration back into the file format (used when a change is persisted). */
    public static List<String> render(EngineConfig c) {
        return List.of(
                "# Written by ipmpd. Keys as in Solaris /etc/default/mpathd.",
                "#",
                "# Time taken by mpathd to detect a NIC failure in ms. The minimum time",
                "# that can be specified is 100 ms.",
                FDT + "=" + c.failureDetectionTimeMs(),
                "#",
                "# Failback is enabled by default. To disable failback turn off this option",
                FAILBACK + "=" + (c.failback() ? "yes" : "no"),
                "#",
                "# By default only interfaces configured as part of multipathing groups",
                "# are tracked. Turn off this option to track all network interfaces",
                "# on the system",
                TRACK + "=" + (c.trackInterfacesOnlyWithGroups() ? "yes" : "no"),
                "#",
                "# ipmpd: milliseconds during which probe losses are ignored after an",
                "# interface starts probing, until its first reply (in.mpathd: 40000).",
                QUIET + "=" + c.probeQuietPeriodMs());
    }
}
