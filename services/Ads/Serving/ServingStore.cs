using Dapper;
using Mesh.Ads.Events;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Ads.Serving;

/// <summary>
/// The SQL of serving: the eligible campaigns of a slot, and recording an impression or a click together with its
/// bill and its event, in one transaction each. Spend moves only by a conditional UPDATE of the day's row (the row
/// lock orders concurrent bills; the condition keeps within the paced allowance) under the spend_within_budget CHECK.
/// </summary>
public sealed class ServingStore(NpgsqlDataSource db)
{
    private const string CheckViolation = "23514";

    /// <summary>An approved, live campaign matching a slot, with its spend and counts of that day.</summary>
    public sealed class Candidate
    {
        public Guid Id { get; init; }
        public string Creative { get; init; } = "{}";
        public string BidType { get; init; } = "";
        public long BidMinor { get; init; }
        public long DailyBudgetMinor { get; init; }
        public string Currency { get; init; } = "";
        public long SpentMilli { get; init; }
        public long Impressions { get; init; }
        public long Clicks { get; init; }
    }

    /// <summary>
    /// Approved campaigns in schedule at <paramref name="now"/>, targeting the city (or every city) and, when they target
    /// genres or categories, one of the slot's; a viewer at the frequency cap for a campaign does not see it again that day.
    /// </summary>
    public async Task<IReadOnlyList<Candidate>> CandidatesAsync(string city, string[] genres, string[] categories, string viewer, DateTime day,
        DateTime now, int cap, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Candidate>(new CommandDefinition("""
            SELECT c.id, c.creative::text AS Creative, c.bid_type AS BidType, c.bid_minor AS BidMinor, c.daily_budget_minor AS DailyBudgetMinor,
                   c.currency, coalesce(d.spent_milli, 0) AS SpentMilli, coalesce(d.impressions, 0) AS Impressions, coalesce(d.clicks, 0) AS Clicks
            FROM campaigns c
            LEFT JOIN campaign_days d ON d.campaign_id = c.id AND d.day = @day
            WHERE c.state = 'APPROVED' AND c.start_time <= @now AND c.end_time > @now
              AND (cardinality(c.cities) = 0 OR @city = ANY (c.cities))
              AND ((cardinality(c.genres) = 0 AND cardinality(c.categories) = 0) OR c.genres && @genres OR c.categories && @categories)
              AND (@viewer = '' OR NOT EXISTS (
                    SELECT 1 FROM frequency f WHERE f.campaign_id = c.id AND f.viewer = @viewer AND f.day = @day AND f.shown >= @cap))
            """, new { city, genres, categories, viewer, day, now, cap }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>An impression about to be recorded: who won, what it costs now (CPM) and per click (CPC), the allowance.</summary>
    public sealed record Serve(Guid ImpressionId, Guid CampaignId, DateTime Day, string Viewer, string UserId, string DeviceId, string City, int Slot,
        long PriceMilli, long ClickPriceMilli, long BudgetMilli, long AllowedMilli, string Currency, DateTime Now);

    /// <summary>
    /// Records and bills one impression, counts it against the viewer's cap and writes its ad.impression event, all or
    /// nothing. False (nothing written) when the bill would pass the day's allowance or budget, or the viewer reached
    /// the cap meanwhile: the slot goes to the next bidder.
    /// </summary>
    public async Task<bool> ServeAsync(Serve s, int cap, CancellationToken cancellationToken)
    {
        if (s.PriceMilli > s.AllowedMilli) return false;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            if (s.Viewer.Length > 0)
            {
                var counted = await connection.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO frequency AS f (campaign_id, viewer, day, shown) VALUES (@CampaignId, @Viewer, @Day, 1)
                    ON CONFLICT (campaign_id, viewer, day) DO UPDATE SET shown = f.shown + 1 WHERE f.shown < @cap
                    """, new { s.CampaignId, s.Viewer, s.Day, cap }, tx, cancellationToken: cancellationToken));
                if (counted == 0) { await tx.RollbackAsync(cancellationToken); return false; }
            }
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO impressions (id, campaign_id, day, viewer, city, slot, price_milli, click_price_milli, create_time)
                VALUES (@ImpressionId, @CampaignId, @Day, @Viewer, @City, @Slot, @PriceMilli, @ClickPriceMilli, @Now)
                """, s, tx, cancellationToken: cancellationToken));
            await Outbox.AddAsync(tx, AdEvents.Impression(new AdEvents.AdImpression(
                s.ImpressionId, s.CampaignId, s.UserId, s.DeviceId, s.City, s.Slot, s.PriceMilli, s.Currency, s.Now)), cancellationToken);
            // Last, so the day's row is locked only for this statement and the commit: concurrent serves queue here.
            var billed = await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO campaign_days AS d (campaign_id, day, budget_milli, spent_milli, impressions)
                VALUES (@CampaignId, @Day, @BudgetMilli, @PriceMilli, 1)
                ON CONFLICT (campaign_id, day) DO UPDATE SET spent_milli = d.spent_milli + excluded.spent_milli, impressions = d.impressions + 1
                WHERE d.spent_milli + excluded.spent_milli <= @AllowedMilli AND d.spent_milli < @AllowedMilli
                """, s, tx, cancellationToken: cancellationToken));
            if (billed == 0) { await tx.RollbackAsync(cancellationToken); return false; }
            await tx.CommitAsync(cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == CheckViolation)
        {
            // The budget CHECK refused what the allowance let through (a budget row of an earlier, smaller budget).
            return false;
        }
    }

    public sealed record ClickOutcome(Guid CampaignId, string TargetUrl, bool FirstClick);

    /// <summary>
    /// Records the first click of an impression and bills it (CPC: the impression's click price, at most what is left
    /// of that day's budget; CPM: nothing) with its ad.clicked event. A later click of the same impression finds the
    /// clicks row (its primary key) and changes nothing. Null when the impression does not exist.
    /// </summary>
    public async Task<ClickOutcome?> ClickAsync(Guid impressionId, string userId, string deviceId, string currency, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var impression = await connection.QuerySingleOrDefaultAsync<(Guid CampaignId, DateTime Day, string City, long ClickPriceMilli, string Creative)>(
            new CommandDefinition("""
                SELECT i.campaign_id, i.day, i.city, i.click_price_milli, c.creative::text
                FROM impressions i JOIN campaigns c ON c.id = i.campaign_id WHERE i.id = @impressionId
                """, new { impressionId }, tx, cancellationToken: cancellationToken));
        if (impression.CampaignId == Guid.Empty) return null;
        var target = Campaigns.CampaignInput.ParseCreative(impression.Creative).TargetUrl;

        // The day's row first (locked): the room left in the budget is read and used by this click alone.
        var room = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            SELECT budget_milli - spent_milli FROM campaign_days WHERE campaign_id = @CampaignId AND day = @Day FOR UPDATE
            """, new { impression.CampaignId, impression.Day }, tx, cancellationToken: cancellationToken));
        var billed = Math.Max(0, Math.Min(impression.ClickPriceMilli, room));
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO clicks (impression_id, campaign_id, day, billed_milli, create_time) VALUES (@impressionId, @CampaignId, @Day, @billed, @now)
            ON CONFLICT (impression_id) DO NOTHING
            """, new { impressionId, impression.CampaignId, impression.Day, billed, now }, tx, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            await tx.RollbackAsync(cancellationToken);
            return new ClickOutcome(impression.CampaignId, target, FirstClick: false);
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE campaign_days SET spent_milli = spent_milli + @billed, clicks = clicks + 1 WHERE campaign_id = @CampaignId AND day = @Day
            """, new { billed, impression.CampaignId, impression.Day }, tx, cancellationToken: cancellationToken));
        await Outbox.AddAsync(tx, AdEvents.Clicked(new AdEvents.AdClicked(impressionId, impression.CampaignId, userId, deviceId, impression.City, billed, currency, now)),
            cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new ClickOutcome(impression.CampaignId, target, FirstClick: true);
    }
}
