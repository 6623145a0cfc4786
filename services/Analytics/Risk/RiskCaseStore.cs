using System.Text.Json;
using Dapper;
using Mesh.Analytics.V1;
using Npgsql;

namespace Mesh.Analytics.Risk;

/// <summary>Risk cases (CHALLENGE and BLOCK answers) for staff review, newest first (uuid v7 ids), paged by the last id seen; opened through <see cref="RiskCaseWriter"/>.</summary>
public sealed class RiskCaseStore(NpgsqlDataSource db)
{
    /// <summary>A case to open: the CheckRisk call it answers, the answer, and when.</summary>
    public sealed record NewCase(Guid Id, CheckRiskRequest Request, RiskDecision Decision, IReadOnlyList<string> Reasons, DateTime CreateTime);

    /// <summary>Inserts the cases in one statement (<see cref="RiskCaseWriter"/> batches them).</summary>
    public async Task InsertAsync(IReadOnlyList<NewCase> cases, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        // reasons travel as a JSON array per case (unnest cannot take an array of arrays of different lengths).
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO risk_cases (id, action, decision, reasons, user_id, ip, device_id, card_fingerprint, item, attributes, create_time)
            SELECT id, action, decision, ARRAY(SELECT jsonb_array_elements_text(reasons::jsonb)), user_id, ip, device_id, card, item, attributes::jsonb, create_time
            FROM unnest(@ids, @actions, @decisions, @reasons, @users, @ips, @devices, @cards, @items, @attributes, @times)
                AS x(id, action, decision, reasons, user_id, ip, device_id, card, item, attributes, create_time)
            """, new
        {
            ids = cases.Select(c => c.Id).ToArray(), actions = cases.Select(c => Name(c.Request.Action)).ToArray(),
            decisions = cases.Select(c => c.Decision == RiskDecision.Block ? "BLOCK" : "CHALLENGE").ToArray(),
            reasons = cases.Select(c => JsonSerializer.Serialize(c.Reasons)).ToArray(),
            users = cases.Select(c => c.Request.UserId).ToArray(), ips = cases.Select(c => c.Request.Ip).ToArray(),
            devices = cases.Select(c => c.Request.DeviceId).ToArray(), cards = cases.Select(c => c.Request.CardFingerprint).ToArray(),
            items = cases.Select(c => c.Request.Item).ToArray(),
            attributes = cases.Select(c => JsonSerializer.Serialize(c.Request.Attributes.ToDictionary(a => a.Key, a => a.Value))).ToArray(),
            times = cases.Select(c => c.CreateTime).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>Up to <paramref name="limit"/> cases older than <paramref name="before"/> (null = from the newest), newest first.</summary>
    public async Task<IReadOnlyList<RiskCase>> ListAsync(Guid? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid Id, string Action, string Decision, string[] Reasons, string UserId, string Ip, string DeviceId, string CardFingerprint, DateTime CreateTime)>(
            new CommandDefinition("""
                SELECT id, action, decision, reasons, user_id, ip, device_id, card_fingerprint, create_time FROM risk_cases
                WHERE @before::uuid IS NULL OR id < @before ORDER BY id DESC LIMIT @limit
                """, new { before, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new RiskCase
        {
            Id = r.Id.ToString(), Action = Enum.Parse<RiskAction>(Pascal(r.Action)), Decision = r.Decision == "BLOCK" ? RiskDecision.Block : RiskDecision.Challenge,
            Reasons = { r.Reasons }, UserId = r.UserId, Ip = r.Ip, DeviceId = r.DeviceId, CardFingerprint = r.CardFingerprint,
            CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(r.CreateTime, DateTimeKind.Utc)),
        }).ToList();
    }

    private static string Name(RiskAction action) => action switch
    {
        RiskAction.SignIn => "SIGN_IN", RiskAction.Hold => "HOLD", RiskAction.Checkout => "CHECKOUT", RiskAction.Payment => "PAYMENT",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    private static string Pascal(string name) => string.Concat(name.Split('_').Select(p => p[..1] + p[1..].ToLowerInvariant()));
}
