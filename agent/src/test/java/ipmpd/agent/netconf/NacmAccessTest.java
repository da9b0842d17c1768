package ipmpd.agent.netconf;

import ipmpd.agent.netconf.NacmConfig.Op;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decisions of RFC 8341 section 3.4 on configurations written as clients write them: the order
 * of rule-lists and rules, the "*" wildcards, the global defaults, the default-deny-all
 * extensions, external groups, path rules with keys, and the write check over two trees. Data
 * nodes are in a test module (urn:example:shop) so that no decision depends on ipmpd's model.
 */
class NacmAccessTest {
    private static final String EX = "urn:example:shop";
    private static final Map<String, String> MODULES = Map.of(EX, "shop", Xml.BASE, "ietf-netconf",
            NacmConfig.NS, NacmConfig.MODULE, Xml.IPMP, YangSchema.MODULE);

    private static NacmConfig config(String body) throws Exception {
        Document d = Xml.parse("<nacm xmlns=\"" + NacmConfig.NS + "\" xmlns:s=\"" + EX + "\">" + body + "</nacm>");
        return NacmConfig.parse(d.getDocumentElement());
    }

    private static NacmAccess access(NacmConfig c, String user, String... external) {
        return new NacmAccess(c, user, Set.of(external), MODULES::get);
    }

    private static String rule(String name, String module, String kind, String ops, String action) {
        return "<rule><name>" + name + "</name>" + (module == null ? "" : "<module-name>" + module + "</module-name>")
                + (kind == null ? "" : kind) + (ops == null ? "" : "<access-operations>" + ops + "</access-operations>")
                + "<action>" + action + "</action></rule>";
    }

    private static final String GROUPS = "<groups><group><name>ops</name><user-name>alice</user-name>"
            + "<user-name>bob</user-name></group><group><name>guests</name><user-name>bob</user-name></group></groups>";

    @Test
    void theFirstMatchingRuleDecidesInRuleListOrderThenRuleOrder() throws Exception {
        NacmConfig c = config(GROUPS
                + "<rule-list><name>first</name><group>guests</group>"
                + rule("no-lock", "ietf-netconf", "<rpc-name>lock</rpc-name>", "exec", "deny")
                + rule("lock-ok", "ietf-netconf", "<rpc-name>lock</rpc-name>", "exec", "permit")
                + "</rule-list>"
                + "<rule-list><name>second</name><group>ops</group>"
                + rule("lock", "ietf-netconf", "<rpc-name>lock</rpc-name>", "exec", "permit")
                + rule("no-unlock", "ietf-netconf", "<rpc-name>unlock</rpc-name>", "exec", "deny")
                + "</rule-list>");
        // bob is in both groups: the first rule-list's first rule wins
        assertFalse(access(c, "bob").exec("ietf-netconf", "lock"));
        // alice only in ops
        assertTrue(access(c, "alice").exec("ietf-netconf", "lock"));
        assertFalse(access(c, "alice").exec("ietf-netconf", "unlock"));
        // nobody matches: exec-default permit
        assertTrue(access(c, "carol").exec("ietf-netconf", "unlock"));
        assertEquals(Set.of("ops", "guests"), access(c, "bob").groups());
    }

    @Test
    void wildcardsForOperationModuleAndGroup() throws Exception {
        NacmConfig c = config("<exec-default>deny</exec-default>"
                + "<rule-list><name>all</name><group>*</group>"
                + rule("get-ok", "ietf-netconf", "<rpc-name>get</rpc-name>", "exec", "permit")
                + rule("shop-any", "shop", "<rpc-name>*</rpc-name>", "exec", "permit")
                + "</rule-list>");
        NacmAccess a = access(c, "anyone");
        assertTrue(a.exec("ietf-netconf", "get"));
        assertFalse(a.exec("ietf-netconf", "get-config"), "exec-default deny");
        assertTrue(a.exec("shop", "restock"));
        assertTrue(a.exec("shop", "close-shop"));
        assertTrue(a.exec("ietf-netconf", "close-session"), "close-session is always allowed");
        NacmConfig any = config("<exec-default>deny</exec-default><rule-list><name>l</name><group>*</group>"
                + rule("everything", "*", null, "exec", "permit") + "</rule-list>");
        assertTrue(access(any, "x").exec("other-module", "op"), "module-name * and no rule type match every operation");
    }

    @Test
    void accessOperationsSelectTheRule() throws Exception {
        NacmConfig c = config("<rule-list><name>l</name><group>*</group>"
                + rule("read-only-rule", "shop", "<path>/s:shop</path>", "read", "deny")
                + rule("writes", "shop", "<path>/s:shop</path>", "create update", "permit")
                + "</rule-list>");
        NacmAccess a = access(c, "u");
        List<Element> shop = chain("<shop xmlns='" + EX + "'><open>true</open></shop>");
        assertFalse(a.data(Op.READ, shop));
        assertTrue(a.data(Op.CREATE, shop));
        assertTrue(a.data(Op.UPDATE, shop));
        assertFalse(a.data(Op.DELETE, shop), "no rule for delete: write-default deny");
    }

    @Test
    void defaultsAndTheDefaultDenyExtensions() throws Exception {
        NacmConfig open = config("<read-default>permit</read-default><write-default>permit</write-default>"
                + "<exec-default>permit</exec-default>");
        NacmAccess a = access(open, "u");
        assertFalse(a.exec("ietf-netconf", "kill-session"), "default-deny-all on kill-session");
        assertFalse(a.exec("ietf-netconf", "delete-config"), "default-deny-all on delete-config");
        assertTrue(a.exec("ietf-netconf", "edit-config"));
        List<Element> nacm = chain("<nacm xmlns='" + NacmConfig.NS + "'><enable-nacm>true</enable-nacm></nacm>");
        assertFalse(a.data(Op.READ, nacm), "/nacm is default-deny-all");
        assertFalse(a.data(Op.UPDATE, nacm));
        assertTrue(a.data(Op.READ, chain("<shop xmlns='" + EX + "'/>")));
        assertTrue(a.data(Op.DELETE, chain("<shop xmlns='" + EX + "'/>")), "write-default permit");

        NacmConfig closed = config("<read-default>deny</read-default><write-default>deny</write-default>"
                + "<exec-default>deny</exec-default>");
        NacmAccess b = access(closed, "u");
        assertFalse(b.data(Op.READ, chain("<shop xmlns='" + EX + "'/>")));
        assertFalse(b.exec("ietf-netconf", "get"));
        assertFalse(b.notification("shop", "sold-out"));
        assertTrue(b.notification("nc-notifications", "replayComplete"), "replayComplete is always sent");

        // an explicit rule overrides the extension
        NacmConfig explicit = config("<rule-list><name>l</name><group>admin</group>"
                + rule("kill", "ietf-netconf", "<rpc-name>kill-session</rpc-name>", "exec", "permit")
                + rule("see-nacm", NacmConfig.MODULE, null, "read", "permit") + "</rule-list>");
        assertTrue(access(explicit, "root", "admin").exec("ietf-netconf", "kill-session"));
        assertTrue(access(explicit, "root", "admin").data(Op.READ, nacm));
        assertFalse(access(explicit, "other").exec("ietf-netconf", "kill-session"));
    }

    @Test
    void nacmOffPermitsEverything() throws Exception {
        NacmConfig c = config("<enable-nacm>false</enable-nacm><exec-default>deny</exec-default>"
                + "<read-default>deny</read-default>");
        NacmAccess a = access(c, "u");
        assertTrue(a.exec("ietf-netconf", "kill-session"));
        assertTrue(a.data(Op.READ, chain("<nacm xmlns='" + NacmConfig.NS + "'/>")));
        assertTrue(a.permitsAllWrites());
    }

    @Test
    void externalGroupsCountOnlyWhenEnabled() throws Exception {
        String rules = "<rule-list><name>l</name><group>admin</group>"
                + rule("all", "*", null, "*", "permit") + "</rule-list><exec-default>deny</exec-default>";
        assertTrue(access(config(rules), "u", "admin").exec("shop", "restock"));
        NacmConfig off = config(rules + "<enable-external-groups>false</enable-external-groups>");
        assertFalse(access(off, "u", "admin").exec("shop", "restock"));
        assertTrue(access(off, "u", "admin").groups().isEmpty());
    }

    @Test
    void pathRulesWithKeysHideOneListEntryAndWhatIsBelow() throws Exception {
        NacmConfig c = config("<rule-list><name>l</name><group>*</group>"
                + rule("hide-b", "*", "<path>/s:shop/s:item[s:sku='b']</path>", "read", "deny")
                + rule("hide-prices", "shop", "<path>/s:shop/s:item/s:price</path>", "read", "deny")
                + "</rule-list>");
        Document d = Xml.parse("<data xmlns='" + Xml.BASE + "'><shop xmlns='" + EX + "'>"
                + "<item><sku>a</sku><price>3</price><name>apple</name></item>"
                + "<item><sku>b</sku><price>5</price><name>bread</name></item>"
                + "<owner>zoe</owner></shop></data>");
        access(c, "u").pruneForRead(d.getDocumentElement());
        String out = Xml.serialize(d.getDocumentElement());
        assertTrue(out.contains("<sku>a</sku>") && out.contains("apple") && out.contains("zoe"), out);
        assertFalse(out.contains("<sku>b</sku>") || out.contains("bread"), out);
        assertFalse(out.contains("<price>"), out);
    }

    @Test
    void theWholeTreePathAndUnknownPrefixes() {
        NacmPath all = NacmPath.parse("/", p -> null);
        assertTrue(all.covers(List.of()));
        NacmPath p = NacmPath.parse("/x:shop/x:item[x:sku=\"a]b\"]", x -> null);
        assertEquals("a]b", p.steps().get(1).keys().get("sku"));
        assertThrows(IllegalArgumentException.class, () -> NacmPath.parse("shop", x -> null));
        assertThrows(IllegalArgumentException.class, () -> NacmPath.parse("/shop[sku=a]", x -> null));
        assertThrows(IllegalArgumentException.class, () -> NacmPath.parse("/shop[sku='a'", x -> null));
    }

    @Test
    void aWriteCheckFindsTheFirstRefusedChangeWithItsPath() throws Exception {
        NacmConfig c = config("<write-default>permit</write-default><rule-list><name>l</name><group>*</group>"
                + rule("no-delete-items", "shop", "<path>/s:shop/s:item</path>", "delete", "deny")
                + rule("owner-fixed", "shop", "<path>/s:shop/s:owner</path>", "update", "deny")
                + "</rule-list>");
        NacmAccess a = access(c, "u");
        NacmWrites w = new NacmWrites(null);
        String before = "<shop xmlns='" + EX + "'><item><sku>a</sku><price>3</price></item>"
                + "<item><sku>b</sku><price>5</price></item><owner>zoe</owner></shop>";
        // a price changes, an item is added: permitted
        assertNull(w.firstRefused(a, wrap(before), wrap("<shop xmlns='" + EX + "'><item><sku>a</sku><price>4</price>"
                + "</item><item><sku>b</sku><price>5</price></item><item><sku>c</sku></item><owner>zoe</owner></shop>")));
        // item b goes: refused, and the path names it by its key
        NacmWrites.Refusal r = w.firstRefused(a, wrap(before), wrap("<shop xmlns='" + EX + "'><item><sku>a</sku>"
                + "<price>3</price></item><owner>zoe</owner></shop>"));
        assertNotNull(r);
        assertEquals(Op.DELETE, r.op());
        assertEquals("/shop:shop/shop:item", w.path(r.chain(), MODULES::get).replaceAll("\\[.*", ""));
        assertEquals("b", Xml.text(DataTree.childByName(r.chain().get(1), "sku")));
        // the owner changes: update refused
        r = w.firstRefused(a, wrap(before), wrap(before.replace("zoe", "yann")));
        assertNotNull(r);
        assertEquals(Op.UPDATE, r.op());
        assertEquals("owner", r.chain().get(r.chain().size() - 1).getLocalName());
        // nothing changes: nothing to refuse, even under a deny-everything configuration
        NacmConfig none = config("<write-default>deny</write-default>");
        assertNull(w.firstRefused(access(none, "u"), wrap(before), wrap(before)));
        assertNotNull(w.firstRefused(access(none, "u"), wrap(before), wrap(before.replace("<price>5", "<price>6"))));
    }

    @Test
    void badConfigurationsAreRefusedNamingTheNode() {
        RpcError e = assertThrows(RpcError.class, () -> config("<rule-list><name>l</name>"
                + "<rule><name>r</name><action>allow</action></rule></rule-list>"));
        assertEquals("invalid-value", e.tag);
        assertEquals("/nacm:nacm/nacm:rule-list[nacm:name='l']/nacm:rule[nacm:name='r']/nacm:action", e.path);
        e = assertThrows(RpcError.class, () -> config("<rule-list><name>l</name><rule><name>r</name>"
                + "<rpc-name>get</rpc-name><path>/s:shop</path><action>deny</action></rule></rule-list>"));
        assertTrue(e.getMessage().contains("choice rule-type"), e.getMessage());
        e = assertThrows(RpcError.class, () -> config("<rule-list><name>l</name><rule><name>r</name>"
                + "<access-operations>read write</access-operations><action>deny</action></rule></rule-list>"));
        assertTrue(e.getMessage().contains("access-operations"), e.getMessage());
        e = assertThrows(RpcError.class, () -> config("<groups><group><name>*all</name></group></groups>"));
        assertEquals("invalid-value", e.tag);
        e = assertThrows(RpcError.class, () -> config("<rule-list><name>l</name><rule><name>r</name></rule></rule-list>"));
        assertEquals("missing-element", e.tag);
    }

    @Test
    void theDefaultConfigurationIsTheTwoRolesOfTheUsersFile() throws Exception {
        NacmConfig d = NacmConfig.defaults();
        // it survives its own file format
        Document doc = Xml.parse(new String(Nacm.bytes(d), java.nio.charset.StandardCharsets.UTF_8));
        NacmConfig back = NacmConfig.parse(doc.getDocumentElement());
        assertEquals(new String(Nacm.bytes(d)), new String(Nacm.bytes(back)));

        NacmAccess admin = access(back, "admin", NacmAccess.ADMIN_GROUP);
        NacmAccess viewer = access(back, "viewer", NacmAccess.READ_ONLY_GROUP);
        for (String op : List.of("edit-config", "copy-config", "lock", "unlock", "commit", "cancel-commit",
                "discard-changes", "kill-session", "delete-config")) {
            assertTrue(admin.exec("ietf-netconf", op), "admin: " + op);
            assertFalse(viewer.exec("ietf-netconf", op), "viewer: " + op);
        }
        for (String op : List.of("offline", "undo-offline")) {
            assertTrue(admin.exec(YangSchema.MODULE, op));
            assertFalse(viewer.exec(YangSchema.MODULE, op));
        }
        for (String op : List.of("get", "get-config", "validate", "close-session")) {
            assertTrue(viewer.exec("ietf-netconf", op), "viewer: " + op);
        }
        assertTrue(viewer.exec("ietf-netconf-nmda", "get-data"));
        assertTrue(viewer.exec("ietf-netconf-monitoring", "get-schema"));
        assertTrue(viewer.exec("notifications", "create-subscription"));
        List<Element> ipmp = chain("<ipmp xmlns='" + Xml.IPMP + "'><failback>true</failback></ipmp>");
        List<Element> nacm = chain("<nacm xmlns='" + NacmConfig.NS + "'/>");
        assertTrue(viewer.data(Op.READ, ipmp));
        assertFalse(viewer.data(Op.UPDATE, ipmp));
        assertFalse(viewer.data(Op.READ, nacm), "read-only users do not see the access control");
        assertTrue(admin.data(Op.READ, nacm));
        assertTrue(admin.permitsAllWrites());
        assertFalse(viewer.permitsAllWrites());
        assertTrue(viewer.notification(YangSchema.MODULE, "interface-failed"));
        assertFalse(viewer.data(Op.EXEC, ipmp), "read-only users invoke no YANG 1.1 action");
        assertTrue(admin.data(Op.EXEC, ipmp));
        // a user in no group: the defaults (no writes, /nacm hidden)
        NacmAccess stranger = access(back, "stranger");
        assertFalse(stranger.data(Op.CREATE, ipmp));
        assertFalse(stranger.data(Op.READ, nacm));
    }

    private static List<Element> chain(String xml) throws Exception {
        Element top = Xml.parse(xml).getDocumentElement();
        List<Element> out = new ArrayList<>();
        out.add(top);
        return out;
    }

    private static Element wrap(String xml) throws Exception {
        return Xml.parse("<config xmlns='" + Xml.BASE + "'>" + xml + "</config>").getDocumentElement();
    }
}
