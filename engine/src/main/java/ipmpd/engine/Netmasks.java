package ipmpd.engine;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The netmasks database (/etc/inet/netmasks: "NETWORK MASK" lines) and the lookup "netmask +"
 * makes in it, as Solaris getnetmaskbyaddr(): the longest entry whose network is the address
 * masked by the entry's own mask (variable-length subnets), else the entry for the address's
 * classful network number, whatever its mask. An all-ones mask is never an entry (the database
 * parser rejects it), nor is a mask that is not contiguous.
 */
public final class Netmasks {
    public static final Netmasks EMPTY = new Netmasks(Map.of());

    /** The system's database, read at every lookup as ifconfig reads it at every run. */
    public static final Path FILE = Path.of("/etc/inet/netmasks");

    /** network (host order) to prefix length; the first entry for a network wins, as a file search does. */
    private final Map<Long, Integer> entries;

    private Netmasks(Map<Long, Integer> entries) {
        this.entries = entries;
    }

    /** A database of these entries (network, prefix length), in file order. */
    public static Netmasks of(List<Map.Entry<InetAddress, Integer>> list) {
        Map<Long, Integer> m = new LinkedHashMap<>();
        for (Map.Entry<InetAddress, Integer> e : list) {
            m.putIfAbsent(toLong(e.getKey()), e.getValue());
        }
        return new Netmasks(m);
    }

    /** Parses the file's text; lines that are not "NETWORK MASK" (after '#' comments) are ignored. */
    public static Netmasks parse(List<String> lines) {
        List<Map.Entry<InetAddress, Integer>> list = new ArrayList<>();
        for (String raw : lines) {
            Optional<Map.Entry<InetAddress, Integer>> e = entry(raw);
            e.ifPresent(list::add);
        }
        return of(list);
    }

    /** The system file, or an empty database when there is none. */
    public static Netmasks system() {
        try {
            return Files.isReadable(FILE) ? parse(Files.readAllLines(FILE, StandardCharsets.UTF_8)) : EMPTY;
        } catch (IOException e) {
            return EMPTY;
        }
    }

    /** One line of the file as an entry, or empty when the line is not a usable entry. */
    public static Optional<Map.Entry<InetAddress, Integer>> entry(String line) {
        int hash = line.indexOf('#');
        String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
        String[] w = text.split("\\s+");
        if (w.length < 2) {
            return Optional.empty();
        }
        Optional<InetAddress> net = Addresses.parse(w[0]).filter(a -> a instanceof Inet4Address);
        int prefix = Addresses.parseNetmask(w[1]);
        if (net.isEmpty() || prefix < 0 || prefix == 32) {
            return Optional.empty();
        }
        return Optional.of(Map.entry(net.get(), prefix));
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The prefix length "netmask +" finds for an IPv4 address; empty when the database has none. */
    public OptionalInt lookup(InetAddress address) {
        if (!(address instanceof Inet4Address) || entries.isEmpty()) {
            return OptionalInt.empty();
        }
        long a = toLong(address);
        if (a == 0) {
            return OptionalInt.empty(); // an unnumbered interface: there is no network to look up
        }
        for (int len = 32; len >= 1; len--) {
            Integer found = entries.get(a & Addresses.mask4(len));
            if (found != null && found == len) {
                return OptionalInt.of(len);
            }
        }
        Integer classful = entries.get(a & Addresses.mask4(Addresses.classfulPrefix(address)));
        return classful == null ? OptionalInt.empty() : OptionalInt.of(classful);
    }

    private static long toLong(InetAddress a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }
}
