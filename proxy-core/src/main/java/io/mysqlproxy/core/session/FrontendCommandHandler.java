package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.SqlOperands;
import io.mysqlproxy.core.classify.StatementClassifier;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.route.Pin;
import io.mysqlproxy.core.route.RouteContext;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.route.RouteTarget;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.packet.StmtPrepareOk;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The command phase of one client. Each command is classified, routed (writes, transactions and
 * session-bound work to the primary, plain reads to a replica) and sent to the session's leg on
 * that backend, which is borrowed from the backend's pool when first needed and brought up to the
 * session's state (schema, collation, SETs, the session's last write for read-your-writes) just
 * before. Prepared statements get proxy-wide ids and are prepared on each backend where they run.
 * The response comes back as relayed bytes.
 *
 * <p>One command is in flight at a time: commands a client pipelines wait in a short queue, and the
 * client is not read while anything waits or while the backend cannot take more bytes. Towards the
 * backend, reading stops while the client's channel is not writable, so a slow client never makes
 * the proxy hold a result set.
 */
public final class FrontendCommandHandler extends ChannelInboundHandlerAdapter implements Leg.Owner, RouteContext {

    private static final Logger log = LoggerFactory.getLogger(FrontendCommandHandler.class);
    /** Commands a client may pipeline before the proxy stops reading it. */
    private static final int MAX_QUEUED = 64;
    private static final String CONSISTENCY_SETTING = "proxy_consistency";

    private final SessionServices services;
    private SessionInfo info;
    private BackendLogin login;
    private SessionState state;
    private final PreparedStatements statements = new PreparedStatements();
    private final ReadYourWrites readYourWrites;
    private Leg primary;
    private final Map<Backend, Leg> replicas = new IdentityHashMap<>();
    /** The leg whose last status said a transaction is open there, or null. */
    private Leg transactionLeg;
    /** The leg that ran the previous client command. */
    private Leg previousLeg;
    private boolean autocommit;
    /** Non-null while a COM_CHANGE_USER is being authenticated. */
    private ChangeUserExchange changeUser;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Command current;
    private boolean uploading;
    /** The command whose packet continues in the next frame (a logical packet of 16 MiB or more). */
    private CommandType continuing;
    private long logicalLength;
    private int nextClientSequence;
    private int lastClientSequence;
    private boolean responded;
    private int lastResponseSequence;
    private boolean closing;
    private long lastActivity;
    private ScheduledFuture<?> idleCheck;
    /** Reused copy of statement text for the classifier (frames may be off-heap). */
    private byte[] scratch = new byte[512];

    public FrontendCommandHandler(SessionInfo info, BackendLogin login, BackendConnection primaryConnection,
                                  SessionServices services) {
        this.info = info;
        this.login = login;
        this.services = services;
        this.readYourWrites = new ReadYourWrites(services.routing().consistencyWaitTimeout());
        this.state = new SessionState(login.database(), login.characterSet(), services.consistencyOf(info.user()));
        this.primary = new Leg(services.topology().primary(), services.pool(services.topology().primary()),
                primaryConnection, this);
        this.autocommit = ServerStatus.AUTOCOMMIT.isSet(primaryConnection.loginOk().statusFlags());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        services.sessions().add(info.connectionId(), this);
        lastActivity = System.nanoTime();
        scheduleIdleCheck(info.idleTimeout().toNanos());
    }

    // ---- RouteContext ----

    @Override
    public boolean inTransaction() {
        return transactionLeg != null;
    }

    @Override
    public boolean autocommit() {
        return autocommit;
    }

    @Override
    public int pins() {
        return state.pins();
    }

    @Override
    public Consistency consistency() {
        return state.consistency();
    }

    // ---- idle timeout, like MySQL's wait_timeout: time since the last command ended ----

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = ctx.executor().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (closing) {
            return;
        }
        long timeout = info.idleTimeout().toNanos();
        if (current != null || uploading || continuing != null || changeUser != null) {
            scheduleIdleCheck(timeout);
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle >= timeout) {
            responded = false;
            lastClientSequence = -1;
            abort(ProxyErrors.idleTimeout(), "idle for " + TimeUnit.NANOSECONDS.toSeconds(idle) + " s");
        } else {
            scheduleIdleCheck(timeout - idle);
        }
    }

    // ---- client frames ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        lastActivity = System.nanoTime();
        if (closing) {
            frame.release();
            return;
        }
        if (changeUser != null) {
            try {
                changeUser.onClientPacket(Packets.sequenceId(frame), Packets.payload(frame));
            } finally {
                frame.release();
            }
            return;
        }
        // While a response is awaited, only the rest of the current command (a 16 MiB continuation
        // or a LOCAL INFILE upload) goes through; a pipelined next command waits its turn.
        if (!queued.isEmpty() || (current != null && !uploading && continuing == null)) {
            queued.add(frame);
            if (queued.size() > MAX_QUEUED) {
                abort(ProxyErrors.malformedPacket("more than " + MAX_QUEUED + " pipelined commands"),
                        "client pipelined too many commands");
            }
            updateReading();
            return;
        }
        process(frame);
    }

    private void process(ByteBuf frame) {
        int sequence = Packets.sequenceId(frame);
        int length = Packets.payloadLength(frame);
        if (uploading) {
            forwardUpload(frame, sequence, length);
            return;
        }
        if (continuing != null) {
            forwardContinuation(frame, sequence, length);
            return;
        }
        if (sequence != 0) {
            frame.release();
            abort(ProxyErrors.packetsOutOfOrder(0, sequence), "command with sequence id " + sequence);
            return;
        }
        if (length > info.maxAllowedPacket()) {
            frame.release();
            abort(ProxyErrors.packetTooLarge(info.maxAllowedPacket()), "command of " + length + " bytes");
            return;
        }
        int code = Packets.firstPayloadByte(frame);
        CommandType command = code < 0 ? null : CommandType.of(code);
        if (command == CommandType.CHANGE_USER) {
            try {
                startChangeUser(Packets.payload(frame));
            } finally {
                frame.release();
            }
            return;
        }
        if (command == null || command.response() == CommandType.Response.NOT_SUPPORTED) {
            frame.release();
            reply(code < 0 ? ProxyErrors.unknownCommand(0) : ProxyErrors.unknownCommand(code), 1);
            return;
        }
        lastClientSequence = 0;
        logicalLength = length;
        responded = false;
        switch (command) {
            case QUIT -> {
                frame.release();
                closing = true;
                releaseLegs();
                ctx.close();
            }
            case PING -> {
                frame.release();
                replyOk(1);
            }
            case STMT_CLOSE -> {
                closeStatement(frame);
            }
            default -> {
                if (length == Packets.MAX_PAYLOAD) {
                    continuing = command;
                    nextClientSequence = 1;
                }
                start(command, frame);
            }
        }
    }

    private void forwardContinuation(ByteBuf frame, int sequence, int length) {
        if (sequence != nextClientSequence) {
            frame.release();
            abort(ProxyErrors.packetsOutOfOrder(nextClientSequence, sequence), "continuation out of order");
            return;
        }
        logicalLength += length;
        if (logicalLength > info.maxAllowedPacket()) {
            frame.release();
            abort(ProxyErrors.packetTooLarge(info.maxAllowedPacket()),
                    "command of more than " + info.maxAllowedPacket() + " bytes");
            return;
        }
        lastClientSequence = sequence;
        nextClientSequence = (sequence + 1) & 0xff;
        if (length < Packets.MAX_PAYLOAD) {
            continuing = null;
        }
        if (current != null && current.sent()) {
            current.leg.connection().write(frame);
        } else if (current != null) {
            current.hold(frame);
        } else {
            frame.release();
        }
    }

    private void forwardUpload(ByteBuf frame, int sequence, int length) {
        lastClientSequence = sequence;
        Leg leg = current.leg;
        leg.connection().write(frame);
        if (length == 0) {
            // The empty packet ends the upload; the server answers with OK or ERR.
            uploading = false;
            leg.connection().flush();
            updateReading();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null && current.sent()) {
            current.leg.connection().flush();
        }
        ctx.fireChannelReadComplete();
    }

    // ---- routing a command ----

    private void start(CommandType command, ByteBuf frame) {
        Command cmd;
        RouteDecision decision;
        switch (command) {
            case QUERY -> {
                Classification classification = classify(frame);
                byte[] sql = keepsText(classification) ? payloadText(frame) : null;
                if (classification.kind() == StatementKind.KILL) {
                    SqlOperands.KillTarget target = SqlOperands.killTarget(sql);
                    if (target != null) {
                        kill(command, frame, target.id(), target.query());
                        return;
                    }
                }
                if (classification.kind() == StatementKind.SESSION_SET && sql != null) {
                    String consistency = SqlOperands.proxySetting(sql, CONSISTENCY_SETTING);
                    if (consistency != null) {
                        frame.release();
                        setConsistency(consistency);
                        return;
                    }
                }
                cmd = new Command(command, frame, classification, sql, null);
                decision = services.router().route(classification, this);
            }
            case INIT_DB -> {
                cmd = new Command(command, frame, null, payloadText(frame), null);
                decision = inTransaction() ? RouteDecision.of(RouteTarget.TRANSACTION, RouteReason.TRANSACTION)
                        : RouteDecision.primary(RouteReason.SESSION_STATE);
            }
            case STMT_PREPARE -> {
                Classification classification = classify(frame);
                cmd = new Command(command, frame, classification, payloadText(frame), null);
                decision = services.router().route(classification, this);
                if (decision.target() == RouteTarget.PREVIOUS) {
                    decision = RouteDecision.primary(RouteReason.PREVIOUS_STATEMENT);
                }
            }
            case STMT_EXECUTE, STMT_SEND_LONG_DATA, STMT_FETCH, STMT_RESET -> {
                startStatementCommand(command, frame);
                return;
            }
            case RESET_CONNECTION -> {
                resetConnection(frame);
                return;
            }
            case PROCESS_KILL -> {
                // COM_PROCESS_KILL names a connection by the id the client knows, the proxy's, like KILL.
                if (Packets.payloadLength(frame) < 5) {
                    frame.release();
                    abort(ProxyErrors.malformedPacket("COM_PROCESS_KILL without a connection id"),
                            "short COM_PROCESS_KILL");
                    return;
                }
                kill(command, frame, frame.getUnsignedIntLE(frame.readerIndex() + Packets.HEADER_SIZE + 1), false);
                return;
            }
            case SET_OPTION -> {
                // Multi-statement handling is per connection: keep the session where it was changed.
                state.pin(Pin.MULTI_STATEMENT);
                cmd = new Command(command, frame, null, null, null);
                decision = services.router().routeCommand(this);
            }
            default -> {
                cmd = new Command(command, frame, null, null, null);
                decision = services.router().routeCommand(this);
            }
        }
        current = cmd;
        updateReading();
        dispatch(cmd, decision);
    }

    private void startStatementCommand(CommandType command, ByteBuf frame) {
        PreparedStatement statement;
        try {
            statement = statements.get(StmtCommands.statementId(frame));
        } catch (ProtocolException e) {
            frame.release();
            abort(ProxyErrors.malformedPacket(e.getMessage()), e.getMessage());
            return;
        }
        if (statement == null) {
            int id = StmtCommands.statementId(frame);
            frame.release();
            if (command != CommandType.STMT_SEND_LONG_DATA) {
                reply(ProxyErrors.unknownStatement(id, command.name()), 1);
            }
            return;
        }
        Command cmd = new Command(command, frame, statement.classification(), null, statement);
        current = cmd;
        updateReading();
        switch (command) {
            case STMT_FETCH, STMT_RESET -> {
                Leg leg = statement.lastLeg() != null ? statement.lastLeg() : statement.longDataLeg();
                if (leg == null || leg.released()) {
                    current = null;
                    cmd.release();
                    if (command == CommandType.STMT_RESET) {
                        statement.longDataLeg(null);
                        replyOk(1);
                    } else {
                        reply(ProxyErrors.unknownStatement(statement.clientId(), "COM_STMT_FETCH (no open cursor)"), 1);
                    }
                    drainQueue();
                    return;
                }
                cmd.decision = RouteDecision.of(RouteTarget.PREVIOUS, RouteReason.PREVIOUS_STATEMENT);
                send(cmd, leg);
            }
            default -> {
                Leg longData = statement.longDataLeg();
                if (longData != null && !longData.released()) {
                    cmd.decision = RouteDecision.of(RouteTarget.PREVIOUS, RouteReason.PREVIOUS_STATEMENT);
                    prepareThenSend(cmd, longData);
                } else {
                    dispatch(cmd, services.router().route(statement.classification(), this));
                }
            }
        }
    }

    /** Resolves the decision to a leg (borrowing it if needed), then brings the leg up to date and sends. */
    private void dispatch(Command cmd, RouteDecision decision) {
        cmd.decision = decision;
        if (log.isTraceEnabled()) {
            log.trace("[conn {}] {} {} -> {} (autocommit {}, transaction on {}, pins {})", info.connectionId(), cmd.type,
                    cmd.classification, decision, autocommit, transactionLeg, state.pins());
        }
        switch (decision.target()) {
            case TRANSACTION -> {
                Leg leg = transactionLeg != null ? transactionLeg : primary;
                if (leg != null && !leg.released()) {
                    syncThenSend(cmd, leg);
                } else {
                    withLeg(cmd, services.topology().primary());
                }
            }
            case PREVIOUS -> {
                if (previousLeg != null && !previousLeg.released()) {
                    syncThenSend(cmd, previousLeg);
                } else {
                    withLeg(cmd, services.topology().primary());
                }
            }
            case PRIMARY -> withLeg(cmd, services.topology().primary());
            case REPLICA -> {
                boolean checkWrites = state.consistency() == Consistency.SESSION && readYourWrites.hasWritten()
                        && (cmd.type == CommandType.QUERY || cmd.type == CommandType.STMT_EXECUTE)
                        && decision.reason() != RouteReason.HINT_REPLICA
                        && decision.reason() != RouteReason.READ_ONLY_TRANSACTION;
                Backend replica = services.balancer().choose(services.topology().replicas(), checkWrites);
                if (replica == null) {
                    if (checkWrites && services.balancer().choose(services.topology().replicas(), false) != null) {
                        redirect(cmd, RouteReason.CONSISTENCY_FALLBACK);
                    } else if (services.routing().readsFallBackToPrimary()) {
                        redirect(cmd, RouteReason.NO_REPLICA);
                    } else {
                        fail(cmd, ProxyErrors.cannotConnect("replicas", "no replica is usable and "
                                + "routing.reads-fall-back-to-primary is off"));
                    }
                    return;
                }
                cmd.consistencyChecked = checkWrites;
                withLeg(cmd, replica);
            }
        }
    }

    private void redirect(Command cmd, RouteReason reason) {
        dispatch(cmd, RouteDecision.primary(reason));
    }

    /** Finds or borrows this session's leg on {@code backend}, then continues with it. */
    private void withLeg(Command cmd, Backend backend) {
        Leg leg = backend.role() == BackendRole.PRIMARY ? primary : replicas.get(backend);
        if (leg != null && !leg.released()) {
            syncThenSend(cmd, leg);
            return;
        }
        Future<BackendConnection> borrowing = services.pool(backend).borrow(ctx.channel().eventLoop(), borrowLogin(),
                true);
        borrowing.addListener(f -> {
            if (closing || current != cmd) {
                if (f.isSuccess()) {
                    services.pool(backend).release(borrowing.getNow());
                }
                return;
            }
            if (!f.isSuccess()) {
                ErrPacket error = f.cause() instanceof BackendException b ? b.error()
                        : ProxyErrors.cannotConnect(backend.name(), String.valueOf(f.cause()));
                if (backend.role() == BackendRole.REPLICA) {
                    log.warn("[conn {}] {}: {} unavailable, reading from the primary: {}", info.connectionId(),
                            info.remote(), backend, error.message());
                    redirect(cmd, RouteReason.NO_REPLICA);
                } else {
                    fail(cmd, error);
                }
                return;
            }
            Leg fresh = new Leg(backend, services.pool(backend), borrowing.getNow(), this);
            if (backend.role() == BackendRole.PRIMARY) {
                primary = fresh;
            } else {
                replicas.put(backend, fresh);
            }
            syncThenSend(cmd, fresh);
        });
    }

    private void syncThenSend(Command cmd, Leg leg) {
        if (cmd.consistencyChecked && leg.backend().role() == BackendRole.REPLICA && readYourWrites.mustCheck(leg)) {
            cmd.waitingOn = leg;
            readYourWrites.check(primary, leg, new ReadYourWrites.Outcome() {
                @Override
                public void applied() {
                    cmd.consistencyChecked = false;
                    if (stillCurrent(cmd)) {
                        syncThenSend(cmd, leg);
                    }
                }

                @Override
                public void notApplied(String reason) {
                    if (stillCurrent(cmd)) {
                        log.debug("[conn {}] {}: read on the primary: {}", info.connectionId(), info.remote(), reason);
                        leg.backend().coolDownForConsistency(services.routing().consistencyCooldown().toNanos());
                        cmd.consistencyChecked = false;
                        redirect(cmd, RouteReason.CONSISTENCY_FALLBACK);
                    }
                }
            });
            return;
        }
        if (LegSync.inStep(state, leg)) {
            prepareThenSend(cmd, leg);
            return;
        }
        cmd.waitingOn = leg;
        LegSync.run(state, leg, new LegSteps() {
            @Override
            public void done() {
                if (stillCurrent(cmd)) {
                    prepareThenSend(cmd, leg);
                }
            }

            @Override
            public void refused(ErrPacket error) {
                if (!stillCurrent(cmd)) {
                    return;
                }
                log.warn("[conn {}] {}: {} refused the session state: {}", info.connectionId(), info.remote(),
                        leg, error.message());
                if (leg.backend().role() == BackendRole.REPLICA) {
                    dropLeg(leg);
                    leg.discard();
                    redirect(cmd, RouteReason.NO_REPLICA);
                } else {
                    fail(cmd, error);
                }
            }
        });
    }

    /** For statement commands: prepares the statement on {@code leg} first if it is not there yet. */
    private void prepareThenSend(Command cmd, Leg leg) {
        PreparedStatement statement = cmd.statement;
        if (statement == null || statement.backendId(leg) != null) {
            send(cmd, leg);
            return;
        }
        cmd.waitingOn = leg;
        leg.sendInternal(CommandType.STMT_PREPARE, StmtCommands.command(leg.connection().channel().alloc(),
                CommandType.STMT_PREPARE, statement.sql()), (response, failed, status) -> {
            try {
                if (!stillCurrent(cmd)) {
                    return;
                }
                if (failed) {
                    ErrPacket error = BufferedResponse.error(response);
                    if (leg.backend().role() == BackendRole.REPLICA) {
                        log.info("[conn {}] {}: {} could not prepare statement {}: {}; using the primary",
                                info.connectionId(), info.remote(), leg, statement.clientId(), error.message());
                        redirect(cmd, RouteReason.NO_REPLICA);
                    } else {
                        fail(cmd, error);
                    }
                    return;
                }
                statement.preparedOn(leg, StmtPrepareOk.decode(BufferedResponse.firstPayload(response)).statementId());
            } finally {
                response.release();
            }
            send(cmd, leg);
        });
    }

    private boolean stillCurrent(Command cmd) {
        cmd.waitingOn = null;
        return !closing && current == cmd;
    }

    /** Sends the client's command on {@code leg}, renumbered for it where needed. */
    private void send(Command cmd, Leg leg) {
        ByteBuf frame = cmd.frame;
        cmd.frame = null;
        cmd.leg = leg;
        PreparedStatement statement = cmd.statement;
        if (statement != null) {
            StmtCommands.setStatementId(frame, statement.backendId(leg));
            if (cmd.type == CommandType.STMT_EXECUTE) {
                frame = withParameterTypes(statement, leg, frame);
                statement.lastLeg(leg);
                statement.longDataLeg(null);
            } else if (cmd.type == CommandType.STMT_SEND_LONG_DATA) {
                statement.longDataLeg(leg);
            }
        }
        if (cmd.type == CommandType.STMT_PREPARE) {
            leg.sendInternal(CommandType.STMT_PREPARE, frame, (response, failed, status) -> prepared(cmd, leg, response,
                    failed));
            return;
        }
        if (cmd.type == CommandType.QUERY || cmd.type == CommandType.STMT_EXECUTE) {
            leg.backend().statementRouted();
        }
        leg.send(cmd.type, frame);
        ByteBuf held;
        while ((held = cmd.nextHeld()) != null) {
            leg.connection().write(held);
        }
        leg.connection().flush();
        if (cmd.type.response() == CommandType.Response.NONE) {
            finish(cmd);
        }
    }

    private ByteBuf withParameterTypes(PreparedStatement statement, Leg leg, ByteBuf frame) {
        byte[] bound = StmtCommands.boundTypes(frame, statement.parameters());
        if (bound != null) {
            statement.typesBound(leg, bound);
            return frame;
        }
        byte[] missing = statement.typesMissingOn(leg);
        if (missing == null) {
            return frame;
        }
        ByteBuf completed = StmtCommands.withBoundTypes(frame, statement.parameters(), missing, ctx.alloc());
        if (completed == null) {
            return frame;
        }
        frame.release();
        statement.typesSent(leg);
        return completed;
    }

    /** The client's COM_STMT_PREPARE was answered on {@code leg}: renumber the statement and pass it on. */
    private void prepared(Command cmd, Leg leg, ByteBuf response, boolean failed) {
        if (closing || current != cmd) {
            response.release();
            return;
        }
        if (!failed) {
            StmtPrepareOk ok = StmtPrepareOk.decode(BufferedResponse.firstPayload(response));
            PreparedStatement statement = new PreparedStatement(statements.nextId(), cmd.sql, cmd.classification,
                    ok.parameters());
            statement.preparedOn(leg, ok.statementId());
            statements.add(statement);
            StmtPrepareOk.setStatementId(response, statement.clientId());
        }
        responded = true;
        ctx.writeAndFlush(response, ctx.voidPromise());
        finish(cmd);
    }

    /** Fails the current command with {@code error} where the client expects its response. */
    private void fail(Command cmd, ErrPacket error) {
        log.info("[conn {}] {}: {} failed: {}", info.connectionId(), info.remote(), cmd.type, error.message());
        if (cmd.type.response() != CommandType.Response.NONE) {
            reply(error, 1);
        }
        finish(cmd);
    }

    // ---- responses ----

    @Override
    public void forward(Leg leg, ByteBuf bytes, int lastSequenceId) {
        responded = true;
        lastResponseSequence = lastSequenceId;
        ctx.write(bytes, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            leg.connection().setAutoRead(false);
        }
    }

    @Override
    public void flushClient() {
        ctx.flush();
    }

    @Override
    public void localInfileRequested(Leg leg) {
        uploading = true;
        ctx.flush();
        updateReading();
    }

    @Override
    public void responseComplete(Leg leg, int status, boolean failed) {
        Command cmd = current;
        if (cmd == null || cmd.leg != leg) {
            return;
        }
        afterCommand(cmd, leg, status, failed);
        finish(cmd);
    }

    /** What a finished command changes in the session: transaction, schema, SETs, pins, pending writes. */
    private void afterCommand(Command cmd, Leg leg, int status, boolean failed) {
        previousLeg = leg;
        if (ServerStatus.IN_TRANS.isSet(status)) {
            transactionLeg = leg;
        } else if (transactionLeg == leg) {
            transactionLeg = null;
        }
        boolean onPrimary = leg.backend().role() == BackendRole.PRIMARY;
        if (onPrimary) {
            autocommit = ServerStatus.AUTOCOMMIT.isSet(status);
        }
        Classification c = cmd.classification;
        if (cmd.type == CommandType.INIT_DB) {
            if (!failed) {
                String schema = new String(cmd.sql, StandardCharsets.UTF_8);
                state.schema(schema);
                leg.connection().schema(schema);
            }
            return;
        }
        if (c == null) {
            return;
        }
        if (onPrimary && mayWrite(c)) {
            readYourWrites.wrote();
        }
        if (cmd.type == CommandType.STMT_EXECUTE) {
            pinFor(c, cmd.statement.sql());
            // A prepared SET or USE has parameters the proxy does not keep: it is not replayed elsewhere.
            if (!failed && (c.kind() == StatementKind.SESSION_SET || c.kind() == StatementKind.USE
                    || c.kind() == StatementKind.SET_TRANSACTION)) {
                state.pin(Pin.PREPARED_SESSION_STATE);
            }
            return;
        }
        if (cmd.type != CommandType.QUERY) {
            return;
        }
        pinFor(c, cmd.sql);
        if (failed) {
            return;
        }
        switch (c.kind()) {
            case USE -> {
                String schema = SqlOperands.useSchema(cmd.sql);
                if (schema != null) {
                    state.schema(schema);
                    leg.connection().schema(schema);
                } else {
                    state.pin(Pin.MULTI_STATEMENT);
                }
            }
            case SESSION_SET, SET_TRANSACTION -> {
                if (c.has(StatementFlag.GLOBAL_VARIABLE) && !c.has(StatementFlag.SESSION_VARIABLE)
                        && !c.has(StatementFlag.USER_VARIABLE) && !c.has(StatementFlag.CHARSET)) {
                    return;
                }
                if (c.has(StatementFlag.USER_VARIABLE) && !SqlOperands.userVariablesGetConstants(cmd.sql)) {
                    state.pin(Pin.USER_VARIABLE);
                } else if (!state.record(cmd.sql)) {
                    state.pin(Pin.SESSION_STATE_SIZE);
                } else if (leg.appliedVersion() == state.version() - 1) {
                    leg.appliedVersion(state.version());
                }
            }
            default -> {
            }
        }
    }

    private void pinFor(Classification c, byte[] sql) {
        switch (c.kind()) {
            case LOCK_TABLES -> state.pin(Pin.LOCK_TABLES);
            case UNLOCK_TABLES -> {
                state.unpin(Pin.LOCK_TABLES);
                state.unpin(Pin.GLOBAL_READ_LOCK);
            }
            case FLUSH_TABLES_WITH_READ_LOCK -> state.pin(Pin.GLOBAL_READ_LOCK);
            case CREATE_TEMPORARY_TABLE -> state.pin(Pin.TEMPORARY_TABLE);
            case PREPARE_SQL, EXECUTE_SQL -> state.pin(Pin.SQL_PREPARE);
            case MULTI -> {
                if (c.has(StatementFlag.MULTI_SESSION_STATE)) {
                    state.pin(Pin.MULTI_STATEMENT);
                }
            }
            default -> {
            }
        }
        if (c.has(StatementFlag.LOCK_FUNCTION)) {
            state.pin(Pin.NAMED_LOCK);
        }
        if (c.has(StatementFlag.USER_VARIABLE_ASSIGNMENT) || c.has(StatementFlag.SELECT_INTO)) {
            state.pin(Pin.USER_VARIABLE);
        }
        // CALL p(@out) and GET DIAGNOSTICS @n = NUMBER set user variables on the server that ran them.
        if ((c.kind() == StatementKind.CALL || c.has(StatementFlag.DIAGNOSTICS)) && sql != null
                && SqlOperands.mentionsUserVariable(sql)) {
            state.pin(Pin.USER_VARIABLE);
        }
    }

    /** Whether a statement that ran on the primary may have written (so reads must see it). */
    private static boolean mayWrite(Classification c) {
        return switch (c.kind()) {
            case READ, SESSION_SET, USE, SET_TRANSACTION, SET_AUTOCOMMIT, EMPTY -> c.has(StatementFlag.SEQUENCE_FUNCTION);
            default -> true;
        };
    }

    /** The command is over: the next queued one may run. */
    private void finish(Command cmd) {
        if (current == cmd) {
            current = null;
        }
        cmd.release();
        lastActivity = System.nanoTime();
        if (!queued.isEmpty()) {
            drainQueue();
        } else {
            updateReading();
        }
    }

    @Override
    public void legFailed(Leg leg, String reason) {
        if (closing) {
            return;
        }
        Command cmd = current;
        boolean inUse = cmd != null && (cmd.leg == leg || cmd.waitingOn == leg);
        boolean heldState = leg == transactionLeg
                || (leg == primary && (state.pins() != 0));
        dropLeg(leg);
        if (inUse && cmd.leg == null && leg.backend().role() == BackendRole.REPLICA) {
            // Lost while the proxy was preparing it for a read: the read goes elsewhere, unseen.
            log.warn("[conn {}] {}: {} failed before the read was sent ({}); using the primary", info.connectionId(),
                    info.remote(), leg, reason);
            redirect(cmd, RouteReason.NO_REPLICA);
            return;
        }
        if (inUse || uploading || continuing != null) {
            log.warn("[conn {}] {}: {} failed during a command: {}", info.connectionId(), info.remote(), leg, reason);
            abort(ProxyErrors.backendLost(leg.connection().address(), reason), reason);
        } else if (heldState) {
            log.warn("[conn {}] {}: {} closed holding the session's transaction, locks or temporary tables: {}",
                    info.connectionId(), info.remote(), leg, reason);
            closing = true;
            releaseLegs();
            ctx.close();
        } else {
            log.info("[conn {}] {}: {} closed while idle ({}); the session continues on a new connection",
                    info.connectionId(), info.remote(), leg, reason);
        }
    }

    /** Forgets a leg and what lived on it (the caller releases or discards it). */
    private void dropLeg(Leg leg) {
        if (leg == primary) {
            primary = null;
        } else {
            replicas.remove(leg.backend(), leg);
        }
        if (transactionLeg == leg) {
            transactionLeg = null;
        }
        if (previousLeg == leg) {
            previousLeg = null;
        }
        statements.forget(leg);
    }

    // ---- commands the proxy answers or fans out itself ----

    private void closeStatement(ByteBuf frame) {
        int id;
        try {
            id = StmtCommands.statementId(frame);
        } catch (ProtocolException e) {
            frame.release();
            abort(ProxyErrors.malformedPacket(e.getMessage()), e.getMessage());
            return;
        }
        frame.release();
        PreparedStatement statement = statements.remove(id);
        if (statement == null) {
            return;
        }
        for (Map.Entry<Leg, Integer> prepared : statement.backendIds().entrySet()) {
            Leg leg = prepared.getKey();
            if (!leg.released()) {
                leg.send(CommandType.STMT_CLOSE, StmtCommands.statementCommand(ctx.alloc(), CommandType.STMT_CLOSE,
                        prepared.getValue()));
                leg.connection().flush();
            }
        }
    }

    /**
     * KILL [CONNECTION | QUERY] of a proxy connection id (the only ids clients know: sent to a server,
     * the number would name one of its threads, another client's). The target session acts on its
     * own event loop; only the same user's sessions may be killed.
     */
    private void kill(CommandType type, ByteBuf frame, long id, boolean query) {
        frame.release();
        Command cmd = new Command(type, null, null, null, null);
        current = cmd;
        updateReading();
        FrontendCommandHandler target = services.sessions().get(id);
        if (target == null) {
            fail(cmd, ProxyErrors.unknownThread(id));
            return;
        }
        Promise<Boolean> outcome = ctx.executor().newPromise();
        String user = info.user();
        target.ctx.executor().execute(() -> target.killedBy(user, query, outcome));
        outcome.addListener(f -> {
            if (!stillCurrent(cmd)) {
                return;
            }
            if (outcome.getNow()) {
                replyOk(1);
                finish(cmd);
            } else {
                fail(cmd, ProxyErrors.unknownThread(id));
            }
        });
    }

    /**
     * A KILL from a session of {@code user}, on this session's loop. KILL QUERY cancels the command in
     * flight on a backend, if any; KILL CONNECTION ends the session, with an error if it is mid-command.
     * Completes {@code outcome} with false when the session is not {@code user}'s (or already ending).
     */
    private void killedBy(String user, boolean query, Promise<Boolean> outcome) {
        if (closing || !info.user().equals(user)) {
            outcome.setSuccess(false);
            return;
        }
        Command cmd = current;
        Leg busy = cmd != null && cmd.leg != null && !cmd.leg.released() ? cmd.leg : null;
        if (query) {
            if (busy == null) {
                outcome.setSuccess(true);
            } else {
                log.info("[conn {}] {}: KILL QUERY: cancelling {} on {}", info.connectionId(), info.remote(), cmd.type,
                        busy);
                cancel(busy).addListener(f -> outcome.setSuccess(true));
            }
            return;
        }
        if (busy != null) {
            // Closing the connection alone would leave the server running the statement.
            cancel(busy);
        }
        if (cmd != null || uploading || continuing != null || changeUser != null) {
            abort(ProxyErrors.connectionKilled(), "killed by KILL CONNECTION");
        } else {
            log.info("[conn {}] {}: closing session: killed by KILL CONNECTION", info.connectionId(), info.remote());
            closing = true;
            releaseLegs();
            ctx.close();
        }
        outcome.setSuccess(true);
    }

    /** Sends KILL QUERY for {@code leg}'s server thread on another connection to the same backend. */
    private Future<Boolean> cancel(Leg leg) {
        return BackendKill.query(ctx.channel().eventLoop(), services.pool(leg.backend()), borrowLogin(),
                leg.connection().greeting().connectionId());
    }

    private void setConsistency(String value) {
        try {
            state.consistency(Consistency.parse(value));
            replyOk(1);
        } catch (IllegalArgumentException e) {
            reply(new ErrPacket(1231, "42000", "Variable '" + CONSISTENCY_SETTING + "' can't be set to the value of '"
                    + value + "' (use eventual, session or strong)"), 1);
        }
    }

    /** COM_RESET_CONNECTION: the session starts over on its primary connection; replica legs go back clean. */
    private void resetConnection(ByteBuf frame) {
        statements.clear();
        state.reset();
        readYourWrites.reset();
        transactionLeg = null;
        previousLeg = null;
        autocommit = true;
        for (Leg leg : new ArrayList<>(replicas.values())) {
            dropLeg(leg);
            leg.release();
        }
        if (primary == null || primary.released()) {
            frame.release();
            replyOk(1);
            return;
        }
        Command cmd = new Command(CommandType.RESET_CONNECTION, frame, null, null, null);
        cmd.decision = RouteDecision.primary(RouteReason.SESSION_STATE);
        current = cmd;
        primary.connection().collation(BackendConnection.SERVER_DEFAULT_COLLATION);
        primary.appliedVersion(state.version());
        send(cmd, primary);
    }

    private void startChangeUser(ByteBuf payload) {
        changeUser = new ChangeUserExchange(ctx, services, info, new ChangeUserExchange.Outcome() {
            @Override
            public void changed(BackendConnection fresh, BackendLogin newLogin, UserAccount user, int okSequence) {
                changeUser = null;
                if (closing) {
                    services.pool(services.topology().primary()).release(fresh);
                    return;
                }
                releaseLegs();
                statements.clear();
                readYourWrites.reset();
                transactionLeg = null;
                previousLeg = null;
                login = newLogin;
                info = info.withUser(user.name());
                state = new SessionState(newLogin.database(), newLogin.characterSet(), services.consistencyOf(user.name()));
                primary = new Leg(services.topology().primary(), services.pool(services.topology().primary()), fresh,
                        FrontendCommandHandler.this);
                OkPacket loginOk = fresh.loginOk();
                autocommit = ServerStatus.AUTOCOMMIT.isSet(loginOk.statusFlags());
                ctx.writeAndFlush(new OkPacket(OkPacket.HEADER, 0, 0, loginOk.statusFlags(), loginOk.warnings(),
                        null, null).toFrame(ctx.alloc(), okSequence, info.capabilities()));
                log.debug("[conn {}] {}: changed user to '{}' on {}", info.connectionId(), info.remote(),
                        user.name(), fresh);
                drainQueue();
            }

            @Override
            public void refused(ErrPacket error, int sequence, String reason) {
                changeUser = null;
                abort(error, sequence, reason);
            }
        });
        updateReading();
        changeUser.start(payload);
    }

    // ---- flow control ----

    private void drainQueue() {
        while (!closing && current == null && changeUser == null && !queued.isEmpty()) {
            process(queued.poll());
        }
        updateReading();
    }

    private void updateReading() {
        // Reading stays on between commands (toggling it costs an epoll_ctl per statement); it stops
        // only when a client pipelines commands or the backend cannot take more bytes.
        boolean writable = current == null || current.leg == null || current.leg.connection().isWritable();
        boolean read = !closing && queued.isEmpty() && writable;
        ctx.channel().config().setAutoRead(read);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        if (primary != null) {
            primary.connection().setAutoRead(writable);
        }
        for (Leg leg : replicas.values()) {
            leg.connection().setAutoRead(writable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** A large upload: read the client only while the backend keeps up. */
    @Override
    public void legWritabilityChanged() {
        updateReading();
    }

    // ---- helpers ----

    private Classification classify(ByteBuf frame) {
        int length = Packets.payloadLength(frame) - 1;
        if (length > scratch.length) {
            // Keep a large buffer only up to 64 KiB; longer statements get a one-off copy.
            byte[] text = new byte[length];
            frame.getBytes(frame.readerIndex() + Packets.HEADER_SIZE + 1, text);
            if (length <= 65536) {
                scratch = text;
            }
            return StatementClassifier.classify(text, 0, length);
        }
        frame.getBytes(frame.readerIndex() + Packets.HEADER_SIZE + 1, scratch, 0, length);
        return StatementClassifier.classify(scratch, 0, length);
    }

    /** Statements whose text the session keeps or reads after they ran (or, for KILL, instead of running them). */
    private static boolean keepsText(Classification c) {
        return switch (c.kind()) {
            case SESSION_SET, SET_TRANSACTION, USE, CALL, KILL -> true;
            default -> c.has(StatementFlag.DIAGNOSTICS);
        };
    }

    /** The session's login with its current schema, for borrowing another connection of its user. */
    private BackendLogin borrowLogin() {
        return new BackendLogin(login.user(), login.password(), login.clientCapabilities(), login.characterSet(),
                state.schema(), login.attributes());
    }

    private static byte[] payloadText(ByteBuf frame) {
        byte[] text = new byte[Packets.payloadLength(frame) - 1];
        frame.getBytes(frame.readerIndex() + Packets.HEADER_SIZE + 1, text);
        return text;
    }

    private void replyOk(int sequence) {
        int status = (autocommit ? ServerStatus.AUTOCOMMIT.mask() : 0)
                | (transactionLeg != null ? ServerStatus.IN_TRANS.mask() : 0);
        ctx.writeAndFlush(OkPacket.of(status).toFrame(ctx.alloc(), sequence, info.capabilities()));
    }

    // ---- errors and the end of the session ----

    private void reply(ErrPacket error, int sequence) {
        ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequence & 0xff, info.capabilities()));
    }

    /** Sends the client an error where it expects the next packet, then closes both legs. */
    private void abort(ErrPacket error, String reason) {
        abort(error, responded ? lastResponseSequence + 1 : lastClientSequence + 1, reason);
    }

    private void abort(ErrPacket error, int sequence, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        log.info("[conn {}] {}: closing session: {}", info.connectionId(), info.remote(), reason);
        discardLegs();
        if (current != null) {
            current.release();
            current = null;
        }
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequence & 0xff, Capability.PROTOCOL_41.mask()))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        releaseQueued();
    }

    /** The session ends normally: legs go back to their pools (reset there). */
    private void releaseLegs() {
        for (Leg leg : legs()) {
            dropLeg(leg);
            leg.release();
        }
    }

    /** The session ends abnormally: legs are closed, not reused. */
    private void discardLegs() {
        for (Leg leg : legs()) {
            dropLeg(leg);
            leg.discard();
        }
    }

    private List<Leg> legs() {
        List<Leg> all = new ArrayList<>(replicas.size() + 1);
        if (primary != null) {
            all.add(primary);
        }
        all.addAll(replicas.values());
        return all;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        services.sessions().remove(info.connectionId(), this);
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        releaseLegs();
        if (current != null) {
            current.release();
            current = null;
        }
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            abort(ProxyErrors.packetTooLarge(info.maxAllowedPacket()), cause.getMessage());
        } else {
            abort(ProxyErrors.malformedPacket(String.valueOf(cause.getMessage())), cause.toString());
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseQueued();
    }

    private void releaseQueued() {
        ByteBuf frame;
        while ((frame = queued.poll()) != null) {
            frame.release();
        }
    }

    @Override
    public String toString() {
        return "session " + info.connectionId() + " (" + info.user() + "@" + info.remote() + ", "
                + state.consistency().name().toLowerCase(Locale.ROOT) + ")";
    }
}
