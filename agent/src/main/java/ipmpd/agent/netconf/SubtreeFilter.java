package ipmpd.agent.netconf;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RFC 6241 section 6 subtree filtering: namespace selection, containment nodes, selection nodes
 * and content match nodes. List entries that are output in part keep their key leaves, so that
 * the result is still valid instance data.
 */
final class SubtreeFilter {
    /** List keys by namespace and list name (ipmpd's come from the module). */
    private static final Map<String, List<String>> KEYS = Map.ofEntries(
            Map.entry(Xml.NCM + " datastore", List.of("name")),
            Map.entry(Xml.NCM + " schema", List.of("identifier", "version", "format")),
            Map.entry(Xml.NCM + " session", List.of("session-id")),
            Map.entry(Xml.YANGLIB + " module-set", List.of("name")),
            Map.entry(Xml.YANGLIB + " module", List.of("name", "revision")),
            Map.entry(Xml.YANGLIB + " import-only-module", List.of("name", "revision")),
            Map.entry(Xml.YANGLIB + " submodule", List.of("name")),
            Map.entry(Xml.YANGLIB + " schema", List.of("name")),
            Map.entry(Xml.YANGLIB + " datastore", List.of("name")),
            Map.entry(NotificationHub.NETMOD_NOTIFICATION + " stream", List.of("name")));

    private final YangSchema schema;

    SubtreeFilter(YangSchema schema) {
        this.schema = schema;
    }

    /**
     * Filters the top-level nodes under {@code data} with the children of {@code filter} and
     * appends the selected ones under {@code out}. An empty filter selects nothing.
     */
    void apply(Element data, Element filter, Element out) {
        Document doc = out.getOwnerDocument();
        for (Element f : Xml.children(filter)) {
            for (Element d : Xml.children(data)) {
                if (matches(f, d)) {
                    Element r = select(doc, d, f);
                    if (r != null) {
                        out.appendChild(r);
                    }
                }
            }
        }
    }

    /** Whether the filter's top-level elements name this element (for notification filters). */
    static boolean names(Element filter, String ns, String name) {
        for (Element f : Xml.children(filter)) {
            if (name.equals(f.getLocalName()) && nsMatches(f.getNamespaceURI(), ns)) {
                return true;
            }
        }
        return false;
    }

    private static boolean nsMatches(String filterNs, String dataNs) {
        return filterNs == null || filterNs.isEmpty() || Xml.BASE.equals(filterNs) || filterNs.equals(dataNs);
    }

    private static boolean matches(Element f, Element d) {
        return f.getLocalName().equals(d.getLocalName()) && nsMatches(f.getNamespaceURI(), d.getNamespaceURI());
    }

    private static boolean isContentMatch(Element f) {
        return !Xml.hasElementChildren(f) && Xml.hasText(f);
    }

    private Element select(Document doc, Element d, Element f) {
        List<Element> fkids = Xml.children(f);
        if (fkids.isEmpty()) {
            if (Xml.hasText(f)) {
                return Xml.text(f).equals(Xml.text(d)) ? (Element) doc.importNode(d, true) : null;
            }
            return (Element) doc.importNode(d, true);
        }
        List<Element> content = new ArrayList<>();
        List<Element> others = new ArrayList<>();
        for (Element fc : fkids) {
            (isContentMatch(fc) ? content : others).add(fc);
        }
        List<Element> matchedContent = new ArrayList<>();
        for (Element fc : content) {
            boolean any = false;
            for (Element dc : Xml.children(d)) {
                if (matches(fc, dc) && Xml.text(fc).equals(Xml.text(dc))) {
                    matchedContent.add(dc);
                    any = true;
                }
            }
            if (!any) {
                return null;
            }
        }
        if (others.isEmpty()) {
            return (Element) doc.importNode(d, true);
        }
        Element out = (Element) doc.importNode(d, false);
        List<Element> selected = new ArrayList<>();
        for (Element fc : others) {
            for (Element dc : Xml.children(d)) {
                if (!matches(fc, dc)) {
                    continue;
                }
                Element r = select(doc, dc, fc);
                if (r != null) {
                    selected.add(r);
                }
            }
        }
        if (selected.isEmpty() && content.isEmpty()) {
            return null;
        }
        List<String> keys = keysOf(d);
        for (Element dc : Xml.children(d)) {
            if (keys.contains(dc.getLocalName()) && !matchedContent.contains(dc)) {
                out.appendChild(doc.importNode(dc, true));
            }
        }
        for (Element dc : matchedContent) {
            out.appendChild(doc.importNode(dc, true));
        }
        for (Element r : selected) {
            if (keys.contains(r.getLocalName()) && Xml.children(out).stream().anyMatch(
                    o -> o.getLocalName().equals(r.getLocalName()))) {
                continue;
            }
            out.appendChild(r);
        }
        return out;
    }

    /** The key leaf names of a list entry (empty for other nodes). */
    List<String> keysOf(Element d) {
        if (YangSchema.PREFIXES.containsKey(d.getNamespaceURI())) {
            YangSchema.SNode s = DataTree.schemaOf(schema, d);
            return s == null ? List.of() : YangSchema.keys(s);
        }
        if (NacmConfig.NS.equals(d.getNamespaceURI())) {
            return NacmConfig.keysOf(d);
        }
        return KEYS.getOrDefault(d.getNamespaceURI() + " " + d.getLocalName(), List.of());
    }
}
