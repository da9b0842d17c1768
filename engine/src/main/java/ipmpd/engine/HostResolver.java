package ipmpd.engine;

import java.net.InetAddress;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Host names where ifconfig takes an address ({@code ifconfig e1000g0 plumb hivemind-prod-e1000g0
 * -failover group production0 up}): ifconfig asks the name service (the hosts file, then DNS) for
 * an address of the family it configures. The platform provides it: the daemon the system's
 * resolver ({@link SystemHostResolver}), the simulator its own table.
 */
@FunctionalInterface
public interface HostResolver {
    /** Resolves nothing: address literals only. */
    HostResolver NONE = (name, family) -> Optional.empty();

    /** A host name: letters, digits, '-', '_' and '.', with at least one letter (not a mistyped address). */
    Pattern NAME = Pattern.compile("(?=.*[A-Za-z_])[A-Za-z0-9_][A-Za-z0-9_.-]*");

    /**
     * The address of a name in one family, or empty when the name service knows none (ifconfig
     * then says "ifconfig: NAME: bad address").
     */
    Optional<InetAddress> resolve(String name, Family family);

    /** Whether a word can be a host name at all (only those are looked up). */
    static boolean isHostName(String word) {
        return word != null && word.length() <= 255 && NAME.matcher(word).matches();
    }
}
