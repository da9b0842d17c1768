package ipmpd.agent.netconf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A NACM-denied write seen by another client than ours: yuma123's yangcli (Debian package
 * yangcli) as a user whose group may change the configuration except the failure detection time.
 * The access control comes from a netconf-acm.xml written by hand before the start.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NacmYangcliTest {
    private static final Path YANGCLI = Path.of("/usr/bin/yangcli");
    private NetconfFixture f;

    private static final String ACM = "<nacm xmlns=\"" + NacmConfig.NS + "\">\n"
            + "  <enable-external-groups>false</enable-external-groups>\n"
            + "  <groups>\n"
            + "    <group><name>admin</name><user-name>admin</user-name></group>\n"
            + "    <group><name>operators</name><user-name>viewer</user-name></group>\n"
            + "  </groups>\n"
            + "  <rule-list><name>admin</name><group>admin</group>\n"
            + "    <rule><name>all</name><access-operations>*</access-operations><action>permit</action></rule>\n"
            + "  </rule-list>\n"
            + "  <rule-list><name>operators</name><group>operators</group>\n"
            + "    <rule><name>fixed-fdt</name><module-name>ipmpd-ipmp</module-name>\n"
            + "      <path xmlns:ipmp=\"" + Xml.IPMP + "\">/ipmp:ipmp/ipmp:failure-detection-time</path>\n"
            + "      <access-operations>create update delete</access-operations><action>deny</action></rule>\n"
            + "    <rule><name>rest</name><access-operations>*</access-operations><action>permit</action></rule>\n"
            + "  </rule-list>\n"
            + "</nacm>\n";

    @BeforeAll
    static void tool() {
        assumeTrue(Files.isExecutable(YANGCLI), "no yangcli (apt-get install yangcli)");
    }

    @AfterEach
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private String yangcli(String user, String password, String script) throws Exception {
        Path home = f.work.resolve("yangcli-" + user);
        Files.createDirectories(home);
        Path file = f.work.resolve(user + ".yangcli");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(List.of(YANGCLI.toString(), "--server=127.0.0.1",
                "--ncport=" + f.port(), "--user=" + user, "--password=" + password, "--batch-mode",
                "--run-script=" + file, "--autoload=true", "--home=" + home, "--yuma-home=" + home,
                "--log-level=info", "--display-mode=xml")).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String text = new String(out, StandardCharsets.UTF_8);
        Files.writeString(f.work.resolve(user + ".out"), text);
        return text;
    }

    @Test
    void aDeniedWriteIsReportedAndChangesNothing() throws Exception {
        f = NetconfFixture.start(s -> s, Map.of(Nacm.FILE, ACM));
        String out = yangcli("viewer", NetconfFixture.VIEWER_PW,
                "merge /ipmp/failure-detection-time value=900\n");
        assertTrue(out.contains("NETCONF session established for viewer"), out);
        assertTrue(out.contains("access-denied"), out);
        assertTrue(out.contains("/ipmp:ipmp/ipmp:failure-detection-time"), "the error-path names the node: " + out);
        assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=700"), f.read("mpathd"));
        assertEquals(ACM, f.read(Nacm.FILE), "the hand-written file is read as it is");

        // what the group may change goes through (candidate, then commit)
        out = yangcli("viewer", NetconfFixture.VIEWER_PW, "merge /ipmp/failback value=false\ncommit\n");
        assertFalse(out.contains("access-denied"), out);
        assertTrue(f.read("mpathd").contains("FAILBACK=no"), out + "\n" + f.read("mpathd"));
    }
}
