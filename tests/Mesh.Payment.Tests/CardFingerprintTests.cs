using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Mesh.Payment.Charges;
using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;

namespace Mesh.Payment.Tests;

/// <summary>
/// Card fingerprints: a saved card gets HMAC-SHA256 of its normalized number under the configured key — the same for
/// the same number whoever saves it, different for another number — stored on the payment method and announced in
/// payment_method.saved in the same transaction; the number itself is stored and published nowhere.
/// </summary>
public sealed class CardFingerprintTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Saved(string? Fingerprint, string Row, string? Event);

    /// <summary>The stored fingerprint, the whole row as text and the body of the card's payment_method.saved.</summary>
    private async Task<Saved> SavedAsync(string methodId)
    {
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        var id = Guid.Parse(methodId);
        return new Saved(
            await connection.ExecuteScalarAsync<string?>("SELECT card_fingerprint FROM payment_methods WHERE id = @id", new { id }),
            await connection.ExecuteScalarAsync<string>("SELECT row_to_json(m)::text FROM payment_methods m WHERE id = @id", new { id }) ?? "",
            await connection.ExecuteScalarAsync<string?>("""
                SELECT convert_from(body, 'UTF8') FROM mesh_outbox
                WHERE type = @type AND convert_from(body, 'UTF8')::jsonb->>'PaymentMethodId' = @methodId
                """, new { type = PaymentEvents.PaymentMethodSavedType, methodId }));
    }

    private static string Hmac(string key, string digits) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(digits)));

    [Fact]
    public async Task The_same_card_saved_by_two_users_has_one_fingerprint_and_another_card_another()
    {
        var alice = fixture.NewCaller();
        var bob = fixture.NewCaller();
        var alicesVisa = await SavedAsync(await fixture.AddCardAsync(alice, TestCards.Visa));
        var bobsVisa = await SavedAsync(await fixture.AddCardAsync(bob, "4242 4242-4242 4242"));   // the same number, typed differently
        var bobsMastercard = await SavedAsync(await fixture.AddCardAsync(bob, TestCards.Mastercard));

        Assert.Equal(Hmac(PaymentFixture.CardFingerprintKey, TestCards.Visa), alicesVisa.Fingerprint);
        Assert.Equal(alicesVisa.Fingerprint, bobsVisa.Fingerprint);
        Assert.Equal(Hmac(PaymentFixture.CardFingerprintKey, TestCards.Mastercard), bobsMastercard.Fingerprint);
        Assert.NotEqual(alicesVisa.Fingerprint, bobsMastercard.Fingerprint);

        // Keyed: neither a plain hash of the number nor the fingerprint under another key (the development default).
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(TestCards.Visa))), alicesVisa.Fingerprint);
        Assert.NotEqual(Hmac(PaymentOptions.DevelopmentCardFingerprintKey, TestCards.Visa), alicesVisa.Fingerprint);
    }

    [Fact]
    public async Task Saving_a_card_announces_its_fingerprint_and_stores_or_publishes_no_card_number()
    {
        var caller = fixture.NewCaller();
        var methodId = await fixture.AddCardAsync(caller, TestCards.Mastercard);
        var saved = await SavedAsync(methodId);

        Assert.NotNull(saved.Event);
        var e = JsonSerializer.Deserialize<PaymentEvents.PaymentMethodSaved>(saved.Event)!;
        Assert.Equal((Guid.Parse(methodId), caller.Id, saved.Fingerprint), (e.PaymentMethodId, e.UserId, (string?)e.CardFingerprint));
        Assert.Matches("^[0-9a-f]{64}$", e.CardFingerprint);

        // Neither the row nor the event holds the number (only last4, which the API shows anyway).
        Assert.DoesNotContain(TestCards.Mastercard, saved.Row);
        Assert.DoesNotContain(TestCards.Mastercard[..12], saved.Row);
        Assert.DoesNotContain(TestCards.Mastercard, saved.Event);
        Assert.DoesNotContain(TestCards.Mastercard[..12], saved.Event);
    }
}
