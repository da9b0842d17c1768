package ipmpd.agent.netconf;

import ipmpd.engine.config.ConfigProblem;
import ipmpd.engine.config.ConfigValidator;
import ipmpd.engine.config.IpmpConfiguration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's configuration checks (the module through yangkit + jaxen, then the engine's rules)
 * against the module's own examples: everything yanglint rejects in yang/examples/invalid/config-*
 * is rejected for the same reason, and the valid configuration passes.
 */
class ValidationTest {
    private static YangSchema schema;
    private static ConfigValidation validation;

    @BeforeAll
    static void load() throws Exception {
        schema = YangSchema.load(NetconfFixture.YANG);
        validation = new ConfigValidation(schema);
    }

    /** An instance document (its top-level nodes, /if:interfaces and /ipmp:ipmp) under a config wrapper. */
    private static Element read(Path p) throws Exception {
        String text = Files.readString(p).replaceFirst("^<\\?xml[^>]*\\?>", "");
        Document d = Xml.parse(("<config xmlns=\"" + Xml.BASE + "\">" + text + "</config>")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return d.getDocumentElement();
    }

    /** All errors: structure first, then semantics, then the engine's rules. */
    private static List<String> check(Element ipmp) throws Exception {
        List<RpcError> errs = validation.checkStructure(ipmp);
        if (errs.isEmpty()) {
            errs = validation.checkSemantics(ipmp);
        }
        List<String> out = new ArrayList<>();
        for (RpcError e : errs) {
            out.add(e.tag + "|" + e.appTag + "|" + e.getMessage() + "|" + e.path);
        }
        if (out.isEmpty()) {
            try {
                IpmpConfiguration c = ConfigXml.fromXml(schema, ipmp, null);
                for (ConfigProblem p : ConfigValidator.validate(c)) {
                    RpcError e = ConfigXml.error(p);
                    out.add(e.tag + "|" + e.appTag + "|" + e.getMessage() + "|" + e.path);
                }
            } catch (RpcError.Many m) {
                for (RpcError e : m.errors) {
                    out.add(e.tag + "|" + e.appTag + "|" + e.getMessage() + "|" + e.path);
                }
            }
        }
        return out;
    }

    @Test
    void validExampleIsAccepted() throws Exception {
        Element ipmp = read(NetconfFixture.YANG.resolve("examples/config-two-groups.xml"));
        assertEquals(List.of(), check(ipmp));
        IpmpConfiguration c = ConfigXml.fromXml(schema, ipmp, null);
        assertEquals(2, c.groups().size());
        assertEquals(24, c.group("ipmp0").orElseThrow().member("net0").orElseThrow().testAddresses().get(0).prefixLen());
    }

    @Test
    void newIpmpExampleMapsToTheIpmpInterfaceAndBack() throws Exception {
        Element tree = read(NetconfFixture.YANG.resolve("examples/config-new-ipmp.xml"));
        assertEquals(List.of(), check(tree));
        IpmpConfiguration c = ConfigXml.fromXml(schema, tree, null);
        IpmpConfiguration.GroupConfig g = c.group("production0").orElseThrow();
        assertEquals("production0", g.ipmpInterface());
        assertEquals(List.of("net0", "net1", "net2"), g.members().stream().map(IpmpConfiguration.MemberConfig::name)
                .toList());
        // the IPMP interface holds the data addresses (the engine's home of each)
        assertEquals(List.of("production0", "production0"), g.dataAddresses().stream()
                .map(IpmpConfiguration.DataAddress::homeMember).toList());
        // and back: the IPMP interface's entry of type ipmp, no home member, the same configuration
        Element again = ConfigXml.toXml(Xml.newDocument(), c);
        String xml = Xml.serialize(again);
        assertTrue(xml.contains("<name>production0</name><type xmlns:ipmp=\"" + Xml.IPMP + "\">ipmp:ipmp</type>"), xml);
        assertFalse(xml.contains("home-member"), xml);
        assertEquals(c, ConfigXml.fromXml(schema, again, null));
    }

    @Test
    void anIpmpInterfaceNoGroupNamesIsRefused() throws Exception {
        Element tree = read(NetconfFixture.YANG.resolve("examples/config-new-ipmp.xml"));
        // a second IPMP interface meant for the same group: no group names it
        Element ifs = Xml.child(tree, Xml.IF, "interfaces");
        Element extra = Xml.add(ifs, Xml.IF, "interface");
        Xml.leaf(extra, "name", "production1");
        Element type = Xml.leaf(extra, "type", "ipmp:ipmp");
        type.setAttributeNS(Xml.XMLNS, "xmlns:ipmp", Xml.IPMP);
        List<String> errs = check(tree);
        assertEquals(1, errs.size(), errs.toString());
        assertTrue(errs.get(0).startsWith("operation-failed|ipmp-interface-without-group|interface production1 of type "
                + "ipmp:ipmp is the IPMP interface of no group"), errs.toString());
        assertTrue(errs.get(0).endsWith("|/if:interfaces/if:interface[if:name='production1']"), errs.toString());
    }

    @Test
    void everyInvalidExampleIsRejectedForItsReason() throws Exception {
        Pattern expect = Pattern.compile("<!-- expect: (.*?) -->");
        List<Path> files;
        try (Stream<Path> s = Files.list(NetconfFixture.YANG.resolve("examples/invalid"))) {
            files = s.filter(p -> p.getFileName().toString().startsWith("config-")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path p : files) {
            String text = Files.readString(p);
            Matcher m = expect.matcher(text);
            assertTrue(m.find(), p.toString());
            String why = m.group(1);
            List<String> errs = check(read(p));
            assertFalse(errs.isEmpty(), p + " was accepted");
            String tag = switch (why) {
                case "range", "pattern", "length" -> "invalid-value|";
                case "leafref" -> "data-missing|instance-required";
                case "Duplicate instance of \"interface\"" -> "data-exists|";
                default -> why.startsWith("Mandatory") ? "missing-element|"
                        : why.startsWith("state node") ? "invalid-value|" : null;
            };
            boolean found = errs.stream().anyMatch(e -> tag != null ? e.startsWith(tag) : e.contains(why));
            assertTrue(found, p.getFileName() + ": expected " + (tag != null ? tag : why) + " in " + errs);
        }
    }

    @Test
    void errorPathsUseTheModulePrefix() {
        assertEquals("/if:interfaces/if:interface[if:name='eth1']/ipmp:ipmp/ipmp:standby",
                ConfigXml.prefixPath("/ipmp/group[name='g/0']/member[name='eth1']/standby"));
        assertEquals("/ipmp:ipmp/ipmp:group[ipmp:name='g/0']/ipmp:data-address",
                ConfigXml.prefixPath("/ipmp/group[name='g/0']/data-address"));
    }

    @Test
    void canonicalValues() {
        YangSchema.SNode ta = schema.root().child("interfaces").child("interface").child("ipmp")
                .child("test-address").child("address");
        assertEquals("fe80::a00:27ff:fe00:10", YangSchema.canonical(ta, "FE80:0:0:0:0A00:27FF:FE00:0010"));
        YangSchema.SNode fdt = schema.root().child("ipmp").child("failure-detection-time");
        assertEquals("100", YangSchema.canonical(fdt, "+0100"));
        assertEquals(null, YangSchema.canonical(fdt, "99"));
        assertEquals(null, YangSchema.canonical(fdt, "4294967296"));
    }
}
