package ipmpd.agent.netconf;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What a shell or exec request gets: nothing runs; a one-line refusal on stderr, exit status 1,
 * and the channel closes (rather than an idle channel that a refused request would leave open).
 */
final class RefusingCommand implements Command {
    private final String reason;
    private OutputStream err;
    private ExitCallback exit;

    RefusingCommand() {
        this("only the netconf subsystem is available");
    }

    RefusingCommand(String reason) {
        this.reason = reason;
    }

    @Override
    public void setInputStream(InputStream in) {
    }

    @Override
    public void setOutputStream(OutputStream out) {
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        try {
            if (err != null) {
                err.write(("ipmpd: " + reason + "\n").getBytes(StandardCharsets.UTF_8));
                err.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
        exit.onExit(1, reason);
    }

    @Override
    public void destroy(ChannelSession channel) {
    }
}
