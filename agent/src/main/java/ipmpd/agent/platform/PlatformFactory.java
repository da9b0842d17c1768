package ipmpd.agent.platform;

import ipmpd.agent.ConfigDirectory;
import ipmpd.agent.EngineLoop;
import ipmpd.agent.IpmpdLog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the platform the daemon runs on ({@code ipmpd --platform=NAME [--platform-opt K=V]...}).
 * <p>
 * The seam for the Linux data path: add a provider under "linux" (rtnetlink, ICMP probe sockets,
 * gratuitous ARP / unsolicited NA from ipmpd-native) to {@link #PROVIDERS}. Nothing else in the
 * agent knows which platform it runs on.
 */
public final class PlatformFactory {
    /** The platform used when none is named. */
    public static final String DEFAULT = "linux";

    /** What a platform may need to build itself. */
    public record Context(Map<String, String> options, ConfigDirectory config,
                          List<ConfigDirectory.HostnameFile> hostnameFiles, IpmpdLog log) {
    }

    /** Builds one kind of platform. */
    @FunctionalInterface
    public interface Provider {
        DaemonPlatform create(EngineLoop loop, Context context) throws Exception;
    }

    /** The platform cannot be made (unknown name, bad option, missing privilege, ...). */
    public static final class PlatformException extends Exception {
        public PlatformException(String message) {
            super(message);
        }
    }

    private static final Map<String, Provider> PROVIDERS = new LinkedHashMap<>();

    static {
        PROVIDERS.put("linux", LinuxDaemonPlatform::create);
        PROVIDERS.put("loopback", LoopbackPlatform::create);
        // "sim": the simulated link without a virtual clock is the loopback platform.
        PROVIDERS.put("sim", LoopbackPlatform::create);
    }

    private PlatformFactory() {
    }

    /** The names --platform accepts. */
    public static List<String> names() {
        return List.copyOf(PROVIDERS.keySet());
    }

    public static DaemonPlatform createPlatform(String name, EngineLoop loop, Context context) throws Exception {
        Provider p = PROVIDERS.get(name);
        if (p == null) {
            if (name.equals(DEFAULT)) {
                throw new PlatformException("the linux platform is not available yet; use --platform="
                        + String.join("|", names()));
            }
            throw new PlatformException("unknown platform " + name + " (known: " + String.join(", ", names()) + ")");
        }
        return p.create(loop, context);
    }
}
