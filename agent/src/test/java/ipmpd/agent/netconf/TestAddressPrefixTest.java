package ipmpd.agent.netconf;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state shows a test address with the prefix length it is plumbed with (a /25 is not a bare address). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestAddressPrefixTest {
    @Test
    void testAddressPrefixLengthIsInTheState() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (NetconfFixture f = NetconfFixture.start(s -> s, Map.of("hostname.tst0",
                "192.0.2.10/24 group g0 up\naddif 192.0.2.11/25 deprecated -failover up\n"))) {
            f.awaitProbesOk();
            try (RawNetconfSession w = new RawNetconfSession(client, f.port(), "admin",
                    s -> s.addPasswordIdentity(NetconfFixture.ADMIN_PW), "netconf", pool)) {
                w.hello(RawNetconfSession.HELLO_11);
                String r = w.rpc("1", "<get><filter type=\"subtree\"><interfaces xmlns=\"" + Xml.IF + "\"><interface>"
                        + "<name/><ipmp xmlns=\"" + Xml.IPMP + "\"><address-family/></ipmp></interface></interfaces>"
                        + "</filter></get>");
                assertEquals("25", prefixOf(r, "tst0"), r);
                assertEquals("24", prefixOf(r, "tst1"), r);
            }
        } finally {
            client.stop();
            pool.shutdownNow();
        }
    }

    private static String prefixOf(String reply, String member) {
        Matcher m = Pattern.compile("<interface><name>" + member + "</name>.*?<test-address-prefix-length>(\\d+)<")
                .matcher(reply);
        assertTrue(m.find(), member + " has no test-address-prefix-length: " + reply);
        return m.group(1);
    }
}
