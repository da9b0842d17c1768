package ipmpd.agent.platform;

import ipmpd.engine.Engine;
import ipmpd.engine.Platform;

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

    /** Stops receiving events and releases sockets; called once at shutdown (any thread). */
    @Override
    void close();
}
