using System.Security.Cryptography;
using System.Text;

namespace Mesh.Payment.Provider;

/// <summary>
/// A card's fingerprint: HMAC-SHA256 of its normalized number (digits only) under a payment-side secret
/// (<see cref="PaymentOptions.CardFingerprintKey"/>), as 64 lowercase hex digits. The same number gives the same
/// fingerprint whoever saves it, so other services can tell that two accounts used one card without ever seeing the
/// number. Keyed rather than a plain hash: card numbers are few enough (a known prefix, a Luhn digit) that an unkeyed
/// hash could be reversed by trying them all; without the key a fingerprint reveals nothing.
/// </summary>
public sealed class CardFingerprints(byte[] key)
{
    public CardFingerprints(PaymentOptions options) : this(Encoding.UTF8.GetBytes(options.CardFingerprintKey)) { }

    /// <summary>The fingerprint of <paramref name="digits"/> (already normalized by <see cref="CardNumber.Digits"/>).</summary>
    public string Of(string digits) => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(digits)));
}
