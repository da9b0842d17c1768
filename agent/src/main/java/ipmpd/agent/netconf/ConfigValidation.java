package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.MustRule;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validation of an ipmpd configuration tree against the YANG module ({@link YangSchema}):
 * <ul>
 * <li>structure: known elements in the module's namespace, config true only, keys present and
 * unique, single instances of leaves and containers, leaf values of their type (yangkit evaluates
 * ranges, lengths, patterns, enums; values are rewritten in canonical form);</li>
 * <li>semantics, on the tree with defaults filled in: mandatory leaves, leafref require-instance,
 * and every must statement of the module (XPath 1.0 evaluated by jaxen, with YANG's current()),
 * reported with the statement's error-message and error-app-tag.</li>
 * </ul>
 * The engine's own rules (ConfigValidator) are checked afterwards by {@link ConfigXml}.
 */
final class ConfigValidation {
    private final YangSchema schema;

    ConfigValidation(YangSchema schema) {
        this.schema = schema;
    }

    /** Structure and types of a tree (the wrapper of its top-level nodes); canonicalises values in place. */
    List<RpcError> checkStructure(Element tree) {
        List<RpcError> errors = new ArrayList<>();
        structure(tree, schema.root(), errors);
        return errors;
    }

    /** The error-path of a child (built only for errors: it walks up the tree). */
    private String at(Element parent, Element child) {
        return DataTree.childPath(schema, parent, child.getLocalName());
    }

    private void structure(Element e, SNode s, List<RpcError> errors) {
        Set<String> singles = new HashSet<>();
        Set<List<String>> listKeys = new HashSet<>();
        Set<String> leafListValues = new HashSet<>();
        for (Element c : Xml.children(e)) {
            SNode cs = s.child(c.getLocalName());
            if (cs != null && !cs.ns.equals(c.getNamespaceURI()) || cs == null && !YangSchema.PREFIXES.containsKey(
                    c.getNamespaceURI())) {
                errors.add(RpcError.unknownNamespace(RpcError.Type.APPLICATION, c.getLocalName(), c.getNamespaceURI(),
                        DataTree.path(schema, e)));
                continue;
            }
            if (cs == null) {
                errors.add(RpcError.unknownElement(RpcError.Type.APPLICATION, c.getLocalName(),
                        "unknown element " + c.getLocalName() + " in " + s.name, DataTree.path(schema, e)));
                continue;
            }
            if (!cs.config) {
                errors.add(RpcError.invalidValue(c.getLocalName() + " is state data (config false) and cannot be "
                        + "configured", at(e, c)));
                continue;
            }
            switch (cs.kind) {
                case LEAF, LEAF_LIST -> {
                    if (Xml.hasElementChildren(c)) {
                        errors.add(RpcError.invalidValue(cs.name + " is a leaf and cannot have child elements",
                                at(e, c)));
                        continue;
                    }
                    String v = Xml.text(c);
                    String canon = YangSchema.canonical(cs, c);
                    if (canon == null) {
                        errors.add(RpcError.invalidValue("invalid value \"" + v + "\" for " + cs.name, at(e, c)));
                        continue;
                    }
                    if (!canon.equals(c.getTextContent())) {
                        c.setTextContent(canon);
                    }
                    if (YangSchema.isIdentityref(cs)) {
                        YangSchema.declarePrefix(c, canon);
                    }
                    if (cs.kind == Kind.LEAF && !singles.add(cs.name)) {
                        errors.add(RpcError.invalidValue("duplicate instance of leaf " + cs.name, at(e, c)));
                    }
                    if (cs.kind == Kind.LEAF_LIST && !leafListValues.add(cs.name + "\u0000" + canon)) {
                        errors.add(RpcError.dataExists("duplicate value " + canon + " of leaf-list " + cs.name,
                                DataTree.path(schema, c)));
                    }
                }
                case CONTAINER -> {
                    if (!singles.add(cs.name)) {
                        errors.add(RpcError.invalidValue("duplicate instance of container " + cs.name, at(e, c)));
                    }
                    structure(c, cs, errors);
                }
                case LIST -> {
                    List<String> kv = new ArrayList<>();
                    boolean ok = true;
                    for (String k : cs.keys) {
                        List<Element> ks = DataTree.childrenByName(c, k);
                        if (ks.isEmpty()) {
                            errors.add(RpcError.missingElement(RpcError.Type.APPLICATION, k,
                                    "list " + cs.name + " entry without its key " + k, at(e, c)));
                            ok = false;
                        } else {
                            kv.add(YangSchema.canonical(cs.child(k), Xml.text(ks.get(0))));
                        }
                    }
                    structure(c, cs, errors);
                    if (ok && !kv.contains(null) && !listKeys.add(kv)) {
                        errors.add(RpcError.dataExists("duplicate entry " + kv + " of list " + cs.name,
                                DataTree.path(schema, c)));
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    /**
     * Mandatory leaves, leafrefs and must statements, on a copy with defaults filled in. The tree
     * must have passed {@link #checkStructure}. A null tree is the empty configuration.
     */
    List<RpcError> checkSemantics(Element tree) {
        if (tree == null) {
            return new ArrayList<>();
        }
        return semanticsOf(semanticTree(tree), null);
    }

    /**
     * The tree semantics are checked on: a namespace-less copy of a tree (the wrapper of its
     * top-level nodes) with defaults filled in, as the document element {@link MustEvaluator#TOP}
     * of a new document.
     */
    Element semanticTree(Element tree) {
        Document doc = Xml.newDocument();
        Element copy = doc.createElementNS(null, MustEvaluator.TOP);
        for (Element top : Xml.children(tree)) {
            copy.appendChild(DataTree.copyWithoutNamespaces(doc, top));
        }
        doc.appendChild(copy);
        DataTree.fillDefaults(copy, schema.root());
        return copy;
    }

    /**
     * Which constraints of a semantic tree to evaluate, in document order: those of the nodes above
     * the top-level nodes' children (the "units": list entries such as an interface or a group, and
     * the top-level containers' own leaves) always, all of those in the units {@link #changed}, and
     * in the others only those {@link #reevaluate} says.
     */
    interface Selection {
        boolean changed(Element unit);

        /** Whether a must or leafref (its text) of a node at {@code depth} of an unchanged unit is evaluated again. */
        boolean reevaluate(String expression, int depth);
    }

    /** Depth of the units in a semantic tree (its document element is 0, the top-level nodes 1). */
    static final int UNIT_DEPTH = 2;

    /**
     * The semantic checks of a {@link #semanticTree}: all of them (selection null) or the
     * selected ones; errors in document order either way.
     */
    List<RpcError> semanticsOf(Element copy, Selection selection) {
        List<RpcError> errors = new ArrayList<>();
        semantics(copy, schema.root(), 0, selection, new MustEvaluator(copy), errors);
        evaluated = counted;
        counted = 0;
        return errors;
    }

    /** How many musts and leafrefs the latest {@link #semanticsOf} evaluated (for tests and the harness). */
    int evaluated;
    private int counted;

    private void semantics(Element e, SNode s, int depth, Selection sel, MustEvaluator xpath, List<RpcError> errors) {
        if (sel != null && depth == UNIT_DEPTH && sel.changed(e)) {
            sel = null; // a changed unit: everything in it
        }
        boolean all = sel == null || depth < UNIT_DEPTH;
        // the instance a leafref names first: the musts about it say nothing useful without it
        if (s.leafrefPath != null && s.requireInstance && (all || sel.reevaluate(s.leafrefPath, depth))) {
            counted++;
            String v = Xml.text(e);
            if (!xpath.leafrefFound(s.leafrefPath, e)) {
                errors.add(new RpcError(RpcError.Type.APPLICATION, "data-missing", "required instance "
                        + s.leafrefPath + " = " + v + " does not exist", "instance-required",
                        DataTree.path(schema, e), null));
            }
        }
        for (MustRule m : s.musts) {
            if (!all && !sel.reevaluate(m.xpath(), depth)) {
                continue;
            }
            counted++;
            if (!xpath.test(m.xpath(), e)) {
                String msg = m.errorMessage() != null ? m.errorMessage()
                        : "must condition \"" + m.xpath() + "\" not satisfied";
                errors.add(new RpcError(RpcError.Type.APPLICATION, "operation-failed", msg,
                        m.appTag() != null ? m.appTag() : "must-violation", DataTree.path(schema, e), null));
            }
        }
        if (s.isLeafy()) {
            return;
        }
        if (all) {
            for (SNode cs : s.children.values()) {
                if (cs.kind == Kind.LEAF && cs.mandatory && cs.config && DataTree.childByName(e, cs.name) == null) {
                    errors.add(RpcError.missingElement(RpcError.Type.APPLICATION, cs.name,
                            "mandatory leaf " + cs.name + " is missing", DataTree.path(schema, e)));
                }
            }
        }
        for (Element c : Xml.children(e)) {
            SNode cs = s.child(c.getLocalName());
            if (cs != null && cs.config) {
                semantics(c, cs, depth + 1, sel, xpath, errors);
            }
        }
    }
}
