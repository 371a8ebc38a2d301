package io.mysqlproxy.protocol.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * caching_sha2_password's stored hashes. The vectors were made on the test bed's Oracle MySQL 9.7.4
 * (mysqld --initialize-insecure, then {@code CREATE USER vN@'%' IDENTIFIED WITH caching_sha2_password BY '...'};
 * {@code SELECT HEX(authentication_string) FROM mysql.user}), with the server's default digest rounds (10000,
 * stored as {@code 00A}) and, for the 5000-round one, under {@code --caching-sha2-password-digest-rounds=5000}.
 * The salt holds arbitrary 7-bit bytes, hence hex.
 */
class CachingSha2HashTest {

    /** 'secret', 10000 rounds. */
    private static final String SECRET_00A =
            "24412430304124146C7A01236D7F194A3D01125F3E5536164D40377A51576E39556F586937"
                    + "732F615A615A43372F674348626E64624E4F65764F327638334F436542616C4643";
    /** 'pässwörd-ünïcode' (UTF-8 from the mysql client under utf8mb4), 10000 rounds. */
    private static final String UNICODE_00A = "24412430304124151323656D6A3B373A1E2206761106051B0F1C477A6B76554F6C716436"
            + "2F42554736512E6236552F714F475631396E4378394A33474A384D54716E72362E37";
    /** 'a-much-longer-password-of-more-than-thirty-two-bytes!' (longer than a SHA-256 digest), 10000 rounds. */
    private static final String LONG_00A = "24412430304124735B1856054D7F62776726352258257938290F3943313775772F4D764150"
            + "6B4B735079476B475365714339474B475255784C67774B2E4F3474324C36774436";
    /** 'secret', 5000 rounds. */
    private static final String SECRET_005 = "244124303035240B34523E3D6B0C6A272C4F6162116A4F57254F7970696E456349694353"
            + "674F617162697538796648762E3550344D7363715543546D796259306D4E4C584739";

    @Test
    void passwordsMatchWhatMySqlStored() {
        assertTrue(parse(SECRET_00A).matches(utf8("secret")));
        assertTrue(parse(UNICODE_00A).matches(utf8("pässwörd-ünïcode")));
        assertTrue(parse(LONG_00A).matches(utf8("a-much-longer-password-of-more-than-thirty-two-bytes!")));
        assertTrue(parse(SECRET_005).matches(utf8("secret")));
    }

    @Test
    void otherPasswordsDoNot() {
        assertFalse(parse(SECRET_00A).matches(utf8("Secret")));
        assertFalse(parse(SECRET_00A).matches(utf8("")));
        assertFalse(parse(UNICODE_00A).matches("pässwörd-ünïcode".getBytes(StandardCharsets.ISO_8859_1)));
        assertFalse(parse(SECRET_005).matches(utf8("secret ")));
    }

    @Test
    void iterationCountIsHexThousands() {
        assertEquals(10_000, parse(SECRET_00A).rounds());
        assertEquals(5_000, parse(SECRET_005).rounds());
    }

    /** With a short salt the algorithm is glibc's SHA-256 crypt: {@code openssl passwd -5 -salt saltstring 'Hello world!'}. */
    @Test
    void cryptIsDreppersShaCrypt() {
        assertEquals(
                "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
                new String(
                        CachingSha2Hash.crypt(utf8("Hello world!"), utf8("saltstring"), 5000),
                        StandardCharsets.US_ASCII));
    }

    @Test
    void otherFormsAreNotParsed() {
        assertTrue(CachingSha2Hash.parse(new byte[0]).isEmpty());
        assertTrue(CachingSha2Hash.parse(utf8("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"))
                .isEmpty());
        byte[] wrongType = HexFormat.of().parseHex(SECRET_00A);
        wrongType[1] = 'B';
        assertTrue(CachingSha2Hash.parse(wrongType).isEmpty());
        byte[] zeroRounds = HexFormat.of().parseHex(SECRET_00A);
        zeroRounds[5] = '0';
        assertTrue(CachingSha2Hash.parse(zeroRounds).isEmpty());
        byte[] truncated = java.util.Arrays.copyOf(HexFormat.of().parseHex(SECRET_00A), 60);
        assertTrue(CachingSha2Hash.parse(truncated).isEmpty());
    }

    @Test
    void toStringShowsNeitherSaltNorHash() {
        assertEquals("CachingSha2Hash[rounds=10000]", parse(SECRET_00A).toString());
    }

    private static CachingSha2Hash parse(String hex) {
        return CachingSha2Hash.parse(HexFormat.of().parseHex(hex)).orElseThrow();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
