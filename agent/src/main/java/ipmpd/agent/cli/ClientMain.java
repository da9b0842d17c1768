package ipmpd.agent.cli;

import ipmpd.agent.control.ControlClient;
import ipmpd.agent.control.ControlPaths;
import ipmpd.engine.AdminException;
import ipmpd.engine.IfMpadmOptions;
import ipmpd.engine.Ipmpstat;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the three tools share: connect to the daemon, send the command line, copy its output,
 * exit with its status. The tools run inside the daemon; the client is only a pipe.
 */
public final class ClientMain {
    private ClientMain() {
    }

    /** The prefix of the tool's fatal messages ("if_mpadm: fatal: ", "ipmpstat: "). */
    static String prefix(String tool) {
        return tool.equals("if_mpadm") ? "if_mpadm: fatal: " : tool + ": ";
    }

    /** The message printed when no daemon answers. */
    public static String unreachable(String tool) {
        return prefix(tool) + "cannot contact ipmpd -- is IPMP in use?";
    }

    /** Runs a tool against the daemon at {@link ControlPaths#socket()} and exits with its status. */
    static void main(String tool, String[] args) {
        System.exit(run(tool, args, ControlPaths.socket(), System.out, System.err));
    }

    public static int run(String tool, String[] args, Path socket, PrintStream out, PrintStream err) {
        return run(tool, args, socket, out, err, c -> { });
    }

    /**
     * @param onConnected told the connection once it is open (a test closes it to end a stream)
     */
    public static int run(String tool, String[] args, Path socket, PrintStream out, PrintStream err,
                          Consumer<ControlClient> onConnected) {
        try { // the command line is checked before contacting the daemon, as the original tools do
            if (tool.equals("if_mpadm")) {
                IfMpadmOptions.parse(List.of(args));
            } else if (tool.equals("ipmpstat")) {
                Ipmpstat.checkFields(Ipmpstat.parse(List.of(args)));
            }
        } catch (AdminException e) {
            err.println(e.getMessage());
            err.flush();
            return 1;
        }
        ControlClient c;
        try {
            c = ControlClient.connect(socket);
        } catch (IOException | RuntimeException e) {
            err.println(unreachable(tool));
            err.flush();
            return 1;
        }
        try (c) {
            onConnected.accept(c);
            List<String> argv = new ArrayList<>();
            argv.add(tool);
            argv.addAll(List.of(args));
            try {
                c.send(argv);
            } catch (IOException e) {
                err.println(unreachable(tool));
                return 1;
            }
            return c.relay(out, err);
        } catch (ClosedChannelException e) {
            return 0; // hung up on purpose (the stream's end)
        } catch (IOException e) {
            out.flush();
            err.println(prefix(tool) + "lost connection to ipmpd");
            err.flush();
            return 1;
        }
    }
}
