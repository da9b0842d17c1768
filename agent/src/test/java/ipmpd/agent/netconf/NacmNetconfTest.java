package ipmpd.agent.netconf;

import ipmpd.agent.IpmpdLog;
import ipmpd.testkit.Await;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NACM over real NETCONF sessions (MINA's SSH client, the users admin and viewer of
 * {@link NetconfFixture}): the two default groups keep what the users file's roles allowed, /nacm
 * is configured with edit-config like the rest (running, candidate, the file), a denied write is
 * access-denied with its error-path and changes nothing, read rules hide subtrees, notification
 * rules hold notifications back, and the counters count.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class NacmNetconfTest {
    private static final String BASE = Xml.BASE;
    private static final String NACM = NacmConfig.NS;
    private static final String IPMP = Xml.IPMP;

    private static NetconfFixture f;
    private static SshClient client;
    private static final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "nacm-test-reader");
        t.setDaemon(true);
        return t;
    });
    private int messageId;

    @BeforeAll
    static void start() throws Exception {
        f = NetconfFixture.start();
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.stop();
        }
        if (f != null) {
            f.close();
        }
        pool.shutdownNow();
    }

    /** Every test starts from the configuration of a first start. */
    @BeforeEach
    void resetAccessControl() throws Exception {
        String d = new String(Nacm.bytes(NacmConfig.defaults()), StandardCharsets.UTF_8).strip()
                .replaceFirst("<nacm ", "<nacm xmlns:nc=\"" + BASE + "\" nc:operation=\"replace\" ");
        try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            assertOk(rpc(a, edit("running", d)));
        }
    }

    private RawNetconfSession session(String user, String password) throws Exception {
        RawNetconfSession s = new RawNetconfSession(client, f.port(), user, c -> c.addPasswordIdentity(password),
                "netconf", pool);
        s.hello(RawNetconfSession.HELLO_11);
        return s;
    }

    private Element rpc(RawNetconfSession s, String body) throws Exception {
        String reply = s.pumped != null
                ? sendAndAwait(s, body)
                : s.rpc(String.valueOf(++messageId), body);
        assertNotNull(reply, "no reply to " + body);
        return Xml.parse(reply).getDocumentElement();
    }

    private String sendAndAwait(RawNetconfSession s, String body) throws Exception {
        String id = String.valueOf(++messageId);
        s.sendChunked("<rpc xmlns=\"" + BASE + "\" message-id=\"" + id + "\">" + body + "</rpc>");
        return s.await(m -> m.startsWith("<rpc-reply") && m.contains("message-id=\"" + id + "\""), 60_000);
    }

    private static String edit(String target, String config) {
        return "<edit-config><target><" + target + "/></target><config>" + config + "</config></edit-config>";
    }

    private static void assertOk(Element reply) {
        assertNotNull(Xml.child(reply, BASE, "ok"), Xml.serialize(reply));
    }

    private static Element error(Element reply) {
        Element e = Xml.child(reply, BASE, "rpc-error");
        assertNotNull(e, "expected an rpc-error: " + Xml.serialize(reply));
        return e;
    }

    private static String leaf(Element parent, String name) {
        Element c = Xml.child(parent, BASE, name);
        return c == null ? null : Xml.text(c);
    }

    /** The content of a get-config reply. */
    private String getConfig(RawNetconfSession s, String source) throws Exception {
        Element r = rpc(s, "<get-config><source><" + source + "/></source></get-config>");
        Element data = Xml.child(r, BASE, "data");
        assertNotNull(data, Xml.serialize(r));
        return Xml.serialize(data);
    }

    private long counter(String name) throws Exception {
        try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            Element r = rpc(a, "<get><filter type=\"subtree\"><nacm xmlns=\"" + NACM + "\"/></filter></get>");
            NodeList l = r.getElementsByTagNameNS(NACM, name);
            assertEquals(1, l.getLength(), Xml.serialize(r));
            return Long.parseLong(l.item(0).getTextContent());
        }
    }

    /** viewer in a group of its own (external groups off), admin by name in admin. */
    private static final String OPERATORS = "<nacm xmlns=\"" + NACM + "\">"
            + "<enable-external-groups>false</enable-external-groups>"
            + "<groups><group><name>admin</name><user-name>admin</user-name></group>"
            + "<group><name>operators</name><user-name>viewer</user-name></group></groups>"
            + "<rule-list><name>operators</name><group>operators</group>"
            + "<rule><name>keep-nacm</name><module-name>ietf-netconf-acm</module-name>"
            + "<access-operations>create update delete</access-operations><action>deny</action></rule>"
            + "<rule><name>hide-sessions</name><module-name>ietf-netconf-monitoring</module-name>"
            + "<path xmlns:ncm=\"" + Xml.NCM + "\">/ncm:netconf-state/ncm:sessions</path>"
            + "<access-operations>read</access-operations><action>deny</action></rule>"
            + "<rule><name>fixed-fdt</name><module-name>ipmpd-ipmp</module-name>"
            + "<path xmlns:ipmp=\"" + IPMP + "\">/ipmp:ipmp/ipmp:failure-detection-time</path>"
            + "<access-operations>create update delete</access-operations><action>deny</action></rule>"
            + "<rule><name>quiet</name><module-name>ietf-netconf-notifications</module-name>"
            + "<notification-name>netconf-config-change</notification-name>"
            + "<access-operations>read</access-operations><action>deny</action></rule>"
            + "<rule><name>the-rest</name><access-operations>*</access-operations><action>permit</action></rule>"
            + "</rule-list></nacm>";

    private void configureOperators() throws Exception {
        try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            assertOk(rpc(a, edit("running", OPERATORS)));
        }
    }

    @Test
    void theTwoDefaultGroupsAreTheRolesOfTheUsersFile() throws Exception {
        long deniedOps = counter("denied-operations");
        try (RawNetconfSession v = session("viewer", NetconfFixture.VIEWER_PW)) {
            String cfg = getConfig(v, "running");
            assertTrue(cfg.contains("<failure-detection-time>"), cfg);
            assertFalse(cfg.contains(NACM), "read-only users do not see /nacm (default-deny-all): " + cfg);
            Element e = error(rpc(v, edit("running", "<ipmp xmlns=\"" + IPMP + "\"><failback>false</failback></ipmp>")));
            assertEquals("access-denied", leaf(e, "error-tag"));
            assertEquals("protocol", leaf(e, "error-type"));
            assertEquals("/nc:rpc/nc:edit-config", leaf(e, "error-path"));
            assertEquals("access-denied", leaf(error(rpc(v, "<lock><target><running/></target></lock>")), "error-tag"));
            assertEquals("access-denied", leaf(error(rpc(v, "<kill-session><session-id>999</session-id></kill-session>")),
                    "error-tag"));
            assertOk(rpc(v, "<validate><source><running/></source></validate>"));
            // a YANG 1.1 action on a data node is exec access on that node
            e = error(rpc(v, "<action xmlns=\"urn:ietf:params:xml:ns:yang:1\"><ipmp xmlns=\"" + IPMP + "\"><group>"
                    + "<name>g0</name><member><name>nosuch</name><offline/></member></group></ipmp></action>"));
            assertEquals("access-denied", leaf(e, "error-tag"));
        }
        assertTrue(counter("denied-operations") >= deniedOps + 3);
        try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            String cfg = getConfig(a, "running");
            assertTrue(cfg.contains("<name>permit-all</name>") && cfg.contains("<name>read-only</name>"), cfg);
            Element e = error(rpc(a, "<kill-session><session-id>999</session-id></kill-session>"));
            assertEquals("invalid-value", leaf(e, "error-tag"), "admin may kill sessions: " + Xml.serialize(e));
            e = error(rpc(a, "<action xmlns=\"urn:ietf:params:xml:ns:yang:1\"><ipmp xmlns=\"" + IPMP + "\"><group>"
                    + "<name>g0</name><member><name>nosuch</name><offline/></member></group></ipmp></action>"));
            assertFalse("access-denied".equals(leaf(e, "error-tag")), Xml.serialize(e));
            String hello = Xml.serialize(rpc(a, "<get><filter type=\"subtree\"><netconf-state xmlns=\"" + Xml.NCM
                    + "\"><capabilities/></netconf-state></filter></get>"));
            assertTrue(hello.contains(NACM + "?module=ietf-netconf-acm&amp;revision=2018-02-14"), hello);
            String schema = Xml.serialize(rpc(a, "<get-schema xmlns=\"" + Xml.NCM
                    + "\"><identifier>ietf-netconf-acm</identifier></get-schema>"));
            assertTrue(schema.contains("module ietf-netconf-acm") && schema.contains("RFC 8341"), schema);
        }
    }

    @Test
    void aDeniedWriteIsAccessDeniedWithItsPathAndChangesNothing() throws Exception {
        configureOperators();
        long writes = counter("denied-data-writes");
        String mpathd = f.read("mpathd");
        String acm = f.read(Nacm.FILE);
        try (RawNetconfSession v = session("viewer", NetconfFixture.VIEWER_PW)) {
            String before = getConfig(v, "running");
            // one edit, a permitted leaf and a denied one: refused as a whole
            Element e = error(rpc(v, edit("running", "<ipmp xmlns=\"" + IPMP + "\"><failback>false</failback>"
                    + "<failure-detection-time>900</failure-detection-time></ipmp>")));
            assertEquals("access-denied", leaf(e, "error-tag"));
            assertEquals("application", leaf(e, "error-type"));
            assertEquals("/ipmp:ipmp/ipmp:failure-detection-time", leaf(e, "error-path"));
            Element path = Xml.child(e, BASE, "error-path");
            assertEquals(IPMP, path.lookupNamespaceURI("ipmp"));
            assertEquals(before, getConfig(v, "running"), "nothing changed");
            // the access control itself
            e = error(rpc(v, edit("running", "<nacm xmlns=\"" + NACM + "\"><read-default>deny</read-default></nacm>")));
            assertEquals("/nacm:nacm/nacm:read-default", leaf(e, "error-path"));
            // the candidate is checked too, and so is a commit of changes the user may not make
            e = error(rpc(v, edit("candidate", "<ipmp xmlns=\"" + IPMP + "\"><failure-detection-time>900"
                    + "</failure-detection-time></ipmp>")));
            assertEquals("access-denied", leaf(e, "error-tag"));
            try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
                assertOk(rpc(a, edit("candidate", "<ipmp xmlns=\"" + IPMP + "\"><failure-detection-time>900"
                        + "</failure-detection-time></ipmp>")));
                e = error(rpc(v, "<commit/>"));
                assertEquals("access-denied", leaf(e, "error-tag"));
                assertEquals("/ipmp:ipmp/ipmp:failure-detection-time", leaf(e, "error-path"));
                assertEquals(before, getConfig(v, "running"), "the commit changed nothing");
                assertOk(rpc(a, "<discard-changes/>"));
            }
            // what the rules permit goes through
            assertOk(rpc(v, edit("running", "<ipmp xmlns=\"" + IPMP + "\"><failback>false</failback></ipmp>")));
            assertTrue(getConfig(v, "running").contains("<failback>false</failback>"));
            assertOk(rpc(v, edit("running", "<ipmp xmlns=\"" + IPMP + "\"><failback>true</failback></ipmp>")));
        }
        assertEquals(mpathd, f.read("mpathd"), "the denied FDT never reached the file");
        assertEquals(acm, f.read(Nacm.FILE));
        assertTrue(counter("denied-data-writes") >= writes + 4);
    }

    @Test
    void aReadRuleHidesASubtree() throws Exception {
        configureOperators();
        try (RawNetconfSession v = session("viewer", NetconfFixture.VIEWER_PW);
             RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            String filter = "<filter type=\"subtree\"><netconf-state xmlns=\"" + Xml.NCM + "\"/></filter>";
            String seen = Xml.serialize(rpc(v, "<get>" + filter + "</get>"));
            assertTrue(seen.contains("<capabilities>"), seen);
            assertFalse(seen.contains("<sessions>"), seen);
            String all = Xml.serialize(rpc(a, "<get>" + filter + "</get>"));
            assertTrue(all.contains("<sessions>") && all.contains("<username>viewer</username>"), all);
            // a filter that asks for the hidden subtree gets nothing of it
            String asked = Xml.serialize(rpc(v, "<get><filter type=\"subtree\"><netconf-state xmlns=\"" + Xml.NCM
                    + "\"><sessions/></netconf-state></filter></get>"));
            assertFalse(asked.contains("<session>") || asked.contains("<username>"), asked);
            String data = Xml.serialize(rpc(v, "<get-data xmlns=\"" + GetData.NS + "\" xmlns:ds=\""
                    + Xml.DATASTORES + "\"><datastore>ds:operational</datastore></get-data>"));
            assertTrue(data.contains("<ipmp") && !data.contains("<sessions>"), data);
        }
    }

    @Test
    void notificationRulesHoldNotificationsBack() throws Exception {
        configureOperators();
        long denied = counter("denied-notifications");
        try (RawNetconfSession v = session("viewer", NetconfFixture.VIEWER_PW);
             RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            v.pump();
            a.pump();
            assertOk(rpc(v, "<create-subscription xmlns=\"" + Xml.NOTIF + "\"/>"));
            assertOk(rpc(a, "<create-subscription xmlns=\"" + Xml.NOTIF + "\"/>"));
            assertOk(rpc(a, edit("running", "<ipmp xmlns=\"" + IPMP + "\"><failback>false</failback></ipmp>")));
            assertNotNull(a.await(m -> m.contains("netconf-config-change"), 60_000), "admin sees the change");
            // a later notification the viewer may receive: what came before it has been filtered
            try (RawNetconfSession later = session("admin", NetconfFixture.ADMIN_PW)) {
                String start = v.await(m -> m.contains("netconf-config-change") || m.contains("netconf-session-start")
                        && m.contains("<session-id>" + later.id + "</session-id>"), 60_000);
                assertNotNull(start, "the viewer receives session-start");
                assertFalse(start.contains("netconf-config-change"), start);
            }
            assertOk(rpc(a, edit("running", "<ipmp xmlns=\"" + IPMP + "\"><failback>true</failback></ipmp>")));
        }
        Await.until("denied-notifications counts", () -> {
            try {
                return counter("denied-notifications") >= denied + 1;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void nacmIsConfiguredInTheDatastoresAndKeptInItsFile() throws Exception {
        String rule = "<nacm xmlns=\"" + NACM + "\"><rule-list><name>audit</name><group>auditors</group>"
                + "<rule><name>no-writes</name><access-operations>create update delete</access-operations>"
                + "<action>deny</action></rule></rule-list></nacm>";
        try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            assertOk(rpc(a, edit("candidate", rule)));
            assertTrue(getConfig(a, "candidate").contains("<name>audit</name>"));
            assertFalse(getConfig(a, "running").contains("<name>audit</name>"));
            assertFalse(f.read(Nacm.FILE).contains("audit"));
            // bad values are refused with their path, and change nothing
            Element e = error(rpc(a, edit("candidate", "<nacm xmlns=\"" + NACM + "\"><exec-default>maybe"
                    + "</exec-default></nacm>")));
            assertEquals("invalid-value", leaf(e, "error-tag"));
            assertEquals("/nacm:nacm/nacm:exec-default", leaf(e, "error-path"));
            e = error(rpc(a, edit("candidate", "<nacm xmlns=\"" + NACM + "\"><denied-operations>0"
                    + "</denied-operations></nacm>")));
            assertEquals("invalid-value", leaf(e, "error-tag"));
            assertOk(rpc(a, "<commit/>"));
            assertTrue(getConfig(a, "running").contains("<name>audit</name>"));
            String file = f.read(Nacm.FILE);
            assertTrue(file.contains("<name>audit</name>") && file.contains("<name>permit-all</name>"), file);
            // what a restart reads
            Nacm again = new Nacm(f.configDir, new ipmpd.agent.ConfigJournal(f.configDir), IpmpdLog.detached(null),
                    null, java.util.Map.of());
            again.loadOrCreate();
            assertEquals("audit", again.running().ruleLists().get(2).name());
            // delete removes the entry
            assertOk(rpc(a, edit("running", "<nacm xmlns=\"" + NACM + "\" xmlns:nc=\"" + BASE + "\"><rule-list "
                    + "nc:operation=\"delete\"><name>audit</name></rule-list></nacm>")));
            assertFalse(f.read(Nacm.FILE).contains("audit"));
            // nothing in the configuration directory is left half-written
            try (var l = Files.list(f.configDir)) {
                assertTrue(l.noneMatch(p -> p.getFileName().toString().startsWith(".journal")));
            }
        }
    }

    @Test
    void aCancelledConfirmedCommitTakesTheAccessControlBack() throws Exception {
        try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            assertOk(rpc(a, edit("candidate", "<nacm xmlns=\"" + NACM + "\"><read-default>deny</read-default></nacm>")));
            assertOk(rpc(a, "<commit><confirmed/><confirm-timeout>600</confirm-timeout></commit>"));
            assertTrue(f.read(Nacm.FILE).contains("<read-default>deny</read-default>"));
            assertTrue(Files.readString(f.configDir.resolve(ipmpd.agent.ConfigStore.ROLLBACK_DIR).resolve(Nacm.FILE))
                    .contains("<read-default>permit</read-default>"), "a restart would restore it");
            assertOk(rpc(a, "<cancel-commit/>"));
            assertTrue(f.read(Nacm.FILE).contains("<read-default>permit</read-default>"));
            assertTrue(getConfig(a, "running").contains("<read-default>permit</read-default>"));
        }
    }

    @Test
    void withNacmOffTheRulesDoNotApply() throws Exception {
        try (RawNetconfSession a = session("admin", NetconfFixture.ADMIN_PW)) {
            assertOk(rpc(a, edit("running", "<nacm xmlns=\"" + NACM + "\"><enable-nacm>false</enable-nacm></nacm>")));
        }
        try (RawNetconfSession v = session("viewer", NetconfFixture.VIEWER_PW)) {
            assertTrue(getConfig(v, "running").contains(NACM));
            // and the viewer can turn it back on: with NACM off, nothing is denied
            assertOk(rpc(v, edit("running", "<nacm xmlns=\"" + NACM + "\"><enable-nacm>true</enable-nacm></nacm>")));
            assertFalse(getConfig(v, "running").contains(NACM));
        }
    }
}
