package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ipmpd.sim.Scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every scenario of the seed documents and compares the transcript with the expected one
 * (reviewed against the seeds). Regenerate an expectation with
 * {@code bin/ipmpsim X.scn > X.out} only after checking the difference by hand.
 */
class ScenarioTranscriptTest {
    static final Path DIR = Path.of("src/test/resources/scenarios");

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no scenarios in " + DIR.toAbsolutePath());
        return files.stream().map(scn -> DynamicTest.dynamicTest(scn.getFileName().toString(), () -> {
            Path expected = Path.of(scn.toString().replaceAll("\\.scn$", ".out"));
            Scenario s = new Scenario();
            s.runAll(Files.readAllLines(scn, StandardCharsets.UTF_8));
            assertEquals(Files.readString(expected, StandardCharsets.UTF_8), s.transcript(),
                    "transcript of " + scn);
        }));
    }
}
