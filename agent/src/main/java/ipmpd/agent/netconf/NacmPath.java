package ipmpd.agent.netconf;

import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The path of a NACM data rule: a node-instance-identifier (RFC 8341 section 3.2.5, RFC 7950
 * section 9.13), {@code /prefix:node[prefix:key='value']/prefix:child} or {@code /} for every
 * node. Prefixes are resolved through the XML namespace declarations in scope where the path was
 * configured; a step whose prefix is unknown matches by local name. A list step without a predicate
 * matches every entry. A rule matches a node that is the path's node or lies below it.
 */
final class NacmPath {
    record Step(String prefix, String ns, String name, Map<String, String> keys) {
    }

    private final List<Step> steps;

    private NacmPath(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    List<Step> steps() {
        return steps;
    }

    /**
     * @param namespaceOf a prefix's namespace where the path was written, or null
     * @throws IllegalArgumentException saying what is wrong
     */
    static NacmPath parse(String text, UnaryOperator<String> namespaceOf) {
        String t = text.strip();
        if (t.equals("/")) {
            return new NacmPath(List.of());
        }
        if (!t.startsWith("/")) {
            throw new IllegalArgumentException("a path starts with /");
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < t.length()) {
            if (t.charAt(i) != '/') {
                throw new IllegalArgumentException("expected / at " + i);
            }
            i++;
            int start = i;
            while (i < t.length() && t.charAt(i) != '/' && t.charAt(i) != '[') {
                i++;
            }
            String qname = t.substring(start, i).strip();
            String prefix = null;
            String name = qname;
            int colon = qname.indexOf(':');
            if (colon >= 0) {
                prefix = qname.substring(0, colon);
                name = qname.substring(colon + 1);
                if (!NacmConfig.identifier(prefix)) {
                    throw new IllegalArgumentException("bad prefix \"" + prefix + "\"");
                }
            }
            if (!NacmConfig.identifier(name)) {
                throw new IllegalArgumentException("bad node name \"" + qname + "\"");
            }
            Map<String, String> keys = new LinkedHashMap<>();
            while (i < t.length() && t.charAt(i) == '[') {
                int close = predicateEnd(t, i);
                String pred = t.substring(i + 1, close).strip();
                int eq = pred.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("a predicate is [key='value']: " + pred);
                }
                String key = pred.substring(0, eq).strip();
                int kc = key.indexOf(':');
                if (kc >= 0) {
                    key = key.substring(kc + 1);
                }
                if (!key.equals(".") && !NacmConfig.identifier(key)) {
                    throw new IllegalArgumentException("bad key \"" + key + "\"");
                }
                String v = pred.substring(eq + 1).strip();
                if (v.length() < 2 || (v.charAt(0) != '\'' && v.charAt(0) != '"') || v.charAt(v.length() - 1) != v.charAt(0)) {
                    throw new IllegalArgumentException("a key value is quoted: " + pred);
                }
                keys.put(key, v.substring(1, v.length() - 1));
                i = close + 1;
            }
            String ns = prefix == null || namespaceOf == null ? null : namespaceOf.apply(prefix);
            steps.add(new Step(prefix, ns, name, Map.copyOf(keys)));
        }
        return new NacmPath(steps);
    }

    private static int predicateEnd(String t, int open) {
        char quote = 0;
        for (int i = open + 1; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ']') {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed [");
    }

    /** Declares the namespaces of the path's prefixes on the element holding it. */
    void appendTo(Element leaf) {
        for (Step s : steps) {
            if (s.prefix() != null && s.ns() != null) {
                leaf.setAttributeNS(Xml.XMLNS, "xmlns:" + s.prefix(), s.ns());
            }
        }
    }

    /**
     * Whether the rule's path covers a node: {@code chain} is the node and its ancestors from the
     * top-level node down.
     */
    boolean covers(List<Element> chain) {
        if (steps.size() > chain.size()) {
            return false;
        }
        for (int i = 0; i < steps.size(); i++) {
            if (!stepMatches(steps.get(i), chain.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the path could cover a node below {@code chain} (the path is longer and agrees with
     * the chain so far): the walk that prunes a reply must look further down.
     */
    boolean reachesBelow(List<Element> chain) {
        if (steps.size() <= chain.size()) {
            return false;
        }
        for (int i = 0; i < chain.size(); i++) {
            if (!stepMatches(steps.get(i), chain.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean stepMatches(Step s, Element e) {
        if (!s.name().equals(e.getLocalName())) {
            return false;
        }
        if (s.ns() != null && !s.ns().equals(e.getNamespaceURI())) {
            return false;
        }
        for (Map.Entry<String, String> k : s.keys().entrySet()) {
            if (k.getKey().equals(".")) {
                if (!Xml.text(e).strip().equals(k.getValue())) {
                    return false;
                }
                continue;
            }
            Element kv = DataTree.childByName(e, k.getKey());
            if (kv == null || !Xml.text(kv).strip().equals(k.getValue())) {
                return false;
            }
        }
        return true;
    }
}
