package ipmpd.agent.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One scrape's metrics, written in the Prometheus text exposition format (version 0.0.4) or in
 * OpenMetrics 1.0.0. Families are declared first and receive their samples in any order; each is
 * written whole, in the order declared (both formats want a family's samples together).
 * <p>
 * The two formats name things differently, and this class is where that is decided: a counter's
 * family is {@code x_total} in the text format and {@code x} in OpenMetrics (its sample is
 * {@code x_total} in both); a state set is an OpenMetrics {@code stateset} and a text-format
 * {@code gauge}, with one sample per state (1 for the current one) labelled with the family's
 * name, as OpenMetrics requires; {@code # UNIT} and {@code # EOF} are OpenMetrics only. So
 * Prometheus stores the same series whichever format it negotiates.
 */
public final class Exposition {
    /** The two formats, with the Content-Type each is served with. */
    public enum Format {
        TEXT("text/plain; version=0.0.4; charset=utf-8"),
        OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8");

        public final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }
    }

    enum Type { COUNTER, GAUGE, STATESET }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final Map<String, Family> families = new LinkedHashMap<>();

    /**
     * A counter: {@code name} ends in {@code _total} (its sample's name).
     *
     * @param unit the OpenMetrics unit (the name, before {@code _total}, ends with it), or null
     */
    public Family counter(String name, String unit, String help) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        }
        return declare(name, Type.COUNTER, unit, help, null);
    }

    /** A gauge. @param unit the OpenMetrics unit (the name ends with it), or null */
    public Family gauge(String name, String unit, String help) {
        return declare(name, Type.GAUGE, unit, help, null);
    }

    /** A state set: the states a thing may be in, one of them (or none, when unknown) current. */
    public Family stateSet(String name, String help, List<String> states) {
        return declare(name, Type.STATESET, null, help, List.copyOf(states));
    }

    private Family declare(String name, Type type, String unit, String help, List<String> states) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name " + name);
        }
        String base = type == Type.COUNTER ? name.substring(0, name.length() - "_total".length()) : name;
        if (unit != null && !base.endsWith("_" + unit)) {
            throw new IllegalArgumentException(name + " does not end with its unit " + unit);
        }
        if (families.containsKey(name)) {
            throw new IllegalArgumentException("metric declared twice: " + name);
        }
        Family f = new Family(name, type, unit, help, states);
        families.put(name, f);
        return f;
    }

    /** A family and the samples it received. */
    public static final class Family {
        private final String name;
        private final Type type;
        private final String unit;
        private final String help;
        private final List<String> states;
        private final List<String[]> labelSets = new ArrayList<>();
        private final List<String> values = new ArrayList<>();

        private Family(String name, Type type, String unit, String help, List<String> states) {
            this.name = name;
            this.type = type;
            this.unit = unit;
            this.help = help;
            this.states = states;
        }

        /**
         * A sample.
         *
         * @param labels label names and values, alternating
         */
        public Family add(double value, String... labels) {
            if (type == Type.STATESET) {
                throw new IllegalStateException(name + " is a state set: use state()");
            }
            return put(number(value), labels);
        }

        /** A sample of an integer value (counts, 0/1 gauges). */
        public Family add(long value, String... labels) {
            if (type == Type.STATESET) {
                throw new IllegalStateException(name + " is a state set: use state()");
            }
            return put(Long.toString(value), labels);
        }

        /** The samples of a state set for one thing: 1 for {@code current}, 0 for the other states. */
        public Family state(String current, String... labels) {
            if (type != Type.STATESET) {
                throw new IllegalStateException(name + " is not a state set");
            }
            if (current != null && !states.contains(current)) {
                throw new IllegalArgumentException(name + ": no state " + current + " in " + states);
            }
            for (String s : states) {
                String[] all = java.util.Arrays.copyOf(labels, labels.length + 2);
                all[labels.length] = name;
                all[labels.length + 1] = s;
                put(s.equals(current) ? "1" : "0", all);
            }
            return this;
        }

        private Family put(String value, String[] labels) {
            if (labels.length % 2 != 0) {
                throw new IllegalArgumentException("labels come in name, value pairs");
            }
            for (int i = 0; i < labels.length; i += 2) {
                if (!LABEL.matcher(labels[i]).matches() || labels[i].startsWith("__")) {
                    throw new IllegalArgumentException("bad label name " + labels[i]);
                }
                if (labels[i + 1] == null) {
                    throw new IllegalArgumentException("label " + labels[i] + " of " + name + " has no value");
                }
            }
            labelSets.add(labels.clone());
            values.add(value);
            return this;
        }

        int size() {
            return values.size();
        }
    }

    /** The whole exposition in a format. */
    public String render(Format format) {
        StringBuilder b = new StringBuilder(4096);
        boolean om = format == Format.OPENMETRICS;
        for (Family f : families.values()) {
            String familyName = om && f.type == Type.COUNTER ? f.name.substring(0, f.name.length() - 6) : f.name;
            String type = switch (f.type) {
                case COUNTER -> "counter";
                case GAUGE -> "gauge";
                case STATESET -> om ? "stateset" : "gauge";
            };
            if (om) {
                b.append("# TYPE ").append(familyName).append(' ').append(type).append('\n');
                if (f.unit != null) {
                    b.append("# UNIT ").append(familyName).append(' ').append(f.unit).append('\n');
                }
                b.append("# HELP ").append(familyName).append(' ').append(escape(f.help, true)).append('\n');
            } else {
                b.append("# HELP ").append(familyName).append(' ').append(escape(f.help, false)).append('\n');
                b.append("# TYPE ").append(familyName).append(' ').append(type).append('\n');
            }
            for (int i = 0; i < f.values.size(); i++) {
                b.append(f.name);
                String[] l = f.labelSets.get(i);
                if (l.length > 0) {
                    b.append('{');
                    for (int j = 0; j < l.length; j += 2) {
                        if (j > 0) {
                            b.append(',');
                        }
                        b.append(l[j]).append("=\"").append(escape(l[j + 1], true)).append('"');
                    }
                    b.append('}');
                }
                b.append(' ').append(f.values.get(i)).append('\n');
            }
        }
        if (om) {
            b.append("# EOF\n");
        }
        return b.toString();
    }

    /**
     * Backslash and line feed escaped (both formats); the double quote too in label values and
     * OpenMetrics help texts.
     */
    static String escape(String s, boolean quote) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '"' && quote ? "\\\"" : null;
            if (r != null && b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (b != null) {
                if (r != null) {
                    b.append(r);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    /** A value as both formats accept it: no exponent, NaN and the infinities spelled as they want. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
