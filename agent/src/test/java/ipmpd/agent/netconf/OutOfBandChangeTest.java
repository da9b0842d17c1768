package ipmpd.agent.netconf;

import ipmpd.agent.cli.ClientMain;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A commit from a candidate edited before an out-of-band change (here ipmpadm) to a node would
 * undo that change: it is refused with an rpc-error that names the node; a candidate edited
 * afterwards commits and keeps the change.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutOfBandChangeTest {
    private static String rpc(String id, String body) {
        return "<rpc xmlns=\"" + Xml.BASE + "\" message-id=\"" + id + "\">" + body + "</rpc>]]>]]>";
    }

    private static final String EDIT_FDT = "<edit-config><target><candidate/></target><config><ipmp xmlns=\""
            + Xml.IPMP + "\"><failure-detection-time>900</failure-detection-time></ipmp></config></edit-config>";

    private static int ipmpadm(NetconfFixture f, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            return ClientMain.run("ipmpadm", args, f.socket, o, o);
        }
    }

    @Test
    void aCommitThatWouldUndoAnIpmpadmChangeIsRefused() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (NetconfFixture f = NetconfFixture.start();
             RawNetconfSession w = new RawNetconfSession(client, f.port(), "admin",
                     s -> s.addPasswordIdentity(NetconfFixture.ADMIN_PW), "netconf", pool)) {
            f.awaitProbesOk();
            w.hello(RawNetconfSession.HELLO_10);
            w.send(rpc("1", EDIT_FDT));
            assertTrue(w.next().contains("<ok/>"));
            assertEquals(0, ipmpadm(f, "tst1", "standby"), "ipmpadm tst1 standby");
            w.send(rpc("2", "<commit/>"));
            String refused = w.next();
            assertTrue(refused.contains("rpc-error") && refused.contains("member tst1") && refused.contains("standby"),
                    refused);
            assertTrue(f.read("hostname.tst1").contains("standby"), "ipmpadm's change is in the files");
            assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=700"), "nothing committed");
            w.send(rpc("3", "<discard-changes/>"));
            assertTrue(w.next().contains("<ok/>"));
            w.send(rpc("4", EDIT_FDT));
            assertTrue(w.next().contains("<ok/>"));
            w.send(rpc("5", "<commit/>"));
            String ok = w.next();
            assertTrue(ok.contains("<ok/>"), ok);
            assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=900"));
            assertTrue(f.read("hostname.tst1").contains("standby"), "the commit kept ipmpadm's change");
            // an out-of-band change to another node than those the candidate holds differently does not stop a commit
            w.send(rpc("6", EDIT_FDT.replace("900", "1100")));
            assertTrue(w.next().contains("<ok/>"));
            assertEquals(0, ipmpadm(f, "tst1", "-standby"));
            assertEquals(0, ipmpadm(f, "tst1", "standby"));
            w.send(rpc("7", "<commit/>"));
            ok = w.next();
            assertTrue(ok.contains("<ok/>"), ok);
            assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=1100"));
            assertTrue(f.read("hostname.tst1").contains("standby"));
        } finally {
            client.stop();
            pool.shutdownNow();
        }
    }
}
