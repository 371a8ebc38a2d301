/**
 * Statement classification for read/write splitting.
 *
 * <p>{@link io.mysqlproxy.core.classify.StatementClassifier} turns the text of a COM_QUERY or
 * COM_STMT_PREPARE into a {@link io.mysqlproxy.core.classify.Classification}: a kind, a set of
 * {@link io.mysqlproxy.core.classify.StatementFlag}s and a {@link io.mysqlproxy.core.classify.RouteHint}.
 * It is a pure function of the bytes: no Netty, no regular expressions, no SQL parser. A hand-written
 * lexer skips whitespace, comments and quoted text; the classifier looks at the leading keywords and a
 * few refinements (locking reads, {@code SELECT ... INTO}, side-effect functions, user-variable
 * assignment, routing hints). The common path allocates nothing: keywords are compared byte-wise and
 * flag-free results are shared instances.
 *
 * <p>The classifier errs towards the primary: anything it cannot understand is {@code UNKNOWN} or
 * carries a flag that makes it unsafe for a replica. It reads the caller's array during the call and
 * keeps no reference to it afterwards.
 */
package io.mysqlproxy.core.classify;
