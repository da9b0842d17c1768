package ipmpd.agent;

import ipmpd.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's main() as a child JVM: -f logging, SIGHUP, SIGTERM. */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class DaemonProcessTest {
    @Test
    void signals() throws Exception {
        try (DaemonFixture f = new DaemonFixture()) {
            f.write("mpathd", DaemonFixture.MPATHD);
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
            f.write("hostname.tst1", "192.0.2.20/24 group g0 up\naddif 192.0.2.21/24 deprecated -failover up\n");
            String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(javaBin, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    Daemon.class.getName(), "-c", f.configDir.toString(), "-f", "--platform=loopback",
                    "--platform-opt", "routers=192.0.2.1", "--socket=" + f.socket)
                    .redirectErrorStream(true).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            List<String> all = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                        all.add(l);
                    }
                } catch (java.io.IOException ignored) {
                    // process gone
                }
            });
            reader.start();
            try {
                String started = awaitLine(lines, "ipmpd started");
                assertTrue(started.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} in\\.mpathd\\[" + p.pid()
                        + "\\]: ipmpd started: .*"), started);
                assertEquals(List.of("tst1:ok", "tst0:ok"), f.parsable("-i", "INTERFACE,STATE"));

                f.write("mpathd", DaemonFixture.MPATHD.replace("=700", "=2100"));
                assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor());
                awaitLine(lines, "in.mpathd[" + p.pid() + "]: SIGHUP: restart and reread config file");
                // the new FDT is in force: as configured, or raised from it because the replies of a
                // loaded machine came too slowly for it (which the daemon says)
                Await.until("new FDT", () -> f.parsable("-g", "FDT").equals(List.of("2.10s"))
                        || all.stream().anyMatch(l -> l.contains("Cannot meet requested failure detection time of 2100 ms")));

                assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
                assertTrue(p.waitFor(Await.PATIENCE.toSeconds(), TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
                assertFalse(Files.exists(f.socket), "socket removed");
                assertEquals(1, f.run("ipmpstat", "-g").exit());
                assertEquals("ipmpstat: cannot contact ipmpd -- is IPMP in use?\n", f.run("ipmpstat", "-g").err());
            } finally {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(2000);
            }
        }
    }

    private static String awaitLine(BlockingQueue<String> lines, String containing) throws InterruptedException {
        long end = System.nanoTime() + Await.PATIENCE.toNanos(); // a wait, not a measurement
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() - end < 0) {
            String l = lines.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (l == null) {
                break;
            }
            seen.append(l).append('\n');
            if (l.contains(containing)) {
                return l;
            }
        }
        throw new AssertionError("no line containing \"" + containing + "\"; output:\n" + seen);
    }
}
