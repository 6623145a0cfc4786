using Dapper;
using Mesh.Payment.Ledger;
using Mesh.Payment.Subscriptions;
using Mesh.Payment.Charges;
using Mesh.Payment.Instalments;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Payment;

/// <summary>A payment's figures for reconciliation.</summary>
public sealed class ReconciliationRow
{
    public Guid Id { get; set; }
    public string Status { get; set; } = "";
    public long Amount { get; set; }
    public long AmountCaptured { get; set; }
    public long AmountRefunded { get; set; }
    public long Refunds { get; set; }
    public long Clearing { get; set; }
}

/// <summary>An idempotency key as stored: the first request's fingerprint and, once finished, its response or error.</summary>
public sealed class StoredIdempotencyKey
{
    public byte[] RequestHash { get; set; } = [];
    public Guid Reference { get; set; }
    public byte[]? Response { get; set; }
    public byte[]? Error { get; set; }
}

/// <summary>
/// All SQL of the payment service, parameterised (Dapper), against paymentdb. Reads open their own connection;
/// changes go through a <see cref="PaymentUnit"/>: one transaction holding the row locks, ledger and outbox rows.
/// </summary>
public sealed class PaymentStore(NpgsqlDataSource db)
{
    internal const string PaymentColumns = """
        id, user_id AS UserId, payment_method_id AS PaymentMethodId, amount, currency, status, capture_requested AS CaptureRequested,
        amount_captured AS AmountCaptured, amount_refunded AS AmountRefunded, failure_code AS FailureCode, description,
        create_time AS CreateTime, update_time AS UpdateTime, idempotency_key AS IdempotencyKey, action_expire_time AS ActionExpireTime
        """;
    internal const string PlanColumns = "id, name, amount, currency, interval, trial_days AS TrialDays";
    internal const string SubscriptionColumns = """
        id, user_id AS UserId, plan_id AS PlanId, payment_method_id AS PaymentMethodId, status, current_period_start AS CurrentPeriodStart,
        current_period_end AS CurrentPeriodEnd, cancel_at_period_end AS CancelAtPeriodEnd, failed_attempts AS FailedAttempts,
        next_attempt_time AS NextAttemptTime, create_time AS CreateTime, update_time AS UpdateTime
        """;
    internal const string InstalmentPlanColumns = """
        id, user_id AS UserId, payment_method_id AS PaymentMethodId, total_amount AS TotalAmount, currency, instalments, interval, description,
        status, instalments_paid AS InstalmentsPaid, due_time AS DueTime, next_charge_time AS NextChargeTime, failed_attempts AS FailedAttempts,
        create_time AS CreateTime, update_time AS UpdateTime
        """;
    internal const string MethodColumns = "id, user_id AS UserId, provider_token AS ProviderToken, brand, last4, exp_month AS ExpMonth, exp_year AS ExpYear, create_time AS CreateTime, card_fingerprint AS CardFingerprint";

    /// <summary>Applies the embedded Migrations/*.sql not yet applied, in name order, one replica at a time; then the outbox tables.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(PaymentStore).Assembly, cancellationToken);
        await Outbox.MigrateAsync(db, cancellationToken);
    }

    public async Task<PaymentUnit> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        return new PaymentUnit(connection, transaction);
    }

    /// <summary>Saves a card and announces it (payment_method.saved, with its fingerprint) in one transaction.</summary>
    public async Task InsertPaymentMethodAsync(PaymentMethodRecord method)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO payment_methods (id, user_id, provider_token, brand, last4, exp_month, exp_year, create_time, card_fingerprint)
            VALUES (@Id, @UserId, @ProviderToken, @Brand, @Last4, @ExpMonth, @ExpYear, @CreateTime, @CardFingerprint)
            """, method, tx);
        await Outbox.AddAsync(tx, PaymentEvents.For(method));
        await tx.CommitAsync();
    }

    public async Task<IReadOnlyList<PaymentMethodRecord>> ListPaymentMethodsAsync(Guid userId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<PaymentMethodRecord>($"SELECT {MethodColumns} FROM payment_methods WHERE user_id = @userId ORDER BY id DESC LIMIT 100", new { userId })).AsList();
    }

    /// <summary>A payment of <paramref name="userId"/> (null: another user's or none — the caller cannot tell which).</summary>
    public async Task<PaymentRecord?> FindPaymentAsync(Guid userId, Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<PaymentRecord>($"SELECT {PaymentColumns} FROM payments WHERE id = @id AND user_id = @userId", new { id, userId });
    }

    /// <summary>A user's payments, newest first (UUIDv7 ids), after the id <paramref name="before"/> of a previous page.</summary>
    public async Task<IReadOnlyList<PaymentRecord>> ListPaymentsAsync(Guid userId, Guid? before, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<PaymentRecord>(
            $"SELECT {PaymentColumns} FROM payments WHERE user_id = @userId AND (@before::uuid IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit",
            new { userId, before, limit })).AsList();
    }

    /// <summary>Ids of payments whose provider outcome is not known yet.</summary>
    public async Task<IReadOnlyList<Guid>> ProcessingPaymentIdsAsync(int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("SELECT id FROM payments WHERE status = 'processing' ORDER BY id LIMIT @limit", new { limit })).AsList();
    }

    public async Task<IReadOnlyList<PlanRecord>> ListPlansAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<PlanRecord>($"SELECT {PlanColumns} FROM plans ORDER BY amount, id")).AsList();
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> ListSubscriptionsAsync(Guid userId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<SubscriptionRecord>($"SELECT {SubscriptionColumns} FROM subscriptions WHERE user_id = @userId ORDER BY id DESC LIMIT 100", new { userId })).AsList();
    }

    /// <summary>
    /// Subscriptions whose period ended or whose dunning retry is due at <paramref name="now"/>, and whose due charge
    /// (this period, this attempt) has no charge task yet.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> DueSubscriptionIdsAsync(DateTime now, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("""
            SELECT s.id FROM subscriptions s
            WHERE ((s.status IN ('trialing', 'active') AND s.current_period_end <= @now) OR (s.status = 'past_due' AND s.next_attempt_time <= @now))
              AND NOT EXISTS (SELECT 1 FROM charge_tasks t
                              WHERE t.subscription_id = s.id AND t.period_start = s.current_period_end AND t.attempt = s.failed_attempts + 1)
            ORDER BY s.id LIMIT @limit
            """, new { now, limit })).AsList();
    }

    /// <summary>
    /// Active subscriptions that will renew (not canceling) within (<paramref name="now"/>, <paramref name="horizon"/>]
    /// and whose user has not yet been told about this period's renewal.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> RenewalNoticeDueIdsAsync(DateTime now, DateTime horizon, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("""
            SELECT id FROM subscriptions
            WHERE status = 'active' AND NOT cancel_at_period_end AND current_period_end > @now AND current_period_end <= @horizon
              AND renewal_notice_period_end IS DISTINCT FROM current_period_end
            ORDER BY id LIMIT @limit
            """, new { now, horizon, limit })).AsList();
    }

    /// <summary>
    /// Records, in its own immediately committed transaction, when <paramref name="userId"/> first asked to cancel
    /// subscription <paramref name="id"/> now, and returns that first time (null: no such subscription of the user).
    /// A retry gets the first try's time back, so it prorates the same way.
    /// </summary>
    public async Task<DateTime?> RegisterCancelRequestAsync(Guid userId, Guid id, DateTime now)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<DateTime?>("""
            UPDATE subscriptions SET cancel_request_time = coalesce(cancel_request_time, @now)
            WHERE id = @id AND user_id = @userId RETURNING cancel_request_time
            """, new { id, userId, now });
    }

    public async Task<IReadOnlyList<InstalmentPlanRecord>> ListInstalmentPlansAsync(Guid userId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<InstalmentPlanRecord>($"SELECT {InstalmentPlanColumns} FROM instalment_plans WHERE user_id = @userId ORDER BY id DESC LIMIT 100", new { userId })).AsList();
    }

    /// <summary>Instalment plans whose next instalment (or retry) is due at <paramref name="now"/> and has no charge task yet.</summary>
    public async Task<IReadOnlyList<Guid>> DueInstalmentPlanIdsAsync(DateTime now, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("""
            SELECT p.id FROM instalment_plans p
            WHERE p.status IN ('active', 'past_due') AND p.next_charge_time <= @now
              AND NOT EXISTS (SELECT 1 FROM charge_tasks t
                              WHERE t.instalment_plan_id = p.id AND t.period_start = p.due_time AND t.attempt = p.failed_attempts + 1)
            ORDER BY p.id LIMIT @limit
            """, new { now, limit })).AsList();
    }

    /// <summary>Charge tasks still enqueued since before <paramref name="before"/> (their message may be lost).</summary>
    public async Task<IReadOnlyList<Guid>> StaleChargeTaskIdsAsync(DateTime before, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("SELECT id FROM charge_tasks WHERE status = 'enqueued' AND enqueue_time < @before ORDER BY enqueue_time LIMIT @limit",
            new { before, limit })).AsList();
    }

    /// <summary>REQUIRES_ACTION payments whose confirmation deadline passed.</summary>
    public async Task<IReadOnlyList<Guid>> ExpiredActionPaymentIdsAsync(DateTime now, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>(
            "SELECT id FROM payments WHERE status = 'requires_action' AND action_expire_time <= @now ORDER BY action_expire_time LIMIT @limit", new { now, limit })).AsList();
    }

    /// <summary>Which of <paramref name="ids"/> have a payment row.</summary>
    public async Task<IReadOnlySet<Guid>> ExistingPaymentIdsAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("SELECT id FROM payments WHERE id = ANY(@ids)", new { ids = ids.ToArray() })).ToHashSet();
    }

    /// <summary>
    /// Records the first sight of (user, key) in its own, immediately committed transaction, so the reference it fixes
    /// survives a crash of the request that follows. Does nothing when the key is known and not expired.
    /// </summary>
    public async Task RegisterIdempotencyKeyAsync(Guid userId, string key, byte[] requestHash, DateTime now, DateTime expireTime)
    {
        await using var connection = await db.OpenConnectionAsync();
        // One statement, committed on its own (one round trip). An expired key that was not purged yet starts over:
        // its row is overwritten as if deleted and inserted anew; a live key is left as it is.
        await connection.ExecuteAsync("""
            INSERT INTO idempotency_keys (user_id, key, request_hash, reference, create_time, expire_time)
            VALUES (@userId, @key, @requestHash, @reference, @now, @expireTime)
            ON CONFLICT (user_id, key) DO UPDATE
                SET request_hash = EXCLUDED.request_hash, reference = EXCLUDED.reference, response = NULL, error = NULL,
                    create_time = EXCLUDED.create_time, expire_time = EXCLUDED.expire_time
                WHERE idempotency_keys.expire_time < EXCLUDED.create_time
            """, new { userId, key, requestHash, reference = Guid.CreateVersion7(), now, expireTime });
    }

    /// <summary>Per payment (newest first): its state and amounts, its refunds and its ledger postings per account.</summary>
    public async Task<IReadOnlyList<ReconciliationRow>> ReconciliationRowsAsync(int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<ReconciliationRow>("""
            SELECT p.id, p.status, p.amount, p.amount_captured AS AmountCaptured, p.amount_refunded AS AmountRefunded,
                   coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.payment_id = p.id), 0)::bigint AS Refunds,
                   coalesce((SELECT sum(e.amount) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
                             WHERE t.payment_id = p.id AND e.account = 'provider_clearing'), 0)::bigint AS Clearing
            FROM payments p ORDER BY p.id DESC LIMIT @limit
            """, new { limit })).AsList();
    }

    /// <summary>How many ledger transactions do not sum to zero, and the sum of all entries.</summary>
    public async Task<(int Unbalanced, long Total)> LedgerTotalsAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        var unbalanced = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(amount) <> 0) t");
        var total = await connection.ExecuteScalarAsync<long>("SELECT coalesce(sum(amount), 0)::bigint FROM ledger_entries");
        return (unbalanced, total);
    }

    public async Task<int> PurgeExpiredIdempotencyKeysAsync(DateTime now)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteAsync("DELETE FROM idempotency_keys WHERE expire_time < @now", new { now });
    }
}

/// <summary>
/// One database transaction of the payment service: locks, state changes, ledger and outbox rows, commit.
/// In a unit it owns, the plain writes (payment and refund rows, ledger postings, outbox messages, the idempotent
/// result) are collected and sent as one batch — before the next read, or with the commit — instead of one round trip
/// each: a CreatePayment commits its payment, ledger, event and stored answer in two round trips. Every read first
/// sends what is pending, so reads see the unit's own writes, and statements keep their order. A unit inside someone
/// else's transaction (<see cref="Within"/>) writes at once: its owner commits that transaction directly.
/// </summary>
public sealed class PaymentUnit(NpgsqlConnection connection, NpgsqlTransaction transaction, bool owned = true) : IAsyncDisposable
{
    private readonly List<NpgsqlBatchCommand> _pending = [];

    /// <summary>
    /// Sends the collected writes (one round trip), in the order they were made. Also called before anything outside
    /// the database acts on the unit's behalf (the provider), so a write the database refuses stops it first.
    /// </summary>
    public async Task SendPendingAsync()
    {
        if (_pending.Count == 0) return;
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in _pending) batch.BatchCommands.Add(command);
        _pending.Clear();
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>A write: collected in an owned unit, executed at once (after anything pending) otherwise.</summary>
    private async Task WriteAsync(NpgsqlBatchCommand command)
    {
        _pending.Add(command);
        if (!owned) await SendPendingAsync();
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    /// <summary>The connection for a statement that reads or must run now: whatever is pending is sent first.</summary>
    private async Task<NpgsqlConnection> ReadyAsync()
    {
        await SendPendingAsync();
        return connection;
    }

    private async Task<T> ReadyThen<T>(Func<NpgsqlConnection, Task<T>> statement)
    {
        await SendPendingAsync();
        return await statement(connection);
    }

    /// <summary>
    /// A unit inside someone else's transaction (a queue consumer's, which also holds its inbox row); the owner commits
    /// and disposes it.
    /// </summary>
    public static PaymentUnit Within(NpgsqlTransaction transaction) => new(transaction.Connection!, transaction, owned: false);

    /// <summary>The transaction itself; statements run on it directly come after <see cref="SendPendingAsync"/>.</summary>
    public NpgsqlTransaction Transaction => transaction;

    /// <summary>
    /// Locks a registered key for this transaction. The first request holds the lock until it commits its outcome, so
    /// concurrent duplicates wait here and then read the stored response.
    /// </summary>
    public Task<StoredIdempotencyKey> LockIdempotencyKeyAsync(Guid userId, string key) =>
        ReadyThen(c => c.QuerySingleAsync<StoredIdempotencyKey>(
            "SELECT request_hash AS RequestHash, reference, response, error FROM idempotency_keys WHERE user_id = @userId AND key = @key FOR UPDATE",
            new { userId, key }, transaction));

    public Task SaveIdempotentResultAsync(Guid userId, string key, byte[]? response, byte[]? error) =>
        WriteAsync(Command("UPDATE idempotency_keys SET response = $1::bytea, error = $2::bytea WHERE user_id = $3 AND key = $4", response, error, userId, key));

    public Task<PaymentMethodRecord?> FindPaymentMethodAsync(Guid userId, Guid id) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<PaymentMethodRecord>($"SELECT {PaymentStore.MethodColumns} FROM payment_methods WHERE id = @id AND user_id = @userId",
            new { id, userId }, transaction));

    /// <summary>Locks a payment for a state change (<paramref name="userId"/> null: any owner, for workers).</summary>
    public Task<PaymentRecord?> LockPaymentAsync(Guid? userId, Guid id) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<PaymentRecord>(
            $"SELECT {PaymentStore.PaymentColumns} FROM payments WHERE id = @id AND (@userId::uuid IS NULL OR user_id = @userId) FOR UPDATE",
            new { id, userId }, transaction));

    public Task InsertPaymentAsync(PaymentRecord payment) =>
        WriteAsync(Command("""
            INSERT INTO payments (id, user_id, payment_method_id, amount, currency, status, capture_requested, amount_captured,
                                  amount_refunded, failure_code, description, create_time, update_time, idempotency_key, action_expire_time)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text, $15::timestamptz)
            """, payment.Id, payment.UserId, payment.PaymentMethodId, payment.Amount, payment.Currency, payment.Status, payment.CaptureRequested,
            payment.AmountCaptured, payment.AmountRefunded, payment.FailureCode, payment.Description, payment.CreateTime, payment.UpdateTime,
            payment.IdempotencyKey, payment.ActionExpireTime));

    public Task UpdatePaymentAsync(PaymentRecord payment) =>
        WriteAsync(Command("""
            UPDATE payments SET status = $1, amount_captured = $2, amount_refunded = $3,
                   failure_code = $4, update_time = $5, action_expire_time = $6::timestamptz
            WHERE id = $7
            """, payment.Status, payment.AmountCaptured, payment.AmountRefunded, payment.FailureCode, payment.UpdateTime, payment.ActionExpireTime, payment.Id));

    public Task InsertRefundAsync(RefundRecord refund) =>
        WriteAsync(Command("""
            INSERT INTO refunds (id, payment_id, amount, currency, reason, create_time) VALUES ($1, $2, $3, $4, $5, $6)
            """, refund.Id, refund.PaymentId, refund.Amount, refund.Currency, refund.Reason, refund.CreateTime));

    public async Task PostAsync(JournalTransaction journal, DateTime now)
    {
        // The transaction and all its entries: two statements (the entries as one multi-row insert).
        await WriteAsync(Command("INSERT INTO ledger_transactions (id, payment_id, kind, currency, create_time) VALUES ($1, $2, $3, $4, $5)",
            journal.Id, journal.PaymentId, journal.Kind, journal.Currency, now));
        await WriteAsync(Command("""
            INSERT INTO ledger_entries (transaction_id, account, amount) SELECT $1, e.account, e.amount FROM unnest($2::text[], $3::bigint[]) AS e(account, amount)
            """, journal.Id, journal.Entries.Select(e => e.Account).ToArray(), journal.Entries.Select(e => e.Amount).ToArray()));
    }

    public Task<PlanRecord?> FindPlanAsync(string id) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<PlanRecord>($"SELECT {PaymentStore.PlanColumns} FROM plans WHERE id = @id", new { id }, transaction));

    /// <summary>
    /// Locks a subscription (<paramref name="userId"/> null: any owner, for the billing worker; skips rows another
    /// worker holds unless <paramref name="wait"/>: settlement waits, as nothing holding a subscription waits for the
    /// PROCESSING payment it settles).
    /// </summary>
    public Task<SubscriptionRecord?> LockSubscriptionAsync(Guid? userId, Guid id, bool wait = false) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<SubscriptionRecord>(
            $"SELECT {PaymentStore.SubscriptionColumns} FROM subscriptions WHERE id = @id AND (@userId::uuid IS NULL OR user_id = @userId) FOR UPDATE" +
            (userId is null && !wait ? " SKIP LOCKED" : ""),
            new { id, userId }, transaction));

    /// <summary>Which subscription charge a payment is (null: none) — how a settling payment finds the subscription waiting for it.</summary>
    public Task<SubscriptionChargeLink?> FindSubscriptionChargeAsync(Guid paymentId) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<SubscriptionChargeLink>(
            "SELECT subscription_id AS SubscriptionId, period_start AS PeriodStart, attempt, kind FROM subscription_charges WHERE payment_id = @paymentId",
            new { paymentId }, transaction));

    /// <summary>Which instalment a payment is (null: none).</summary>
    public Task<InstalmentChargeLink?> FindInstalmentChargeAsync(Guid paymentId) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<InstalmentChargeLink>(
            "SELECT instalment_plan_id AS InstalmentPlanId, instalment, attempt FROM instalment_charges WHERE payment_id = @paymentId",
            new { paymentId }, transaction));

    /// <summary>
    /// Marks the renewal notice for period end <paramref name="periodEnd"/> as written, if the subscription still
    /// renews then (active, not canceling) and was not told yet. Returns whether it marked it: only then is the notice
    /// written, so two rounds (or two workers) announce a period once.
    /// </summary>
    public Task<bool> MarkRenewalNoticeAsync(Guid id, DateTime periodEnd) =>
        ReadyThen(async c => await c.ExecuteAsync("""
            UPDATE subscriptions SET renewal_notice_period_end = @periodEnd
            WHERE id = @id AND status = 'active' AND NOT cancel_at_period_end AND current_period_end = @periodEnd
              AND renewal_notice_period_end IS DISTINCT FROM @periodEnd
            """, new { id, periodEnd }, transaction) == 1);

    public Task InsertSubscriptionAsync(SubscriptionRecord s) =>
        ReadyThen(c => c.ExecuteAsync("""
            INSERT INTO subscriptions (id, user_id, plan_id, payment_method_id, status, current_period_start, current_period_end,
                                       cancel_at_period_end, failed_attempts, next_attempt_time, create_time, update_time)
            VALUES (@Id, @UserId, @PlanId, @PaymentMethodId, @Status, @CurrentPeriodStart, @CurrentPeriodEnd,
                    @CancelAtPeriodEnd, @FailedAttempts, @NextAttemptTime, @CreateTime, @UpdateTime)
            """, s, transaction));

    public Task UpdateSubscriptionAsync(SubscriptionRecord s) =>
        ReadyThen(c => c.ExecuteAsync("""
            UPDATE subscriptions SET plan_id = @PlanId, status = @Status, current_period_start = @CurrentPeriodStart, current_period_end = @CurrentPeriodEnd,
                   cancel_at_period_end = @CancelAtPeriodEnd, failed_attempts = @FailedAttempts, next_attempt_time = @NextAttemptTime,
                   update_time = @UpdateTime
            WHERE id = @Id
            """, s, transaction));

    /// <summary>Links a payment to the period it pays for; <paramref name="kind"/>: initial, renewal or proration.</summary>
    public Task RecordSubscriptionChargeAsync(Guid subscriptionId, DateTime periodStart, int attempt, Guid paymentId, string kind) =>
        ReadyThen(c => c.ExecuteAsync("""
            INSERT INTO subscription_charges (subscription_id, period_start, attempt, payment_id, kind)
            VALUES (@subscriptionId, @periodStart, @attempt, @paymentId, @kind)
            """, new { subscriptionId, periodStart, attempt, paymentId, kind }, transaction));

    /// <summary>The captured, not fully refunded payments that paid a period, newest first (proration credits are refunded from them).</summary>
    public async Task<IReadOnlyList<Guid>> RefundablePeriodPaymentIdsAsync(Guid subscriptionId, DateTime periodStart) =>
        (await (await ReadyAsync()).QueryAsync<Guid>("""
            SELECT p.id FROM subscription_charges c JOIN payments p ON p.id = c.payment_id
            WHERE c.subscription_id = @subscriptionId AND c.period_start = @periodStart AND p.status = 'succeeded' AND p.amount_refunded < p.amount_captured
            ORDER BY p.id DESC
            """, new { subscriptionId, periodStart }, transaction)).AsList();

    /// <summary>Inserts a charge task unless the same (subscription or instalment plan, period, attempt) has one; returns whether it did.</summary>
    public async Task<bool> InsertChargeTaskAsync(ChargeTaskRecord task) =>
        await (await ReadyAsync()).ExecuteAsync("""
            INSERT INTO charge_tasks (id, subscription_id, instalment_plan_id, period_start, attempt, status, create_time, enqueue_time)
            VALUES (@Id, @SubscriptionId, @InstalmentPlanId, @PeriodStart, @Attempt, @Status, @CreateTime, @EnqueueTime)
            ON CONFLICT DO NOTHING
            """, task, transaction) == 1;

    /// <summary>Locks a charge task (<paramref name="skipLocked"/>: null when another worker holds it).</summary>
    public Task<ChargeTaskRecord?> LockChargeTaskAsync(Guid id, bool skipLocked = false) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<ChargeTaskRecord>(
            "SELECT id, subscription_id AS SubscriptionId, instalment_plan_id AS InstalmentPlanId, period_start AS PeriodStart, attempt, status, create_time AS CreateTime, enqueue_time AS EnqueueTime " +
            "FROM charge_tasks WHERE id = @id FOR UPDATE" + (skipLocked ? " SKIP LOCKED" : ""), new { id }, transaction));

    public Task UpdateChargeTaskAsync(ChargeTaskRecord task, DateTime now) =>
        ReadyThen(c => c.ExecuteAsync("""
            UPDATE charge_tasks SET status = @Status, enqueue_time = @EnqueueTime,
                   done_time = CASE WHEN @Status = 'enqueued' THEN NULL ELSE @now END
            WHERE id = @Id
            """, new { task.Id, task.Status, task.EnqueueTime, now }, transaction));

    public Task InsertInstalmentPlanAsync(InstalmentPlanRecord p) =>
        ReadyThen(c => c.ExecuteAsync("""
            INSERT INTO instalment_plans (id, user_id, payment_method_id, total_amount, currency, instalments, interval, description, status,
                                          instalments_paid, due_time, next_charge_time, failed_attempts, create_time, update_time)
            VALUES (@Id, @UserId, @PaymentMethodId, @TotalAmount, @Currency, @Instalments, @Interval, @Description, @Status,
                    @InstalmentsPaid, @DueTime, @NextChargeTime, @FailedAttempts, @CreateTime, @UpdateTime)
            """, p, transaction));

    public Task UpdateInstalmentPlanAsync(InstalmentPlanRecord p) =>
        ReadyThen(c => c.ExecuteAsync("""
            UPDATE instalment_plans SET status = @Status, instalments_paid = @InstalmentsPaid, due_time = @DueTime, next_charge_time = @NextChargeTime,
                   failed_attempts = @FailedAttempts, update_time = @UpdateTime
            WHERE id = @Id
            """, p, transaction));

    /// <summary>Locks an instalment plan for the scheduler or the charge consumer (null when another worker holds it, unless <paramref name="wait"/>: settlement).</summary>
    public Task<InstalmentPlanRecord?> LockInstalmentPlanAsync(Guid id, bool wait = false) =>
        ReadyThen(c => c.QuerySingleOrDefaultAsync<InstalmentPlanRecord>(
            $"SELECT {PaymentStore.InstalmentPlanColumns} FROM instalment_plans WHERE id = @id FOR UPDATE" + (wait ? "" : " SKIP LOCKED"), new { id }, transaction));

    public Task RecordInstalmentChargeAsync(Guid planId, int instalment, int attempt, Guid paymentId) =>
        ReadyThen(c => c.ExecuteAsync("INSERT INTO instalment_charges (payment_id, instalment_plan_id, instalment, attempt) VALUES (@paymentId, @planId, @instalment, @attempt)",
            new { paymentId, planId, instalment, attempt }, transaction));

    public Task PublishAsync(OutboxMessage message) => WriteAsync(Outbox.BatchCommand(message));

    /// <summary>Sends what is pending and commits (owned units; a unit <see cref="Within"/> another's transaction leaves the commit to its owner).</summary>
    public async Task CommitAsync()
    {
        await SendPendingAsync();
        if (owned) await transaction.CommitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!owned) return;
        // Writes still pending here were never committed: they go with the rollback.
        _pending.Clear();
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
