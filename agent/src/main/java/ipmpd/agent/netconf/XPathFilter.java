package ipmpd.agent.netconf;

import org.jaxen.JaxenException;
import org.jaxen.NamespaceContext;
import org.jaxen.dom.DOMXPath;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 6241 :xpath filters (get, get-config, get-data's xpath-filter, subscriptions): XPath 1.0
 * evaluated by jaxen with the prefixes in scope where the expression is written. Each top-level
 * data node is a document of its own (the expression's root is the datastore's root, which holds
 * several top-level nodes). The reply holds the selected nodes with their ancestors, and the keys
 * of the list entries among those ancestors, so it is still valid instance data.
 */
final class XPathFilter {
    private XPathFilter() {
    }

    /**
     * Appends to {@code out} what {@code select} selects among the top-level nodes of {@code all};
     * prefixes resolve against {@code scope}.
     */
    static void apply(Element all, String select, Element scope, Element out, SubtreeFilter keys) throws RpcError {
        DOMXPath xp = compile(select, scope);
        for (Element top : Xml.children(all)) {
            Document doc = Xml.newDocument();
            Element root = (Element) doc.importNode(top, true);
            doc.appendChild(root);
            Map<Node, Boolean> marks = select(xp, doc, select);
            if (marks.isEmpty()) {
                continue;
            }
            Element r = prune(out.getOwnerDocument(), root, marks, keys);
            if (r != null) {
                out.appendChild(r);
            }
        }
    }

    /** Whether {@code select} selects anything in a single tree (a notification's body). */
    static boolean selects(Element tree, String select, Element scope) throws RpcError {
        Document doc = Xml.newDocument();
        doc.appendChild(doc.importNode(tree, true));
        return !select(compile(select, scope), doc, select).isEmpty();
    }

    private static DOMXPath compile(String select, Element scope) throws RpcError {
        try {
            DOMXPath xp = new DOMXPath(select);
            xp.setNamespaceContext(new InScope(scope));
            return xp;
        } catch (JaxenException | RuntimeException e) {
            throw RpcError.invalidValue("bad XPath filter " + select + ": " + e.getMessage(), null);
        }
    }

    /** Selected elements (true) and their ancestors (false). */
    private static Map<Node, Boolean> select(DOMXPath xp, Document doc, String select) throws RpcError {
        Object r;
        try {
            r = xp.evaluate(doc);
        } catch (JaxenException | RuntimeException e) {
            throw RpcError.invalidValue("the XPath filter " + select + " fails: " + e.getMessage(), null);
        }
        if (!(r instanceof List<?> nodes)) {
            throw RpcError.invalidValue("the XPath filter " + select + " does not select nodes", null);
        }
        Map<Node, Boolean> marks = new IdentityHashMap<>();
        for (Object o : nodes) {
            Node n = o instanceof Attr a ? a.getOwnerElement() : (Node) o;
            if (n instanceof Document d) {
                n = d.getDocumentElement();
            } else if (!(n instanceof Element)) {
                n = n.getParentNode(); // a text node: its leaf
            }
            if (!(n instanceof Element)) {
                continue;
            }
            marks.put(n, true);
            for (Node p = n.getParentNode(); p instanceof Element; p = p.getParentNode()) {
                marks.putIfAbsent(p, false);
            }
        }
        return marks;
    }

    private static Element prune(Document out, Element e, Map<Node, Boolean> marks, SubtreeFilter keys) {
        Boolean m = marks.get(e);
        if (m == null) {
            return null;
        }
        if (m) {
            return (Element) out.importNode(e, true);
        }
        Element copy = (Element) out.importNode(e, false);
        List<String> k = keys.keysOf(e);
        for (Element c : Xml.children(e)) {
            if (k.contains(c.getLocalName()) && !marks.containsKey(c)) {
                copy.appendChild(out.importNode(c, true));
                continue;
            }
            Element r = prune(out, c, marks, keys);
            if (r != null) {
                copy.appendChild(r);
            }
        }
        return copy;
    }

    /** The namespace prefixes declared where the expression is written (DOM level 3 lookup). */
    private record InScope(Element scope) implements NamespaceContext {
        @Override
        public String translateNamespacePrefixToUri(String prefix) {
            return prefix == null || prefix.isEmpty() ? null : scope.lookupNamespaceURI(prefix);
        }
    }
}
