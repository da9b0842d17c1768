package ipmpd.agent.netconf;

import ipmpd.testkit.Await;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits that protect operators: sessions per user and a share kept for read-write users, failed
 * password logins delayed and limited per source address, the idle timeout.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OperatorLimitsTest {
    private static final String GET_CONFIG = "<get-config><source><running/></source></get-config>";
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "limits-test");
        t.setDaemon(true);
        return t;
    });
    private final List<RawNetconfSession> open = new ArrayList<>();
    private NetconfFixture f;
    private SshClient client;
    private KeyPair key;

    private void start(UnaryOperator<NetconfSettings> tune) throws Exception {
        f = NetconfFixture.start(tune);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        key = g.generateKeyPair();
        // a second read-only user and a read-write one, both with the same key (cheap logins)
        String pub = PublicKeyEntry.toString(key.getPublic());
        Files.writeString(f.configDir.resolve("netconf-users"), "reader read-only key " + pub + "\n"
                + "keyadmin read-write key " + pub + "\n", StandardOpenOption.APPEND);
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (RawNetconfSession s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
        if (client != null) {
            client.stop();
        }
        if (f != null) {
            f.close();
        }
        pool.shutdownNow();
    }

    private RawNetconfSession connect(String user, Consumer<ClientSession> identity) throws IOException {
        RawNetconfSession s = new RawNetconfSession(client, f.port(), user, identity, "netconf", pool);
        open.add(s);
        return s;
    }

    private RawNetconfSession withPassword(String user, String pw) throws IOException {
        return connect(user, s -> s.addPasswordIdentity(pw));
    }

    private RawNetconfSession withKey(String user) throws IOException {
        return connect(user, s -> s.addPublicKeyIdentity(key));
    }

    /** Completes the hello and checks the session answers; false when the server refused the session. */
    private static boolean works(RawNetconfSession s) throws Exception {
        String h = s.next(20_000);
        if (h == null) {
            return false;
        }
        s.send(RawNetconfSession.HELLO_11);
        s.reader.useChunked();
        String r = s.rpc("1", GET_CONFIG);
        assertTrue(r != null && r.contains("<data>"), "reply: " + r);
        return true;
    }

    private boolean logged(String part) {
        return f.logged.stream().anyMatch(l -> l.contains(part));
    }

    @Test
    void readOnlySessionsLeaveRoomForAReadWriteUser() throws Exception {
        // 5 in all, 3 per user, 2 kept for read-write users: read-only users get 3 at most
        start(s -> s.withSessionLimits(5, 3, 2));
        for (int i = 0; i < 3; i++) {
            assertTrue(works(withPassword("viewer", NetconfFixture.VIEWER_PW)), "viewer session " + i);
        }
        assertFalse(works(withPassword("viewer", NetconfFixture.VIEWER_PW)), "a 4th viewer session (3 per user)");
        assertTrue(logged("viewer has 3 sessions open (netconf.max-sessions-per-user)"), f.logged.toString());
        assertFalse(works(withKey("reader")), "another read-only user: the rest is kept for read-write users");
        assertTrue(logged("netconf.reserved-write-sessions"), f.logged.toString());
        assertTrue(works(withPassword("admin", NetconfFixture.ADMIN_PW)), "admin gets in");
        assertTrue(works(withKey("keyadmin")), "a second read-write user gets in");
        assertFalse(works(withKey("keyadmin")), "beyond netconf.max-sessions");
        assertTrue(logged("5 sessions are open (netconf.max-sessions)"), f.logged.toString());
        assertEquals(5, f.server.sessionInfos().size());
    }

    @Test
    void failedPasswordsAreDelayedAndLimitedPerSource() throws Exception {
        start(s -> s.withLoginLimits(Duration.ofSeconds(1), 3));
        long checks0 = f.server.users().passwordChecks();
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            assertThrows(IOException.class, () -> withPassword("admin", "wrong"), "wrong password " + i);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 1000, "a wrong password was answered after " + ms + " ms, not after the delay");
        }
        assertEquals(3, f.server.users().passwordChecks() - checks0, "each wrong password checked once");
        assertTrue(logged("3 failed logins from 127.0.0.1 within a minute"), f.logged.toString());
        // from now on for a minute, passwords from this address are refused without a PBKDF2
        long t0 = System.nanoTime();
        assertThrows(IOException.class, () -> withPassword("admin", "wrong again"));
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 1000, "the refusal is delayed as well");
        assertThrows(IOException.class, () -> withPassword("admin", NetconfFixture.ADMIN_PW),
                "even the right password, for the rest of the minute");
        assertEquals(3, f.server.users().passwordChecks() - checks0, "nothing more was checked");
        // a key still gets in (public keys cost no PBKDF2 and cannot be guessed)
        assertTrue(works(withKey("keyadmin")), "key login while passwords are limited");
    }

    @Test
    void passwordsAreCheckedOffMinasThreads() throws Exception {
        // several connections trying at once: one login thread does the PBKDF2s, the right one gets in
        start(s -> s.withLoginLimits(Duration.ZERO, 0));
        List<java.util.concurrent.Future<Boolean>> tries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            final String pw = i == 5 ? NetconfFixture.ADMIN_PW : "wrong-" + i;
            tries.add(pool.submit(() -> {
                try {
                    withPassword("admin", pw);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }));
        }
        int ok = 0;
        for (java.util.concurrent.Future<Boolean> t : tries) {
            ok += t.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertEquals(1, ok);
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("netconf-login")),
                "the login thread");
    }

    /**
     * Not a test: measures what a password-guessing client costs the server (its SSH threads and
     * the login thread) with the default limits. Run with
     * {@code mvn -pl agent -am test -Dtest=OperatorLimitsTest#loginFlood -Dipmpd.loginFlood=20}.
     */
    @Test
    void loginFlood() throws Exception {
        int seconds = Integer.getInteger("ipmpd.loginFlood", 0);
        org.junit.jupiter.api.Assumptions.assumeTrue(seconds > 0, "a measurement: -Dipmpd.loginFlood=SECONDS");
        boolean unlimited = Boolean.getBoolean("ipmpd.loginFloodUnlimited");
        start(s -> unlimited ? s.withLoginLimits(Duration.ZERO, 0) : s);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.function.ToLongFunction<String> cpu = prefix -> {
            long ns = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith(prefix)) {
                    ns += Math.max(0, mx.getThreadCpuTime(t.getId()));
                }
            }
            return ns;
        };
        long checks0 = f.server.users().passwordChecks();
        long server0 = cpu.applyAsLong("sshd-SshServer") + cpu.applyAsLong("netconf-login");
        java.util.concurrent.atomic.AtomicLong attempts = new java.util.concurrent.atomic.AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<java.util.concurrent.Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            loops.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try (ClientSession cs = client.connect("admin", "127.0.0.1", f.port()).verify(20_000)
                            .getSession()) {
                        cs.addPasswordIdentity("guess-" + attempts.incrementAndGet());
                        cs.auth().verify(30_000);
                    } catch (IOException | RuntimeException e) {
                        // refused, as expected
                    }
                }
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> l : loops) {
            l.get(seconds + 60L, TimeUnit.SECONDS);
        }
        long serverNs = cpu.applyAsLong("sshd-SshServer") + cpu.applyAsLong("netconf-login") - server0;
        System.out.printf("loginFlood (%s): %d s, 8 clients: %d wrong passwords tried, %d checked (PBKDF2), "
                        + "server SSH and login threads used %.1f%% of a core%n", unlimited ? "no delay, no limit" : "defaults",
                seconds, attempts.get(),
                f.server.users().passwordChecks() - checks0, 100.0 * serverNs / (seconds * 1e9));
    }

    @Test
    void idleSessionsAreClosedSubscribedOnesAreNot() throws Exception {
        start(s -> s.withIdleTimeout(Duration.ofSeconds(2)));
        RawNetconfSession subscribed = withKey("keyadmin");
        subscribed.hello(RawNetconfSession.HELLO_11);
        String r = subscribed.rpc("s", "<create-subscription xmlns=\"" + Xml.NOTIF + "\"/>");
        assertTrue(r != null && r.contains("<ok/>"), r);
        RawNetconfSession idle = withKey("keyadmin");
        idle.hello(RawNetconfSession.HELLO_11);
        assertNotNull(idle.rpc("1", GET_CONFIG));
        assertNull(idle.next(30_000), "the idle session must be closed");
        Await.until("the idle close logged", () -> logged("closing idle session " + idle.id));
        // the subscribed one, idle as long, still answers
        subscribed.pump();
        subscribed.sendChunked("<rpc xmlns=\"" + Xml.BASE + "\" message-id=\"after\">" + GET_CONFIG + "</rpc>");
        r = subscribed.await(m -> m.contains("message-id=\"after\""), 10_000);
        assertTrue(r != null && r.contains("<data>"), "subscribed session: " + r);
    }
}
