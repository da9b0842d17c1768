package ipmpd.agent.netconf;

import ipmpd.testkit.Await;
import ipmpd.engine.config.IpmpConfiguration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5: bad input on the NETCONF face, through MINA's SSH client against an in-process ipmpd
 * (loopback platform, default server settings: 16 sessions, 4 MiB messages). Every case must be
 * refused or closed cleanly: XML with a DTD, external entities (file and http, general and
 * parameter), billion laughs, XInclude; 100 MB messages in both framings (cut off at the cap without
 * being buffered: the old generation of the heap stays put); broken chunk framing; bad hellos; unknown
 * operations; 200 concurrent sessions of one user (those over netconf.max-sessions-per-user refused, the
 * rest work); bad
 * passwords. All the while one good session is subscribed to notifications: in the middle a cable
 * is pulled (and plugged back) and it must see interface-failed (and interface-repaired), and a get
 * must answer. At the end the configuration files and the engine's configuration are unchanged.
 * The methods run in order on one daemon; each is bounded by a generous timeout (a stuck server
 * fails the test, a slow machine does not).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NetconfBadInputTest {
    private static final String BASE = Xml.BASE;
    private static final String HELLO_11 = RawNetconfSession.HELLO_11;
    private static final String HELLO_10 = RawNetconfSession.HELLO_10;
    private static final String GET_CONFIG = "<get-config><source><running/></source></get-config>";
    private static final long HUGE = 100L << 20;

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "netconf-bad-input");
        t.setDaemon(true);
        return t;
    });
    private long classStart;
    private NetconfFixture f;
    private SshClient client;
    private KeyPair key;
    private Map<String, byte[]> filesBefore;
    private IpmpConfiguration configBefore;
    private Wire subscriber;

    // ------------------------------------------------------------------ a raw session

    /** A raw session as "loader" (public key) or as a user with a password. */
    private final class Wire extends RawNetconfSession {
        Wire() throws IOException {
            this("loader", null);
        }

        Wire(String user, String password) throws IOException {
            super(client, f.port(), user, s -> {
                if (password == null) {
                    s.addPublicKeyIdentity(key);
                } else {
                    s.addPasswordIdentity(password);
                }
            }, "netconf", pool);
        }
    }

    private static String rpc(String id, String body) {
        return "<rpc xmlns=\"" + BASE + "\" message-id=\"" + id + "\">" + body + "</rpc>";
    }

    private static boolean error(String reply, String tag) {
        return reply != null && reply.contains("<rpc-error>") && reply.contains("<error-tag>" + tag + "</error-tag>");
    }

    // ------------------------------------------------------------------ set-up and the final checks

    private Map<String, byte[]> configFiles() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(f.configDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private IpmpConfiguration engineConfig() throws Exception {
        return f.daemon.loop().call(() -> IpmpConfiguration.of(f.daemon.loop().engine().snapshot()));
    }

    /** Sessions past their hello on the server. */
    private int serverSessions() {
        return f.server.sessionInfos().size();
    }

    private void awaitServerSessions(int n, String why) throws InterruptedException {
        Await.until(why + ": " + n + " server session(s), not " + serverSessions(),
                () -> serverSessions() == n);
    }

    @BeforeAll
    void start() throws Exception {
        classStart = System.nanoTime();
        f = NetconfFixture.start();
        // a read-write key user for the helper sessions (a password costs 210,000 PBKDF2 rounds)
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        key = g.generateKeyPair();
        Files.writeString(f.configDir.resolve("netconf-users"), "loader read-write key "
                + PublicKeyEntry.toString(key.getPublic()) + "\n", StandardOpenOption.APPEND);
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        f.awaitProbesOk();
        filesBefore = configFiles();
        configBefore = engineConfig();

        // the good session: admin with its password, subscribed for the whole class
        subscriber = new Wire("admin", NetconfFixture.ADMIN_PW);
        subscriber.hello(HELLO_11);
        subscriber.pump();
        subscriber.sendChunked(rpc("sub", "<create-subscription xmlns=\"" + Xml.NOTIF + "\"/>"));
        String ok = subscriber.await(m -> m.contains("message-id=\"sub\""), 10_000);
        assertTrue(ok != null && ok.contains("<ok/>"), "create-subscription: " + ok);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (subscriber != null) {
                subscriber.close();
            }
            if (client != null) {
                client.stop();
            }
        } finally {
            if (f != null) {
                f.close();
            }
            pool.shutdownNow();
        }
        System.out.println("NetconfBadInputTest: " + (System.nanoTime() - classStart) / 1_000_000 + " ms for the class");
    }

    // ------------------------------------------------------------------ the cases

    @Test
    @Order(1)
    void xmlWithDtdEntitiesOrXIncludeIsRefused() throws Exception {
        Path secret = f.work.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET-CONTENT");
        try (ServerSocket trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Wire w = new Wire()) {
            trap.setSoTimeout(300);
            String url = "http://127.0.0.1:" + trap.getLocalPort() + "/x.dtd";
            w.hello(HELLO_11);
            String ncm = "<get-schema xmlns=\"" + Xml.NCM + "\"><identifier>&x;</identifier></get-schema>";
            List<String> attacks = List.of(
                    // a DTD, even a harmless one
                    "<?xml version=\"1.0\"?><!DOCTYPE rpc [<!ELEMENT rpc ANY>]>" + rpc("1", GET_CONFIG),
                    // external entities: a file, an http URL, an external DTD, a parameter entity
                    "<!DOCTYPE rpc [<!ENTITY x SYSTEM \"file://" + secret + "\">]>" + rpc("2", ncm),
                    "<!DOCTYPE rpc [<!ENTITY x SYSTEM \"" + url + "\">]>" + rpc("3", ncm),
                    "<!DOCTYPE rpc SYSTEM \"" + url + "\">" + rpc("4", GET_CONFIG),
                    "<!DOCTYPE rpc [<!ENTITY % p SYSTEM \"" + url + "\"> %p;]>" + rpc("5", GET_CONFIG),
                    // billion laughs: 10^9 "lol"s if expanded
                    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                            + "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                            + "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
                            + "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
                            + "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
                            + "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
                            + "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
                            + "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
                            + "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
                            + "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
                            + rpc("6", "<get><filter type=\"subtree\">&lol9;</filter></get>"),
                    // an entity in a configuration change: the change must not happen
                    "<!DOCTYPE rpc [<!ENTITY fdt \"20000\">]>" + rpc("7", "<edit-config><target><running/></target>"
                            + "<config><ipmp xmlns=\"" + Xml.IPMP + "\"><failure-detection-time>&fdt;"
                            + "</failure-detection-time></ipmp></config></edit-config>"),
                    // deep nesting, and characters XML forbids
                    rpc("8", "<get>" + "<a>".repeat(5000) + "</a>".repeat(5000) + "</get>"),
                    "<rpc xmlns=\"" + BASE + "\" message-id=\"9\"><get-config><source>\u0000\uFFFE</source></get-config></rpc>");
            for (String a : attacks) {
                w.sendChunked(a);
                String r = w.next();
                assertTrue(error(r, "malformed-message"), a.substring(0, Math.min(80, a.length())) + " -> " + r);
                assertFalse(r.contains("TOP-SECRET"), r);
            }
            // XInclude is not processed (the filter matches nothing it would have pulled in)
            String r = w.rpc("10", "<get-config><source><running/></source><filter type=\"subtree\">"
                    + "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file://" + secret + "\"/>"
                    + "</filter></get-config>");
            assertTrue(r != null && r.contains("message-id=\"10\"") && !r.contains("TOP-SECRET"), r);
            // nothing was fetched over the network
            assertThrows(SocketTimeoutException.class, () -> {
                try (Socket s = trap.accept()) {
                    throw new AssertionError("the server fetched " + url + " from " + s);
                }
            });
            // and the session is still usable
            r = w.rpc("11", GET_CONFIG);
            assertTrue(r.contains("<failure-detection-time>700</failure-detection-time>"), r);
        }
    }

    @Test
    @Order(2)
    void brokenChunkFramingEndsOnlyThatSession() throws Exception {
        Map<String, String> broken = Map.of(
                "bad header", "\n#abc\n<rpc/>\n##\n",
                "length 0", "\n#0\n\n##\n",
                "leading zero", "\n#012\n<rpc></rpc>\n##\n",
                "11-digit length", "\n#99999999999\n<rpc/>\n##\n",
                "no LF after the chunk", "\n#5\n<rpc>X#\n",
                "end of chunks before any chunk", "\n##\n",
                "no LF before the header", "#5\n<rpc>\n##\n");
        for (Map.Entry<String, String> c : broken.entrySet()) {
            try (Wire w = new Wire()) {
                w.hello(HELLO_11);
                w.send(c.getValue());
                String r = w.next();
                assertTrue(r == null || error(r, "malformed-message"), c.getKey() + ": " + r);
                w.assertEnded(c.getKey());
            }
        }
        // a chunk header split across writes is fine: the message is answered
        try (Wire w = new Wire()) {
            w.hello(HELLO_11);
            byte[] body = rpc("split", GET_CONFIG).getBytes(StandardCharsets.UTF_8);
            String len = String.valueOf(body.length);
            for (String part : new String[] {"\n", "#", len.substring(0, 1), len.substring(1) + "\n"}) {
                w.out.write(part.getBytes(StandardCharsets.US_ASCII));
                w.out.flush();
                Thread.sleep(30);
            }
            w.out.write(body, 0, 10);
            w.out.flush();
            Thread.sleep(30);
            w.out.write(body, 10, body.length - 10);
            w.out.write("\n#".getBytes(StandardCharsets.US_ASCII));
            w.out.flush();
            Thread.sleep(30);
            w.out.write("#\n".getBytes(StandardCharsets.US_ASCII));
            w.out.flush();
            String r = w.next();
            assertTrue(r != null && r.contains("message-id=\"split\"") && r.contains("<data>"), r);
        }
        // end of stream in the middle of a chunk (and of a header): the session just ends
        for (String cut : new String[] {"\n#100\n<rpc xmlns=", "\n#1"}) {
            try (Wire w = new Wire()) {
                w.hello(HELLO_11);
                w.send(cut);
                w.channel.getInvertedIn().close(); // SSH EOF
                w.assertEnded("EOF after " + cut.strip());
            }
        }
        awaitServerSessions(1, "after the broken framings only the subscriber is left");
    }

    @Test
    @Order(3)
    void badHellosAreRefused() throws Exception {
        Map<String, String> hellos = Map.of(
                "a session-id", "<hello xmlns=\"" + BASE + "\"><capabilities><capability>"
                        + "urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>4</session-id>"
                        + "</hello>]]>]]>",
                "no base capability", "<hello xmlns=\"" + BASE + "\"><capabilities><capability>urn:example:x"
                        + "</capability></capabilities></hello>]]>]]>",
                "an rpc instead", rpc("1", GET_CONFIG) + "]]>]]>",
                "a DTD", "<!DOCTYPE hello [<!ENTITY b \"urn:ietf:params:netconf:base:1.0\">]><hello xmlns=\"" + BASE
                        + "\"><capabilities><capability>&b;</capability></capabilities></hello>]]>]]>",
                "not XML", "hello?]]>]]>");
        for (Map.Entry<String, String> h : hellos.entrySet()) {
            try (Wire w = new Wire()) {
                assertNotNull(w.next(), "server hello");
                w.send(h.getValue());
                w.assertEnded("hello with " + h.getKey());
            }
        }
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("carries a session-id")), f.logged.toString());
        // end of stream before any hello
        try (Wire w = new Wire()) {
            assertNotNull(w.next(), "server hello");
            w.channel.getInvertedIn().close();
            w.assertEnded("EOF before the hello");
        }
        awaitServerSessions(1, "after the bad hellos only the subscriber is left");
    }

    @Test
    @Order(4)
    void unknownOperationsAreNotSupported() throws Exception {
        try (Wire w = new Wire()) {
            w.hello(HELLO_11);
            String r = w.rpc("1", "<frobnicate/>");
            assertTrue(error(r, "operation-not-supported") && r.contains("message-id=\"1\""), r);
            r = w.rpc("2", "<reboot xmlns=\"urn:example:unknown\"/>");
            assertTrue(error(r, "operation-not-supported"), r);
            r = w.rpc("3", "<shutdown xmlns=\"" + Xml.IPMP + "\"/>");
            assertTrue(error(r, "operation-not-supported"), r);
            r = w.rpc("4", "<get-config><source><startup/></source></get-config>");
            assertTrue(error(r, "operation-not-supported"), r);
            r = w.rpc("5", "<get/><get/>");
            assertTrue(error(r, "malformed-message"), r);
            w.sendChunked("<rpc xmlns=\"" + BASE + "\">" + GET_CONFIG + "</rpc>");
            assertTrue(error(w.next(), "missing-attribute"));
            w.sendChunked("<rpc-reply xmlns=\"" + BASE + "\" message-id=\"6\"><ok/></rpc-reply>");
            assertTrue(error(w.next(), "malformed-message"));
            r = w.rpc("7", GET_CONFIG);
            assertTrue(r.contains("message-id=\"7\"") && r.contains("<data>"), r);
        }
    }

    /** Old-generation heap use (where G1 puts large arrays), or -1 without such a pool. */
    private static long oldGen() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && (p.getName().contains("Old") || p.getName().contains("Tenured"))) {
                return p.getUsage().getUsed();
            }
        }
        return -1;
    }

    /** Bytes the server thread of a session has allocated so far (HotSpot), or -1. */
    private static long allocatedBy(Wire w) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("netconf-session-" + w.id)
                    && ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean b) {
                return b.getThreadAllocatedBytes(t.getId());
            }
        }
        return -1;
    }

    /** Streams a 100 MB rpc in 1 MiB pieces: chunked (one chunk each) or end-of-message framing. */
    private static void streamHuge(Wire w, boolean chunked) throws IOException {
        byte[] head = ("<rpc xmlns=\"" + BASE + "\" message-id=\"huge\"><get><filter type=\"subtree\"><!--")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = "--></filter></get></rpc>".getBytes(StandardCharsets.UTF_8);
        byte[] block = new byte[1 << 20];
        java.util.Arrays.fill(block, (byte) 'x');
        long left = HUGE - head.length - tail.length;
        List<byte[]> parts = new ArrayList<>();
        parts.add(head);
        while (left > 0) {
            int n = (int) Math.min(block.length, left);
            parts.add(n == block.length ? block : java.util.Arrays.copyOf(block, n));
            left -= n;
        }
        parts.add(tail);
        for (byte[] p : parts) {
            if (chunked) {
                w.out.write(("\n#" + p.length + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            w.out.write(p);
        }
        w.out.write((chunked ? "\n##\n" : "]]>]]>").getBytes(StandardCharsets.US_ASCII));
        w.out.flush();
    }

    @Test
    @Order(5)
    void hugeMessagesAreCutOffWhileACableIsPulled() throws Exception {
        try (Wire chunked = new Wire(); Wire eom = new Wire(); Wire other = new Wire()) {
            chunked.hello(HELLO_11);
            eom.hello(HELLO_10);
            other.hello(HELLO_11);
            long chunkedAllocBefore = allocatedBy(chunked);
            long eomAllocBefore = allocatedBy(eom);
            System.gc();
            long oldBefore = oldGen();
            AtomicLong oldMax = new AtomicLong(oldBefore);
            AtomicBoolean streaming = new AtomicBoolean(true);
            Future<?> sampler = pool.submit(() -> {
                while (streaming.get()) {
                    oldMax.accumulateAndGet(oldGen(), Math::max);
                    Thread.sleep(5);
                }
                return null;
            });
            long t0 = System.nanoTime();
            Future<?> s1 = pool.submit(() -> {
                streamHuge(chunked, true);
                return null;
            });
            Future<?> s2 = pool.submit(() -> {
                streamHuge(eom, false);
                return null;
            });

            // in the middle of it: a cable is pulled; the subscriber hears of it, a get answers
            Thread.sleep(300);
            f.platform().setLink("tst0", false);
            String n = subscriber.await(m -> m.contains("<interface-failed") && m.contains("<interface>tst0</interface>"),
                    10_000);
            assertNotNull(n, "the subscriber got no interface-failed for tst0");
            assertTrue(n.contains(">ipmp:link</detection>"), n);
            String r = other.rpc("get", "<get><filter type=\"subtree\"><ipmp xmlns=\"" + Xml.IPMP + "\"/></filter></get>");
            assertTrue(r != null && r.contains("message-id=\"get\"") && r.contains("<data>"), r);
            subscriber.sendChunked(rpc("sub-get", GET_CONFIG));
            r = subscriber.await(m -> m.contains("message-id=\"sub-get\""), 10_000);
            assertTrue(r != null && r.contains("<data>"), "get on the subscribed session: " + r);
            f.platform().setLink("tst0", true);
            n = subscriber.await(m -> m.contains("<interface-repaired") && m.contains("<interface>tst0</interface>"),
                    10_000);
            assertNotNull(n, "the subscriber got no interface-repaired for tst0");

            s1.get(45, TimeUnit.SECONDS);
            s2.get(45, TimeUnit.SECONDS);
            String tooBig1 = chunked.next(20_000);
            String tooBig2 = eom.next(20_000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            streaming.set(false);
            sampler.get(5, TimeUnit.SECONDS);
            assertTrue(error(tooBig1, "too-big"), "chunked: " + tooBig1);
            assertTrue(error(tooBig2, "too-big"), "end-of-message: " + tooBig2);
            // both sessions carry on
            r = chunked.rpc("after", GET_CONFIG);
            assertTrue(r.contains("message-id=\"after\"") && r.contains("<data>"), r);
            r = eom.rpc("after", GET_CONFIG);
            assertTrue(r.contains("message-id=\"after\"") && r.contains("<data>"), r);
            long grew = oldMax.get() - oldBefore;
            long chunkedAlloc = allocatedBy(chunked) - chunkedAllocBefore;
            long eomAlloc = allocatedBy(eom) - eomAllocBefore;
            System.out.printf("NetconfBadInputTest: 2 x %d MB streamed and cut off in %d ms; the session threads "
                            + "allocated %d MB (chunked) and %d MB (end-of-message), the old generation grew by at most "
                            + "%d MB meanwhile%n", HUGE >> 20, ms, chunkedAlloc >> 20, eomAlloc >> 20, grew >> 20);
            // a message held whole would take 100 MB or more (one array, or a growing buffer's copies)
            if (chunkedAllocBefore >= 0 && eomAllocBefore >= 0) {
                assertTrue(chunkedAlloc < 32L << 20, "the chunked session allocated " + (chunkedAlloc >> 20) + " MB");
                assertTrue(eomAlloc < 32L << 20, "the end-of-message session allocated " + (eomAlloc >> 20) + " MB");
            }
            // (the old generation is only reported: MINA's own buffers make it move by tens of MB)
        }
        awaitServerSessions(1, "after the huge messages only the subscriber is left");
    }

    @Test
    @Order(6)
    void twoHundredConcurrentSessions() throws Exception {
        int open = serverSessions();
        int max = f.server.settings().maxSessions();
        // every one is "loader" (read-write): the limit per user binds before the one in all
        int allowed = Math.min(f.server.settings().maxSessionsPerUser(), max - open);
        int n = 200;
        CountDownLatch decided = new CountDownLatch(n);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger greeted = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService many = Executors.newFixedThreadPool(n);
        List<Future<String>> outcomes = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                final int id = i;
                outcomes.add(many.submit(() -> {
                    boolean counted = false;
                    boolean greetedHere = false;
                    try (Wire w = new Wire()) {
                        Future<byte[]> first = pool.submit(w.reader::next);
                        byte[] hello = first.get(40, TimeUnit.SECONDS);
                        if (hello == null) {
                            decided.countDown();
                            counted = true;
                            Set<ClientChannelEvent> ev = w.channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 10_000);
                            Integer status = w.channel.getExitStatus();
                            return ev.contains(ClientChannelEvent.CLOSED) && status != null && status != 0 ? "refused"
                                    : "refused uncleanly: " + ev + " exit " + status;
                        }
                        w.send(HELLO_11);
                        w.reader.useChunked();
                        greetedHere = true;
                        greeted.incrementAndGet();
                        decided.countDown();
                        counted = true;
                        if (!release.await(60, TimeUnit.SECONDS)) {
                            return "never released";
                        }
                        String r = w.rpc("c" + id, GET_CONFIG);
                        if (r == null || !r.contains("<data>")) {
                            return "accepted but no data: " + r;
                        }
                        r = w.rpc("bye", "<close-session/>");
                        if (r == null || !r.contains("<ok/>")) {
                            return "close-session: " + r;
                        }
                        return w.next() == null ? "worked" : "not closed after close-session";
                    } catch (Exception e) {
                        // Without a hello the session was not admitted, whether the refusal came as
                        // the channel's exit status or, on a loaded machine, as a reset or closed
                        // connection: which error the client sees is the network's business.
                        return greetedHere ? "failed after its hello: " + e : "refused";
                    } finally {
                        if (!counted) {
                            decided.countDown();
                        }
                    }
                }));
            }
            assertTrue(decided.await(60, TimeUnit.SECONDS), "not every session was accepted or refused in time");
            Await.until("the server to see the hellos", () -> serverSessions() - open >= greeted.get());
            int accepted = serverSessions() - open;
            release.countDown();
            Map<String, Integer> count = new TreeMap<>();
            for (Future<String> o : outcomes) {
                count.merge(o.get(60, TimeUnit.SECONDS), 1, Integer::sum);
            }
            System.out.println("NetconfBadInputTest: 200 concurrent sessions (netconf.max-sessions " + max + ", "
                    + "per user " + f.server.settings().maxSessionsPerUser() + ", " + open + " open before): " + count);
            assertEquals(allowed, accepted, "sessions the server accepted: " + count);
            assertEquals(Map.of("worked", allowed, "refused", n - allowed), count);
        } finally {
            release.countDown();
            many.shutdownNow();
        }
        awaitServerSessions(open, "after the 200 sessions");
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("(netconf.max-sessions")), "refusals are logged");
        // and a normal session works
        try (Wire w = new Wire()) {
            w.hello(HELLO_11);
            assertTrue(w.rpc("1", GET_CONFIG).contains("<data>"));
        }
    }

    @Test
    @Order(7)
    void badPasswordsThenTheRightOne() throws Exception {
        for (String pw : new String[] {"wrong", "admin-secret-", " ", NetconfFixture.ADMIN_PW + "x",
            NetconfFixture.VIEWER_PW}) {
            IOException e = assertThrows(IOException.class, () -> new Wire("admin", pw).close(), "password " + pw);
            assertTrue(e.getMessage() != null, e.toString());
        }
        assertThrows(IOException.class, () -> new Wire("nobody", "wrong").close(), "unknown user");
        // several wrong ones in one connection, then the right one: accepted (under MaxAuthTries)
        try (ClientSession s = client.connect("admin", "127.0.0.1", f.port()).verify(20_000).getSession()) {
            for (String pw : new String[] {"bad-1", "bad-2", "bad-3", NetconfFixture.ADMIN_PW}) {
                s.addPasswordIdentity(pw);
            }
            s.auth().verify(30_000);
            assertTrue(s.isAuthenticated());
        }
        long failures = f.logged.stream().filter(l -> l.contains("password authentication failed for admin")).count();
        assertTrue(failures >= 8, "logged failures: " + failures);
        try (Wire w = new Wire("admin", NetconfFixture.ADMIN_PW)) {
            w.hello(HELLO_11);
            assertTrue(w.rpc("1", GET_CONFIG).contains("<data>"));
        }
    }

    @Test
    @Order(8)
    void nothingChangedAndTheSubscriberStillWorks() throws Exception {
        subscriber.sendChunked(rpc("last", "<get><filter type=\"subtree\"><ipmp xmlns=\"" + Xml.IPMP + "\"/></filter></get>"));
        String r = subscriber.await(m -> m.contains("message-id=\"last\""), 10_000);
        assertTrue(r != null && r.contains("<data>"), "get on the subscribed session: " + r);
        f.awaitProbesOk();
        Map<String, byte[]> after = configFiles();
        assertEquals(filesBefore.keySet(), after.keySet(), "files of the configuration directory");
        for (Map.Entry<String, byte[]> e : filesBefore.entrySet()) {
            assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " changed");
        }
        assertEquals(configBefore, engineConfig(), "the engine's configuration");
        assertEquals(1, serverSessions(), "only the subscriber is left");
        subscriber.sendChunked(rpc("end", "<close-session/>"));
        r = subscriber.await(m -> m.contains("message-id=\"end\""), 10_000);
        assertTrue(r != null && r.contains("<ok/>"), r);
        awaitServerSessions(0, "after close-session");
    }
}
