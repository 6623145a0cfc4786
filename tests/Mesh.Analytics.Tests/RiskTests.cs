using Dapper;
using Mesh.Analytics.Risk;
using Mesh.Analytics.Tests.Support;
using Mesh.Analytics.V1;
using Npgsql;

namespace Mesh.Analytics.Tests;

/// <summary>
/// CheckRisk over the real windows: a scripted card-testing run and a scripted seat-hoarding bot are blocked, a normal
/// user's flow is allowed, a headless script on a timer is blocked, and every CHALLENGE or BLOCK is a case staff can list.
/// </summary>
public sealed class RiskTests(AnalyticsFixture fixture) : IClassFixture<AnalyticsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

    private async Task<CheckRiskResponse> CheckAsync(RiskAction action, string user, string ip = "", string device = "", string card = "", string userAgent = Browser)
    {
        var request = new CheckRiskRequest { Action = action, UserId = user, Ip = ip, DeviceId = device, CardFingerprint = card };
        request.Attributes["user_agent"] = userAgent;
        return await fixture.Client.CheckRiskAsync(request, cancellationToken: Ct);
    }

    /// <summary>A person's pace: a few seconds, never the same interval twice.</summary>
    private void Pause(int step) => fixture.Clock.Advance(TimeSpan.FromMilliseconds(1500 + step * 700 % 2300));

    [Fact]
    public async Task A_normal_user_signs_in_holds_checks_out_and_pays()
    {
        var user = Guid.NewGuid().ToString();
        var actions = new[] { RiskAction.SignIn, RiskAction.Hold, RiskAction.Hold, RiskAction.Checkout, RiskAction.Payment };
        for (var i = 0; i < actions.Length; i++)
        {
            Pause(i);
            var answer = await CheckAsync(actions[i], user, ip: "198.51.100.7", device: $"phone-{user}", card: actions[i] == RiskAction.Payment ? "fp-visa-1" : "");
            Assert.Equal(RiskDecision.Allow, answer.Decision);
            Assert.Empty(answer.Reasons);
            Assert.Empty(answer.CaseId);
        }
    }

    [Fact]
    public async Task A_card_testing_run_of_many_cards_is_blocked()
    {
        var user = Guid.NewGuid().ToString();
        var device = $"dev-{Guid.NewGuid():N}";
        var answers = new List<CheckRiskResponse>();
        for (var card = 1; card <= 5; card++)
        {
            Pause(card);
            answers.Add(await CheckAsync(RiskAction.Payment, user, ip: "203.0.113.9", device: device, card: $"fp-{user}-{card}"));
        }

        Assert.Equal([RiskDecision.Allow, RiskDecision.Allow, RiskDecision.Allow, RiskDecision.Block, RiskDecision.Block], answers.Select(a => a.Decision));
        Assert.Contains("CARD_TESTING", answers[3].Reasons);
        Assert.NotEmpty(answers[3].CaseId);
        // The same device under another account is caught by the device's cards too.
        Pause(9);
        var other = await CheckAsync(RiskAction.Payment, Guid.NewGuid().ToString(), device: device, card: $"fp-{user}-6");
        Assert.Equal(RiskDecision.Block, other.Decision);
    }

    [Fact]
    public async Task Declines_reported_by_payment_on_the_stream_block_the_next_payment_and_checkout()
    {
        var user = Guid.NewGuid();
        var declines = Enumerable.Range(0, 5).Select(_ => Guid.CreateVersion7()).ToArray();
        foreach (var id in declines)
            await fixture.PublishBusinessEventAsync("payment.failed", new
            {
                PaymentId = Guid.NewGuid(), UserId = user, Amount = 100, Currency = "EUR", FailureCode = "card_declined", IdempotencyKey = (string?)null,
            }, id);
        await fixture.CountedAsync(declines);

        var payment = await CheckAsync(RiskAction.Payment, user.ToString(), card: "fp-one-card");
        Pause(1);
        var checkout = await CheckAsync(RiskAction.Checkout, user.ToString());
        Pause(2);
        var hold = await CheckAsync(RiskAction.Hold, user.ToString());

        Assert.Equal((RiskDecision.Block, RiskDecision.Block, RiskDecision.Allow), (payment.Decision, checkout.Decision, hold.Decision));
        Assert.Equal(["CARD_TESTING"], payment.Reasons);
    }

    [Fact]
    public async Task A_seat_hoarding_bot_whose_holds_expire_unpaid_is_blocked_from_holding()
    {
        var bot = Guid.NewGuid();
        var expiries = Enumerable.Range(0, 5).Select(_ => Guid.CreateVersion7()).ToArray();
        // Booking's sweeper announces each hold that expired without a checkout (booking.hold_expired, its outbox).
        for (var i = 0; i < 5; i++)
        {
            Pause(i);
            Assert.Equal(RiskDecision.Allow, (await CheckAsync(RiskAction.Hold, bot.ToString())).Decision);
            await fixture.PublishBusinessEventAsync("booking.hold_expired", new
            {
                HoldId = Guid.NewGuid(), UserId = bot, ShowId = Guid.NewGuid(), ServiceId = (Guid?)null, ExpiredAt = fixture.Clock.GetUtcNow().UtcDateTime,
            }, expiries[i]);
        }
        await fixture.CountedAsync(expiries);

        Pause(6);
        var answer = await CheckAsync(RiskAction.Hold, bot.ToString());

        Assert.Equal(RiskDecision.Block, answer.Decision);
        Assert.Equal(["SEAT_HOARDING"], answer.Reasons);
        var cases = await fixture.Client.ListRiskCasesAsync(new ListRiskCasesRequest { PageSize = 100 }, fixture.Staff(), cancellationToken: Ct);
        var opened = Assert.Single(cases.Cases, c => c.Id == answer.CaseId);
        Assert.Equal((RiskAction.Hold, RiskDecision.Block, bot.ToString()), (opened.Action, opened.Decision, opened.UserId));
    }

    [Fact]
    public async Task Holding_faster_than_the_velocity_limit_is_blocked()
    {
        var ip = $"192.0.2.{Random.Shared.Next(1, 250)}-{Guid.NewGuid():N}";
        var decisions = new List<RiskDecision>();
        for (var i = 0; i < 31; i++)
        {
            Pause(i);
            decisions.Add((await CheckAsync(RiskAction.Hold, Guid.NewGuid().ToString(), ip: ip)).Decision);
        }
        Assert.All(decisions.Take(30), d => Assert.Equal(RiskDecision.Allow, d));
        Assert.Equal(RiskDecision.Block, decisions[30]);
    }

    [Fact]
    public async Task A_headless_client_is_challenged_and_one_on_a_timer_is_blocked()
    {
        var user = Guid.NewGuid().ToString();
        var first = await CheckAsync(RiskAction.SignIn, user, userAgent: "Mozilla/5.0 HeadlessChrome/131.0");
        Assert.Equal(RiskDecision.Challenge, first.Decision);
        Assert.Equal(["HEADLESS_CLIENT"], first.Reasons);

        CheckRiskResponse last = first;
        for (var i = 0; i < 8; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(2));   // exactly every two seconds: a timer
            last = await CheckAsync(RiskAction.Hold, user, userAgent: "Mozilla/5.0 HeadlessChrome/131.0");
        }
        Assert.Equal(RiskDecision.Block, last.Decision);
        Assert.Equal(["BOT_CADENCE", "HEADLESS_CLIENT"], last.Reasons);
    }

    [Fact]
    public async Task Risk_cases_are_for_staff_and_page_newest_first()
    {
        var customer = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListRiskCasesAsync(new ListRiskCasesRequest(), fixture.Customer(Guid.NewGuid().ToString()), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, customer.StatusCode);

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            Pause(i);
            ids.Add((await CheckAsync(RiskAction.SignIn, Guid.NewGuid().ToString(), userAgent: "python-requests/2.32")).CaseId);
        }
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await fixture.Client.ListRiskCasesAsync(new ListRiskCasesRequest { PageSize = 2, PageToken = token }, fixture.Staff(), cancellationToken: Ct);
            seen.AddRange(page.Cases.Select(c => c.Id));
            token = page.NextPageToken;
        } while (token.Length > 0);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen.Where(ids.Contains));

        var bad = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListRiskCasesAsync(new ListRiskCasesRequest { PageToken = "nope" }, fixture.Staff(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["page_token"], Errors.Fields(bad));
    }

    [Fact]
    public async Task Cases_opened_at_once_are_committed_together_and_each_answer_names_its_own()
    {
        // Many CHALLENGE answers at the same moment: the case writer inserts whatever waits in one statement.
        var users = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid().ToString()).ToList();
        var answers = await Task.WhenAll(users.Select(u => CheckAsync(RiskAction.SignIn, u, ip: $"10.9.{users.IndexOf(u)}.1", userAgent: "HeadlessChrome/131.0")));

        Assert.All(answers, a => Assert.Equal(RiskDecision.Challenge, a.Decision));
        Assert.Equal(users.Count, answers.Select(a => a.CaseId).Distinct().Count());
        await using var connection = new NpgsqlConnection(fixture.Db);
        var rows = (await connection.QueryAsync<(Guid Id, string UserId, string Ip, string[] Reasons)>(
            "SELECT id, user_id, ip, reasons FROM risk_cases WHERE id = ANY(@ids)", new { ids = answers.Select(a => Guid.Parse(a.CaseId)).ToArray() }))
            .ToDictionary(r => r.Id);
        for (var i = 0; i < users.Count; i++)
        {
            var row = rows[Guid.Parse(answers[i].CaseId)];
            Assert.Equal((users[i], $"10.9.{i}.1"), (row.UserId, row.Ip));
            Assert.Equal([RiskRules.HeadlessClient], row.Reasons);
        }
    }

    [Fact]
    public async Task A_check_without_an_action_or_a_subject_is_invalid()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CheckRiskAsync(new CheckRiskRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["action", "user_id"], Errors.Fields(e));
    }
}
