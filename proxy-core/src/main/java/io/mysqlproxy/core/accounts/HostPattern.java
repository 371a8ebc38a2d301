package io.mysqlproxy.core.accounts;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An account's host pattern, matched as MySQL matches it with skip_name_resolve: an IPv4 or IPv6
 * literal matches that address; {@code a.b.c.d/m.m.m.m} and {@code a.b.c.d/n} (CIDR, MySQL 8.0.23)
 * match IPv4 clients whose address under the mask equals {@code a.b.c.d}; {@code %} (any run) and
 * {@code _} (one character) are wildcards over the client's address as text, case-insensitive;
 * {@code %} and the empty pattern match every client. The proxy resolves no name: a pattern with a
 * host name matches no client, except {@code localhost}, which matches the loopback addresses (a
 * client on the proxy's host comes over TCP, where MySQL would have seen a socket).
 *
 * <p>{@link #MOST_SPECIFIC_FIRST} is MySQL's order (8.0.23 and later) among the accounts a client could
 * match: exact addresses and names first, then CIDR, then address/netmask (longer masks first within
 * each), then patterns with wildcards (a longer literal prefix first), then {@code %}, then the empty
 * pattern.
 */
public final class HostPattern {

    private enum Kind {
        EXACT,
        CIDR,
        NETMASK,
        WILDCARD,
        ANY,
        EMPTY
    }

    /** Most specific first; equally specific patterns in their text's order, so the order is total. */
    public static final Comparator<HostPattern> MOST_SPECIFIC_FIRST = Comparator.comparing((HostPattern p) -> p.kind)
            .thenComparing(p -> -p.rank)
            .thenComparing(p -> p.text);

    private final String text;
    private final Kind kind;
    /** Within the kind, larger is more specific: mask bits, or characters before the first wildcard. */
    private final int rank;

    private final Optional<InetAddress> exact;
    private final byte[] network;
    private final byte[] mask;
    private final Pattern wildcard;

    private HostPattern(
            String text,
            Kind kind,
            int rank,
            Optional<InetAddress> exact,
            byte[] network,
            byte[] mask,
            Pattern wildcard) {
        this.text = text;
        this.kind = kind;
        this.rank = rank;
        this.exact = exact;
        this.network = network;
        this.mask = mask;
        this.wildcard = wildcard;
    }

    /** The pattern of an account's Host column. */
    public static HostPattern parse(String host) {
        if (host.isEmpty()) {
            return new HostPattern(host, Kind.EMPTY, 0, Optional.empty(), null, null, null);
        }
        if (host.equals("%")) {
            return new HostPattern(host, Kind.ANY, 0, Optional.empty(), null, null, null);
        }
        int slash = host.indexOf('/');
        if (slash > 0) {
            return netmask(host, slash);
        }
        int firstWildcard = firstWildcard(host);
        if (firstWildcard >= 0) {
            return new HostPattern(host, Kind.WILDCARD, firstWildcard, Optional.empty(), null, null, like(host));
        }
        return new HostPattern(host, Kind.EXACT, 0, ClientAddress.literal(host), null, null, null);
    }

    /** Whether a client at {@code clientHost} (an IP address as text) matches. */
    public boolean matches(String clientHost) {
        Optional<ClientAddress> client = ClientAddress.parse(clientHost);
        if (client.isEmpty()) {
            return kind == Kind.ANY || kind == Kind.EMPTY;
        }
        ClientAddress address = client.get();
        return switch (kind) {
            case ANY, EMPTY -> true;
            // MySQL (skip_name_resolve) compares the Host text with the client's IP text: "0:0:0:0:0:0:0:1"
            // or "::ffff:10.0.0.1" name no client, though they parse to ::1 and 10.0.0.1.
            case EXACT ->
                exact.isPresent()
                        ? text.equalsIgnoreCase(address.text())
                        : text.equalsIgnoreCase("localhost") && address.loopback();
            case CIDR, NETMASK -> inNetwork(address.bytes());
            case WILDCARD -> wildcard.matcher(address.text()).matches();
        };
    }

    @Override
    public String toString() {
        return text;
    }

    private boolean inNetwork(byte[] client) {
        if (network == null || client.length != network.length) {
            return false;
        }
        for (int i = 0; i < client.length; i++) {
            if ((client[i] & mask[i]) != network[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code a.b.c.d/m.m.m.m} or {@code a.b.c.d/n}; anything else there (IPv6, wildcards) matches no client. */
    private static HostPattern netmask(String host, int slash) {
        Optional<InetAddress> address = ClientAddress.literal(host.substring(0, slash));
        String maskText = host.substring(slash + 1);
        byte[] mask = null;
        boolean cidr = maskText.matches("\\d{1,2}");
        if (address.isPresent() && address.get().getAddress().length == 4) {
            if (cidr) {
                int bits = Integer.parseInt(maskText);
                if (bits <= 32) {
                    mask = prefixMask(bits);
                }
            } else {
                mask = ClientAddress.literal(maskText)
                        .map(InetAddress::getAddress)
                        .filter(m -> m.length == 4)
                        .orElse(null);
            }
        }
        if (mask == null) {
            return new HostPattern(host, Kind.NETMASK, -1, Optional.empty(), null, null, null);
        }
        byte[] network = address.get().getAddress();
        return new HostPattern(
                host, cidr ? Kind.CIDR : Kind.NETMASK, bitCount(mask), Optional.empty(), network, mask, null);
    }

    private static byte[] prefixMask(int bits) {
        long value = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    private static int bitCount(byte[] mask) {
        int bits = 0;
        for (byte b : mask) {
            bits += Integer.bitCount(b & 0xff);
        }
        return bits;
    }

    private static int firstWildcard(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '%' || c == '_') {
                return i;
            }
        }
        return -1;
    }

    /** SQL LIKE as a regular expression: % any run, _ one character, the rest literal. */
    private static Pattern like(String host) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : host.toCharArray()) {
            if (c == '%' || c == '_') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '%' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HostPattern that && text.equals(that.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
