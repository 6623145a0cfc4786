using System.Globalization;
using Mesh.Notification.Templates;
using Mesh.ServiceDefaults.Messaging;
using static Mesh.Notification.Events.EventTypes;

namespace Mesh.Notification.Events;

/// <summary>
/// What each user-facing event means as notifications: the kind, whom it concerns and the data its templates fill
/// in. A body that names no valid user throws (InvalidDataException): the consumer retries it and then dead-letters
/// it, where it can be looked at instead of vanishing.
/// </summary>
public static class EventIntents
{
    public static IReadOnlyList<NotificationIntent> From(InboxMessage message) => message.Type switch
    {
        BookingConfirmed => One(message, message.Json<BookingConfirmedBody>() is var b ? (User(b.UserId), "booking_confirmed", new Dictionary<string, string>
        {
            ["booking_id"] = b.BookingId.ToString(), ["starts_at"] = Money.Time(b.StartsAt), ["amount"] = Money.Display(b.Amount, b.Currency),
            ["tickets"] = b.Tickets.ToString(CultureInfo.InvariantCulture), ["show_id"] = b.ShowId?.ToString() ?? "", ["service_id"] = b.ServiceId?.ToString() ?? "",
        }) : default),
        BookingCancelled => One(message, message.Json<BookingCancelledBody>() is var c ? (User(c.UserId), "booking_cancelled", new Dictionary<string, string>
        {
            ["booking_id"] = c.BookingId.ToString(), ["refund_amount"] = Money.Display(c.RefundAmount, c.Currency), ["reason"] = c.Reason,
        }) : default),
        BookingFailed => One(message, message.Json<BookingFailedBody>() is var f ? (User(f.UserId), "booking_failed", new Dictionary<string, string>
        {
            ["booking_id"] = f.BookingId.ToString(), ["reason"] = f.Reason,
        }) : default),
        HoldExpired => One(message, message.Json<HoldExpiredBody>() is var h ? (User(h.UserId), "hold_expired", new Dictionary<string, string>
        {
            ["hold_id"] = h.HoldId.ToString(), ["show_id"] = h.ShowId?.ToString() ?? "", ["service_id"] = h.ServiceId?.ToString() ?? "",
        }) : default),
        HoldExpiring => One(message, message.Json<HoldExpiringBody>() is var x ? (User(x.UserId), "hold_expiring", new Dictionary<string, string>
        {
            ["hold_id"] = x.HoldId.ToString(), ["expires_at"] = Money.Time(x.ExpiresAt), ["show_id"] = x.ShowId?.ToString() ?? "", ["service_id"] = x.ServiceId?.ToString() ?? "",
        }) : default),
        PaymentFailed => message.Json<PaymentFailedBody>() is var p && p.UserId != Guid.Empty
            ? One(message, (p.UserId, "payment_failed", new Dictionary<string, string>
            {
                ["payment_id"] = p.PaymentId.ToString(), ["amount"] = Money.Display(p.Amount, p.Currency), ["failure_code"] = p.FailureCode,
            }))
            : throw new InvalidDataException($"payment.failed {message.Id} names no user."),
        RefundSucceeded => One(message, message.Json<RefundSucceededBody>() is var r ? (r.UserId, "refund_succeeded", new Dictionary<string, string>
        {
            ["refund_id"] = r.RefundId.ToString(), ["payment_id"] = r.PaymentId.ToString(), ["amount"] = Money.Display(r.Amount, r.Currency),
        }) : default),
        SubscriptionRenewed => One(message, message.Json<SubscriptionRenewedBody>() is var s ? (s.UserId, "subscription_renewed", new Dictionary<string, string>
        {
            ["subscription_id"] = s.SubscriptionId.ToString(), ["payment_id"] = s.PaymentId.ToString(), ["period_end"] = Money.Time(s.PeriodEnd),
        }) : default),
        ReferralRewarded => Rewarded(message, message.Json<ReferralRewardedBody>()),
        NotificationRequested => Requested(message, message.Json<NotificationRequestedBody>()),
        _ => [],
    };

    private static NotificationIntent[] Rewarded(InboxMessage message, ReferralRewardedBody r)
    {
        var amount = Money.Display(r.AmountMinor, r.Currency);
        return
        [
            new(User(r.ReferrerId), message.Id, "referral_rewarded", new Dictionary<string, string> { ["referral_id"] = r.ReferralId.ToString(), ["coupon_code"] = r.ReferrerCouponCode, ["amount"] = amount }),
            new(User(r.InviteeId), message.Id, "referral_rewarded", new Dictionary<string, string> { ["referral_id"] = r.ReferralId.ToString(), ["coupon_code"] = r.InviteeCouponCode, ["amount"] = amount }),
        ];
    }

    private static NotificationIntent[] Requested(InboxMessage message, NotificationRequestedBody n)
    {
        if (n.UserId == Guid.Empty) throw new InvalidDataException($"notification.requested {message.Id} names no user.");
        var kind = string.IsNullOrWhiteSpace(n.Kind) ? "message" : n.Kind.Trim().ToLowerInvariant();
        var data = new Dictionary<string, string>(n.Data ?? []);
        return [new(n.UserId, message.Id, kind, data, new Rendered(Limit(n.Subject, 200), Limit(n.Body, 4000)))];
    }

    private static NotificationIntent[] One(InboxMessage message, (Guid User, string Kind, Dictionary<string, string> Data) e) =>
        [new(e.User, message.Id, e.Kind, e.Data)];

    private static Guid User(string id) =>
        Guid.TryParse(id, out var user) && user != Guid.Empty ? user : throw new InvalidDataException($"'{id}' is not a user id.");

    private static string Limit(string? text, int max) => text is null ? "" : text.Length <= max ? text : text[..max];
}
