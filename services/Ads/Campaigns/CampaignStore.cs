using Dapper;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Ads.Campaigns;

/// <summary>The SQL of campaigns: creating, reading, listing, staff decisions and the per-day report.</summary>
public sealed class CampaignStore(NpgsqlDataSource db)
{
    private const string Columns = """
        id, partner_id AS PartnerId, name, creative::text AS Creative, cities, genres, categories, start_time AS StartTime,
        end_time AS EndTime, daily_budget_minor AS DailyBudgetMinor, currency, bid_type AS BidType, bid_minor AS BidMinor,
        state, reject_reason AS RejectReason, create_time AS CreateTime
        """;

    /// <summary>Migrations/*.sql in order, then the outbox tables.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(CampaignStore).Assembly, cancellationToken);
        await Outbox.MigrateAsync(db, cancellationToken);
    }

    public async Task<CampaignRow> CreateAsync(CampaignRow row, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<CampaignRow>(new CommandDefinition($"""
            INSERT INTO campaigns (id, partner_id, name, creative, cities, genres, categories, start_time, end_time,
                daily_budget_minor, currency, bid_type, bid_minor, state, create_time)
            VALUES (@Id, @PartnerId, @Name, @Creative::jsonb, @Cities, @Genres, @Categories, @StartTime, @EndTime,
                @DailyBudgetMinor, @Currency, @BidType, @BidMinor, @State, @CreateTime)
            RETURNING {Columns}
            """, row, cancellationToken: cancellationToken));
    }

    public async Task<CampaignRow?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CampaignRow>(new CommandDefinition(
            $"SELECT {Columns} FROM campaigns WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Newest first (ids are v7); <paramref name="partnerId"/> null = every partner's (staff).</summary>
    public async Task<IReadOnlyList<CampaignRow>> ListAsync(string? partnerId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CampaignRow>(new CommandDefinition($"""
            SELECT {Columns} FROM campaigns
            WHERE (@partnerId::text IS NULL OR partner_id = @partnerId) AND (@after::uuid IS NULL OR id < @after)
            ORDER BY id DESC LIMIT @limit
            """, new { partnerId, after, limit }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>
    /// Moves a campaign from one of <paramref name="from"/> to <paramref name="to"/>; null when the campaign does not exist
    /// or is in another state (the caller reads it to tell which).
    /// </summary>
    public async Task<CampaignRow?> DecideAsync(Guid id, string[] from, string to, string? reason, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CampaignRow>(new CommandDefinition($"""
            UPDATE campaigns SET state = @to, reject_reason = @reason WHERE id = @id AND state = ANY(@from)
            RETURNING {Columns}
            """, new { id, from, to, reason }, cancellationToken: cancellationToken));
    }

    /// <summary>The campaign's days with any budget row (a day it took part in an auction), oldest first.</summary>
    public async Task<IReadOnlyList<CampaignDayRow>> DaysAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CampaignDayRow>(new CommandDefinition("""
            SELECT day, budget_milli AS BudgetMilli, spent_milli AS SpentMilli, impressions, clicks
            FROM campaign_days WHERE campaign_id = @id ORDER BY day
            """, new { id }, cancellationToken: cancellationToken))).AsList();
    }
}
