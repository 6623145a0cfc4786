namespace Mesh.Referral.Referrals;

/// <summary>Payment's events as referral reads them (services/Payment/Charges/PaymentEvents.cs; JSON, PascalCase).</summary>
public static class PaymentEvents
{
    public const string PaymentMethodSavedType = "payment_method.saved";

    /// <summary>A card saved by <paramref name="UserId"/>; <paramref name="CardFingerprint"/> is payment's keyed hash of its number.</summary>
    public sealed record PaymentMethodSaved(Guid PaymentMethodId, Guid UserId, string CardFingerprint);
}
