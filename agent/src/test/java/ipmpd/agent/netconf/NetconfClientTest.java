package ipmpd.agent.netconf;

import ipmpd.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server against the real client: ncclient (/usr/bin/python3) scripts under
 * src/test/resources/netconf/, each reply, data set and notification checked with yanglint
 * against yang/ipmpd-ipmp.yang.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class NetconfClientTest {
    private NetconfFixture f;

    @BeforeAll
    static void tools() {
        NetconfFixture.assumeNcclientAndYanglint();
    }

    @BeforeEach
    void start() throws Exception {
        f = NetconfFixture.start();
        f.awaitProbesOk();
    }

    @AfterEach
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private static void assertOk(NetconfFixture.Run r) {
        assertEquals(0, r.exit(), "script failed:\n" + r.err() + "\nstdout: " + r.out());
        assertTrue(r.out().contains("OK"), "no OK: " + r.out() + "\n" + r.err());
    }

    private static List<String> prefixed(List<String> lines, String prefix) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                out.add(l.substring(prefix.length()));
            }
        }
        Collections.sort(out);
        return out;
    }

    private static List<String> sorted(List<String> l) {
        List<String> out = new ArrayList<>(l);
        Collections.sort(out);
        return out;
    }

    @Test
    void helloGetAndSchemaMatchIpmpstat() throws Exception {
        // The state may change between two reads (on a loaded machine slow replies make the engine
        // raise the FDT): compare only a NETCONF get that ipmpstat read the same before and after.
        for (int attempt = 1; ; attempt++) {
            List<String> ifs = sorted(f.ipmpstat("-i", "INTERFACE,ACTIVE,GROUP,LINK,PROBE,STATE"));
            List<String> groups = sorted(f.ipmpstat("-g", "GROUPNAME,STATE,FDT"));
            List<String> addrs = sorted(f.ipmpstat("-a", "ADDRESS,STATE,GROUP,INBOUND"));
            NetconfFixture.Run r = f.python("hello_get.py", 120, null);
            assertOk(r);
            boolean steady = ifs.equals(sorted(f.ipmpstat("-i", "INTERFACE,ACTIVE,GROUP,LINK,PROBE,STATE")))
                    && groups.equals(sorted(f.ipmpstat("-g", "GROUPNAME,STATE,FDT")))
                    && addrs.equals(sorted(f.ipmpstat("-a", "ADDRESS,STATE,GROUP,INBOUND")));
            if (!steady && attempt < 5) {
                continue;
            }
            assertEquals(ifs, prefixed(r.out(), "IF "));
            List<String> g = new ArrayList<>();
            for (String l : prefixed(r.out(), "GROUP ")) {
                String[] p = l.split(":");
                g.add(p[0] + ":" + p[1] + ":" + String.format("%.2fs", Long.parseLong(p[2]) / 1000.0));
            }
            assertEquals(groups, g);
            assertEquals(addrs, prefixed(r.out(), "ADDR "));
            // flags: the module's lower-case Linux bit names; "running" exactly when the link is up
            Map<String, String> link = new HashMap<>();
            for (String l : ifs) {
                String[] p = l.split(":");
                link.put(p[0], p[3]);
            }
            List<String> flags = prefixed(r.out(), "FLAGS ");
            assertEquals(ifs.size(), flags.size(), "one FLAGS line per member: " + flags);
            for (String l : flags) {
                String name = l.substring(0, l.indexOf(':'));
                List<String> bits = List.of(l.substring(l.indexOf(':') + 1).split(" "));
                assertTrue(bits.stream().allMatch(b -> b.matches("[a-z0-9-]+")), "lower-case bit names: " + l);
                assertEquals("up".equals(link.get(name)), bits.contains("running"), "running vs LINK: " + l);
                assertTrue(bits.contains("ipv4"), "plumbed for IPv4: " + l);
            }
            return;
        }
    }

    @Test
    void candidateCommitProvisionsTheEngineAndTheFiles() throws Exception {
        NetconfFixture.Run r = f.python("provision.py", 50, null);
        assertOk(r);
        // the engine runs the new group: tst2 active, tst3 an idle standby, probing from the test addresses
        Await.until("group g1 ok", () -> f.ipmpstat("-g", "GROUPNAME,STATE,INTERFACES")
                .contains("g1:ok:tst2 (tst3)"));
        assertTrue(f.ipmpstat("-i", "INTERFACE,GROUP,FLAGS").contains("tst3:g1:is-----"), "tst3 standby");
        assertTrue(f.ipmpstat("-a", "ADDRESS,GROUP,INBOUND").contains("198.51.100.50:g1:tst2"));
        assertTrue(f.platform().kernel().get("tst2").contains("198.51.100.50/24"), f.platform().kernel().toString());
        // test addresses plumbed with the prefix length given (tst2) or taken from the data address's subnet (tst3)
        assertTrue(f.platform().kernel().get("tst2").contains("198.51.100.12/25"), f.platform().kernel().toString());
        assertTrue(f.platform().kernel().get("tst3").contains("198.51.100.13/24"), f.platform().kernel().toString());
        // and the configuration directory says the same (ConfigStore wrote it)
        String h2 = f.read("hostname.tst2");
        assertTrue(h2.contains("group g1") && h2.contains("198.51.100.50") && h2.contains("198.51.100.12"), h2);
        assertTrue(f.read("hostname.tst3").contains("standby"), f.read("hostname.tst3"));
        assertTrue(f.read("ipmp.conf").contains("targets g1 198.51.100.1"), f.read("ipmp.conf"));
        assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=700"), f.read("mpathd"));
    }

    @Test
    void provisionedMemberFailsIsAccountedAndIsTakenOfflineByAction() throws Exception {
        NetconfFixture.Run r = f.python("member_actions.py", 90, line -> {
            if (line.equals("PROVISIONED")) {
                f.platform().setLink("tst2", false);
            } else if (line.equals("FAILURE_SEEN")) {
                f.platform().setLink("tst2", true);
            }
        });
        assertOk(r);
        // the engine agrees after the undo-offline: both members work
        Await.until("g1 ok with both members", () -> f.ipmpstat("-i", "INTERFACE,GROUP,STATE")
                .containsAll(List.of("tst2:g1:ok", "tst3:g1:ok")));
    }

    @Test
    void confirmedCommitRollsBackWithoutConfirmation() throws Exception {
        NetconfFixture.Run r = f.python("confirmed.py", 50, null);
        assertOk(r);
        assertTrue(r.out().stream().anyMatch(l -> l.startsWith("ROLLEDBACK ")), r.out().toString());
        assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=700"), f.read("mpathd"));
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("not confirmed in time")), f.logged.toString());
    }

    @Test
    void rolesPasswordsKeysLocksAndOffline() throws Exception {
        NetconfFixture.Run r = f.python("access.py", 50, null, "--users",
                f.configDir.resolve("netconf-users").toString());
        assertOk(r);
        // offline at run time never reached ipmp.conf (access.py saw the configured one there)
        assertFalse(f.read("ipmp.conf").lines().anyMatch(l -> l.startsWith("offline ")), f.read("ipmp.conf"));
        assertTrue(f.logged.stream().anyMatch(l -> l.contains("password authentication failed for admin")),
                f.logged.toString());
        // the offline was undone: both members work again
        f.awaitProbesOk();
    }

    @Test
    void withDefaultsEveryModeOnRunningCandidateAndGet() throws Exception {
        assertOk(f.python("with_defaults.py", 50, null));
    }

    @Test
    void getDataOfRunningCandidateAndOperational() throws Exception {
        assertOk(f.python("nmda.py", 50, null));
    }

    @Test
    void baseNotificationsStreamsAndReplay() throws Exception {
        assertOk(f.python("base_notifications.py", 55, null));
    }

    @Test
    void xpathFilters() throws Exception {
        assertOk(f.python("xpath.py", 50, null));
    }

    @Test
    void subscriptionsReceiveLinkFailureAndAddressMove() throws Exception {
        NetconfFixture.Run r = f.python("notify.py", 40, line -> {
            if (line.equals("SUBSCRIBED")) {
                f.platform().setLink("tst0", false);
            }
        });
        assertOk(r);
    }
}
