package ipmpd.agent;

import ipmpd.agent.control.ControlProtocol;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolAndArgsTest {
    @Test
    void requestRoundTrip() throws Exception {
        List<String> argv = List.of("ipmpadm", "eth0", "group", "", "addif", "192.0.2.5/24", "up", "ünïcode");
        assertEquals(argv, ControlProtocol.decodeRequest(ControlProtocol.encodeRequest(argv)));
    }

    @Test
    void badRequestsRejected() {
        byte[] ok = ControlProtocol.encodeRequest(List.of("ipmpstat", "-g"));
        byte[] v2 = ok.clone();
        v2[0] = 2;
        assertThrows(ControlProtocol.ProtocolException.class, () -> ControlProtocol.decodeRequest(v2));
        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 1);
        assertThrows(ControlProtocol.ProtocolException.class, () -> ControlProtocol.decodeRequest(cut));
        byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertThrows(ControlProtocol.ProtocolException.class, () -> ControlProtocol.decodeRequest(longer));
        assertThrows(ControlProtocol.ProtocolException.class, () -> ControlProtocol.decodeRequest(new byte[] {1, 0, 0}));
    }

    @Test
    void daemonCommandLine() throws Exception {
        Daemon.Options o = Daemon.parseArgs(new String[] {"-c", "/tmp/x", "-f", "--platform=loopback",
                "--platform-opt", "hosts=192.0.2.1", "--platform-opt=rtt-us=50", "--socket=/tmp/s.sock"});
        assertEquals(Path.of("/tmp/x"), o.configDir());
        assertTrue(o.foreground());
        assertEquals("loopback", o.platform());
        assertEquals(Map.of("hosts", "192.0.2.1", "rtt-us", "50"), o.platformOptions());
        assertEquals(Path.of("/tmp/s.sock"), o.socket());
        Daemon.Options d = Daemon.parseArgs(new String[0]);
        assertEquals(Path.of("/etc/ipmpd"), d.configDir());
        assertFalse(d.foreground());
        assertEquals("linux", d.platform());
        assertThrows(Daemon.UsageException.class, () -> Daemon.parseArgs(new String[] {"-x"}));
        assertThrows(Daemon.UsageException.class, () -> Daemon.parseArgs(new String[] {"-c"}));
        assertThrows(Daemon.UsageException.class, () -> Daemon.parseArgs(new String[] {"--platform-opt", "novalue"}));
    }

    @Test
    void unknownPlatformRefused() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            Daemon.Options o = new Daemon.Options(f.configDir, false, "token-ring", Map.of(), f.socket);
            Exception e = assertThrows(Exception.class, () -> Daemon.start(o, IpmpdLog.detached(null)));
            assertEquals("unknown platform token-ring (known: linux, loopback, sim)", e.getMessage());
            Daemon.Options bad = new Daemon.Options(f.configDir, false, "loopback", Map.of("colour", "red"), f.socket);
            e = assertThrows(Exception.class, () -> Daemon.start(bad, IpmpdLog.detached(null)));
            assertTrue(e.getMessage().startsWith("loopback platform: unknown option colour"), e.getMessage());
        }
    }

    @Test
    void logPriorities() {
        assertEquals(IpmpdLog.Level.ERR, IpmpdLog.levelOf("failed processing MI_OFFLINE: minimum failover redundancy not met"));
        assertEquals(IpmpdLog.Level.ERR, IpmpdLog.levelOf("IP interface failure detected on e0 of group g"));
        assertEquals(IpmpdLog.Level.ERR, IpmpdLog.levelOf("The link has gone down on e0"));
        assertEquals(IpmpdLog.Level.NOTICE, IpmpdLog.levelOf("IP interface repair detected on e0 of group g"));
        assertEquals(IpmpdLog.Level.NOTICE, IpmpdLog.levelOf("The link has come up on e0"));
        assertEquals(IpmpdLog.Level.WARNING, IpmpdLog.levelOf(
                "No test address configured on interface e0; disabling probe-based failure detection on it"));
        assertEquals(IpmpdLog.Level.WARNING, IpmpdLog.levelOf(
                "The link has come up on e0 more than 2 times in the last minute; disabling repair until it stabilizes"));
    }
}
