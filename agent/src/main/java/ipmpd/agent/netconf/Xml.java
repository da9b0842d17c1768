package ipmpd.agent.netconf;

import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * XML for NETCONF: a hardened namespace-aware DOM parser (no DTD, no external entities, no
 * XInclude, bounded depth) and a small serializer that writes default-namespace declarations only
 * where the namespace changes.
 */
final class Xml {
    static final String BASE = "urn:ietf:params:xml:ns:netconf:base:1.0";
    static final String NOTIF = "urn:ietf:params:xml:ns:netconf:notification:1.0";
    static final String IPMP = "urn:ipmpd:yang:ipmpd-ipmp";
    static final String IF = "urn:ietf:params:xml:ns:yang:ietf-interfaces";
    static final String IANAIFT = "urn:ietf:params:xml:ns:yang:iana-if-type";
    static final String NCM = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring";
    static final String YANGLIB = "urn:ietf:params:xml:ns:yang:ietf-yang-library";
    static final String DATASTORES = "urn:ietf:params:xml:ns:yang:ietf-datastores";
    static final String WITH_DEFAULTS = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults";
    static final String XMLNS = XMLConstants.XMLNS_ATTRIBUTE_NS_URI;
    static final String XML_NS = XMLConstants.XML_NS_URI;
    /** Deepest element nesting accepted in a message (the deepest NETCONF message ipmpd needs is ~12). */
    static final int MAX_DEPTH = 64;

    private static final ThreadLocal<DocumentBuilder> BUILDER = ThreadLocal.withInitial(Xml::newBuilder);

    private Xml() {
    }

    /** A message that is not well-formed XML, or uses a DTD. */
    static final class XmlException extends Exception {
        XmlException(String message) {
            super(message);
        }
    }

    static DocumentBuilderFactory secureFactory() {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setValidating(false);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setIgnoringComments(true);
        try {
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("XML parser cannot be secured: " + e.getMessage(), e);
        }
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setAttribute("jdk.xml.maxElementDepth", String.valueOf(MAX_DEPTH));
        return f;
    }

    private static final ErrorHandler STRICT = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };

    private static DocumentBuilder newBuilder() {
        try {
            return secureFactory().newDocumentBuilder();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The thread's parser, reset, with no entity resolution and no error printing. */
    private static DocumentBuilder builder() {
        DocumentBuilder b = BUILDER.get();
        b.reset();
        b.setEntityResolver((publicId, systemId) -> {
            throw new SAXException("external entities are not allowed");
        });
        b.setErrorHandler(STRICT);
        return b;
    }

    static Document parse(byte[] message) throws XmlException {
        DocumentBuilder b = builder();
        try {
            return b.parse(new ByteArrayInputStream(message));
        } catch (SAXParseException e) {
            throw new XmlException("line " + e.getLineNumber() + ": " + e.getMessage());
        } catch (SAXException | IOException e) {
            throw new XmlException(String.valueOf(e.getMessage()));
        }
    }

    static Document parse(String text) throws XmlException {
        DocumentBuilder b = builder();
        try {
            return b.parse(new InputSource(new StringReader(text)));
        } catch (SAXException | IOException e) {
            throw new XmlException(String.valueOf(e.getMessage()));
        }
    }

    /**
     * An empty document for trees the server builds (replies, data trees). Xerces' strict error
     * checking re-validates every element name it creates (a QName scan per element: 10,000
     * elements in a get at 256 members); the names here come from the module and the code.
     */
    static Document newDocument() {
        Document d = BUILDER.get().newDocument();
        d.setStrictErrorChecking(false);
        return d;
    }

    // ------------------------------------------------------------------ DOM helpers

    static List<Element> children(Element e) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                out.add(c);
            }
        }
        return out;
    }

    static List<Element> children(Element e, String ns, String name) {
        List<Element> out = new ArrayList<>();
        for (Element c : children(e)) {
            if (is(c, ns, name)) {
                out.add(c);
            }
        }
        return out;
    }

    static Element child(Element e, String ns, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && is(c, ns, name)) {
                return c;
            }
        }
        return null;
    }

    static boolean is(Element e, String ns, String name) {
        return name.equals(e.getLocalName()) && Objects.equals(ns, e.getNamespaceURI());
    }

    /** The text of an element without element children (trimmed of surrounding white space). */
    static String text(Element e) {
        return e.getTextContent().strip();
    }

    static boolean hasElementChildren(Element e) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element) {
                return true;
            }
        }
        return false;
    }

    /** Whether an element carries non-white-space text directly. */
    static boolean hasText(Element e) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if ((n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE)
                    && !n.getNodeValue().isBlank()) {
                return true;
            }
        }
        return false;
    }

    static Element add(Element parent, String ns, String name) {
        Element c = parent.getOwnerDocument().createElementNS(ns, name);
        parent.appendChild(c);
        return c;
    }

    /** Adds a leaf in the parent's namespace. */
    static Element leaf(Element parent, String name, String value) {
        Element c = add(parent, parent.getNamespaceURI(), name);
        c.setTextContent(value);
        return c;
    }

    static Element leaf(Element parent, String name, Object value) {
        return leaf(parent, name, String.valueOf(value));
    }

    // ------------------------------------------------------------------ serializer

    static String serialize(Element e) {
        StringBuilder b = new StringBuilder(256);
        write(b, e, null, new HashMap<>(), true);
        return b.toString();
    }

    static void write(StringBuilder b, Element e, String inheritedNs) {
        write(b, e, inheritedNs, new HashMap<>(), true);
    }

    private static void write(StringBuilder b, Element e, String inheritedNs, Map<String, String> prefixes,
                              boolean root) {
        String ns = e.getNamespaceURI() == null ? "" : e.getNamespaceURI();
        String name = e.getLocalName() != null ? e.getLocalName() : e.getTagName();
        b.append('<').append(name);
        if (!ns.equals(inheritedNs == null ? "" : inheritedNs) || (root && inheritedNs == null && !ns.isEmpty())) {
            b.append(" xmlns=\"");
            escape(b, ns, true);
            b.append('"');
        }
        Map<String, String> scope = prefixes;
        NamedNodeMap attrs = e.getAttributes();
        List<Attr> plain = new ArrayList<>();
        for (int i = 0; i < attrs.getLength(); i++) {
            Attr a = (Attr) attrs.item(i);
            String ans = a.getNamespaceURI();
            if (XMLNS.equals(ans)) {
                if (a.getPrefix() != null && "xmlns".equals(a.getPrefix())) {
                    // explicit prefix declaration (identityref values, copied rpc attributes)
                    if (!a.getValue().equals(scope.get(a.getLocalName()))) {
                        if (scope == prefixes) {
                            scope = new HashMap<>(prefixes);
                        }
                        scope.put(a.getLocalName(), a.getValue());
                        b.append(" xmlns:").append(a.getLocalName()).append("=\"");
                        escape(b, a.getValue(), true);
                        b.append('"');
                    }
                }
                continue;
            }
            plain.add(a);
        }
        for (Attr a : plain) {
            String ans = a.getNamespaceURI();
            String an = a.getLocalName() != null ? a.getLocalName() : a.getName();
            if (ans == null || ans.isEmpty()) {
                b.append(' ').append(an);
            } else if (XML_NS.equals(ans)) {
                b.append(" xml:").append(an);
            } else {
                String p = null;
                for (Map.Entry<String, String> en : scope.entrySet()) {
                    if (en.getValue().equals(ans)) {
                        p = en.getKey();
                        break;
                    }
                }
                if (p == null) {
                    p = a.getPrefix() != null && !scope.containsKey(a.getPrefix()) ? a.getPrefix() : "a" + scope.size();
                    if (scope == prefixes) {
                        scope = new HashMap<>(prefixes);
                    }
                    scope.put(p, ans);
                    b.append(" xmlns:").append(p).append("=\"");
                    escape(b, ans, true);
                    b.append('"');
                }
                b.append(' ').append(p).append(':').append(an);
            }
            b.append("=\"");
            escape(b, a.getValue(), true);
            b.append('"');
        }
        boolean any = false;
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                if (!any) {
                    b.append('>');
                    any = true;
                }
                write(b, c, ns, scope, false);
            } else if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE) {
                if (!any) {
                    b.append('>');
                    any = true;
                }
                escape(b, n.getNodeValue(), false);
            }
        }
        if (any) {
            b.append("</").append(name).append('>');
        } else {
            b.append("/>");
        }
    }

    static void escape(StringBuilder b, String s, boolean attr) {
        int i = 0;
        while (i < s.length() && plain(s.charAt(i))) {
            i++;
        }
        b.append(s, 0, i); // most values need no escaping
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append(attr ? "&quot;" : "\"");
                case '\r' -> b.append("&#13;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        b.append('?'); // not representable in XML 1.0
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }

    private static boolean plain(char c) {
        return c >= 0x20 && c != '&' && c != '<' && c != '>' && c != '"';
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        escape(b, s, false);
        return b.toString();
    }
}
