using Mesh.Booking;
using Mesh.Booking.Bookings;
using Mesh.Catalog.Changes;
using PaymentEvents = Mesh.Payment.Charges.PaymentEvents;
using Mesh.Payment.Charges;
using Mesh.Payment.Notifications;
using Mesh.Payment.Subscriptions;
using Mesh.Referral.Referrals;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Support.Notifications;

namespace Mesh.Notification.Tests.Support;

/// <summary>One user-facing event as its producer writes it, whom it concerns and the kind each of them gets.</summary>
public sealed record ProducedEvent(OutboxMessage Message, Guid[] Users, string Kind);

/// <summary>Events built with the producers' own records and factories (the shapes on the wire are theirs).</summary>
public static class ProducerEvents
{
    public static readonly string[] Kinds =
    [
        "booking_confirmed", "booking_cancelled", "booking_failed", "hold_expired", "payment_failed", "refund_succeeded",
        "subscription_renewed", "subscription_canceled", "referral_rewarded", "support_reply", "support_ticket_status",
        "hold_expiring", "payment_requires_action", "subscription_renewing",
    ];

    public static ProducedEvent Of(string kind, DateTimeOffset now)
    {
        var user = Guid.NewGuid();
        var other = Guid.NewGuid();
        return kind switch
        {
            "booking_confirmed" => new(Confirmed(user, now.AddDays(3)), [user], kind),
            "booking_cancelled" => new(OutboxMessage.Json(BookingMessages.CancelledType,
                new BookingMessages.BookingCancelled(Guid.NewGuid(), user.ToString(), Guid.NewGuid(), 2_500, "EUR", "customer request")), [user], kind),
            "booking_failed" => new(OutboxMessage.Json(BookingMessages.FailedType,
                new BookingMessages.BookingFailed(Guid.NewGuid(), user.ToString(), Guid.NewGuid(), "card_declined")), [user], kind),
            "hold_expired" => new(HoldMessages.Expired(new HoldExpired(Guid.NewGuid(), user.ToString(), Guid.NewGuid(), null, now.UtcDateTime)), [user], kind),
            "payment_failed" => new(OutboxMessage.Json(PaymentEvents.FailedType,
                new PaymentEvents.PaymentFailed(Guid.NewGuid(), user, 4_200, "EUR", "card_declined", null)), [user], kind),
            "refund_succeeded" => new(OutboxMessage.Json(PaymentEvents.RefundSucceededType,
                new PaymentEvents.RefundSucceeded(Guid.NewGuid(), Guid.NewGuid(), user, 1_000, "EUR")), [user], kind),
            "subscription_renewed" => new(OutboxMessage.Json(SubscriptionBilling.RenewedType,
                new SubscriptionBilling.SubscriptionRenewed(Guid.NewGuid(), user, Guid.NewGuid(), now.AddDays(30).UtcDateTime)), [user], kind),
            "subscription_canceled" => new(NotificationRequests.For(user, "subscription_canceled", "Your Plus subscription was canceled",
                "We could not collect the renewal.", new Dictionary<string, string> { ["subscription_id"] = Guid.NewGuid().ToString() }), [user], kind),
            "referral_rewarded" => new(OutboxMessage.Json(ReferralsStore.RewardedType,
                new ReferralsStore.Rewarded(Guid.NewGuid(), user.ToString(), "REF-A", other.ToString(), "REF-B", 500, "EUR")), [user, other], kind),
            "support_reply" => new(SupportEvents.Reply(user, Guid.NewGuid(), "Where are my tickets?", 3), [user], kind),
            "support_ticket_status" => new(SupportEvents.StatusChanged(user, Guid.NewGuid(), "Where are my tickets?", "resolved"), [user], kind),
            "hold_expiring" => new(HoldMessages.Expiring(new HoldExpiring(Guid.NewGuid(), user.ToString(), Guid.NewGuid(), null, now.AddMinutes(2).UtcDateTime)), [user], kind),
            "payment_requires_action" => new(PaymentProcessor.ActionNotice(new PaymentRecord
            {
                Id = Guid.NewGuid(), UserId = user, Amount = 4_250, Currency = "EUR", Status = PaymentStates.RequiresAction, ActionExpireTime = now.AddMinutes(15).UtcDateTime,
            }), [user], kind),
            "subscription_renewing" => new(SubscriptionBilling.RenewalNotice(
                new SubscriptionRecord { Id = Guid.NewGuid(), UserId = user, PlanId = "plus-monthly", Status = SubscriptionStates.Active, CurrentPeriodEnd = now.AddDays(3).UtcDateTime },
                new PlanRecord { Id = "plus-monthly", Name = "Plus", Amount = 1_999, Currency = "EUR" }), [user], kind),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    public static OutboxMessage Confirmed(Guid user, DateTimeOffset startsAt, Guid? bookingId = null) =>
        OutboxMessage.Json(BookingMessages.ConfirmedType, new BookingMessages.BookingConfirmed(bookingId ?? Guid.NewGuid(), user.ToString(), Guid.NewGuid(),
            Guid.NewGuid(), null, startsAt.UtcDateTime, 5_000, "EUR", Guid.NewGuid(), 2));

    public static OutboxMessage Cancelled(Guid user, Guid bookingId) =>
        OutboxMessage.Json(BookingMessages.CancelledType, new BookingMessages.BookingCancelled(bookingId, user.ToString(), Guid.NewGuid(), 5_000, "EUR", "customer request"));

    public static OutboxMessage ShowCreated(string cityId, DateTimeOffset startsAt, Guid? showId = null) =>
        OutboxMessage.Json(Catalog.Changes.ShowCreated.Type, new ShowCreated(showId ?? Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), cityId, startsAt.UtcDateTime, "Hamlet"));
}
