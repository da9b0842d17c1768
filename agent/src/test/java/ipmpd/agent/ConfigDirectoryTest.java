package ipmpd.agent;

import ipmpd.engine.EngineConfig;
import ipmpd.engine.Family;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDirectoryTest {
    @Test
    void readsMpathdHostnameFilesAndAgentConf() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            IpmpdLog log = IpmpdLog.detached(null);
            log.addTap(f.logged::add);
            ConfigDirectory c = new ConfigDirectory(f.configDir, log);
            assertEquals(EngineConfig.defaults(), c.readMpathd(), "no file: defaults");

            f.write("mpathd", "# comment\nfailure_detection_time = 50\nFAILBACK=maybe\nTRACK_INTERFACES_ONLY_WITH_GROUPS=no\n");
            EngineConfig ec = c.readMpathd();
            assertEquals(new EngineConfig(100, true, false, EngineConfig.DEFAULT_QUIET_MS), ec);
            assertTrue(f.logged.containsAll(List.of("Too small failure detection time of 50, assuming minimum of 100 ms",
                    "Invalid value for FAILBACK maybe")), f.logged.toString());

            f.write("hostname.eth1", "192.0.2.20/24 group g0 up\n");
            f.write("hostname6.eth0", "-failover group g0 up\n");
            f.write("hostname.eth0", "192.0.2.10/24 group g0 up\n");
            f.write("hostname.eth0~", "editor backup\n");
            f.write("hostname.eth0.dpkg-old", "package leftover\n");
            f.write("hostname.much-too-long-name0", "x\n");
            List<ConfigDirectory.HostnameFile> files = c.readHostnameFiles();
            assertEquals(List.of("hostname.eth0", "hostname.eth1", "hostname6.eth0"),
                    files.stream().map(ConfigDirectory.HostnameFile::fileName).toList());
            assertEquals(Family.INET6, files.get(2).family());
            assertEquals(List.of("-failover group g0 up"), files.get(2).lines());
            assertTrue(f.logged.stream().anyMatch(m -> m.contains("\"much-too-long-name0\" is not an interface name")));

            assertEquals(new ConfigDirectory.AgentConf(Map.of(), List.of()), c.readAgentConf(), "no file");
            f.write("agent.conf", "# SNMP and NETCONF settings\n\nsnmp.port = 161\nnonsense\n");
            ConfigDirectory.AgentConf ac = c.readAgentConf();
            assertEquals(Map.of("snmp.port", "161"), ac.settings());
            assertEquals(List.of("agent.conf: line 3: unknown key snmp.port", "agent.conf: line 4: expected KEY=VALUE"),
                    ac.problems());
            assertTrue(f.logged.containsAll(ac.problems()));
        }
    }

    /** The configuration shipped in conf/ipmpd reads without a single message: in.mpathd's defaults. */
    @Test
    void shippedConfiguration() {
        java.util.List<String> logged = new java.util.ArrayList<>();
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        ConfigDirectory c = new ConfigDirectory(java.nio.file.Path.of("..", "conf", "ipmpd"), log);
        assertEquals(EngineConfig.defaults(), c.readMpathd());
        assertEquals(new ConfigDirectory.AgentConf(Map.of(), List.of()), c.readAgentConf());
        assertEquals(List.of(), c.readHostnameFiles());
        assertEquals(List.of(), logged);
    }

    @Test
    void bootProblemsAreLogged() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            f.write("mpathd", DaemonFixture.MPATHD);
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\nfrobnicate\n");
            f.start(Map.of("nics", "tst0"));
            assertTrue(f.logged.stream().anyMatch(m -> m.startsWith("hostname.tst0: line 2: ")), f.logged.toString());
            assertEquals(List.of("192.0.2.10:up"), f.parsable("-a", "ADDRESS,STATE"), "the good line applied");
        }
    }

    @Test
    void ipmpConfAppliedAtStartAndOnReload() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            f.write("mpathd", DaemonFixture.MPATHD);
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\n");
            f.write("hostname.tst1", "192.0.2.20/24 group g0 up\n");
            f.write("ipmp.conf", "# declared groups, targets, offline\ngroup spare0\noffline tst0\nbogus\n");
            f.start(Map.of());
            assertTrue(f.logged.stream().anyMatch(m -> m.startsWith("ipmp.conf: line 4: ")), f.logged.toString());
            assertEquals(List.of("tst1:ok", "tst0:offline"), f.parsable("-i", "INTERFACE,STATE"));
            assertTrue(f.parsable("-g", "GROUP").contains("spare0"), f.parsable("-g", "GROUP").toString());
            f.write("ipmp.conf", "group spare0\noffline tst0\n");
            assertEquals(List.of(), f.daemon.reload(), "offline again is nothing to do");
            assertEquals(List.of("tst1:ok", "tst0:offline"), f.parsable("-i", "INTERFACE,STATE"));
        }
    }

    @Test
    void missingNicAtBootIsReported() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            f.write("mpathd", DaemonFixture.MPATHD);
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\n");
            f.write("hostname.tst1", "192.0.2.20/24 group g0 up\n");
            f.start(Map.of("nics", "tst1"));
            assertTrue(f.logged.contains("moving addresses from failed IPv4 interfaces: tst0 (moved to tst1)"),
                    f.logged.toString());
            assertEquals(java.util.Set.of("192.0.2.10:tst1", "192.0.2.20:tst1"),
                    java.util.Set.copyOf(f.parsable("-a", "ADDRESS,INBOUND")));
        }
    }
}
