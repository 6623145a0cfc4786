namespace Mesh.Payment.Provider;

/// <summary>How a test card behaves at the simulated provider (numbers in Stripe's style; all pass Luhn).</summary>
public enum CardBehavior { Succeeds, Declines, InsufficientFunds, TimesOut, RequiresAction }

public static class TestCards
{
    public const string Visa = "4242424242424242";
    public const string Mastercard = "5555555555554444";
    public const string Declined = "4000000000000002";
    public const string InsufficientFunds = "4000000000009995";
    /// <summary>The provider charges it but its answer is lost (a timeout): the outcome is learnt by lookup.</summary>
    public const string Timeout = "4000000000000119";

    /// <summary>Needs a second step (simulated 3-D Secure): REQUIRES_ACTION until confirmed with a code ("000000" fails).</summary>
    public const string RequiresAction = "4000002760003184";

    public static CardBehavior BehaviorOf(string digits) => digits switch
    {
        Declined => CardBehavior.Declines,
        InsufficientFunds => CardBehavior.InsufficientFunds,
        Timeout => CardBehavior.TimesOut,
        RequiresAction => CardBehavior.RequiresAction,
        _ => CardBehavior.Succeeds,
    };
}
