package ipmpd.agent.netconf;

import ipmpd.agent.netconf.NacmConfig.Op;
import ipmpd.agent.netconf.NacmConfig.Rule;
import ipmpd.agent.netconf.NacmConfig.RuleList;
import ipmpd.agent.netconf.NacmConfig.RuleType;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The access rights of one user under one NACM configuration: the decisions of RFC 8341 section
 * 3.4 for a protocol operation (3.4.4), a data node (3.4.5) and a notification (3.4.6). The rules
 * that apply are those of the rule-lists naming one of the user's groups (or "*"), in the order of
 * the rule-lists and of their rules; the first rule that matches decides. When none does, the
 * default-deny-all / default-deny-write extensions of the modules, then the global defaults decide.
 */
final class NacmAccess {
    /** The external group of users with role read-write in the users file. */
    static final String ADMIN_GROUP = "admin";
    /** The external group of users with role read-only. */
    static final String READ_ONLY_GROUP = "read-only";

    /**
     * Operations marked nacm:default-deny-all in their module (RFC 8341 section 3.2.3: ietf-netconf's
     * kill-session and delete-config), as "module:operation".
     */
    static final Set<String> DENY_ALL_OPERATIONS = Set.of("ietf-netconf:kill-session", "ietf-netconf:delete-config");

    private final NacmConfig config;
    private final String user;
    private final Set<String> groups;
    private final Function<String, String> moduleOf;
    private final List<Rule> rules;

    /**
     * @param external the groups the transport gave the user (its role in the users file)
     * @param moduleOf a namespace's module name (null when unknown)
     */
    NacmAccess(NacmConfig config, String user, Set<String> external, Function<String, String> moduleOf) {
        this.config = config;
        this.user = user;
        this.moduleOf = moduleOf;
        Set<String> g = new LinkedHashSet<>();
        for (NacmConfig.Group group : config.groups()) {
            if (group.users().contains(user)) {
                g.add(group.name());
            }
        }
        if (config.externalGroups()) {
            g.addAll(external);
        }
        this.groups = Set.copyOf(g);
        List<Rule> r = new ArrayList<>();
        for (RuleList rl : config.ruleLists()) {
            if (rl.groups().contains("*") || rl.groups().stream().anyMatch(groups::contains)) {
                r.addAll(rl.rules());
            }
        }
        this.rules = List.copyOf(r);
    }

    String user() {
        return user;
    }

    Set<String> groups() {
        return groups;
    }

    /**
     * Whether NACM decides anything (when off, everything is permitted). There is no recovery
     * session over NETCONF (RFC 8341 3.4.4): the recovery path is root editing netconf-acm.xml.
     */
    boolean enforced() {
        return config.enabled();
    }

    /**
     * Whether every write is permitted without looking at the nodes: NACM off, or the first rule
     * about writes permits all of them everywhere (the admin group's permit-all).
     */
    boolean permitsAllWrites() {
        if (!enforced()) {
            return true;
        }
        for (Rule r : rules) {
            boolean writes = r.ops().contains(Op.CREATE) || r.ops().contains(Op.UPDATE) || r.ops().contains(Op.DELETE);
            if (!writes || r.type() == RuleType.RPC || r.type() == RuleType.NOTIFICATION) {
                continue;
            }
            return r.permit() && r.type() == RuleType.ANY && r.module().equals("*")
                    && r.ops().containsAll(java.util.EnumSet.of(Op.CREATE, Op.UPDATE, Op.DELETE));
        }
        return false; // the defaults decide, and /nacm is default-deny-all
    }

    private static boolean moduleMatches(Rule r, String module) {
        return r.module().equals("*") || r.module().equals(module);
    }

    /** RFC 8341 3.4.4: may the user invoke this operation? close-session always. */
    boolean exec(String module, String operation) {
        if (!enforced() || ("ietf-netconf".equals(module) && "close-session".equals(operation))) {
            return true;
        }
        for (Rule r : rules) {
            if (!r.ops().contains(Op.EXEC) || !moduleMatches(r, module)) {
                continue;
            }
            if (r.type() == RuleType.ANY || (r.type() == RuleType.RPC
                    && (r.target().equals("*") || r.target().equals(operation)))) {
                return r.permit();
            }
        }
        if (DENY_ALL_OPERATIONS.contains(module + ":" + operation)) {
            return false;
        }
        return config.execPermit();
    }

    /** RFC 8341 3.4.6: may the user receive this notification? */
    boolean notification(String module, String name) {
        if (!enforced()) {
            return true;
        }
        if ("nc-notifications".equals(module) && ("replayComplete".equals(name) || "notificationComplete".equals(name))) {
            return true;
        }
        for (Rule r : rules) {
            if (!r.ops().contains(Op.READ) || !moduleMatches(r, module)) {
                continue;
            }
            if (r.type() == RuleType.ANY || (r.type() == RuleType.NOTIFICATION
                    && (r.target().equals("*") || r.target().equals(name)))) {
                return r.permit();
            }
        }
        return config.readPermit();
    }

    /**
     * RFC 8341 3.4.5: may the user do {@code op} on a data node? {@code chain} is the node and its
     * ancestors, from the top-level node down.
     */
    boolean data(Op op, List<Element> chain) {
        if (!enforced()) {
            return true;
        }
        Element node = chain.get(chain.size() - 1);
        String module = moduleOf.apply(node.getNamespaceURI());
        for (Rule r : rules) {
            if (!r.ops().contains(op) || !moduleMatches(r, module)) {
                continue;
            }
            if (r.type() == RuleType.ANY || (r.type() == RuleType.DATA && r.path().covers(chain))) {
                return r.permit();
            }
        }
        if (defaultDenyAll(chain)) {
            return false;
        }
        return switch (op) {
            case READ -> config.readPermit();
            case EXEC -> config.execPermit(); // a YANG 1.1 action
            default -> config.writePermit();
        };
    }

    /** Nodes marked nacm:default-deny-all: /nacm (ietf-netconf-acm) and what is below it. */
    private static boolean defaultDenyAll(List<Element> chain) {
        Element top = chain.get(0);
        return NacmConfig.NS.equals(top.getNamespaceURI()) && "nacm".equals(top.getLocalName());
    }

    /**
     * Whether a node's read decision holds for all of its descendants: no data rule reaches below
     * it, and no child belongs to another module that a rule names.
     */
    private boolean uniformBelow(List<Element> chain, boolean moduleRules) {
        for (Rule r : rules) {
            if (r.type() == RuleType.DATA && r.ops().contains(Op.READ) && r.path().reachesBelow(chain)) {
                return false;
            }
        }
        if (moduleRules) {
            Element e = chain.get(chain.size() - 1);
            String ns = e.getNamespaceURI();
            for (Element c : Xml.children(e)) {
                if (ns == null ? c.getNamespaceURI() != null : !ns.equals(c.getNamespaceURI())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Removes from a reply's data (the children of {@code data}) every node the user may not
     * read, silently (RFC 8341 3.4.5).
     */
    void pruneForRead(Element data) {
        if (!enforced()) {
            return;
        }
        boolean moduleRules = rules.stream().anyMatch(r -> r.ops().contains(Op.READ) && !r.module().equals("*"));
        List<Element> chain = new ArrayList<>();
        for (Element top : Xml.children(data)) {
            prune(top, chain, moduleRules);
        }
    }

    private void prune(Element e, List<Element> chain, boolean moduleRules) {
        chain.add(e);
        try {
            if (!data(Op.READ, chain)) {
                e.getParentNode().removeChild(e);
                return;
            }
            if (uniformBelow(chain, moduleRules)) {
                return;
            }
            for (Element c : Xml.children(e)) {
                prune(c, chain, moduleRules);
            }
        } finally {
            chain.remove(chain.size() - 1);
        }
    }
}
