package io.mysqlproxy.core.error;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client strings in log lines: one line, no forged entries, bounded length. */
class LogTextTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "app                     | app",
                "\"o'neil\"              | o\\'neil",
                "back\\slash             | back\\\\slash",
                "caf\u00e9 \u4e2d       | caf\u00e9 \u4e2d",
            })
    void printableTextStaysReadable(String raw, String escaped) {
        assertEquals(escaped, LogText.escape(raw));
    }

    @Test
    void lineBreaksAndControlCharactersCannotForgeALogLine() {
        String attack = "x'\n2026-12-06 00:00:00 INFO [conn 1] user 'admin' logged in\r\u0000\u001b[31m\u2028\u0085";
        String escaped = LogText.escape(attack);
        assertEquals(
                "x\\'\\n2026-12-06 00:00:00 INFO [conn 1] user \\'admin\\' logged in\\r\\u0000\\u001b[31m\\u2028\\u0085",
                escaped);
        assertTrue(escaped.chars().allMatch(c -> c >= 0x20 && c != 0x7f), escaped);
    }

    @Test
    void longTextIsCutAndSaysHowLongItWas() {
        String escaped = LogText.escape("a".repeat(100_000));
        assertEquals("a".repeat(LogText.MAX_CHARS) + "...(100000 chars)", escaped);
        assertEquals("null", LogText.escape(null));
        assertFalse(LogText.escape("\ud800x").contains("\ud800"), "a lone surrogate is escaped");
    }
}
