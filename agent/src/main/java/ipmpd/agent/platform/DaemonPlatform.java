package ipmpd.agent.platform;

import ipmpd.engine.Engine;
import ipmpd.engine.Platform;

import java.util.Map;

/**
 * A {@link Platform} as the daemon runs it: besides acting for the engine, it tells the engine
 * what exists (NICs, links, routes) and feeds it events (link changes, probe replies) — always
 * through the {@link ipmpd.agent.EngineLoop}, never from its own threads directly.
 */
public interface DaemonPlatform extends Platform, AutoCloseable {
    /**
     * Called once on the engine thread after the engine is built and before the boot
     * configuration is applied: report the NICs present ({@link Engine#nicAdded}), the routing
     * table ({@link Engine#routesChanged}), and start delivering events.
     */
    void start(Engine engine) throws Exception;

    /**
     * The counters and link attributes of the interfaces, by interface index, for IF-MIB; an
     * interface missing from the map has none. Called from any thread, never the engine's.
     *
     * @throws java.io.IOException the system could not be asked
     */
    default Map<Integer, InterfaceStatistics> interfaceStatistics() throws java.io.IOException {
        return Map.of();
    }

    /**
     * Start-up, after the boot configuration (engine thread): removes what an earlier run placed
     * in the kernel that the engine does not hold now (see LinuxPlatform#removeOrphans).
     *
     * @return what was removed, one entry per address
     */
    default java.util.List<String> removeOrphans() {
        return java.util.List.of();
    }

    /** Stops receiving events and releases sockets; called once at shutdown (any thread). */
    @Override
    void close();
}
