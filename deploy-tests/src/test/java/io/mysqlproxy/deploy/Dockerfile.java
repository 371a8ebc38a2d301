package io.mysqlproxy.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough of a Dockerfile parser for the tests: instructions per stage, ENV, exec-form ENTRYPOINT/CMD, COPY. */
final class Dockerfile {

    /** One instruction; {@code arguments} with line continuations joined. */
    record Instruction(String keyword, String arguments) {}

    /** A FROM and what follows it up to the next FROM. */
    record Stage(String image, String name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .toList();
        }

        Instruction last(String keyword) {
            List<Instruction> matches = all(keyword);
            if (matches.isEmpty()) {
                throw new AssertionError("stage " + (name == null ? image : name) + " has no " + keyword);
            }
            return matches.get(matches.size() - 1);
        }

        /** ENV as the image sets it: later assignments win. */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction instruction : all("ENV")) {
                env.putAll(parseAssignments(instruction.arguments()));
            }
            return env;
        }

        /** COPY sources and destination, flags removed. */
        List<Copy> copies() {
            List<Copy> copies = new ArrayList<>();
            for (Instruction instruction : all("COPY")) {
                List<String> words =
                        new ArrayList<>(List.of(instruction.arguments().trim().split("\\s+")));
                String from = null;
                while (!words.isEmpty() && words.get(0).startsWith("--")) {
                    String flag = words.remove(0);
                    if (flag.startsWith("--from=")) {
                        from = flag.substring("--from=".length());
                    }
                }
                copies.add(new Copy(from, words.subList(0, words.size() - 1), words.get(words.size() - 1)));
            }
            return copies;
        }
    }

    record Copy(String fromStage, List<String> sources, String destination) {}

    private static final Pattern ASSIGNMENT =
            Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S*))");

    private final List<Stage> stages;

    private Dockerfile(List<Stage> stages) {
        this.stages = stages;
    }

    static Dockerfile read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Stage> stages = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : lines) {
            String trimmed = line.strip();
            if (pending.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (!pending.isEmpty() && trimmed.startsWith("#")) {
                continue; // a comment inside a continued instruction
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            pending.append(trimmed);
            String text = pending.toString();
            pending.setLength(0);
            String[] parts = text.split("\\s+", 2);
            Instruction instruction =
                    new Instruction(parts[0].toUpperCase(java.util.Locale.ROOT), parts.length > 1 ? parts[1] : "");
            if (instruction.keyword().equals("FROM")) {
                String[] from = instruction.arguments().split("\\s+");
                String name = from.length >= 3 && from[1].equalsIgnoreCase("AS") ? from[2] : null;
                stages.add(new Stage(from[0], name, new ArrayList<>()));
            } else if (stages.isEmpty()) {
                throw new AssertionError("instruction before FROM: " + text);
            } else {
                stages.get(stages.size() - 1).instructions().add(instruction);
            }
        }
        return new Dockerfile(List.copyOf(stages));
    }

    List<Stage> stages() {
        return stages;
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    Stage stage(String name) {
        return stages.stream()
                .filter(s -> name.equals(s.name()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stage named " + name));
    }

    /** {@code ["a", "b"]} (exec form) to its words; shell form is refused: signals would go to /bin/sh. */
    static List<String> execForm(Instruction instruction) {
        String text = instruction.arguments().strip();
        if (!text.startsWith("[") || !text.endsWith("]")) {
            throw new AssertionError(instruction.keyword() + " must use the exec (JSON array) form: " + text);
        }
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
        while (m.find()) {
            words.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return words;
    }

    /** The shell command of a RUN, its --mount and other flags removed. */
    static String runCommand(Instruction run) {
        String text = run.arguments().strip();
        while (text.startsWith("--")) {
            int space = text.indexOf(' ');
            text = text.substring(space + 1).strip();
        }
        return text;
    }

    static Map<String, String> parseAssignments(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = ASSIGNMENT.matcher(text);
        while (m.find()) {
            String value = m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(4);
            values.put(m.group(1), value);
        }
        return values;
    }
}
