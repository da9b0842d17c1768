package ipmpd.agent;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ipmpd.linux.ThreadScheduling;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineSchedulingTest {
    private static final String KEY = EngineScheduling.KEY;

    @Test
    void offIsTheDefaultAndOneToNinetyNineArePriorities() {
        assertEquals(0, EngineScheduling.parse(Map.of()));
        assertEquals(0, EngineScheduling.parse(Map.of(KEY, "off")));
        assertEquals(0, EngineScheduling.parse(Map.of(KEY, " 0 ")));
        assertEquals(1, EngineScheduling.parse(Map.of(KEY, "1")));
        assertEquals(99, EngineScheduling.parse(Map.of(KEY, "99")));
        for (String bad : new String[] {"100", "-1", "fifo", "1.5"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EngineScheduling.parse(Map.of(KEY, bad)));
            assertEquals(KEY + ": expected off or a priority from 1 to 99, not " + bad, e.getMessage());
        }
        assertTrue(ConfigDirectory.AgentConf.isKnown(KEY), "agent.conf must not call the key unknown");
    }

    @Test
    void theEngineThreadAloneChangesClassAndABadValueChangesNothing() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "real-time scheduling needs root here");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IpmpdLog log = IpmpdLog.detached(new PrintStream(out, true, StandardCharsets.UTF_8), false);
        try (EngineLoop loop = new EngineLoop("ipmpd-engine", t -> { }).start()) {
            EngineScheduling s = new EngineScheduling(loop, log);
            s.apply(Map.of(KEY, "7"), "");
            assertEquals(7, (int) loop.call(ThreadScheduling::realtimePriority));
            assertEquals(0, ThreadScheduling.realtimePriority(), "the caller's thread is not the engine's");
            assertTrue(out.toString(StandardCharsets.UTF_8).contains(
                    "The engine thread runs at real-time priority 7 (SCHED_FIFO, engine.realtime-priority)"), out::toString);

            s.apply(Map.of(KEY, "high"), "SIGHUP: ");
            assertEquals(7, (int) loop.call(ThreadScheduling::realtimePriority));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains(
                    "SIGHUP: agent.conf: engine.realtime-priority: expected off or a priority from 1 to 99, not high; "
                    + "the engine thread keeps its scheduling"), out::toString);

            s.apply(Map.of(), "SIGHUP: ");
            assertEquals(0, (int) loop.call(ThreadScheduling::realtimePriority));
            assertEquals(0, s.applied());
        }
    }
}
