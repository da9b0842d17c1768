package ipmpd.tests.crash;

import ipmpd.tests.testbed.Netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The NETCONF client of the crash run: {@code crash_client.py} (ncclient, /usr/bin/python3) kept
 * running in the daemon's namespace across the daemon's restarts, one command a line on its
 * standard input, one answer a line on its standard output (see the script).
 */
final class ScriptedNetconfClient implements AutoCloseable {
    private final Path stderr;
    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    ScriptedNetconfClient(String ns, int port, Path passwordFile, Path work) {
        Path script = work.resolve("crash_client.py");
        stderr = work.resolve("crash_client.stderr");
        try (var res = ScriptedNetconfClient.class.getResourceAsStream("crash_client.py")) {
            if (res == null) {
                throw new IllegalStateException("crash_client.py is not on the class path");
            }
            Files.write(script, res.readAllBytes());
            ProcessBuilder pb = new ProcessBuilder(Netns.command(ns, "env", "PYTHONDONTWRITEBYTECODE=1",
                    "/usr/bin/python3", script.toString(), Integer.toString(port), passwordFile.toString()));
            pb.redirectError(stderr.toFile());
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Sends a command without waiting for its answer ({@link #answer()}). */
    void send(String line) {
        try {
            in.write(line + "\n");
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the NETCONF client died: " + stderr(), e);
        }
    }

    /** The next answer (at most 120 s). */
    String answer() {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            String l = f.get(120, TimeUnit.SECONDS);
            if (l == null) {
                throw new AssertionError("the NETCONF client exited: " + stderr());
            }
            return l;
        } catch (TimeoutException e) {
            throw new AssertionError("the NETCONF client did not answer within 120 s: " + stderr());
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("the NETCONF client failed: " + e + " " + stderr());
        }
    }

    /** A command and its answer. */
    String request(String line) {
        send(line);
        return answer();
    }

    private String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
