package io.mysqlproxy.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped logback.xml: one line per event, as text by default, as a JSON object with MYSQL_PROXY_LOG_FORMAT=json. */
class LogFormatTest {

    private final PrintStream stdout = System.out;

    @AfterEach
    void restore() throws Exception {
        System.setOut(stdout);
        System.clearProperty("MYSQL_PROXY_LOG_FORMAT");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ch.qos.logback.classic.util.ContextInitializer(context).autoConfig();
    }

    @Test
    void jsonOutputIsOneObjectPerLineWithTheFormattedMessage() throws Exception {
        List<String> lines = logWith("json");
        assertEquals(1, lines.size(), lines.toString());
        JsonNode event = new ObjectMapper().readTree(lines.get(0));
        assertEquals("INFO", event.get("level").asText());
        assertEquals("io.mysqlproxy.app.LogFormatTest", event.get("loggerName").asText());
        assertEquals(
                "[conn 7] 127.0.0.1:5000: replica backend db-1:3306 is now down",
                event.get("formattedMessage").asText());
        assertTrue(event.get("timestamp").asLong() > 0);
    }

    @Test
    void textIsTheDefault() throws Exception {
        List<String> lines = logWith(null);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(
                lines.get(0)
                        .matches("\\d{4}-\\d\\d-\\d\\dT\\S+ INFO  \\[[^]]+] LogFormatTest - \\[conn 7] "
                                + "127.0.0.1:5000: replica backend db-1:3306 is now down"),
                lines.get(0));
    }

    /** Configures Logback from the shipped logback.xml (not logback-test.xml) and logs one event. */
    private List<String> logWith(String format) throws Exception {
        if (format != null) {
            System.setProperty("MYSQL_PROXY_LOG_FORMAT", format);
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        URL shipped = Main.class.getResource("/logback.xml");
        configurator.doConfigure(shipped);
        Logger log = LoggerFactory.getLogger(LogFormatTest.class);
        log.info("[conn {}] {}: replica backend {} is now down", 7, "127.0.0.1:5000", "db-1:3306");
        context.stop();
        return captured.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(line -> !line.isBlank())
                .toList();
    }
}
