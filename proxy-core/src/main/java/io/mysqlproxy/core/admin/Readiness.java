package io.mysqlproxy.core.admin;

import io.mysqlproxy.core.report.AdminJson;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whether the proxy can serve now. Asked by {@code /readyz} on the admin threads, so an
 * implementation may wait briefly, but never on an event loop.
 */
@FunctionalInterface
public interface Readiness {

    /**
     * @param ready  whether clients should be sent here (the {@code /readyz} status: 200 or 503)
     * @param reads  whether a read can be served now
     * @param writes whether a write can be served now
     * @param reason why, for people: which backends are up, what refuses writes
     */
    record State(boolean ready, boolean reads, boolean writes, String reason) {

        /** The {@code /readyz} body: one line of JSON. */
        public String json() {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("ready", ready);
            document.put("reads", reads);
            document.put("writes", writes);
            document.put("reason", reason);
            return AdminJson.text(document);
        }
    }

    State check();
}
