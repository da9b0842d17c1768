package ipmpd.agent;

import ipmpd.agent.cli.ClientMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** What the daemon fixtures of the agent's tests (daemon, SNMP, NETCONF) share. */
public final class Fixtures {
    private Fixtures() {
    }

    /** ipmpstat -P -o FIELDS MODE through the in-process client over {@code socket}, as lines. */
    public static List<String> ipmpstat(Path socket, String mode, String fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ClientMain.run("ipmpstat", new String[] {"-P", "-o", fields, mode}, socket, o, e);
        }
        if (code != 0) {
            throw new AssertionError("ipmpstat failed: " + err.toString(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

}
