package ipmpd.tests.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Debian package of the checkout: built by {@code bin/package --no-build} from what the
 * Maven build produced, unpacked with {@code dpkg -x} into a throw-away root, and the systemd
 * unit it ships read back.
 */
public final class DebPackage {
    /** Where the installed unit is, relative to the root. */
    public static final String UNIT = "usr/lib/systemd/system/ipmpd.service";
    private static final Duration BUILD_LIMIT = Duration.ofMinutes(3);

    private DebPackage() {
    }

    /** Runs {@code bin/package --no-build -o outDir} and returns the package it wrote. */
    public static Path build(Path outDir) {
        Netns.Result r = Netns.run(BUILD_LIMIT, List.of(IpmpdProcess.root().resolve("bin/package").toString(),
                "--no-build", "-o", outDir.toString()));
        if (!r.ok()) {
            throw new AssertionError("bin/package failed: " + r);
        }
        Path deb = Path.of(r.stdout().strip());
        if (!Files.isRegularFile(deb) || !deb.startsWith(outDir)) {
            throw new AssertionError("bin/package did not print the package it built: " + r);
        }
        return deb;
    }

    /**
     * Unpacks the package's files into {@code root} as dpkg would place them ({@code dpkg -x}):
     * no maintainer scripts run and the host's dpkg database stays untouched.
     */
    public static void extract(Path deb, Path root) {
        Netns.Result r = Netns.run(BUILD_LIMIT, List.of("dpkg", "-x", deb.toString(), root.toString()));
        if (!r.ok()) {
            throw new AssertionError("dpkg -x failed: " + r);
        }
    }

    /**
     * A systemd unit file: section -> key -> values in file order (a key may be given more than
     * once). Comments and blank lines are skipped; continuation lines are not used by ours and
     * are refused.
     */
    public record Unit(Map<String, Map<String, List<String>>> sections) {
        public static Unit read(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
            Map<String, List<String>> current = null;
            for (String raw : lines) {
                String l = raw.strip();
                if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                    continue;
                }
                if (l.endsWith("\\")) {
                    throw new IllegalArgumentException(file + ": continuation lines are not supported: " + raw);
                }
                if (l.startsWith("[") && l.endsWith("]")) {
                    current = out.computeIfAbsent(l.substring(1, l.length() - 1), k -> new LinkedHashMap<>());
                    continue;
                }
                int eq = l.indexOf('=');
                if (current == null || eq <= 0) {
                    throw new IllegalArgumentException(file + ": not a key=value line in a section: " + raw);
                }
                current.computeIfAbsent(l.substring(0, eq).strip(), k -> new ArrayList<>()).add(l.substring(eq + 1).strip());
            }
            return new Unit(out);
        }

        /** The last value of a key (systemd's rule for single-valued keys). */
        public Optional<String> value(String section, String key) {
            List<String> v = sections.getOrDefault(section, Map.of()).getOrDefault(key, List.of());
            return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
        }

        /**
         * ExecStart as argv: the command's prefix characters (- @ : + !) dropped, split at white
         * space (our unit has no quoting; quotes are refused rather than misread).
         */
        public List<String> execStart() {
            String line = value("Service", "ExecStart").orElseThrow(() -> new AssertionError("no ExecStart"));
            if (line.contains("\"") || line.contains("'") || line.contains("$")) {
                throw new IllegalArgumentException("ExecStart with quoting or variables is not supported: " + line);
            }
            String cmd = line.replaceFirst("^[-@:+!]+", "");
            return List.of(cmd.strip().split("\\s+"));
        }
    }

    /**
     * A command line with every absolute path moved under {@code root} (the unit's /usr/sbin/ipmpd
     * and /etc/ipmpd become those of the unpacked package).
     */
    public static List<String> underRoot(List<String> argv, Path root) {
        List<String> out = new ArrayList<>();
        for (String a : argv) {
            out.add(a.startsWith("/") ? root.resolve(a.substring(1)).toString() : a);
        }
        return out;
    }
}
