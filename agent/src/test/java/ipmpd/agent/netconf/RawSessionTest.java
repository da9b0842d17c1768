package ipmpd.agent.netconf;

import ipmpd.testkit.Await;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire, byte by byte, through MINA's SSH client: hello rules, both framings, XML safety (no
 * DTD, no external entity), the size cap, broken framing, and no shell or exec.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class RawSessionTest {
    private static final String BASE = Xml.BASE;
    private static final String HELLO_11 = RawNetconfSession.HELLO_11;
    private static final String HELLO_10 = RawNetconfSession.HELLO_10;
    private static final int CAP = 64 * 1024;

    private static NetconfFixture f;
    private static SshClient client;
    private static final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "raw-test-reader");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    static void start() throws Exception {
        f = NetconfFixture.start(s -> s.withMaxMessageSize(CAP));
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

    /** A raw session as admin (password) on the given subsystem. */
    private static final class Wire extends RawNetconfSession {
        Wire(String subsystem) throws IOException {
            super(client, f.port(), "admin", s -> s.addPasswordIdentity(NetconfFixture.ADMIN_PW), subsystem, pool);
        }
    }

    private static String rpc(String id, String body) {
        return "<rpc xmlns=\"" + BASE + "\" message-id=\"" + id + "\">" + body + "</rpc>";
    }

    /** Run in a fresh JVM by the test below: MINA's choice as the daemon's JVM makes it. */
    static final class CipherChoice {
        public static void main(String[] args) throws Exception {
            NetconfServer.preferJdkCiphers();
            System.out.println(org.apache.sshd.common.util.security.SecurityUtils.getCipher("AES/CTR/NoPadding")
                    .getProvider().getName() + " " + org.apache.sshd.common.util.security.SecurityUtils
                    .getMac("HmacSHA256").getProvider().getName());
        }
    }

    @Test
    void sshCiphersAndMacsComeFromTheJdk() throws Exception {
        // AES-NI and SHA intrinsics: Bouncy Castle's pure Java versions cost a third of a large get.
        // A fresh JVM: this one's MINA already chose providers for the test clients.
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                CipherChoice.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.lines().anyMatch(l -> l.equals("SunJCE SunJCE")), out);
    }

    @Test
    void helloWithSessionIdIsRefused() throws Exception {
        try (Wire w = new Wire("netconf")) {
            w.next();
            w.send("<hello xmlns=\"" + BASE + "\"><capabilities><capability>urn:ietf:params:netconf:base:1.0"
                    + "</capability></capabilities><session-id>4</session-id></hello>]]>]]>");
            assertNull(w.next(), "the session must end");
        }
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("carries a session-id")), f.logged.toString());
    }

    @Test
    void base10FramingCopiesRpcAttributes() throws Exception {
        try (Wire w = new Wire("netconf")) {
            String h = w.hello(HELLO_10);
            assertTrue(h.contains("urn:ietf:params:netconf:base:1.1"), h);
            w.send("<rpc xmlns=\"" + BASE + "\" message-id=\"101\" xmlns:ex=\"urn:example\" ex:user-id=\"fred\">"
                    + "<get-config><source><running/></source></get-config></rpc>]]>]]>");
            String r = w.next();
            assertTrue(r.startsWith("<rpc-reply"), r);
            assertTrue(r.contains("message-id=\"101\"") && r.contains("user-id=\"fred\"")
                    && r.contains("urn:example"), r);
            assertTrue(r.contains("<failure-detection-time>700</failure-detection-time>"), r);
            w.send(rpc("102", "<get-config/>").replace("<get-config/>", "<get-config><source><running/></source>"
                    + "</get-config>").replace("message-id=\"102\"", "") + "]]>]]>");
            String e = w.next();
            assertTrue(e.contains("missing-attribute") && e.contains("message-id"), e);
            w.send(rpc("103", "<close-session/>") + "]]>]]>");
            assertTrue(w.next().contains("<ok/>"));
            assertNull(w.next());
        }
    }

    @Test
    void dtdAndExternalEntitiesAreRefused() throws Exception {
        Files.writeString(f.work.resolve("secret.txt"), "TOP-SECRET-CONTENT");
        try (Wire w = new Wire("netconf")) {
            w.hello(HELLO_11);
            w.sendChunked("<?xml version=\"1.0\"?><!DOCTYPE rpc [<!ENTITY x SYSTEM \"file://"
                    + f.work.resolve("secret.txt") + "\">]>" + rpc("1", "<get-schema xmlns=\"" + Xml.NCM
                    + "\"><identifier>&x;</identifier></get-schema>"));
            String r = w.next();
            assertTrue(r.contains("malformed-message"), r);
            assertFalse(r.contains("TOP-SECRET"), r);
            w.sendChunked("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
                    + "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>" + rpc("2", "<get>&lol2;</get>"));
            assertTrue(w.next().contains("malformed-message"));
            // deep nesting is refused too
            w.sendChunked(rpc("3", "<get>" + "<a>".repeat(200) + "</a>".repeat(200) + "</get>"));
            assertTrue(w.next().contains("malformed-message"));
            // and the session is still usable
            w.sendChunked(rpc("4", "<get-config><source><running/></source></get-config>"));
            assertTrue(w.next().contains("<data>"));
        }
    }

    @Test
    void oversizedMessageGetsTooBigAndTheSessionGoesOn() throws Exception {
        try (Wire w = new Wire("netconf")) {
            w.hello(HELLO_11);
            String big = rpc("1", "<get><filter type=\"subtree\"><ipmp xmlns=\"" + Xml.IPMP + "\">"
                    + "<!--" + "x".repeat(CAP * 2) + "--></ipmp></filter></get>");
            // sent in several chunks, as a client may
            byte[] b = big.getBytes(StandardCharsets.UTF_8);
            for (int off = 0; off < b.length; off += 10_000) {
                int len = Math.min(10_000, b.length - off);
                w.out.write(("\n#" + len + "\n").getBytes(StandardCharsets.US_ASCII));
                w.out.write(b, off, len);
            }
            w.out.write("\n##\n".getBytes(StandardCharsets.US_ASCII));
            w.out.flush();
            String r = w.next();
            assertTrue(r.contains("too-big"), r);
            w.sendChunked(rpc("2", "<get-config><source><running/></source></get-config>"));
            assertTrue(w.next().contains("message-id=\"2\""));
        }
    }

    @Test
    void aChunkDeclaredLargerThanTheLimitIsRefusedUnread() throws Exception {
        try (Wire w = new Wire("netconf")) {
            w.hello(HELLO_11);
            // only the header: the server must answer without waiting for the 4 GB it announces
            w.send("\n#4000000000\n<rpc");
            String r = w.next(20_000);
            assertTrue(r != null && r.contains("<error-tag>too-big</error-tag>")
                    && r.contains("exceeds the message size limit of " + CAP), r);
            w.assertEnded("a chunk larger than netconf.max-message-size");
        }
        // one byte over the limit, too (the whole chunk would be a message over it)
        try (Wire w = new Wire("netconf")) {
            w.hello(HELLO_11);
            w.send("\n#" + (CAP + 1) + "\n");
            String r = w.next(20_000);
            assertTrue(r != null && r.contains("too-big"), r);
            w.assertEnded("a chunk one byte over");
        }
    }

    @Test
    void brokenChunkFramingEndsTheSession() throws Exception {
        try (Wire w = new Wire("netconf")) {
            w.hello(HELLO_11);
            w.send("\n#012\n<rpc></rpc>\n##\n");
            String r = w.next();
            assertTrue(r == null || r.contains("malformed-message"), r);
            if (r != null) {
                assertNull(w.next());
            }
        }
    }

    /** The counts the metrics endpoint shows: sessions, RPCs, rpc-errors (RFC 6022's statistics). */
    @Test
    void activityCountsSessionsRpcsAndErrors() throws Exception {
        NetconfServer.Activity before = f.server.activity();
        try (Wire w = new Wire("netconf")) {
            w.hello(HELLO_11);
            w.sendChunked(rpc("1", "<get-config><source><running/></source></get-config>"));
            assertTrue(w.next().contains("<data"));
            w.sendChunked(rpc("2", "<frobnicate/>"));
            assertTrue(w.next().contains("operation-not-supported"));
            Await.until("a session, two RPCs and an rpc-error counted", () -> {
                NetconfServer.Activity a = f.server.activity();
                return a.sessions() == before.sessions() + 1 && a.rpcs() == before.rpcs() + 2
                        && a.rpcErrors() == before.rpcErrors() + 1 && a.openSessions() >= 1;
            });
        }
    }

    @Test
    void malformedXmlAndUnknownOperations() throws Exception {
        try (Wire w = new Wire("netconf")) {
            w.hello(HELLO_11);
            w.sendChunked("<rpc xmlns=\"" + BASE + "\" message-id=\"1\"><get>");
            assertTrue(w.next().contains("malformed-message"));
            w.sendChunked(rpc("2", "<frobnicate/>"));
            String r = w.next();
            assertTrue(r.contains("operation-not-supported") && r.contains("message-id=\"2\""), r);
            w.sendChunked(rpc("3", "<get-config><source><startup/></source></get-config>"));
            assertTrue(w.next().contains("operation-not-supported"));
        }
    }

    @Test
    void noShellNoExecNoOtherSubsystem() throws Exception {
        try (ClientSession s = client.connect("admin", "127.0.0.1", f.port()).verify(10_000).getSession()) {
            s.addPasswordIdentity(NetconfFixture.ADMIN_PW);
            s.auth().verify(10_000);
            for (ClientChannel ch : new ClientChannel[] {s.createShellChannel(), s.createExecChannel("id"),
                    s.createSubsystemChannel("sftp")}) {
                try {
                    ch.open().verify(10_000);
                } catch (IOException refused) {
                    continue;
                }
                Set<ClientChannelEvent> ev = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 10_000);
                assertTrue(ev.contains(ClientChannelEvent.CLOSED), ch + " stayed open: " + ev);
                Integer status = ch.getExitStatus();
                assertTrue(status == null || status != 0, ch + " exit status " + status);
            }
        }
    }

    @Test
    void hostKeyAndUsersFileArePrivate() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(f.configDir.resolve("netconf-host-key"))));
    }
}
