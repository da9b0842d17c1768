package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Helpers over DOM trees of the ipmpd data (top-level nodes /if:interfaces and /ipmp:ipmp under a
 * wrapper element that stands for the datastore), guided by the schema:
 * instance paths for error-path, list entry lookup, schema order, defaults.
 */
final class DataTree {
    private DataTree() {
    }

    /**
     * The chain of elements from a top-level data node (/if:interfaces, /ipmp:ipmp) down to an
     * element, and the schema node of each; empty when the element is in no data tree. Works on
     * trees with namespaces and on the namespace-less copies that must statements are evaluated on.
     */
    private record Chain(List<Element> elements, List<SNode> nodes) {
    }

    private static Chain chain(YangSchema schema, Element e) {
        List<Element> up = new ArrayList<>();
        for (Node n = e; n instanceof Element el; n = n.getParentNode()) {
            up.add(0, el);
        }
        // the first element from the top that is a top-level data node (wrappers such as rpc-reply,
        // data or config come before it)
        SNode root = schema.root();
        for (int i = 0; i < up.size(); i++) {
            Element top = up.get(i);
            SNode s = root.child(top.getLocalName());
            if (s == null || top.getNamespaceURI() != null && !s.ns.equals(top.getNamespaceURI())) {
                continue;
            }
            List<Element> els = new ArrayList<>();
            List<SNode> nodes = new ArrayList<>();
            for (int k = i; k < up.size(); k++) {
                Element el = up.get(k);
                if (k > i) {
                    s = s == null ? null : s.child(el.getLocalName());
                }
                els.add(el);
                nodes.add(s);
            }
            return new Chain(els, nodes);
        }
        return new Chain(List.of(), List.of());
    }

    /** The schema node of an element inside a data tree (matched by local names), or null. */
    static SNode schemaOf(YangSchema schema, Element e) {
        Chain c = chain(schema, e);
        return c.nodes().isEmpty() ? null : c.nodes().get(c.nodes().size() - 1);
    }

    /** The instance identifier of an element of a data tree, with the modules' prefixes ("if", "ipmp"). */
    static String path(YangSchema schema, Element e) {
        Chain c = chain(schema, e);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < c.elements().size(); i++) {
            Element el = c.elements().get(i);
            SNode s = c.nodes().get(i);
            b.append('/').append(s == null ? "ipmp" : s.prefix).append(':').append(el.getLocalName());
            if (s == null) {
                continue;
            }
            if (s.kind == Kind.LIST) {
                for (String k : s.keys) {
                    Element kv = childByName(el, k);
                    if (kv != null) {
                        b.append('[').append(s.prefix).append(':').append(k).append("=")
                                .append(quote(Xml.text(kv))).append(']');
                    }
                }
            } else if (s.kind == Kind.LEAF_LIST) {
                b.append("[.=").append(quote(Xml.text(el))).append(']');
            }
        }
        return b.toString();
    }

    /** A path below a parent element: parent's path plus "/prefix:name". */
    static String childPath(YangSchema schema, Element parent, String name) {
        SNode ps = parent == null ? schema.root() : schemaOf(schema, parent);
        if (ps == null && parent != null) {
            ps = schema.root(); // the wrapper of the top-level nodes
        }
        SNode cs = ps == null ? null : ps.child(name);
        String prefix = cs == null ? "ipmp" : cs.prefix;
        String base = parent == null || schemaOf(schema, parent) == null ? "" : path(schema, parent);
        return base + "/" + prefix + ":" + name;
    }

    static String quote(String v) {
        return v.contains("'") ? "\"" + v + "\"" : "'" + v + "'";
    }

    static Element childByName(Element parent, String localName) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && localName.equals(c.getLocalName())) {
                return c;
            }
        }
        return null;
    }

    static List<Element> childrenByName(Element parent, String localName) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && localName.equals(c.getLocalName())) {
                out.add(c);
            }
        }
        return out;
    }

    /** The existing instance in {@code parent} that an edit element designates (same keys / value). */
    static Element find(Element parent, SNode s, Element edit, List<String> keyValues, String leafListValue) {
        for (Element c : childrenByName(parent, s.name)) {
            switch (s.kind) {
                case CONTAINER, LEAF -> {
                    return c;
                }
                case LEAF_LIST -> {
                    if (Xml.text(c).equals(leafListValue)) {
                        return c;
                    }
                }
                case LIST -> {
                    boolean all = true;
                    for (int i = 0; i < s.keys.size(); i++) {
                        Element k = childByName(c, s.keys.get(i));
                        if (k == null || !Xml.text(k).equals(keyValues.get(i))) {
                            all = false;
                            break;
                        }
                    }
                    if (all) {
                        return c;
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        return null;
    }

    /** Sorts the children of every node into schema order (list keys first), recursively. */
    static void normalize(Element e, SNode s) {
        List<Element> kids = Xml.children(e);
        for (Node n = e.getFirstChild(); n != null; ) {
            Node next = n.getNextSibling();
            if (!(n instanceof Element)) {
                e.removeChild(n);
            }
            n = next;
        }
        if (s.isLeafy()) {
            return;
        }
        // rank each child once (schema order, keys first); most trees are already in order
        int n = kids.size();
        int[] rank = new int[n];
        SNode[] schemaOf = new SNode[n];
        boolean inOrder = true;
        for (int k = 0; k < n; k++) {
            SNode cs = s.child(kids.get(k).getLocalName());
            schemaOf[k] = cs;
            rank[k] = cs == null ? Integer.MAX_VALUE : cs.isKey() ? -1000 + s.keys.indexOf(cs.name) : cs.index;
            inOrder &= k == 0 || rank[k - 1] <= rank[k];
        }
        if (!inOrder) {
            Integer[] order = new Integer[n];
            for (int k = 0; k < n; k++) {
                order[k] = k;
            }
            java.util.Arrays.sort(order, Comparator.comparingInt(k -> rank[k])); // stable
            for (Integer k : order) {
                e.appendChild(kids.get(k)); // moves it to the end
            }
        }
        for (int k = 0; k < n; k++) {
            SNode cs = schemaOf[k];
            if (cs != null && !cs.isLeafy()) {
                normalize(kids.get(k), cs);
            }
        }
    }

    /** A deep copy of an element into a document (same namespaces). */
    static Element copy(Document doc, Element e) {
        return (Element) doc.importNode(e, true);
    }

    /** A namespace-less deep copy (for XPath evaluation of must and leafref), text trimmed. */
    static Element copyWithoutNamespaces(Document doc, Element e) {
        Element c = doc.createElementNS(null, e.getLocalName());
        boolean kids = false;
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element el) {
                c.appendChild(copyWithoutNamespaces(doc, el));
                kids = true;
            }
        }
        if (!kids) {
            c.setTextContent(Xml.text(e));
        }
        return c;
    }

    /** Adds the default value of every absent leaf with a default, in containers and list entries. */
    static void fillDefaults(Element e, SNode s) {
        for (SNode cs : s.children.values()) {
            if (!cs.config) {
                continue;
            }
            if (cs.kind == Kind.LEAF && cs.defaultValue != null && childByName(e, cs.name) == null) {
                Element d = e.getOwnerDocument().createElementNS(e.getNamespaceURI() == null ? null : cs.ns,
                        cs.name);
                d.setTextContent(cs.defaultValue);
                e.appendChild(d);
            } else if (cs.kind == Kind.CONTAINER || cs.kind == Kind.LIST) {
                for (Element c : childrenByName(e, cs.name)) {
                    fillDefaults(c, cs);
                }
            }
        }
    }
}
