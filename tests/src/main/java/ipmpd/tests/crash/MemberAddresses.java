package ipmpd.tests.crash;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The IPv4 addresses of the members and their policy rules, as the kernel has them ({@code ip})
 * and as the engine says they should be (ipmpstat -a and -t), each as "ADDRESS MEMBER" or
 * "ADDRESS TABLE".
 */
final class MemberAddresses {
    private static final int RULE_PRIORITY = 1000;
    private static final int TABLE_BASE = 30000;
    /** Member tables take TABLE_BASE + ifindex; spread tables the span after them. */
    private static final long TABLE_SPAN = 1 << 20;

    private final String ns;
    private final String memberPrefix;

    MemberAddresses(String ns, String memberPrefix) {
        this.ns = ns;
        this.memberPrefix = memberPrefix;
    }

    /** "ADDRESS MEMBER" for every data address (where it is inbound) and IPv4 test address the engine holds. */
    static Set<String> engine(IpmpdProcess daemon) {
        Set<String> out = new TreeSet<>();
        for (List<String> row : daemon.parsable("-a", "ADDRESS,INBOUND")) {
            if (!row.get(1).isEmpty()) {
                out.add(row.get(0) + " " + row.get(1));
            }
        }
        for (List<String> row : daemon.parsable("-t", "INTERFACE,TESTADDR")) {
            if (row.get(1).matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) { // IPv4; "--" when none
                out.add(row.get(1) + " " + row.get(0));
            }
        }
        return out;
    }

    /** The data addresses the engine holds, wherever they are. */
    static Set<String> engineData(IpmpdProcess daemon) {
        Set<String> out = new TreeSet<>();
        for (List<String> row : daemon.parsable("-a", "ADDRESS")) {
            out.add(row.get(0));
        }
        return out;
    }

    /** "ADDRESS MEMBER" for every IPv4 address on a member in the kernel. */
    Set<String> kernel() {
        Set<String> out = new TreeSet<>();
        for (String l : Netns.exec(ns, "ip", "-o", "-4", "addr", "show").lines().toList()) {
            String[] w = l.trim().split("\\s+");
            if (w.length > 3 && w[1].startsWith(memberPrefix) && w[2].equals("inet")) {
                out.add(w[3].split("/")[0] + " " + w[1]);
            }
        }
        return out;
    }

    /**
     * Whether {@code rules} ("ADDRESS TABLE", {@link #rules()}) are exactly the rules {@code placed}
     * ("ADDRESS MEMBER") needs: a test address's to its member's table; a data address's to its
     * member's table or, with outbound spreading (the default), to a spread table (numbered after
     * every member table: SourceSteering's layout), which it uses once its group has active members.
     */
    boolean rulesMatch(Set<String> placed, Set<String> data, Set<String> rules) {
        Map<String, Integer> index = indexes();
        Map<String, String> byAddress = new HashMap<>();
        for (String r : rules) {
            String[] w = r.split(" ");
            if (byAddress.put(w[0], w[1]) != null) {
                return false; // two rules for one address
            }
        }
        if (byAddress.size() != placed.size()) {
            return false;
        }
        for (String e : placed) {
            String[] w = e.split(" ");
            String table = byAddress.get(w[0]);
            if (table == null) {
                return false;
            }
            long t = Long.parseLong(table);
            boolean own = t == TABLE_BASE + index.getOrDefault(w[1], -1);
            boolean spread = t >= TABLE_BASE + TABLE_SPAN && t < TABLE_BASE + 2L * TABLE_SPAN;
            if (!(own || (data.contains(w[0]) && spread))) {
                return false;
            }
        }
        return true;
    }

    private Map<String, Integer> indexes() {
        Map<String, Integer> out = new HashMap<>();
        for (String l : Netns.exec(ns, "ip", "-o", "link", "show").lines().toList()) {
            String[] w = l.split(":\\s*");
            if (w.length > 2) {
                out.put(w[1].split("@")[0].trim(), Integer.parseInt(w[0].trim()));
            }
        }
        return out;
    }

    /** "ADDRESS TABLE" for every IPv4 rule of ipmpd's priority in the kernel. */
    Set<String> rules() {
        Set<String> out = new TreeSet<>();
        for (String l : Netns.exec(ns, "ip", "-4", "rule", "show").lines().toList()) {
            String[] w = l.trim().split("\\s+");
            if (w.length >= 5 && w[0].equals(RULE_PRIORITY + ":") && w[1].equals("from") && w[3].equals("lookup")) {
                out.add(w[2] + " " + w[4]);
            }
        }
        return out;
    }
}
