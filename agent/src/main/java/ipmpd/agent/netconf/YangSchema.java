package ipmpd.agent.netconf;

import ipmpd.engine.Addresses;
import org.w3c.dom.Element;
import org.yangcentral.yangkit.common.api.QName;
import org.yangcentral.yangkit.model.api.restriction.LeafRef;
import org.yangcentral.yangkit.model.api.restriction.Restriction;
import org.yangcentral.yangkit.model.api.schema.YangSchemaContext;
import org.yangcentral.yangkit.model.api.stmt.Action;
import org.yangcentral.yangkit.model.api.stmt.ActionContainer;
import org.yangcentral.yangkit.model.api.stmt.Container;
import org.yangcentral.yangkit.model.api.stmt.IfFeatureSupport;
import org.yangcentral.yangkit.model.api.stmt.DataDefinition;
import org.yangcentral.yangkit.model.api.stmt.Leaf;
import org.yangcentral.yangkit.model.api.stmt.LeafList;
import org.yangcentral.yangkit.model.api.stmt.Must;
import org.yangcentral.yangkit.model.api.stmt.MustSupport;
import org.yangcentral.yangkit.model.api.stmt.Notification;
import org.yangcentral.yangkit.model.api.stmt.Operation;
import org.yangcentral.yangkit.model.api.stmt.Rpc;
import org.yangcentral.yangkit.model.api.stmt.SchemaNode;
import org.yangcentral.yangkit.model.api.stmt.SchemaNodeContainer;
import org.yangcentral.yangkit.model.api.stmt.Type;
import org.yangcentral.yangkit.model.api.stmt.TypedDataNode;
import org.yangcentral.yangkit.model.api.stmt.YangList;
import org.yangcentral.yangkit.parser.YangYinParser;

import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ipmpd YANG module as the server uses it, loaded with yangkit 1.4.5 from the module file
 * itself: the data tree (containers, lists and their keys, leaves, leaf-lists, config or state),
 * each leaf's type (checked with yangkit's own restriction evaluation: ranges, lengths, patterns,
 * enums, bits, unions), defaults, mandatory leaves, leafref paths and must statements with their
 * error-message and error-app-tag; the inputs of the operations and of the actions; and the
 * module texts that get-schema serves. Nothing of the module's constraints is copied by hand into Java.
 */
final class YangSchema {
    static final String MODULE = "ipmpd-ipmp";

    /** A module the server knows the text of. */
    record ModuleText(String name, String revision, String namespace, String yangVersion, Path file, String text) {
    }

    record MustRule(String xpath, String errorMessage, String appTag) {
    }

    enum Kind { CONTAINER, LIST, LEAF, LEAF_LIST }

    /** A schema node of the data tree, in schema order. */
    static final class SNode {
        final String name;
        /** The namespace and the prefix (for error-path) of the module that defines the node. */
        String ns = Xml.IPMP;
        String prefix = "ipmp";
        final Kind kind;
        final boolean config;
        final List<String> keys;
        final Map<String, SNode> children = new LinkedHashMap<>();
        /** The YANG 1.1 actions of a container or list, by name, each as its input container. */
        final Map<String, SNode> actions = new LinkedHashMap<>();
        final List<MustRule> musts;
        final TypedDataNode typed;
        final String defaultValue;
        final boolean mandatory;
        final String leafrefPath;
        final boolean requireInstance;
        SNode parent;
        int index;
        /**
         * Canonical forms of values already checked (the check through yangkit is a pure
         * function of type and value, and configurations repeat values: names, true/false).
         * Bounded; an invalid value maps to {@link #INVALID}.
         */
        final Map<String, String> canonicalCache = new java.util.concurrent.ConcurrentHashMap<>();

        SNode(String name, Kind kind, boolean config, List<String> keys, List<MustRule> musts, TypedDataNode typed,
              String defaultValue, boolean mandatory, String leafrefPath, boolean requireInstance) {
            this.name = name;
            this.kind = kind;
            this.config = config;
            this.keys = keys;
            this.musts = musts;
            this.typed = typed;
            this.defaultValue = defaultValue;
            this.mandatory = mandatory;
            this.leafrefPath = leafrefPath;
            this.requireInstance = requireInstance;
        }

        SNode child(String n) {
            return children.get(n);
        }

        boolean isKey() {
            return parent != null && parent.kind == Kind.LIST && parent.keys.contains(name);
        }

        boolean isLeafy() {
            return kind == Kind.LEAF || kind == Kind.LEAF_LIST;
        }

        @Override
        public String toString() {
            return kind + " " + name;
        }
    }

    private final YangSchemaContext context;
    private final SNode root;
    private final Map<String, SNode> rpcInputs = new LinkedHashMap<>();
    private final Map<String, SNode> notifications = new LinkedHashMap<>();
    private final List<ModuleText> modules;
    private final ModuleText ipmpd;

    private YangSchema(YangSchemaContext context, SNode root, List<ModuleText> modules, ModuleText ipmpd) {
        this.context = context;
        this.root = root;
        this.modules = modules;
        this.ipmpd = ipmpd;
    }

    /** Where ipmpd-ipmp.yang and the IETF modules are looked for, in order. */
    static List<Path> searchPath(Path configured) {
        List<Path> out = new ArrayList<>();
        if (configured != null) {
            out.add(configured);
        }
        Path near = besideCode();
        if (near != null) {
            out.add(near);
        }
        out.add(Path.of("/usr/share/ipmpd/yang"));
        out.add(Path.of("/usr/share/yang/modules/libyang"));
        out.add(Path.of("/usr/share/yang/modules/ietf"));
        out.add(Path.of("/usr/share/yuma/modules/ietf"));
        out.add(Path.of("/usr/share/yuma/modules/ietf-derived")); // RFC 5277's modules (nc-notifications)
        out.add(Path.of("/usr/share/yuma/modules/netconfcentral"));
        return out;
    }

    /** The yang/ directory of the source tree the code runs from (agent/target/... -> yang/). */
    private static Path besideCode() {
        try {
            Path p = Path.of(YangSchema.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (int i = 0; i < 5 && p != null; i++) {
                if (Files.isRegularFile(p.resolve("yang").resolve(MODULE + ".yang"))) {
                    return p.resolve("yang");
                }
                p = p.getParent();
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code source: rely on the other places
        }
        return null;
    }

    /** The newest file of a module on the search path ("name.yang" or "name@REV.yang"). */
    static Optional<Path> find(List<Path> path, String module) {
        for (Path dir : path) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            Path plain = dir.resolve(module + ".yang");
            if (Files.isRegularFile(plain)) {
                return Optional.of(plain);
            }
            try (var s = Files.list(dir)) {
                Optional<Path> best = s.filter(p -> p.getFileName().toString().startsWith(module + "@")
                                && p.getFileName().toString().endsWith(".yang"))
                        .max(java.util.Comparator.comparing(p -> p.getFileName().toString()));
                if (best.isPresent()) {
                    return best;
                }
            } catch (IOException e) {
                // unreadable directory: next one
            }
        }
        return Optional.empty();
    }

    /** Modules served by get-schema besides ipmpd and its imports, when their files are found. */
    static final List<String> EXTRA_MODULES = List.of("ietf-netconf", "ietf-netconf-monitoring",
            "ietf-yang-library", "ietf-datastores", "ietf-netconf-with-defaults", "ietf-netconf-nmda", "ietf-origin",
            "ietf-yang-metadata", "ietf-netconf-notifications", "nc-notifications", "notifications", "yuma-ncx",
            "ietf-netconf-acm");

    /**
     * Loads ipmpd-ipmp.yang and its imports from the search path.
     *
     * @throws IOException when a module is missing or does not load
     */
    static YangSchema load(Path configuredDir) throws IOException {
        List<Path> path = searchPath(configuredDir);
        Path main = find(path, MODULE).orElseThrow(() -> new IOException("NETCONF: cannot find " + MODULE
                + ".yang (looked in " + path + "; set netconf.yang-dir)"));
        String mainText = Files.readString(main, StandardCharsets.UTF_8);
        List<Path> files = new ArrayList<>();
        files.add(main);
        Set<String> seen = new HashSet<>();
        seen.add(MODULE);
        List<String> pending = new ArrayList<>(imports(mainText));
        while (!pending.isEmpty()) {
            String m = pending.remove(0);
            if (!seen.add(m)) {
                continue;
            }
            Path f = find(path, m).orElseThrow(() -> new IOException("NETCONF: cannot find module " + m
                    + " imported by " + MODULE + " (looked in " + path + ")"));
            files.add(f);
            pending.addAll(imports(Files.readString(f, StandardCharsets.UTF_8)));
        }
        YangSchemaContext ctx;
        try {
            List<File> fs = new ArrayList<>();
            for (Path p : files) {
                fs.add(p.toFile());
            }
            ctx = YangYinParser.parse(fs);
            var result = ctx.validate();
            if (!result.isOk()) {
                throw new IOException("NETCONF: " + main + " does not load: " + result);
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("NETCONF: " + main + " does not load: " + e, e);
        }
        List<ModuleText> texts = new ArrayList<>();
        ModuleText ipmpd = null;
        for (Path p : files) {
            ModuleText t = text(p);
            texts.add(t);
            if (t.name().equals(MODULE)) {
                ipmpd = t;
            }
        }
        for (String extra : EXTRA_MODULES) {
            if (seen.contains(extra)) {
                continue;
            }
            Optional<Path> f = find(path, extra);
            if (f.isPresent()) {
                texts.add(text(f.get()));
                seen.add(extra);
            }
        }
        var module = ctx.getModule(MODULE).get(0);
        // the data tree: /if:interfaces (with ipmpd-ipmp's augment of its interfaces) and /ipmp:ipmp,
        // under a node that stands for the datastore
        SNode top = new SNode("data", Kind.CONTAINER, true, List.of(), List.of(), null, null, false, null, false);
        for (String[] t : new String[][] {{"ietf-interfaces", "interfaces"}, {MODULE, "ipmp"}}) {
            var m = ctx.getModule(t[0]);
            if (m.isEmpty()) {
                throw new IOException("NETCONF: module " + t[0] + " is not loaded");
            }
            for (DataDefinition d : m.get(0).getDataDefChildren()) {
                if (d.getArgStr().equals(t[1])) {
                    addChild(top, build((SchemaNode) d, top));
                }
            }
            if (top.child(t[1]) == null) {
                throw new IOException("NETCONF: " + t[0] + " has no container " + t[1]);
            }
        }
        for (var m : ctx.getModules()) {
            SELF_PREFIXES.put(m.getMainModule().getNamespace().getUri().toString(), m.getSelfPrefix());
        }
        YangSchema s = new YangSchema(ctx, top, List.copyOf(texts), ipmpd);
        for (Rpc r : module.getRpcs()) {
            s.rpcInputs.put(r.getArgStr(), input(r));
        }
        for (Notification n : module.getNotifications()) {
            SNode nn = new SNode(n.getArgStr(), Kind.CONTAINER, false, List.of(), List.of(), null, null, false, null,
                    false);
            for (SchemaNode c : ((SchemaNodeContainer) n).getDataNodeChildren()) {
                addChild(nn, build(c, nn));
            }
            s.notifications.put(n.getArgStr(), nn);
        }
        return s;
    }

    /** The input of an rpc or action as a container (empty without input). */
    private static SNode input(Operation op) {
        SNode in = new SNode("input", Kind.CONTAINER, true, List.of(), List.of(), null, null, false, null, false);
        if (op.getInput() != null) {
            for (SchemaNode c : ((SchemaNodeContainer) op.getInput()).getDataNodeChildren()) {
                addChild(in, build(c, in));
            }
        }
        return in;
    }

    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+([A-Za-z_][\\w.-]*)");
    private static final Pattern REVISION = Pattern.compile("(?m)^\\s*revision\\s+\"?(\\d{4}-\\d{2}-\\d{2})");
    private static final Pattern NAMESPACE = Pattern.compile("(?m)^\\s*namespace\\s+\"?([^\";\\s]+)");
    private static final Pattern NAME = Pattern.compile("(?m)^\\s*module\\s+([A-Za-z_][\\w.-]*)");
    private static final Pattern VERSION = Pattern.compile("(?m)^\\s*yang-version\\s+\"?([0-9.]+)");

    private static List<String> imports(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = IMPORT.matcher(withoutStringsAndComments(text));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** YANG text with quoted strings emptied and comments removed (line structure kept). */
    static String withoutStringsAndComments(String t) {
        StringBuilder b = new StringBuilder(t.length());
        int i = 0;
        while (i < t.length()) {
            char c = t.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < t.length() && t.charAt(j) != c) {
                    if (c == '"' && t.charAt(j) == '\\') {
                        j++;
                    }
                    if (j < t.length() && t.charAt(j) == '\n') {
                        b.append('\n');
                    }
                    j++;
                }
                b.append(c).append(c);
                i = j + 1;
            } else if (c == '/' && i + 1 < t.length() && t.charAt(i + 1) == '/') {
                while (i < t.length() && t.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < t.length() && t.charAt(i + 1) == '*') {
                int end = t.indexOf("*/", i + 2);
                end = end < 0 ? t.length() : end + 2;
                for (int k = i; k < end; k++) {
                    if (t.charAt(k) == '\n') {
                        b.append('\n');
                    }
                }
                i = end;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private static ModuleText text(Path p) throws IOException {
        String t = Files.readString(p, StandardCharsets.UTF_8);
        Matcher n = NAME.matcher(t);
        Matcher r = REVISION.matcher(t);
        Matcher ns = NAMESPACE.matcher(t);
        Matcher v = VERSION.matcher(t);
        String name = n.find() ? n.group(1) : p.getFileName().toString().replaceAll("[@.].*", "");
        return new ModuleText(name, r.find() ? r.group(1) : "", ns.find() ? ns.group(1) : "",
                v.find() ? v.group(1) : "1", p, t);
    }

    private static void addChild(SNode parent, SNode c) {
        c.parent = parent;
        c.index = parent.children.size();
        parent.children.put(c.name, c);
    }

    /** The prefixes of error-path by namespace (a module's own prefix). */
    static final Map<String, String> PREFIXES = Map.of(Xml.IPMP, "ipmp", Xml.IF, "if");

    private static SNode build(SchemaNode n, SNode parent) {
        String name = n.getIdentifier().getLocalName();
        String ns = n.getIdentifier().getNamespace() == null ? Xml.IPMP : n.getIdentifier().getNamespace().toString();
        List<MustRule> musts = new ArrayList<>();
        if (n instanceof MustSupport ms) {
            for (Must m : ms.getMusts()) {
                musts.add(new MustRule(m.getArgStr(),
                        m.getErrorMessage() == null ? null : m.getErrorMessage().getArgStr(),
                        m.getErrorAppTag() == null ? null : m.getErrorAppTag().getArgStr()));
            }
        }
        SNode s;
        if (n instanceof YangList l) {
            List<String> keys = Arrays.asList(l.getKey().getArgStr().trim().split("\\s+"));
            s = new SNode(name, Kind.LIST, n.isConfig(), List.copyOf(keys), musts, null, null, false, null, false);
        } else if (n instanceof Container) {
            s = new SNode(name, Kind.CONTAINER, n.isConfig(), List.of(), musts, null, null, false, null, false);
        } else if (n instanceof Leaf leaf) {
            String def = leaf.getEffectiveDefault() == null ? null : leaf.getEffectiveDefault().getArgStr();
            boolean mandatory = leaf.getMandatory() != null && "true".equals(leaf.getMandatory().getArgStr());
            String lr = null;
            boolean req = false;
            if (leaf.getType().getRestriction() instanceof LeafRef ref) {
                lr = ref.getEffectivePath().getArgStr();
                req = ref.isRequireInstance();
            }
            s = new SNode(name, Kind.LEAF, n.isConfig(), List.of(), musts, leaf, def, mandatory, lr, req);
        } else if (n instanceof LeafList ll) {
            s = new SNode(name, Kind.LEAF_LIST, n.isConfig(), List.of(), musts, ll, null, false, null, false);
        } else {
            throw new IllegalStateException("ipmpd-ipmp.yang uses a statement the NETCONF server does not handle: "
                    + n.getClass().getSimpleName() + " " + name);
        }
        s.ns = ns;
        s.prefix = PREFIXES.getOrDefault(ns, "ipmp");
        if (n instanceof SchemaNodeContainer c && !(n instanceof Leaf) && !(n instanceof LeafList)) {
            for (SchemaNode ch : c.getDataNodeChildren()) {
                // features the server does not implement (ietf-interfaces' if-mib, ...): no such nodes
                if (ch instanceof IfFeatureSupport f && !f.getIfFeatures().isEmpty()) {
                    continue;
                }
                addChild(s, build(ch, s));
            }
        }
        if (n instanceof ActionContainer ac) {
            for (Action a : ac.getActions()) {
                s.actions.put(a.getArgStr(), input(a));
            }
        }
        return s;
    }

    SNode root() {
        return root;
    }

    SNode rpcInput(String rpc) {
        return rpcInputs.get(rpc);
    }

    SNode notification(String name) {
        return notifications.get(name);
    }

    List<ModuleText> modules() {
        return modules;
    }

    ModuleText ipmpd() {
        return ipmpd;
    }

    YangSchemaContext context() {
        return context;
    }

    // ------------------------------------------------------------------ values

    /**
     * Checks a leaf value against its YANG type and returns its canonical form (addresses
     * compressed and lower case, integers without sign or leading zeros), or null when the
     * value is not valid for the type.
     */
    static String canonical(SNode leaf, String value) {
        if (value == null) {
            return null;
        }
        String known = leaf.canonicalCache.get(value);
        if (known != null) {
            return known == INVALID ? null : known;
        }
        String c = canonical(leaf.typed.getType(), value, 0);
        if (leaf.canonicalCache.size() < CANONICAL_CACHE_SIZE) {
            leaf.canonicalCache.put(value, c == null ? INVALID : c);
        }
        return c;
    }

    private static final int CANONICAL_CACHE_SIZE = 8192;
    /** Marks a cached invalid value (compared by identity). */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String INVALID = new String("<invalid>");

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static String canonical(Type type, String value, int depth) {
        if (value == null || depth > 8) {
            return null;
        }
        Type builtin = type.getBuiltinType();
        String b = builtin == null ? type.getArgStr() : builtin.getArgStr();
        Restriction r = type.getRestriction();
        try {
            switch (b) {
                case "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64" -> {
                    if (!value.matches("[+-]?[0-9]+")) {
                        return null;
                    }
                    BigInteger v = new BigInteger(value.startsWith("+") ? value.substring(1) : value);
                    Object boxed = switch (b) {
                        case "int8" -> v.byteValueExact();
                        case "int16", "uint8" -> v.shortValueExact();
                        case "int32", "uint16" -> v.intValueExact();
                        case "int64", "uint32" -> v.longValueExact();
                        default -> v;
                    };
                    if (b.startsWith("u") && v.signum() < 0) {
                        return null;
                    }
                    if (b.equals("uint64") && v.bitLength() > 64) {
                        return null;
                    }
                    return r.evaluate(boxed) ? v.toString() : null;
                }
                case "boolean" -> {
                    if (!value.equals("true") && !value.equals("false")) {
                        return null;
                    }
                    return r.evaluate(Boolean.valueOf(value)) ? value : null;
                }
                case "bits" -> {
                    List<String> bits = value.isBlank() ? List.of() : Arrays.asList(value.trim().split("\\s+"));
                    if (new HashSet<>(bits).size() != bits.size()) {
                        return null;
                    }
                    return r.evaluate(bits) ? String.join(" ", bits) : null;
                }
                case "leafref" -> {
                    LeafRef lr = (LeafRef) r;
                    TypedDataNode target = lr.getReferencedNode();
                    return target == null ? value : canonical(target.getType(), value, depth + 1);
                }
                case "empty" -> {
                    return value.isEmpty() ? "" : null;
                }
                default -> {
                    if (!r.evaluate(value)) {
                        return null;
                    }
                    if (isAddressType(type)) {
                        return canonicalAddress(value);
                    }
                    return value;
                }
            }
        } catch (ArithmeticException | ClassCastException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether a type is (derived from) inet:ip-address, ipv4-address or ipv6-address. */
    private static boolean isAddressType(Type t) {
        for (int i = 0; t != null && i < 8; i++) {
            String a = t.getArgStr();
            if (a.endsWith(":ip-address") || a.endsWith(":ipv4-address") || a.endsWith(":ipv6-address")
                    || a.endsWith(":ip-address-no-zone") || a.endsWith(":ipv4-address-no-zone")
                    || a.endsWith(":ipv6-address-no-zone")) {
                return true;
            }
            t = t.isDerivedType() ? t.getDerived().getType() : null;
        }
        return false;
    }

    /** RFC 5952 text of an address; a zone (fe80::1%eth0) is kept as written. */
    private static String canonicalAddress(String value) {
        int pct = value.indexOf('%');
        String addr = pct < 0 ? value : value.substring(0, pct);
        return Addresses.parse(addr).map(a -> Addresses.format(a).toLowerCase(Locale.ROOT)
                + (pct < 0 ? "" : value.substring(pct))).orElse(value);
    }

    /** Every loaded module's own prefix by namespace (the canonical prefix of identity values). */
    private static final Map<String, String> SELF_PREFIXES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A leaf's value as written in an element, checked and in canonical form: for an identityref
     * "prefix:identity" with the prefix of the identity's own module (the element's namespace
     * declarations say which module the written prefix names), else as {@link #canonical(SNode, String)}.
     */
    static String canonical(SNode leaf, Element e) {
        String value = Xml.text(e);
        if (!isIdentityref(leaf)) {
            return canonical(leaf, value);
        }
        int colon = value.indexOf(':');
        String prefix = colon < 0 ? null : value.substring(0, colon);
        String local = value.substring(colon + 1);
        String ns = e.lookupNamespaceURI(prefix);
        if (ns == null || local.isEmpty()) {
            return null;
        }
        try {
            @SuppressWarnings("unchecked")
            Restriction<QName> r = (Restriction<QName>) leaf.typed.getType().getRestriction();
            if (!r.evaluate(new QName(java.net.URI.create(ns), local))) {
                return null;
            }
        } catch (RuntimeException ex) {
            return null;
        }
        String own = SELF_PREFIXES.get(ns);
        return own == null ? null : own + ":" + local;
    }

    static boolean isIdentityref(SNode leaf) {
        if (leaf.typed == null) {
            return false;
        }
        Type t = leaf.typed.getType();
        Type builtin = t.getBuiltinType();
        return "identityref".equals(builtin == null ? t.getArgStr() : builtin.getArgStr());
    }

    /** Declares on an element the prefix of the canonical identity value it holds ("ianaift:..."). */
    static void declarePrefix(Element e, String canonicalIdentity) {
        int colon = canonicalIdentity.indexOf(':');
        if (colon <= 0) {
            return;
        }
        String prefix = canonicalIdentity.substring(0, colon);
        for (Map.Entry<String, String> m : SELF_PREFIXES.entrySet()) {
            if (m.getValue().equals(prefix)) {
                e.setAttributeNS(Xml.XMLNS, "xmlns:" + prefix, m.getKey());
                return;
            }
        }
    }

    /** The keys of a list, in order (empty for other nodes). */
    static List<String> keys(SNode list) {
        return list.kind == Kind.LIST ? list.keys : Collections.emptyList();
    }
}
