package io.mysqlproxy.testbed;

/**
 * One leak reported by Netty's {@code ResourceLeakDetector}.
 *
 * @param resourceType the leaked type's simple name, e.g. {@code ByteBuf}
 * @param records      Netty's access records (where the object was created and touched); empty when the
 *                     detector was not recording, i.e. below PARANOID/ADVANCED
 */
public record LeakReport(String resourceType, String records) {

    @Override
    public String toString() {
        return "LEAK: " + resourceType + (records.isEmpty() ? " (no access records)" : records);
    }
}
