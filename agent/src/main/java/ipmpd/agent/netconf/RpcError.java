package ipmpd.agent.netconf;

import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code <rpc-error>} (RFC 6241 section 4.3 and appendix A), thrown as an exception by the
 * operations. {@code path} is an instance identifier with the prefix {@code ipmp} for the ipmpd
 * module (declared on the error-path element).
 */
final class RpcError extends Exception {
    enum Type { TRANSPORT, RPC, PROTOCOL, APPLICATION }

    final Type type;
    final String tag;
    final String appTag;
    final String path;
    final Map<String, String> info;

    RpcError(Type type, String tag, String message, String appTag, String path, Map<String, String> info) {
        super(message);
        this.type = type;
        this.tag = tag;
        this.appTag = appTag;
        this.path = path;
        this.info = info == null ? Map.of() : info;
    }

    /** Prefixes of the error-path besides ipmp (prefix to namespace), declared on error-path. */
    private Map<String, String> pathNamespaces = Map.of();

    RpcError withPathNamespaces(Map<String, String> prefixes) {
        this.pathNamespaces = Map.copyOf(prefixes);
        return this;
    }

    /** Several errors reported together. */
    static final class Many extends Exception {
        final List<RpcError> errors;

        Many(List<RpcError> errors) {
            super(errors.isEmpty() ? "errors" : errors.get(0).getMessage());
            this.errors = List.copyOf(errors);
        }
    }

    static RpcError invalidValue(String message, String path) {
        return new RpcError(Type.APPLICATION, "invalid-value", message, null, path, null);
    }

    static RpcError protocolInvalidValue(String message) {
        return new RpcError(Type.PROTOCOL, "invalid-value", message, null, null, null);
    }

    static RpcError missingElement(Type type, String element, String message, String path) {
        return new RpcError(type, "missing-element", message, null, path, Map.of("bad-element", element));
    }

    static RpcError unknownElement(Type type, String element, String message, String path) {
        return new RpcError(type, "unknown-element", message, null, path, Map.of("bad-element", element));
    }

    static RpcError unknownNamespace(Type type, String element, String namespace, String path) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("bad-element", element);
        info.put("bad-namespace", namespace == null ? "" : namespace);
        return new RpcError(type, "unknown-namespace", "unknown namespace " + namespace, null, path, info);
    }

    static RpcError badAttribute(String attribute, String element, String message) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("bad-attribute", attribute);
        info.put("bad-element", element);
        return new RpcError(Type.PROTOCOL, "bad-attribute", message, null, null, info);
    }

    static RpcError missingAttribute(String attribute, String element) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("bad-attribute", attribute);
        info.put("bad-element", element);
        return new RpcError(Type.RPC, "missing-attribute", "missing attribute " + attribute, null, null, info);
    }

    static RpcError dataExists(String message, String path) {
        return new RpcError(Type.APPLICATION, "data-exists", message, null, path, null);
    }

    static RpcError dataMissing(String message, String path) {
        return new RpcError(Type.APPLICATION, "data-missing", message, null, path, null);
    }

    static RpcError lockDenied(int holder, String message) {
        return new RpcError(Type.PROTOCOL, "lock-denied", message, null, null,
                Map.of("session-id", String.valueOf(holder)));
    }

    static RpcError notSupported(Type type, String message) {
        return new RpcError(type, "operation-not-supported", message, null, null, null);
    }

    static RpcError failed(String message) {
        return new RpcError(Type.APPLICATION, "operation-failed", message, null, null, null);
    }

    static RpcError malformed(String message) {
        return new RpcError(Type.RPC, "malformed-message", message, null, null, null);
    }

    static RpcError tooBig(String message) {
        return new RpcError(Type.TRANSPORT, "too-big", message, null, null, null);
    }

    static RpcError inUse(String message) {
        return new RpcError(Type.PROTOCOL, "in-use", message, null, null, null);
    }

    /** Appends this error as an {@code <rpc-error>} child of a reply. */
    void appendTo(Element reply) {
        Element e = Xml.add(reply, Xml.BASE, "rpc-error");
        Xml.leaf(e, "error-type", type.name().toLowerCase(java.util.Locale.ROOT));
        Xml.leaf(e, "error-tag", tag);
        Xml.leaf(e, "error-severity", "error");
        if (appTag != null) {
            Xml.leaf(e, "error-app-tag", appTag);
        }
        if (path != null && !path.isEmpty()) {
            Element p = Xml.leaf(e, "error-path", path);
            if (path.contains("ipmp:")) {
                p.setAttributeNS(Xml.XMLNS, "xmlns:ipmp", Xml.IPMP);
            }
            if (path.contains("if:")) {
                p.setAttributeNS(Xml.XMLNS, "xmlns:if", Xml.IF);
            }
            if (path.contains("nacm:")) {
                p.setAttributeNS(Xml.XMLNS, "xmlns:nacm", NacmConfig.NS);
            }
            for (Map.Entry<String, String> ns : pathNamespaces.entrySet()) {
                p.setAttributeNS(Xml.XMLNS, "xmlns:" + ns.getKey(), ns.getValue());
            }
        }
        if (getMessage() != null) {
            Element m = Xml.leaf(e, "error-message", getMessage());
            m.setAttributeNS(Xml.XML_NS, "xml:lang", "en");
        }
        if (!info.isEmpty()) {
            Element i = Xml.add(e, Xml.BASE, "error-info");
            for (Map.Entry<String, String> en : info.entrySet()) {
                Xml.leaf(i, en.getKey(), en.getValue());
            }
        }
    }

    static List<RpcError> list(RpcError e) {
        List<RpcError> l = new ArrayList<>();
        l.add(e);
        return l;
    }

    @Override
    public String toString() {
        return tag + (appTag == null ? "" : "/" + appTag) + (path == null ? "" : " at " + path) + ": " + getMessage();
    }
}
