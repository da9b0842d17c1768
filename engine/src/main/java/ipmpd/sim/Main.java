package ipmpd.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** bin/ipmpsim SCENARIO: runs a scenario file and prints its transcript. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args.length != 1) {
            System.err.println("usage: ipmpsim SCENARIO");
            System.exit(2);
        }
        List<String> lines;
        try {
            lines = args[0].equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()
                    : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("ipmpsim: cannot read " + args[0] + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        Scenario s = new Scenario();
        try {
            s.runAll(lines);
        } catch (Scenario.ScenarioError e) {
            stdout.print(s.transcript());
            System.err.println("ipmpsim: " + args[0] + ": " + e.getMessage());
            System.exit(2);
        }
        stdout.print(s.transcript());
    }
}
