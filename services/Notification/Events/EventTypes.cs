namespace Mesh.Notification.Events;

/// <summary>
/// The domain events this service listens to on mesh.events (routing key = type), with their bodies as the producers
/// write them (JSON, PascalCase): services/Booking/Bookings/BookingMessages.cs, Booking/Holds/HoldMessages.cs,
/// Payment/Charges/PaymentEvents.cs, Payment/Subscriptions/SubscriptionBilling.cs, Referral/Referrals/ReferralsStore.cs,
/// Payment/Notifications/NotificationRequests.cs and Support/Notifications/SupportEvents.cs (notification.requested),
/// Catalog/Changes/ShowCreated.cs. Only the fields used are declared; producers may add more.
/// </summary>
public static class EventTypes
{
    public const string BookingConfirmed = "booking.confirmed";
    public const string BookingCancelled = "booking.cancelled";
    public const string BookingFailed = "booking.failed";
    public const string HoldExpired = "booking.hold_expired";
    public const string HoldExpiring = "booking.hold_expiring";
    public const string PaymentFailed = "payment.failed";
    public const string RefundSucceeded = "payment.refund_succeeded";
    public const string SubscriptionRenewed = "subscription.renewed";
    public const string ReferralRewarded = "referral.rewarded";
    public const string NotificationRequested = "notification.requested";
    public const string ShowCreated = "catalog.show_created";

    public static readonly string[] All =
        [BookingConfirmed, BookingCancelled, BookingFailed, HoldExpired, HoldExpiring, PaymentFailed, RefundSucceeded, SubscriptionRenewed, ReferralRewarded, NotificationRequested, ShowCreated];

    public sealed record BookingConfirmedBody(Guid BookingId, string UserId, Guid? ShowId, Guid? ServiceId, DateTime StartsAt, long Amount, string Currency, int Tickets);
    public sealed record BookingCancelledBody(Guid BookingId, string UserId, long RefundAmount, string Currency, string Reason);
    public sealed record BookingFailedBody(Guid BookingId, string UserId, string Reason);
    public sealed record HoldExpiredBody(Guid HoldId, string UserId, Guid? ShowId, Guid? ServiceId, DateTime ExpiredAt);
    public sealed record HoldExpiringBody(Guid HoldId, string UserId, Guid? ShowId, Guid? ServiceId, DateTime ExpiresAt);
    public sealed record PaymentFailedBody(Guid PaymentId, Guid UserId, long Amount, string Currency, string FailureCode);
    public sealed record RefundSucceededBody(Guid RefundId, Guid PaymentId, Guid UserId, long Amount, string Currency);
    public sealed record SubscriptionRenewedBody(Guid SubscriptionId, Guid UserId, Guid PaymentId, DateTime PeriodEnd);
    public sealed record ReferralRewardedBody(Guid ReferralId, string ReferrerId, string ReferrerCouponCode, string InviteeId, string InviteeCouponCode, long AmountMinor, string Currency);
    public sealed record NotificationRequestedBody(Guid UserId, string Kind, string Subject, string Body, Dictionary<string, string>? Data);
    public sealed record ShowCreatedBody(Guid ShowId, Guid EventId, Guid VenueId, string CityId, DateTime StartTime, string? EventTitle);
}
