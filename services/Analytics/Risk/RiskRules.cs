using Mesh.Analytics.V1;

namespace Mesh.Analytics.Risk;

/// <summary>
/// The fraud and bot rules: plain code over <see cref="RiskCounts"/>, testable without a server. A rule that fires adds
/// its reason; any BLOCK rule blocks, else any CHALLENGE rule challenges, else ALLOW. Two signs of a bot together
/// (a script's cadence AND a headless client) block rather than challenge.
/// </summary>
public sealed class RiskRules(RiskOptions options)
{
    public const string SignInVelocity = "SIGN_IN_VELOCITY";
    public const string HoldVelocity = "HOLD_VELOCITY";
    public const string CheckoutVelocity = "CHECKOUT_VELOCITY";
    public const string PaymentVelocity = "PAYMENT_VELOCITY";
    public const string CardTesting = "CARD_TESTING";
    public const string SeatHoarding = "SEAT_HOARDING";
    public const string BotCadence = "BOT_CADENCE";
    public const string HeadlessClient = "HEADLESS_CLIENT";

    // Substrings of user agents that automation leaves in (compared case-insensitively).
    private static readonly string[] HeadlessSignatures =
        ["headlesschrome", "phantomjs", "selenium", "puppeteer", "playwright", "python-requests", "curl/", "wget/", "go-http-client", "scrapy"];

    public (RiskDecision Decision, List<string> Reasons) Evaluate(CheckRiskRequest request, RiskCounts counts)
    {
        var block = new List<string>();
        var challenge = new List<string>();

        var (limit, reason) = request.Action switch
        {
            RiskAction.SignIn => (options.SignInsPerWindow, SignInVelocity),
            RiskAction.Hold => (options.HoldsPerWindow, HoldVelocity),
            RiskAction.Checkout => (options.CheckoutsPerWindow, CheckoutVelocity),
            _ => (options.PaymentsPerWindow, PaymentVelocity),
        };
        if (counts.Attempts.Values.Any(n => n > limit)) block.Add(reason);

        if (request.Action is RiskAction.Checkout or RiskAction.Payment
            && (counts.Declines >= options.DeclinesToBlock || counts.Cards.Values.Any(n => n >= options.CardsToBlock)))
            block.Add(CardTesting);

        if (request.Action == RiskAction.Hold && counts.ExpiredHolds >= options.ExpiredHoldsToBlock) block.Add(SeatHoarding);

        var cadence = IsScriptCadence(counts.RecentAttempts);
        var headless = IsHeadless(request.Attributes.GetValueOrDefault("user_agent") ?? "");
        if (cadence) challenge.Add(BotCadence);
        if (headless) challenge.Add(HeadlessClient);
        if (cadence && headless) { block.AddRange(challenge); challenge.Clear(); }

        if (block.Count > 0) return (RiskDecision.Block, [.. block, .. challenge]);
        if (challenge.Count > 0) return (RiskDecision.Challenge, challenge);
        return (RiskDecision.Allow, []);
    }

    /// <summary>Enough attempts at intervals so even (coefficient of variation below the limit) that a timer, not a person, made them.</summary>
    public bool IsScriptCadence(IReadOnlyList<double> times)
    {
        if (times.Count < options.CadenceSamples) return false;
        var intervals = new double[times.Count - 1];
        for (var i = 1; i < times.Count; i++) intervals[i - 1] = times[i] - times[i - 1];
        var mean = intervals.Average();
        if (mean <= 0) return true;   // all at once: no person clicks that fast
        var deviation = Math.Sqrt(intervals.Sum(x => (x - mean) * (x - mean)) / intervals.Length);
        return deviation / mean < options.CadenceMaxVariation;
    }

    public static bool IsHeadless(string userAgent) =>
        userAgent.Length > 0 && HeadlessSignatures.Any(s => userAgent.Contains(s, StringComparison.OrdinalIgnoreCase));
}
