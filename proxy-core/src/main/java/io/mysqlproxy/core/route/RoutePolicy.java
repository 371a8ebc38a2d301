package io.mysqlproxy.core.route;

import io.mysqlproxy.core.classify.Classification;

/** One rule of the router: a decision, or null to let the next rule decide. */
@FunctionalInterface
public interface RoutePolicy {
    RouteDecision decide(Classification statement, RouteContext session);
}
