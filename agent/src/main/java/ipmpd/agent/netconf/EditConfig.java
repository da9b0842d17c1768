package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code <edit-config>} operations of RFC 6241 section 7.2 (merge, replace, create, delete,
 * remove, and default-operation none) applied to a copy of a datastore's tree, guided by the
 * module's schema (list keys, leaf-lists, config false). The caller validates and commits the
 * result as a whole.
 */
final class EditConfig {
    enum Op {
        MERGE, REPLACE, CREATE, DELETE, REMOVE, NONE;

        static Op parse(String s) {
            for (Op o : values()) {
                if (o.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return o;
                }
            }
            return null;
        }
    }

    private final YangSchema schema;
    private final Op defaultOp;
    private final boolean continueOnError;
    private final List<RpcError> errors = new ArrayList<>();

    EditConfig(YangSchema schema, Op defaultOp, boolean continueOnError) {
        this.schema = schema;
        this.defaultOp = defaultOp;
        this.continueOnError = continueOnError;
    }

    /** Errors recorded under continue-on-error. */
    List<RpcError> errors() {
        return errors;
    }

    /**
     * Applies the children of {@code config} to the datastore tree held under {@code root} (a
     * wrapper element whose children are the top-level nodes, {@code <interfaces>} and {@code <ipmp>}).
     *
     * @throws RpcError on the first error (stop-on-error, rollback-on-error)
     */
    void apply(Element root, Element config) throws RpcError {
        for (Element e : Xml.children(config)) {
            try {
                SNode top = schema.root().child(e.getLocalName());
                if (top != null && !top.ns.equals(e.getNamespaceURI())
                        || top == null && !YangSchema.PREFIXES.containsKey(e.getNamespaceURI())) {
                    throw RpcError.unknownNamespace(RpcError.Type.APPLICATION, e.getLocalName(), e.getNamespaceURI(),
                            null);
                }
                if (top == null) {
                    throw RpcError.unknownElement(RpcError.Type.APPLICATION, e.getLocalName(),
                            "unknown element " + e.getLocalName(), null);
                }
                edit(root, e, top, defaultOp);
            } catch (RpcError err) {
                record(err);
            }
        }
    }

    private void record(RpcError err) throws RpcError {
        if (!continueOnError) {
            throw err;
        }
        errors.add(err);
    }

    private Op opOf(Element e, Op inherited) throws RpcError {
        Attr a = e.getAttributeNodeNS(Xml.BASE, "operation");
        if (a == null) {
            return inherited;
        }
        Op op = Op.parse(a.getValue().strip());
        if (op == null || op == Op.NONE) {
            throw RpcError.badAttribute("operation", e.getLocalName(), "invalid operation " + a.getValue());
        }
        return op;
    }

    private String pathOf(Element targetParent, String name) {
        return DataTree.childPath(schema, targetParent, name);
    }

    /** Whether an edit subtree asks for anything to be created (merge, replace, create below an op none). */
    private boolean createsSomething(Element e, Op inherited) throws RpcError {
        Op op = opOf(e, inherited);
        if (op == Op.MERGE || op == Op.REPLACE || op == Op.CREATE) {
            return true;
        }
        for (Element c : Xml.children(e)) {
            if (createsSomething(c, op)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Edits one element into {@code targetParent}.
     *
     * @return whether the target tree changed
     */
    private void edit(Element targetParent, Element e, SNode s, Op inherited) throws RpcError {
        Op op = opOf(e, inherited);
        String path = pathOf(targetParent, s.name);
        if (!s.config) {
            throw RpcError.invalidValue(s.name + " is state data (config false) and cannot be configured", path);
        }
        List<String> keyValues = new ArrayList<>();
        String leafValue = null;
        if (s.kind == Kind.LIST) {
            for (String k : s.keys) {
                Element ke = firstChild(e, k, s.ns);
                if (ke == null) {
                    throw RpcError.missingElement(RpcError.Type.APPLICATION, k,
                            "list " + s.name + " entry without its key " + k, path);
                }
                String v = YangSchema.canonical(s.child(k), Xml.text(ke));
                if (v == null) {
                    throw RpcError.invalidValue("invalid value \"" + Xml.text(ke) + "\" for " + k,
                            path + "/" + s.prefix + ":" + k);
                }
                keyValues.add(v);
                path = path + "[" + s.prefix + ":" + k + "=" + DataTree.quote(v) + "]";
            }
        } else if (s.isLeafy()) {
            if (Xml.hasElementChildren(e)) {
                throw RpcError.invalidValue(s.name + " is a leaf and cannot have child elements", path);
            }
            if (op != Op.DELETE && op != Op.REMOVE || s.kind == Kind.LEAF_LIST) {
                leafValue = YangSchema.canonical(s, e);
                if (leafValue == null) {
                    throw RpcError.invalidValue("invalid value \"" + Xml.text(e) + "\" for " + s.name, path);
                }
            }
            if (s.kind == Kind.LEAF_LIST) {
                path = path + "[.=" + DataTree.quote(leafValue) + "]";
            }
        }
        Element existing = DataTree.find(targetParent, s, e, keyValues, leafValue);
        switch (op) {
            case CREATE -> {
                if (existing != null) {
                    throw RpcError.dataExists(s.name + " already exists", path);
                }
                create(targetParent, e, s, keyValues, leafValue, null);
            }
            case MERGE -> {
                if (existing == null) {
                    create(targetParent, e, s, keyValues, leafValue, null);
                } else if (s.kind == Kind.LEAF) {
                    existing.setTextContent(leafValue);
                    if (YangSchema.isIdentityref(s)) {
                        YangSchema.declarePrefix(existing, leafValue);
                    }
                } else if (!s.isLeafy()) {
                    children(existing, e, s, Op.MERGE);
                }
            }
            case REPLACE -> {
                Element before = existing == null ? null : (Element) existing.getNextSibling();
                if (existing != null) {
                    targetParent.removeChild(existing);
                }
                create(targetParent, e, s, keyValues, leafValue, before);
            }
            case DELETE -> {
                if (existing == null) {
                    throw RpcError.dataMissing(s.name + " does not exist", path);
                }
                checkNotKey(s, path);
                targetParent.removeChild(existing);
            }
            case REMOVE -> {
                if (existing != null) {
                    checkNotKey(s, path);
                    targetParent.removeChild(existing);
                }
            }
            case NONE -> {
                if (existing == null) {
                    if (!createsSomething(e, op)) {
                        if (hasOp(e, Op.DELETE)) {
                            throw RpcError.dataMissing(s.name + " does not exist", path);
                        }
                        return;
                    }
                    existing = create(targetParent, e, s, keyValues, leafValue, null, false);
                }
                if (!s.isLeafy()) {
                    children(existing, e, s, Op.NONE);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    private boolean hasOp(Element e, Op op) {
        Attr a = e.getAttributeNodeNS(Xml.BASE, "operation");
        if (a != null && op == Op.parse(a.getValue().strip())) {
            return true;
        }
        for (Element c : Xml.children(e)) {
            if (hasOp(c, op)) {
                return true;
            }
        }
        return false;
    }

    private void checkNotKey(SNode s, String path) throws RpcError {
        if (s.isKey()) {
            throw RpcError.invalidValue("the key " + s.name + " of a list entry cannot be deleted", path);
        }
    }

    private static Element firstChild(Element e, String localName, String ns) {
        for (Element c : Xml.children(e)) {
            if (localName.equals(c.getLocalName()) && ns.equals(c.getNamespaceURI())) {
                return c;
            }
        }
        return null;
    }

    private Element create(Element targetParent, Element e, SNode s, List<String> keyValues, String leafValue,
                           Element before) throws RpcError {
        return create(targetParent, e, s, keyValues, leafValue, before, true);
    }

    private Element create(Element targetParent, Element e, SNode s, List<String> keyValues, String leafValue,
                           Element before, boolean recurse) throws RpcError {
        Document doc = targetParent.getOwnerDocument();
        Element n = doc.createElementNS(s.ns, s.name);
        if (s.isLeafy()) {
            n.setTextContent(leafValue);
            if (YangSchema.isIdentityref(s)) {
                YangSchema.declarePrefix(n, leafValue);
            }
        } else if (s.kind == Kind.LIST) {
            for (int i = 0; i < s.keys.size(); i++) {
                Element k = doc.createElementNS(s.ns, s.keys.get(i));
                k.setTextContent(keyValues.get(i));
                n.appendChild(k);
            }
        }
        if (before != null) {
            targetParent.insertBefore(n, before);
        } else {
            targetParent.appendChild(n);
        }
        if (recurse && !s.isLeafy()) {
            children(n, e, s, Op.MERGE);
        }
        return n;
    }

    private void children(Element target, Element e, SNode s, Op inherited) throws RpcError {
        for (Element c : Xml.children(e)) {
            try {
                SNode cs = s.child(c.getLocalName());
                if (cs != null && !cs.ns.equals(c.getNamespaceURI())
                        || cs == null && !YangSchema.PREFIXES.containsKey(c.getNamespaceURI())) {
                    throw RpcError.unknownNamespace(RpcError.Type.APPLICATION, c.getLocalName(), c.getNamespaceURI(),
                            DataTree.path(schema, target));
                }
                if (cs == null) {
                    throw RpcError.unknownElement(RpcError.Type.APPLICATION, c.getLocalName(),
                            "unknown element " + c.getLocalName() + " in " + s.name, DataTree.path(schema, target));
                }
                if (cs.isKey()) {
                    Op kop = opOf(c, inherited);
                    if (kop == Op.DELETE || kop == Op.REMOVE) {
                        checkNotKey(cs, DataTree.path(schema, target) + "/" + cs.prefix + ":" + cs.name);
                    }
                    continue; // keys identify the entry; they were used to find or create it
                }
                edit(target, c, cs, inherited);
            } catch (RpcError err) {
                record(err);
            }
        }
    }
}
