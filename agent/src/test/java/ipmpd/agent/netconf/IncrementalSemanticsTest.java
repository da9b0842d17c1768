package ipmpd.agent.netconf;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commit's incremental semantic check gives the full check's verdict (no error, or the same
 * errors: tag, app tag, path and message, in the same order) on candidates made by random edits,
 * valid and invalid ones (dangling leafrefs, duplicate test and data addresses, broken musts),
 * several edits apart from the tree it last passed, and it evaluates less than the full check.
 */
class IncrementalSemanticsTest {
    private static YangSchema schema;

    @BeforeAll
    static void load() throws Exception {
        schema = YangSchema.load(NetconfFixture.YANG);
    }

    @Test
    void incrementalVerdictEqualsTheFullOneOnRandomEdits() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            run(seed);
        }
    }

    private void run(long seed) throws Exception {
        Random r = new Random(seed);
        ConfigValidation validation = new ConfigValidation(schema);
        IncrementalSemantics incremental = new IncrementalSemantics(schema, validation);
        Element valid = baseTree(16);
        assertEquals(List.of(), validation.checkStructure(valid));
        assertEquals(List.of(), render(validation.checkSemantics(valid)));
        assertEquals(List.of(), render(incremental.check(valid)));
        assertFalse(incremental.lastIncremental, "the first check is a full one");
        Element current = valid;
        Map<String, Integer> verdicts = new TreeMap<>();
        int incrementalChecks = 0;
        long evaluatedIncrementally = 0;
        long evaluatedFully = 0;
        for (int round = 0; round < 250; round++) {
            Element tree = copy(current);
            int edits = 1 + r.nextInt(3);
            List<String> done = new ArrayList<>();
            for (int k = 0; k < edits; k++) {
                done.add(edit(r, tree));
            }
            if (!validation.checkStructure(tree).isEmpty()) {
                continue;
            }
            List<String> full = render(validation.checkSemantics(tree));
            int fullCount = validation.evaluated;
            List<String> inc = render(incremental.check(tree));
            assertEquals(full, inc, "seed " + seed + " round " + round + " after " + done);
            if (incremental.lastIncremental) {
                incrementalChecks++;
                evaluatedIncrementally += incremental.lastEvaluated;
                evaluatedFully += fullCount;
            }
            String verdict = full.isEmpty() ? "ok" : full.get(0).split("\\|")[1];
            verdicts.merge(verdict, 1, Integer::sum);
            if (full.isEmpty()) {
                valid = tree;
                current = tree;
            } else {
                // go on from the invalid tree now and then: the next candidate is further from the baseline
                current = r.nextInt(3) == 0 ? tree : valid;
            }
            if (r.nextInt(40) == 0) {
                incremental.forget();
            }
        }
        System.out.printf("seed %d: %d incremental checks evaluated %d musts and leafrefs, the full ones %d; verdicts %s%n",
                seed, incrementalChecks, evaluatedIncrementally, evaluatedFully, verdicts);
        assertTrue(incrementalChecks > 100, "incremental checks: " + incrementalChecks + " " + verdicts);
        assertTrue(verdicts.getOrDefault("ok", 0) > 20, verdicts.toString());
        assertTrue(verdicts.size() > 6, "kinds of verdict: " + verdicts);
        assertTrue(evaluatedIncrementally * 2 < evaluatedFully, "evaluated " + evaluatedIncrementally + " of "
                + evaluatedFully);
    }

    @Test
    void aLeafChangeOfOneMemberReevaluatesOnlyWhatReadsIt() throws Exception {
        ConfigValidation validation = new ConfigValidation(schema);
        IncrementalSemantics incremental = new IncrementalSemantics(schema, validation);
        Element tree = baseTree(256);
        assertEquals(List.of(), validation.checkStructure(tree));
        assertEquals(List.of(), incremental.check(tree));
        int all = incremental.lastEvaluated;
        Element next = copy(tree);
        Element member = members(next).get(21);
        set(ipmpOf(member), "standby", "true");
        assertEquals(List.of(), validation.checkStructure(next));
        assertEquals(List.of(), incremental.check(next));
        assertTrue(incremental.lastIncremental);
        // the member's own checks, the standby-home-member must of every data address, the
        // offline must of every member (it names the members' ipmp containers)
        assertTrue(incremental.lastEvaluated < all / 2, incremental.lastEvaluated + " of " + all);
        // an invalid change is found, and the baseline stays the valid tree
        Element bad = copy(next);
        set(ipmpOf(members(bad).get(5)), "group", "nosuchgroup");
        List<String> errs = render(incremental.check(bad));
        assertEquals(render(validation.checkSemantics(bad)), errs);
        assertEquals(1, errs.size(), errs.toString());
        assertTrue(errs.get(0).startsWith("data-missing|instance-required|"), errs.toString());
        assertEquals(List.of(), incremental.check(next));
        assertTrue(incremental.lastIncremental);
    }

    @Test
    void readsOfAnExpressionFollowItsText() {
        // the offline must tests the other members' ipmp containers for existence only
        ExpressionReads offline = ExpressionReads.of(must(schema.root(), "minimum-redundancy"), schema);
        assertTrue(offline.names.containsAll(List.of("interfaces", "interface", "name", "ipmp", "group", "offline")),
                offline.names.toString());
        assertFalse(offline.names.contains("standby"), offline.names.toString());
        ExpressionReads standbyHome = ExpressionReads.of(must(schema.root(), "standby-home-member"), schema);
        assertTrue(standbyHome.names.contains("standby"), standbyHome.names.toString());
        // a path's value (a comparison) reads all text below it; existence and count() do not
        Map<String, java.util.Set<String>> below = Map.of("ipmp", java.util.Set.of("standby"));
        assertTrue(ExpressionReads.analyse("/data/x/ipmp = 'a'", below).names.contains("standby"));
        assertFalse(ExpressionReads.analyse("not(/data/x/ipmp[g = 1])", below).names.contains("standby"));
        assertFalse(ExpressionReads.analyse("count(/data/x/ipmp) = 1", below).names.contains("standby"));
        assertTrue(ExpressionReads.analyse("string(/data/x/ipmp) = ''", below).names.contains("standby"));
        assertTrue(ExpressionReads.analyse("not(/data/x/ipmp = current())", below).names.contains("standby"));
        for (String unknown : List.of("/data/*/a", "a[1]", "x[. = 'a']", "count(../..) = 1 and .. = 'a'",
                "position() = 1", "following-sibling::a", "@a", "//a")) {
            assertTrue(ExpressionReads.analyse(unknown, below).unknown(), unknown);
        }
    }

    private static String must(YangSchema.SNode s, String appTag) {
        for (YangSchema.MustRule m : s.musts) {
            if (appTag.equals(m.appTag())) {
                return m.xpath();
            }
        }
        if (!s.isLeafy()) {
            for (YangSchema.SNode c : s.children.values()) {
                String found = must(c, appTag);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ trees and edits

    private static final String IFT = "urn:ietf:params:xml:ns:yang:iana-if-type";

    /** A valid configuration: members m0.. in groups of four, the last group with an IPMP interface. */
    static Element baseTree(int members) throws Exception {
        int groups = members / 4;
        StringBuilder b = new StringBuilder("<config xmlns=\"" + Xml.BASE + "\"><interfaces xmlns=\"" + Xml.IF
                + "\" xmlns:ianaift=\"" + IFT + "\">");
        b.append("<interface><name>ipmp0</name><type xmlns:ipmp=\"" + Xml.IPMP + "\">ipmp:ipmp</type></interface>");
        for (int i = 0; i < members; i++) {
            b.append("<interface><name>m").append(i).append("</name><type>ianaift:ethernetCsmacd</type>")
                    .append("<ipmp xmlns=\"" + Xml.IPMP + "\"><group>g").append(i / 4).append("</group>");
            if (i % 2 == 0) {
                b.append("<test-address><address>10.").append(i / 250).append('.').append(i % 250)
                        .append(".1</address><prefix-length>16</prefix-length></test-address>");
            }
            if (i % 4 == 1) {
                b.append("<test-address><address>fe80::").append(Integer.toHexString(i + 1))
                        .append("</address></test-address>");
            }
            b.append("</ipmp></interface>");
        }
        b.append("</interfaces><ipmp xmlns=\"" + Xml.IPMP + "\"><failure-detection-time>10000</failure-detection-time>");
        for (int g = 0; g < groups; g++) {
            boolean newIpmp = g == groups - 1;
            b.append("<group><name>g").append(g).append("</name>");
            if (newIpmp) {
                b.append("<ipmp-interface>ipmp0</ipmp-interface>");
            }
            b.append("<data-address><address>172.16.").append(g).append(".1</address><prefix-length>24</prefix-length>");
            if (!newIpmp) {
                b.append("<home-member>m").append(g * 4).append("</home-member>");
            }
            b.append("</data-address></group>");
        }
        b.append("</ipmp></config>");
        return Xml.parse(b.toString()).getDocumentElement();
    }

    private static Element copy(Element tree) {
        Document d = Xml.newDocument();
        Element c = (Element) d.importNode(tree, true);
        d.appendChild(c);
        return c;
    }

    private static Element interfaces(Element tree) {
        return Xml.child(tree, Xml.IF, "interfaces");
    }

    private static Element ipmpTop(Element tree) {
        return Xml.child(tree, Xml.IPMP, "ipmp");
    }

    private static List<Element> members(Element tree) {
        return Xml.children(interfaces(tree), Xml.IF, "interface").stream().filter(i -> ipmpOf(i) != null).toList();
    }

    private static List<Element> allInterfaces(Element tree) {
        return Xml.children(interfaces(tree), Xml.IF, "interface");
    }

    private static List<Element> groups(Element tree) {
        return Xml.children(ipmpTop(tree), Xml.IPMP, "group");
    }

    private static Element ipmpOf(Element iface) {
        return Xml.child(iface, Xml.IPMP, "ipmp");
    }

    private static String nameOf(Element e) {
        Element n = DataTree.childByName(e, "name");
        return n == null ? "" : Xml.text(n);
    }

    private static <T> T pick(Random r, List<T> l) {
        return l.get(r.nextInt(l.size()));
    }

    /** Sets (or adds) a child leaf in the parent's namespace. */
    private static Element set(Element parent, String name, String value) {
        Element c = DataTree.childByName(parent, name);
        if (c == null) {
            c = parent.getOwnerDocument().createElementNS(parent.getNamespaceURI(), name);
            parent.appendChild(c);
        }
        c.setTextContent(value);
        return c;
    }

    private static void remove(Element parent, String name) {
        Element c = DataTree.childByName(parent, name);
        if (c != null) {
            parent.removeChild(c);
        }
    }

    /** Some address the tree uses somewhere, or a new one, or a bad one for a test address. */
    private static String address(Random r, Element tree) {
        List<String> used = new ArrayList<>();
        for (Element m : members(tree)) {
            for (Element t : Xml.children(ipmpOf(m), Xml.IPMP, "test-address")) {
                Element a = DataTree.childByName(t, "address");
                if (a != null) {
                    used.add(Xml.text(a));
                }
            }
        }
        for (Element g : groups(tree)) {
            for (Element d : Xml.children(g, Xml.IPMP, "data-address")) {
                Element a = DataTree.childByName(d, "address");
                if (a != null) {
                    used.add(Xml.text(a));
                }
            }
        }
        return switch (r.nextInt(6)) {
            case 0, 1 -> used.isEmpty() ? "10.9.9.9" : pick(r, used);
            case 2 -> "0.0.0.0";
            case 3 -> "2001:db8::" + r.nextInt(9);
            case 4 -> "fe80::" + Integer.toHexString(1000 + r.nextInt(9));
            default -> "10.200." + r.nextInt(4) + "." + r.nextInt(250);
        };
    }

    /** One random change, described; it may make the tree invalid in any of the ways the module forbids. */
    private static String edit(Random r, Element tree) {
        List<Element> members = members(tree);
        List<Element> groups = groups(tree);
        if (members.isEmpty() || groups.isEmpty()) {
            return "none (empty)";
        }
        Element m = pick(r, members);
        Element g = pick(r, groups);
        List<String> names = new ArrayList<>(allInterfaces(tree).stream().map(IncrementalSemanticsTest::nameOf).toList());
        names.add("ghost");
        List<String> groupNames = new ArrayList<>(groups.stream().map(IncrementalSemanticsTest::nameOf).toList());
        groupNames.add("nosuchgroup");
        switch (r.nextInt(18)) {
            case 0, 1 -> {
                set(ipmpOf(m), "standby", String.valueOf(r.nextBoolean()));
                return "standby of " + nameOf(m);
            }
            case 2 -> {
                set(ipmpOf(m), "offline", String.valueOf(r.nextInt(3) == 0));
                return "offline of " + nameOf(m);
            }
            case 3 -> {
                String to = pick(r, groupNames);
                set(ipmpOf(m), "group", to);
                return nameOf(m) + " to group " + to;
            }
            case 4 -> {
                List<Element> ts = Xml.children(ipmpOf(m), Xml.IPMP, "test-address");
                Element t;
                if (ts.isEmpty() || r.nextInt(3) == 0) {
                    t = tree.getOwnerDocument().createElementNS(Xml.IPMP, "test-address");
                    ipmpOf(m).appendChild(t);
                } else {
                    t = pick(r, ts);
                }
                String a = address(r, tree);
                set(t, "address", a);
                if (r.nextInt(4) == 0) {
                    set(t, "prefix-length", String.valueOf(16 + r.nextInt(20)));
                }
                return "test address " + a + " of " + nameOf(m);
            }
            case 5 -> {
                ipmpTop(tree).removeChild(g);
                return "group " + nameOf(g) + " removed";
            }
            case 6 -> {
                Element i = tree.getOwnerDocument().createElementNS(Xml.IF, "interface");
                String n = "n" + r.nextInt(1000);
                set(i, "name", n);
                Element type = set(i, "type", "ianaift:ethernetCsmacd");
                type.setAttributeNS(Xml.XMLNS, "xmlns:ianaift", IFT);
                Element ip = tree.getOwnerDocument().createElementNS(Xml.IPMP, "ipmp");
                i.appendChild(ip);
                set(ip, "group", pick(r, groupNames));
                interfaces(tree).appendChild(i);
                return "member " + n + " added";
            }
            case 7 -> {
                interfaces(tree).removeChild(m);
                return "member " + nameOf(m) + " removed";
            }
            case 8, 9 -> {
                List<Element> ds = Xml.children(g, Xml.IPMP, "data-address");
                Element d;
                if (ds.isEmpty() || r.nextInt(3) == 0) {
                    d = tree.getOwnerDocument().createElementNS(Xml.IPMP, "data-address");
                    g.appendChild(d);
                    set(d, "address", address(r, tree));
                } else {
                    d = pick(r, ds);
                }
                switch (r.nextInt(5)) {
                    case 0 -> set(d, "address", address(r, tree));
                    case 1 -> set(d, "home-member", pick(r, names));
                    case 2 -> remove(d, "home-member");
                    case 3 -> set(d, "prefix-length", String.valueOf(r.nextBoolean() ? 33 : 24));
                    default -> set(d, "home-member", nameOf(pick(r, members)));
                }
                return "data address of " + nameOf(g);
            }
            case 10 -> {
                if (r.nextBoolean()) {
                    remove(g, "ipmp-interface");
                } else {
                    set(g, "ipmp-interface", pick(r, names));
                }
                return "ipmp-interface of " + nameOf(g);
            }
            case 11 -> {
                String to = "h" + r.nextInt(5);
                set(g, "name", to);
                return "group " + nameOf(g) + " renamed";
            }
            case 12 -> {
                Element i = pick(r, allInterfaces(tree));
                Element type = DataTree.childByName(i, "type");
                if (r.nextBoolean()) {
                    type.setTextContent("ipmp:ipmp");
                    type.setAttributeNS(Xml.XMLNS, "xmlns:ipmp", Xml.IPMP);
                } else {
                    type.setTextContent("ianaift:ethernetCsmacd");
                    type.setAttributeNS(Xml.XMLNS, "xmlns:ianaift", IFT);
                }
                return "type of " + nameOf(i);
            }
            case 13 -> {
                Element i = tree.getOwnerDocument().createElementNS(Xml.IF, "interface");
                String n = "ipmp" + (1 + r.nextInt(3));
                set(i, "name", n);
                Element type = set(i, "type", "ipmp:ipmp");
                type.setAttributeNS(Xml.XMLNS, "xmlns:ipmp", Xml.IPMP);
                interfaces(tree).appendChild(i);
                return "ipmp interface " + n + " added";
            }
            case 14 -> {
                remove(ipmpOf(m), "group");
                return "group of " + nameOf(m) + " removed (mandatory)";
            }
            case 15 -> {
                Element i = (Element) m.cloneNode(true);
                String n = r.nextBoolean() ? "bad/name" + r.nextInt(3) : "averyveryverylongname" + r.nextInt(3);
                set(i, "name", n);
                Xml.children(ipmpOf(i), Xml.IPMP, "test-address").forEach(t -> ipmpOf(i).removeChild(t));
                interfaces(tree).appendChild(i);
                return "member " + n + " added";
            }
            case 16 -> {
                String to = r.nextBoolean() ? "ipmp0" : "0bad" + r.nextInt(3);
                set(g, "ipmp-interface", to);
                return "ipmp-interface of " + nameOf(g) + " to " + to;
            }
            default -> {
                set(ipmpTop(tree), "failback", String.valueOf(r.nextBoolean()));
                return "failback";
            }
        }
    }

    private static List<String> render(List<RpcError> errors) {
        List<String> out = new ArrayList<>();
        for (RpcError e : errors) {
            out.add(e.tag + "|" + e.appTag + "|" + e.path + "|" + e.getMessage());
        }
        return out;
    }
}
