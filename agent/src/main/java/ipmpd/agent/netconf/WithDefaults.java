package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.Kind;
import ipmpd.agent.netconf.YangSchema.SNode;
import org.w3c.dom.Element;

import java.util.List;

/**
 * RFC 6243 with-defaults: how leaves that hold their schema default are reported. The server's
 * basic mode is report-all. Which leaves count as set by a client depends on the tree: the
 * running configuration lives in files that keep no mark of a value set to its default, so there
 * a leaf holding its default was set by the server; the candidate keeps what clients wrote (on top
 * of running without its defaults), so there every leaf present was set explicitly.
 */
final class WithDefaults {
    static final String NS = "urn:ietf:params:xml:ns:netconf:default:1.0";

    enum Mode {
        REPORT_ALL("report-all"), TRIM("trim"), EXPLICIT("explicit"), REPORT_ALL_TAGGED("report-all-tagged");

        final String word;

        Mode(String word) {
            this.word = word;
        }

        static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.word.equals(s)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** The capability: basic mode and the other modes. */
    static final String CAPABILITY = "urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=report-all"
            + "&also-supported=report-all-tagged,trim,explicit";

    private WithDefaults() {
    }

    /**
     * Rewrites a tree (the wrapper of its top-level nodes) for a mode.
     *
     * @param explicitTree true when every leaf present was set by a client (the candidate); false
     *        when a leaf holding its default may have been set by the server (running, the state)
     */
    static void apply(Element ipmp, SNode schema, Mode mode, boolean explicitTree) {
        if (mode == Mode.REPORT_ALL && !explicitTree) {
            return; // running and the state are built with every leaf
        }
        if (mode == Mode.EXPLICIT && explicitTree) {
            return;
        }
        if (mode == Mode.REPORT_ALL_TAGGED) {
            for (Element top : Xml.children(ipmp)) {
                top.setAttributeNS(Xml.XMLNS, "xmlns:wd", NS); // declared once, for every tagged leaf below
            }
        }
        walk(ipmp, schema, mode, explicitTree);
        if (mode == Mode.REPORT_ALL || mode == Mode.REPORT_ALL_TAGGED) {
            DataTree.normalize(ipmp, schema); // filled-in leaves to their schema place
        }
    }

    /** Removes every configuration leaf that holds its default (the running tree as clients set it). */
    static void trimConfig(Element ipmp, SNode schema) {
        walk(ipmp, schema, Mode.EXPLICIT, false);
    }

    private static boolean holdsDefault(SNode leaf, Element e) {
        String v = YangSchema.canonical(leaf, Xml.text(e));
        return v != null && v.equals(YangSchema.canonical(leaf, leaf.defaultValue));
    }

    private static void walk(Element e, SNode s, Mode mode, boolean explicitTree) {
        List<Element> kids = Xml.children(e);
        for (Element c : kids) {
            SNode cs = s.child(c.getLocalName());
            if (cs == null) {
                continue;
            }
            if (cs.kind == Kind.CONTAINER || cs.kind == Kind.LIST) {
                walk(c, cs, mode, explicitTree);
                continue;
            }
            if (cs.kind != Kind.LEAF || cs.defaultValue == null || !holdsDefault(cs, c)) {
                continue;
            }
            switch (mode) {
                case TRIM -> e.removeChild(c);
                case EXPLICIT -> {
                    if (cs.config && !explicitTree) {
                        e.removeChild(c);
                    }
                }
                case REPORT_ALL_TAGGED -> tag(c);
                default -> {
                }
            }
        }
        if (mode == Mode.REPORT_ALL || mode == Mode.REPORT_ALL_TAGGED) {
            for (SNode cs : s.children.values()) {
                if (cs.kind == Kind.LEAF && cs.config && cs.defaultValue != null
                        && DataTree.childByName(e, cs.name) == null) {
                    Element d = e.getOwnerDocument().createElementNS(cs.ns, cs.name);
                    d.setTextContent(YangSchema.canonical(cs, cs.defaultValue));
                    e.appendChild(d);
                    if (mode == Mode.REPORT_ALL_TAGGED) {
                        tag(d);
                    }
                }
            }
        }
    }

    private static void tag(Element leaf) {
        leaf.setAttributeNS(NS, "wd:default", "true");
    }
}
