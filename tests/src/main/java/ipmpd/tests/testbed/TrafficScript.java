package ipmpd.tests.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Python helper (nettraffic.py, standard library only) that sends pings and holds TCP
 * connections inside namespaces. Copied out of the test resources once per JVM.
 */
public final class TrafficScript {

    /** The interpreter: Debian's /usr/bin/python3, never a virtualenv or pyenv shim. */
    public static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private static Path path;

    private TrafficScript() {
    }

    /** Path of the extracted script. */
    public static synchronized Path path() {
        if (path == null) {
            try (InputStream in = TrafficScript.class.getResourceAsStream("nettraffic.py")) {
                if (in == null) {
                    throw new IllegalStateException("resource ipmpd/tests/testbed/nettraffic.py missing");
                }
                Path p = Files.createTempFile("ipmpd-nettraffic-", ".py",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                p.toFile().deleteOnExit();
                path = p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return path;
    }

    /** argv for {@code nettraffic.py MODE ARGS...}. */
    public static List<String> command(String mode, String... args) {
        List<String> argv = new ArrayList<>(List.of(PYTHON, "-u", path().toString(), mode));
        argv.addAll(Arrays.asList(args));
        return argv;
    }
}
