package ipmpd.agent.snmp;

import ipmpd.agent.AtomicFiles;
import ipmpd.agent.IpmpdLog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the agent keeps of SETs to its own scalars, in {@code snmp-state} in the configuration
 * directory: ipmpNotificationsEnabled ({@code notifications=yes|no}), sysContact, sysLocation,
 * sysName and snmpEnableAuthenTraps. One {@code key=value} a line; a value is kept as its octets,
 * printable ASCII as is and every other octet (and the backslash) as {@code \xHH}, so whatever a
 * manager SETs comes back byte for byte and never breaks the file's lines. Written atomically at
 * each change.
 */
final class SnmpStateFile {
    static final String NOTIFICATIONS = "notifications";
    static final String NOTIFICATION_TYPES = "notification-types";
    static final String SYS_CONTACT = "syscontact";
    static final String SYS_LOCATION = "syslocation";
    static final String SYS_NAME = "sysname";
    static final String AUTH_TRAPS = "authtrapenable";

    private final Path file;
    private final IpmpdLog log;
    private final Map<String, byte[]> values = new TreeMap<>();

    SnmpStateFile(Path file, IpmpdLog log) {
        this.file = file;
        this.log = log;
        try {
            for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = raw.stripLeading();
                int eq = l.indexOf('=');
                if (l.isEmpty() || l.startsWith("#") || eq <= 0) {
                    continue;
                }
                // the value as written (not stripped: its blanks are part of it)
                values.put(l.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT), unescape(l.substring(eq + 1)));
            }
        } catch (NoSuchFileException e) {
            // nothing set yet
        } catch (IOException | IllegalArgumentException e) {
            log.warning("SNMP: cannot read " + file + ": " + e.getMessage() + "; values SET before are not restored");
        }
    }

    synchronized byte[] get(String key) {
        byte[] v = values.get(key);
        return v == null ? null : v.clone();
    }

    synchronized String text(String key) {
        byte[] v = values.get(key);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** Sets a value (null removes it) and writes the file; a write failure is logged. */
    synchronized void put(String key, byte[] value) {
        if (value == null) {
            values.remove(key);
        } else {
            values.put(key, value.clone());
        }
        List<String> lines = new ArrayList<>();
        lines.add("# ipmpd SNMP agent state: values SET through SNMP, written back at each SET.");
        values.forEach((k, v) -> lines.add(k + "=" + escape(v)));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, lines);
        } catch (IOException e) {
            log.err("SNMP: cannot write " + file + ": " + e.getMessage());
        }
    }

    void put(String key, String value) {
        put(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    static String escape(byte[] v) {
        StringBuilder b = new StringBuilder();
        for (byte x : v) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                b.append((char) c);
            } else {
                b.append(String.format("\\x%02x", c));
            }
        }
        return b.toString();
    }

    static byte[] unescape(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 4 > s.length() || s.charAt(i + 1) != 'x') {
                    throw new IllegalArgumentException("bad escape in " + s);
                }
                out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
