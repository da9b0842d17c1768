package ipmpd.agent.netconf;

import ipmpd.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * New IPMP over real NETCONF (ncclient, new_ipmp.py; every reply checked with yanglint): a group
 * with its IPMP interface created from scratch lands in the engine and in the configuration files
 * (hostname.ipmp0 with "ipmp group prod ADDR up"), its per-address inbound and outbound members
 * are read back from the operational datastore, a member failure moves the inbound member, bad
 * edits change nothing, and deleting the group unplumbs the IPMP interface and removes its files.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class NetconfNewIpmpTest {
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

    @Test
    void newIpmpGroupFromScratchRebindsOnFailureAndIsDeleted() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        NetconfFixture.Run r = f.python("new_ipmp.py", 120, line -> {
            switch (line) {
                case "PROVISIONED" -> {
                    seen.put("ipmpstat -a", String.join("\n", f.ipmpstat("-a", "ADDRESS,GROUP,INBOUND,OUTBOUND")));
                    seen.put("ipmpstat -g", String.join("\n", f.ipmpstat("-g", "GROUP,GROUPNAME,STATE")));
                    seen.put("kernel", String.valueOf(f.platform().kernel()));
                    for (String file : List.of("hostname.ipmp0", "hostname.tst2", "hostname.tst3", "ipmp.conf")) {
                        seen.put(file, readOrAbsent(file));
                    }
                    f.platform().setLink("tst2", false);
                }
                case "DELETED" -> {
                    seen.put("after hostname.ipmp0", readOrAbsent("hostname.ipmp0"));
                    seen.put("after kernel", String.valueOf(f.platform().kernel()));
                }
                default -> {
                    if (line.startsWith("REBOUND")) {
                        f.platform().setLink("tst2", true);
                    }
                }
            }
        });
        assertEquals(0, r.exit(), "script failed:\n" + r.err() + "\nstdout: " + r.out());
        assertTrue(r.out().contains("OK"), "no OK: " + r.out() + "\n" + r.err());

        // what the commit made: the engine runs ipmp0 with its members, the addresses on its device
        String addrs = seen.get("ipmpstat -a");
        assertTrue(addrs.contains("198.51.100.50:ipmp0:") && addrs.contains("198.51.100.51:ipmp0:"), addrs);
        assertTrue(seen.get("ipmpstat -g").contains("ipmp0:prod:ok"), seen.get("ipmpstat -g"));
        assertTrue(seen.get("kernel").contains("ipmp0=[198.51.100.50/24, 198.51.100.51/24]"), seen.get("kernel"));
        assertFalse(seen.get("kernel").contains("tst2=[198.51.100.5"), "members hold no data: " + seen.get("kernel"));
        // ... in one commit of the configuration directory, as boot files in the tutorial's syntax
        assertEquals("ipmp group prod 198.51.100.50/24 up\naddif 198.51.100.51/24 up\n", seen.get("hostname.ipmp0"));
        assertEquals("group prod up\n", seen.get("hostname.tst2"));
        assertEquals("group prod up\n", seen.get("hostname.tst3"));
        assertTrue(seen.get("ipmp.conf").contains("group prod"), seen.get("ipmp.conf"));
        // the failure moved the inbound member (the script saw it; the engine agrees once repaired)
        assertTrue(r.out().stream().anyMatch(l -> l.startsWith("REBOUND ")), r.out().toString());

        // deleted: no IPMP interface in the engine, its file and its addresses gone
        assertEquals("absent", seen.get("after hostname.ipmp0"));
        assertFalse(seen.get("after kernel").contains("ipmp0=["), seen.get("after kernel"));
        Await.until("group prod gone", () -> f.ipmpstat("-g", "GROUPNAME").equals(List.of("g0")));
        assertFalse(Files.exists(f.configDir.resolve("hostname.ipmp0")));
        assertTrue(Set.of("g0").containsAll(f.ipmpstat("-a", "GROUP")), f.ipmpstat("-a", "ADDRESS,GROUP").toString());
    }

    /**
     * The other way: the tutorial's boot files (as an administrator or an earlier commit wrote them)
     * read back over NETCONF as the same configuration, and a commit of something else keeps them.
     */
    @Test
    void bootFilesOfANewIpmpGroupAreItsNetconfConfigurationAndSurviveOtherCommits() throws Exception {
        f.close();
        String ipmp0 = "ipmp group prod 198.51.100.50/24 up\naddif 198.51.100.51/24 up\n";
        f = NetconfFixture.start(s -> s, Map.of("hostname.ipmp0", ipmp0, "hostname.tst2", "group prod up\n",
                "hostname.tst3", "group prod up\n"));
        Await.until("ipmp0 bound", () -> f.ipmpstat("-a", "ADDRESS,GROUP").contains("198.51.100.51:ipmp0"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        org.apache.sshd.client.SshClient client = org.apache.sshd.client.SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (RawNetconfSession w = new RawNetconfSession(client, f.port(), "admin",
                s -> s.addPasswordIdentity(NetconfFixture.ADMIN_PW), "netconf", pool)) {
            w.hello(RawNetconfSession.HELLO_10);
            String running = w.rpc("1", "<get-config><source><running/></source></get-config>");
            assertTrue(running.contains("<interface><name>ipmp0</name><type xmlns:ipmp=\"" + Xml.IPMP
                    + "\">ipmp:ipmp</type>"), running);
            assertTrue(running.contains("<group><name>prod</name><ipmp-interface>ipmp0</ipmp-interface><data-address>"
                    + "<address>198.51.100.50</address><prefix-length>24</prefix-length></data-address>"
                    + "<data-address><address>198.51.100.51</address><prefix-length>24</prefix-length>"
                    + "</data-address></group>"), running);
            String edit = w.rpc("2", "<edit-config><target><running/></target><config><ipmp xmlns=\"" + Xml.IPMP
                    + "\"><failure-detection-time>900</failure-detection-time></ipmp></config></edit-config>");
            assertTrue(edit.contains("<ok/>"), edit);
        } finally {
            client.stop();
            pool.shutdownNow();
        }
        assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=900"), f.read("mpathd"));
        assertEquals(ipmp0, f.read("hostname.ipmp0"));
        assertEquals("group prod up\n", f.read("hostname.tst2"));
        assertTrue(f.ipmpstat("-a", "ADDRESS,GROUP").contains("198.51.100.50:ipmp0"));
    }

    private String readOrAbsent(String name) {
        try {
            return Files.exists(f.configDir.resolve(name)) ? f.read(name) : "absent";
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
