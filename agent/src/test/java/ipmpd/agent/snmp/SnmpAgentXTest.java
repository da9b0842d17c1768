package ipmpd.agent.snmp;

import ipmpd.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * IPMP-MIB through net-snmp's snmpd as AgentX master (RFC 2741), ipmpd in-process on the loopback
 * platform with {@code snmp.agentx} and no port of its own: snmpget, snmpwalk, snmpbulkwalk and
 * snmpset (v2c, snmpd's community) against snmpd's port; a refused SET changes nothing; a
 * notification reaches snmptrapd through snmpd's trap2sink; snmpd restarted, the subagent
 * registers again. The same over snmpd's AgentX TCP transport, beside the standalone agent.
 */
@Timeout(180)
class SnmpAgentXTest {
    private static final String COMMUNITY = "ipmpx";

    /** snmpd with its own configuration and state in the fixture's directory. */
    private static final class Master {
        final SnmpFixture f;
        final Path dir;
        final Path socket;
        /** agentXSocket and snmp.agentx: the Unix socket's path, or tcp:127.0.0.1:PORT. */
        final String agentx;
        final int port;
        final int trapPort;
        Process process;
        int starts;

        Master(SnmpFixture f, int trapPort) throws Exception {
            this(f, trapPort, false);
        }

        Master(SnmpFixture f, int trapPort, boolean tcp) throws Exception {
            this.f = f;
            this.dir = f.root.resolve("snmpd");
            Files.createDirectories(dir.resolve("agentx"));
            this.socket = dir.resolve("agentx").resolve("master");
            this.agentx = tcp ? "tcp:127.0.0.1:" + freeTcpPort() : socket.toString();
            this.port = SnmpFixture.freePort();
            this.trapPort = trapPort;
            Files.writeString(dir.resolve("snmpd.conf"), String.join("\n",
                    "agentaddress udp:127.0.0.1:" + port,
                    "master agentx",
                    "agentXSocket " + agentx,
                    "agentXPerms 0600 0700",
                    "dontLogTCPWrappersConnects yes",
                    "rwcommunity " + COMMUNITY + " 127.0.0.1",
                    "trap2sink 127.0.0.1:" + trapPort + " " + COMMUNITY,
                    ""));
        }

        void start() throws Exception {
            starts++;
            process = f.spawn(List.of("snmpd", "-f", "-Lo", "-C", "-c", dir.resolve("snmpd.conf").toString(),
                    "-M", SnmpFixture.STANDARD_MIBS.toString(), "-m", ""), dir.resolve("snmpd-" + starts + ".log"));
            if (agentx.startsWith("tcp:")) {
                Await.until("snmpd answering", () -> {
                    try {
                        return tool(f, this, "snmpget", "SNMPv2-MIB::sysUpTime.0").exit() == 0;
                    } catch (Exception e) {
                        return false;
                    }
                });
            } else {
                Await.until("snmpd's AgentX socket", () -> Files.exists(socket));
            }
        }

        void stop() throws Exception {
            process.destroy(); // SIGTERM: snmpd closes its sessions as on a restart
            assertTrue(process.waitFor(20, TimeUnit.SECONDS));
            Files.deleteIfExists(socket);
        }

        String log() throws Exception {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= starts; i++) {
                b.append(Files.readString(dir.resolve("snmpd-" + i + ".log")));
            }
            return b.toString();
        }
    }

    private static int freeTcpPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The same subagent over snmpd's AgentX TCP transport, beside the standalone agent (both on):
     * the two show the same IPMP-MIB instances.
     */
    @Test
    void overTcpBesideTheStandaloneAgent() throws Exception {
        try (SnmpFixture f = SnmpFixture.prepare(Map.of())) {
            Master m = new Master(f, SnmpFixture.freePort(), true);
            m.start();
            f.settings.put(SnmpSettings.AGENTX, m.agentx);
            f.start();
            Await.until("subagent registered over TCP", () -> f.agent.subagent().registered());
            f.awaitProbesOk();
            SnmpFixture.Run own = f.snmp("snmpwalk", SnmpFixture.RO, "-Oq", "IPMP-MIB::ipmpMIB");
            assertEquals(0, own.exit(), own.toString());
            assertEquals(names(own.out()), names(ok(tool(f, m, "snmpwalk", "-Oq", "IPMP-MIB::ipmpMIB"))),
                    "the same instances through snmpd as from ipmpd's own port");
            assertEquals("g0", ok(tool(f, m, "snmpget", "-Oqv", "IPMP-MIB::ipmpGroupName.1")).strip());
            ok(tool(f, m, "snmpset", "IPMP-MIB::ipmpFailback.0", "i", "2"));
            assertTrue(f.read("mpathd").contains("FAILBACK=no"), f.read("mpathd"));
            assertTrue(ok(tool(f, m, "snmpbulkwalk", "-Oq", "IPMP-MIB::ipmpMIB")).contains("ipmpFailback.0 false"));
        }
    }

    private static SnmpFixture.Run tool(SnmpFixture f, Master m, String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tool));
        cmd.addAll(f.mibs());
        cmd.addAll(List.of("-t", "3", "-r", "1", "-v2c", "-c", COMMUNITY));
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            cmd.add(rest.remove(0));
        }
        cmd.add("udp:127.0.0.1:" + m.port);
        cmd.addAll(rest);
        return f.run(cmd, 30);
    }

    private static String ok(SnmpFixture.Run r) {
        assertEquals(0, r.exit(), r.toString());
        return r.out();
    }

    @Test
    void ipmpMibThroughSnmpdAsAgentXMaster() throws Exception {
        SnmpFixture f = SnmpFixture.prepare(Map.of());
        try (f) {
            int trapPort = SnmpFixture.freePort();
            Master m = new Master(f, trapPort);
            Path traps = f.root.resolve("traps.txt");
            Files.writeString(f.toolState.resolve("snmptrapd.conf"), "authCommunity log " + COMMUNITY + "\n");
            f.spawn(List.of("snmptrapd", "-f", "-Lo", "-C", "-c", f.toolState.resolve("snmptrapd.conf").toString(),
                    "-M", SnmpFixture.STANDARD_MIBS + ":" + SnmpFixture.MIB_DIR, "-m", "IPMP-MIB:IF-MIB:SNMPv2-MIB",
                    "-F", "NOTIFY %v\\n", "udp:127.0.0.1:" + trapPort), traps);
            m.start();
            f.settings.remove(SnmpSettings.LISTEN);
            f.settings.put(SnmpSettings.AGENTX, m.agentx);
            f.start();
            Await.until("subagent registered", () -> f.agent.subagent().registered());
            f.awaitProbesOk();

            // reads: a GET, the group table walked (GETNEXT) and bulk-walked, snmpd's own MIB beside it
            String name = ok(tool(f, m, "snmpget", "-Oqv", "IPMP-MIB::ipmpGroupName.1"));
            assertEquals("g0", name.strip());
            String walk = ok(tool(f, m, "snmpwalk", "-Oq", "IPMP-MIB::ipmpIfTable"));
            for (String ifname : List.of("tst0", "tst1", "tst2")) {
                assertTrue(walk.contains("\"" + ifname + "\"") || walk.contains(" " + ifname + "\n"), walk);
            }
            String bulk = ok(tool(f, m, "snmpbulkwalk", "-Oq", "-Cr25", "IPMP-MIB::ipmpIfTable"));
            assertEquals(names(walk), names(bulk)); // the same instances (counters move on)
            String all = ok(tool(f, m, "snmpwalk", "-Oq", "IPMP-MIB::ipmpMIB"));
            assertTrue(all.contains("ipmpFailureDetectionTime.0 700"), all);
            // TimeStamps count from snmpd's sysUpTime (given in the answer to the subagent's Open,
            // stamped when snmpd built it: behind snmpd's clock by less than the open timeout)
            long upBefore = ticks(ok(tool(f, m, "snmpget", "-Ov", "SNMPv2-MIB::sysUpTime.0")));
            long ours = f.agent.subagent().masterUpTime();
            long upAfter = ticks(ok(tool(f, m, "snmpget", "-Ov", "SNMPv2-MIB::sysUpTime.0")));
            assertTrue(ours > 0 && ours <= upAfter + 1
                            && ours >= upBefore - ipmpd.agent.snmp.agentx.AgentXSubagentAccess.openTimeoutTicks(),
                    upBefore + " <= " + ours + " <= " + upAfter);
            long lastChange = ticks(ok(tool(f, m, "snmpget", "-Ov", "IPMP-MIB::ipmpLastChange.0")));
            assertTrue(lastChange <= ticks(ok(tool(f, m, "snmpget", "-Ov", "SNMPv2-MIB::sysUpTime.0"))) + 1,
                    "ipmpLastChange is not after snmpd's sysUpTime: " + lastChange);
            String sysOr = ok(tool(f, m, "snmpwalk", "-Oq", "SNMPv2-MIB::sysORID"));
            assertTrue(sysOr.contains("IPMP-MIB::ipmpMIB"), "IPMP-MIB in snmpd's sysORTable: " + sysOr);
            assertTrue(ok(tool(f, m, "snmpget", "IPMP-MIB::ipmpGroupName.99")).contains("No Such Instance"));

            // SET through the master: FDT, and a refused one that changes nothing
            ok(tool(f, m, "snmpset", "IPMP-MIB::ipmpFailureDetectionTime.0", "u", "1500"));
            assertEquals("1500", ok(tool(f, m, "snmpget", "-OqvU", "IPMP-MIB::ipmpFailureDetectionTime.0")).strip());
            assertTrue(f.read("mpathd").contains("FAILURE_DETECTION_TIME=1500"), f.read("mpathd"));
            SnmpFixture.Run refused = tool(f, m, "snmpset", "IPMP-MIB::ipmpFailureDetectionTime.0", "u", "10");
            assertNotEquals(0, refused.exit());
            assertTrue(refused.err().contains("wrongValue"), refused.toString());
            SnmpFixture.Run readOnly = tool(f, m, "snmpset", "IPMP-MIB::ipmpGroupIndexNext.0", "u", "5");
            assertTrue(readOnly.err().contains("notWritable"), readOnly.toString());
            assertEquals("1500", ok(tool(f, m, "snmpget", "-OqvU", "IPMP-MIB::ipmpFailureDetectionTime.0")).strip());
            // standby on tst2 through the master, and back
            int tst2 = ifIndex(walk, "tst2");
            ok(tool(f, m, "snmpset", "IPMP-MIB::ipmpIfStandby." + tst2, "i", "1"));
            Await.until("tst2 standby", () -> f.ipmpstat("-i", "INTERFACE,FLAGS").stream()
                    .anyMatch(l -> l.startsWith("tst2:") && l.contains("s")));

            // a notification through the master (snmpd's trap2sink) to snmptrapd: the FDT change
            ok(tool(f, m, "snmpset", "IPMP-MIB::ipmpFailureDetectionTime.0", "u", "2000"));
            try {
                Await.until("ipmpFdtChanged (configured 2000 ms) at snmptrapd", () -> read(traps).lines().anyMatch(l -> l.contains("snmpTrapOID.0 = OID: IPMP-MIB::ipmpFdtChanged")
                                && l.contains("ipmpFailureDetectionTime.0 = Gauge32: 2000")
                                && l.contains("ipmpNotifyFdtReason.0 = INTEGER: configured(3)")));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nsnmptrapd:\n" + read(traps) + "\nsnmpd:\n" + m.log()
                        + "\nipmpd:\n" + String.join("\n", f.logged), e);
            }

            // snmpd restarted: the subagent connects again and registers
            long before = f.agent.subagent().registrations();
            m.stop();
            Await.until("subagent notices the master left", () -> !f.agent.subagent().registered());
            m.start();
            Await.until("subagent registered again", () -> f.agent.subagent().registrations() > before && f.agent.subagent().registered());
            assertEquals("2000", ok(tool(f, m, "snmpget", "-OqvU", "IPMP-MIB::ipmpFailureDetectionTime.0")).strip());
            assertFalse(f.logged.stream().anyMatch(l -> l.contains("Exception")), String.join("\n", f.logged));
        }
    }

    /** "Timeticks: (1234) 0:00:12.34" -> 1234. */
    private static long ticks(String value) {
        return Long.parseLong(value.substring(value.indexOf('(') + 1, value.indexOf(')')));
    }

    private static List<String> names(String walk) {
        return walk.lines().map(l -> l.substring(0, l.indexOf(' '))).toList();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }

    /** The ipmpIfIndex of a member from an "IPMP-MIB::ipmpIfName.N tst2" walk line. */
    private static int ifIndex(String walk, String ifname) {
        for (String l : walk.lines().toList()) {
            if (l.startsWith("IPMP-MIB::ipmpIfName.") && l.endsWith(" " + ifname)) {
                return Integer.parseInt(l.substring("IPMP-MIB::ipmpIfName.".length(), l.indexOf(' ')));
            }
        }
        throw new AssertionError("no ipmpIfName for " + ifname + " in\n" + walk);
    }
}
