package ipmpd.agent.netconf;

import org.jaxen.Function;
import org.jaxen.XPathFunctionContext;
import org.jaxen.dom.DOMXPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The indexed evaluation of must expressions gives jaxen's answer: every must of the module, on
 * every node it applies to, over random trees with duplicate names, duplicate and missing test
 * addresses and data addresses that collide with test addresses.
 */
class MustEvaluatorTest {
    private static YangSchema schema;

    @BeforeAll
    static void load() throws Exception {
        schema = YangSchema.load(NetconfFixture.YANG);
    }

    @Test
    void theModulesQuadraticMustsAreIndexed() {
        List<String> musts = new ArrayList<>();
        collect(schema.root(), musts);
        long indexed = musts.stream().filter(MustEvaluator::indexed).count();
        assertTrue(indexed >= 3, "indexed musts: " + indexed + " of " + musts);
        assertTrue(musts.stream().filter(m -> m.contains("count(/")).allMatch(MustEvaluator::indexed));
        assertFalse(MustEvaluator.indexed("count(../member[name = current()/name]) = 1"));
        // a list entry found by its key from an absolute path: an index lookup, not a scan per entry
        List<String> keyed = musts.stream().filter(m -> m.contains("/if:interfaces/if:interface[if:name = current()"))
                .toList();
        assertEquals(3, keyed.size(), "home-member, standby-home-member, ipmp-interface: " + musts);
        for (String m : keyed) {
            assertTrue(MustEvaluator.keyed(MustEvaluator.onTree(m)).contains("ipmpd-keyed('data/interfaces/interface', "
                    + "'name', current()"), m);
        }
        assertEquals("/data/interfaces/interface/ipmp[group = current()/../group]",
                MustEvaluator.onTree("/if:interfaces/if:interface/ipmp:ipmp[ipmp:group = current()/../ipmp:group]"));
        assertEquals(". = 'false' or /data/ipmp", MustEvaluator.onTree(". = 'false' or /ipmp:ipmp"));
        assertEquals("'a:b' = x", MustEvaluator.onTree("'a:b' = ipmp:x"));
    }

    /**
     * Expressions that read only their context's subtree are remembered by its content (the
     * random-tree test below checks the remembered answers against jaxen's, across trees).
     */
    @Test
    void onlySubtreeLocalExpressionsAreRemembered() {
        assertTrue(MustEvaluator.local("count(test-address[contains(address, ':')]) <= 1"));
        assertTrue(MustEvaluator.local("contains(., ':') or . != '0.0.0.0'"));
        assertFalse(MustEvaluator.local("contains(../address, ':') or . <= 32"));
        assertFalse(MustEvaluator.local(". = 'false' or ../../member[name != current()/../name]"));
        assertFalse(MustEvaluator.local("count(preceding-sibling::member) = 0"));
        assertTrue(MustEvaluator.local("name = current()")); // current() is the context itself here
        assertFalse(MustEvaluator.local("@x = 1"));
        assertEquals(1, MustEvaluator.scope("contains(../address, ':') or . <= 32"));
        assertEquals(1, MustEvaluator.scope("not(../member[name = current()/home-member]/standby = 'true')"));
        assertEquals(2, MustEvaluator.scope("../../member/name"));
        assertEquals(-1, MustEvaluator.scope(". = 'false' or ../../member[name != current()/../name]"));
        assertEquals(-1, MustEvaluator.scope("count(/ipmp/group/member[name = current()/name]) = 1"));
        assertEquals(-1, MustEvaluator.scope("../x[../y = 1]"));
        assertEquals(-1, MustEvaluator.scope("a/../../b"));
        assertEquals(-1, MustEvaluator.scope("..//b"));
        assertEquals(0, MustEvaluator.scope("a/b[c = current()/d]"));
        assertEquals(". = 'false'", MustEvaluator.firstDisjunct(". = 'false' or ../../member[name != current()/../name]"));
        assertEquals("a", MustEvaluator.firstDisjunct("a or b or c"));
        assertEquals(null, MustEvaluator.firstDisjunct("(a or b) and c"));
        assertEquals(null, MustEvaluator.firstDisjunct("x[a or b] = 'or c'"));
        assertEquals(null, MustEvaluator.firstDisjunct("count(for) = 1"));
    }

    @Test
    void indexedAnswersEqualJaxensOnRandomTrees() throws Exception {
        Random r = new Random(5);
        int checked = 0;
        int falseAnswers = 0;
        for (int round = 0; round < 40; round++) {
            Element tree = randomTree(r);
            MustEvaluator ev = new MustEvaluator(tree);
            List<Object[]> cases = new ArrayList<>();
            walk(tree, schema.root(), cases);
            for (Object[] c : cases) {
                String expr = (String) c[0];
                Element at = (Element) c[1];
                boolean want = jaxen(expr, at);
                assertEquals(want, ev.test(expr, at), expr + " at " + DataTree.path(schema, at));
                checked++;
                falseAnswers += want ? 0 : 1;
            }
        }
        assertTrue(checked > 1000, "checked " + checked);
        assertTrue(falseAnswers > 20, "violations seen: " + falseAnswers);
    }

    private static void collect(YangSchema.SNode s, List<String> out) {
        s.musts.forEach(m -> out.add(m.xpath()));
        if (!s.isLeafy()) {
            s.children.values().forEach(c -> collect(c, out));
        }
    }

    private static void walk(Element e, YangSchema.SNode s, List<Object[]> out) {
        for (YangSchema.MustRule m : s.musts) {
            // YANG functions jaxen does not have
            if (!m.xpath().contains("re-match(") && !m.xpath().contains("derived-from-or-self(")) {
                out.add(new Object[] {m.xpath(), e});
            }
        }
        if (s.isLeafy()) {
            return;
        }
        for (Element c : Xml.children(e)) {
            YangSchema.SNode cs = s.child(c.getLocalName());
            if (cs != null) {
                walk(c, cs, out);
            }
        }
    }

    private static boolean jaxen(String expr, Node context) throws Exception {
        DOMXPath x = new DOMXPath(MustEvaluator.onTree(expr));
        XPathFunctionContext fc = new XPathFunctionContext(false);
        Function current = (ctx, args) -> List.of(context);
        fc.registerFunction(null, "current", current);
        x.setFunctionContext(fc);
        return x.booleanValueOf(context);
    }

    /** A namespace-less tree as ConfigValidation evaluates, with deliberate collisions. */
    private static Element randomTree(Random r) {
        Document d = Xml.newDocument();
        Element top = d.createElementNS(null, MustEvaluator.TOP);
        d.appendChild(top);
        Element interfaces = add(top, "interfaces", null);
        Element ipmp = add(top, "ipmp", null);
        int groups = 1 + r.nextInt(4);
        for (int g = 0; g < groups; g++) {
            Element ge = add(ipmp, "group", null);
            add(ge, "name", "g" + g);
            int members = 1 + r.nextInt(4);
            for (int m = 0; m < members; m++) {
                Element ie = add(interfaces, "interface", null);
                add(ie, "name", "m" + r.nextInt(8));
                Element me = add(ie, "ipmp", null);
                add(me, "group", "g" + g);
                add(me, "standby", r.nextBoolean() ? "true" : "false");
                add(me, "offline", r.nextInt(4) == 0 ? "true" : "false");
                int tests = r.nextInt(3);
                for (int t = 0; t < tests; t++) {
                    Element te = add(me, "test-address", null);
                    add(te, "address", r.nextInt(3) == 0 ? "fe80::" + r.nextInt(3) : "192.0.2." + r.nextInt(12));
                    if (r.nextBoolean()) {
                        add(te, "prefix-length", String.valueOf(20 + r.nextInt(16)));
                    }
                }
            }
            // new IPMP: some groups name an IPMP interface (two groups may name the same one)
            boolean ipmpInterface = r.nextInt(3) == 0;
            if (ipmpInterface) {
                add(ge, "ipmp-interface", "ipmp" + r.nextInt(3));
            }
            int data = r.nextInt(3);
            for (int k = 0; k < data; k++) {
                Element de = add(ge, "data-address", null);
                add(de, "address", "192.0.2." + r.nextInt(12));
                add(de, "prefix-length", String.valueOf(20 + r.nextInt(16)));
                if (!ipmpInterface || r.nextBoolean()) {
                    add(de, "home-member", "m" + r.nextInt(8));
                }
            }
        }
        return top;
    }

    private static Element add(Element parent, String name, String text) {
        Element e = parent.getOwnerDocument().createElementNS(null, name);
        if (text != null) {
            e.setTextContent(text);
        }
        parent.appendChild(e);
        return e;
    }
}
