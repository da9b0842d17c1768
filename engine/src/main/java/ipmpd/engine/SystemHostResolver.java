package ipmpd.engine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The daemon's name service for ifconfig syntax, as Solaris ifconfig's getipnodebyname() with
 * "hosts: files dns": the hosts file first (read at every lookup, as ifconfig reads it at every
 * run), then the system resolver. A lookup through the system resolver may wait for DNS.
 */
public final class SystemHostResolver implements HostResolver {
    public static final Path HOSTS = Path.of("/etc/hosts");

    private final Path hostsFile;
    private final boolean systemResolver;

    /**
     * @param hostsFile the hosts file (/etc/hosts)
     * @param systemResolver whether names not in the file are asked of the system resolver
     */
    public SystemHostResolver(Path hostsFile, boolean systemResolver) {
        this.hostsFile = hostsFile;
        this.systemResolver = systemResolver;
    }

    /** /etc/hosts, then the system resolver. */
    public static SystemHostResolver standard() {
        return new SystemHostResolver(HOSTS, true);
    }

    @Override
    public Optional<InetAddress> resolve(String name, Family family) {
        if (!HostResolver.isHostName(name)) {
            return Optional.empty();
        }
        Optional<InetAddress> fromFile = fromHostsFile(name, family);
        if (fromFile.isPresent() || !systemResolver) {
            return fromFile;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(name)) {
                if (Family.of(a) == family) {
                    return Optional.of(InetAddress.getByAddress(a.getAddress()));
                }
            }
        } catch (UnknownHostException | SecurityException e) {
            // unknown to the resolver: ifconfig's "bad address"
        }
        return Optional.empty();
    }

    /** The first line of the hosts file that names it (canonical name or alias, any case) in the family. */
    Optional<InetAddress> fromHostsFile(String name, Family family) {
        List<String> lines;
        try {
            lines = Files.readAllLines(hostsFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty(); // no hosts file: the system resolver decides
        }
        String wanted = name.toLowerCase(Locale.ROOT);
        for (String line : lines) {
            int hash = line.indexOf('#');
            String[] words = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
            if (words.length < 2) {
                continue;
            }
            Optional<InetAddress> a = Addresses.parse(words[0]);
            if (a.isEmpty() || Family.of(a.get()) != family) {
                continue;
            }
            for (int k = 1; k < words.length; k++) {
                if (words[k].toLowerCase(Locale.ROOT).equals(wanted)) {
                    return a;
                }
            }
        }
        return Optional.empty();
    }
}
