using System.Text.RegularExpressions;

namespace Mesh.Notification.Templates;

/// <summary>A notification's text in one language.</summary>
public sealed record Rendered(string Title, string Body);

/// <summary>
/// The text of every kind in every language the service speaks (en, de), with {placeholders} filled from the event's
/// data. A language without the kind falls back to English; a kind without any template (a producer's new
/// notification.requested kind) uses the producer's own subject and body, so nothing a producer asks for is lost.
/// </summary>
public static partial class TemplateCatalog
{
    public const string DefaultLocale = "en";
    public static readonly string[] Locales = ["en", "de"];

    private static readonly Dictionary<(string Kind, string Locale), Rendered> Templates = new()
    {
        [("booking_confirmed", "en")] = new("Booking confirmed", "Your booking is confirmed: {tickets} ticket(s), {amount}, starting {starts_at}."),
        [("booking_confirmed", "de")] = new("Buchung bestätigt", "Deine Buchung ist bestätigt: {tickets} Ticket(s), {amount}, Beginn {starts_at}."),
        [("booking_cancelled", "en")] = new("Booking cancelled", "Your booking was cancelled. Refund: {refund_amount}."),
        [("booking_cancelled", "de")] = new("Buchung storniert", "Deine Buchung wurde storniert. Erstattung: {refund_amount}."),
        [("booking_failed", "en")] = new("Booking failed", "We could not complete your booking ({reason})."),
        [("booking_failed", "de")] = new("Buchung fehlgeschlagen", "Deine Buchung konnte nicht abgeschlossen werden ({reason})."),
        [("hold_expired", "en")] = new("Your seats were released", "Your hold expired before checkout, so its seats are free again."),
        [("hold_expired", "de")] = new("Deine Plätze wurden freigegeben", "Deine Reservierung ist vor dem Bezahlen abgelaufen."),
        [("hold_expiring", "en")] = new("Your hold expires soon", "Your held seats are released at {expires_at} unless you check out before then."),
        [("hold_expiring", "de")] = new("Deine Reservierung läuft bald ab", "Deine reservierten Plätze werden um {expires_at} freigegeben, wenn du bis dahin nicht bezahlst."),
        [("payment_requires_action", "en")] = new("Payment waiting for your confirmation", "Your payment of {amount_display} needs your confirmation (card authentication) by {action_expire_time}, or it will fail."),
        [("payment_requires_action", "de")] = new("Zahlung wartet auf deine Bestätigung", "Deine Zahlung über {amount_display} muss bis {action_expire_time} bestätigt werden (Kartenauthentifizierung), sonst schlägt sie fehl."),
        [("payment_failed", "en")] = new("Payment failed", "A payment of {amount} failed ({failure_code})."),
        [("payment_failed", "de")] = new("Zahlung fehlgeschlagen", "Eine Zahlung über {amount} ist fehlgeschlagen ({failure_code})."),
        [("refund_succeeded", "en")] = new("Refund on its way", "We refunded {amount} to your card."),
        [("refund_succeeded", "de")] = new("Erstattung unterwegs", "Wir haben {amount} auf deine Karte erstattet."),
        [("subscription_renewed", "en")] = new("Subscription renewed", "Your subscription was renewed until {period_end}."),
        [("subscription_renewed", "de")] = new("Abo verlängert", "Dein Abo wurde bis {period_end} verlängert."),
        [("subscription_renewing", "en")] = new("Renewal coming up: {plan}", "Your {plan} subscription renews on {renews_at}; {amount_display} will be charged to your saved card. Cancel before then if you do not want it."),
        [("subscription_renewing", "de")] = new("Verlängerung steht an: {plan}", "Dein {plan}-Abo verlängert sich am {renews_at}; {amount_display} werden von deiner gespeicherten Karte abgebucht. Kündige vorher, wenn du das nicht möchtest."),
        [("referral_rewarded", "en")] = new("You earned a reward", "Thanks for referring a friend: your coupon {coupon_code} is worth {amount}."),
        [("referral_rewarded", "de")] = new("Du hast eine Prämie erhalten", "Danke fürs Weiterempfehlen: dein Gutschein {coupon_code} ist {amount} wert."),
        [("support_reply", "en")] = new("New reply from support", "There is a new reply on your support ticket."),
        [("support_reply", "de")] = new("Neue Antwort vom Support", "Auf dein Support-Ticket gibt es eine neue Antwort."),
        [("show_reminder", "en")] = new("Your show is tomorrow", "Reminder: your booking starts {starts_at}."),
        [("show_reminder", "de")] = new("Deine Vorstellung ist morgen", "Erinnerung: deine Buchung beginnt {starts_at}."),
        [("new_show_in_city", "en")] = new("New in your city: {event_title}", "A new show was just scheduled near you, starting {starts_at}."),
        [("new_show_in_city", "de")] = new("Neu in deiner Stadt: {event_title}", "Eine neue Vorstellung in deiner Nähe, Beginn {starts_at}."),
    };

    public static bool Knows(string kind) => Templates.ContainsKey((kind, DefaultLocale));

    /// <summary>The text of <paramref name="kind"/> in <paramref name="locale"/> (else English; else the producer's <paramref name="fallback"/>).</summary>
    public static Rendered Render(string kind, string locale, IReadOnlyDictionary<string, string> data, Rendered? fallback = null)
    {
        if (!Templates.TryGetValue((kind, locale), out var template) && !Templates.TryGetValue((kind, DefaultLocale), out template))
            return fallback ?? new Rendered(kind.Replace('_', ' '), "");
        return new Rendered(Fill(template.Title, data), Fill(template.Body, data));
    }

    /// <summary>{name} → data[name]; a name the event did not carry stays visible rather than vanishing.</summary>
    private static string Fill(string text, IReadOnlyDictionary<string, string> data) =>
        Placeholder().Replace(text, m => data.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
