package ipmpd.agent.snmp;

import org.snmp4j.smi.OID;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough of an SMIv2 reader for IPMP-MIB: OBJECT-TYPEs, NOTIFICATION-TYPEs, OIDs, enumerations. */
final class MibFile {
    record ObjectType(String name, OID oid, String access, String syntax, List<String> index,
                      Map<String, Integer> enumeration) {
        boolean isTable() {
            return syntax.startsWith("SEQUENCE OF");
        }

        boolean isEntry() {
            return !index.isEmpty();
        }

        boolean isScalarOrColumn() {
            return !isTable() && !isEntry();
        }
    }

    record Notification(String name, OID oid, List<String> objects) {
    }

    private final Map<String, ObjectType> objects = new LinkedHashMap<>();
    private final Map<String, Notification> notifications = new LinkedHashMap<>();
    private final Map<String, Map<String, Integer>> conventions = new HashMap<>();

    Map<String, ObjectType> objects() {
        return objects;
    }

    Map<String, Notification> notifications() {
        return notifications;
    }

    /** The named values of a TEXTUAL-CONVENTION (INTEGER or BITS). */
    Map<String, Integer> convention(String name) {
        return conventions.get(name);
    }

    private static final Pattern DEF = Pattern.compile(
            "(\\w[\\w-]*)\\s+(OBJECT-TYPE|NOTIFICATION-TYPE|MODULE-IDENTITY|OBJECT IDENTIFIER|OBJECT-GROUP|"
                    + "NOTIFICATION-GROUP|MODULE-COMPLIANCE)(.*?)::=\\s*\\{\\s*(\\w[\\w-]*)\\s+(\\d+)\\s*\\}", Pattern.DOTALL);
    private static final Pattern TC = Pattern.compile(
            "(\\w+)\\s*::=\\s*TEXTUAL-CONVENTION.*?SYNTAX\\s+(\\w+)\\s*(\\{[^}]*\\})?", Pattern.DOTALL);

    /** The nodes IPMP-MIB and IF-MIB import and hang their definitions on. */
    private static final Map<String, String> IMPORTED_ROOTS = Map.of("enterprises", "1.3.6.1.4.1",
            "mib-2", "1.3.6.1.2.1", "snmpTraps", "1.3.6.1.6.3.1.1.5");

    static MibFile load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        text = text.replaceAll("(?s)\"[^\"]*\"", "\"\"");
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n")) {
            int c = line.indexOf("--");
            b.append(c >= 0 ? line.substring(0, c) : line).append('\n');
        }
        text = b.toString();
        text = text.substring(text.indexOf(';') + 1); // after IMPORTS
        // An entry's SEQUENCE may name a column of type OBJECT IDENTIFIER (IF-MIB's ifSpecific),
        // which would read as the start of a definition.
        text = text.replaceAll("(?s)::=\\s*SEQUENCE\\s*\\{[^}]*\\}", "::= SEQUENCE");
        MibFile m = new MibFile();
        Matcher tc = TC.matcher(text);
        while (tc.find()) {
            m.conventions.put(tc.group(1), enumeration(tc.group(3)));
        }
        Map<String, String[]> parents = new HashMap<>();
        Map<String, String[]> defs = new LinkedHashMap<>();
        Matcher d = DEF.matcher(text);
        while (d.find()) {
            parents.put(d.group(1), new String[] {d.group(4), d.group(5)});
            defs.put(d.group(1), new String[] {d.group(2), d.group(3)});
        }
        for (Map.Entry<String, String[]> e : defs.entrySet()) {
            String name = e.getKey();
            String body = e.getValue()[1];
            OID oid = resolve(name, parents);
            if (e.getValue()[0].equals("OBJECT-TYPE")) {
                String access = find(body, "MAX-ACCESS\\s+([\\w-]+)");
                String syntax = find(body, "SYNTAX\\s+(SEQUENCE OF \\w+|[\\w-]+)");
                String idx = find(body, "INDEX\\s*\\{([^}]*)\\}");
                String en = find(body, "SYNTAX\\s+(?:INTEGER|BITS)\\s*(\\{[^}]*\\})");
                m.objects.put(name, new ObjectType(name, oid, access, syntax, list(idx), enumeration(en)));
            } else if (e.getValue()[0].equals("NOTIFICATION-TYPE")) {
                m.notifications.put(name, new Notification(name, oid, list(find(body, "OBJECTS\\s*\\{([^}]*)\\}"))));
            }
        }
        return m;
    }

    private static OID resolve(String name, Map<String, String[]> parents) {
        String imported = IMPORTED_ROOTS.get(name);
        if (imported != null) {
            return new OID(imported);
        }
        String[] p = parents.get(name);
        if (p == null) {
            throw new IllegalStateException("cannot resolve " + name);
        }
        return new OID(resolve(p[0], parents)).append(Integer.parseInt(p[1]));
    }

    private static String find(String body, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(body);
        return m.find() ? m.group(1) : null;
    }

    private static List<String> list(String s) {
        List<String> out = new ArrayList<>();
        if (s != null) {
            for (String p : s.split(",")) {
                if (!p.isBlank()) {
                    out.add(p.strip());
                }
            }
        }
        return out;
    }

    private static Map<String, Integer> enumeration(String s) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (s != null) {
            Matcher m = Pattern.compile("(\\w+)\\s*\\(\\s*(\\d+)\\s*\\)").matcher(s);
            while (m.find()) {
                out.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        return out;
    }
}
