package ipmpd.agent;

import ipmpd.testkit.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    private Path dir;

    @BeforeEach
    void mk() throws IOException {
        dir = Files.createTempDirectory("ipmpd-atomic");
    }

    @AfterEach
    void rm() throws IOException {
        TempDirs.deleteTree(dir);
    }

    private List<String> others(Path keep) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.equals(keep)).map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void writesAndReplacesKeepingPermissions() throws IOException {
        Path f = dir.resolve("mpathd");
        AtomicFiles.write(f, List.of("FAILBACK=yes", "FAILURE_DETECTION_TIME=10000"));
        assertEquals("FAILBACK=yes\nFAILURE_DETECTION_TIME=10000\n", Files.readString(f));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.write(f, List.of("FAILBACK=no"));
        assertEquals("FAILBACK=no\n", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(List.of(), others(f), "no temporary file left");
    }

    @Test
    void failureBeforeRenameLeavesOldContent() throws IOException {
        Path f = dir.resolve("agent.conf");
        Files.writeString(f, "old\n");
        assertThrows(IOException.class, () -> AtomicFiles.write(f, List.of("new"), t -> {
            throw new IOException("disk full");
        }));
        assertEquals("old\n", Files.readString(f));
        assertEquals(List.of(), others(f));
    }

    /** A process killed between writing the temporary file and the rename. */
    @Test
    void crashBeforeRenameLeavesOldContent() throws Exception {
        Path f = dir.resolve("mpathd");
        Files.writeString(f, "FAILBACK=yes\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), AtomicFilesCrash.class.getName(), f.toString(), "FAILBACK=no")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(3, p.exitValue(), output);
        assertEquals("FAILBACK=yes\n", Files.readString(f));
        List<String> left = others(f);
        assertEquals(1, left.size(), left.toString());
        assertTrue(left.get(0).startsWith(".mpathd.") && left.get(0).endsWith(".tmp"), left.get(0));
        assertEquals("FAILBACK=no\n", Files.readString(dir.resolve(left.get(0))), "the crash came after the data");
        // the next write still works and the configuration reader never sees the leftover
        AtomicFiles.write(f, List.of("FAILBACK=no"));
        assertEquals("FAILBACK=no\n", Files.readString(f));
        assertEquals(List.of(), new ConfigDirectory(dir, IpmpdLog.detached(null)).readHostnameFiles());
    }
}
