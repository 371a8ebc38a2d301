/**
 * The MySQL client/server protocol as bytes and packets; it decides nothing.
 *
 * <h2>ByteBuf ownership</h2>
 * <ul>
 *   <li>Frames passed between handlers are whole physical packets, header included. Whoever
 *       receives one forwards it or releases it, exactly once.</li>
 *   <li>Packet records never hold a {@code ByteBuf}: {@code decode} copies the few bytes it keeps,
 *       and never consumes more than the given buffer's readable bytes.</li>
 *   <li>{@code toFrame} allocates from the given allocator and releases the buffer itself if
 *       encoding fails; on success the caller owns the frame.</li>
 *   <li>Callees keep no reference to a buffer past the call unless they {@code retain()} it.</li>
 * </ul>
 */
package io.mysqlproxy.protocol;
