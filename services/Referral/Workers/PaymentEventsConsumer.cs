using Mesh.Referral.Redemptions;
using Mesh.Referral.Referrals;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Referral.Workers;

/// <summary>
/// Payment's payment_method.saved (queue <c>referral.payment-events</c>, deduplicated by message id in mesh_inbox):
/// remembers which card fingerprints each user has saved, for the shared-card rule of referral rewards. The insert
/// is idempotent by itself too (primary key user + fingerprint), so a redelivery under a new message id adds nothing.
/// Runs only when ConnectionStrings:messaging is set.
/// </summary>
public sealed class PaymentEventsConsumer(NpgsqlDataSource db, IConfiguration configuration, TimeProvider time, ILogger<PaymentEventsConsumer> logger)
    : InboxConsumerService(db, configuration, logger)
{
    public const string Queue = "referral.payment-events";

    protected override InboxConsumerOptions Options => new() { Queue = Queue, Bindings = [PaymentEvents.PaymentMethodSavedType] };

    protected override Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ApplyAsync(message, transaction, CouponRedemptions.Microseconds(time.GetUtcNow().UtcDateTime));

    /// <summary>One event inside the caller's transaction (the consumer's inbox transaction; tests call it directly too).</summary>
    public static Task ApplyAsync(InboxMessage message, NpgsqlTransaction tx, DateTime now)
    {
        if (message.Type != PaymentEvents.PaymentMethodSavedType) return Task.CompletedTask;
        var e = message.Json<PaymentEvents.PaymentMethodSaved>();
        return ReferralsStore.NoteCardAsync(tx, e.UserId, e.CardFingerprint, now);
    }
}
