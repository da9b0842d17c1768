package ipmpd.agent.netconf;

import ipmpd.engine.Addresses;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.Family;
import ipmpd.engine.config.ConfigProblem;
import ipmpd.engine.config.IpmpConfiguration;
import ipmpd.engine.config.IpmpConfiguration.DataAddress;
import ipmpd.engine.config.IpmpConfiguration.GroupConfig;
import ipmpd.engine.config.IpmpConfiguration.MemberConfig;
import ipmpd.engine.config.IpmpConfiguration.TestAddress;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The configuration part of the ipmpd module as XML, to and from the engine's configuration value
 * ({@link IpmpConfiguration}), and the engine's configuration problems as rpc-errors.
 */
final class ConfigXml {
    private ConfigXml() {
    }

    /** The interface type of a member: ipmpd keeps none, members are Ethernet interfaces. */
    static final String MEMBER_TYPE = "ianaift:ethernetCsmacd";

    /** The type of an IPMP interface (canonical: the module's own prefix). */
    static final String IPMP_TYPE = "ipmp:ipmp";

    /** The module's error-app-tag for an interface of type ipmp that no group names. */
    static final String IPMP_WITHOUT_GROUP = "ipmp-interface-without-group";

    /**
     * The configuration as the top-level nodes {@code <interfaces>} (ietf-interfaces: an entry for
     * each group's IPMP interface and for each member, with its IPMP configuration) and
     * {@code <ipmp>} (the groups), with every configuration leaf (defaults included: report-all),
     * under a {@code <config>} wrapper. The data addresses of a group with an IPMP interface have
     * no home member (the IPMP interface holds them).
     */
    static Element toXml(Document doc, IpmpConfiguration c) {
        Element wrapper = doc.createElementNS(Xml.BASE, "config");
        Element interfaces = doc.createElementNS(Xml.IF, "interfaces");
        Element ipmp = doc.createElementNS(Xml.IPMP, "ipmp");
        EngineConfig g = c.global();
        Xml.leaf(ipmp, "failure-detection-time", g.failureDetectionTimeMs());
        Xml.leaf(ipmp, "failback", g.failback());
        Xml.leaf(ipmp, "track-interfaces-only-with-groups", g.trackInterfacesOnlyWithGroups());
        Xml.leaf(ipmp, "probe-quiet-period", g.probeQuietPeriodMs());
        for (GroupConfig gc : c.groups()) {
            Element ge = Xml.add(ipmp, Xml.IPMP, "group");
            Xml.leaf(ge, "name", gc.name());
            if (gc.ipmpInterface() != null) {
                Xml.leaf(ge, "ipmp-interface", gc.ipmpInterface());
                Element ie = Xml.add(interfaces, Xml.IF, "interface");
                Xml.leaf(ie, "name", gc.ipmpInterface());
                Element type = Xml.leaf(ie, "type", IPMP_TYPE);
                type.setAttributeNS(Xml.XMLNS, "xmlns:ipmp", Xml.IPMP);
                Xml.leaf(ie, "enabled", true);
            }
            for (MemberConfig m : gc.members()) {
                Element ie = Xml.add(interfaces, Xml.IF, "interface");
                Xml.leaf(ie, "name", m.name());
                Element type = Xml.leaf(ie, "type", MEMBER_TYPE);
                type.setAttributeNS(Xml.XMLNS, "xmlns:ianaift", Xml.IANAIFT);
                Xml.leaf(ie, "enabled", true);
                Element me = Xml.add(ie, Xml.IPMP, "ipmp");
                Xml.leaf(me, "group", gc.name());
                Xml.leaf(me, "standby", m.standby());
                Xml.leaf(me, "offline", m.offline());
                for (TestAddress t : m.testAddresses()) {
                    Element te = Xml.add(me, Xml.IPMP, "test-address");
                    Xml.leaf(te, "address", Addresses.format(t.address()));
                    Xml.leaf(te, "prefix-length", t.prefixLen());
                }
            }
            for (DataAddress d : gc.dataAddresses()) {
                Element de = Xml.add(ge, Xml.IPMP, "data-address");
                Xml.leaf(de, "address", Addresses.format(d.address()));
                Xml.leaf(de, "prefix-length", d.prefixLen());
                if (gc.ipmpInterface() == null) {
                    Xml.leaf(de, "home-member", d.homeMember());
                }
            }
            for (InetAddress t : gc.targets()) {
                Element te = Xml.add(ge, Xml.IPMP, "probe-target");
                Xml.leaf(te, "address", Addresses.format(t));
            }
        }
        if (interfaces.hasChildNodes()) {
            wrapper.appendChild(interfaces);
        }
        wrapper.appendChild(ipmp);
        return wrapper;
    }

    /** The {@code <ipmp>} element of a tree (the wrapper of the top-level nodes), or null. */
    static Element ipmp(Element tree) {
        return tree == null ? null : Xml.child(tree, Xml.IPMP, "ipmp");
    }

    /** The interface entries of a tree, or none. */
    static List<Element> interfaces(Element tree) {
        Element ifs = tree == null ? null : Xml.child(tree, Xml.IF, "interfaces");
        return ifs == null ? List.of() : Xml.children(ifs, Xml.IF, "interface");
    }

    /**
     * The configuration a validated tree describes (null tree: the empty configuration with the
     * module's defaults). A test address without its prefix length keeps the running one, else
     * takes that of a data address of the group whose subnet holds it, else the classful one.
     * The data addresses of a group with an IPMP interface are held by it (their home member is
     * its name, as the engine keeps them). What ipmpd cannot keep is refused, each with its path:
     * an interface that is no member (nor an IPMP interface), an interface type other than a
     * member's, a description, a disabled interface, an IPMP interface that no group names.
     */
    static IpmpConfiguration fromXml(YangSchema schema, Element tree, IpmpConfiguration running)
            throws RpcError.Many {
        // read in place (no copy with the defaults filled in): an absent leaf reads as its default
        Element t = ipmp(tree);
        if (t == null) {
            Document doc = Xml.newDocument();
            t = doc.createElementNS(Xml.IPMP, "ipmp");
            doc.appendChild(t);
        }
        YangSchema.SNode top = schema.root().child("ipmp");
        YangSchema.SNode memberSchema = schema.root().child("interfaces").child("interface").child("ipmp");
        List<RpcError> errors = new ArrayList<>();
        EngineConfig global = new EngineConfig(Long.parseLong(value(t, top, "failure-detection-time")),
                "true".equals(value(t, top, "failback")),
                "true".equals(value(t, top, "track-interfaces-only-with-groups")),
                Long.parseLong(value(t, top, "probe-quiet-period")));
        // the running members by group and name (one lookup per test address, not a scan)
        java.util.Map<List<String>, MemberConfig> runningMembers = new java.util.HashMap<>();
        if (running != null) {
            for (GroupConfig g : running.groups()) {
                for (MemberConfig m : g.members()) {
                    runningMembers.putIfAbsent(List.of(g.name(), m.name()), m);
                }
            }
        }
        // the members of each group, in the order of the interface list
        java.util.Map<String, List<Element>> membersOf = new java.util.HashMap<>();
        // the IPMP interfaces (entries of type ipmp) by name, until a group names them
        java.util.Map<String, Element> unclaimedIpmp = new java.util.LinkedHashMap<>();
        for (Element ie : interfaces(tree)) {
            String path = DataTree.path(schema, ie);
            Element me = Xml.child(ie, Xml.IPMP, "ipmp");
            Element type = Xml.child(ie, Xml.IF, "type");
            String typeValue = type == null ? null : Xml.text(type);
            boolean ipmpInterface = IPMP_TYPE.equals(typeValue);
            if (ipmpInterface) {
                // its own node: the module's must refuses an ipmp container on it (ipmp-interface-member)
                unclaimedIpmp.put(Xml.text(Xml.child(ie, Xml.IF, "name")), ie);
            } else if (me == null) {
                errors.add(new RpcError(RpcError.Type.APPLICATION, "operation-not-supported", "interface "
                        + Xml.text(Xml.child(ie, Xml.IF, "name")) + " is no IPMP member: ipmpd configures the "
                        + "members of IPMP groups and their IPMP interfaces only (give it an ipmp container with "
                        + "its group, or the type " + IPMP_TYPE + ")", null, path, null));
                continue;
            }
            if (type != null && !MEMBER_TYPE.equals(typeValue) && !ipmpInterface) {
                errors.add(new RpcError(RpcError.Type.APPLICATION, "operation-not-supported", "ipmpd keeps no "
                        + "interface type: the type of a member is " + MEMBER_TYPE, null, path + "/if:type", null));
            }
            if (Xml.child(ie, Xml.IF, "description") != null) {
                errors.add(new RpcError(RpcError.Type.APPLICATION, "operation-not-supported", "ipmpd keeps no "
                        + "interface description", null, path + "/if:description", null));
            }
            Element enabled = Xml.child(ie, Xml.IF, "enabled");
            if (enabled != null && "false".equals(Xml.text(enabled))) {
                errors.add(new RpcError(RpcError.Type.APPLICATION, "operation-not-supported", "ipmpd does not "
                        + "disable interfaces: " + (ipmpInterface ? "remove the IPMP interface instead"
                        : "set the member's offline leaf instead"), null, path + "/if:enabled", null));
            }
            if (ipmpInterface) {
                continue;
            }
            Element group = Xml.child(me, Xml.IPMP, "group");
            if (group != null) {
                membersOf.computeIfAbsent(Xml.text(group), k -> new ArrayList<>()).add(ie);
            }
        }
        List<GroupConfig> groups = new ArrayList<>();
        for (Element ge : Xml.children(t, Xml.IPMP, "group")) {
            String gname = Xml.text(Xml.child(ge, Xml.IPMP, "name"));
            Element ipmpLeaf = Xml.child(ge, Xml.IPMP, "ipmp-interface");
            String ipmpInterface = ipmpLeaf == null ? null : Xml.text(ipmpLeaf);
            if (ipmpInterface != null) {
                unclaimedIpmp.remove(ipmpInterface);
            }
            List<DataAddress> data = new ArrayList<>();
            for (Element de : Xml.children(ge, Xml.IPMP, "data-address")) {
                Optional<InetAddress> a = address(schema, de, Xml.child(de, Xml.IPMP, "address"), errors);
                Element pl = Xml.child(de, Xml.IPMP, "prefix-length");
                Element home = Xml.child(de, Xml.IPMP, "home-member");
                // the IPMP interface holds every data address of its group (the module refuses a home member there)
                String holder = ipmpInterface != null ? ipmpInterface : home == null ? null : Xml.text(home);
                if (a.isEmpty() || holder == null) {
                    continue;
                }
                int prefix = pl == null ? Addresses.classfulPrefix(a.get()) : Integer.parseInt(Xml.text(pl));
                data.add(new DataAddress(a.get(), prefix, holder));
            }
            List<MemberConfig> members = new ArrayList<>();
            for (Element ie : membersOf.getOrDefault(gname, List.of())) {
                String mname = Xml.text(Xml.child(ie, Xml.IF, "name"));
                Element me = Xml.child(ie, Xml.IPMP, "ipmp");
                List<TestAddress> tests = new ArrayList<>();
                for (Element te : Xml.children(me, Xml.IPMP, "test-address")) {
                    Optional<InetAddress> a = address(schema, te, Xml.child(te, Xml.IPMP, "address"), errors);
                    Element pl = Xml.child(te, Xml.IPMP, "prefix-length");
                    a.ifPresent(addr -> tests.add(new TestAddress(addr, pl != null ? Integer.parseInt(Xml.text(pl))
                            : testPrefix(runningMembers.get(List.of(gname, mname)), addr, data))));
                }
                members.add(new MemberConfig(mname, "true".equals(value(me, memberSchema, "standby")),
                        "true".equals(value(me, memberSchema, "offline")), List.copyOf(tests)));
            }
            List<InetAddress> targets = new ArrayList<>();
            for (Element pe : Xml.children(ge, Xml.IPMP, "probe-target")) {
                address(schema, pe, Xml.child(pe, Xml.IPMP, "address"), errors).ifPresent(targets::add);
            }
            groups.add(new GroupConfig(gname, List.copyOf(members), List.copyOf(data), List.copyOf(targets),
                    ipmpInterface));
        }
        for (java.util.Map.Entry<String, Element> e : unclaimedIpmp.entrySet()) {
            errors.add(new RpcError(RpcError.Type.APPLICATION, "operation-failed", "interface " + e.getKey()
                    + " of type " + IPMP_TYPE + " is the IPMP interface of no group: name it in its group's "
                    + "ipmp-interface (a group has one IPMP interface at most)", IPMP_WITHOUT_GROUP,
                    DataTree.path(schema, e.getValue()), null));
        }
        if (!errors.isEmpty()) {
            throw new RpcError.Many(errors);
        }
        return new IpmpConfiguration(global, List.copyOf(groups));
    }

    private static Optional<InetAddress> address(YangSchema schema, Element owner, Element leaf, List<RpcError> errors) {
        if (leaf == null) {
            return Optional.empty();
        }
        String v = Xml.text(leaf);
        Optional<InetAddress> a = Addresses.parse(v);
        if (a.isEmpty()) {
            errors.add(RpcError.invalidValue("address " + v + " is not supported (no zone index allowed)",
                    DataTree.path(schema, leaf)));
        }
        return a;
    }

    private static int testPrefix(MemberConfig runningMember, InetAddress a, List<DataAddress> data) {
        if (runningMember != null) {
            Optional<TestAddress> same = runningMember.test(Family.of(a)).filter(t -> t.address().equals(a));
            if (same.isPresent()) {
                return same.get().prefixLen();
            }
        }
        for (DataAddress d : data) {
            if (Family.of(d.address()) == Family.of(a) && Addresses.sameSubnet(d.address(), a, d.prefixLen())) {
                return d.prefixLen();
            }
        }
        return Addresses.classfulPrefix(a);
    }

    /** A leaf's text, else its default in the module (null without one). */
    private static String value(Element parent, YangSchema.SNode parentSchema, String name) {
        Element e = Xml.child(parent, Xml.IPMP, name);
        if (e != null) {
            return Xml.text(e);
        }
        YangSchema.SNode leaf = parentSchema.child(name);
        return leaf == null ? null : leaf.defaultValue;
    }

    // ------------------------------------------------------------------ problems

    /** An engine configuration problem as an rpc-error. */
    static RpcError error(ConfigProblem p) {
        String tag = switch (p.kind()) {
            case INVALID_VALUE -> "invalid-value";
            case DATA_EXISTS -> "data-exists";
            case DATA_MISSING -> "data-missing";
            case INCONSISTENT -> "operation-failed";
        };
        return new RpcError(RpcError.Type.APPLICATION, tag, AppTags.stripTool(p.message()),
                AppTags.forMessage(p.message(), p.path()), prefixPath(p.path()), null);
    }

    private static final java.util.regex.Pattern MEMBER_PATH =
            java.util.regex.Pattern.compile("/ipmp/group\\[name='[^']*'\\]/member\\[name='([^']*)'\\](.*)");
    private static final java.util.regex.Pattern GROUP_MEMBERS =
            java.util.regex.Pattern.compile("(/ipmp/group\\[name='[^']*'\\])/member");

    /**
     * An engine path as an instance identifier of the module: "/ipmp/group[name='g']" ->
     * "/ipmp:ipmp/ipmp:group[ipmp:name='g']"; a member's ("/ipmp/group[name='g']/member[name='m']/x")
     * -> "/if:interfaces/if:interface[if:name='m']/ipmp:ipmp/ipmp:x".
     */
    static String prefixPath(String path) {
        if (path == null || path.isEmpty()) {
            return null;
        }
        java.util.regex.Matcher m = MEMBER_PATH.matcher(path);
        if (m.matches()) {
            return "/if:interfaces/if:interface[if:name=" + DataTree.quote(m.group(1)) + "]/ipmp:ipmp"
                    + (m.group(2).isEmpty() ? "" : prefixSteps(m.group(2)));
        }
        m = GROUP_MEMBERS.matcher(path);
        if (m.matches()) {
            return prefixSteps(m.group(1)); // the group's members: the group
        }
        return prefixSteps(path);
    }

    private static String prefixSteps(String path) {
        StringBuilder b = new StringBuilder();
        char quote = 0;
        boolean nameStart = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (quote != 0) {
                b.append(c);
                if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                b.append(c);
                continue;
            }
            if (nameStart && Character.isLetter(c)) {
                b.append("ipmp:");
            }
            nameStart = c == '/' || c == '[';
            b.append(c);
        }
        return b.toString();
    }
}
