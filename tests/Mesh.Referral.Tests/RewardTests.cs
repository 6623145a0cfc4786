using Mesh.Booking.Tests.Bookings;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Payment.Provider;
using Mesh.Referral.Tests.Support;
using Mesh.Referral.V1;
using Mesh.Referral.Workers;
using Mesh.ServiceDefaults.Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Mesh.Referral.Tests;

/// <summary>
/// Rewards: both sides get a coupon once the invitee's first booking is confirmed and has started (no longer
/// cancellable) — once, however often booking's event arrives; never when that booking was cancelled; never past the
/// referrer's cap; never when the invitee and the referrer have saved the same payment card.
/// </summary>
public sealed class RewardTests(ReferralFixture fixture) : IClassFixture<ReferralFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string Referrer, Customer Invitee)> ClaimedAsync(string? referrer = null)
    {
        referrer ??= Guid.NewGuid().ToString();
        var code = (await fixture.Referral.GetReferralCodeAsync(new GetReferralCodeRequest(), fixture.Tokens.As(referrer, "customer"), cancellationToken: Ct)).Code;
        var invitee = await fixture.NewCustomerAsync();
        await fixture.Referral.ClaimReferralAsync(new ClaimReferralRequest { Code = code }, invitee.Bearer, cancellationToken: Ct);
        return (referrer, invitee);
    }

    private async Task<BookingRecord> FirstBookingAsync(Customer invitee)
    {
        var (show, seats) = fixture.AddShow();
        var booking = await fixture.CheckoutAsync(invitee, await fixture.HoldAsync(invitee, show, seats[0]));
        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        // booking.confirmed reaches referral through RabbitMQ: the referral now waits for this booking.
        await Eventually.UntilAsync(() => fixture.ReferralScalarAsync<long>("SELECT count(*) FROM referrals WHERE first_booking_id = @id::uuid", new { id = booking.Id }),
            n => n == 1, "booking.confirmed to reach referral");
        return booking;
    }

    private async Task<Mesh.Referral.V1.Referral> ReferralOfAsync(string referrer, string invitee) =>
        (await fixture.Referral.ListReferralsAsync(new ListReferralsRequest(), fixture.Tokens.As(referrer, "customer"), cancellationToken: Ct)).Referrals.Single(r => r.InviteeId == invitee);

    private void PastTheStart(BookingRecord booking) =>
        fixture.Clock.Advance(booking.StartsAt.ToDateTime() - fixture.Clock.GetUtcNow().UtcDateTime + TimeSpan.FromMinutes(1));

    [Fact]
    public async Task The_reward_is_granted_once_even_when_bookings_event_is_delivered_twice()
    {
        var (referrer, invitee) = await ClaimedAsync();
        var booking = await FirstBookingAsync(invitee);

        // The same booking.confirmed again under a new message id (a republished event the inbox cannot recognise).
        await using (var connection = new NpgsqlConnection(fixture.ReferralDb))
        {
            await connection.OpenAsync(Ct);
            await using var tx = await connection.BeginTransactionAsync(Ct);
            var again = OutboxMessage.Json("booking.confirmed", new { BookingId = Guid.Parse(booking.Id), UserId = invitee.Id, StartsAt = booking.StartsAt.ToDateTime() });
            await BookingEventsConsumer.ApplyAsync(again.Type, new InboxMessage(again.Id, again.Type, again.Body, 1), tx, fixture.Clock.GetUtcNow().UtcDateTime, NullLogger.Instance);
            await tx.CommitAsync(Ct);
        }

        // Not before the booking can no longer be cancelled.
        Assert.Equal(0, await fixture.Program.GrantDueAsync(Ct));
        Assert.Equal(RewardState.Waiting, (await ReferralOfAsync(referrer, invitee.Id)).RewardState);

        PastTheStart(booking);
        var rounds = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => fixture.Program.GrantDueAsync(Ct))); // replicas racing
        Assert.Equal(1, rounds.Sum());
        Assert.Equal(0, await fixture.Program.GrantDueAsync(Ct));

        var referral = await ReferralOfAsync(referrer, invitee.Id);
        Assert.Equal(RewardState.Granted, referral.RewardState);
        Assert.NotEqual("", referral.ReferrerCouponCode);
        Assert.Equal("", referral.InviteeCouponCode); // the referrer does not see the invitee's coupon
        var referrerCoupons = await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), fixture.Tokens.As(referrer, "customer"), cancellationToken: Ct);
        var inviteeCoupons = await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), invitee.Bearer, cancellationToken: Ct);
        var reward = Assert.Single(referrerCoupons.Coupons);
        Assert.Equal((referral.ReferrerCouponCode, referrer, 1), (reward.Code, reward.OwnerId, reward.TotalLimit));
        Assert.Equal(invitee.Id, Assert.Single(inviteeCoupons.Coupons).OwnerId);

        // A reward coupon is its owner's alone.
        var (show, seats) = fixture.AddShow();
        var stranger = await fixture.NewCustomerAsync();
        var strangersHold = await fixture.HoldAsync(stranger, show, seats[0]);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.CheckoutAsync(stranger, strangersHold, reward.Code));
        Assert.Equal("COUPON_UNKNOWN", Errors.Reason(e));
    }

    [Fact]
    public async Task No_reward_when_the_first_booking_is_cancelled()
    {
        var (referrer, invitee) = await ClaimedAsync();
        var booking = await FirstBookingAsync(invitee);
        await fixture.Booking.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id }, invitee.Bearer, cancellationToken: Ct);
        await Eventually.UntilAsync(() => ReferralOfAsync(referrer, invitee.Id), r => r.RewardState != RewardState.Waiting, "booking.cancelled to reach referral");
        var referral = await ReferralOfAsync(referrer, invitee.Id);
        Assert.Equal((RewardState.Refused, "REFERRAL_FIRST_BOOKING_CANCELLED"), (referral.RewardState, referral.RewardReason));

        PastTheStart(booking);
        await fixture.Program.GrantDueAsync(Ct);
        Assert.Equal(RewardState.Refused, (await ReferralOfAsync(referrer, invitee.Id)).RewardState);
        Assert.Empty((await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), invitee.Bearer, cancellationToken: Ct)).Coupons);
    }

    [Fact]
    public async Task Rewards_past_the_referrers_cap_are_refused()
    {
        var referrer = Guid.NewGuid().ToString();
        var bookings = new List<(Customer Invitee, BookingRecord Booking)>();
        for (var i = 0; i <= ReferralFixture.MaxRewardsPerReferrer; i++)
        {
            var (_, invitee) = await ClaimedAsync(referrer);
            bookings.Add((invitee, await FirstBookingAsync(invitee)));
        }
        PastTheStart(bookings.MaxBy(b => b.Booking.StartsAt.ToDateTime()).Booking);
        await fixture.Program.GrantDueAsync(Ct);

        var referrals = (await fixture.Referral.ListReferralsAsync(new ListReferralsRequest(), fixture.Tokens.As(referrer, "customer"), cancellationToken: Ct)).Referrals;
        Assert.Equal(ReferralFixture.MaxRewardsPerReferrer, referrals.Count(r => r.RewardState == RewardState.Granted));
        var refused = Assert.Single(referrals, r => r.RewardState == RewardState.Refused);
        Assert.Equal("REFERRAL_REWARD_CAP", refused.RewardReason);
        Assert.Equal(ReferralFixture.MaxRewardsPerReferrer, (await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), fixture.Tokens.As(referrer, "customer"), cancellationToken: Ct)).Coupons.Count);
    }

    [Fact]
    public async Task No_reward_when_the_invitee_and_the_referrer_share_a_payment_card()
    {
        // The claim comes first (nothing known yet); the referrer saves the invitee's card afterwards.
        var (referrer, invitee) = await ClaimedAsync();
        await fixture.SaveCardAsync(referrer, TestCards.Visa);
        await fixture.CardsKnownAsync(referrer);
        await fixture.CardsKnownAsync(invitee.Id);
        var booking = await FirstBookingAsync(invitee);

        PastTheStart(booking);
        await fixture.Program.GrantDueAsync(Ct);

        var referral = await ReferralOfAsync(referrer, invitee.Id);
        Assert.Equal((RewardState.Refused, "REFERRAL_SHARED_PAYMENT_CARD"), (referral.RewardState, referral.RewardReason));
        Assert.Equal(("", ""), (referral.ReferrerCouponCode, referral.InviteeCouponCode));
        Assert.Empty((await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), fixture.Tokens.As(referrer, "customer"), cancellationToken: Ct)).Coupons);
        Assert.Empty((await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), invitee.Bearer, cancellationToken: Ct)).Coupons);
        // A refused reward takes no place under the referrer's cap.
        Assert.Equal(0L, await fixture.ReferralScalarAsync<long>("SELECT count(*) FROM referrer_rewards WHERE referrer_id = @referrer AND granted > 0", new { referrer }));
    }

    [Fact]
    public async Task A_different_card_is_still_rewarded_and_a_card_shared_after_the_grant_does_not_take_it_back()
    {
        var (referrer, invitee) = await ClaimedAsync();   // the invitee saved the Visa card
        await fixture.SaveCardAsync(referrer, TestCards.Mastercard);
        await fixture.CardsKnownAsync(referrer);
        await fixture.CardsKnownAsync(invitee.Id);
        var booking = await FirstBookingAsync(invitee);

        PastTheStart(booking);
        await fixture.Program.GrantDueAsync(Ct);
        var referral = await ReferralOfAsync(referrer, invitee.Id);
        Assert.Equal((RewardState.Granted, ""), (referral.RewardState, referral.RewardReason));
        Assert.Single((await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), invitee.Bearer, cancellationToken: Ct)).Coupons);

        // Learnt after the grant (ADR 0009): the coupons are out and may be spent; the grant stands.
        await fixture.SaveCardAsync(referrer, TestCards.Visa);
        await fixture.CardsKnownAsync(referrer, cards: 2);
        await fixture.Program.GrantDueAsync(Ct);
        Assert.Equal(RewardState.Granted, (await ReferralOfAsync(referrer, invitee.Id)).RewardState);
    }

    [Fact]
    public async Task A_card_fingerprint_delivered_twice_is_kept_once()
    {
        var user = Guid.NewGuid();
        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var body = new { PaymentMethodId = Guid.CreateVersion7(), UserId = user, CardFingerprint = fingerprint };
        // Twice under different message ids (a republished event the inbox cannot recognise); the same id twice is
        // the inbox's own dedupe (ServiceDefaults tests).
        for (var i = 0; i < 2; i++)
        {
            await using var connection = new NpgsqlConnection(fixture.ReferralDb);
            await connection.OpenAsync(Ct);
            await using var tx = await connection.BeginTransactionAsync(Ct);
            var again = OutboxMessage.Json("payment_method.saved", body);
            await PaymentEventsConsumer.ApplyAsync(new InboxMessage(again.Id, again.Type, again.Body, 1), tx, fixture.Clock.GetUtcNow().UtcDateTime);
            await tx.CommitAsync(Ct);
        }
        Assert.Equal(1L, await fixture.ReferralScalarAsync<long>("SELECT count(*) FROM card_fingerprints WHERE user_id = @user AND fingerprint = @fingerprint",
            new { user = user.ToString(), fingerprint }));
    }
}
