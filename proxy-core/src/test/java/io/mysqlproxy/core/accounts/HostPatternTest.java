package io.mysqlproxy.core.accounts;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host patterns against the examples of MySQL's reference manual (Specifying Account Names, Access Control Stage 1). */
class HostPatternTest {

    @Test
    void percentAndTheEmptyPatternMatchEveryClient() {
        for (String host : List.of("%", "")) {
            assertTrue(HostPattern.parse(host).matches("198.51.100.7"), host);
            assertTrue(HostPattern.parse(host).matches("0:0:0:0:0:0:0:1"), host);
        }
    }

    @Test
    void wildcardsMatchTheAddressAsText() {
        HostPattern subnet = HostPattern.parse("198.51.100.%");
        assertTrue(subnet.matches("198.51.100.7"));
        assertTrue(subnet.matches("198.51.100.255"));
        assertFalse(subnet.matches("198.51.101.7"));
        HostPattern oneCharacter = HostPattern.parse("10.0.0._");
        assertTrue(oneCharacter.matches("10.0.0.5"));
        assertFalse(oneCharacter.matches("10.0.0.50"));
        // Only a name resolution could match a domain pattern; the proxy does none.
        assertFalse(HostPattern.parse("%.example.com").matches("198.51.100.7"));
    }

    @Test
    void theDotInAPatternIsLiteral() {
        assertFalse(HostPattern.parse("10.0.0.%").matches("10.0.010.1"));
        assertFalse(HostPattern.parse("1.2.3.4%").matches("1x2.3.45"));
    }

    @Test
    void netmaskMatchesTheClientsUnderTheMask() {
        HostPattern netmask = HostPattern.parse("198.51.100.0/255.255.255.0");
        assertTrue(netmask.matches("198.51.100.1"));
        assertTrue(netmask.matches("198.51.100.254"));
        assertFalse(netmask.matches("198.51.101.1"));
        HostPattern wider = HostPattern.parse("198.0.0.0/255.0.0.0");
        assertTrue(wider.matches("198.51.100.1"));
        assertFalse(wider.matches("199.51.100.1"));
        // An address with bits outside the mask matches nothing, as in MySQL: (client & mask) == address.
        assertFalse(HostPattern.parse("198.51.100.1/255.255.255.0").matches("198.51.100.1"));
    }

    @Test
    void cidrPrefixes() {
        HostPattern cidr = HostPattern.parse("198.51.100.0/24");
        assertTrue(cidr.matches("198.51.100.9"));
        assertFalse(cidr.matches("198.51.99.9"));
        assertTrue(HostPattern.parse("10.0.0.0/8").matches("10.200.3.4"));
        assertTrue(HostPattern.parse("0.0.0.0/0").matches("203.0.113.5"));
        assertTrue(HostPattern.parse("203.0.113.5/32").matches("203.0.113.5"));
        assertFalse(HostPattern.parse("203.0.113.5/33").matches("203.0.113.5"));
        assertFalse(HostPattern.parse("10.0.0.0/8").matches("::1"));
    }

    @Test
    void literalAddressesIpv4AndIpv6() {
        assertTrue(HostPattern.parse("198.51.100.7").matches("198.51.100.7"));
        assertFalse(HostPattern.parse("198.51.100.7").matches("198.51.100.70"));
        assertTrue(HostPattern.parse("::1").matches("0:0:0:0:0:0:0:1"));
        assertTrue(HostPattern.parse("2001:db8::5").matches("2001:db8:0:0:0:0:0:5"));
        assertTrue(HostPattern.parse("2001:DB8::5").matches("2001:db8::5"));
        assertFalse(HostPattern.parse("2001:db8::5").matches("2001:db8::6"));
        // A client on IPv4 through an IPv4-mapped IPv6 socket is its IPv4 address.
        assertTrue(HostPattern.parse("198.51.100.7").matches("::ffff:198.51.100.7"));
    }

    @Test
    void ipv6WildcardsMatchTheCompressedText() {
        assertTrue(HostPattern.parse("2001:db8::%").matches("2001:db8:0:0:0:0:0:5"));
        assertTrue(HostPattern.parse("fe80::%").matches("fe80:0:0:0:0:0:0:1%3"));
        assertFalse(HostPattern.parse("2001:db8::%").matches("2001:db9:0:0:0:0:0:5"));
    }

    @Test
    void localhostIsTheLoopbackAndNoOtherNameMatches() {
        HostPattern localhost = HostPattern.parse("localhost");
        assertTrue(localhost.matches("127.0.0.1"));
        assertTrue(localhost.matches("0:0:0:0:0:0:0:1"));
        assertFalse(localhost.matches("198.51.100.7"));
        assertFalse(HostPattern.parse("h1.example.net").matches("198.51.100.7"));
        assertFalse(HostPattern.parse("h1.example.net").matches("127.0.0.1"));
    }

    @Test
    void mostSpecificFirstAsMySqlSortsHosts() {
        List<String> sorted = Stream.of(
                        "",
                        "%",
                        "198.51.%",
                        "198.51.100.%",
                        "198.51.100.0/255.255.255.0",
                        "198.51.0.0/255.255.0.0",
                        "198.51.100.0/24",
                        "198.51.100.13",
                        "localhost")
                .map(HostPattern::parse)
                .sorted(HostPattern.MOST_SPECIFIC_FIRST)
                .map(HostPattern::toString)
                .toList();
        assertEquals(
                List.of(
                        "198.51.100.13",
                        "localhost",
                        "198.51.100.0/24",
                        "198.51.100.0/255.255.255.0",
                        "198.51.0.0/255.255.0.0",
                        "198.51.100.%",
                        "198.51.%",
                        "%",
                        ""),
                sorted);
    }

    @Test
    void anExactHostMatchesOnlyTheClientsCanonicalAddressTextAndIsNeverResolved() {
        assertFalse(HostPattern.parse("0:0:0:0:0:0:0:1").matches("::1"));
        assertFalse(HostPattern.parse("::ffff:10.0.0.1").matches("10.0.0.1"));
        assertFalse(HostPattern.parse("010.0.0.1").matches("10.0.0.1"));
        assertTrue(HostPattern.parse("::1").matches("0:0:0:0:0:0:0:1"));
        assertTrue(HostPattern.parse("10.0.0.1").matches("10.0.0.1"));
        // Not an IPv4 literal: InetAddress would have looked "300.1.1.1" up as a host name.
        assertTrue(ClientAddress.literal("300.1.1.1").isEmpty());
        assertTrue(ClientAddress.literal("1.2.3").isEmpty());
        assertTrue(ClientAddress.literal("1.2.3.4.5").isEmpty());
        assertTrue(ClientAddress.literal("1..3.4").isEmpty());
        assertFalse(HostPattern.parse("300.1.1.1").matches("44.1.1.1"));
    }
}
