using Mesh.Analytics.Risk;
using Mesh.Analytics.V1;

namespace Mesh.Analytics.Tests;

/// <summary>The rules as plain code: thresholds, the combination of bot signs, and what does not fire.</summary>
public sealed class RiskRulesTests
{
    private readonly RiskRules _rules = new(new RiskOptions());

    private static CheckRiskRequest Request(RiskAction action, string userAgent = "")
    {
        var request = new CheckRiskRequest { Action = action, UserId = "u" };
        if (userAgent.Length > 0) request.Attributes["user_agent"] = userAgent;
        return request;
    }

    [Fact]
    public void Nothing_unusual_is_allowed() =>
        Assert.Equal(RiskDecision.Allow, _rules.Evaluate(Request(RiskAction.Payment), new RiskCounts { Attempts = { ["user"] = 1 }, Cards = { ["user"] = 1 } }).Decision);

    [Theory]
    [InlineData(RiskAction.SignIn, 21, "SIGN_IN_VELOCITY")]
    [InlineData(RiskAction.Hold, 31, "HOLD_VELOCITY")]
    [InlineData(RiskAction.Checkout, 21, "CHECKOUT_VELOCITY")]
    [InlineData(RiskAction.Payment, 11, "PAYMENT_VELOCITY")]
    public void Velocity_above_the_limit_blocks(RiskAction action, long attempts, string reason)
    {
        var (decision, reasons) = _rules.Evaluate(Request(action), new RiskCounts { Attempts = { ["ip"] = attempts } });
        Assert.Equal((RiskDecision.Block, reason), (decision, Assert.Single(reasons)));
        Assert.Equal(RiskDecision.Allow, _rules.Evaluate(Request(action), new RiskCounts { Attempts = { ["ip"] = attempts - 1 } }).Decision);
    }

    [Fact]
    public void Declines_block_payments_and_checkouts_but_not_holds()
    {
        var counts = new RiskCounts { Declines = 5 };
        Assert.Equal(RiskDecision.Block, _rules.Evaluate(Request(RiskAction.Payment), counts).Decision);
        Assert.Equal(RiskDecision.Block, _rules.Evaluate(Request(RiskAction.Checkout), counts).Decision);
        Assert.Equal(RiskDecision.Allow, _rules.Evaluate(Request(RiskAction.Hold), counts).Decision);
        Assert.Equal(RiskDecision.Allow, _rules.Evaluate(Request(RiskAction.Payment), new RiskCounts { Declines = 4 }).Decision);
    }

    [Fact]
    public void Expired_holds_block_only_holding() =>
        Assert.Equal((RiskDecision.Block, RiskDecision.Allow),
            (_rules.Evaluate(Request(RiskAction.Hold), new RiskCounts { ExpiredHolds = 5 }).Decision,
             _rules.Evaluate(Request(RiskAction.Checkout), new RiskCounts { ExpiredHolds = 5 }).Decision));

    [Fact]
    public void An_even_cadence_is_a_script_and_a_human_one_is_not()
    {
        Assert.True(_rules.IsScriptCadence([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]));
        Assert.True(_rules.IsScriptCadence([5, 5, 5, 5, 5, 5, 5, 5]));
        Assert.False(_rules.IsScriptCadence([0, 1800, 2500, 6100, 7000, 11000, 11900, 16000]));
        Assert.False(_rules.IsScriptCadence([0, 1000, 2000]));   // too few to tell
    }

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0.0.0 Safari/537.36", true)]
    [InlineData("python-requests/2.32.3", true)]
    [InlineData("curl/8.5.0", true)]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", false)]
    [InlineData("", false)]
    public void Headless_signatures(string userAgent, bool headless) => Assert.Equal(headless, RiskRules.IsHeadless(userAgent));

    [Fact]
    public void A_headless_client_alone_is_challenged_and_with_a_script_cadence_blocked()
    {
        var request = Request(RiskAction.SignIn, "HeadlessChrome");
        Assert.Equal(RiskDecision.Challenge, _rules.Evaluate(request, new RiskCounts()).Decision);
        var (decision, reasons) = _rules.Evaluate(request, new RiskCounts { RecentAttempts = [0, 2000, 4000, 6000, 8000, 10000, 12000, 14000] });
        Assert.Equal(RiskDecision.Block, decision);
        Assert.Equal(["BOT_CADENCE", "HEADLESS_CLIENT"], reasons);
    }
}
