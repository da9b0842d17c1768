package ipmpd.agent.netconf;

import ipmpd.agent.netconf.NacmConfig.Op;
import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The write check of RFC 8341 section 3.4.5: what a change does to a datastore (the tree before
 * and the tree after an edit-config, copy-config or commit), node by node, as create, update and
 * delete; each must be permitted, else the whole request is refused with access-denied naming the
 * first node refused, before anything is changed. Nodes are matched between the two trees by
 * name and, for list entries, by their keys (from the schema; for nodes the schema does not
 * describe, keys come first in YANG's XML encoding, so the first leaf identifies the entry).
 */
final class NacmWrites {
    private final YangSchema schema;

    /** @param schema the ipmpd module (null: list keys are found as for unknown modules) */
    NacmWrites(YangSchema schema) {
        this.schema = schema;
    }

    /** A refused change: the operation and the node (with its ancestors from the top). */
    record Refusal(Op op, List<Element> chain) {
    }

    /**
     * The first change between {@code before} and {@code after} (wrappers whose children are the
     * top-level data nodes; either may be null for an empty datastore) that the user may not make,
     * or null when every change is permitted.
     */
    Refusal firstRefused(NacmAccess access, Element before, Element after) {
        if (!access.enforced()) {
            return null;
        }
        return compare(access, before, after, new ArrayList<>(), new ArrayList<>());
    }

    private Refusal compare(NacmAccess access, Element before, Element after, List<Element> beforeChain,
                            List<Element> afterChain) {
        Map<String, Integer> count = new LinkedHashMap<>();
        count(before, count);
        count(after, count);
        Map<String, Element> old = index(before, beforeChain, count);
        Map<String, Element> now = index(after, afterChain, count);
        for (Map.Entry<String, Element> e : old.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                Refusal r = checkSubtree(access, Op.DELETE, e.getValue(), beforeChain);
                if (r != null) {
                    return r;
                }
            }
        }
        for (Map.Entry<String, Element> e : now.entrySet()) {
            Element was = old.get(e.getKey());
            Element is = e.getValue();
            if (was == null) {
                Refusal r = checkSubtree(access, Op.CREATE, is, afterChain);
                if (r != null) {
                    return r;
                }
                continue;
            }
            beforeChain.add(was);
            afterChain.add(is);
            try {
                boolean leafy = !Xml.hasElementChildren(was) && !Xml.hasElementChildren(is);
                if (leafy) {
                    if (!Xml.text(was).strip().equals(Xml.text(is).strip()) && !access.data(Op.UPDATE, afterChain)) {
                        return new Refusal(Op.UPDATE, List.copyOf(afterChain));
                    }
                    continue;
                }
                Refusal r = compare(access, was, is, beforeChain, afterChain);
                if (r != null) {
                    return r;
                }
            } finally {
                beforeChain.remove(beforeChain.size() - 1);
                afterChain.remove(afterChain.size() - 1);
            }
        }
        return null;
    }

    /** A node created or deleted with everything below it: each node must be permitted. */
    private Refusal checkSubtree(NacmAccess access, Op op, Element e, List<Element> chain) {
        chain.add(e);
        try {
            if (!access.data(op, chain)) {
                return new Refusal(op, List.copyOf(chain));
            }
            for (Element c : Xml.children(e)) {
                Refusal r = checkSubtree(access, op, c, chain);
                if (r != null) {
                    return r;
                }
            }
            return null;
        } finally {
            chain.remove(chain.size() - 1);
        }
    }

    /** The children of a node by identity (namespace, name, keys or leaf-list value). */
    /** How many children of each name a node has, here and in its counterpart (more than one: a list or leaf-list). */
    private static void count(Element parent, Map<String, Integer> count) {
        if (parent == null) {
            return;
        }
        Map<String, Integer> here = new LinkedHashMap<>();
        for (Element c : Xml.children(parent)) {
            here.merge(c.getNamespaceURI() + " " + c.getLocalName(), 1, Integer::sum);
        }
        here.forEach((k, v) -> count.merge(k, v, Math::max));
    }

    private Map<String, Element> index(Element parent, List<Element> chain, Map<String, Integer> count) {
        Map<String, Element> out = new LinkedHashMap<>();
        if (parent == null) {
            return out;
        }
        for (Element c : Xml.children(parent)) {
            String base = c.getNamespaceURI() + " " + c.getLocalName();
            String id = base + identity(c, chain, count.get(base) > 1);
            out.putIfAbsent(id, c);
        }
        return out;
    }

    private String identity(Element e, List<Element> chain, boolean repeated) {
        List<String> keys = keysOf(e, chain);
        if (keys != null) {
            StringBuilder b = new StringBuilder();
            for (String k : keys) {
                Element kv = k.equals(".") ? e : DataTree.childByName(e, k);
                b.append('[').append(kv == null ? "" : Xml.text(kv).strip()).append(']');
            }
            return b.toString();
        }
        if (!Xml.hasElementChildren(e)) {
            return repeated ? "[" + Xml.text(e).strip() + "]" : ""; // leaf-list entries / a leaf
        }
        // a node the schema does not describe: YANG's XML puts a list entry's keys first
        Element first = Xml.children(e).get(0);
        return repeated && !Xml.hasElementChildren(first) ? "[" + first.getLocalName() + "=" + Xml.text(first).strip() + "]" : "";
    }

    /** The keys of a list entry ("." for a leaf-list entry), or null for a container or a leaf. */
    private List<String> keysOf(Element e, List<Element> chain) {
        if (schema != null && Xml.IPMP.equals(e.getNamespaceURI())) {
            SNode s = schemaOf(e, chain);
            if (s != null) {
                return s.kind == Kind.LIST ? s.keys : s.kind == Kind.LEAF_LIST ? List.of(".") : null;
            }
        }
        if (NacmConfig.NS.equals(e.getNamespaceURI())) {
            return switch (e.getLocalName()) {
                case "group" -> !chain.isEmpty() && chain.get(chain.size() - 1).getLocalName().equals("groups")
                        ? List.of("name") : List.of("."); // groups/group is a list, rule-list/group a leaf-list
                case "rule-list", "rule" -> List.of("name");
                case "user-name" -> List.of(".");
                default -> null;
            };
        }
        return null;
    }

    private SNode schemaOf(Element e, List<Element> chain) {
        if (chain.isEmpty()) {
            return e.getLocalName().equals(schema.root().name) ? schema.root() : null;
        }
        SNode s = chain.get(0).getLocalName().equals(schema.root().name) ? schema.root() : null;
        for (int i = 1; i < chain.size() && s != null; i++) {
            s = s.child(chain.get(i).getLocalName());
        }
        return s == null ? null : s.child(e.getLocalName());
    }

    /**
     * The instance identifier of a node for error-path, prefixes being those of {@link #prefixes}
     * (the known modules' prefixes, else the module name).
     */
    String path(List<Element> chain, java.util.function.Function<String, String> prefixOf) {
        StringBuilder b = new StringBuilder();
        List<Element> above = new ArrayList<>();
        for (Element e : chain) {
            String p = prefixOf.apply(e.getNamespaceURI());
            b.append('/').append(p).append(':').append(e.getLocalName());
            List<String> keys = keysOf(e, above);
            if (keys != null) {
                for (String k : keys) {
                    if (k.equals(".")) {
                        b.append("[.=").append(DataTree.quote(Xml.text(e).strip())).append(']');
                    } else {
                        Element kv = DataTree.childByName(e, k);
                        if (kv != null) {
                            b.append('[').append(p).append(':').append(k).append('=')
                                    .append(DataTree.quote(Xml.text(kv).strip())).append(']');
                        }
                    }
                }
            }
            above.add(e);
        }
        return b.toString();
    }
}
