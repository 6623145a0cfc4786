namespace Mesh.Notification.Templates;

/// <summary>
/// The preference categories and which category each kind belongs to. A kind nobody listed (a producer's new
/// notification.requested kind) is taken by its prefix (payment_…, subscription_…, support_…), else "support" —
/// never dropped.
/// </summary>
public static class Categories
{
    public const string Bookings = "bookings";
    public const string Payments = "payments";
    public const string Subscriptions = "subscriptions";
    public const string Referrals = "referrals";
    public const string Support = "support";
    public const string Reminders = "reminders";
    public const string Announcements = "announcements";

    public static readonly string[] All = [Bookings, Payments, Subscriptions, Referrals, Support, Reminders, Announcements];

    /// <summary>Email is on by default for what a user did or owes; off for announcements. SMS is off until chosen.</summary>
    public static bool EmailByDefault(string category) => category != Announcements;

    public static string Of(string kind) => kind switch
    {
        _ when kind.StartsWith("booking_", StringComparison.Ordinal) || kind is "hold_expired" or "hold_expiring" => Bookings,
        _ when kind.StartsWith("payment_", StringComparison.Ordinal) || kind.StartsWith("refund_", StringComparison.Ordinal)
            || kind.StartsWith("instalment_", StringComparison.Ordinal) => Payments,
        _ when kind.StartsWith("subscription_", StringComparison.Ordinal) => Subscriptions,
        _ when kind.StartsWith("referral_", StringComparison.Ordinal) => Referrals,
        "show_reminder" => Reminders,
        "new_show_in_city" => Announcements,
        _ => Support,
    };
}
