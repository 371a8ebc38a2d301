package io.mysqlproxy.core.report;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The admin port's JSON documents ({@code /backends}, {@code /readyz}, {@code /sessions}), written by
 * jackson-jr from maps and lists, which keep the order of their members. Null members are written as
 * {@code null}: a document always has the same keys, whether a value is known or not.
 */
public final class AdminJson {

    private static final JSON WRITER = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);

    private AdminJson() {}

    /** {@code document} (maps, lists, strings, numbers, booleans, nulls) as one JSON text and a newline. */
    public static String text(Object document) {
        try {
            return WRITER.asString(document) + "\n";
        } catch (IOException e) {
            // Only strings, numbers and collections reach here: a failure is the proxy's own bug.
            throw new UncheckedIOException("cannot write an admin JSON document", e);
        }
    }
}
