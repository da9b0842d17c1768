package ipmpd.agent.netconf;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * edit-config on /nacm: the operations of RFC 6241 7.2 on its lists and leaf-lists, and
 * yang:insert for the ordered-by-user rule-lists and rules (where a rule-list goes decides).
 */
class NacmEditTest {
    private static final String NS = "xmlns=\"" + NacmConfig.NS + "\" xmlns:nc=\"" + Xml.BASE
            + "\" xmlns:yang=\"urn:ietf:params:xml:ns:yang:1\"";

    private static NacmConfig edit(EditConfig.Op def, String... edits) throws Exception {
        Document d = Xml.newDocument();
        Element root = d.createElementNS(Xml.BASE, "config");
        d.appendChild(root);
        root.appendChild(NacmConfig.defaults().toXml(d));
        for (String e : edits) {
            NacmEdit.apply(root, Xml.parse(e).getDocumentElement(), def);
        }
        return NacmConfig.parse(Xml.child(root, NacmConfig.NS, "nacm"));
    }

    private static List<String> lists(NacmConfig c) {
        return c.ruleLists().stream().map(NacmConfig.RuleList::name).toList();
    }

    private static String ruleList(String name, String attrs) {
        return "<nacm " + NS + "><rule-list " + attrs + "><name>" + name + "</name><group>g</group>"
                + "<rule><name>r</name><action>permit</action></rule></rule-list></nacm>";
    }

    @Test
    void newEntriesGoLastOrWhereYangInsertSays() throws Exception {
        assertEquals(List.of("admin", "read-only", "ops"), lists(edit(EditConfig.Op.MERGE, ruleList("ops", ""))));
        assertEquals(List.of("ops", "admin", "read-only"),
                lists(edit(EditConfig.Op.MERGE, ruleList("ops", "yang:insert=\"first\""))));
        assertEquals(List.of("admin", "ops", "read-only"), lists(edit(EditConfig.Op.MERGE,
                ruleList("ops", "yang:insert=\"after\" yang:key=\"[name='admin']\""))));
        assertEquals(List.of("admin", "ops", "read-only"), lists(edit(EditConfig.Op.MERGE,
                ruleList("ops", "nc:operation=\"create\" yang:insert=\"before\" yang:key=\"[nacm:name='read-only']\""))));
        // an existing entry moves
        assertEquals(List.of("read-only", "admin"), lists(edit(EditConfig.Op.MERGE,
                "<nacm " + NS + "><rule-list yang:insert=\"first\"><name>read-only</name></rule-list></nacm>")));
        RpcError e = assertThrows(RpcError.class, () -> edit(EditConfig.Op.MERGE,
                ruleList("ops", "yang:insert=\"after\" yang:key=\"[name='nope']\"")));
        assertEquals("missing-instance", e.tag);
        e = assertThrows(RpcError.class, () -> edit(EditConfig.Op.MERGE, ruleList("ops", "yang:insert=\"after\"")));
        assertEquals("bad-attribute", e.tag);
    }

    @Test
    void operationsOnListsLeafListsAndLeaves() throws Exception {
        NacmConfig c = edit(EditConfig.Op.MERGE, "<nacm " + NS + "><groups><group><name>admin</name>"
                + "<user-name>root</user-name></group></groups><write-default>permit</write-default></nacm>");
        assertEquals(List.of("root"), c.groups().get(0).users());
        assertEquals(true, c.writePermit());
        c = edit(EditConfig.Op.MERGE, "<nacm " + NS + "><rule-list nc:operation=\"delete\"><name>read-only</name>"
                + "</rule-list></nacm>");
        assertEquals(List.of("admin"), lists(c));
        c = edit(EditConfig.Op.MERGE, "<nacm " + NS + "><rule-list nc:operation=\"replace\"><name>admin</name>"
                + "<group>root</group><rule><name>x</name><action>deny</action></rule></rule-list></nacm>");
        assertEquals(List.of("admin", "read-only"), lists(c), "replace keeps the entry's place");
        assertEquals(List.of("root"), c.ruleLists().get(0).groups());
        assertEquals(false, c.ruleLists().get(0).rules().get(0).permit());
        RpcError e = assertThrows(RpcError.class, () -> edit(EditConfig.Op.MERGE, "<nacm " + NS
                + "><rule-list nc:operation=\"create\"><name>admin</name></rule-list></nacm>"));
        assertEquals("data-exists", e.tag);
        e = assertThrows(RpcError.class, () -> edit(EditConfig.Op.MERGE, "<nacm " + NS
                + "><rule-list nc:operation=\"delete\"><name>nope</name></rule-list></nacm>"));
        assertEquals("data-missing", e.tag);
        e = assertThrows(RpcError.class, () -> edit(EditConfig.Op.MERGE, "<nacm " + NS
                + "><denied-operations>4</denied-operations></nacm>"));
        assertEquals("invalid-value", e.tag);
        // remove of what is not there is no error; none creates nothing by itself
        assertEquals(List.of("admin", "read-only"), lists(edit(EditConfig.Op.NONE, "<nacm " + NS
                + "><rule-list nc:operation=\"remove\"><name>nope</name></rule-list></nacm>")));
    }
}
