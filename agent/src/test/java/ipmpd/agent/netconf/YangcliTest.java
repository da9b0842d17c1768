package ipmpd.agent.netconf;

import ipmpd.testkit.Await;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A client other than ncclient: yuma123's yangcli (Debian package yangcli), which is a YANG 1.0
 * tool. In batch mode with a script it says hello, downloads the modules it lacks from the server
 * (get-schema, auto-load: ipmpd and ietf-interfaces must compile in it), runs a get, and provisions
 * a group with its members through the interface tree.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class YangcliTest {
    private static final Path YANGCLI = Path.of("/usr/bin/yangcli");
    private NetconfFixture f;

    @BeforeAll
    static void tool() {
        assumeTrue(Files.isExecutable(YANGCLI), "no yangcli (apt-get install yangcli)");
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

    record Run(int exit, String out) {
    }

    /** yangcli in batch mode, its home in the test's work directory (no ~/.yuma of the user's). */
    private Run yangcli(String script) throws Exception {
        Path home = f.work.resolve("yangcli-home");
        Files.createDirectories(home);
        Path file = f.work.resolve("script.yangcli");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(YANGCLI.toString(), "--server=127.0.0.1",
                "--ncport=" + f.port(), "--user=admin", "--password=" + NetconfFixture.ADMIN_PW,
                "--batch-mode", "--run-script=" + file, "--autoload=true", "--home=" + home,
                "--yuma-home=" + home, "--log-level=info", "--display-mode=xml"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String text = new String(out, StandardCharsets.UTF_8);
        Files.writeString(f.work.resolve("yangcli.out"), text);
        return new Run(done ? p.exitValue() : -1, text);
    }

    @Test
    void helloGetSchemaAutoloadAndGet() throws Exception {
        String version = YangSchema.load(NetconfFixture.YANG).modules().stream()
                .filter(m -> m.name().equals("ipmpd-ipmp")).findFirst().orElseThrow().revision();
        Run r = yangcli("get-schema identifier=ipmpd-ipmp version=" + version + " format=yang\n"
                + "sget /ipmp/group\n" + "sget /interfaces\n");
        String out = r.out();
        assertEquals(0, r.exit(), out);
        assertTrue(out.contains("NETCONF session established for admin"), out);
        // yangcli compiled the module it downloaded (a YANG 1.0 tool: no 'modifier invert-match')
        assertFalse(out.contains("Error:") || out.contains("error("), out);
        assertTrue(out.contains("Default with-defaults behavior: report-all"), out);
        // the get-schema reply carries the module text, the gets the group and its members' state in the
        // interface tree
        assertTrue(out.contains("module ipmpd-ipmp {"), out);
        assertTrue(out.contains("<name>g0</name>") && out.contains("<group>g0</group>")
                && out.contains("<link-state>up</link-state>"), out);
    }

    @Test
    void provisionsAGroupThroughTheInterfaceTree() throws Exception {
        Run r = yangcli("create /ipmp/group -- name=g1\n"
                + "create /interfaces/interface -- name=tst2 type=ethernetCsmacd\n"
                + "create /interfaces/interface[name='tst2']/ipmp -- group=g1\n"
                + "create /interfaces/interface -- name=tst3 type=ethernetCsmacd\n"
                + "create /interfaces/interface[name='tst3']/ipmp -- group=g1 standby=true\n"
                + "commit\n");
        String out = r.out();
        assertEquals(0, r.exit(), out);
        assertFalse(out.contains("Error:") || out.contains("error("), out);
        // the engine runs the new group with both members, tst3 a standby, and the files say so
        Await.until("group g1 with tst2 and tst3", () -> f.ipmpstat("-g", "GROUPNAME,INTERFACES").stream()
                .anyMatch(l -> l.startsWith("g1:") && l.contains("tst2") && l.contains("tst3")));
        assertTrue(f.ipmpstat("-i", "INTERFACE,GROUP,FLAGS").stream().anyMatch(l -> l.matches("tst3:g1:.s.*")),
                f.ipmpstat("-i", "INTERFACE,GROUP,FLAGS") + "\n" + out);
        assertTrue(f.read("hostname.tst2").contains("group g1"), f.read("hostname.tst2"));
        assertTrue(f.read("hostname.tst3").contains("standby"), f.read("hostname.tst3"));
    }

    @Test
    void provisionsANewIpmpGroupWithItsIpmpInterface() throws Exception {
        Run r = yangcli("create /interfaces/interface -- name=ipmp0 type=ipmp\n"
                + "create /ipmp/group -- name=prod ipmp-interface=ipmp0\n"
                + "create /ipmp/group[name='prod']/data-address -- address=198.51.100.50 prefix-length=24\n"
                + "create /interfaces/interface -- name=tst2 type=ethernetCsmacd\n"
                + "create /interfaces/interface[name='tst2']/ipmp -- group=prod\n"
                + "commit\n"
                + "sget /ipmp/group[name='prod']/data-address\n");
        String out = r.out();
        assertEquals(0, r.exit(), out);
        assertFalse(out.contains("Error:") || out.contains("error("), out);
        // the engine runs ipmp0 with its address, answered by tst2; the files are the tutorial's
        Await.until("198.51.100.50 on ipmp0, inbound tst2", () -> f.ipmpstat("-a", "ADDRESS,GROUP,INBOUND")
                .contains("198.51.100.50:ipmp0:tst2"));
        assertEquals("ipmp group prod 198.51.100.50/24 up\n", f.read("hostname.ipmp0"));
        assertTrue(f.read("hostname.tst2").contains("group prod"), f.read("hostname.tst2"));
        // yangcli read the state back: held by ipmp0
        assertTrue(out.contains("<hosted-on>ipmp0</hosted-on>"), out);
    }
}
