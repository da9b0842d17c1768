package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Element;

import java.util.List;
import java.util.Set;

/**
 * RFC 8526 {@code <get-data>} (ietf-netconf-nmda): its parameters, and what it does to the ipmp
 * tree beyond a subtree filter: the config filter, the RFC 8342 origin annotation (every
 * configuration node of operational comes from intended, except leaves that hold their default
 * without a client having set them: or:default) and the origin filters, max-depth.
 */
final class GetData {
    static final String NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda";
    static final String ORIGIN = "urn:ietf:params:xml:ns:yang:ietf-origin";

    /** The datastores get-data reads. */
    enum Datastore { RUNNING, CANDIDATE, OPERATIONAL }

    /** The parsed request. */
    record Request(Datastore datastore, Element subtreeFilter, Element xpathFilter, Boolean configFilter, int maxDepth,
                   boolean withOrigin, Set<String> originFilter, boolean negatedOriginFilter,
                   WithDefaults.Mode withDefaults) {
    }

    private GetData() {
    }

    static Request parse(Element op) throws RpcError {
        Datastore ds = null;
        Element subtree = null;
        Element xpath = null;
        Boolean config = null;
        int depth = 0;
        boolean origin = false;
        Set<String> originFilter = new java.util.LinkedHashSet<>();
        boolean negated = false;
        WithDefaults.Mode wd = null;
        for (Element p : Xml.children(op)) {
            String ns = p.getNamespaceURI();
            String name = p.getLocalName();
            if (!NS.equals(ns)) {
                throw RpcError.unknownElement(RpcError.Type.PROTOCOL, name, "unknown parameter " + name, null);
            }
            switch (name) {
                case "datastore" -> ds = datastore(p);
                case "subtree-filter" -> subtree = p;
                case "xpath-filter" -> xpath = p;
                case "config-filter" -> {
                    String v = Xml.text(p);
                    if (!v.equals("true") && !v.equals("false")) {
                        throw RpcError.invalidValue("config-filter must be true or false, not " + v, null);
                    }
                    config = v.equals("true");
                }
                case "max-depth" -> {
                    String v = Xml.text(p);
                    if (!v.equals("unbounded")) {
                        try {
                            depth = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            depth = -1;
                        }
                        if (depth < 1 || depth > 65535) {
                            throw RpcError.invalidValue("max-depth must be 1..65535 or unbounded, not " + v, null);
                        }
                    }
                }
                case "with-origin" -> origin = true;
                case "with-defaults" -> { // the grouping of ietf-netconf-with-defaults, used in this module
                    wd = WithDefaults.Mode.parse(Xml.text(p));
                    if (wd == null) {
                        throw RpcError.invalidValue("unknown with-defaults mode " + Xml.text(p), null);
                    }
                }
                case "origin-filter", "negated-origin-filter" -> {
                    if (!originFilter.isEmpty() && negated != name.startsWith("negated")) {
                        throw RpcError.invalidValue("origin-filter and negated-origin-filter exclude each other",
                                null);
                    }
                    negated = name.startsWith("negated");
                    originFilter.add(origin(p));
                }
                default -> throw RpcError.unknownElement(RpcError.Type.PROTOCOL, name, "unknown parameter " + name,
                        null);
            }
        }
        if (ds == null) {
            throw RpcError.missingElement(RpcError.Type.PROTOCOL, "datastore", "missing parameter datastore", null);
        }
        if (ds != Datastore.OPERATIONAL && (origin || !originFilter.isEmpty())) {
            throw RpcError.invalidValue("with-origin and the origin filters apply to the operational datastore only",
                    null);
        }
        if (ds == Datastore.OPERATIONAL && wd != null) {
            throw RpcError.invalidValue("with-defaults does not apply to the operational datastore "
                    + "(no :with-operational-defaults)", null);
        }
        if (subtree != null && xpath != null) {
            throw RpcError.invalidValue("subtree-filter and xpath-filter exclude each other", null);
        }
        return new Request(ds, subtree, xpath, config, depth, origin, Set.copyOf(originFilter), negated,
                wd == null ? WithDefaults.Mode.REPORT_ALL : wd);
    }

    /** An identityref value: its prefix resolved where it is written. */
    private static String[] identity(Element e) throws RpcError {
        String v = Xml.text(e);
        int colon = v.indexOf(':');
        String prefix = colon < 0 ? null : v.substring(0, colon);
        String ns = e.lookupNamespaceURI(prefix);
        if (ns == null) {
            throw RpcError.invalidValue("unknown prefix in " + e.getLocalName() + " value " + v, null);
        }
        return new String[] {ns, v.substring(colon + 1)};
    }

    private static Datastore datastore(Element e) throws RpcError {
        String[] id = identity(e);
        if (Xml.DATASTORES.equals(id[0])) {
            switch (id[1]) {
                case "running" -> {
                    return Datastore.RUNNING;
                }
                case "candidate" -> {
                    return Datastore.CANDIDATE;
                }
                case "operational" -> {
                    return Datastore.OPERATIONAL;
                }
                default -> {
                }
            }
        }
        throw RpcError.invalidValue("datastore " + Xml.text(e) + " is not supported (ds:running, ds:candidate, "
                + "ds:operational)", null);
    }

    private static String origin(Element e) throws RpcError {
        String[] id = identity(e);
        if (!ORIGIN.equals(id[0])) {
            throw RpcError.invalidValue("unknown origin " + Xml.text(e), null);
        }
        return id[1];
    }

    // ------------------------------------------------------------------ the tree

    /** Keeps only config true nodes (true) or only config false nodes and their ancestors and keys (false). */
    static void configFilter(Element ipmp, SNode s, boolean config) {
        if (config) {
            dropState(ipmp, s);
        } else {
            keepState(ipmp, s);
        }
    }

    private static void dropState(Element e, SNode s) {
        for (Element c : Xml.children(e)) {
            SNode cs = s.child(c.getLocalName());
            if (cs == null) {
                continue;
            }
            if (!cs.config) {
                e.removeChild(c);
            } else if (!cs.isLeafy()) {
                dropState(c, cs);
            }
        }
    }

    /** Whether anything state is left in e after the configuration is taken out. */
    private static boolean keepState(Element e, SNode s) {
        boolean any = false;
        for (Element c : Xml.children(e)) {
            SNode cs = s.child(c.getLocalName());
            if (cs == null || !cs.config) {
                any = true;
                continue;
            }
            if (cs.isKey()) {
                continue; // kept if the entry is
            }
            if (cs.isLeafy() || !keepState(c, cs)) {
                e.removeChild(c);
            } else {
                any = true;
            }
        }
        return any;
    }

    /** Puts the origin annotation on the ipmp tree of operational: intended, or default where a leaf holds it. */
    static void annotateOrigin(Element ipmp, SNode s) {
        ipmp.setAttributeNS(Xml.XMLNS, "xmlns:or", ORIGIN);
        ipmp.setAttributeNS(ORIGIN, "or:origin", "or:intended");
        markDefaults(ipmp, s);
    }

    private static void markDefaults(Element e, SNode s) {
        for (Element c : Xml.children(e)) {
            SNode cs = s.child(c.getLocalName());
            if (cs == null || !cs.config) {
                continue;
            }
            if (!cs.isLeafy()) {
                markDefaults(c, cs);
            } else if (isDefault(cs, c)) {
                c.setAttributeNS(ORIGIN, "or:origin", "or:default");
            }
        }
    }

    private static boolean isDefault(SNode leaf, Element e) {
        if (leaf.kind != Kind.LEAF || leaf.defaultValue == null) {
            return false;
        }
        String v = YangSchema.canonical(leaf, Xml.text(e));
        return v != null && v.equals(YangSchema.canonical(leaf, leaf.defaultValue));
    }

    /**
     * The origin filters: configuration nodes whose origin (intended or default, see above) is,
     * or is not ({@code negated}), derived from one of {@code origins}; state nodes stay, and so do
     * the ancestors and list keys of what stays.
     */
    static void originFilter(Element ipmp, SNode s, Set<String> origins, boolean negated) {
        filterOrigins(ipmp, s, origins, negated, "intended");
    }

    private static boolean matches(String origin, Set<String> wanted, boolean negated) {
        // or:origin is the base of every origin; ours are intended and default
        boolean m = wanted.contains(origin) || wanted.contains("origin");
        return negated != m;
    }

    /** Whether e keeps anything. */
    private static boolean filterOrigins(Element e, SNode s, Set<String> wanted, boolean negated, String inherited) {
        boolean any = false;
        for (Element c : Xml.children(e)) {
            SNode cs = s.child(c.getLocalName());
            if (cs == null || !cs.config) {
                any = true;
                continue;
            }
            if (cs.isKey()) {
                continue;
            }
            boolean keep;
            if (cs.isLeafy()) {
                keep = matches(isDefault(cs, c) ? "default" : inherited, wanted, negated);
            } else {
                keep = filterOrigins(c, cs, wanted, negated, inherited)
                        || matches(inherited, wanted, negated) && Xml.children(c).isEmpty();
            }
            if (keep) {
                any = true;
            } else {
                e.removeChild(c);
            }
        }
        return any;
    }

    /**
     * Cuts every node deeper than {@code depth} levels below the top-level nodes of {@code data};
     * list entries at the cut keep their keys (an entry without them is no valid instance).
     */
    static void maxDepth(Element data, int depth, SubtreeFilter keys) {
        for (Element top : Xml.children(data)) {
            cut(top, depth - 1, keys);
        }
    }

    private static void cut(Element e, int levels, SubtreeFilter keys) {
        List<String> k = levels <= 0 ? keys.keysOf(e) : List.of();
        for (Element c : Xml.children(e)) {
            if (levels > 0) {
                cut(c, levels - 1, keys);
            } else if (!k.contains(c.getLocalName())) {
                e.removeChild(c);
            }
        }
    }
}
