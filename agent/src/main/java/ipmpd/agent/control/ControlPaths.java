package ipmpd.agent.control;

import java.nio.file.Path;

/** Where the daemon and its clients meet (conventions.md). */
public final class ControlPaths {
    public static final String ENV = "IPMPD_SOCKET";
    /** Overrides the environment inside one JVM (in-process tests). */
    public static final String PROPERTY = "ipmpd.socket";
    public static final Path DEFAULT = Path.of("/run/ipmpd/ipmpd.sock");

    private ControlPaths() {
    }

    /** The system property ipmpd.socket, else $IPMPD_SOCKET, else /run/ipmpd/ipmpd.sock. */
    public static Path socket() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isEmpty()) {
            p = System.getenv(ENV);
        }
        return p == null || p.isEmpty() ? DEFAULT : Path.of(p);
    }
}
