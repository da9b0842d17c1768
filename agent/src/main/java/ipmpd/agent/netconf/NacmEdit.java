package ipmpd.agent.netconf;

import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.List;
import java.util.Set;

/**
 * The {@code <edit-config>} operations of RFC 6241 section 7.2 on the {@code /nacm} tree (merge,
 * replace, create, delete, remove, default-operation none). The tree is small and its shape fixed
 * by ietf-netconf-acm: groups/group and rule-list and rule are lists keyed by name, user-name and
 * rule-list/group leaf-lists, the rest leaves and containers. Values are checked afterwards, on
 * the whole result ({@link NacmConfig#parse}). New list entries go last (ordered-by user).
 */
final class NacmEdit {
    private static final Set<String> STATE = Set.of("denied-operations", "denied-data-writes", "denied-notifications");

    private NacmEdit() {
    }

    /**
     * Applies an edit {@code <nacm>} element to the tree under {@code root} (a wrapper holding the
     * current {@code <nacm>}, if any).
     */
    static void apply(Element root, Element edit, EditConfig.Op defaultOp) throws RpcError {
        edit(root, edit, defaultOp, "");
    }

    private static EditConfig.Op opOf(Element e, EditConfig.Op inherited) throws RpcError {
        Attr a = e.getAttributeNodeNS(Xml.BASE, "operation");
        if (a == null) {
            return inherited;
        }
        EditConfig.Op op = EditConfig.Op.parse(a.getValue().strip());
        if (op == null || op == EditConfig.Op.NONE) {
            throw RpcError.badAttribute("operation", e.getLocalName(), "invalid operation " + a.getValue());
        }
        return op;
    }

    private static void edit(Element parent, Element e, EditConfig.Op inherited, String parentPath) throws RpcError {
        EditConfig.Op op = opOf(e, inherited);
        String path = parentPath + "/nacm:" + e.getLocalName();
        if (!NacmConfig.NS.equals(e.getNamespaceURI())) {
            throw RpcError.unknownNamespace(RpcError.Type.APPLICATION, e.getLocalName(), e.getNamespaceURI(), path);
        }
        if (STATE.contains(e.getLocalName())) {
            throw RpcError.invalidValue(e.getLocalName() + " is state data (config false) and cannot be configured",
                    path);
        }
        Element existing = find(parent, e);
        switch (op) {
            case CREATE -> {
                if (existing != null) {
                    throw new RpcError(RpcError.Type.APPLICATION, "data-exists", e.getLocalName() + " exists already",
                            null, path, null);
                }
                place(parent, copy(parent.getOwnerDocument(), e), e, path);
            }
            case DELETE, REMOVE -> {
                if (existing == null) {
                    if (op == EditConfig.Op.DELETE) {
                        throw new RpcError(RpcError.Type.APPLICATION, "data-missing", e.getLocalName()
                                + " does not exist", null, path, null);
                    }
                    return;
                }
                parent.removeChild(existing);
            }
            case REPLACE -> {
                Element c = copy(parent.getOwnerDocument(), e);
                if (existing != null) {
                    parent.replaceChild(c, existing); // keeps its place unless insert says otherwise
                    if (insertOf(e) != null) {
                        place(parent, c, e, path);
                    }
                } else {
                    place(parent, c, e, path);
                }
            }
            case MERGE, NONE -> {
                boolean leafy = !Xml.hasElementChildren(e);
                if (existing == null) {
                    if (op == EditConfig.Op.MERGE) {
                        place(parent, copy(parent.getOwnerDocument(), e), e, path);
                        return;
                    }
                    if (!createsSomething(e, op)) {
                        for (Element c : Xml.children(e)) {
                            if (opOf(c, op) == EditConfig.Op.DELETE) {
                                throw new RpcError(RpcError.Type.APPLICATION, "data-missing", e.getLocalName()
                                        + " does not exist", null, path, null);
                            }
                        }
                        return;
                    }
                    existing = parent.getOwnerDocument().createElementNS(NacmConfig.NS, e.getLocalName());
                    place(parent, existing, e, path);
                    for (Element c : Xml.children(e)) {
                        if (isKey(e, c)) {
                            existing.appendChild(copy(parent.getOwnerDocument(), c));
                        }
                    }
                }
                if (insertOf(e) != null) {
                    place(parent, existing, e, path); // moves it
                }
                if (leafy) {
                    if (op == EditConfig.Op.MERGE) {
                        existing.setTextContent(Xml.text(e).strip());
                        copyNamespaces(e, existing);
                    }
                    return;
                }
                for (Element c : Xml.children(e)) {
                    if (isKey(e, c)) {
                        continue;
                    }
                    edit(existing, c, op, path);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** RFC 7950 7.8.6 / RFC 6020: the yang:insert attribute of an ordered-by-user list entry, or null. */
    private static String insertOf(Element e) {
        String v = e.getAttributeNS(YANG, "insert");
        return v.isEmpty() ? null : v.strip();
    }

    private static final String YANG = "urn:ietf:params:xml:ns:yang:1";

    /**
     * Puts a list entry (rule-list, rule) where yang:insert says: first, last (the default),
     * before or after the entry yang:key names ({@code [name='x']}).
     */
    private static void place(Element parent, Element entry, Element edit, String path) throws RpcError {
        String insert = insertOf(edit);
        if (insert == null || insert.equals("last") || !isList(edit)) {
            if (insert == null && entry.getParentNode() == parent) {
                return;
            }
            parent.appendChild(entry);
            return;
        }
        List<Element> same = DataTree.childrenByName(parent, edit.getLocalName());
        switch (insert) {
            case "first" -> {
                Element first = same.isEmpty() ? null : same.get(0);
                if (first != entry) {
                    parent.insertBefore(entry, first);
                }
            }
            case "before", "after" -> {
                String key = edit.getAttributeNS(YANG, "key");
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("\\[\\s*(?:[\\w.-]+:)?name\\s*=\\s*(['\"])(.*?)\\1\\s*]").matcher(key);
                if (!m.matches()) {
                    throw RpcError.badAttribute("key", edit.getLocalName(), "yang:insert=\"" + insert
                            + "\" needs yang:key=\"[name='...']\", got \"" + key + "\"");
                }
                Element anchor = null;
                for (Element c : same) {
                    Element k = DataTree.childByName(c, "name");
                    if (c != entry && k != null && Xml.text(k).strip().equals(m.group(2))) {
                        anchor = c;
                    }
                }
                if (anchor == null) {
                    throw new RpcError(RpcError.Type.APPLICATION, "missing-instance", "no " + edit.getLocalName()
                            + " named " + m.group(2) + " to insert " + insert, null, path,
                            java.util.Map.of("bad-element", edit.getLocalName()));
                }
                parent.insertBefore(entry, insert.equals("before") ? anchor : anchor.getNextSibling());
            }
            default -> throw RpcError.badAttribute("insert", edit.getLocalName(), "invalid yang:insert \"" + insert
                    + "\" (first, last, before, after)");
        }
    }

    private static boolean createsSomething(Element e, EditConfig.Op inherited) throws RpcError {
        EditConfig.Op op = opOf(e, inherited);
        if (op == EditConfig.Op.MERGE || op == EditConfig.Op.REPLACE || op == EditConfig.Op.CREATE) {
            return true;
        }
        for (Element c : Xml.children(e)) {
            if (createsSomething(c, op)) {
                return true;
            }
        }
        return false;
    }

    /** The key leaf of a list entry (groups/group, rule-list, rule: name). */
    private static boolean isKey(Element entry, Element child) {
        return isList(entry) && child.getLocalName().equals("name");
    }

    private static boolean isList(Element e) {
        String n = e.getLocalName();
        return n.equals("rule-list") || n.equals("rule") || (n.equals("group") && Xml.hasElementChildren(e));
    }

    private static boolean isLeafList(Element e) {
        String n = e.getLocalName();
        return n.equals("user-name") || (n.equals("group") && !Xml.hasElementChildren(e));
    }

    /** The node of {@code parent} an edit element designates (same name; same key or value). */
    private static Element find(Element parent, Element e) {
        String keyValue = null;
        if (isList(e)) {
            Element k = DataTree.childByName(e, "name");
            keyValue = k == null ? null : Xml.text(k).strip();
        }
        for (Element c : DataTree.childrenByName(parent, e.getLocalName())) {
            if (!NacmConfig.NS.equals(c.getNamespaceURI())) {
                continue;
            }
            if (isList(e)) {
                Element k = DataTree.childByName(c, "name");
                if (k != null && Xml.text(k).strip().equals(keyValue)) {
                    return c;
                }
            } else if (isLeafList(e)) {
                if (Xml.text(c).strip().equals(Xml.text(e).strip())) {
                    return c;
                }
            } else {
                return c;
            }
        }
        return null;
    }

    /** A copy of an edit subtree without operation attributes; nodes it deletes are left out. */
    private static Element copy(Document doc, Element e) throws RpcError {
        Element c = doc.createElementNS(e.getNamespaceURI(), e.getLocalName());
        copyNamespaces(e, c);
        boolean kids = false;
        for (Element k : Xml.children(e)) {
            EditConfig.Op op = opOf(k, EditConfig.Op.MERGE);
            if (op == EditConfig.Op.DELETE || op == EditConfig.Op.REMOVE) {
                continue;
            }
            c.appendChild(copy(doc, k));
            kids = true;
        }
        if (!kids && !Xml.hasElementChildren(e)) {
            c.setTextContent(Xml.text(e).strip());
        }
        return c;
    }

    /** A path leaf's prefixes are declared where the client wrote it (or on an ancestor): kept with its copy. */
    private static void copyNamespaces(Element from, Element to) {
        if (!from.getLocalName().equals("path")) {
            return;
        }
        String text = Xml.text(from);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([A-Za-z_][\\w.-]*):").matcher(text);
        while (m.find()) {
            String ns = from.lookupNamespaceURI(m.group(1));
            if (ns != null) {
                to.setAttributeNS(Xml.XMLNS, "xmlns:" + m.group(1), ns);
            }
        }
    }

    static List<String> stateLeaves() {
        return List.copyOf(STATE);
    }
}
