package ipmpd.agent;

import ipmpd.agent.platform.DaemonPlatform;
import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.Family;
import ipmpd.engine.IfconfigCommand;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailoverWarmUpTest {
    /**
     * The warm-up runs its codecs and whole scenarios (failures, moves, failbacks) while a daemon's
     * engine with a configured group sits on a platform that records every call: the platform sees
     * none, the engine's model is unchanged, and every part of the warm-up ran.
     */
    @Test
    void warmsTheFailoverPathWithoutTouchingThePlatformOrTheModel() {
        List<String> calls = new CopyOnWriteArrayList<>();
        DaemonPlatform recording = (DaemonPlatform) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DaemonPlatform.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return "recording platform";
                        default:
                            break;
                    }
                    calls.add(method.getName());
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    return null;
                });
        Engine engine = new Engine(() -> 0L, recording, new EngineListener() { }, new SplittableRandom(1),
                EngineConfig.defaults());
        engine.nicAdded("tst0", 2, true);
        engine.nicAdded("tst1", 3, true);
        assertEquals(List.of(), IfconfigCommand.applyFile(engine, "tst0", Family.INET,
                List.of("192.0.2.10/24 group g0 up", "addif 192.0.2.11/24 deprecated -failover up")));
        assertEquals(List.of(), IfconfigCommand.applyFile(engine, "tst1", Family.INET,
                List.of("192.0.2.20/24 group g0 up", "addif 192.0.2.21/24 deprecated -failover up")));
        assertTrue(calls.contains("addAddress"), "the recording platform sees the engine's calls: " + calls);
        EngineSnapshot before = engine.snapshot();
        calls.clear();

        FailoverWarmUp.Result r = FailoverWarmUp.run(500, 3, 600_000);

        assertEquals(List.of(), calls, "platform calls during the warm-up");
        assertEquals(before, engine.snapshot());
        assertEquals(500, r.linkDownsDecoded());
        assertEquals(3, r.engineRuns());
        assertTrue(r.logLines() >= 3 * 4, "each scenario logs its failures and repairs: " + r);
    }

    /**
     * The wall-time budget ends the engine part early (start-up is never held long), after the one
     * scenario that loads the engine's classes; no budget, no scenario.
     */
    @Test
    void stopsAtItsBudget() {
        FailoverWarmUp.Result none = FailoverWarmUp.run(10, Integer.MAX_VALUE, 0);
        assertEquals(10, none.linkDownsDecoded());
        assertEquals(0, none.engineRuns());
        FailoverWarmUp.Result first = FailoverWarmUp.run(0, 1000, 1);
        assertTrue(first.engineRuns() >= 1 && first.engineRuns() < 1000, "a 1 ms budget: " + first);
    }

    @Test
    void isOffWhenTheSwitchSaysSo() {
        System.setProperty(FailoverWarmUp.SWITCH, "false");
        try {
            assertEquals(0, FailoverWarmUp.runAtStartUp().engineRuns());
        } finally {
            System.clearProperty(FailoverWarmUp.SWITCH);
        }
    }
}
