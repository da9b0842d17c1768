package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.SNode;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a must expression or leafref path can read of a tree, conservatively, from its text (as
 * it reads on the namespace-less tree, {@link MustEvaluator#onTree}): the names of the nodes it
 * can visit and whose values it can use. Its value on two trees is the same when the trees differ
 * only in nodes of other names (nodes added or removed, leaf values) and its context node and
 * that node's subtree are the same: child steps select by name, predicates and comparisons read
 * the string-values of the nodes they name (for a step naming an inner node, those of all the
 * names below it in the schema).
 * <p>
 * {@link #unknown} when the text leaves that open: wildcards, axes, attributes, variables,
 * positions ({@code [1]}, position(), last()), name functions, "..", or "." as a value inside a
 * predicate (the nodes it stands for are not named).
 */
final class ExpressionReads {
    /** Node names read; null when {@link #unknown}. */
    final Set<String> names;

    private ExpressionReads(Set<String> names) {
        this.names = names;
    }

    boolean unknown() {
        return names == null;
    }

    private static final Set<String> UNKNOWN_FUNCTIONS = Set.of("position", "last", "id", "name", "local-name",
            "namespace-uri", "lang", "deref");

    private static final Map<String, ExpressionReads> BY_TEXT = new ConcurrentHashMap<>();

    /** The reads of an expression of the module (remembered by its text). */
    static ExpressionReads of(String expression, YangSchema schema) {
        return BY_TEXT.computeIfAbsent(expression, e -> analyse(MustEvaluator.onTree(e), descendants(schema)));
    }

    /** For each name of an inner node of the schema: the names of every node below one of that name. */
    private static volatile Map<String, Set<String>> descendants;

    private static Map<String, Set<String>> descendants(YangSchema schema) {
        Map<String, Set<String>> d = descendants;
        if (d == null) {
            d = new HashMap<>();
            collect(schema.root(), d);
            descendants = d;
        }
        return d;
    }

    private static Set<String> collect(SNode s, Map<String, Set<String>> out) {
        Set<String> below = new HashSet<>();
        if (!s.isLeafy()) {
            for (SNode c : s.children.values()) {
                below.add(c.name);
                below.addAll(collect(c, out));
            }
            out.computeIfAbsent(s.name, k -> new HashSet<>()).addAll(below);
        }
        return below;
    }

    static ExpressionReads analyse(String x, Map<String, Set<String>> descendants) {
        if (x.contains("::") || x.indexOf('@') >= 0 || x.indexOf('$') >= 0 || x.indexOf('*') >= 0
                || x.contains("//")) {
            return new ExpressionReads(null);
        }
        Set<String> names = new HashSet<>();
        int depth = 0; // of predicates
        int n = x.length();
        for (int i = 0; i < n; ) {
            char c = x.charAt(i);
            if (c == '\'' || c == '"') {
                int end = x.indexOf(c, i + 1);
                i = end < 0 ? n : end + 1;
            } else if (c == '[') {
                depth++;
                int j = skipSpace(x, i + 1);
                if (j < n && Character.isDigit(x.charAt(j))) {
                    return new ExpressionReads(null); // a position
                }
                i++;
            } else if (c == ']') {
                depth--;
                i++;
            } else if (Character.isDigit(c)) {
                int j = i;
                while (j < n && (Character.isDigit(x.charAt(j)) || x.charAt(j) == '.')) {
                    j++;
                }
                i = j;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(x.charAt(j)) || "_.-".indexOf(x.charAt(j)) >= 0)) {
                    j++;
                }
                String name = x.substring(i, j);
                int k = skipSpace(x, j);
                if (k < n && x.charAt(k) == '(') {
                    if (UNKNOWN_FUNCTIONS.contains(name) || name.equals("node") || name.equals("text")) {
                        return new ExpressionReads(null);
                    }
                } else {
                    names.add(name);
                    if (isValue(x, j)) {
                        names.addAll(descendants.getOrDefault(name, Set.of()));
                    }
                }
                i = j;
            } else if (c == '.') {
                if (x.startsWith("..", i)) {
                    if (isValue(x, i + 2)) {
                        return new ExpressionReads(null); // the string-value of an ancestor
                    }
                    i += 2;
                } else {
                    if (depth > 0 && isValue(x, i + 1)) {
                        return new ExpressionReads(null); // the node a predicate filters, unnamed
                    }
                    i++;
                }
            } else {
                i++;
            }
        }
        return new ExpressionReads(Set.copyOf(names));
    }

    /** Whether the step ending before {@code from} ends its path (after its predicates): its nodes' values may be read. */
    private static boolean isValue(String x, int from) {
        int i = skipSpace(x, from);
        while (i < x.length() && x.charAt(i) == '[') {
            i = skipSpace(x, afterPredicate(x, i));
        }
        return i >= x.length() || x.charAt(i) != '/';
    }

    private static int afterPredicate(String x, int open) {
        int depth = 0;
        for (int i = open; i < x.length(); i++) {
            char c = x.charAt(i);
            if (c == '\'' || c == '"') {
                int end = x.indexOf(c, i + 1);
                if (end < 0) {
                    return x.length();
                }
                i = end;
            } else if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return i + 1;
            }
        }
        return x.length();
    }

    private static int skipSpace(String x, int i) {
        while (i < x.length() && Character.isWhitespace(x.charAt(i))) {
            i++;
        }
        return i;
    }
}
