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
        Set<Integer> existence = existenceEnds(x);
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
                    if (isValue(x, j, existence)) {
                        names.addAll(descendants.getOrDefault(name, Set.of()));
                    }
                }
                i = j;
            } else if (c == '.') {
                if (x.startsWith("..", i)) {
                    if (isValue(x, i + 2, existence)) {
                        return new ExpressionReads(null); // the string-value of an ancestor
                    }
                    i += 2;
                } else {
                    if (depth > 0 && isValue(x, i + 1, existence)) {
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

    /**
     * Whether the step ending before {@code from} ends its path (after its predicates) where the
     * path's nodes' string-values may be read: not when the path is only tested for existence or
     * counted ({@code existence}: where such paths end).
     */
    private static boolean isValue(String x, int from, Set<Integer> existence) {
        int i = from;
        int end = from;
        for (i = skipSpace(x, i); i < x.length() && x.charAt(i) == '['; i = skipSpace(x, i)) {
            i = afterPredicate(x, i);
            end = i;
        }
        return (i >= x.length() || x.charAt(i) != '/') && !existence.contains(end);
    }

    /**
     * Where the location paths end whose nodes are only tested for existence or counted: an
     * operand of a top-level {@code or}/{@code and} (or the whole expression), the argument of
     * count(), or of not() and boolean() (and their or/and operands), when that operand is a bare
     * path (no operator or function outside its predicates but a leading current()).
     */
    static Set<Integer> existenceEnds(String x) {
        Set<Integer> out = new HashSet<>();
        operands(x, 0, x.length(), out);
        for (String f : new String[] {"count(", "not(", "boolean("}) {
            for (int i = x.indexOf(f); i >= 0; i = x.indexOf(f, i + 1)) {
                if (i > 0 && (Character.isLetterOrDigit(x.charAt(i - 1)) || "_-.".indexOf(x.charAt(i - 1)) >= 0)) {
                    continue; // part of another name
                }
                int open = i + f.length() - 1;
                int close = closing(x, open);
                if (close < 0) {
                    continue;
                }
                if (f.equals("count(")) {
                    bare(x, open + 1, close, out);
                } else {
                    operands(x, open + 1, close, out);
                }
            }
        }
        return out;
    }

    /** The top-level or/and operands of x[from, to) that are bare paths. */
    private static void operands(String x, int from, int to, Set<Integer> out) {
        int depth = 0;
        int start = from;
        for (int i = from; i < to; i++) {
            char c = x.charAt(i);
            if (c == '\'' || c == '"') {
                int end = x.indexOf(c, i + 1);
                i = end < 0 ? to : end;
            } else if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (depth == 0 && Character.isWhitespace(c)) {
                int j = skipSpace(x, i);
                for (String op : new String[] {"or", "and"}) {
                    int k = j + op.length();
                    if (x.startsWith(op, j) && k < to && Character.isWhitespace(x.charAt(k))) {
                        bare(x, start, i, out);
                        start = k;
                        i = k - 1;
                        break;
                    }
                }
            }
        }
        bare(x, start, to, out);
    }

    /** Records where x[from, to) ends when, stripped, it is a bare location path. */
    private static void bare(String x, int from, int to, Set<Integer> out) {
        while (from < to && Character.isWhitespace(x.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(x.charAt(to - 1))) {
            to--;
        }
        if (from >= to) {
            return;
        }
        char first = x.charAt(from);
        if (!(Character.isLetter(first) || first == '_' || first == '/' || first == '.')) {
            return; // a literal, a number, a parenthesised expression
        }
        int depth = 0;
        for (int i = from; i < to; i++) {
            char c = x.charAt(i);
            if (c == '\'' || c == '"') {
                if (depth == 0) {
                    return;
                }
                int end = x.indexOf(c, i + 1);
                if (end < 0) {
                    return;
                }
                i = end;
            } else if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (depth == 0) {
                if (c == '(') {
                    if (!(x.startsWith("current()", i - "current".length()) && i - "current".length() == from)) {
                        return; // a function call
                    }
                } else if (Character.isWhitespace(c) || "=<>!+|,*$@()".indexOf(c) >= 0 && c != ')') {
                    return;
                } else if (c == ')' && !(i > from && x.charAt(i - 1) == '(')) {
                    return;
                }
            }
        }
        out.add(to);
    }

    /** The index of the parenthesis closing the one at {@code open}, or -1. */
    private static int closing(String x, int open) {
        return matching(x, open, '(', ')');
    }

    /** The index after the bracket closing the predicate at {@code open}; the end of the text if none. */
    private static int afterPredicate(String x, int open) {
        int close = matching(x, open, '[', ']');
        return close < 0 ? x.length() : close + 1;
    }

    /** The index of the {@code close} that matches the {@code opening} at {@code open} (quoted text skipped), or -1. */
    private static int matching(String x, int open, char opening, char close) {
        int depth = 0;
        for (int i = open; i < x.length(); i++) {
            char c = x.charAt(i);
            if (c == '\'' || c == '"') {
                int end = x.indexOf(c, i + 1);
                if (end < 0) {
                    return -1;
                }
                i = end;
            } else if (c == opening) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int skipSpace(String x, int i) {
        while (i < x.length() && Character.isWhitespace(x.charAt(i))) {
            i++;
        }
        return i;
    }
}
