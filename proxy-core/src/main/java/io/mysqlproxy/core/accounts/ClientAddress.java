package io.mysqlproxy.core.accounts;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * A client's IP address as account host patterns are matched against it: the address, and its text as
 * MySQL prints it (dotted IPv4; IPv6 compressed, lower case, as inet_ntop). An IPv4-mapped IPv6 address
 * is its IPv4 address. Only numeric literals are parsed: a name is never resolved.
 */
record ClientAddress(InetAddress address, String text) {

    /** {@code literal} as an address, empty when it is not an IPv4 or IPv6 literal. */
    static Optional<ClientAddress> parse(String literal) {
        Optional<InetAddress> address = literal(literal);
        return address.map(a -> new ClientAddress(a, text(a)));
    }

    /**
     * An IPv4 literal in its canonical dotted form (four decimal parts 0-255, no leading zeros) or an IPv6
     * literal (a zone is dropped); never resolves a name: an IPv4 literal is built from its bytes, and
     * InetAddress refuses, without a lookup, text with a colon that is not an IPv6 address.
     */
    static Optional<InetAddress> literal(String text) {
        String candidate = text.trim();
        try {
            if (candidate.indexOf(':') < 0) {
                byte[] ipv4 = ipv4(candidate);
                return ipv4 == null ? Optional.empty() : Optional.of(InetAddress.getByAddress(ipv4));
            }
            int zone = candidate.indexOf('%');
            if (zone >= 0) {
                candidate = candidate.substring(0, zone);
            }
            for (int i = 0; i < candidate.length(); i++) {
                char c = candidate.charAt(i);
                if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                    return Optional.empty();
                }
            }
            return Optional.of(InetAddress.getByName(candidate));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The four bytes of canonical dotted IPv4 text, or null. */
    private static byte[] ipv4(String text) {
        byte[] bytes = new byte[4];
        int part = 0;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i < text.length() && text.charAt(i) != '.') {
                continue;
            }
            int length = i - start;
            if (part == 4 || length < 1 || length > 3 || (length > 1 && text.charAt(start) == '0')) {
                return null;
            }
            int value = 0;
            for (int j = start; j < i; j++) {
                int digit = Character.digit(text.charAt(j), 10);
                if (digit < 0) {
                    return null;
                }
                value = value * 10 + digit;
            }
            if (value > 255) {
                return null;
            }
            bytes[part++] = (byte) value;
            start = i + 1;
        }
        return part == 4 ? bytes : null;
    }

    boolean loopback() {
        return address.isLoopbackAddress();
    }

    byte[] bytes() {
        return address.getAddress();
    }

    /** RFC 5952 text: IPv4 dotted; IPv6 lower-case hex, the longest run of two or more zero groups as "::". */
    private static String text(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
