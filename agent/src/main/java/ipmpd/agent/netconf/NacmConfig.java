package ipmpd.agent.netconf;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The configuration of {@code /nacm} (RFC 8341, module ietf-netconf-acm): the global switches and
 * defaults, the groups and the ordered rule-lists. Read from and written as the {@code <nacm>}
 * element; {@link #parse} checks every value against the module (types, keys, the choice of rule
 * type) and says which node is wrong.
 */
record NacmConfig(boolean enabled, boolean readPermit, boolean writePermit, boolean execPermit,
                  boolean externalGroups, List<Group> groups, List<RuleList> ruleLists) {
    static final String NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm";
    static final String MODULE = "ietf-netconf-acm";
    static final String PREFIX = "nacm";

    /** The access operations of RFC 8341 (the bits of access-operations-type). */
    enum Op {
        CREATE, READ, UPDATE, DELETE, EXEC;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The choice rule-type: none (any of the module's nodes, operations, notifications) or one of three. */
    enum RuleType { ANY, RPC, NOTIFICATION, DATA }

    record Group(String name, List<String> users) {
    }

    record RuleList(String name, List<String> groups, List<Rule> rules) {
    }

    /**
     * One rule. {@code target} is the rpc-name or notification-name ("*" for any) or, for a data
     * rule, the path ({@link NacmPath}); null with {@link RuleType#ANY}.
     */
    record Rule(String name, String module, RuleType type, String target, NacmPath path, Set<Op> ops,
                boolean permit, String comment) {
        boolean allOps() {
            return ops.size() == Op.values().length;
        }
    }

    /**
     * The configuration a first start writes: what the NETCONF users file's two roles allowed
     * before NACM. Users with role read-write are in the external group "admin", which may do
     * everything; users with role read-only are in "read-only", which may read (except /nacm,
     * default-deny-all) and run no operation that changes anything.
     */
    static NacmConfig defaults() {
        List<Rule> ro = new ArrayList<>();
        for (String rpc : List.of("edit-config", "copy-config", "delete-config", "lock", "unlock", "commit",
                "cancel-commit", "discard-changes", "kill-session")) {
            ro.add(new Rule("deny-" + rpc, "ietf-netconf", RuleType.RPC, rpc, null, EnumSet.of(Op.EXEC), false,
                    "read-only users change nothing"));
        }
        for (String rpc : List.of("offline", "undo-offline")) {
            ro.add(new Rule("deny-" + rpc, YangSchema.MODULE, RuleType.RPC, rpc, null, EnumSet.of(Op.EXEC), false,
                    "read-only users change nothing"));
        }
        ro.add(new Rule("deny-writes", "*", RuleType.ANY, null, null,
                EnumSet.of(Op.CREATE, Op.UPDATE, Op.DELETE), false, "read-only users change nothing"));
        ro.add(new Rule("deny-actions", "*", RuleType.DATA, "/", NacmPath.parse("/", p -> null),
                EnumSet.of(Op.EXEC), false, "read-only users invoke no YANG 1.1 action"));
        List<Rule> admin = List.of(new Rule("permit-all", "*", RuleType.ANY, null, null, EnumSet.allOf(Op.class),
                true, "administrators may do everything"));
        return new NacmConfig(true, true, false, true, true,
                List.of(new Group(NacmAccess.ADMIN_GROUP, List.of()), new Group(NacmAccess.READ_ONLY_GROUP, List.of())),
                List.of(new RuleList("admin", List.of(NacmAccess.ADMIN_GROUP), admin),
                        new RuleList("read-only", List.of(NacmAccess.READ_ONLY_GROUP), List.copyOf(ro))));
    }

    /** The keys of a node of the /nacm tree: name for rule-list, rule and groups/group entries. */
    static List<String> keysOf(Element e) {
        String n = e.getLocalName();
        boolean list = n.equals("rule-list") || n.equals("rule")
                || (n.equals("group") && e.getParentNode() instanceof Element p && "groups".equals(p.getLocalName()));
        return list ? List.of("name") : List.of();
    }

    // ------------------------------------------------------------------ XML

    /** The {@code <nacm>} element (configuration only) in {@code doc}. */
    Element toXml(Document doc) {
        Element n = doc.createElementNS(NS, "nacm");
        Xml.leaf(n, "enable-nacm", enabled);
        Xml.leaf(n, "read-default", action(readPermit));
        Xml.leaf(n, "write-default", action(writePermit));
        Xml.leaf(n, "exec-default", action(execPermit));
        Xml.leaf(n, "enable-external-groups", externalGroups);
        if (!groups.isEmpty()) {
            Element gs = Xml.add(n, NS, "groups");
            for (Group g : groups) {
                Element ge = Xml.add(gs, NS, "group");
                Xml.leaf(ge, "name", g.name());
                for (String u : g.users()) {
                    Xml.leaf(ge, "user-name", u);
                }
            }
        }
        for (RuleList rl : ruleLists) {
            Element le = Xml.add(n, NS, "rule-list");
            Xml.leaf(le, "name", rl.name());
            for (String g : rl.groups()) {
                Xml.leaf(le, "group", g);
            }
            for (Rule r : rl.rules()) {
                Element re = Xml.add(le, NS, "rule");
                Xml.leaf(re, "name", r.name());
                Xml.leaf(re, "module-name", r.module());
                switch (r.type()) {
                    case RPC -> Xml.leaf(re, "rpc-name", r.target());
                    case NOTIFICATION -> Xml.leaf(re, "notification-name", r.target());
                    case DATA -> r.path().appendTo(Xml.leaf(re, "path", r.target()));
                    case ANY -> {
                    }
                }
                Xml.leaf(re, "access-operations", r.allOps() ? "*" : opsWord(r.ops()));
                Xml.leaf(re, "action", action(r.permit()));
                if (r.comment() != null) {
                    Xml.leaf(re, "comment", r.comment());
                }
            }
        }
        return n;
    }

    private static String action(boolean permit) {
        return permit ? "permit" : "deny";
    }

    private static String opsWord(Set<Op> ops) {
        List<String> w = new ArrayList<>();
        for (Op o : Op.values()) {
            if (ops.contains(o)) {
                w.add(o.word());
            }
        }
        return String.join(" ", w);
    }

    /**
     * The configuration a {@code <nacm>} element holds (absent leaves take the module's defaults;
     * the state counters are ignored).
     *
     * @throws RpcError naming the node when a value or the structure is not what the module allows
     */
    static NacmConfig parse(Element nacm) throws RpcError {
        String base = "/nacm:nacm";
        boolean enabled = bool(nacm, "enable-nacm", true, base);
        boolean read = action(nacm, "read-default", true, base);
        boolean write = action(nacm, "write-default", false, base);
        boolean exec = action(nacm, "exec-default", true, base);
        boolean ext = bool(nacm, "enable-external-groups", true, base);
        Map<String, Group> groups = new LinkedHashMap<>();
        Element gs = one(nacm, "groups", base);
        if (gs != null) {
            for (Element g : Xml.children(gs, NS, "group")) {
                String name = key(g, base + "/nacm:groups/nacm:group");
                String at = base + "/nacm:groups/nacm:group[nacm:name=" + DataTree.quote(name) + "]";
                if (groups.containsKey(name)) {
                    throw duplicate("group", name, at);
                }
                List<String> users = new ArrayList<>();
                for (Element u : Xml.children(g, NS, "user-name")) {
                    String v = Xml.text(u).strip();
                    if (!userName(v)) {
                        throw RpcError.invalidValue("invalid user-name \"" + v + "\"", at + "/nacm:user-name");
                    }
                    if (!users.contains(v)) {
                        users.add(v);
                    }
                }
                onlyKnown(g, Set.of("name", "user-name"), at);
                groups.put(name, new Group(name, List.copyOf(users)));
            }
            onlyKnown(gs, Set.of("group"), base + "/nacm:groups");
        }
        List<RuleList> lists = new ArrayList<>();
        Set<String> listNames = new HashSet<>();
        for (Element rl : Xml.children(nacm, NS, "rule-list")) {
            String name = key(rl, base + "/nacm:rule-list");
            String at = base + "/nacm:rule-list[nacm:name=" + DataTree.quote(name) + "]";
            if (!listNames.add(name)) {
                throw duplicate("rule-list", name, at);
            }
            List<String> gl = new ArrayList<>();
            for (Element g : Xml.children(rl, NS, "group")) {
                String v = Xml.text(g).strip();
                if (!v.equals("*") && !groupName(v)) {
                    throw RpcError.invalidValue("invalid group name \"" + v + "\"", at + "/nacm:group");
                }
                if (!gl.contains(v)) {
                    gl.add(v);
                }
            }
            List<Rule> rules = new ArrayList<>();
            Set<String> ruleNames = new HashSet<>();
            for (Element r : Xml.children(rl, NS, "rule")) {
                String rn = key(r, at + "/nacm:rule");
                String rat = at + "/nacm:rule[nacm:name=" + DataTree.quote(rn) + "]";
                if (!ruleNames.add(rn)) {
                    throw duplicate("rule", rn, rat);
                }
                rules.add(rule(r, rn, rat));
            }
            onlyKnown(rl, Set.of("name", "group", "rule"), at);
            lists.add(new RuleList(name, List.copyOf(gl), List.copyOf(rules)));
        }
        onlyKnown(nacm, Set.of("enable-nacm", "read-default", "write-default", "exec-default",
                "enable-external-groups", "groups", "rule-list", "denied-operations", "denied-data-writes",
                "denied-notifications"), base);
        return new NacmConfig(enabled, read, write, exec, ext, List.copyOf(groups.values()), List.copyOf(lists));
    }

    private static Rule rule(Element r, String name, String at) throws RpcError {
        String module = "*";
        Element m = one(r, "module-name", at);
        if (m != null) {
            module = Xml.text(m).strip();
            if (!module.equals("*") && !identifier(module)) {
                throw RpcError.invalidValue("invalid module-name \"" + module + "\"", at + "/nacm:module-name");
            }
        }
        Element rpc = one(r, "rpc-name", at);
        Element notif = one(r, "notification-name", at);
        Element path = one(r, "path", at);
        int kinds = (rpc != null ? 1 : 0) + (notif != null ? 1 : 0) + (path != null ? 1 : 0);
        if (kinds > 1) {
            throw RpcError.invalidValue("a rule has at most one of rpc-name, notification-name and path "
                    + "(choice rule-type)", at);
        }
        RuleType type = RuleType.ANY;
        String target = null;
        NacmPath p = null;
        if (rpc != null || notif != null) {
            type = rpc != null ? RuleType.RPC : RuleType.NOTIFICATION;
            Element e = rpc != null ? rpc : notif;
            target = Xml.text(e).strip();
            if (!target.equals("*") && !identifier(target)) {
                throw RpcError.invalidValue("invalid " + e.getLocalName() + " \"" + target + "\"",
                        at + "/nacm:" + e.getLocalName());
            }
        } else if (path != null) {
            type = RuleType.DATA;
            target = Xml.text(path).strip();
            try {
                p = NacmPath.parse(target, path::lookupNamespaceURI);
            } catch (IllegalArgumentException e) {
                throw RpcError.invalidValue("invalid path \"" + target + "\": " + e.getMessage(), at + "/nacm:path");
            }
        }
        Set<Op> ops = EnumSet.allOf(Op.class);
        Element ao = one(r, "access-operations", at);
        if (ao != null) {
            String v = Xml.text(ao).strip();
            if (!v.equals("*")) {
                ops = EnumSet.noneOf(Op.class);
                for (String w : v.split("\\s+")) {
                    Op o = w.isEmpty() ? null : opOf(w);
                    if (o == null) {
                        throw RpcError.invalidValue("invalid access-operations \"" + v
                                + "\" (\"*\" or some of create read update delete exec)", at + "/nacm:access-operations");
                    }
                    ops.add(o);
                }
            }
        }
        Element action = one(r, "action", at);
        if (action == null) {
            throw RpcError.missingElement(RpcError.Type.APPLICATION, "action", "rule " + name
                    + " has no action (permit or deny)", at);
        }
        boolean permit = action(r, "action", false, at);
        Element c = one(r, "comment", at);
        onlyKnown(r, Set.of("name", "module-name", "rpc-name", "notification-name", "path", "access-operations",
                "action", "comment"), at);
        return new Rule(name, module, type, target, p, Set.copyOf(ops), permit, c == null ? null : Xml.text(c));
    }

    private static Op opOf(String w) {
        for (Op o : Op.values()) {
            if (o.word().equals(w)) {
                return o;
            }
        }
        return null;
    }

    private static RpcError duplicate(String what, String name, String at) {
        return new RpcError(RpcError.Type.APPLICATION, "data-not-unique", "two " + what + " entries named "
                + name, null, at, null);
    }

    private static String key(Element e, String at) throws RpcError {
        Element k = one(e, "name", at);
        if (k == null) {
            throw RpcError.missingElement(RpcError.Type.APPLICATION, "name", e.getLocalName() + " entry without its key name",
                    at);
        }
        String v = Xml.text(k).strip();
        boolean ok = e.getLocalName().equals("group") ? groupName(v) : !v.isEmpty() && v.length() <= 1000;
        if (!ok) {
            throw RpcError.invalidValue("invalid name \"" + v + "\"", at + "/nacm:name");
        }
        return v;
    }

    private static Element one(Element parent, String name, String at) throws RpcError {
        List<Element> l = Xml.children(parent, NS, name);
        if (l.size() > 1) {
            throw new RpcError(RpcError.Type.APPLICATION, "invalid-value", "two " + name + " leaves", null,
                    at + "/nacm:" + name, null);
        }
        return l.isEmpty() ? null : l.get(0);
    }

    private static void onlyKnown(Element e, Set<String> names, String at) throws RpcError {
        for (Element c : Xml.children(e)) {
            if (!NS.equals(c.getNamespaceURI()) || !names.contains(c.getLocalName())) {
                throw RpcError.unknownElement(RpcError.Type.APPLICATION, c.getLocalName(),
                        "unknown element " + c.getLocalName() + " in " + e.getLocalName(), at);
            }
        }
    }

    private static boolean bool(Element parent, String name, boolean dflt, String at) throws RpcError {
        Element e = one(parent, name, at);
        if (e == null) {
            return dflt;
        }
        return switch (Xml.text(e).strip()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw RpcError.invalidValue("invalid " + name + " \"" + Xml.text(e) + "\" (true or false)",
                    at + "/nacm:" + name);
        };
    }

    private static boolean action(Element parent, String name, boolean dflt, String at) throws RpcError {
        Element e = one(parent, name, at);
        if (e == null) {
            return dflt;
        }
        return switch (Xml.text(e).strip()) {
            case "permit" -> true;
            case "deny" -> false;
            default -> throw RpcError.invalidValue("invalid " + name + " \"" + Xml.text(e) + "\" (permit or deny)",
                    at + "/nacm:" + name);
        };
    }

    /** user-name-type: a string of 1 or more characters. */
    private static boolean userName(String v) {
        return !v.isEmpty();
    }

    /** group-name-type: pattern [^\*].* (and not empty). */
    static boolean groupName(String v) {
        return !v.isEmpty() && v.charAt(0) != '*';
    }

    /** A YANG identifier. */
    static boolean identifier(String v) {
        return v.matches("[A-Za-z_][A-Za-z0-9_.-]*");
    }
}
