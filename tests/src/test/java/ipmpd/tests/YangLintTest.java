package ipmpd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs yanglint (libyang2-tools) on yang/ipmpd-ipmp.yang and on the instance documents under
 * yang/examples/: every example must validate, every document under yang/examples/invalid/ must be
 * rejected with the error its "expect:" comment names. The file name prefix gives the yanglint type
 * (see yang/examples/README.md).
 */
class YangLintTest {
    private static final Pattern EXPECT = Pattern.compile("<!--\\s*expect:\\s*(.*?)\\s*-->");

    private static Path root;
    private static Path yangDir;
    private static Path module;
    private static Path examples;

    @BeforeAll
    static void locate() {
        root = repoRoot();
        yangDir = root.resolve("yang");
        module = yangDir.resolve("ipmpd-ipmp.yang");
        examples = yangDir.resolve("examples");
        assertTrue(Files.isRegularFile(module), "missing " + module);
        assertTrue(Files.isDirectory(examples), "missing " + examples);
        try {
            Result version = run(List.of("yanglint", "--version"));
            assertEquals(0, version.exit, "yanglint --version: " + version.output);
        } catch (IOException e) {
            fail("yanglint is not installed (apt-get install libyang2-tools): " + e.getMessage());
        }
    }

    @Test
    void moduleIsAccepted() throws Exception {
        Result r = yanglint(List.of(module.toString()));
        assertEquals(0, r.exit, r.output);
        assertEquals("", r.output.trim(), "yanglint printed warnings or errors");
    }

    @Test
    void treeShowsTheModel() throws Exception {
        Result r = yanglint(List.of("-f", "tree", module.toString()));
        assertEquals(0, r.exit, r.output);
        for (String node : List.of("module: ipmpd", "+--rw ipmp", "+--rw group* [name]",
                "augment /if:interfaces/if:interface:", "+--rw ipmp!", "-> /ipmp:ipmp/ipmp:group/ipmp:name",
                "+--ro failure-count?", "+---x take-offline", "+--rw ipmp-interface?   if:interface-ref",
                "+--rw data-address* [address]", "+--ro inbound?", "+--ro outbound*", "+--ro ipmp-interface",
                "+--rw probe-target* [address]", "+--ro current-fdt?",
                "+---x offline", "+---x undo-offline", "+---n link-down", "+---n link-up",
                "+---n interface-failed", "+---n interface-repaired", "+---n group-state-changed",
                "+---n address-moved", "+---n fdt-changed")) {
            assertTrue(r.output.contains(node), "tree lacks " + node + "\n" + r.output);
        }
    }

    @TestFactory
    Stream<DynamicTest> examplesValidate() throws IOException {
        List<Path> files = xmlFiles(examples);
        assertFalse(files.isEmpty(), "no examples in " + examples);
        for (String prefix : List.of("config-", "data-", "notif-", "rpc-", "reply-")) {
            assertTrue(files.stream().anyMatch(f -> name(f).startsWith(prefix)), "no " + prefix + " example");
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(name(f), () -> {
            Result r = yanglint(arguments(f));
            assertEquals(0, r.exit, name(f) + " was rejected:\n" + r.output);
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidExamplesAreRejected() throws IOException {
        List<Path> files = xmlFiles(examples.resolve("invalid"));
        assertFalse(files.isEmpty(), "no invalid examples");
        return files.stream().map(f -> DynamicTest.dynamicTest(name(f), () -> {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            Matcher m = EXPECT.matcher(text);
            assertTrue(m.find(), name(f) + " has no <!-- expect: ... --> comment");
            String expected = m.group(1);
            Result r = yanglint(arguments(f));
            assertNotEquals(0, r.exit, name(f) + " was accepted:\n" + r.output);
            assertTrue(r.output.toLowerCase(Locale.ROOT).contains(expected.toLowerCase(Locale.ROOT)),
                    name(f) + " was rejected for another reason than \"" + expected + "\":\n" + r.output);
        }));
    }

    /** The yanglint arguments for one instance document, by its file name prefix. */
    private static List<String> arguments(Path file) throws IOException {
        String n = name(file);
        List<String> args = new ArrayList<>();
        if (n.startsWith("config-")) {
            args.addAll(List.of("-t", "config"));
        } else if (n.startsWith("data-")) {
            args.addAll(List.of("-t", "data"));
        } else if (n.startsWith("get-")) {
            args.addAll(List.of("-t", "get"));
        } else if (n.startsWith("notif-")) {
            args.addAll(List.of("-t", "nc-notif"));
        } else if (n.startsWith("rpc-")) {
            args.addAll(List.of("-t", "nc-rpc"));
        } else if (n.startsWith("reply-")) {
            args.addAll(List.of("-t", "nc-reply", "-R", requestOf(file).toString()));
        } else {
            fail("unknown example kind (prefix): " + n);
        }
        args.add(module.toString());
        // the members' interface types (ianaift:ethernetCsmacd) are its identities: implemented with the module
        args.add(yangDir.resolve("iana-if-type@2014-05-08.yang").toString());
        args.add(file.toString());
        return args;
    }

    /** reply-OP[-more].xml answers rpc-OP.xml (in examples/), the longest OP that fits. */
    private static Path requestOf(Path reply) throws IOException {
        String rest = name(reply).substring("reply-".length()).replaceFirst("\\.xml$", "");
        Path best = null;
        int bestLen = -1;
        for (Path rpc : xmlFiles(examples)) {
            String n = name(rpc);
            if (!n.startsWith("rpc-")) {
                continue;
            }
            String op = n.substring("rpc-".length()).replaceFirst("\\.xml$", "");
            if ((rest.equals(op) || rest.startsWith(op + "-")) && op.length() > bestLen) {
                best = rpc;
                bestLen = op.length();
            }
        }
        assertNotNull(best, "no rpc-*.xml request for " + name(reply));
        return best;
    }

    private static List<Path> xmlFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && name(p).endsWith(".xml"))
                    .sorted(Comparator.comparing(YangLintTest::name))
                    .toList();
        }
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    private static Result yanglint(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("yanglint", "-p", yangDir.toString()));
        cmd.addAll(args);
        return run(cmd);
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // yanglint also searches its working directory for modules: make that the module directory itself.
        pb.directory(yangDir.toFile());
        Process p = pb.start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("yanglint timed out: " + cmd);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + cmd, e);
        }
    }

    /** Walks up from the working directory to the project's root pom (the one listing the engine module). */
    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path pom = dir.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom)
                        && Files.readString(pom, StandardCharsets.UTF_8).contains("<module>engine</module>")) {
                    return dir;
                }
            } catch (IOException e) {
                // unreadable: keep walking up
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no pom.xml with <module>engine</module> above " + Path.of("").toAbsolutePath());
    }
}
