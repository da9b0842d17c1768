package ipmpd.agent;

import java.nio.file.Path;
import java.util.List;

/** Child process for AtomicFilesTest: dies (halt, no cleanup) between the temp file and the rename. */
public final class AtomicFilesCrash {
    private AtomicFilesCrash() {
    }

    public static void main(String[] args) throws Exception {
        AtomicFiles.write(Path.of(args[0]), List.of(args[1]), temp -> Runtime.getRuntime().halt(3));
        System.exit(0); // not reached
    }
}
