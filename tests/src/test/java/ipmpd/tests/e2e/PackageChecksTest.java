package ipmpd.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ipmpd.tests.testbed.DebPackage;
import ipmpd.tests.testbed.Netns;
import ipmpd.testkit.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What Debian's tools say of the package bin/package builds: lintian, and systemd of its unit. */
@Timeout(600)
class PackageChecksTest {
    private static Path work;
    private static Path deb;

    @BeforeAll
    static void buildPackage() throws IOException {
        work = Files.createTempDirectory("ipmpd-package-");
        deb = DebPackage.build(work.resolve("out"));
    }

    @AfterAll
    static void removePackage() {
        if (work != null) {
            TempDirs.delete(work);
        }
    }

    /** No error and no warning (the one override the package carries says why). */
    @Test
    void lintianFindsNoErrorOrWarning() {
        assumeInstalled("lintian");
        Netns.Result r = Netns.run(Duration.ofMinutes(8), List.of("lintian", "--fail-on", "error,warning", deb.toString()));
        List<String> complaints = r.stdout().lines().filter(l -> l.startsWith("E:") || l.startsWith("W:")).toList();
        assertEquals(List.of(), complaints, r.toString());
        assertEquals(0, r.exitCode(), r.toString());
    }

    /**
     * systemd-analyze verify checks the unit's syntax, that ExecStart's program is executable and
     * that its Documentation= manual pages exist. It looks at the real /usr, so it runs in a mount
     * namespace of its own where the unpacked package is laid over /usr (a read-only overlay that
     * no other process sees and that ends with the command): as if the package were installed.
     */
    @Test
    void systemdAcceptsTheInstalledUnit() {
        assumeInstalled("systemd-analyze");
        Path root = work.resolve("root");
        DebPackage.extract(deb, root);
        String script = "mount -t overlay overlay -o lowerdir=" + root.resolve("usr") + ":/usr /usr"
                + " && exec systemd-analyze verify /" + DebPackage.UNIT;
        Netns.Result r = Netns.run(Duration.ofMinutes(2), List.of("unshare", "--mount", "--propagation", "private",
                "sh", "-c", script));
        assertEquals(0, r.exitCode(), r.toString());
        // verify reports unknown keys and bad values only as messages, with exit status 0
        assertEquals("", r.stdout() + r.stderr(), r.toString());
    }

    /** Building the package needs neither tool; bin/setup installs both for these checks. */
    private static void assumeInstalled(String tool) {
        assumeTrue(Netns.run(Duration.ofSeconds(30), List.of("sh", "-c", "command -v " + tool)).ok(),
                tool + " is not installed (bin/setup installs it)");
    }
}
