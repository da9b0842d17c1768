package ipmpd.agent.netconf;

import org.jaxen.Function;
import org.jaxen.JaxenException;
import org.jaxen.XPathFunctionContext;
import org.jaxen.dom.DOMXPath;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates the XPath 1.0 of must statements and leafref paths over one namespace-less
 * configuration tree (YANG's {@code current()} included), for {@link ConfigValidation}.
 * <p>
 * Expressions are compiled once (jaxen) and reused. Two shapes that, evaluated naively, scan the
 * whole tree once per list entry (quadratic: 65,000 comparisons per commit at 256 members) are
 * answered from hash indexes built once per tree instead, with XPath's own semantics (node-set
 * equality compares string-values; count counts distinct nodes):
 * <ul>
 * <li>{@code count(/ABS/PATH[REL = current()/REL2]) = N} (REL may be {@code .}, the
 * {@code /REL2} part may be absent): uniqueness of keys and values across the tree;</li>
 * <li>{@code not(/ABS/PATH = REL)}: a value that must not appear anywhere under /ABS/PATH.</li>
 * </ul>
 * Any other expression goes to jaxen. An evaluator belongs to one tree, which must not change
 * while it is used.
 */
final class MustEvaluator {
    private static final String STEP = "[A-Za-z_][A-Za-z0-9_.-]*";
    private static final String ABS = "((?:/" + STEP + ")+)";
    private static final String REL = "(" + STEP + "(?:/" + STEP + ")*)";
    private static final Pattern COUNT_EQUAL_CURRENT = Pattern.compile(
            "count\\(" + ABS + "\\[\\s*(\\.|" + STEP + "(?:/" + STEP + ")*)\\s*=\\s*current\\(\\)((?:/" + STEP
                    + ")*)\\s*\\]\\)\\s*=\\s*([0-9]+)");
    private static final Pattern PLAIN_ABSOLUTE = Pattern.compile(ABS);
    private static final Pattern NOT_IN = Pattern.compile("not\\(" + ABS + "\\s*=\\s*" + REL + "\\)");

    /** How an expression is evaluated: a plan per expression text, shared by all evaluators. */
    private sealed interface Plan permits CountEqualCurrent, NotIn, General {
    }

    private record CountEqualCurrent(List<String> abs, List<String> key, List<String> fromCurrent, int n)
            implements Plan {
    }

    private record NotIn(List<String> abs, List<String> rel) implements Plan {
    }

    /**
     * Evaluated by jaxen. {@code scope}: the expression reads nothing outside the subtree of its
     * context node's {@code scope}-th ancestor (0: the context's own subtree; -1: anywhere), so its
     * value is a function of that subtree's content and of where the context is in it, and is
     * remembered by them ({@link #LOCAL_RESULTS}); see {@link #scope(String)}.
     * {@code localFirstDisjunct}: for {@code A or B} with a local {@code A}, that {@code A} (null
     * otherwise); when it holds the whole expression does, without evaluating {@code B}.
     */
    private record General(DOMXPath xpath, int scope, String localFirstDisjunct) implements Plan {
    }

    /**
     * Values of local expressions by (expression, content of the context subtree): the same
     * member or address in the next commit's tree is not evaluated again. Bounded: cleared when
     * full.
     */
    private static final Map<List<String>, Boolean> LOCAL_RESULTS = new ConcurrentHashMap<>();
    private static final int LOCAL_RESULTS_MAX = 65_536;

    private static final Map<String, Plan> PLANS = new ConcurrentHashMap<>();
    /** The node current() returns while an expression is evaluated on this thread. */
    private static final ThreadLocal<Node> CURRENT = new ThreadLocal<>();
    /** The evaluator whose tree (and indexes) an expression reads, while it is evaluated on this thread. */
    private static final ThreadLocal<MustEvaluator> EVALUATOR = new ThreadLocal<>();

    /**
     * {@code /ABS[KEY = current()...]} inside an expression: the entries of a list found by a key's
     * value through a hash index of the tree instead of a scan (an absolute path in a must of a
     * list entry is otherwise read once per entry: quadratic), as {@code ipmpd-keyed('ABS', 'KEY', X)}.
     */
    private static final Pattern KEYED = Pattern.compile("/" + "data" + "((?:/" + STEP
            + ")+)\\[\\s*(" + STEP + ")\\s*=\\s*(current\\(\\)(?:/(?:" + STEP + "|\\.\\.))*)\\s*\\]");

    /** An element of the tree; its document's element is what absolute paths start from. */
    private final Element root;
    private final Map<List<List<String>>, Map<String, List<Node>>> keyIndexes = new HashMap<>();
    private final Map<List<String>, Set<String>> valueSets = new HashMap<>();

    /** @param root the top element of the tree ({@code ipmp}), attached to its document */
    MustEvaluator(Element root) {
        this.root = root;
    }

    /** The boolean value of an expression with {@code context} as context and current() node. */
    boolean test(String expr, Node context) {
        Plan p = plan(expr);
        if (p instanceof CountEqualCurrent c) {
            return countEqualCurrent(c, context) == c.n();
        }
        if (p instanceof NotIn n) {
            Set<String> values = valueSet(n.abs());
            for (Node v : walk(List.of(context), n.rel())) {
                if (values.contains(stringValue(v))) {
                    return false;
                }
            }
            return true;
        }
        General g = (General) p;
        if (g.localFirstDisjunct() != null && test(g.localFirstDisjunct(), context)) {
            return true;
        }
        List<String> key = null;
        if (g.scope() >= 0) {
            key = scopedKey(expr, context, g.scope());
            Boolean known = key == null ? null : LOCAL_RESULTS.get(key);
            if (known != null) {
                return known;
            }
        }
        DOMXPath x = g.xpath();
        CURRENT.set(context);
        EVALUATOR.set(this);
        try {
            boolean v = x.booleanValueOf(context);
            if (key != null) {
                if (LOCAL_RESULTS.size() >= LOCAL_RESULTS_MAX) {
                    LOCAL_RESULTS.clear();
                }
                LOCAL_RESULTS.put(key, v);
            }
            return v;
        } catch (JaxenException e) {
            throw new IllegalStateException("cannot evaluate must \"" + expr + "\": " + e.getMessage(), e);
        } finally {
            CURRENT.remove();
            EVALUATOR.remove();
        }
    }

    /**
     * Whether a leafref's path selects a node whose value is the leaf's (require-instance),
     * remembered like a must expression when the path's {@link #scope} allows.
     */
    boolean leafrefFound(String path, Element leaf) {
        int scope = scope(path);
        List<String> key = scope >= 0 ? scopedKey("leafref " + path, leaf, scope) : null;
        Boolean known = key == null ? null : LOCAL_RESULTS.get(key);
        if (known != null) {
            return known;
        }
        String v = Xml.text(leaf);
        String onTree = onTree(path);
        if (PLAIN_ABSOLUTE.matcher(onTree).matches()) {
            return valueSet(steps(onTree)).contains(v); // a set of the tree's values, not a scan per leaf
        }
        boolean found = false;
        for (Node t : select(path, leaf)) {
            if (t.getTextContent().strip().equals(v)) {
                found = true;
                break;
            }
        }
        if (key != null) {
            if (LOCAL_RESULTS.size() >= LOCAL_RESULTS_MAX) {
                LOCAL_RESULTS.clear();
            }
            LOCAL_RESULTS.put(key, found);
        }
        return found;
    }

    /** The nodes a path selects from {@code context} (leafref targets). */
    @SuppressWarnings("unchecked")
    List<Node> select(String expr, Node context) {
        DOMXPath x = jaxen(expr);
        CURRENT.set(context);
        EVALUATOR.set(this);
        try {
            return (List<Node>) x.selectNodes(context);
        } catch (JaxenException e) {
            throw new IllegalStateException("cannot evaluate path \"" + expr + "\": " + e.getMessage(), e);
        } finally {
            CURRENT.remove();
            EVALUATOR.remove();
        }
    }

    // ------------------------------------------------------------------ plans

    static Plan plan(String expr) {
        return PLANS.computeIfAbsent(expr, e -> makePlan(onTree(e)));
    }

    /** The name of the document element of the trees evaluated: it stands for the datastore. */
    static final String TOP = "data";

    /**
     * An expression of the module as it reads on the namespace-less tree: without the prefixes of
     * its name tests ("if:name" reads "name"; the modules' node names do not clash), and with every
     * absolute path starting at {@link #TOP} ("/if:interfaces" reads "/data/interfaces"). Literals
     * are left as they are. Idempotent.
     */
    static String onTree(String expr) {
        return ON_TREE.computeIfAbsent(expr, MustEvaluator::rewriteOnTree);
    }

    /** {@link #onTree} by expression (the module's few expressions and leafref paths). */
    private static final Map<String, String> ON_TREE = new ConcurrentHashMap<>();

    private static String rewriteOnTree(String expr) {
        StringBuilder b = new StringBuilder(expr.length() + 16);
        boolean operand = false; // the previous token ends an operand (XPath 1.0 section 3.7)
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '\'' || c == '"') {
                int end = expr.indexOf(c, i + 1);
                end = end < 0 ? n : end + 1;
                b.append(expr, i, end);
                i = end;
                operand = true;
            } else if (Character.isWhitespace(c)) {
                b.append(c);
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(expr.charAt(j)) || "_.-".indexOf(expr.charAt(j)) >= 0)) {
                    j++;
                }
                String name = expr.substring(i, j);
                if (operand && (name.equals("and") || name.equals("or") || name.equals("div") || name.equals("mod"))) {
                    b.append(name);
                    operand = false;
                } else if (j + 1 < n && expr.charAt(j) == ':' && expr.charAt(j + 1) != ':'
                        && (Character.isLetter(expr.charAt(j + 1)) || expr.charAt(j + 1) == '_')) {
                    i = j + 1; // a prefix: the local name follows
                    continue;
                } else {
                    b.append(name);
                    operand = true;
                }
                i = j;
            } else if (Character.isDigit(c)) {
                int j = i;
                while (j < n && (Character.isDigit(expr.charAt(j)) || expr.charAt(j) == '.')) {
                    j++;
                }
                b.append(expr, i, j);
                i = j;
                operand = true;
            } else if (c == '/') {
                if (!operand && !expr.startsWith("/" + TOP + "/", i)) {
                    b.append('/').append(TOP);
                }
                b.append(c);
                i++;
                operand = false;
            } else if (c == '.') {
                b.append(c);
                i++;
                operand = true;
            } else if (c == '*') {
                b.append(c);
                i++;
                operand = !operand;
            } else {
                b.append(c);
                i++;
                operand = c == ')' || c == ']';
            }
        }
        return b.toString();
    }

    /** Whether an expression is answered from indexes (for tests). */
    static boolean indexed(String expr) {
        return !(plan(expr) instanceof General);
    }

    private static Plan makePlan(String expr) {
        String e = expr.strip();
        Matcher m = COUNT_EQUAL_CURRENT.matcher(e);
        if (m.matches()) {
            return new CountEqualCurrent(steps(m.group(1)), m.group(2).equals(".") ? List.of() : steps(m.group(2)),
                    steps(m.group(3)), Integer.parseInt(m.group(4)));
        }
        m = NOT_IN.matcher(e);
        if (m.matches()) {
            return new NotIn(steps(m.group(1)), steps(m.group(2)));
        }
        String first = firstDisjunct(e);
        return new General(compile(expr), scope(e), first != null && local(first) ? first : null);
    }

    /**
     * {@code A} of an expression {@code A or B} ({@code or} at the top level: outside parentheses,
     * brackets and literals); null when there is no such {@code or}.
     */
    static String firstDisjunct(String e) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (depth == 0 && c == 'o' && e.startsWith("or", i) && i > 0
                    && Character.isWhitespace(e.charAt(i - 1)) && i + 2 < e.length()
                    && Character.isWhitespace(e.charAt(i + 2))) {
                String a = e.substring(0, i).strip();
                return a.isEmpty() ? null : a;
            }
        }
        return null;
    }

    /** Whether an expression reads only its context node's own subtree ({@link #scope} 0). */
    static boolean local(String expr) {
        return scope(expr) == 0;
    }

    /**
     * How far up an expression can read, conservatively from its text: K when everything it
     * reads is in the subtree of the context's K-th ancestor, -1 when that is not certain. It is
     * K when: no absolute path (every '/' follows a step, '.', ')' or ']'; no "//"), no axis
     * ("::"), attribute, variable or id(); ".." only in a chain of K "../" steps (or a final
     * "..") starting a path outside predicates; current() only outside predicates or followed by
     * a downward path. Then every path starts at the context or at most K levels above it and
     * goes down, and predicates (no "..") read below the nodes they filter. Literals containing
     * these characters only make it more conservative.
     */
    static int scope(String expr) {
        if (expr.contains("::") || expr.indexOf('@') >= 0 || expr.indexOf('$') >= 0 || expr.contains("id(")
                || expr.contains("//")) {
            return -1;
        }
        int k = 0;
        int depth = 0;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == '/') {
                char before = i == 0 ? ' ' : expr.charAt(i - 1);
                if (!(Character.isLetterOrDigit(before) || before == '_' || before == '-' || before == '.'
                        || before == ')' || before == ']')) {
                    return -1; // an absolute path
                }
            } else if (c == '.' && expr.startsWith("..", i)) {
                if (depth > 0) {
                    return -1;
                }
                // a chain of "../" at the start of a path: the character before it is no step character
                char before = i == 0 ? ' ' : expr.charAt(i - 1);
                if (Character.isLetterOrDigit(before) || before == '_' || before == '-' || before == '.'
                        || before == '/' || before == ')' || before == ']') {
                    return -1;
                }
                int n = 0;
                int j = i;
                while (expr.startsWith("..", j)) {
                    n++;
                    j += 2;
                    if (j < expr.length() && expr.charAt(j) == '/') {
                        j++;
                    } else {
                        break;
                    }
                }
                if (j < expr.length() && expr.charAt(j) == '.') {
                    return -1;
                }
                k = Math.max(k, n);
                i = j - 1;
            } else if (c == 'c' && expr.startsWith("current()", i)) {
                int j = i + "current()".length();
                if (depth > 0 && j < expr.length() && expr.charAt(j) == '/' && expr.startsWith("..", j + 1)) {
                    return -1;
                }
                i = j - 1;
            }
        }
        return depth == 0 ? k : -1;
    }

    /** (expression, content of the context's scope-th ancestor, where the context is in it). */
    private static List<String> scopedKey(String expr, Node context, int scope) {
        Node top = context;
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < scope; i++) {
            Node parent = top.getParentNode();
            if (parent == null || parent.getNodeType() != Node.ELEMENT_NODE) {
                return null; // near the top: not remembered
            }
            int index = 0;
            for (Node c = parent.getFirstChild(); c != top; c = c.getNextSibling()) {
                index++;
            }
            where.insert(0, index + "/");
            top = parent;
        }
        return List.of(expr, where.toString(), content(top));
    }

    /** The structure and text of a subtree (element names, text, nesting), unambiguously. */
    private static String content(Node n) {
        StringBuilder sb = new StringBuilder();
        content(n, sb);
        return sb.toString();
    }

    private static void content(Node n, StringBuilder sb) {
        if (n.getNodeType() == Node.ELEMENT_NODE) {
            sb.append('<').append(n.getNodeName()).append('>');
            for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
                content(c, sb);
            }
            sb.append("</>");
        } else if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE) {
            // escaped so that text cannot imitate the markers
            String t = n.getNodeValue();
            for (int i = 0; i < t.length(); i++) {
                char ch = t.charAt(i);
                if (ch == '<' || ch == '\\') {
                    sb.append('\\');
                }
                sb.append(ch);
            }
        }
    }

    /** The compiled form of a path or expression (cached when it is not an indexed shape). */
    private static DOMXPath jaxen(String expr) {
        return plan(expr) instanceof General g ? g.xpath() : compile(expr);
    }

    private static DOMXPath compile(String expr) {
        try {
            DOMXPath x = new DOMXPath(keyed(onTree(expr)));
            XPathFunctionContext fc = new XPathFunctionContext(false);
            Function current = (ctx, args) -> List.of(CURRENT.get());
            fc.registerFunction(null, "current", current);
            fc.registerFunction(null, "derived-from-or-self", MustEvaluator::derivedFromOrSelf);
            fc.registerFunction(null, "re-match", MustEvaluator::reMatch);
            fc.registerFunction(null, "ipmpd-keyed", MustEvaluator::keyedLookup);
            x.setFunctionContext(fc);
            return x;
        } catch (JaxenException e) {
            throw new IllegalStateException("cannot compile \"" + expr + "\": " + e.getMessage(), e);
        }
    }

    /**
     * YANG's derived-from-or-self(node-set, 'prefix:identity'): whether a node's identity is the one
     * named. Identities are compared by local name; the module has no identity derived from the
     * ones it tests this way (an interface type of 'ipmp'), so "or derived" never applies.
     */
    private static Object derivedFromOrSelf(org.jaxen.Context ctx, List<?> args) throws org.jaxen.FunctionCallException {
        if (args.size() != 2) {
            throw new org.jaxen.FunctionCallException("derived-from-or-self() takes two arguments");
        }
        String wanted = org.jaxen.function.StringFunction.evaluate(args.get(1), ctx.getNavigator());
        String local = wanted.substring(wanted.indexOf(':') + 1);
        if (args.get(0) instanceof List<?> nodes) {
            for (Object o : nodes) {
                String v = org.jaxen.function.StringFunction.evaluate(o, ctx.getNavigator()).strip();
                if (v.substring(v.indexOf(':') + 1).equals(local)) {
                    return Boolean.TRUE;
                }
            }
        }
        return Boolean.FALSE;
    }

    /** An expression with its keyed list lookups (see {@link #KEYED}) turned into index lookups. */
    static String keyed(String expr) {
        Matcher m = KEYED.matcher(expr);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement("ipmpd-keyed('" + TOP + m.group(1) + "', '" + m.group(2)
                    + "', " + m.group(3) + ")"));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** ipmpd-keyed(abs, key, values): the nodes under the absolute path whose key has one of the values. */
    private static Object keyedLookup(org.jaxen.Context ctx, List<?> args) throws org.jaxen.FunctionCallException {
        MustEvaluator ev = EVALUATOR.get();
        if (args.size() != 3 || ev == null) {
            throw new org.jaxen.FunctionCallException("ipmpd-keyed() outside an evaluation");
        }
        List<String> abs = steps(org.jaxen.function.StringFunction.evaluate(args.get(0), ctx.getNavigator()));
        List<String> key = steps(org.jaxen.function.StringFunction.evaluate(args.get(1), ctx.getNavigator()));
        Map<String, List<Node>> index = ev.keyIndex(abs, key);
        Set<Node> out = new LinkedHashSet<>();
        if (args.get(2) instanceof List<?> values) {
            for (Object v : values) {
                out.addAll(index.getOrDefault(org.jaxen.function.StringFunction.evaluate(v, ctx.getNavigator()),
                        List.of()));
            }
        } else {
            out.addAll(index.getOrDefault(org.jaxen.function.StringFunction.evaluate(args.get(2),
                    ctx.getNavigator()), List.of()));
        }
        return new ArrayList<>(out);
    }

    /** Compiled patterns of re-match() (the module's few, by their text). */
    private static final Map<String, Pattern> RE_MATCH = new ConcurrentHashMap<>();

    /**
     * YANG's re-match(string, pattern): whether the whole string matches the XSD regular
     * expression (the module's patterns mean the same in Java's syntax).
     */
    private static Object reMatch(org.jaxen.Context ctx, List<?> args) throws org.jaxen.FunctionCallException {
        if (args.size() != 2) {
            throw new org.jaxen.FunctionCallException("re-match() takes two arguments");
        }
        String value = org.jaxen.function.StringFunction.evaluate(args.get(0), ctx.getNavigator());
        String regex = org.jaxen.function.StringFunction.evaluate(args.get(1), ctx.getNavigator());
        return RE_MATCH.computeIfAbsent(regex, Pattern::compile).matcher(value).matches();
    }

    private static List<String> steps(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------ indexed shapes

    private int countEqualCurrent(CountEqualCurrent c, Node context) {
        Map<String, List<Node>> index = keyIndex(c.abs(), c.key());
        List<Node> wanted = walk(List.of(context), c.fromCurrent());
        if (wanted.size() == 1) {
            return index.getOrDefault(stringValue(wanted.get(0)), List.of()).size();
        }
        Set<Node> matched = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node w : wanted) {
            matched.addAll(index.getOrDefault(stringValue(w), List.of()));
        }
        return matched.size();
    }

    /** The nodes under an absolute path by the string values of a relative path below them (built once per tree). */
    private Map<String, List<Node>> keyIndex(List<String> abs, List<String> key) {
        return keyIndexes.computeIfAbsent(List.of(abs, key), k -> {
            Map<String, List<Node>> idx = new HashMap<>();
            for (Node n : absolute(abs)) {
                Set<String> distinct = new HashSet<>();
                for (Node v : walk(List.of(n), key)) {
                    distinct.add(stringValue(v));
                }
                for (String v : distinct) {
                    idx.computeIfAbsent(v, x -> new ArrayList<>()).add(n);
                }
            }
            return idx;
        });
    }

    private Set<String> valueSet(List<String> abs) {
        return valueSets.computeIfAbsent(abs, k -> {
            Set<String> s = new HashSet<>();
            for (Node n : absolute(abs)) {
                s.add(stringValue(n));
            }
            return s;
        });
    }

    /** The nodes of an absolute path of child steps, from the document's root element. */
    private List<Node> absolute(List<String> abs) {
        Element top = root.getOwnerDocument().getDocumentElement();
        if (abs.isEmpty() || top == null || !abs.get(0).equals(top.getNodeName())) {
            return List.of();
        }
        return walk(List.of(top), abs.subList(1, abs.size()));
    }

    /** Child steps by name from a set of nodes, in document order, without duplicates. */
    private static List<Node> walk(List<Node> from, List<String> steps) {
        List<Node> cur = from;
        for (String step : steps) {
            Set<Node> next = new LinkedHashSet<>();
            for (Node n : cur) {
                for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
                    if (c.getNodeType() == Node.ELEMENT_NODE && step.equals(c.getNodeName())) {
                        next.add(c);
                    }
                }
            }
            cur = new ArrayList<>(next);
        }
        return cur;
    }

    /** XPath's string-value of an element: the concatenation of its descendant text. */
    private static String stringValue(Node n) {
        return n.getTextContent();
    }
}
