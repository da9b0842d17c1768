package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The semantic checks of {@link ConfigValidation} (mandatory leaves, leafrefs, musts) of a tree
 * that differs little from one that passed them (the baseline): what can have changed is checked
 * again, the rest of the verdict is the baseline's (no error). The verdict is the full check's,
 * errors in the same order:
 * <ul>
 * <li>in the units (list entries and leaves under the top-level nodes) that differ from the
 * baseline's, everything is checked;</li>
 * <li>in the others, a must or leafref that reads only its unit ({@link MustEvaluator#scope}) has
 * the value it had; one that reads beyond it is evaluated again when it can read a node name
 * that changed ({@link ExpressionReads}; an added or removed subtree changes all its names, a
 * leaf its own);</li>
 * <li>the nodes above the units are always checked.</li>
 * </ul>
 * Without a baseline (after start, or {@link #forget}), with different top-level nodes, or when
 * most units changed, the full check runs. A tree that passes becomes the baseline.
 */
final class IncrementalSemantics {
    private final YangSchema schema;
    private final ConfigValidation validation;

    /** {@link MustEvaluator#scope} of the module's expressions, by text (a scan of the text each). */
    private static final Map<String, Integer> SCOPES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The latest tree that passed, as {@link ConfigValidation#semanticTree}; null when none. */
    private Element baseline;
    /** Its units by {@link #unitId}. */
    private Map<String, Element> baselineUnits;

    /** Whether the latest check was incremental, and how many constraints it evaluated (tests, harness). */
    boolean lastIncremental;
    int lastEvaluated;

    IncrementalSemantics(YangSchema schema, ConfigValidation validation) {
        this.schema = schema;
        this.validation = validation;
    }

    /** The next check is a full one. */
    void forget() {
        baseline = null;
        baselineUnits = null;
    }

    /** The semantic errors of a tree (which must have passed {@link ConfigValidation#checkStructure}); null: empty. */
    List<RpcError> check(Element tree) {
        if (tree == null) {
            forget();
            return new ArrayList<>();
        }
        Element copy = validation.semanticTree(tree);
        Map<String, Element> units = units(copy);
        Set<Element> changed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Set<String> changedNames = new HashSet<>();
        boolean incremental = baseline != null && units != null && topNames(copy).equals(topNames(baseline))
                && sameOrder(baselineUnits, units);
        if (incremental) {
            for (Map.Entry<String, Element> u : units.entrySet()) {
                Element was = baselineUnits.get(u.getKey());
                if (was == null) {
                    changed.add(u.getValue());
                    allNames(u.getValue(), changedNames);
                } else if (!was.isEqualNode(u.getValue())) { // names, text and order; nothing allocated
                    changed.add(u.getValue());
                    diff(was, u.getValue(), unitSchema(u.getValue()), changedNames);
                }
            }
            for (Map.Entry<String, Element> u : baselineUnits.entrySet()) {
                if (!units.containsKey(u.getKey())) {
                    allNames(u.getValue(), changedNames);
                }
            }
            incremental = changed.size() * 2 <= units.size(); // else checking all of it costs less
        }
        List<RpcError> errors;
        if (incremental) {
            errors = validation.semanticsOf(copy, new ConfigValidation.Selection() {
                @Override
                public boolean changed(Element unit) {
                    return changed.contains(unit);
                }

                @Override
                public boolean reevaluate(String expression, int depth) {
                    int scope = SCOPES.computeIfAbsent(expression, e -> MustEvaluator.scope(MustEvaluator.onTree(e)));
                    if (scope >= 0 && depth - scope >= ConfigValidation.UNIT_DEPTH) {
                        return false; // reads only its unit, which is as it was
                    }
                    ExpressionReads reads = ExpressionReads.of(expression, schema);
                    if (reads.unknown()) {
                        return true;
                    }
                    for (String n : reads.names) {
                        if (changedNames.contains(n)) {
                            return true;
                        }
                    }
                    return false;
                }
            });
        } else {
            errors = validation.semanticsOf(copy, null);
        }
        lastIncremental = incremental;
        lastEvaluated = validation.evaluated;
        if (errors.isEmpty() && units != null) {
            baseline = copy;
            baselineUnits = units;
        }
        return errors;
    }

    private static List<String> topNames(Element copy) {
        List<String> out = new ArrayList<>();
        for (Element top : Xml.children(copy)) {
            out.add(top.getLocalName());
        }
        return out;
    }

    /** The units of a semantic tree by {@link #unitId}, in document order; null when two have the same id. */
    private Map<String, Element> units(Element copy) {
        Map<String, Element> out = new LinkedHashMap<>();
        for (Element top : Xml.children(copy)) {
            SNode ts = schema.root().child(top.getLocalName());
            for (Element u : Xml.children(top)) {
                if (out.putIfAbsent(unitId(top, ts == null ? null : ts.child(u.getLocalName()), u), u) != null) {
                    return null;
                }
            }
        }
        return out;
    }

    /** Whether the units both trees have are in the same order (string-values of the top-level nodes). */
    private static boolean sameOrder(Map<String, Element> was, Map<String, Element> is) {
        List<String> a = was.keySet().stream().filter(is::containsKey).toList();
        List<String> b = is.keySet().stream().filter(was::containsKey).toList();
        return a.equals(b);
    }

    private SNode unitSchema(Element unit) {
        SNode ts = schema.root().child(((Element) unit.getParentNode()).getLocalName());
        return ts == null ? null : ts.child(unit.getLocalName());
    }

    /** A unit's identity: its top-level node, name and keys (a leaf-list's value; other nodes are single). */
    private static String unitId(Element top, SNode s, Element u) {
        StringBuilder b = new StringBuilder(top.getLocalName()).append('/').append(u.getLocalName());
        if (s != null) {
            identity(s, u, b);
        }
        return b.toString();
    }

    private static void identity(SNode s, Element e, StringBuilder b) {
        if (s.kind == Kind.LIST) {
            for (String k : s.keys) {
                Element kv = DataTree.childByName(e, k);
                b.append('[').append(kv == null ? "\u0000" : Xml.text(kv)).append(']');
            }
        } else if (s.kind == Kind.LEAF_LIST) {
            b.append("[.=").append(Xml.text(e)).append(']');
        }
    }

    /**
     * The names of the nodes that differ between two versions of a node: children matched by name
     * and keys; one present on one side only adds all its names, a leaf whose value differs its own.
     */
    private static void diff(Element was, Element is, SNode s, Set<String> out) {
        if (s == null || s.isLeafy()) {
            allNames(was, out);
            allNames(is, out);
            return;
        }
        Map<String, Element> before = children(was, s);
        Map<String, Element> after = children(is, s);
        if (before == null || after == null) {
            allNames(was, out);
            allNames(is, out);
            return;
        }
        boolean found = false;
        for (Map.Entry<String, Element> c : after.entrySet()) {
            Element old = before.get(c.getKey());
            if (old == null) {
                allNames(c.getValue(), out);
                found = true;
            } else if (!old.isEqualNode(c.getValue())) {
                diff(old, c.getValue(), s.child(c.getValue().getLocalName()), out);
                found = true;
            }
        }
        for (Map.Entry<String, Element> c : before.entrySet()) {
            if (!after.containsKey(c.getKey())) {
                allNames(c.getValue(), out);
                found = true;
            }
        }
        if (!found) {
            // the same children in another order: the string-values of this node and above differ
            allNames(was, out);
            allNames(is, out);
        }
    }

    /** The children of a node by identity; null when two have the same. */
    private static Map<String, Element> children(Element e, SNode s) {
        Map<String, Element> out = new HashMap<>();
        for (Element c : Xml.children(e)) {
            SNode cs = s.child(c.getLocalName());
            StringBuilder b = new StringBuilder(c.getLocalName());
            if (cs != null) {
                identity(cs, c, b);
            }
            if (out.putIfAbsent(b.toString(), c) != null) {
                return null;
            }
        }
        return out;
    }

    private static void allNames(Element e, Set<String> out) {
        out.add(e.getLocalName());
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element el) {
                allNames(el, out);
            }
        }
    }
}
