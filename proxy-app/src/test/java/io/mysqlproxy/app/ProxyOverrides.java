package io.mysqlproxy.app;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** HOCON that {@link ProxyExtension} appends to the test bed configuration of the annotated class's proxy. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ProxyOverrides {

    /** HOCON; later keys win, e.g. {@code mysql-proxy.client.max-connections = 3}. */
    String value();
}
