package ipmpd.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removal of the temporary directories tests, testbeds, benches and the demo make. */
public final class TempDirs {
    private TempDirs() {
    }

    /** Deletes a directory tree, as much of it as can be; true when it is gone. */
    public static boolean delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // gone already, or a file appeared or went while walking
        }
        return !Files.exists(dir);
    }

    /**
     * Deletes a directory tree, again every 100 ms for up to {@code within} while it is not gone: a
     * process that was just stopped may still write into it as it exits (snmptrapd does).
     */
    public static boolean delete(Path dir, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!delete(dir) && System.nanoTime() - deadline < 0) {
            Await.sleep(Duration.ofMillis(100));
        }
        return !Files.exists(dir);
    }

    /** Deletes a directory tree; the first file that cannot be deleted is an error (a test's own files). */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}
