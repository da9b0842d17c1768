package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code <action>} operation of RFC 7950 section 7.15.2, read against the module's schema:
 * the hierarchy from the top container down to exactly one action node, list entries named by
 * their keys only. Which instance it names and what the action does is the caller's business.
 */
final class ActionRequest {
    /** The namespace of the {@code <action>} element (RFC 7950 section 7.15.2). */
    static final String NS = "urn:ietf:params:xml:ns:yang:1";

    /**
     * An action invocation.
     *
     * @param owner the schema node the action is defined on
     * @param name the action's name
     * @param keys the key values of every list entry on the way down, outermost first
     * @param path the instance identifier of the node the action is invoked on (for error-path)
     * @param input the action element, whose children are the input
     */
    record Invocation(SNode owner, String name, List<String> keys, String path, Element input) {
    }

    private ActionRequest() {
    }

    /** Reads the hierarchy under an {@code <action>} element. */
    static Invocation parse(YangSchema schema, Element action) throws RpcError {
        List<Element> tops = Xml.children(action);
        if (tops.size() != 1) {
            throw RpcError.protocolInvalidValue("<action> must hold exactly one data node hierarchy (it holds "
                    + tops.size() + ")");
        }
        Element e = tops.get(0);
        SNode s = schema.root().child(e.getLocalName());
        if (s != null && !s.ns.equals(e.getNamespaceURI())
                || s == null && !YangSchema.PREFIXES.containsKey(e.getNamespaceURI())) {
            throw RpcError.unknownNamespace(RpcError.Type.PROTOCOL, e.getLocalName(), e.getNamespaceURI(), null);
        }
        if (s == null) {
            throw RpcError.unknownElement(RpcError.Type.PROTOCOL, e.getLocalName(),
                    "unknown element " + e.getLocalName(), null);
        }
        StringBuilder path = new StringBuilder("/").append(s.prefix).append(':').append(s.name);
        List<String> keys = new ArrayList<>();
        while (true) {
            Element next = null;
            for (Element c : Xml.children(e)) {
                String n = c.getLocalName();
                SNode cs = s.child(n);
                String ns = cs != null ? cs.ns : Xml.IPMP; // actions: ipmpd-ipmp's
                if (!ns.equals(c.getNamespaceURI())) {
                    throw RpcError.unknownNamespace(RpcError.Type.PROTOCOL, n, c.getNamespaceURI(), path.toString());
                }
                if (cs != null && cs.isKey()) {
                    continue; // read below, in key order
                }
                if (cs == null && !s.actions.containsKey(n)) {
                    throw RpcError.unknownElement(RpcError.Type.PROTOCOL, n, "unknown element " + n + " in "
                            + s.name, path.toString());
                }
                if (next != null) {
                    throw RpcError.protocolInvalidValue("<action> must name exactly one action: " + s.name + " holds both "
                            + next.getLocalName() + " and " + n);
                }
                next = c;
            }
            if (next == null) {
                throw RpcError.protocolInvalidValue("<action> names no action below " + path);
            }
            String n = next.getLocalName();
            SNode input = s.actions.get(n);
            if (input != null && s.child(n) == null) {
                for (Element in : Xml.children(next)) {
                    if (input.child(in.getLocalName()) == null || !Xml.IPMP.equals(in.getNamespaceURI())) {
                        throw RpcError.unknownElement(RpcError.Type.PROTOCOL, in.getLocalName(),
                                "unknown parameter " + in.getLocalName() + " of action " + n, path.toString());
                    }
                }
                return new Invocation(s, n, List.copyOf(keys), path.toString(), next);
            }
            SNode cs = s.child(n);
            if (cs.kind != Kind.CONTAINER && cs.kind != Kind.LIST) {
                throw RpcError.protocolInvalidValue("<action> names no action: " + n + " is a leaf");
            }
            path.append('/').append(cs.prefix).append(':').append(n);
            if (cs.kind == Kind.LIST) {
                for (String k : cs.keys) {
                    Element ke = DataTree.childByName(next, k);
                    if (ke == null) {
                        throw RpcError.missingElement(RpcError.Type.PROTOCOL, k, "list " + n
                                + " entry without its key " + k, path.toString());
                    }
                    String v = YangSchema.canonical(cs.child(k), Xml.text(ke));
                    if (v == null) {
                        throw new RpcError(RpcError.Type.PROTOCOL, "invalid-value", "invalid value \""
                                + Xml.text(ke) + "\" for " + k, null, path + "/" + cs.prefix + ":" + k, null);
                    }
                    keys.add(v);
                    path.append('[').append(cs.prefix).append(':').append(k).append('=').append(DataTree.quote(v))
                            .append(']');
                }
            }
            e = next;
            s = cs;
        }
    }
}
