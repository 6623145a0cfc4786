using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Booking.Tests.Support;
using Mesh.Referral.Tests.Support;
using Mesh.Referral.V1;

namespace Mesh.Referral.Tests;

/// <summary>Referral codes and claims, and the abuse rules a claim is refused by.</summary>
public sealed class ReferralClaimTests(ReferralFixture fixture) : IClassFixture<ReferralFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewUser() => Guid.NewGuid().ToString();

    private Metadata As(string user) => fixture.Tokens.As(user, "customer");

    private async Task<string> CodeOfAsync(string user) =>
        (await fixture.Referral.GetReferralCodeAsync(new GetReferralCodeRequest(), As(user), cancellationToken: Ct)).Code;

    private async Task<RpcException> RefusedClaimAsync(string user, string code)
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Referral.ClaimReferralAsync(new ClaimReferralRequest { Code = code }, As(user), cancellationToken: Ct));
        return e;
    }

    [Fact]
    public async Task A_users_code_is_made_on_the_first_ask_and_stays_the_same_over_rest()
    {
        var user = NewUser();
        using var rest = fixture.CreateRestClient();
        var codes = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/referral-code");
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(As(user).GetValue("authorization")!);
            using var response = await rest.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            codes.Add(JsonDocument.Parse(body).RootElement.GetProperty("code").GetString()!);
        }
        Assert.Equal(codes[0], codes[1]);
        Assert.Matches("^[A-Z2-9]{8}$", codes[0]);
        Assert.NotEqual(codes[0], await CodeOfAsync(NewUser()));
    }

    [Fact]
    public async Task A_new_account_claims_a_code_once_and_the_referrer_sees_it_waiting()
    {
        var referrer = NewUser();
        var invitee = NewUser();
        var code = await CodeOfAsync(referrer);

        using var rest = fixture.CreateRestClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/referrals:claim") { Content = JsonContent.Create(new { code = code.ToLowerInvariant() }) };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(As(invitee).GetValue("authorization")!);
        using var response = await rest.SendAsync(request, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));

        var mine = await fixture.Referral.ListReferralsAsync(new ListReferralsRequest(), As(referrer), cancellationToken: Ct);
        var referral = Assert.Single(mine.Referrals);
        Assert.Equal((invitee, RewardState.Waiting), (referral.InviteeId, referral.RewardState));
        Assert.Equal(1, (await fixture.Referral.GetReferralCodeAsync(new GetReferralCodeRequest(), As(referrer), cancellationToken: Ct)).Claims);
        Assert.Empty((await fixture.Referral.ListReferralsAsync(new ListReferralsRequest(), As(invitee), cancellationToken: Ct)).Referrals);
    }

    [Fact]
    public async Task Claiming_ones_own_code_is_refused()
    {
        var user = NewUser();
        var e = await RefusedClaimAsync(user, await CodeOfAsync(user));
        Assert.Equal((StatusCode.FailedPrecondition, "REFERRAL_OWN_CODE"), (e.StatusCode, Errors.Reason(e)));
    }

    [Fact]
    public async Task A_second_claim_is_refused_even_of_another_code()
    {
        var invitee = NewUser();
        await fixture.Referral.ClaimReferralAsync(new ClaimReferralRequest { Code = await CodeOfAsync(NewUser()) }, As(invitee), cancellationToken: Ct);
        foreach (var code in new[] { await CodeOfAsync(NewUser()) })
        {
            var e = await RefusedClaimAsync(invitee, code);
            Assert.Equal((StatusCode.FailedPrecondition, "REFERRAL_ALREADY_CLAIMED"), (e.StatusCode, Errors.Reason(e)));
        }
    }

    [Fact]
    public async Task Concurrent_claims_by_one_account_make_one_referral()
    {
        var invitee = NewUser();
        var codes = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => CodeOfAsync(NewUser())));
        var results = await Task.WhenAll(codes.Select(async code =>
        {
            try { await fixture.Referral.ClaimReferralAsync(new ClaimReferralRequest { Code = code }, As(invitee), cancellationToken: Ct); return "ok"; }
            catch (RpcException e) { return Errors.Reason(e); }
        }));
        Assert.Equal(1, results.Count(r => r == "ok"));
        Assert.All(results.Where(r => r != "ok"), r => Assert.Equal("REFERRAL_ALREADY_CLAIMED", r));
        Assert.Equal(1L, await fixture.ReferralScalarAsync<long>("SELECT count(*) FROM referrals WHERE invitee_id = @invitee", new { invitee }));
    }

    [Fact]
    public async Task A_claim_by_an_account_older_than_the_window_is_refused()
    {
        var invitee = NewUser();
        fixture.Users.Created[invitee] = fixture.Clock.GetUtcNow().UtcDateTime - ReferralFixture.ClaimWindow - TimeSpan.FromMinutes(1);
        var e = await RefusedClaimAsync(invitee, await CodeOfAsync(NewUser()));
        Assert.Equal((StatusCode.FailedPrecondition, "REFERRAL_ACCOUNT_TOO_OLD"), (e.StatusCode, Errors.Reason(e)));
    }

    [Fact]
    public async Task Unknown_codes_and_malformed_claims_are_refused()
    {
        var e = await RefusedClaimAsync(NewUser(), "NOSUCHCD");
        Assert.Equal((StatusCode.FailedPrecondition, "REFERRAL_UNKNOWN_CODE"), (e.StatusCode, Errors.Reason(e)));
        e = await RefusedClaimAsync(NewUser(), "");
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("code", Errors.Fields(e));
        var list = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Referral.ListReferralsAsync(new ListReferralsRequest { PageSize = 101 }, As(NewUser()), cancellationToken: Ct));
        Assert.Contains("page_size", Errors.Fields(list));
    }

    [Fact]
    public async Task A_claim_between_accounts_that_saved_the_same_card_is_refused()
    {
        var referrer = NewUser();
        var code = await CodeOfAsync(referrer);
        await fixture.SaveCardAsync(referrer, "4242 4242 4242 4242");
        var invitee = await fixture.NewCustomerAsync(Mesh.Payment.Provider.TestCards.Visa);   // the same card
        await fixture.CardsKnownAsync(referrer);
        await fixture.CardsKnownAsync(invitee.Id);

        var e = await RefusedClaimAsync(invitee.Id, code);
        Assert.Equal((StatusCode.FailedPrecondition, "REFERRAL_SHARED_PAYMENT_CARD"), (e.StatusCode, Errors.Reason(e)));
        Assert.Equal(0L, await fixture.ReferralScalarAsync<long>("SELECT count(*) FROM referrals WHERE invitee_id = @id", new { id = invitee.Id }));

        // Another account with another card claims the same code.
        var other = await fixture.NewCustomerAsync(Mesh.Payment.Provider.TestCards.Mastercard);
        await fixture.CardsKnownAsync(other.Id);
        await fixture.Referral.ClaimReferralAsync(new ClaimReferralRequest { Code = code }, As(other.Id), cancellationToken: Ct);
    }
}
