package ipmpd.engine.config;

import java.util.List;

/** A configuration refused as a whole; nothing of it was applied. */
public final class ConfigException extends Exception {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.isEmpty() ? "configuration refused" : problems.get(0).toString());
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
